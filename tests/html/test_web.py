"""The hosted flow's HTTP behaviour, through aiohttp's test client against the real simulator."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

import pytest
from html_support import GB, WebVisitor, mount

from flatpeak_connect.engine.store import MemoryStore
from flatpeak_connect.renderers.html import HtmlConfig, Theme
from flatpeak_connect.web import WebConfig

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from aiohttp import web
    from aiohttp.test_utils import TestClient

    from flatpeak_connect.engine.backend import FlatPeakAPI
    from flatpeak_connect.simulator import SimulatorServer

    ClientFactory = Callable[[web.Application], Awaitable[TestClient[Any, Any]]]


@pytest.fixture
def make_flow(
    sim: SimulatorServer, api: FlatPeakAPI, aiohttp_client: ClientFactory
) -> Callable[..., Awaitable[WebVisitor]]:
    """Build a web app on the simulator (options override the config) and a client for it."""

    async def make(**options: Any) -> WebVisitor:
        store = MemoryStore()
        settings: dict[str, Any] = {
            "connect_url": sim.url + "/",
            "version": "anode",
            "store": store,
            "api": api,
            **options,
        }
        client = await aiohttp_client(mount(WebConfig(**settings)))
        return WebVisitor(client, store)

    return make


class TestCsrf:
    """Every form carries a CSRF token bound to the session; a post without it changes nothing."""

    async def test_a_post_without_the_token_is_refused_and_changes_nothing(
        self, make_flow: Callable[..., Awaitable[WebVisitor]], sim: SimulatorServer
    ) -> None:
        """No token, an empty one, or another session's: 403, the state and Connect untouched."""
        flow = await make_flow()
        await flow.start()
        before = (await flow.state()).to_json()
        token = (await flow.state()).token
        assert token is not None
        stack = sim.simulator.describe_session(token)
        tokens = flow.tokens()
        other = await make_flow()
        await other.start()
        real = tokens["fp_csrf"]
        tampered = real[:-1] + ("1" if real.endswith("0") else "0")  # always one digit off
        for csrf in (None, "", other.tokens()["fp_csrf"], tampered):
            form = {**GB, "fp_form": tokens["fp_form"]}
            if csrf is not None:
                form["fp_csrf"] = csrf
            response = await flow.post(form)
            assert response.status == 403
            assert "Nothing was sent and nothing has changed" in flow.html
        assert (await flow.state()).to_json() == before
        assert sim.simulator.describe_session(token) == stack

    async def test_start_without_the_token_creates_no_session(
        self, make_flow: Callable[..., Awaitable[WebVisitor]]
    ) -> None:
        """A forged Start is refused before any token is created."""
        flow = await make_flow()
        await flow.get()
        response = await flow.post({"fp_form": flow.tokens()["fp_form"]}, "/connect/start")
        assert response.status == 403
        assert len(flow.store) == 0

    async def test_a_post_with_no_session_cookie_is_refused(
        self, make_flow: Callable[..., Awaitable[WebVisitor]]
    ) -> None:
        """Without the cookie there is no session to bind a token to: 403."""
        flow = await make_flow()
        await flow.start()
        tokens = flow.tokens()
        flow.client.session.cookie_jar.clear()
        response = await flow.post({**GB, **tokens})
        assert response.status == 403


class TestDoubleSubmit:
    """The same form posted twice is sent to Connect once."""

    async def test_a_second_post_of_a_form_shows_the_current_page(
        self, make_flow: Callable[..., Awaitable[WebVisitor]]
    ) -> None:
        """The replay is answered with the current page; Connect's history grows once."""
        flow = await make_flow()
        await flow.start()
        form = {**GB, **flow.tokens()}
        first = await flow.post(form, follow=False)
        assert first.status == 303
        after_first = await flow.state()
        second = await flow.post(form, follow=False)
        assert second.status == 303
        assert second.headers["Location"] == "./"
        assert (await flow.state()).history == after_first.history
        await flow.get()
        assert "Who supplies your electricity?" in flow.html

    async def test_a_form_with_errors_is_a_new_form(
        self, make_flow: Callable[..., Awaitable[WebVisitor]]
    ) -> None:
        """After an error the page's form id changes, so the failed post cannot be replayed."""
        flow = await make_flow()
        await flow.start()
        form = {**GB, "city": "", **flow.tokens()}
        response = await flow.post(form)
        assert response.status == 200
        assert "There is a problem" in flow.html
        assert flow.tokens()["fp_form"] != form["fp_form"]


VILLAGE_POWER = "prv_47b28be2c7ae7a86affbec1b"  # the default scenario's MANUAL supplier in GB


async def _manual_structure(
    make_flow: Callable[..., Awaitable[WebVisitor]], structure: str
) -> WebVisitor:
    """A customer who gave a GB address, chose a MANUAL supplier and the price ``structure``."""
    flow = await make_flow()
    await flow.start()
    await flow.post({**GB, **flow.tokens()})
    await flow.post({"provider": VILLAGE_POWER, **flow.tokens()})
    await flow.post({"structure": structure, **flow.tokens()})
    return flow


class TestAnswers:
    """Answers are checked on the client first; what the customer typed survives an error."""

    async def test_a_typed_value_that_cannot_be_read_is_kept_as_typed(
        self, make_flow: Callable[..., Awaitable[WebVisitor]]
    ) -> None:
        """A price of "abc" errs beside the field and the box still says "abc"."""
        flow = await _manual_structure(make_flow, "FIXED")
        assert "How much do you pay per kWh?" in flow.html
        response = await flow.post({"cost": "abc", **flow.tokens()})
        assert response.status == 200
        assert 'value="abc"' in flow.html
        assert 'aria-invalid="true"' in flow.html
        await flow.post({"cost": "24.5", **flow.tokens()})
        state = await flow.state()
        assert state.history[-1] == "tariffs_summary"

    async def test_a_price_typed_in_pence_is_sent_in_pounds(
        self, make_flow: Callable[..., Awaitable[WebVisitor]]
    ) -> None:
        """24.5 typed beside "p" goes to Connect as 0.245 and comes back on the summary as 24.5p."""
        flow = await _manual_structure(make_flow, "FIXED")
        assert "p per kWh" in flow.html
        await flow.post({"cost": "24.5", **flow.tokens()})
        state = await flow.state()
        assert state.last_answer is not None
        assert state.last_answer.data == {"cost": 0.245}
        assert "24.5p" in flow.html

    async def test_adding_a_period_sends_nothing_and_keeps_what_was_typed(
        self, make_flow: Callable[..., Awaitable[WebVisitor]]
    ) -> None:
        """The add-a-period button re-renders with one more row, the typed rows kept."""
        flow = await _manual_structure(make_flow, "TIME_OF_DAY")
        history = (await flow.state()).history
        typed = {"hours-0-valid_from": "07:00", "hours-0-valid_to": "23:00", "hours-0-cost": "30"}
        await flow.post({**typed, "fp_add_row": "hours", **flow.tokens()})
        assert (await flow.state()).history == history
        assert 'name="hours-1-cost"' in flow.html
        assert 'value="30"' in flow.html


class TestEnds:
    """How a session ends: the callback, the demo page, an expired token, a failure."""

    async def test_the_end_redirects_to_the_configured_callback_with_fp_cot(
        self, make_flow: Callable[..., Awaitable[WebVisitor]]
    ) -> None:
        """With a callback URL, finishing exchanges the token and 303s there with fp_cot."""
        flow = await make_flow(callback_url="https://app.example/flatpeak/done?tab=energy")
        await flow.start()
        token = (await flow.state()).token
        response = await flow.post({"fp_action": "CLOSE", **flow.tokens()}, follow=False)
        assert response.status == 303
        location = urlsplit(response.headers["Location"])
        assert (location.scheme, location.netloc, location.path) == (
            "https",
            "app.example",
            "/flatpeak/done",
        )
        assert parse_qs(location.query) == {"tab": ["energy"], "fp_cot": [str(token)]}

    async def test_demo_mode_ends_on_a_page_with_the_ids(
        self, make_flow: Callable[..., Awaitable[WebVisitor]]
    ) -> None:
        """Without a callback, the last page shows customer_id and location_id."""
        flow = await make_flow()
        await flow.start()
        await flow.post({**GB, **flow.tokens()})
        await flow.post({"provider": "prv_f8ef1ff3c8f7b513076fb77c", **flow.tokens()})
        await flow.post({"tariff": "trt_adeddae17fe8e92398b3b78a", **flow.tokens()})
        response = await flow.post({"fp_action": "CLOSE", **flow.tokens()})
        assert response.status == 200
        assert re.search(r'id="customer-id">cus_\w+<', flow.html)
        assert re.search(r'id="location-id">loc_\w+<', flow.html)

    async def test_leaving_before_any_tariff_says_none_was_connected(
        self, make_flow: Callable[..., Awaitable[WebVisitor]]
    ) -> None:
        """Back on the first page of anode ends the session; the demo page says so honestly."""
        flow = await make_flow()
        await flow.start()
        response = await flow.post({"fp_action": "BACK", **flow.tokens()})
        assert response.status == 200
        assert '<h1 class="panel__title heading-l">No tariff was connected</h1>' in flow.html
        assert "Tariff connected" not in flow.html

    async def test_an_expired_token_says_so_and_offers_a_new_start(
        self, make_flow: Callable[..., Awaitable[WebVisitor]], sim: SimulatorServer
    ) -> None:
        """token_expired: a 410 page with a Start again form that works."""
        flow = await make_flow()
        await flow.start()
        token = (await flow.state()).token
        assert token is not None
        sim.expire_token(token)
        response = await flow.post({**GB, **flow.tokens()})
        assert response.status == 410
        assert "Your session has expired" in flow.html
        assert 'action="start"' in flow.html
        await flow.post(flow.tokens(), "/connect/start")
        assert (await flow.state()).token != token

    async def test_a_failure_shows_a_support_reference_and_keeps_the_answers(
        self, make_flow: Callable[..., Awaitable[WebVisitor]], sim: SimulatorServer
    ) -> None:
        """A 500 from Connect: an error page with a request id; the answer is kept to retry."""
        flow = await make_flow()
        await flow.start()
        sim.add_fault("server_error", times=1, route="postal_address_capture")
        response = await flow.post({**GB, **flow.tokens()})
        assert response.status == 502
        assert re.search(r'class="reference">req_[0-9a-f]{16}<', flow.html)
        await flow.get()
        assert 'value="17 Orchard Row"' in flow.html

    async def test_a_token_in_the_link_starts_and_leaves_the_address_bar(
        self, make_flow: Callable[..., Awaitable[WebVisitor]], api: FlatPeakAPI
    ) -> None:
        """``?fp_cot=`` starts the session, then 303s to the app's own URL without the token."""
        flow = await make_flow()
        created = await api.create_token(
            "anode", callback_url="https://app.example/done", return_url="https://app.example/r"
        )
        response = await flow.client.get(
            f"/connect/?fp_cot={created.connect_token}", allow_redirects=False
        )
        assert response.status == 303
        assert response.headers["Location"] == "./"
        assert (await flow.state()).token == created.connect_token

    async def test_a_malformed_token_is_refused_before_it_reaches_connect(
        self, make_flow: Callable[..., Awaitable[WebVisitor]]
    ) -> None:
        """A token with characters no token has gets a 400 page; no session is made."""
        flow = await make_flow()
        response = await flow.client.get("/connect/?fp_cot=%3Cscript%3E")
        assert response.status == 400
        assert "<script>" not in await response.text()
        assert len(flow.store) == 0


class TestHeaders:
    """Security headers, the cookie, and the static files."""

    async def test_pages_carry_the_security_headers(
        self, make_flow: Callable[..., Awaitable[WebVisitor]]
    ) -> None:
        """CSP without inline script, nosniff, no referrer, no caching, framing refused."""
        flow = await make_flow()
        response = await flow.get()
        policy = response.headers["Content-Security-Policy"]
        assert "script-src 'self'" in policy
        assert "unsafe-inline" not in policy
        assert "frame-ancestors 'none'" in policy
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "no-referrer"
        assert response.headers["X-Frame-Options"] == "DENY"
        assert response.headers["Cache-Control"] == "no-store"

    async def test_frame_ancestors_come_from_configuration(
        self, make_flow: Callable[..., Awaitable[WebVisitor]]
    ) -> None:
        """A host that embeds the flow names its origin; X-Frame-Options is then left out."""
        flow = await make_flow(frame_ancestors="'self' https://app.example")
        response = await flow.get()
        assert (
            "frame-ancestors 'self' https://app.example"
            in response.headers["Content-Security-Policy"]
        )
        assert "X-Frame-Options" not in response.headers

    @pytest.mark.parametrize("secure", [False, True])
    async def test_the_session_cookie_is_httponly_lax_and_secure_on_request(
        self, make_flow: Callable[..., Awaitable[WebVisitor]], secure: bool
    ) -> None:
        """HttpOnly, SameSite=Lax, scoped to the mount path; Secure when configured."""
        flow = await make_flow(secure_cookie=secure)
        response = await flow.get()
        cookie = response.headers["Set-Cookie"]
        assert "HttpOnly" in cookie
        assert "SameSite=Lax" in cookie
        assert "Path=/connect/" in cookie
        assert ("Secure" in cookie) is secure

    async def test_static_files_and_the_theme_are_served(
        self, make_flow: Callable[..., Awaitable[WebVisitor]]
    ) -> None:
        """The stylesheet and script as files; theme.css from configuration; nothing else."""
        theme = Theme(brand_colour="#00703c", font_family='"Inter", sans-serif')
        flow = await make_flow(html=HtmlConfig(theme=theme))
        css = await flow.client.get("/connect/static/connect.css")
        assert css.content_type == "text/css"
        script = await flow.client.get("/connect/static/connect.js")
        assert script.content_type == "text/javascript"
        themed = await (await flow.client.get("/connect/theme.css")).text()
        assert "--fp-brand: #00703c;" in themed
        assert '--fp-font: "Inter", sans-serif;' in themed
        for name in ("../app.py", "missing.css", "%2e%2e%2fapp.py"):
            assert (await flow.client.get(f"/connect/static/{name}")).status == 404

    async def test_a_return_with_someone_elses_token_does_not_touch_this_session(
        self, make_flow: Callable[..., Awaitable[WebVisitor]], api: FlatPeakAPI
    ) -> None:
        """The return route resumes only the cookie's own session; another token starts anew."""
        flow = await make_flow()
        await flow.start()
        mine = await flow.state()
        other = await api.create_token(
            "anode", callback_url="https://app.example/done", return_url="https://app.example/r"
        )
        response = await flow.client.get(
            f"/connect/return?fp_cot={other.connect_token}", allow_redirects=False
        )
        assert response.status == 303
        assert response.headers["Location"] == "./"
        assert (await flow.store.get(flow.session_id)) is not None
        assert (await flow.state()).token == other.connect_token
        assert mine.token != other.connect_token
