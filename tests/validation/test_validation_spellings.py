"""Both spellings of every field FlatPeak renamed (DESIGN.md, "loose ends"), in the real packs.

Each spelling alone is accepted; where one of the two is required, neither is an error at the
first spelling; and a wrong value under either spelling is caught at that spelling's own pointer,
which shows the schema reads both, not merely tolerates an unknown member.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest
from validation_support import FIXTURES, TOKEN, load

from flatpeak_connect.engine.validation import (
    MEMBER_MISSING,
    TYPE_INVALID,
    VALUE_INVALID,
    get_validator,
)


def page(version: str, route: str) -> dict[str, Any]:
    """Return a fresh copy of the corpus's base page of ``route``."""
    return copy.deepcopy(load(FIXTURES / version / "pages" / f"{route}.json"))


def found(version: str, document: dict[str, Any]) -> list[tuple[str, str]]:
    """Return ``(pointer, code)`` of each error validate_page reports."""
    return [(e.pointer, e.code) for e in get_validator(version).validate_page(document)]


def respelled(document: dict[str, Any], where: list[str], old: str, new: str) -> dict[str, Any]:
    """Move the member ``old`` to ``new`` inside ``document`` at the path ``where``."""
    target = document
    for step in where:
        target = target[step]
    target[new] = target.pop(old)
    return document


class TestRedirectUrl:
    """session_redirect: `redirect_url` / `redirect_uri`."""

    @pytest.mark.parametrize("version", ["zero", "anode"])
    @pytest.mark.parametrize("spelling", ["redirect_url", "redirect_uri"])
    def test_either_spelling_alone_is_valid(self, version: str, spelling: str) -> None:
        """A redirect page carrying only one spelling is valid."""
        document = page(version, "session_redirect")
        url = document["data"].pop("redirect_url", None) or document["data"].pop("redirect_uri")
        document["data"] = {spelling: url}
        assert found(version, document) == []

    @pytest.mark.parametrize("version", ["zero", "anode"])
    def test_neither_spelling_is_one_error_at_the_first(self, version: str) -> None:
        """With neither spelling, one member_missing error at /data/redirect_url."""
        document = page(version, "session_redirect")
        document["data"] = {}
        assert found(version, document) == [("/data/redirect_url", MEMBER_MISSING)]

    @pytest.mark.parametrize("version", ["zero", "anode"])
    @pytest.mark.parametrize("spelling", ["redirect_url", "redirect_uri"])
    def test_a_wrong_value_is_caught_under_either(self, version: str, spelling: str) -> None:
        """A number for the URL is a type error at the spelling used."""
        document = page(version, "session_redirect")
        document["data"] = {spelling: 42}
        assert found(version, document) == [(f"/data/{spelling}", TYPE_INVALID)]


class TestCallbackUrl:
    """zero's session_complete: `callback_uri` / `callback_url`."""

    @pytest.mark.parametrize("spelling", ["callback_uri", "callback_url"])
    def test_either_spelling_alone_is_valid(self, spelling: str) -> None:
        """A completion page carrying only one spelling is valid."""
        document = page("zero", "session_complete")
        document["data"] = {spelling: "https://app.example.org/flatpeak/done"}
        assert found("zero", document) == []

    def test_neither_spelling_is_one_error_at_the_first(self) -> None:
        """With neither spelling, one member_missing error at /data/callback_uri."""
        document = page("zero", "session_complete")
        document["data"] = {}
        assert found("zero", document) == [("/data/callback_uri", MEMBER_MISSING)]

    @pytest.mark.parametrize("spelling", ["callback_uri", "callback_url"])
    def test_a_wrong_value_is_caught_under_either(self, spelling: str) -> None:
        """A list for the URL is a type error at the spelling used."""
        document = page("zero", "session_complete")
        document["data"] = {spelling: ["https://app.example.org"]}
        assert found("zero", document) == [(f"/data/{spelling}", TYPE_INVALID)]


class TestSummaryRoute:
    """anode's summary route: `tariffs_summary` / `tariff_summary`."""

    @pytest.mark.parametrize("route", ["tariffs_summary", "tariff_summary"])
    def test_page_under_either_name_is_valid(self, route: str) -> None:
        """The summary page validates under either route name, with the same schema."""
        document = page("anode", "tariffs_summary")
        document["route"] = route
        assert found("anode", document) == []
        assert get_validator("anode").page_schema(route) == "pages/tariffs_summary.json"

    @pytest.mark.parametrize("route", ["tariffs_summary", "tariff_summary"])
    def test_page_under_either_name_is_checked(self, route: str) -> None:
        """Under either name, a summary without its tariff is rejected (the schema applies)."""
        document = page("anode", "tariffs_summary")
        document["route"] = route
        del document["data"]["tariff"]
        assert found("anode", document) == [("/data/tariff", MEMBER_MISSING)]

    @pytest.mark.parametrize("route", ["tariffs_summary", "tariff_summary"])
    def test_answer_under_either_name_is_valid(self, route: str) -> None:
        """An answer may be posted under either route name."""
        body = {"connect_token": TOKEN, "route": route, "action": "EDIT"}
        assert get_validator("anode").validate_answer(body) == []


class TestWrongTariffAction:
    """anode's report action: `WRONG_TARIFF_REPORT` / `WRONG_TARIFF`."""

    @pytest.mark.parametrize("action", ["WRONG_TARIFF_REPORT", "WRONG_TARIFF"])
    def test_page_offering_either_is_valid(self, action: str) -> None:
        """A summary page may offer the action under either spelling."""
        document = page("anode", "tariffs_summary")
        document["actions"] = [action, "EDIT", "DISCONNECT", "CLOSE", "BACK"]
        assert found("anode", document) == []

    @pytest.mark.parametrize("action", ["WRONG_TARIFF_REPORT", "WRONG_TARIFF"])
    def test_answer_with_either_is_valid(self, action: str) -> None:
        """Either spelling is a valid answer on the summary, under either route name."""
        validator = get_validator("anode")
        for route in ("tariffs_summary", "tariff_summary"):
            body = {"connect_token": TOKEN, "route": route, "action": action}
            assert validator.validate_answer(body) == []


class TestEnvelopeSpellings:
    """The envelope: `direction` / `tariff_direction`, `type` / `tariff_type`."""

    @pytest.mark.parametrize("version", ["zero", "anode"])
    @pytest.mark.parametrize("spelling", ["direction", "tariff_direction"])
    def test_direction_under_either_name(self, version: str, spelling: str) -> None:
        """The direction is accepted under either name, and checked under either."""
        document = page(version, "rate_fixed_capture")
        document.pop("direction", None)
        document.pop("tariff_direction", None)
        document[spelling] = "EXPORT"
        assert found(version, document) == []
        document[spelling] = "SIDEWAYS"
        assert found(version, document) == [(f"/{spelling}", VALUE_INVALID)]

    @pytest.mark.parametrize("spelling", ["type", "tariff_type"])
    def test_tariff_type_under_either_name(self, spelling: str) -> None:
        """The tariff type is accepted under either name (any string), and must be a string."""
        document = page("anode", "rate_fixed_capture")
        document.pop("type", None)
        document[spelling] = "NON_COMMODITY"
        assert found("anode", document) == []
        document[spelling] = 3
        assert found("anode", document) == [(f"/{spelling}", TYPE_INVALID)]

    def test_type_render_from_the_official_client_is_valid(self) -> None:
        """`type: "render"`, as FlatPeak's web client tags pages, is not an error."""
        document = page("anode", "rate_fixed_capture")
        document["type"] = "render"
        assert found("anode", document) == []


class TestStructureSpellings:
    """The summary tariff's structure: `structure_type` / `structure`."""

    CASES = (
        ("zero", "summary_tou_confirm"),
        ("zero", "summary_fixed_confirm"),
        ("anode", "tariffs_summary"),
    )

    @pytest.mark.parametrize(("version", "route"), CASES)
    @pytest.mark.parametrize("spelling", ["structure_type", "structure"])
    def test_structure_under_either_name(self, version: str, route: str, spelling: str) -> None:
        """The structure is accepted under either name, and a wrong type is caught under either."""
        document = page(version, route)
        tariff = document["data"]["tariff"]
        value = tariff.pop("structure_type", None) or tariff.pop("structure", None) or "FIXED"
        tariff[spelling] = value
        assert found(version, document) == []
        tariff[spelling] = 7
        assert found(version, document) == [(f"/data/tariff/{spelling}", TYPE_INVALID)]
