"""Every route of both versions renders in HTML from the fixture corpus, as a sound page."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from html_support import fixture_pages, render, structure

from flatpeak_connect.engine.models import Page
from flatpeak_connect.engine.spec import load_pack

if TYPE_CHECKING:
    from flatpeak_connect.renderers.html import HtmlRenderer

TEMPLATES = Path(__file__).resolve().parents[2] / "renderers" / "html" / "templates"
PAGES = fixture_pages()


def _chosen_template(renderer: HtmlRenderer, document: dict[str, Any], version: str) -> str:
    pack = load_pack(version)
    page = Page.from_json(document, version)
    canonical = pack.canonical(page.route) or page.route
    names = renderer.template_names(page, canonical)
    return str(renderer.environment.select_template(names).name)


class TestEveryRoute:
    """One template per route, and every fixture page rendered through it."""

    @pytest.mark.parametrize("version", ["zero", "anode"])
    def test_every_route_of_the_pack_has_its_own_template(self, version: str) -> None:
        """Each route a pack declares has a template file named after it."""
        missing = [
            name for name in load_pack(version).routes if not (TEMPLATES / f"{name}.html").is_file()
        ]
        assert missing == []

    @pytest.mark.parametrize(
        ("version", "stem", "document"), PAGES, ids=[f"{v}-{s}" for v, s, _ in PAGES]
    )
    def test_fixture_page_renders_through_its_route_template(
        self, renderer: HtmlRenderer, version: str, stem: str, document: dict[str, Any]
    ) -> None:
        """A fixture page picks its route's template (aliases their canonical route's)."""
        canonical = load_pack(version).canonical(document["route"])
        assert canonical is not None, stem
        assert _chosen_template(renderer, document, version) == f"{canonical}.html"

    @pytest.mark.parametrize(
        ("version", "stem", "document"), PAGES, ids=[f"{v}-{s}" for v, s, _ in PAGES]
    )
    def test_fixture_page_is_a_sound_question_page(
        self, renderer: HtmlRenderer, version: str, stem: str, document: dict[str, Any]
    ) -> None:
        """One h1 with the title, unique ids, every input labelled, aria references real."""
        html = render(renderer, document, version)
        page = structure(html)
        spec = load_pack(version).route(document["route"])
        assert spec is not None
        assert page.h1 == 1, stem
        assert spec.title in " ".join(page.text)
        assert len(page.ids) == len(set(page.ids)), stem
        for control in page.inputs():
            assert control["id"] in page.label_for, (stem, control)
        for _tag, attributes in page.tags:
            for ref in attributes.get("aria-describedby", "").split():
                assert ref in page.ids, (stem, ref)
            for ref in attributes.get("aria-labelledby", "").split():
                assert ref in page.ids, (stem, ref)

    @pytest.mark.parametrize(
        ("version", "stem", "document"), PAGES, ids=[f"{v}-{s}" for v, s, _ in PAGES]
    )
    def test_every_form_carries_the_csrf_token_and_form_id(
        self, renderer: HtmlRenderer, version: str, stem: str, document: dict[str, Any]
    ) -> None:
        """Each POST form on the page has the CSRF token and the one-time form id."""
        html = render(renderer, document, version)
        forms = re.findall(r"<form\b.*?</form>", html, flags=re.DOTALL)
        for form in forms:
            assert 'name="fp_csrf" value="csrf-token"' in form, stem
            assert 'name="fp_form" value="form-id"' in form, stem

    def test_unknown_route_renders_through_the_generic_fallback(
        self, renderer: HtmlRenderer
    ) -> None:
        """A route no pack knows is shown from its data and actions, not refused."""
        document = {
            "connect_token": "cot_5f1e2d3c4b5a69788796a5b4",
            "route": "vpp_landing",
            "actions": ["CONNECT_TARIFF"],
            "data": {"tariff_connected": False, "programmes": [{"name": "Boost"}]},
        }
        assert _chosen_template(renderer, document, "anode") == "generic.html"
        html = render(renderer, document, "anode")
        assert '<h1 class="heading-l">Vpp landing</h1>' in html
        assert 'value="CONNECT_TARIFF"' in html
        assert "Boost" in html

    @pytest.mark.parametrize("route", ["base", "_macros", "generic", "app", "x/../base"])
    def test_a_route_named_like_a_layout_file_never_picks_it(
        self, renderer: HtmlRenderer, route: str
    ) -> None:
        """Connect cannot make the renderer use the layout, the macros or a path as a page."""
        document = {"connect_token": "cot_1", "route": route, "data": {}}
        assert _chosen_template(renderer, document, "anode") == "generic.html"
