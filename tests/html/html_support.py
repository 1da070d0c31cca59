"""Helpers for the HTML renderer and web app tests.

Fixture pages, rendering, a structure check, and a customer's browser reduced to HTTP
(:class:`WebVisitor`) for the web app's tests.
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aiohttp import web

from flatpeak_connect.engine.models import FieldError, Page
from flatpeak_connect.engine.spec import load_pack
from flatpeak_connect.engine.typing import RenderContext
from flatpeak_connect.web import WebConfig, create_app

if TYPE_CHECKING:
    from aiohttp import ClientResponse
    from aiohttp.test_utils import TestClient

    from flatpeak_connect.engine.flow import SessionState
    from flatpeak_connect.engine.store import MemoryStore
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


GB = {
    "address_line1": "17 Orchard Row",
    "city": "Millbrook",
    "post_code": "MB4 7QT",
    "country_code": "GB",
}
"""A GB address the simulator's default scenario serves."""


def form_tokens(html: str) -> dict[str, str]:
    """The CSRF token and form id of the main form of a page's HTML."""
    csrf = re.search(r'name="fp_csrf" value="([^"]*)"', html)
    form = re.search(r'name="fp_form" value="([^"]*)"', html)
    assert csrf is not None
    assert form is not None
    return {"fp_csrf": csrf.group(1), "fp_form": form.group(1)}


def mount(config: WebConfig) -> web.Application:
    """A host app with the Connect flow mounted at ``/connect/``."""
    root = web.Application()
    root.add_subapp("/connect/", create_app(config))
    return root


class WebVisitor:
    """A customer's browser, reduced to HTTP: the test client, the store, the last page."""

    def __init__(self, client: TestClient[Any, Any], store: MemoryStore) -> None:
        self.client = client
        self.store = store
        self.html = ""

    @property
    def session_id(self) -> str:
        """The session cookie's value."""
        cookie = self.client.session.cookie_jar.filter_cookies(self.client.make_url("/connect/"))
        return cookie["fp_connect"].value

    async def state(self) -> SessionState:
        """The session's stored state."""
        state = await self.store.get(self.session_id)
        assert state is not None
        return state

    def tokens(self) -> dict[str, str]:
        """The CSRF token and form id of the last page's main form."""
        return form_tokens(self.html)

    async def get(self, path: str = "/connect/") -> ClientResponse:
        """GET a page (following redirects) and keep its HTML."""
        response = await self.client.get(path)
        self.html = await response.text()
        return response

    async def post(
        self, form: dict[str, str], path: str = "/connect/", *, follow: bool = True
    ) -> ClientResponse:
        """POST a form; when following the redirect, keep the page it lands on."""
        response = await self.client.post(path, data=form, allow_redirects=follow)
        if follow:
            self.html = await response.text()
        return response

    async def start(self) -> None:
        """Open the landing page and press Start now."""
        await self.get()
        await self.post(self.tokens(), "/connect/start")
