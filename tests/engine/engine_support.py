"""Test support for the engine: a small Connect that serves the fixture corpus over real HTTP.

``ConnectStub`` is an aiohttp handler that plays Connect's part for one session: it answers the
start and resume routes with the current page, and each answer with the page its graph names,
taken from ``tests/fixtures/<version>/pages/``. It can also reject an answer with an error body
from ``tests/fixtures/<version>/errors/``, expire the token, and inject faults (a 500, a 429
with ``Retry-After``, a body that is not JSON).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs
from aiohttp import web

from flatpeak_connect.engine.models import FieldError, Page, Rendered, Submission

if TYPE_CHECKING:
    from flatpeak_connect.engine.typing import RenderContext

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
FIXTURE_TOKEN = "cot_5f1e2d3c4b5a69788796a5b4"
"""The token every fixture document carries; the stub swaps in the session's own."""
TOKEN = "cot_a1b2c3d4e5f6a7b8c9d0e1f2"
"""The token the tests start sessions with."""
CALLBACK_URL = "https://app.example.org/flatpeak/done"
"""The callback URL the fixture pages end at."""
START_ROUTES = {"zero": {"session_restore"}, "anode": {"session_start", "session_restore"}}
VALIDATION_STATUS = {"zero": 409, "anode": 400}


def fixture(version: str, kind: str, name: str) -> dict[str, Any]:
    """Return a fixture document (``kind``: pages, answers, errors) by its file stem."""
    path = FIXTURES / version / kind / f"{name}.json"
    document: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return document


def error_body(version: str, *, code: str | None = None, kind: str | None = None) -> dict[str, Any]:
    """Return the first error fixture with the ``code`` (or the error ``type``) asked for.

    Looked up by content rather than by file name, so a fixture's variant name does not matter.
    """
    for path in sorted((FIXTURES / version / "errors").glob("*.json")):
        body: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        if (code is None or body.get("code") == code) and (
            kind is None or body.get("type") == kind
        ):
            return body
    raise LookupError(f"no {version} error fixture with code={code!r} type={kind!r}")


def step(version: str, name: str) -> dict[str, Any]:
    """Return a script step (route and action or data) taken from an answer fixture."""
    body = fixture(version, "answers", name)
    return {key: body[key] for key in ("route", "action", "data") if key in body}


def answer(version: str, name: str) -> Submission:
    """Return the submission an answer fixture posts."""
    return Submission(**step(version, name))


@attrs.define
class Fault:
    """A reply served instead of the normal answer (once), optionally only for one route."""

    status: int
    body: Any = None
    headers: Mapping[str, str] = attrs.field(factory=dict)
    route: str | None = None


@attrs.define
class ConnectStub:
    """Connect's side of one session, driven by a graph of fixture pages.

    Attributes:
        version: the protocol version served.
        start: the fixture page the session is on at first.
        graph: ``(route, "data" | ACTION | "resume") -> next page``; a page is a fixture stem
            (``"provider_select"``, ``"session_redirect.callback"``) or a whole document.
        requests: every request body received, in order.
        faults: replies to serve before the normal ones.
        rejections: ``route -> error code``: the next data answer on that route is refused
            with the error fixture of that code (once).
        expired: answer everything with ``token_expired``.
    """

    version: str
    start: str | dict[str, Any]
    graph: dict[tuple[str, str], str | dict[str, Any]]
    requests: list[dict[str, Any]] = attrs.field(factory=list)
    faults: list[Fault] = attrs.field(factory=list)
    rejections: dict[str, str] = attrs.field(factory=dict)
    expired: bool = False
    current: str | dict[str, Any] = attrs.field(init=False)

    def __attrs_post_init__(self) -> None:
        self.current = self.start

    @property
    def routes(self) -> list[str]:
        """The routes of the requests received, in order."""
        return [str(r.get("route")) for r in self.requests]

    def app(self) -> web.Application:
        """Return an aiohttp application serving Connect on ``POST /``."""
        application = web.Application()
        application.router.add_post("/", self.handle)
        return application

    async def handle(self, request: web.Request) -> web.StreamResponse:
        """Answer one Connect request."""
        body = await request.json()
        self.requests.append(body)
        token = body.get("connect_token", "")
        route = body.get("route", "")
        fault = next((f for f in self.faults if f.route in (None, route)), None)
        if fault is not None:
            self.faults.remove(fault)
            return self._reply(fault.status, fault.body, token, fault.headers)
        if self.expired:
            return self._error("token_expired", token)
        if route in START_ROUTES[self.version]:
            resumed = self._next("resume")
            if resumed is not None:
                self.current = resumed
            return self._page(self.current, token)
        return self._answer(body, route, token)

    def _answer(self, body: dict[str, Any], route: str, token: str) -> web.Response:
        if self._route_of(self.current) != route:
            return self._error("action_invalid", token)
        if "data" in body and route in self.rejections:
            return self._error(self.rejections.pop(route), token)
        target = self._next(body.get("action") or "data")
        if target is None:
            return self._error("action_invalid", token)
        self.current = target
        return self._page(target, token)

    def _next(self, key: str) -> str | dict[str, Any] | None:
        return self.graph.get((self._route_of(self.current), key))

    def _route_of(self, page: str | dict[str, Any]) -> str:
        return str(self._document(page)["route"])

    def _document(self, page: str | dict[str, Any]) -> dict[str, Any]:
        return dict(page) if isinstance(page, dict) else fixture(self.version, "pages", page)

    def _page(self, page: str | dict[str, Any], token: str) -> web.Response:
        return self._reply(200, self._document(page), token)

    def _error(self, code: str, token: str) -> web.Response:
        return self._reply(
            VALIDATION_STATUS[self.version], error_body(self.version, code=code), token
        )

    @staticmethod
    def _reply(
        status: int, body: Any, token: str, headers: Mapping[str, str] | None = None
    ) -> web.Response:
        if isinstance(body, dict | list):
            text = json.dumps(body).replace(FIXTURE_TOKEN, token)
            return web.Response(
                status=status, text=text, content_type="application/json", headers=headers
            )
        return web.Response(status=status, text=body or "", headers=headers)


@attrs.frozen
class NamedRenderer:
    """A renderer for tests: its output names itself and the page's route."""

    name: str

    def render(self, page: Page, errors: Any, _context: RenderContext) -> Rendered:
        """Return ``"<name>:<route>"`` (and the error codes)."""
        codes = ",".join(e.code for e in errors if isinstance(e, FieldError))
        return Rendered(f"{self.name}:{page.route}" + (f"!{codes}" if codes else ""))


class RecordingSleep:
    """A stand-in for ``asyncio.sleep`` that records each delay and returns at once."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, delay: float) -> None:
        """Record ``delay``."""
        self.delays.append(delay)
