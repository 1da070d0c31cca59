"""The small pieces of validation: JSON Pointers, ECMA-262 patterns, semantic checks, packs."""

from __future__ import annotations

import pytest
import referencing.exceptions
from jsonschema import Draft202012Validator
from validation_support import minipack_documents, minipack_pack

from flatpeak_connect.engine import checks
from flatpeak_connect.engine.errors import UnknownVersion
from flatpeak_connect.engine.validation import (
    PackError,
    PackValidator,
    _ecma_regex,
    _ExplainingValidator,
    get_validator,
    infer_version,
    pointer_matches,
    to_pointer,
    versions_knowing,
)


class TestToPointer:
    """to_pointer builds RFC 6901 pointers."""

    def test_root_is_empty(self) -> None:
        """The empty path is the pointer ""."""
        assert to_pointer([]) == ""

    def test_steps_and_indexes(self) -> None:
        """Member names and array indexes are joined with slashes."""
        assert to_pointer(["data", "providers", 0, "id"]) == "/data/providers/0/id"

    def test_escapes(self) -> None:
        """`~` becomes `~0` and `/` becomes `~1`."""
        assert to_pointer(["a/b", "c~d"]) == "/a~1b/c~0d"


class TestPointerMatches:
    """pointer_matches compares a route spec's pointer (with `*`) to a concrete one."""

    def test_same_pointer(self) -> None:
        """Identical pointers match."""
        assert pointer_matches("/postal_address/city", "/postal_address/city")

    def test_star_matches_an_index(self) -> None:
        """`*` matches any array index."""
        assert pointer_matches("/hours/*/cost", "/hours/12/cost")

    def test_star_does_not_match_a_name(self) -> None:
        """`*` matches indexes only, not member names."""
        assert not pointer_matches("/hours/*/cost", "/hours/first/cost")

    def test_lengths_must_agree(self) -> None:
        """A pointer does not match its parent or its child."""
        assert not pointer_matches("/hours/*/cost", "/hours/1")
        assert not pointer_matches("/hours", "/hours/1/cost")

    def test_root(self) -> None:
        """The root matches only the root."""
        assert pointer_matches("", "")
        assert not pointer_matches("", "/a")


class TestEcmaPatterns:
    """The explaining validator reads `pattern` as ECMA-262, like jsonschema-rs."""

    @pytest.mark.parametrize(
        ("pattern", "text", "matches"),
        [
            ("^[A-Z]{2}$", "GB", True),
            ("^[A-Z]{2}$", "GB\n", False),
            (r"^\d{2}$", "12", True),
            (r"^\d{2}$", "١٢", False),
            (r"^[\d:]+$", "١٢", False),
            (r"^\w+$", "é", False),
            ("^a.b$", "a\rb", False),
            ("^a.b$", "a-b", True),
            (r"^\$[0-9]$", "$5", True),
            ("^[$]$", "$", True),
        ],
    )
    def test_translation(self, pattern: str, text: str, *, matches: bool) -> None:
        """`$` ends the string, `d` and `w` escapes are ASCII, `.` stops at line ends."""
        assert (_ecma_regex(pattern).search(text) is not None) is matches

    def test_explaining_validator_uses_it(self) -> None:
        """The Python validator rejects a trailing newline after `$`, as jsonschema-rs does."""
        assert Draft202012Validator({"pattern": "^[A-Z]{2}$"}).is_valid("GB\n")
        assert not _ExplainingValidator({"pattern": "^[A-Z]{2}$"}).is_valid("GB\n")


class TestTimePeriods:
    """The time-of-day checks."""

    def test_lengths_wrap_midnight(self) -> None:
        """A period ending at or before its start runs past midnight; equal ends are 24 hours."""
        hours = [
            {"valid_from": "22:00:00", "valid_to": "06:00:00"},
            {"valid_from": "00:00:00", "valid_to": "00:00:00"},
            {"valid_from": "06:00:00", "valid_to": "06:00:01"},
        ]
        assert checks.parse_periods(hours) == [(79200, 28800), (0, 86400), (21600, 1)]

    def test_unreadable_periods_are_not_judged(self) -> None:
        """A value the checks cannot read passes them (the schema speaks for it)."""
        for value in ("x", [{"valid_from": "25:00:00", "valid_to": "01:00:00"}], [1], None):
            assert checks.parse_periods(value) is None
            assert checks.periods_leave_no_gap(value)
            assert checks.periods_add_up_to_a_day(value)

    def test_whole_day(self) -> None:
        """One 00:00:00-00:00:00 period covers the day with no gap."""
        hours = [{"valid_from": "00:00:00", "valid_to": "00:00:00"}]
        assert checks.periods_leave_no_gap(hours)
        assert checks.periods_add_up_to_a_day(hours)

    def test_day_and_night(self) -> None:
        """A day and a night period meeting at both ends cover the day exactly."""
        hours = [
            {"valid_from": "06:30:00", "valid_to": "23:30:00"},
            {"valid_from": "23:30:00", "valid_to": "06:30:00"},
        ]
        assert checks.periods_leave_no_gap(hours)
        assert checks.periods_add_up_to_a_day(hours)

    def test_gap_between_two_periods(self) -> None:
        """A second left out between two periods is a gap, and the day is not complete."""
        hours = [
            {"valid_from": "00:00:00", "valid_to": "12:00:00"},
            {"valid_from": "12:00:01", "valid_to": "00:00:00"},
        ]
        assert not checks.periods_leave_no_gap(hours)
        assert not checks.periods_add_up_to_a_day(hours)

    def test_gap_across_midnight(self) -> None:
        """The stretch left out may span midnight."""
        hours = [
            {"valid_from": "01:00:00", "valid_to": "12:00:00"},
            {"valid_from": "12:00:00", "valid_to": "23:00:00"},
        ]
        assert not checks.periods_leave_no_gap(hours)

    def test_single_partial_period_has_no_gap_but_is_incomplete(self) -> None:
        """One period is never "a gap between two periods"; it is an incomplete day."""
        hours = [{"valid_from": "06:00:00", "valid_to": "18:00:00"}]
        assert checks.periods_leave_no_gap(hours)
        assert not checks.periods_add_up_to_a_day(hours)

    def test_overlap_covers_the_day_but_is_not_complete(self) -> None:
        """Overlapping periods leave no gap but add up to more than 24 hours."""
        hours = [
            {"valid_from": "00:00:00", "valid_to": "13:00:00"},
            {"valid_from": "12:00:00", "valid_to": "00:00:00"},
        ]
        assert checks.periods_leave_no_gap(hours)
        assert not checks.periods_add_up_to_a_day(hours)

    def test_no_periods_is_incomplete(self) -> None:
        """An empty list does not add up to a day."""
        assert not checks.periods_add_up_to_a_day([])

    def test_registry_names(self) -> None:
        """The checks are registered under the names route specs use."""
        assert set(checks.CHECKS) == {"time_periods_gap", "time_periods_complete"}


class TestPackValidator:
    """Building validators: caching, broken packs, no retrieval."""

    def test_get_validator_is_cached(self) -> None:
        """Each version's validator is built once."""
        assert get_validator("zero") is get_validator("zero")

    def test_unknown_version(self) -> None:
        """An unknown version raises UnknownVersion, naming the known ones."""
        with pytest.raises(UnknownVersion, match="busbar"):
            get_validator("busbar")

    def test_route_without_page_schema(self) -> None:
        """A route with no pages/<route>.json is a broken pack."""
        documents = minipack_documents()
        del documents["pages/rates.json"]
        with pytest.raises(PackError, match=r"pages/rates\.json"):
            PackValidator(minipack_pack(), documents)

    def test_route_without_answer_schema(self) -> None:
        """A route that takes an answer but has no answers/<route>.json is a broken pack."""
        documents = minipack_documents()
        del documents["answers/summary.json"]
        with pytest.raises(PackError, match=r"answers/summary\.json"):
            PackValidator(minipack_pack(), documents)

    def test_pack_without_envelope(self) -> None:
        """A pack must define the page envelope that unknown routes are checked against."""
        documents = minipack_documents()
        del documents["defs.json"]["$defs"]["page_envelope"]
        with pytest.raises(PackError, match="page_envelope"):
            PackValidator(minipack_pack(), documents)

    def test_explaining_registry_retrieves_nothing(self, mini: PackValidator) -> None:
        """The jsonschema side's registry refuses any URI the pack does not hold."""
        with pytest.raises(referencing.exceptions.NoSuchResource):
            mini._python_registry.get_or_retrieve("https://json.schemastore.org/package.json")

    def test_reference_outside_the_pack_is_never_fetched(self) -> None:
        """A $ref to a schema outside the pack fails to compile instead of being downloaded."""
        documents = minipack_documents()
        documents["pages/pick.json"]["properties"]["extra"] = {
            "$ref": "https://json.schemastore.org/package.json"
        }
        with pytest.raises(PackError, match="never fetched"):
            PackValidator(minipack_pack(), documents)


class TestInferVersion:
    """infer_version and versions_knowing over the real packs."""

    @pytest.mark.parametrize(
        ("route", "version"),
        [
            ("market_surcharge_capture", "zero"),
            ("summary_tou_confirm", "zero"),
            ("session_complete", "zero"),
            ("region_select", "anode"),
            ("tariffs_summary", "anode"),
            ("tariff_summary", "anode"),
            ("session_start", "anode"),
        ],
    )
    def test_route_only_one_version_knows(self, route: str, version: str) -> None:
        """A route (or alias, or start route) only one pack knows gives that version."""
        assert infer_version({"route": route}) == version

    @pytest.mark.parametrize(
        "route", ["postal_address_capture", "provider_select", "session_restore"]
    )
    def test_route_both_versions_know_is_ambiguous(self, route: str) -> None:
        """A route both packs know gives None; versions_knowing lists both."""
        assert infer_version({"route": route}) is None
        assert versions_knowing(route) == ("anode", "zero")

    def test_unknown_or_missing_route(self) -> None:
        """No route, an unknown one, or a non-object gives None."""
        assert infer_version({"route": "vpp_landing"}) is None
        assert infer_version({"connect_token": "x"}) is None
        assert infer_version({"route": 3}) is None
        assert infer_version(["region_select"]) is None

    def test_error_body_names_its_route_in_context(self) -> None:
        """An error body's context (connect.<route>) names the route."""
        body = {"object": "error", "context": "connect.region_select", "code": "data_json_invalid"}
        assert infer_version(body) == "anode"
