"""The JSON renderer: the view model of every route, valid against schemas/viewmodel.json."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from flatpeak_connect.engine.models import FieldError, Outcome, OutcomeStatus, Page
from flatpeak_connect.engine.spec import load_pack
from flatpeak_connect.engine.typing import RenderContext
from flatpeak_connect.renderers.json.renderer import JsonRenderer
from flatpeak_connect.renderers.json.viewmodel import SCHEMA_ID

FIXTURES = Path(__file__).parents[1] / "fixtures"
CORPUS = sorted(FIXTURES.glob("*/pages/*.json"))
SCHEMA = json.loads(
    resources.files("flatpeak_connect.schemas").joinpath("viewmodel.json").read_text()
)
VALIDATOR = Draft202012Validator(SCHEMA)


def load(path: Path) -> Page:
    """Load a fixture page; its version is its folder."""
    return Page.from_json(json.loads(path.read_text()), path.parts[-3])


def fixture(version: str, name: str) -> Page:
    """Load a named fixture page."""
    return load(FIXTURES / version / "pages" / f"{name}.json")


def model(
    shown: Page, errors: tuple[FieldError, ...] = (), values: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Render a page through the JSON renderer and parse the result."""
    pack = load_pack(shown.version)
    context = RenderContext(pack=pack, spec=pack.route(shown.route), values=values or {})
    rendered = JsonRenderer().render(shown, errors, context)
    assert rendered.media_type == "application/json"
    parsed: dict[str, Any] = json.loads(rendered.body)
    return parsed


def assert_valid(document: dict[str, Any]) -> None:
    """Fail with every schema problem when a view model breaks the schema."""
    problems = [f"{list(e.absolute_path)}: {e.message}" for e in VALIDATOR.iter_errors(document)]
    assert not problems, problems


class TestSchema:
    """schemas/viewmodel.json itself."""

    def test_is_a_valid_draft_2020_12_schema(self) -> None:
        """The schema is well formed and has the documented $id."""
        Draft202012Validator.check_schema(SCHEMA)
        assert SCHEMA["$id"] == SCHEMA_ID


class TestEveryRoute:
    """Every page of the fixture corpus has a valid view model."""

    @pytest.mark.parametrize("path", CORPUS, ids=lambda p: f"{p.parts[-3]}/{p.stem}")
    def test_validates(self, path: Path) -> None:
        """The view model validates and carries the route, title and every field."""
        shown = load(path)
        spec = load_pack(shown.version).route(shown.route)
        assert spec is not None
        document = model(shown)
        assert_valid(document)
        assert (document["route"], document["canonical_route"]) == (shown.route, spec.name)
        assert document["title"] == spec.title
        if spec.kind == "page":
            assert [f["name"] for f in document["fields"]] == [f.name for f in spec.fields]

    @pytest.mark.parametrize("path", CORPUS, ids=lambda p: f"{p.parts[-3]}/{p.stem}")
    def test_with_errors_on_every_field(self, path: Path) -> None:
        """Errors on every field, and one for the page, still validate and are placed."""
        shown = load(path)
        spec = load_pack(shown.version).route(shown.route)
        assert spec is not None
        errors = (
            FieldError("", "data_json_invalid", "whole", "server"),
            *(FieldError(f.pointer, "code", f"bad {f.name}") for f in spec.fields),
        )
        document = model(shown, errors)
        assert_valid(document)
        assert document["errors"][0]["field"] is None
        if spec.kind == "page":
            for item in document["fields"]:
                assert [e["message"] for e in item["errors"]] == [f"bad {item['name']}"]


class TestContent:
    """What the view model says about particular pages."""

    def test_choices_provider_and_actions(self) -> None:
        """provider_select lists the providers as choices and the actions with labels."""
        shown = fixture("anode", "provider_select")
        document = model(shown)
        (supplier,) = document["fields"]
        assert [c["value"] for c in supplier["choices"]] == [
            p["id"] for p in shown.data["providers"]
        ]
        names = [a["name"] for a in document["actions"]]
        assert {"BACK", "CLOSE", "PROVIDER_MISSING"} <= set(names)
        labels = {a["name"]: a["label"] for a in document["actions"]}
        assert labels["PROVIDER_MISSING"] == "My supplier is not listed"
        assert document["answer"] == "data_or_action"

    def test_money_field_currency(self) -> None:
        """A money field carries its currency with the minor unit people quote."""
        document = model(fixture("anode", "rate_fixed_capture"))
        (cost,) = document["fields"]
        assert cost["currency"] == {"code": "GBP", "symbol": "£", "digits": 2, "minor_symbol": "p"}

    def test_periods_describe_their_items(self) -> None:
        """A periods field has its items' descriptions and the wire value."""
        shown = fixture("zero", "rate_tod_capture.day_night")
        (hours,) = model(shown)["fields"]
        assert [i["name"] for i in hours["items"]] == ["valid_from", "valid_to", "cost"]
        assert hours["value"] == shown.data["hours"]

    def test_kept_values_win(self) -> None:
        """The customer's kept answer is the field's value, not Connect's pre-fill."""
        shown = fixture("zero", "postal_address_capture.prefilled")
        document = model(shown, values={"postal_address": {"city": "Typed Town"}})
        city = next(f for f in document["fields"] if f["name"] == "city")
        assert city["value"] == "Typed Town"

    def test_redirect(self) -> None:
        """A provider login's URL is the view model's redirect_url."""
        shown = fixture("anode", "session_redirect")
        document = model(shown)
        assert (document["kind"], document["redirect_url"]) == (
            "redirect",
            shown.data["redirect_url"],
        )
        assert document["actions"] == []

    def test_unknown_route(self) -> None:
        """A route no pack knows has kind unknown, its actions and its data."""
        shown = Page.from_json(
            {"connect_token": "c", "route": "consent", "actions": ["ALLOW"], "data": {"x": 1}},
            "anode",
        )
        document = json.loads(
            JsonRenderer().render(shown, (), RenderContext(pack=load_pack("anode"), spec=None)).body
        )
        assert_valid(document)
        assert document["kind"] == "unknown"
        assert document["canonical_route"] is None
        assert [a["name"] for a in document["actions"]] == ["ALLOW", "BACK", "CLOSE"]
        assert document["data"] == {"x": 1}

    def test_outcome(self) -> None:
        """The end of a session has its own view model, kind outcome."""
        outcome = Outcome(OutcomeStatus.COMPLETE, "session_complete", "https://app/done", "SAVE")
        document = json.loads(JsonRenderer().render_outcome(outcome, "zero").body)
        assert_valid(document)
        assert document["outcome"] == outcome.to_json()
        assert document["redirect_url"] == "https://app/done"

    def test_script_cannot_break_out(self) -> None:
        """Markup in a Connect string is escaped in the JSON text, and parses back intact."""
        document = json.loads((FIXTURES / "anode/pages/provider_select.json").read_text())
        evil = "</script><script>alert(1)</script>&\u2028"
        document["data"]["providers"][0]["display_name"] = evil
        shown = Page.from_json(document, "anode")
        pack = load_pack("anode")
        body = (
            JsonRenderer()
            .render(shown, (), RenderContext(pack, pack.route("provider_select")))
            .body
        )
        assert "<" not in body
        assert ">" not in body
        assert "&" not in body
        assert "\u2028" not in body
        assert json.loads(body)["fields"][0]["choices"][0]["label"] == evil
