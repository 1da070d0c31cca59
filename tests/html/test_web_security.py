"""Security and robustness review of the hosted flow: hostile input, hostile cookies, faults.

Through aiohttp's test client against the real simulator, as ``test_web.py`` does, plus unit
checks of the URL and theme guards the app and the templates rely on.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import pytest
from html_support import GB, WebVisitor, mount

from flatpeak_connect.engine.machine import SessionStatus
from flatpeak_connect.engine.store import MemoryStore
from flatpeak_connect.renderers.html import Theme, safe_url
from flatpeak_connect.web import WebConfig

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from aiohttp import web
    from aiohttp.test_utils import TestClient

    from flatpeak_connect.engine.backend import FlatPeakAPI
    from flatpeak_connect.simulator import SimulatorServer

    ClientFactory = Callable[[web.Application], Awaitable[TestClient[Any, Any]]]

COOKIE = "fp_connect"


@pytest.fixture
def browser(
    sim: SimulatorServer, api: FlatPeakAPI, aiohttp_client: ClientFactory
) -> Callable[[], Awaitable[WebVisitor]]:
    """Build the web app (anode, demo mode) on the simulator and a browser for it."""

    async def make() -> WebVisitor:
        store = MemoryStore()
        config = WebConfig(connect_url=sim.url + "/", version="anode", store=store, api=api)
        return WebVisitor(await aiohttp_client(mount(config)), store)

    return make


class TestHostileTokens:
    """A CSRF token, form id or connect token that no browser would send is refused, not a 500."""

    async def test_a_non_ascii_csrf_token_is_refused_with_403(
        self, browser: Callable[[], Awaitable[WebVisitor]]
    ) -> None:
        """A CSRF token with a non-ASCII character gets the forbidden page, not a server error."""
        flow = await browser()
        await flow.start()
        form_id = flow.tokens()["fp_form"]
        for path in ("/connect/", "/connect/start"):
            response = await flow.post({**GB, "fp_csrf": "é", "fp_form": form_id}, path)
            assert response.status == 403
            assert "Nothing was sent and nothing has changed" in flow.html

    async def test_a_non_ascii_form_id_shows_the_current_page(
        self, browser: Callable[[], Awaitable[WebVisitor]]
    ) -> None:
        """A form id with a non-ASCII character is a stale form: 303 to the page, nothing sent."""
        flow = await browser()
        await flow.start()
        before = await flow.state()
        form = {**GB, "fp_csrf": flow.tokens()["fp_csrf"], "fp_form": "é"}
        response = await flow.post(form, follow=False)
        assert response.status == 303
        assert response.headers["Location"] == "./"
        assert (await flow.state()).history == before.history

    async def test_a_non_ascii_token_on_the_return_route_is_refused_with_400(
        self, browser: Callable[[], Awaitable[WebVisitor]]
    ) -> None:
        """``./return?fp_cot=é`` with a live session gets the bad-token page; the session stays."""
        flow = await browser()
        await flow.start()
        session_id = flow.session_id
        response = await flow.client.get("/connect/return?fp_cot=%C3%A9", allow_redirects=False)
        assert response.status == 400
        assert flow.session_id == session_id
        assert (await flow.state()).status is SessionStatus.AWAITING_INPUT


class TestSessionCookie:
    """The session id is always one the server made."""

    async def test_a_planted_cookie_never_becomes_a_session(
        self, browser: Callable[[], Awaitable[WebVisitor]]
    ) -> None:
        """Start now with an attacker-chosen cookie stores the session under a fresh id only."""
        flow = await browser()
        planted = "A" * 43
        flow.client.session.cookie_jar.update_cookies({COOKIE: planted})
        await flow.get()
        await flow.post(flow.tokens(), "/connect/start")
        assert flow.session_id != planted
        assert await flow.store.get(planted) is None
        assert (await flow.state()).history == ("postal_address_capture",)

    async def test_starting_from_a_link_rotates_the_session_id(
        self, browser: Callable[[], Awaitable[WebVisitor]], api: FlatPeakAPI
    ) -> None:
        """``?fp_cot=`` never keeps the cookie the browser arrived with (a planted id included)."""
        flow = await browser()
        await flow.get()
        arrived_with = flow.session_id
        created = await api.create_token(
            "anode", callback_url="https://app.example/done", return_url="https://app.example/r"
        )
        await flow.client.get(f"/connect/?fp_cot={created.connect_token}", allow_redirects=False)
        assert flow.session_id != arrived_with
        assert (await flow.state()).token == created.connect_token


class TestConnectFaults:
    """When Connect fails under a form post the customer gets a way on, and no token leaks."""

    @pytest.mark.parametrize("kind", ["drop", "malformed_json", "server_error"])
    async def test_a_lost_answer_keeps_what_was_typed(
        self,
        browser: Callable[[], Awaitable[WebVisitor]],
        sim: SimulatorServer,
        kind: str,
        caplog: pytest.LogCaptureFixture,
    ) -> None:
        """A transport failure: an error page with a reference and no token; Try again refills."""
        flow = await browser()
        await flow.start()
        token = (await flow.state()).token
        assert token is not None
        sim.add_fault(kind, times=1, route="postal_address_capture")
        caplog.set_level("INFO", logger="flatpeak_connect.web.app")
        response = await flow.post({**GB, **flow.tokens()})
        assert response.status == 502
        assert re.search(r'class="reference">req_[0-9a-f]{16}<', flow.html)
        assert token not in flow.html
        assert token not in caplog.text
        await flow.get()
        assert 'value="17 Orchard Row"' in flow.html

    async def test_a_broken_page_after_an_answer_is_not_a_dead_end(
        self, browser: Callable[[], Awaitable[WebVisitor]], sim: SimulatorServer
    ) -> None:
        """A page breaking its schema: an error page, then Try again asks Connect and goes on."""
        flow = await browser()
        await flow.start()
        sim.add_fault("schema_violation", times=1, route="postal_address_capture")
        response = await flow.post({**GB, **flow.tokens()})
        assert response.status == 502
        assert "Try again" in flow.html
        response = await flow.get()
        assert response.status == 200
        assert "Who supplies your electricity?" in flow.html


class TestHostileForms:
    """A posted form that no page drew is answered with a page, never a server error."""

    async def test_a_row_number_in_a_non_ascii_digit_is_ignored(
        self, browser: Callable[[], Awaitable[WebVisitor]]
    ) -> None:
        """``hours-²-cost`` (a digit to ``str.isdigit`` that ``int`` refuses) is not a 500."""
        flow = await browser()
        await flow.start()
        await flow.post({**GB, **flow.tokens()})
        await flow.post({"provider": "prv_47b28be2c7ae7a86affbec1b", **flow.tokens()})
        await flow.post({"structure": "TIME_OF_DAY", **flow.tokens()})
        typed = {"hours-0-valid_from": "07:00", "hours-\u00b2-cost": "30"}
        for extra in ({}, {"fp_add_row": "hours"}):
            response = await flow.post({**typed, **extra, **flow.tokens()})
            assert response.status == 200
            assert 'value="07:00"' in flow.html


class TestUrlGuards:
    """Only URLs that stay what they look like reach a Location header, an href or a src."""

    @pytest.mark.parametrize(
        "url",
        [
            "https://login.example/\r\nSet-Cookie: fp_connect=planted",
            "https://login.example/\nx",
            "https://login.example/\x00",
            "ht\ttps://login.example/",
            "https://login.example/\x7f",
        ],
    )
    def test_a_url_with_control_characters_is_refused(self, url: str) -> None:
        """A control character could split a header or hide the real scheme: no URL at all."""
        assert safe_url(url) is None

    def test_a_plain_https_url_still_passes(self) -> None:
        """The guard keeps ordinary provider URLs, query and all (surrounding blanks trimmed)."""
        url = "https://login.example/auth?fp_cot=cot_1&x=a%20b"
        assert safe_url(f" {url} ") == url

    @pytest.mark.parametrize(
        "logo", ["/\\evil.example/logo.png", "/logo.png\r\n", "https://cdn.example/a\\b.png"]
    )
    def test_a_logo_path_a_browser_reads_as_another_site_is_refused(self, logo: str) -> None:
        r"""``/\host`` is ``//host`` to a browser: backslashes and control characters are out."""
        with pytest.raises(ValueError, match="logo_url"):
            Theme(logo_url=logo)
