"""engine/answers.py: current values, choices, offered actions and building an answer's data."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from flatpeak_connect.engine.answers import (
    build_answer,
    current_value,
    date_to_wire,
    field_choices,
    money_unit,
    offered_actions,
    parse_time,
    set_pointer,
    to_form,
)
from flatpeak_connect.engine.models import Page
from flatpeak_connect.engine.spec import FieldSpec, load_pack

FIXTURES = Path(__file__).parents[1] / "fixtures"


def page(version: str, name: str) -> Page:
    """Load a fixture page of the corpus."""
    document = json.loads((FIXTURES / version / "pages" / f"{name}.json").read_text())
    return Page.from_json(document, version)


def field(version: str, route: str, name: str) -> FieldSpec:
    """Return a field of a route of a real pack."""
    spec = load_pack(version).route(route)
    assert spec is not None
    found = spec.field(name)
    assert found is not None
    return found


class TestSetPointer:
    """set_pointer: writing a value at an RFC 6901 pointer."""

    def test_creates_nested_objects(self) -> None:
        """Missing objects on the way are created."""
        document: dict[str, Any] = {}
        set_pointer(document, "/postal_address/city", "Millbrook")
        assert document == {"postal_address": {"city": "Millbrook"}}

    def test_numeric_token_creates_an_array(self) -> None:
        """A numeric token makes an array, so /options/0 posts a one-item list."""
        document: dict[str, Any] = {}
        set_pointer(document, "/options/0", "FIXED")
        set_pointer(document, "/hours/1/cost", 0.3)
        assert document == {"options": ["FIXED"], "hours": [None, {"cost": 0.3}]}

    def test_escaped_tokens(self) -> None:
        """~1 and ~0 stand for / and ~ in a token."""
        document: dict[str, Any] = {}
        set_pointer(document, "/a~1b/c~0d", 1)
        assert document == {"a/b": {"c~d": 1}}

    def test_crossing_a_scalar_is_refused(self) -> None:
        """A pointer through a string is an error, not a silent overwrite."""
        document: dict[str, Any] = {"provider": "x"}
        with pytest.raises(TypeError, match="crosses a str"):
            set_pointer(document, "/provider/id", "prv_1")

    def test_empty_pointer_is_refused(self) -> None:
        """The whole document cannot be replaced through a pointer."""
        with pytest.raises(ValueError, match="whole document"):
            set_pointer({}, "", 1)


class TestMoneyUnit:
    """money_unit: how prices in a currency are written, from CLDR data."""

    def test_pounds_are_quoted_in_pence(self) -> None:
        """GBP has two minor digits and prices are written 24.5p."""
        unit = money_unit("gbp")
        assert unit is not None
        assert (unit.currency, unit.digits, unit.minor_symbol, unit.uses_minor) == (
            "GBP",
            2,
            "p",
            True,
        )
        assert unit.to_major(Decimal("24.5")) == Decimal("0.245")
        assert unit.to_minor(Decimal("0.245")) == Decimal("24.5")

    def test_yen_has_no_minor_unit(self) -> None:
        """JPY has no decimal digits, so prices stay in major units."""
        unit = money_unit("JPY")
        assert unit is not None
        assert unit.digits == 0
        assert not unit.uses_minor

    def test_unknown_currency(self) -> None:
        """A code CLDR does not know has no unit."""
        assert money_unit("XQZ") is None
        assert money_unit(None) is None


class TestParsing:
    """parse_time and date_to_wire: what people type, as the wire wants it."""

    @pytest.mark.parametrize(
        ("typed", "wire"),
        [
            ("7", "07:00:00"),
            ("7:30", "07:30:00"),
            ("07:30:15", "07:30:15"),
            ("24:00", "00:00:00"),
            (" 23:59 ", "23:59:00"),
        ],
    )
    def test_times(self, typed: str, wire: str) -> None:
        """A time is read in the forms people type it."""
        assert parse_time(typed) == wire

    @pytest.mark.parametrize("typed", ["25:00", "7:60", "seven", "", "12:3"])
    def test_not_times(self, typed: str) -> None:
        """Anything that is not a time of day is refused."""
        assert parse_time(typed) is None

    def test_dates(self) -> None:
        """A picked date is sent as that date at 00:00Z, never shifted."""
        assert date_to_wire("2026-01-31") == "2026-01-31T00:00:00Z"
        assert date_to_wire("2026-01-31T00:00:00Z") == "2026-01-31T00:00:00Z"
        assert date_to_wire("2026-02-30") is None
        assert date_to_wire("31/01/2026") is None


class TestChoicesAndValues:
    """field_choices, current_value and to_form: what a question shows."""

    def test_choices_from_the_page(self) -> None:
        """Provider choices are read from data.providers."""
        shown = page("zero", "provider_select")
        choices = field_choices(field("zero", "provider_select", "provider"), shown.data)
        assert [c.value for c in choices] == [p["id"] for p in shown.data["providers"]]
        assert choices[0].label == shown.data["providers"][0]["display_name"]

    def test_choice_labels_for_strings(self) -> None:
        """An array of strings takes its labels from the field spec."""
        shown = page("zero", "tariff_structure_select")
        choices = field_choices(field("zero", "tariff_structure_select", "structure"), shown.data)
        assert ("FIXED", "One price all day") in [(c.value, c.label) for c in choices]

    def test_static_choices(self) -> None:
        """Static choices do not depend on the page."""
        choices = field_choices(field("anode", "contract_term_capture", "contract_term_type"), {})
        assert [c.value for c in choices] == ["FIXED", "UNTIL_TERMINATED"]

    def test_kept_answer_wins(self) -> None:
        """What the customer typed last is shown rather than Connect's pre-fill."""
        shown = page("zero", "postal_address_capture.prefilled")
        city = field("zero", "postal_address_capture", "city")
        assert current_value(city, shown) == shown.data["postal_address"]["city"]
        kept = {"postal_address": {"city": "Typed Town"}}
        assert current_value(city, shown, kept) == "Typed Town"

    def test_money_is_shown_in_minor_units(self) -> None:
        """0.245 GBP is typed as 24.5."""
        cost = field("zero", "rate_fixed_capture", "cost")
        assert to_form(cost, 0.245, {"currency_code": "GBP"}) == "24.5"
        assert to_form(cost, 0.245, {"currency_code": "JPY"}) == "0.245"
        assert to_form(cost, 0, {"currency_code": "GBP"}) == ""

    def test_dates_and_periods_to_form(self) -> None:
        """A wire date shows its date; periods become rows of typed values."""
        end = field("zero", "contract_term_capture", "contract_end_date")
        assert to_form(end, "2026-01-31T00:00:00Z") == "2026-01-31"
        period = {"cost": 0.3, "valid_from": "07:00:00", "valid_to": "00:00:00"}
        for version in ("zero", "anode"):  # the currency on the periods, or on the price
            hours = field(version, "rate_tod_capture", "hours")
            rows = to_form(hours, [period], {"currency_code": "GBP"})
            assert rows == [{"valid_from": "07:00", "valid_to": "00:00", "cost": "30"}]


class TestOfferedActions:
    """offered_actions: Connect's actions, then the version's universal ones."""

    def test_anode_adds_back_and_close(self) -> None:
        """An anode page that omits BACK/CLOSE still offers them, after its own."""
        shown = page("anode", "provider_select")
        offered = offered_actions(shown, load_pack("anode"))
        assert offered[: len(shown.actions)] == tuple(dict.fromkeys(shown.actions))
        assert {"BACK", "CLOSE"} <= set(offered)
        assert len(offered) == len(set(offered))

    def test_zero_offers_only_the_page_actions(self) -> None:
        """Zero has no universal actions."""
        shown = page("zero", "summary_tou_confirm")
        assert offered_actions(shown, load_pack("zero")) == shown.actions

    def test_redirect_offers_nothing(self) -> None:
        """A redirect page takes no action."""
        shown = page("anode", "session_redirect")
        assert offered_actions(shown, load_pack("anode")) == ()


class TestBuildAnswer:
    """build_answer: form values into data, by pointer."""

    def test_postal_address(self) -> None:
        """Text is trimmed, the country upper-cased, an empty optional omitted where told."""
        spec = load_pack("anode").route("postal_address_capture")
        assert spec is not None
        values = {
            "address_line1": " 17 Orchard Row ",
            "address_line2": "",
            "city": "Millbrook",
            "state": "",
            "post_code": "MB4 7QT",
            "country_code": "gb",
        }
        built = build_answer(spec, values, page("anode", "postal_address_capture"))
        assert built.errors == ()
        assert built.data == {
            "postal_address": {
                "address_line1": "17 Orchard Row",
                "address_line2": "",
                "city": "Millbrook",
                "post_code": "MB4 7QT",
                "country_code": "GB",
            }
        }

    def test_minor_units_become_major(self) -> None:
        """24.5 typed for a GBP price is sent as 0.245."""
        spec = load_pack("zero").route("rate_fixed_capture")
        assert spec is not None
        shown = page("zero", "rate_fixed_capture")
        assert build_answer(spec, {"cost": "24.5"}, shown).data == {"cost": 0.245}
        assert build_answer(spec, {"cost": "24,5p"}, shown).data == {"cost": 0.245}
        assert build_answer(spec, {"cost": "30"}, shown).data == {"cost": 0.3}
        major = build_answer(spec, {"cost": 0.245}, shown, money_entry="major")
        assert major.data == {"cost": 0.245}

    def test_unreadable_price(self) -> None:
        """A price that is not a number is an error at the field, left out of data."""
        spec = load_pack("zero").route("rate_fixed_capture")
        assert spec is not None
        built = build_answer(spec, {"cost": "abc"}, page("zero", "rate_fixed_capture"))
        assert built.data == {}
        assert [(e.pointer, e.code) for e in built.errors] == [("/cost", "data_json_invalid")]
        assert "24.5" in built.errors[0].message

    def test_periods(self) -> None:
        """Periods become an array of items, times normalised, prices in major units."""
        spec = load_pack("zero").route("rate_tod_capture")
        assert spec is not None
        rows = [
            {"valid_from": "0", "valid_to": "7", "cost": "9.5"},
            {"valid_from": "7:00", "valid_to": "24:00", "cost": "30"},
        ]
        built = build_answer(spec, {"hours": rows}, page("zero", "rate_tod_capture"))
        assert built.errors == ()
        assert built.data == {
            "hours": [
                {"valid_from": "00:00:00", "valid_to": "07:00:00", "cost": 0.095},
                {"valid_from": "07:00:00", "valid_to": "00:00:00", "cost": 0.3},
            ]
        }

    def test_unreadable_time_gets_the_documented_code(self) -> None:
        """A bad time in a period is the route's own code at the item's pointer."""
        spec = load_pack("zero").route("rate_tod_capture")
        assert spec is not None
        rows = [{"valid_from": "noon", "valid_to": "7", "cost": "9"}]
        built = build_answer(spec, {"hours": rows}, page("zero", "rate_tod_capture"))
        assert [(e.pointer, e.code) for e in built.errors] == [
            ("/hours/0/valid_from", "valid_from_invalid")
        ]

    def test_choice_at_an_index_pointer(self) -> None:
        """The structure choice is posted as a one-item options array."""
        spec = load_pack("zero").route("tariff_structure_select")
        assert spec is not None
        built = build_answer(spec, {"structure": "FIXED"}, page("zero", "tariff_structure_select"))
        assert built.data == {"options": ["FIXED"]}

    def test_dates_and_null_when_empty(self) -> None:
        """A picked date goes out at 00:00Z; an empty one as null; a bad one as its code."""
        spec = load_pack("zero").route("contract_term_capture")
        assert spec is not None
        shown = page("zero", "contract_term_capture")
        values = {"contract_start_date": "", "contract_end_date": "2026-01-31"}
        built = build_answer(spec, values, shown)
        assert built.data == {
            "contract_start_date": None,
            "contract_end_date": "2026-01-31T00:00:00Z",
        }
        bad = build_answer(spec, {"contract_end_date": "31/01/2026"}, shown)
        assert [(e.pointer, e.code) for e in bad.errors] == [
            ("/contract_end_date", "date_format_invalid")
        ]

    def test_omit_empty_choice(self) -> None:
        """An empty optional region is left out of the answer."""
        spec = load_pack("zero").route("market_surcharge_capture")
        assert spec is not None
        values = {"surcharge_fixed": "1.5", "surcharge_percentage": "5", "region": ""}
        built = build_answer(spec, values, page("zero", "market_surcharge_capture"))
        assert "region" not in built.data
        assert built.data["surcharge"]["percentage"] == 5
