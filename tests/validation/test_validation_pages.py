"""Page validation against the mini pack: verdicts, pointers into the page, page codes."""

from __future__ import annotations

from typing import Any

from jsonschema import Draft202012Validator
from validation_support import TOKEN, minipack_documents, minipack_pack

from flatpeak_connect.engine.validation import (
    MEMBER_MISSING,
    NOT_A_PAGE,
    PAGE_ENVELOPE,
    SCHEMA_VIOLATION,
    TYPE_INVALID,
    VALIDATOR_DISAGREEMENT,
    VALUE_INVALID,
    PackValidator,
)


def pick_page(**data: Any) -> dict[str, Any]:
    """Return a valid ``pick`` page, with ``data`` members replaced by ``data``."""
    providers = [{"id": "prv_1", "display_name": "Brightwave"}]
    return {
        "connect_token": TOKEN,
        "route": "pick",
        "actions": ["PROVIDER_MISSING"],
        "data": {"providers": providers, **data},
    }


class TestValidatePage:
    """PackValidator.validate_page and is_valid_page."""

    def test_valid_page_has_no_errors(self, mini: PackValidator) -> None:
        """A page that fits its route's schema validates with no errors."""
        assert mini.validate_page(pick_page()) == []
        assert mini.is_valid_page(pick_page())

    def test_missing_member_points_at_the_member(self, mini: PackValidator) -> None:
        """A missing required member is reported at the missing member's own pointer."""
        page = pick_page(providers=[{"display_name": "Brightwave"}])
        errors = mini.validate_page(page)
        assert [(e.pointer, e.code) for e in errors] == [("/data/providers/0/id", MEMBER_MISSING)]
        assert "'id'" in errors[0].message
        assert not mini.is_valid_page(page)

    def test_wrong_type_is_type_invalid(self, mini: PackValidator) -> None:
        """A value of the wrong JSON type is type_invalid, and the message names both types."""
        errors = mini.validate_page(pick_page(providers=[{"id": "p", "display_name": 7}]))
        assert [(e.pointer, e.code) for e in errors] == [
            ("/data/providers/0/display_name", TYPE_INVALID)
        ]
        assert errors[0].message == "expected a string, found a number"

    def test_value_outside_an_enum_is_value_invalid(self, mini: PackValidator) -> None:
        """An envelope direction outside IMPORT/EXPORT/LOCAL is value_invalid at /direction."""
        errors = mini.validate_page({**pick_page(), "direction": "SIDEWAYS"})
        assert [(e.pointer, e.code) for e in errors] == [("/direction", VALUE_INVALID)]
        assert '"SIDEWAYS"' in errors[0].message

    def test_every_problem_is_reported_in_pointer_order(self, mini: PackValidator) -> None:
        """All problems come back, sorted by pointer with array indexes compared as numbers."""
        providers = [{"id": "p", "display_name": "P"} for _ in range(11)]
        providers[2] = {"display_name": "P"}
        providers[10] = {"display_name": "P"}
        errors = mini.validate_page(pick_page(providers=providers))
        assert [e.pointer for e in errors] == ["/data/providers/2/id", "/data/providers/10/id"]

    def test_extra_fields_are_tolerated(self, mini: PackValidator) -> None:
        """Members the schema does not name, at any depth, never make a page invalid."""
        page = pick_page(providers=[{"id": "p", "display_name": "P", "rating": 5}], novelty=True)
        page["request_id"] = "req_1"
        assert mini.validate_page(page) == []

    def test_unknown_route_is_checked_against_the_envelope_only(self, mini: PackValidator) -> None:
        """A route the pack does not know validates against the page envelope, whatever its data."""
        page = {"connect_token": TOKEN, "route": "vpp_landing", "data": {"anything": [1, "two"]}}
        assert mini.page_schema("vpp_landing") == PAGE_ENVELOPE
        assert mini.validate_page(page) == []

    def test_unknown_route_with_a_broken_envelope_fails(self, mini: PackValidator) -> None:
        """An unknown route's page still needs a token and a string route."""
        errors = mini.validate_page({"route": 5, "data": {}})
        assert [(e.pointer, e.code) for e in errors] == [
            ("/connect_token", MEMBER_MISSING),
            ("/route", TYPE_INVALID),
        ]

    def test_alias_is_validated_with_the_canonical_schema(self, mini: PackValidator) -> None:
        """A page under an alias is checked against its canonical route's page schema."""
        assert mini.page_schema("summaries") == "pages/summary.json"
        errors = mini.validate_page({"connect_token": TOKEN, "route": "summaries", "data": {}})
        assert [(e.pointer, e.code) for e in errors] == [("/actions", MEMBER_MISSING)]

    def test_error_body_is_not_a_page(self, mini: PackValidator) -> None:
        """An error body is not a page: one not_a_page error that quotes Connect's code."""
        body = {"object": "error", "code": "token_expired", "message": "The token expired."}
        errors = mini.validate_page(body)
        assert [(e.pointer, e.code) for e in errors] == [("", NOT_A_PAGE)]
        assert "error body" in errors[0].message
        assert "token_expired" in errors[0].message
        assert not mini.is_valid_page(body)

    def test_a_non_object_is_not_a_page(self, mini: PackValidator) -> None:
        """A JSON array is not a page, and the message says what it is instead."""
        errors = mini.validate_page([1, 2])
        assert [(e.code, e.message) for e in errors] == [
            (NOT_A_PAGE, "a page is a JSON object, not an array")
        ]


class TestEitherSpelling:
    """Both spellings of a renamed field, one of them required (anyOf of two required lists)."""

    def test_first_spelling_alone_is_valid(self, mini: PackValidator) -> None:
        """A redirect page carrying only redirect_url is valid."""
        page = {"connect_token": TOKEN, "route": "session_redirect", "data": {"redirect_url": "u"}}
        assert mini.validate_page(page) == []

    def test_second_spelling_alone_is_valid(self, mini: PackValidator) -> None:
        """A redirect page carrying only redirect_uri is valid."""
        page = {"connect_token": TOKEN, "route": "session_redirect", "data": {"redirect_uri": "u"}}
        assert mini.validate_page(page) == []

    def test_neither_spelling_is_one_error_naming_both(self, mini: PackValidator) -> None:
        """With neither spelling there is one error, at the first spelling, naming both."""
        page = {"connect_token": TOKEN, "route": "session_redirect", "data": {}}
        errors = mini.validate_page(page)
        assert [(e.pointer, e.code) for e in errors] == [("/data/redirect_url", MEMBER_MISSING)]
        assert "'redirect_url' or 'redirect_uri'" in errors[0].message

    def test_a_bad_value_of_one_spelling_is_explained_in_that_branch(
        self, mini: PackValidator
    ) -> None:
        """An empty redirect_uri (the spelling present) is reported at /data/redirect_uri."""
        page = {"connect_token": TOKEN, "route": "session_redirect", "data": {"redirect_uri": ""}}
        errors = mini.validate_page(page)
        assert [(e.pointer, e.code) for e in errors] == [("/data/redirect_uri", VALUE_INVALID)]


class TestCombinators:
    """How anyOf and oneOf failures are explained."""

    def test_a_value_of_none_of_the_allowed_types_is_one_type_error(self) -> None:
        """An anyOf of types fails once, listing every allowed type."""
        documents = minipack_documents()
        page = documents["pages/pick.json"]
        page["properties"]["data"]["properties"]["note"] = {
            "anyOf": [{"type": "string"}, {"type": "null"}]
        }
        validator = PackValidator(minipack_pack(), documents)
        errors = validator.validate_page(pick_page(note=3))
        assert [(e.pointer, e.code, e.message) for e in errors] == [
            ("/data/note", TYPE_INVALID, "expected a string or null, found a number")
        ]

    def test_a_value_fitting_two_oneof_branches_is_a_schema_violation(self) -> None:
        """A oneOf matched by two branches is reported as a schema_violation at the value."""
        documents = minipack_documents()
        page = documents["pages/pick.json"]
        page["properties"]["data"]["properties"]["note"] = {
            "oneOf": [{"type": "string"}, {"minLength": 1}]
        }
        validator = PackValidator(minipack_pack(), documents)
        errors = validator.validate_page(pick_page(note="x"))
        assert [(e.pointer, e.code) for e in errors] == [("/data/note", SCHEMA_VIOLATION)]


class TestDisagreement:
    """The two validators disagreeing at run time."""

    def test_rs_rejecting_what_python_accepts_is_an_internal_error(self) -> None:
        """When the fast validator rejects and the explaining one finds nothing, say so loudly."""
        validator = PackValidator(minipack_pack(), minipack_documents())
        validator._python["pages/pick.json"] = Draft202012Validator({})
        errors = validator.validate_page(pick_page(providers="not a list"))
        assert [(e.pointer, e.code) for e in errors] == [("", VALIDATOR_DISAGREEMENT)]
        assert "internal error" in errors[0].message
