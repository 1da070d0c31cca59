"""jsonschema-rs and jsonschema agree on validity: over the corpus and over generated documents.

The fast validator decides and the explaining one only explains, so a document one accepts and
the other rejects would either slip through or come back with no reason. These tests look for
such a document: every fixture against every schema of its pack, then mutations of fixtures
(keys dropped, added, values of another type, strings swapped for awkward ones).
"""

from __future__ import annotations

import copy
import functools
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from validation_support import fixture_files, load

from flatpeak_connect.engine.spec import available_versions, load_pack
from flatpeak_connect.engine.validation import PackValidator, get_validator

VERSIONS = available_versions()

# Strings chosen to sit on the edges of the packs' patterns and formats: trailing newlines
# (Python's `$`), non-ASCII digits (Python's `\d`), empty and blank strings, near-miss times,
# dates and codes, and names the schemas use as routes, actions and enum values.
AWKWARD_STRINGS = [
    "",
    " ",
    "\n",
    "GB",
    "GB\n",
    "gb",
    "GBR",
    "G1",
    "GBP",
    "GBP\n",
    "gbp",
    "00:00:00",
    "23:59:59",
    "24:00:00",
    "06:30",
    "06:30:00\n",
    "\u0660\u0666:\u0663\u0660:\u0660\u0660",  # 06:30:00 in Arabic-Indic digits
    "2026-01-31T00:00:00Z",
    "2026-01-31T00:00:00Z\n",
    "2026-02-30T00:00:00Z",
    "2026-01-31",
    "0001-01-01T00:00:00Z",
    "2025-03-01T00:00:00+01:00",
    "cot_5f1e2d3c4b5a69788796a5b4",
    "https://example.com/login",
    "IMPORT",
    "EXPORT",
    "LOCAL",
    "COMMODITY",
    "render",
    "submit",
    "error",
    "FIXED",
    "TIME_OF_DAY",
    "MARKET",
    "ADVANCED",
    "UNTIL_TERMINATED",
    "BACK",
    "CLOSE",
    "SAVE",
    "EDIT",
    "DISCONNECT",
    "WRONG_TARIFF",
    "postal_address_capture",
    "tariff_summary",
    "session_redirect",
]

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**53), max_value=2**53),
    st.floats(allow_nan=False, allow_infinity=False, width=64),
    st.sampled_from(AWKWARD_STRINGS),
    st.text(max_size=6),
)
values = st.one_of(
    scalars,
    st.lists(scalars, max_size=3),
    st.dictionaries(st.sampled_from(["id", "cost", "name", "x"]), scalars, max_size=2),
)


@functools.cache
def corpus(version: str) -> list[Any]:
    """Return every document of a version's corpus: pages, answers, invalid ones, errors.

    Read once, so that Hypothesis draws from the same list on every example.
    """
    documents = [
        load(p) for kind in ("pages", "answers", "errors") for p in fixture_files(version, kind)
    ]
    for kind in ("invalid/pages", "invalid/answers"):
        documents += [load(p)["document"] for p in fixture_files(version, kind)]
    return documents


def schema_refs(validator: PackValidator) -> list[str]:
    """Return every schema the validator compiled."""
    return sorted(validator._rs)


def places(document: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Return the path of every value in ``document`` (the root included)."""
    found = [path]
    if isinstance(document, dict):
        for key, value in document.items():
            found += places(value, (*path, key))
    elif isinstance(document, list):
        for index, value in enumerate(document):
            found += places(value, (*path, index))
    return found


def mutate(document: Any, data: st.DataObject) -> Any:
    """Apply one random edit to ``document`` (a deep copy) and return the result."""
    path = data.draw(st.sampled_from(places(document)))
    if not path:
        return data.draw(values) if data.draw(st.booleans()) else document
    parent = document
    for step in path[:-1]:
        parent = parent[step]
    last = path[-1]
    edit = data.draw(st.sampled_from(["drop", "replace", "add", "swap"]))
    if edit == "drop":
        del parent[last]
    elif edit == "replace":
        parent[last] = data.draw(values)
    elif edit == "swap":
        parent[last] = data.draw(st.sampled_from(AWKWARD_STRINGS))
    elif isinstance(parent[last], dict):
        key = data.draw(st.sampled_from(["extra", "route", "action", "data", "type", "id"]))
        parent[last][key] = data.draw(values)
    elif isinstance(parent[last], list):
        parent[last].append(data.draw(values))
    return document


def assert_agree(validator: PackValidator, ref: str, document: Any) -> None:
    """Assert both validators give ``document`` the same verdict against ``ref``."""
    fast = validator._rs[ref].is_valid(document)
    slow = validator._python[ref].is_valid(document)
    assert fast == slow, f"{validator.version} {ref}: jsonschema-rs {fast}, jsonschema {slow}"


class TestCorpusAgreement:
    """The two validators over the fixture corpus."""

    @pytest.mark.parametrize("version", VERSIONS)
    def test_every_document_against_every_schema(self, version: str) -> None:
        """Every fixture document gets the same verdict from both, against every schema."""
        validator = get_validator(version)
        documents = corpus(version)
        assert documents
        for ref in schema_refs(validator):
            for document in documents:
                assert_agree(validator, ref, document)


class TestGeneratedAgreement:
    """The two validators over mutated fixtures."""

    @pytest.mark.parametrize("version", VERSIONS)
    @settings(
        max_examples=300,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(data=st.data())
    def test_mutated_documents(self, version: str, data: st.DataObject) -> None:
        """After up to three random edits, a fixture gets the same verdict from both validators."""
        validator = get_validator(version)
        document = copy.deepcopy(data.draw(st.sampled_from(corpus(version))))
        for _ in range(data.draw(st.integers(min_value=1, max_value=3))):
            document = mutate(document, data)
        pack = load_pack(version)
        route = document.get("route") if isinstance(document, dict) else None
        refs = {validator.page_schema(route)}
        spec = pack.route(route) if isinstance(route, str) else None
        if spec is not None and spec.answer != "none":
            refs.add(f"answers/{spec.name}.json")
        for ref in refs:
            assert_agree(validator, ref, document)
        assert validator.is_valid_page(document) == (validator.validate_page(document) == [])
