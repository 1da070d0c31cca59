"""Answer validation against the mini pack: Connect's documented codes, pointers into ``data``."""

from __future__ import annotations

from typing import Any

import pytest
from validation_support import TOKEN

from flatpeak_connect.engine.validation import (
    ACTION_INVALID,
    ACTION_MISSING,
    DATA_JSON_INVALID,
    PackValidator,
    get_validator,
)


def address(**members: Any) -> dict[str, Any]:
    """Return an address_capture answer with a full address, ``members`` replacing its parts."""
    postal = {"address_line1": "17 Orchard Row", "city": "Millbrook", "post_code": "MB4 7QT"}
    postal["country_code"] = "GB"
    postal.update(members)
    postal = {k: v for k, v in postal.items() if v is not None}
    return {"connect_token": TOKEN, "route": "address_capture", "data": {"postal_address": postal}}


def rates(*hours: dict[str, Any]) -> dict[str, Any]:
    """Return a rates answer with the given periods."""
    return {"connect_token": TOKEN, "route": "rates", "data": {"hours": list(hours)}}


def period(start: str, end: str, cost: Any = 0.25) -> dict[str, Any]:
    """Return one time-of-day period."""
    return {"valid_from": start, "valid_to": end, "cost": cost}


def codes(errors: list[Any]) -> list[tuple[str, str]]:
    """Return ``(pointer, code)`` of each error, in order."""
    return [(e.pointer, e.code) for e in errors]


class TestDocumentedCodes:
    """Schema failures become the code the route documents for that pointer and keyword."""

    def test_valid_answer_has_no_errors(self, mini: PackValidator) -> None:
        """A full address is a valid answer."""
        assert mini.validate_answer(address()) == []
        assert mini.is_valid_answer(address())

    def test_empty_string_gets_its_missing_code(self, mini: PackValidator) -> None:
        """An empty city fails minLength, which the route documents as city_missing."""
        errors = mini.validate_answer(address(city=""))
        assert codes(errors) == [("/postal_address/city", "city_missing")]
        assert errors[0].message == "Enter your town or city."
        assert errors[0].source == "client"

    def test_absent_member_gets_its_missing_code(self, mini: PackValidator) -> None:
        """A required member left out counts for that member: post_code_missing at its pointer."""
        errors = mini.validate_answer(address(post_code=None))
        assert codes(errors) == [("/postal_address/post_code", "post_code_missing")]

    def test_first_listed_code_wins_when_one_pointer_fails_twice(self, mini: PackValidator) -> None:
        """An empty country fails minLength and pattern; the code listed first is kept."""
        errors = mini.validate_answer(address(country_code=""))
        assert codes(errors) == [("/postal_address/country_code", "country_code_missing")]

    @pytest.mark.parametrize("country", ["GBR", "G1", "GB\n"])
    def test_pattern_failure_gets_its_invalid_code(self, mini: PackValidator, country: str) -> None:
        """A country code that is not two letters (even with a newline) is country_code_invalid."""
        errors = mini.validate_answer(address(country_code=country))
        assert codes(errors) == [("/postal_address/country_code", "country_code_invalid")]

    def test_missing_object_reports_each_required_field(self, mini: PackValidator) -> None:
        """With no postal_address at all, every required field gets its own missing code."""
        body = {"connect_token": TOKEN, "route": "address_capture", "data": {}}
        assert codes(mini.validate_answer(body)) == [
            ("/postal_address/address_line1", "address_line1_missing"),
            ("/postal_address/city", "city_missing"),
            ("/postal_address/post_code", "post_code_missing"),
            ("/postal_address/country_code", "country_code_missing"),
        ]

    def test_errors_follow_the_order_of_the_form(self, mini: PackValidator) -> None:
        """Errors come in the order the route spec lists its fields, not the schema's order."""
        errors = mini.validate_answer(address(country_code="", address_line1="", city=""))
        assert [e.code for e in errors] == [
            "address_line1_missing",
            "city_missing",
            "country_code_missing",
        ]

    def test_star_pointer_matches_any_index(self, mini: PackValidator) -> None:
        """/hours/*/cost documents the cost of every period, reported at its own index."""
        errors = mini.validate_answer(
            rates(period("00:00:00", "12:00:00"), period("12:00:00", "00:00:00", cost=-0.1))
        )
        assert codes(errors) == [("/hours/1/cost", "cost_value_negative")]

    def test_distinct_keywords_give_distinct_codes(self, mini: PackValidator) -> None:
        """A zero price fails `not` (cost_value_zero), a negative one `minimum`."""
        errors = mini.validate_answer(
            rates(period("00:00:00", "12:00:00", cost=0), period("12:00:00", "00:00:00", cost=-1))
        )
        assert codes(errors) == [
            ("/hours/0/cost", "cost_value_zero"),
            ("/hours/1/cost", "cost_value_negative"),
        ]

    def test_invalid_times_get_their_codes(self, mini: PackValidator) -> None:
        """Times that are not HH:MM:SS get valid_from_invalid / valid_to_invalid at their items."""
        errors = mini.validate_answer(rates(period("25:00:00", "6pm")))
        assert codes(errors) == [
            ("/hours/0/valid_from", "valid_from_invalid"),
            ("/hours/0/valid_to", "valid_to_invalid"),
        ]


class TestUndocumentedProblems:
    """Problems no documented code covers are data_json_invalid, in words a person understands."""

    def test_text_in_a_money_field_asks_for_a_number(self, mini: PackValidator) -> None:
        """A price typed as words is data_json_invalid at its pointer, asking for a number."""
        errors = mini.validate_answer(rates(period("00:00:00", "00:00:00", cost="twenty")))
        assert codes(errors) == [("/hours/0/cost", DATA_JSON_INVALID)]
        assert errors[0].message.startswith("Enter a number")

    def test_an_empty_list_of_periods_names_the_field(self, mini: PackValidator) -> None:
        """No periods at all is data_json_invalid at /hours, naming the field by its label."""
        errors = mini.validate_answer(rates())
        assert codes(errors) == [("/hours", DATA_JSON_INVALID)]
        assert errors[0].message == "Enter at least 1 item for rates."

    def test_no_data_and_no_action_asks_for_an_answer(self, mini: PackValidator) -> None:
        """A data page posted with neither data nor action is data_json_invalid for the whole."""
        errors = mini.validate_answer({"connect_token": TOKEN, "route": "rates"})
        assert codes(errors) == [("", DATA_JSON_INVALID)]
        assert "Answer the question" in errors[0].message

    def test_messages_are_not_raw_schema_dumps(self, mini: PackValidator) -> None:
        """No message shows a Python repr of the instance or the schema."""
        errors = mini.validate_answer(
            {"connect_token": TOKEN, "route": "rates", "data": {"hours": {"cost": 1}}}
        )
        assert codes(errors) == [("/hours", DATA_JSON_INVALID)]
        assert "{" not in errors[0].message


class TestChecksOnAnswers:
    """The named semantic checks run on answers whose shape is valid."""

    def test_whole_day_period_passes(self, mini: PackValidator) -> None:
        """00:00:00 to 00:00:00 is the whole day."""
        assert mini.validate_answer(rates(period("00:00:00", "00:00:00"))) == []

    def test_periods_across_midnight_pass(self, mini: PackValidator) -> None:
        """A day period and a night period that runs past midnight cover the day."""
        answer = rates(period("06:30:00", "23:30:00"), period("23:30:00", "06:30:00"))
        assert mini.validate_answer(answer) == []

    def test_gap_between_periods_is_gap_in_time_period(self, mini: PackValidator) -> None:
        """An hour left out between two periods is gap_in_time_period (listed first) at /hours."""
        errors = mini.validate_answer(
            rates(period("00:00:00", "06:00:00"), period("07:00:00", "00:00:00"))
        )
        assert codes(errors) == [("/hours", "gap_in_time_period")]
        assert errors[0].message == "The periods leave part of the day without a price."

    def test_single_partial_period_is_incomplete(self, mini: PackValidator) -> None:
        """One period covering part of the day is incomplete_time_period."""
        errors = mini.validate_answer(rates(period("00:00:00", "06:00:00")))
        assert codes(errors) == [("/hours", "incomplete_time_period")]

    def test_overlapping_periods_are_incomplete(self, mini: PackValidator) -> None:
        """Periods that overlap add up to more than 24 hours: incomplete_time_period."""
        errors = mini.validate_answer(
            rates(period("00:00:00", "13:00:00"), period("12:00:00", "00:00:00"))
        )
        assert codes(errors) == [("/hours", "incomplete_time_period")]

    def test_checks_wait_for_a_valid_shape(self, mini: PackValidator) -> None:
        """With a shape error, only the shape error is reported, not the gap it may cause."""
        errors = mini.validate_answer(
            rates(period("00:00:00", "06:00:00", cost=-1), period("07:00:00", "00:00:00"))
        )
        assert codes(errors) == [("/hours/0/cost", "cost_value_negative")]


class TestEnvelope:
    """Actions, routes and the envelope of an answer."""

    def test_action_only_page_without_action_is_action_missing(self, mini: PackValidator) -> None:
        """An action-only page posted without an action is action_missing, with its message."""
        errors = mini.validate_answer({"connect_token": TOKEN, "route": "summary"})
        assert codes(errors) == [("", ACTION_MISSING)]
        assert errors[0].message == "Choose what to do next."

    def test_undocumented_action_is_action_invalid_and_named(self, mini: PackValidator) -> None:
        """An action the page does not offer is action_invalid, and the message names it."""
        errors = mini.validate_answer({"connect_token": TOKEN, "route": "summary", "action": "X"})
        assert codes(errors) == [("", ACTION_INVALID)]
        assert '"X"' in errors[0].message

    def test_action_the_schema_allows_but_the_spec_does_not_is_invalid(
        self, mini: PackValidator
    ) -> None:
        """The route spec's actions (and the universal ones) are the ones a page may be sent."""
        body = {"connect_token": TOKEN, "route": "rates", "action": "BACK"}
        assert mini.validate_answer(body) == []
        body = {"connect_token": TOKEN, "route": "pick", "action": "SAVE"}
        assert codes(mini.validate_answer(body)) == [("", ACTION_INVALID)]

    def test_documented_action_is_valid(self, mini: PackValidator) -> None:
        """A documented action on a data-or-action page is a valid answer."""
        body = {"connect_token": TOKEN, "route": "pick", "action": "PROVIDER_MISSING"}
        assert mini.validate_answer(body) == []

    def test_alias_route_is_answered_like_its_canonical_route(self, mini: PackValidator) -> None:
        """An answer posted on an alias is validated with the canonical route's schema."""
        body = {"connect_token": TOKEN, "route": "summaries", "action": "SAVE"}
        assert mini.validate_answer(body) == []

    def test_start_and_resume_routes_are_valid_requests(self, mini: PackValidator) -> None:
        """The start and resume routes are answered with the bare envelope."""
        assert mini.validate_answer({"connect_token": TOKEN, "route": "session_begin"}) == []
        assert mini.validate_answer({"connect_token": TOKEN, "route": "session_again"}) == []

    def test_broken_envelope_is_data_json_invalid_at_the_root(self, mini: PackValidator) -> None:
        """A token of the wrong type is data_json_invalid at "", naming the member."""
        errors = mini.validate_answer({"connect_token": 5, "route": "pick", "action": "BACK"})
        assert codes(errors) == [("", DATA_JSON_INVALID)]
        assert "connect_token" in errors[0].message

    def test_unknown_route_cannot_be_answered(self, mini: PackValidator) -> None:
        """A route the pack does not have is data_json_invalid, naming the route."""
        errors = mini.validate_answer({"connect_token": TOKEN, "route": "nowhere"})
        assert codes(errors) == [("", DATA_JSON_INVALID)]
        assert '"nowhere"' in errors[0].message

    def test_redirect_takes_no_answer(self, mini: PackValidator) -> None:
        """Nothing is posted on a redirect route."""
        errors = mini.validate_answer({"connect_token": TOKEN, "route": "session_redirect"})
        assert codes(errors) == [("", DATA_JSON_INVALID)]

    def test_non_object_answer(self, mini: PackValidator) -> None:
        """An answer that is not a JSON object is data_json_invalid."""
        assert codes(mini.validate_answer("SAVE")) == [("", DATA_JSON_INVALID)]


class TestErrorForCode:
    """Server error codes placed at their fields."""

    def test_documented_code_lands_on_its_field(self, mini: PackValidator) -> None:
        """A documented server code is placed at its field, with the documented message."""
        error = mini.error_for_code("address_capture", "timezone_not_found", "tz lookup failed")
        assert (error.pointer, error.code, error.source) == (
            "/postal_address",
            "timezone_not_found",
            "server",
        )
        assert error.message == "We could not find that address. Check the town and country."

    def test_star_pointer_lands_on_the_list(self, mini: PackValidator) -> None:
        """A code documented for every item (/hours/*/cost) is placed at the list (/hours)."""
        assert mini.error_for_code("rates", "cost_value_zero", "zero").pointer == "/hours"

    def test_alias_route_finds_its_codes(self, mini: PackValidator) -> None:
        """Codes are looked up through an alias too."""
        error = mini.error_for_code("summaries", "action_missing", "no action")
        assert error.message == "Choose what to do next."

    def test_unknown_code_keeps_connect_message_at_the_root(self, mini: PackValidator) -> None:
        """An undocumented code goes at "" with Connect's own message."""
        error = mini.error_for_code("rates", "rates_unavailable", "Try again later.")
        assert (error.pointer, error.code, error.message) == (
            "",
            "rates_unavailable",
            "Try again later.",
        )

    def test_unknown_route_goes_at_the_root(self, mini: PackValidator) -> None:
        """A code on a route the pack does not know goes at ""."""
        assert mini.error_for_code("nowhere", "token_expired", "expired").pointer == ""


class TestAnswersWithoutRoute:
    """Answers that leave the route out (anode's docs post BACK that way)."""

    def test_pack_whose_envelope_requires_a_route(self, mini: PackValidator) -> None:
        """Where the request envelope requires a route, an answer without one is refused."""
        errors = mini.validate_answer({"connect_token": TOKEN, "action": "BACK"})
        assert codes(errors) == [("", DATA_JSON_INVALID)]
        assert errors[0].message == "The answer has no route."

    def test_anode_back_without_route_is_valid(self) -> None:
        """In anode, {"connect_token", "action": "BACK"} may be sent with no route."""
        body = {"connect_token": TOKEN, "action": "BACK"}
        assert get_validator("anode").validate_answer(body) == []

    def test_only_universal_actions_go_without_route(self) -> None:
        """An action that is not allowed on every page needs the route it answers."""
        body = {"connect_token": TOKEN, "action": "EDIT"}
        errors = get_validator("anode").validate_answer(body)
        assert codes(errors) == [("", ACTION_INVALID)]
        assert "BACK, CLOSE" in errors[0].message

    def test_data_without_route_is_refused(self) -> None:
        """Data cannot be posted without the route it answers."""
        body = {"connect_token": TOKEN, "data": {"region": "ZONE_SOUTH"}}
        assert codes(get_validator("anode").validate_answer(body)) == [("", DATA_JSON_INVALID)]
