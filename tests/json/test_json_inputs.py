"""JSON input: an app's answer to a view model becomes a checked Submission."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from flatpeak_connect.engine.models import Page, Submission
from flatpeak_connect.renderers.json.inputs import JsonInput, read_answer

FIXTURES = Path(__file__).parents[1] / "fixtures"


def fixture(version: str, name: str) -> Page:
    """Load a named fixture page."""
    path = FIXTURES / version / "pages" / f"{name}.json"
    return Page.from_json(json.loads(path.read_text()), version)


def codes(result: Any) -> list[tuple[str, str]]:
    """The (pointer, code) of each error of a result."""
    return [(e.pointer, e.code) for e in result.errors]


class TestActions:
    """{"action": ...} answers."""

    def test_offered_action_any_case(self) -> None:
        """An offered action is accepted in any letter case and sent in Connect's spelling."""
        result = read_answer(fixture("anode", "provider_select"), {"action": "provider_missing"})
        assert result.submission == Submission("provider_select", action="PROVIDER_MISSING")

    def test_universal_action(self) -> None:
        """BACK is offered on every anode page even when the page omits it."""
        shown = fixture("anode", "rate_tod_capture")
        assert read_answer(shown, {"action": "BACK"}).submission == Submission(
            "rate_tod_capture", action="BACK"
        )

    def test_action_not_offered(self) -> None:
        """An action the page does not offer is action_invalid, naming what is offered."""
        result = read_answer(fixture("zero", "summary_tou_confirm"), {"action": "CLOSE"})
        assert result.submission is None
        assert codes(result) == [("", "action_invalid")]
        assert "SAVE" in result.errors[0].message


class TestValues:
    """{"values": ...} answers."""

    def test_by_name_and_by_pointer(self) -> None:
        """Fields may be keyed by name or by pointer; the address is built by pointer."""
        answer = {
            "values": {
                "address_line1": "17 Orchard Row",
                "/postal_address/city": "Millbrook",
                "post_code": "MB4 7QT",
                "country_code": "gb",
            }
        }
        result = read_answer(fixture("anode", "postal_address_capture"), answer)
        assert result.errors == ()
        assert result.submission is not None
        assert result.submission.data == {
            "postal_address": {
                "address_line1": "17 Orchard Row",
                "address_line2": "",
                "city": "Millbrook",
                "post_code": "MB4 7QT",
                "country_code": "GB",
            }
        }

    def test_wire_units(self) -> None:
        """Money is taken in major units, as on the wire."""
        result = read_answer(fixture("anode", "rate_fixed_capture"), {"values": {"cost": 0.245}})
        assert result.submission == Submission("rate_fixed_capture", data={"cost": 0.245})

    def test_periods_by_item_name(self) -> None:
        """Periods are a list of objects keyed by the items' names."""
        rows = [
            {"valid_from": "00:00", "valid_to": "07:00", "cost": 0.09},
            {"valid_from": "07:00", "valid_to": "00:00", "cost": 0.3},
        ]
        result = read_answer(fixture("zero", "rate_tod_capture"), {"values": {"hours": rows}})
        assert result.submission is not None
        assert result.submission.data == {
            "hours": [
                {"valid_from": "00:00:00", "valid_to": "07:00:00", "cost": 0.09},
                {"valid_from": "07:00:00", "valid_to": "00:00:00", "cost": 0.3},
            ]
        }

    def test_documented_codes(self) -> None:
        """An incomplete answer gets the codes Connect documents, before a round trip."""
        answer = {
            "values": {"address_line1": "x", "city": "", "post_code": "", "country_code": "GB"}
        }
        result = read_answer(fixture("zero", "postal_address_capture"), answer)
        assert result.submission is None
        assert ("/postal_address/city", "city_missing") in codes(result)
        assert ("/postal_address/post_code", "post_code_missing") in codes(result)
        assert result.data["postal_address"]["address_line1"] == "x"

    def test_gap_between_periods(self) -> None:
        """A semantic check (gap_in_time_period) runs too."""
        rows = [
            {"valid_from": "00:00", "valid_to": "06:00", "cost": 0.09},
            {"valid_from": "07:00", "valid_to": "00:00", "cost": 0.3},
        ]
        result = read_answer(fixture("zero", "rate_tod_capture"), {"values": {"hours": rows}})
        assert codes(result) == [("/hours", "gap_in_time_period")]

    def test_unknown_field(self) -> None:
        """A key that is no field's name or pointer is refused, listing the fields."""
        result = read_answer(fixture("zero", "tariff_name_capture"), {"values": {"nme": "x"}})
        assert codes(result) == [("", "data_json_invalid")]
        assert "tariff_name" in result.errors[0].message

    def test_values_on_an_action_page(self) -> None:
        """A summary is answered with an action, not values."""
        result = read_answer(fixture("zero", "summary_tou_confirm"), {"values": {}})
        assert codes(result) == [("", "action_missing")]


class TestShape:
    """The answer's own shape."""

    def test_not_an_object(self) -> None:
        """An answer must be a JSON object."""
        assert codes(read_answer(fixture("zero", "tariff_select"), ["x"])) == [
            ("", "data_json_invalid")
        ]

    def test_both_action_and_values(self) -> None:
        """An answer carries one of action, values or data."""
        result = read_answer(fixture("anode", "tariff_select"), {"action": "BACK", "values": {}})
        assert "not action and values" in result.errors[0].message

    def test_wrong_route(self) -> None:
        """An answer for another page is refused."""
        result = read_answer(fixture("anode", "tariff_select"), {"route": "x", "action": "BACK"})
        assert "'x'" in result.errors[0].message

    def test_empty_answer_where_allowed(self) -> None:
        """Zero's contract term may be skipped with an empty answer."""
        shown = fixture("zero", "contract_term_capture")
        assert read_answer(shown, {}).submission == Submission("contract_term_capture")
        assert codes(read_answer(fixture("zero", "tariff_select"), {})) == [("", "action_missing")]

    def test_raw_data(self) -> None:
        """Raw data is passed on unchanged, but still validated."""
        shown = fixture("zero", "tariff_select")
        good = read_answer(shown, {"data": {"tariff": {"id": shown.data["tariffs"][0]["id"]}}})
        assert good.submission is not None
        bad = read_answer(shown, {"data": {"tariff": {}}})
        assert codes(bad) == [("/tariff/id", "tariff_id_missing")]


class TestJsonInput:
    """JsonInput: the InputSource over an app's answers."""

    async def test_asks_again_until_valid(self) -> None:
        """A refused answer is shown back with its errors, and the next answer is read."""
        answers = iter([{"values": {"tariff_name": ""}}, {"values": {"tariff_name": "Eco"}}])
        shown_back: list[Any] = []

        async def receive() -> Any:
            return next(answers)

        async def show(view: Any) -> None:
            shown_back.append(view)

        source = JsonInput(receive, show=show)
        submission = await source.collect(fixture("zero", "tariff_name_capture"), [])
        assert submission == Submission("tariff_name_capture", data={"tariff": {"name": "Eco"}})
        assert len(shown_back) == 1
        assert shown_back[0]["errors"][0]["code"] == "tariff_name_missing"
        assert shown_back[0]["errors"][0]["field"] == "tariff_name"
