"""ScriptedInput: steps in order, routes checked (aliases count), clear errors, mapping form."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest
from engine_support import fixture, step

from flatpeak_connect.engine.errors import ScriptError
from flatpeak_connect.engine.inputs import ScriptedInput
from flatpeak_connect.engine.models import FieldError, Page, Submission

if TYPE_CHECKING:
    from pathlib import Path


def page(version: str, name: str) -> Page:
    """The fixture page ``name`` as a Page."""
    return Page.from_json(fixture(version, "pages", name), version)


REJECTED = (FieldError("/provider/id", "provider_not_found", "Not found.", "server"),)


class TestListScript:
    """A script as a list of steps."""

    async def test_steps_are_answered_in_order(self) -> None:
        """Each collect() returns the next step as a submission for the current page."""
        script = ScriptedInput(
            [step("zero", "postal_address_capture"), step("zero", "provider_select")]
        )
        first = await script.collect(page("zero", "postal_address_capture"), ())
        second = await script.collect(page("zero", "provider_select"), ())
        assert first == Submission(**step("zero", "postal_address_capture"))
        assert second == Submission(**step("zero", "provider_select"))
        assert script.remaining == 0

    async def test_an_alias_matches_its_route(self) -> None:
        """A step for tariffs_summary answers a page Connect called tariff_summary."""
        alias = Page.from_json(
            {**fixture("anode", "pages", "tariffs_summary"), "route": "tariff_summary"}, "anode"
        )
        script = ScriptedInput([{"route": "tariffs_summary", "action": "CLOSE"}])
        assert await script.collect(alias, ()) == Submission("tariff_summary", action="CLOSE")

    async def test_a_step_for_another_page_names_both_routes(self) -> None:
        """A mismatch says which step, which route it is for, and where Connect is."""
        script = ScriptedInput([step("zero", "tariff_select")])
        with pytest.raises(
            ScriptError, match=r"step 1 is for route 'tariff_select'.*on page 'provider_select'"
        ):
            await script.collect(page("zero", "provider_select"), ())

    async def test_a_mismatch_after_a_rejection_quotes_the_errors(self) -> None:
        """When the last answer was rejected, the mismatch error says why."""
        script = ScriptedInput([step("zero", "tariff_select")])
        with pytest.raises(ScriptError, match="rejected: provider_not_found at /provider/id"):
            await script.collect(page("zero", "provider_select"), REJECTED)

    async def test_an_exhausted_script_names_the_route(self) -> None:
        """A script that runs out says how long it was and which page is waiting."""
        script = ScriptedInput([])
        with pytest.raises(ScriptError, match=r"ran out after 0 steps.*'provider_select'"):
            await script.collect(page("zero", "provider_select"), ())

    async def test_an_empty_answer_is_allowed(self) -> None:
        """A step with neither action nor data posts an empty answer (contract_term's skip)."""
        script = ScriptedInput([{"route": "contract_term_capture"}])
        result = await script.collect(page("zero", "contract_term_capture"), ())
        assert result == Submission("contract_term_capture")


class TestMappingScript:
    """A script as a mapping from route to answer."""

    async def test_each_page_gets_its_route_answer_as_often_as_it_comes(self) -> None:
        """A mapping answers a route every time it comes, in any order."""
        script = ScriptedInput({"provider_select": {"action": "PROVIDER_MISSING"}})
        for _ in range(3):
            result = await script.collect(page("zero", "provider_select"), ())
            assert result == Submission("provider_select", action="PROVIDER_MISSING")
        assert script.remaining is None

    async def test_a_list_of_answers_is_used_one_per_visit(self) -> None:
        """A route mapped to a list gets the next answer at each visit, then an error."""
        script = ScriptedInput(
            {"provider_select": [{"action": "ADDRESS_CHANGE"}, {"action": "PROVIDER_MISSING"}]}
        )
        provider = page("zero", "provider_select")
        assert (await script.collect(provider, ())).action == "ADDRESS_CHANGE"
        assert (await script.collect(provider, ())).action == "PROVIDER_MISSING"
        with pytest.raises(ScriptError, match="used up"):
            await script.collect(provider, ())

    async def test_a_rejected_answer_is_not_sent_twice(self) -> None:
        """The same answer after Connect rejected it stops the script instead of looping."""
        script = ScriptedInput({"provider_select": {"data": {"provider": {"id": "prv_x"}}}})
        provider = page("zero", "provider_select")
        await script.collect(provider, ())
        with pytest.raises(
            ScriptError, match=r"'provider_select'.*was rejected: provider_not_found"
        ):
            await script.collect(provider, REJECTED)

    async def test_a_route_with_no_answer_lists_the_ones_there_are(self) -> None:
        """A page the mapping does not answer is an error naming it and the routes answered."""
        script = ScriptedInput({"provider_select": {"action": "PROVIDER_MISSING"}})
        with pytest.raises(
            ScriptError, match=r"no answer for page 'tariff_select' \(it answers provider_select\)"
        ):
            await script.collect(page("zero", "tariff_select"), ())


class TestMalformedScripts:
    """Scripts refused when loaded."""

    @pytest.mark.parametrize(
        ("script", "message"),
        [
            ([{"action": "SAVE"}], r"step 1: 'route' must be"),
            ([{"route": "x", "action": 3}], r"step 1 \(route 'x'\): 'action'"),
            ([{"route": "x", "data": []}], r"'data' must be an object"),
            ([{"route": "x", "colour": "red"}], "unknown keys colour"),
            (["provider_select"], "step 1: expected an object"),
            ({"provider_select": []}, "list of answers for 'provider_select' is empty"),
            ("provider_select", "a JSON list of steps"),
        ],
    )
    def test_malformed_scripts_are_refused_up_front(self, script: object, message: str) -> None:
        """A malformed script is refused when built, with the step and the problem named."""
        with pytest.raises(ScriptError, match=message):
            ScriptedInput(script)  # type: ignore[arg-type]

    async def test_a_script_file_is_loaded(self, tmp_path: Path) -> None:
        """from_file reads a JSON script."""
        path = tmp_path / "script.json"
        path.write_text(json.dumps([step("zero", "provider_select")]), encoding="utf-8")
        script = ScriptedInput.from_file(path)
        assert (await script.collect(page("zero", "provider_select"), ())).data is not None

    def test_a_missing_or_broken_file_is_a_script_error(self, tmp_path: Path) -> None:
        """An unreadable or non-JSON script file is a ScriptError naming the file."""
        with pytest.raises(ScriptError, match="cannot read the script"):
            ScriptedInput.from_file(tmp_path / "missing.json")
        broken = tmp_path / "broken.json"
        broken.write_text("[{", encoding="utf-8")
        with pytest.raises(ScriptError, match=r"broken\.json is not JSON"):
            ScriptedInput.from_file(broken)
