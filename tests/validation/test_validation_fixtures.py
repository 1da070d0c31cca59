"""The fixture corpus (tests/fixtures/<version>/): every file validates or fails as it says.

See tests/fixtures/README.md for what each kind of file promises. A new file is a new case.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from validation_support import FIXTURES, fixture_files, fixture_route, load

from flatpeak_connect.engine.spec import available_versions, load_pack
from flatpeak_connect.engine.validation import NOT_A_PAGE, PAGE_CODES, get_validator

if TYPE_CHECKING:
    from pathlib import Path

    from _pytest.mark import ParameterSet

VERSIONS = available_versions()


def cases(kind: str) -> list[ParameterSet]:
    """Return one pytest param per fixture file of ``kind``, across every version."""
    return [
        pytest.param(version, path, id=f"{version}/{kind}/{path.name}")
        for version in VERSIONS
        for path in fixture_files(version, kind)
    ]


class TestCorpusCoverage:
    """The corpus covers every route of every pack."""

    @pytest.mark.parametrize("version", VERSIONS)
    def test_every_route_has_a_valid_page(self, version: str) -> None:
        """Each route of the pack has at least one page fixture (under its name or an alias)."""
        pack = load_pack(version)
        covered = {pack.canonical(fixture_route(p)) for p in fixture_files(version, "pages")}
        assert set(pack.routes) - covered == set()

    @pytest.mark.parametrize("version", VERSIONS)
    def test_every_answered_route_has_valid_and_invalid_answers(self, version: str) -> None:
        """Each route that takes an answer has valid answers and invalid ones."""
        pack = load_pack(version)
        answered = {name for name, spec in pack.routes.items() if spec.answer != "none"}
        valid = {pack.canonical(fixture_route(p)) for p in fixture_files(version, "answers")}
        invalid = {
            pack.canonical(load(p)["document"].get("route", ""))
            for p in fixture_files(version, "invalid/answers")
        }
        assert answered - valid == set()
        assert answered - invalid == set()

    @pytest.mark.parametrize("version", VERSIONS)
    def test_every_documented_action_has_a_valid_answer(self, version: str) -> None:
        """Each action a route documents is posted by at least one valid answer fixture."""
        pack = load_pack(version)
        posted = {
            (pack.canonical(body.get("route", "")), body.get("action"))
            for body in (load(p) for p in fixture_files(version, "answers"))
        }
        documented = {
            (name, action.name) for name, spec in pack.routes.items() for action in spec.actions
        }
        assert documented - posted == set()

    @pytest.mark.parametrize("version", VERSIONS)
    def test_every_client_side_code_is_produced(self, version: str) -> None:
        """Together, the invalid answers produce every code the pack can decide on the client."""
        pack = load_pack(version)
        validator = get_validator(version)
        produced = {
            (pack.canonical(load(p)["document"].get("route", "")), error.code)
            for p in fixture_files(version, "invalid/answers")
            for error in validator.validate_answer(load(p)["document"])
        }
        decidable = {
            (name, code)
            for name, spec in pack.routes.items()
            for code, error in spec.errors.items()
            if error.client_side
        }
        assert decidable - produced == set()

    @pytest.mark.parametrize("version", VERSIONS)
    def test_corpus_has_every_kind_of_file(self, version: str) -> None:
        """A version's corpus has pages, answers, invalid pages, invalid answers and errors."""
        for kind in ("pages", "answers", "invalid/pages", "invalid/answers", "errors"):
            assert fixture_files(version, kind), f"{FIXTURES / version / kind} is empty"


class TestValidPages:
    """pages/: valid pages."""

    @pytest.mark.parametrize(("version", "path"), cases("pages"))
    def test_page_is_valid(self, version: str, path: Path) -> None:
        """The page validates with no error, on both the fast path and the explaining one."""
        page = load(path)
        validator = get_validator(version)
        assert validator.validate_page(page) == []
        assert validator.is_valid_page(page)

    @pytest.mark.parametrize(("version", "path"), cases("pages"))
    def test_page_is_named_after_its_route(self, version: str, path: Path) -> None:
        """The file's route part and the document's route name the same route of the pack."""
        pack = load_pack(version)
        route = pack.canonical(load(path)["route"])
        assert route is not None
        assert route == pack.canonical(fixture_route(path))

    @pytest.mark.parametrize(("version", "path"), cases("pages"))
    def test_page_actions_are_documented(self, version: str, path: Path) -> None:
        """Every action a page offers is documented by its route spec or allowed everywhere."""
        page = load(path)
        pack = load_pack(version)
        spec = pack.route(page["route"])
        assert spec is not None
        documented = {a.name for a in spec.actions} | set(pack.universal_actions)
        assert set(page.get("actions", ())) - documented == set()


class TestValidAnswers:
    """answers/: valid request bodies."""

    @pytest.mark.parametrize(("version", "path"), cases("answers"))
    def test_answer_is_valid(self, version: str, path: Path) -> None:
        """Client-side validation finds nothing wrong with the answer."""
        assert get_validator(version).validate_answer(load(path)) == []


class TestInvalidPages:
    """invalid/pages/: pages that must be rejected, at the pointers given."""

    @pytest.mark.parametrize(("version", "path"), cases("invalid/pages"))
    def test_page_is_rejected_exactly_where_expected(self, version: str, path: Path) -> None:
        """validate_page reports exactly the expected pointers, each with a page code."""
        fixture = load(path)
        assert fixture["description"]
        validator = get_validator(version)
        errors = validator.validate_page(fixture["document"])
        assert {e.pointer for e in errors} == {item["pointer"] for item in fixture["expect"]}
        assert {e.code for e in errors} <= set(PAGE_CODES)
        assert not validator.is_valid_page(fixture["document"])


class TestInvalidAnswers:
    """invalid/answers/: answers that must be refused, with the codes given."""

    @pytest.mark.parametrize(("version", "path"), cases("invalid/answers"))
    def test_answer_is_refused_exactly_as_expected(self, version: str, path: Path) -> None:
        """validate_answer returns exactly the expected (pointer, code) pairs, from the client."""
        fixture = load(path)
        assert fixture["description"]
        errors = get_validator(version).validate_answer(fixture["document"])
        assert {(e.pointer, e.code) for e in errors} == {
            (item["pointer"], item["code"]) for item in fixture["expect"]
        }
        assert all(e.source == "client" and e.message for e in errors)


class TestErrorBodies:
    """errors/: error bodies as Connect sends them."""

    @pytest.mark.parametrize(("version", "path"), cases("errors"))
    def test_error_body_is_valid_and_not_a_page(self, version: str, path: Path) -> None:
        """An error body fits error.json, and validate_page says it is not a page."""
        body = load(path)
        validator = get_validator(version)
        assert body["object"] == "error"
        assert validator.validate_error_body(body) == []
        assert [e.code for e in validator.validate_page(body)] == [NOT_A_PAGE]
