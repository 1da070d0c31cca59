"""Each schema pack agrees with itself: route specs, page schemas and answer schemas line up."""

from __future__ import annotations

from typing import Any
from urllib.parse import urljoin

import pytest
from jsonschema import Draft202012Validator
from validation_support import TOKEN

from flatpeak_connect import schemas
from flatpeak_connect.engine.checks import CHECKS
from flatpeak_connect.engine.models import resolve_pointer
from flatpeak_connect.engine.spec import FieldSpec, ProtocolPack, available_versions, load_pack
from flatpeak_connect.engine.validation import get_validator

VERSIONS = available_versions()

Located = tuple[Any, str]
"""A subschema and the base URI its references resolve against."""


def steps(pointer: str) -> list[str]:
    """Split a JSON Pointer into unescaped steps."""
    if not pointer:
        return []
    return [s.replace("~1", "/").replace("~0", "~") for s in pointer[1:].split("/")]


class SchemaWalker:
    """Finds the subschemas that govern a place in a document, following $ref and combinators."""

    def __init__(self, version: str) -> None:
        self.base = f"{schemas.SCHEMA_BASE_URI}{version}/"
        self.documents = {
            path: schemas.read_json(resource)
            for path, resource in schemas.iter_schema_files(version)
        }

    def schema(self, path: str) -> Located:
        """Return a schema file of the pack and its URI."""
        return self.documents[path], self.base + path

    def _resolve(self, ref: str, base: str) -> Located:
        uri, _, fragment = urljoin(base, ref).partition("#")
        document = self.documents[uri.removeprefix(self.base)]
        return resolve_pointer(document, fragment), uri

    def expand(self, schema: Any, base: str) -> list[Located]:
        """Return the schema and every schema it also is ($ref, allOf, anyOf, oneOf, then, else)."""
        if not isinstance(schema, dict):
            return []
        found: list[Located] = [(schema, base)]
        if "$ref" in schema:
            found += self.expand(*self._resolve(schema["$ref"], base))
        for keyword in ("allOf", "anyOf", "oneOf"):
            for sub in schema.get(keyword, ()):
                found += self.expand(sub, base)
        for keyword in ("then", "else"):
            if keyword in schema:
                found += self.expand(schema[keyword], base)
        return found

    def at(self, located: Located, path: list[str]) -> list[Located]:
        """Return the subschemas that govern ``path`` (``*`` or a digit: an array item)."""
        current = self.expand(*located)
        for step in path:
            following: list[Located] = []
            for schema, base in current:
                if step == "*" or step.isdigit():
                    if isinstance(schema.get("items"), dict):
                        following += self.expand(schema["items"], base)
                elif step in schema.get("properties", {}):
                    following += self.expand(schema["properties"][step], base)
            current = following
        return current

    def values(self, located: list[Located]) -> set[Any]:
        """Return every const and enum value the subschemas name."""
        found: set[Any] = set()
        for schema, _ in located:
            if "const" in schema:
                found.add(schema["const"])
            found.update(schema.get("enum", ()))
        return found


def walkers() -> dict[str, SchemaWalker]:
    """Return one walker per version."""
    return {version: SchemaWalker(version) for version in VERSIONS}


WALKERS = walkers()


def answered(pack: ProtocolPack) -> list[str]:
    """Return the routes that take an answer."""
    return [name for name, spec in pack.routes.items() if spec.answer != "none"]


def field_paths(field: FieldSpec) -> list[list[str]]:
    """Return the paths into ``data`` of a field and (for periods) of each item's field."""
    own = steps(field.pointer)
    return [own, *([*own, "*", *steps(item.pointer)] for item in field.items)]


@pytest.mark.parametrize("version", VERSIONS)
class TestSchemaFiles:
    """The schema files of a pack."""

    def test_every_schema_is_valid_draft_2020_12(self, version: str) -> None:
        """Every schema file passes the draft 2020-12 meta-schema."""
        for document in WALKERS[version].documents.values():
            Draft202012Validator.check_schema(document)

    def test_every_schema_has_its_own_id(self, version: str) -> None:
        """Every schema's $id is the pack's base URI plus its own path."""
        walker = WALKERS[version]
        for path, document in walker.documents.items():
            assert document.get("$id") == walker.base + path

    def test_every_route_has_its_schemas_and_no_schema_is_orphaned(self, version: str) -> None:
        """Each route has pages/<route>.json, and answers/<route>.json unless it takes none."""
        pack = load_pack(version)
        paths = set(WALKERS[version].documents)
        pages = {f"pages/{name}.json" for name in pack.routes}
        answers = {f"answers/{name}.json" for name in answered(pack)}
        assert pages | answers <= paths
        assert {p for p in paths if p.startswith(("pages/", "answers/"))} == pages | answers

    def test_page_schema_accepts_every_name_of_its_route(self, version: str) -> None:
        """A page schema's route member allows the canonical name and every alias, no other."""
        pack = load_pack(version)
        walker = WALKERS[version]
        for name, spec in pack.routes.items():
            located = walker.at(walker.schema(f"pages/{name}.json"), ["route"])
            assert walker.values(located) == {name, *spec.aliases}, name


@pytest.mark.parametrize("version", VERSIONS)
class TestRouteSpecs:
    """Route specs against their answer and page schemas."""

    def test_field_pointers_address_the_answer_schema(self, version: str) -> None:
        """Every field pointer (and every period item's) names a place the answer can hold."""
        pack = load_pack(version)
        walker = WALKERS[version]
        for name in answered(pack):
            answer = walker.schema(f"answers/{name}.json")
            for field in pack.routes[name].fields:
                for path in field_paths(field):
                    assert walker.at(answer, ["data", *path]), f"{name}: {field.name} {path}"

    def test_error_pointers_address_the_answer_schema(self, version: str) -> None:
        """Every error pointer names a place the answer can hold ("" is the answer as a whole)."""
        pack = load_pack(version)
        walker = WALKERS[version]
        for name in answered(pack):
            answer = walker.schema(f"answers/{name}.json")
            for code, error in pack.routes[name].errors.items():
                if error.pointer:
                    assert walker.at(answer, ["data", *steps(error.pointer)]), f"{name}: {code}"

    def test_when_keywords_are_used_at_their_pointer(self, version: str) -> None:
        """Each `when` keyword is one the answer schema applies at that pointer."""
        pack = load_pack(version)
        walker = WALKERS[version]
        for name in answered(pack):
            answer = walker.schema(f"answers/{name}.json")
            for code, error in pack.routes[name].errors.items():
                path = ["data", *steps(error.pointer)]
                for keyword in error.when:
                    if keyword == "required":
                        parents = walker.at(answer, path[:-1])
                        used = any(path[-1] in s.get("required", ()) for s, _ in parents)
                    else:
                        used = any(keyword in s for s, _ in walker.at(answer, path))
                    assert used, f"{name}: {code} when {keyword}"

    def test_checks_are_implemented(self, version: str) -> None:
        """Every `check` a route names is implemented, at a pointer with no `*` (one value)."""
        pack = load_pack(version)
        checked = [e for spec in pack.routes.values() for e in spec.errors.values() if e.check]
        assert {e.check for e in checked} <= set(CHECKS)
        assert all("*" not in e.pointer for e in checked)

    def test_edges_lead_to_routes(self, version: str) -> None:
        """Every `next.to` is a route of the pack (or an alias of one)."""
        pack = load_pack(version)
        for name, spec in pack.routes.items():
            for edge in spec.next:
                assert pack.route(edge.to) is not None, f"{name} -> {edge.to}"

    def test_edges_start_from_data_resume_or_an_action(self, version: str) -> None:
        """Every `next.on` is `data`, `resume`, or an action the route documents."""
        pack = load_pack(version)
        for name, spec in pack.routes.items():
            allowed = {"data", "resume", *pack.universal_actions, *(a.name for a in spec.actions)}
            for edge in spec.next:
                assert edge.on in allowed, f"{name}: {edge.on}"

    def test_choices_come_from_the_page(self, version: str) -> None:
        """A choice field's `from` names a place in the page schema's data."""
        pack = load_pack(version)
        walker = WALKERS[version]
        for name, spec in pack.routes.items():
            page = walker.schema(f"pages/{name}.json")
            for field in spec.fields:
                if field.choices is not None and field.choices.from_ is not None:
                    path = ["data", *steps(field.choices.from_)]
                    assert walker.at(page, path), f"{name}: {field.name}"

    def test_answer_schema_actions_are_documented(self, version: str) -> None:
        """Every action an answer schema names is documented by the route or allowed everywhere."""
        pack = load_pack(version)
        walker = WALKERS[version]
        for name in answered(pack):
            spec = pack.routes[name]
            named = walker.values(walker.at(walker.schema(f"answers/{name}.json"), ["action"]))
            documented = {a.name for a in spec.actions} | set(pack.universal_actions)
            assert named - documented == set(), name

    def test_documented_actions_are_accepted(self, version: str) -> None:
        """Every documented action, under every name of the route, is a valid answer."""
        pack = load_pack(version)
        validator = get_validator(version)
        for name in answered(pack):
            spec = pack.routes[name]
            for route in (name, *spec.aliases):
                for action in (*(a.name for a in spec.actions), *pack.universal_actions):
                    body = {"connect_token": TOKEN, "route": route, "action": action}
                    assert validator.validate_answer(body) == [], f"{route}: {action}"
