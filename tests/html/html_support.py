"""Helpers for the HTML renderer and web app tests: fixture pages, rendering, a structure check."""

from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flatpeak_connect.engine.models import FieldError, Page
from flatpeak_connect.engine.spec import load_pack
from flatpeak_connect.engine.typing import RenderContext

if TYPE_CHECKING:
    from flatpeak_connect.renderers.html import HtmlRenderer

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
VERSIONS = ("zero", "anode")


def fixture_pages() -> list[tuple[str, str, dict[str, Any]]]:
    """Return ``(version, file stem, page document)`` for every valid fixture page."""
    return [
        (version, path.stem, json.loads(path.read_text(encoding="utf-8")))
        for version in VERSIONS
        for path in sorted((FIXTURES / version / "pages").glob("*.json"))
    ]


def render(
    renderer: HtmlRenderer,
    document: dict[str, Any],
    version: str,
    errors: list[FieldError] | None = None,
    *,
    values: dict[str, Any] | None = None,
    extra: dict[str, Any] | None = None,
) -> str:
    """Render a page document with the version's pack and return the HTML."""
    pack = load_pack(version)
    page = Page.from_json(document, version)
    context = RenderContext(
        pack=pack,
        spec=pack.route(page.route),
        values=values or {},
        extra={"csrf_token": "csrf-token", "form_id": "form-id", **(extra or {})},
    )
    return renderer.render(page, errors or [], context).body


class Structure(HTMLParser):
    """The parts of a rendered page the accessibility rules are about."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.h1 = 0
        self.ids: list[str] = []
        self.label_for: set[str] = set()
        self._stack: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        """Record the tag, its id and what labels point at."""
        attributes = {k: v or "" for k, v in attrs}
        self.tags.append((tag, attributes))
        if tag == "h1":
            self.h1 += 1
        if "id" in attributes:
            self.ids.append(attributes["id"])
        if tag == "label" and "for" in attributes:
            self.label_for.add(attributes["for"])

    def handle_data(self, data: str) -> None:
        """Keep the text."""
        self.text.append(data)

    def inputs(self) -> list[dict[str, str]]:
        """Every visible form control."""
        return [
            a
            for tag, a in self.tags
            if tag in {"input", "select", "textarea"} and a.get("type") not in {"hidden", "submit"}
        ]


def structure(html: str) -> Structure:
    """Parse ``html`` into a :class:`Structure`."""
    parser = Structure()
    parser.feed(html)
    return parser
