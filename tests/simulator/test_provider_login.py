"""The DIRECT provider login page: the round trip from session_redirect back to the app."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
from aiohttp import web
from simclient import BRIGHTWAVE, GB, NORTHGRID, RETURN, Backend, Connect, decide
from yarl import URL

from flatpeak_connect.simulator import ManualClock, SimulatorServer

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable
    from pathlib import Path

    import aiohttp
    from aiohttp.test_utils import TestServer
    from conftest import MakeSession


class _Form(HTMLParser):
    """Collects what a person (or a screen reader) meets on the page."""

    def __init__(self) -> None:
        super().__init__()
        self.lang = ""
        self.h1 = ""
        self.action = ""
        self.buttons: list[dict[str, str]] = []
        self.legend = ""
        self._in: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {k: v or "" for k, v in attrs}
        if tag == "html":
            self.lang = found.get("lang", "")
        elif tag == "form":
            self.action = found.get("action", "")
        elif tag == "button":
            self.buttons.append({**found, "text": ""})
        self._in = tag

    def handle_data(self, data: str) -> None:
        if self._in == "h1":
            self.h1 += data
        elif self._in == "legend":
            self.legend += data
        elif self._in == "button" and self.buttons:
            self.buttons[-1]["text"] += data.strip()

    def handle_endtag(self, _tag: str) -> None:
        self._in = None


async def _to_login(s: Connect, provider: str = BRIGHTWAVE) -> str:
    await s.to_providers(GB)
    redirect = await s.answer(data={"provider": {"id": provider}})
    assert redirect["route"] == "session_redirect"
    return str(redirect["data"]["redirect_url"])


class TestRoundTrip:
    """From session_redirect to the login page and back to the app."""

    @pytest.mark.parametrize("version", ["zero", "anode"])
    async def test_approve_in_a_browser_and_come_back(
        self, session: MakeSession, http: aiohttp.ClientSession, version: str
    ) -> None:
        """GET the page, POST Approve, land on the return URL with fp_cot and the app's params."""
        s = await session(version)
        login_url = await _to_login(s)
        assert dict(parse_qsl(urlsplit(login_url).query)) == {"fp_cot": s.token}
        opened = f"{login_url}&{urlencode({'state': 'ab12', 'session': 's 1'})}"
        async with http.get(opened) as response:
            assert response.status == 200
            assert response.content_type == "text/html"
            page = _Form()
            page.feed(await response.text())
        assert page.lang == "en"
        assert page.h1 == "Sign in to Brightwave Energy"
        assert "Share your Brightwave Energy tariff" in page.legend
        labels = {b["value"]: b["text"] for b in page.buttons}
        assert labels == {"approve": "Approve and share my tariff", "deny": "Deny"}
        assert all(b["name"] == "decision" and b["type"] == "submit" for b in page.buttons)
        form_url = str(URL(opened).join(URL(page.action)))
        async with http.post(form_url, data={"decision": "approve"}, allow_redirects=False) as r:
            assert r.status == 303
            back = r.headers["Location"]
        assert back.startswith(f"{RETURN}?")
        assert parse_qsl(urlsplit(back).query) == [
            ("fp_cot", s.token),
            ("state", "ab12"),
            ("session", "s 1"),
        ]
        waiting = await s.start()
        assert waiting["route"] in ("summary_tou_confirm", "tariffs_summary")
        assert waiting["data"]["tariff"]["name"] == "Night Owl EV"

    @pytest.mark.parametrize("version", ["zero", "anode"])
    async def test_browser_follows_the_redirect_into_the_app(
        self,
        session: MakeSession,
        http: aiohttp.ClientSession,
        aiohttp_server: Callable[[web.Application], Awaitable[TestServer]],
        version: str,
    ) -> None:
        """Following the 303 lands on the app's own return page with fp_cot and its params."""

        async def app_return(request: web.Request) -> web.Response:
            return web.json_response({"path": request.path, "query": list(request.query.items())})

        app = web.Application()
        app.router.add_get("/flatpeak/return", app_return)
        host_app = await aiohttp_server(app)
        return_field = "connect_web_uri" if version == "zero" else "connect_url"
        s = await session(version, **{return_field: str(host_app.make_url("/flatpeak/return"))})
        login_url = await _to_login(s)
        async with http.post(f"{login_url}&csrf=x9", data={"decision": "approve"}) as response:
            assert response.status == 200
            assert str(response.url).startswith(str(host_app.make_url("/flatpeak/return")))
            landed = await response.json()
        assert landed["query"] == [["fp_cot", s.token], ["csrf", "x9"]]
        resumed = await s.start()
        assert resumed["data"]["tariff"]["name"] == "Night Owl EV"

    @pytest.mark.parametrize("version", ["zero", "anode"])
    async def test_deny_goes_back_to_provider_selection(
        self, session: MakeSession, http: aiohttp.ClientSession, version: str
    ) -> None:
        """Deny returns to the app; the session resumes on provider selection."""
        s = await session(version)
        login_url = await _to_login(s)
        back = await decide(http, login_url, "deny")
        assert dict(parse_qsl(urlsplit(back).query))["fp_cot"] == s.token
        providers = await s.start()
        assert providers["route"] == "provider_select"

    async def test_resume_before_a_decision_repeats_the_redirect(
        self, session: MakeSession
    ) -> None:
        """A resume before the customer decided returns the same session_redirect."""
        s = await session("anode")
        login_url = await _to_login(s)
        again = await s.start()
        assert again["data"]["redirect_url"] == login_url

    async def test_plain_json_post_works_without_a_browser(
        self, session: MakeSession, http: aiohttp.ClientSession
    ) -> None:
        """A JSON {"decision": "approve"} POST answers 303 too (the terminal demo approves so)."""
        s = await session("anode")
        login_url = await _to_login(s)
        async with http.post(login_url, json={"decision": "approve"}, allow_redirects=False) as r:
            assert r.status == 303
        assert (await s.start())["route"] == "tariffs_summary"

    async def test_return_url_keeps_its_own_query(
        self, session: MakeSession, http: aiohttp.ClientSession
    ) -> None:
        """A connect_url with a query of its own keeps it, and gets fp_cot added."""
        s = await session("anode", connect_url="exampleapp://flatpeak/return?from=connect")
        back = await decide(http, await _to_login(s))
        assert back == f"exampleapp://flatpeak/return?from=connect&fp_cot={s.token}"

    async def test_zero_token_without_return_url(
        self,
        http: aiohttp.ClientSession,
        sim: SimulatorServer,
        backend: Backend,
    ) -> None:
        """With no connect_web_uri there is nowhere to return: a page says to go back to the app."""
        token = await backend.create_token("zero", connect_web_uri=None)
        s = Connect(http, sim.url, token, "zero")
        login_url = await _to_login(s)
        async with http.post(login_url, data={"decision": "approve"}) as response:
            assert response.status == 200
            assert "Go back to the app" in await response.text()
        assert (await s.start())["route"] == "summary_tou_confirm"


class TestRefusals:
    """Login links that cannot be used."""

    async def test_links_that_cannot_be_used(
        self,
        session: MakeSession,
        http: aiohttp.ClientSession,
        sim: SimulatorServer,
        clock: ManualClock,
    ) -> None:
        """Missing, unknown, wrong-provider and expired links get an explanatory HTML page."""
        s = await session("anode")
        login_url = await _to_login(s)
        base = f"{sim.url}/provider/{BRIGHTWAVE}/login"
        expected = {
            base: 400,
            f"{base}?fp_cot=cot_000000000000000000000000": 404,
            login_url.replace(BRIGHTWAVE, NORTHGRID): 409,
        }
        for url, status in expected.items():
            async with http.get(url) as response:
                assert response.status == status, url
                assert response.content_type == "text/html"
        async with http.post(login_url, data={"decision": "maybe"}) as response:
            assert response.status == 400
        clock.advance(hours=2)
        async with http.get(login_url) as response:
            assert response.status == 410

    async def test_a_login_no_longer_pending(
        self, session: MakeSession, http: aiohttp.ClientSession
    ) -> None:
        """Once the session has moved on, the old login link is refused (409)."""
        s = await session("zero")
        login_url = await _to_login(s)
        await decide(http, login_url)
        await s.start()
        async with http.post(login_url, data={"decision": "approve"}) as response:
            assert response.status == 409


class TestEscaping:
    """Strings from the scenario shown on HTML and SVG answers."""

    async def test_provider_name_is_escaped(
        self, http: aiohttp.ClientSession, tmp_path: Path
    ) -> None:
        """A provider name with markup is shown as text on the login page and in its logo."""
        hostile = "<script>alert('x')</script> & \"Co\""
        scenario: dict[str, Any] = {
            "addresses": [
                {
                    "id": "gb",
                    "match": {"country_code": "GB"},
                    "timezone": "Europe/London",
                    "currency_code": "GBP",
                    "providers": ["prv_1"],
                }
            ],
            "providers": [
                {
                    "id": "prv_1",
                    "display_name": hostile,
                    "connection_types": ["DIRECT"],
                    "direct_tariff": "trt_1",
                }
            ],
            "tariffs": [
                {
                    "id": "trt_1",
                    "name": "Flat",
                    "structure": "FIXED",
                    "hours": [{"cost": 0.2, "valid_from": "00:00:00", "valid_to": "00:00:00"}],
                }
            ],
        }
        path = tmp_path / "hostile.json"
        path.write_text(json.dumps(scenario), encoding="utf-8")
        async with SimulatorServer(scenario=path) as sim:
            backend = Backend(http, sim.url, sim.account_id, sim.api_key)
            s = Connect(http, sim.url, await backend.create_token("anode"), "anode")
            providers = await s.to_providers(GB)
            assert providers["data"]["providers"][0]["display_name"] == hostile
            redirect = await s.answer(data={"provider": {"id": "prv_1"}})
            login_url = redirect["data"]["redirect_url"]
            async with http.get(login_url) as response:
                html = await response.text()
            async with http.get(providers["data"]["providers"][0]["logo_url"]) as response:
                svg = await response.text()
        assert "<script>" not in html
        assert "&lt;script&gt;" in html
        assert re.search(r"&amp; (&#34;|&quot;)Co(&#34;|&quot;)", html)
        assert "<script>" not in svg
        assert "&lt;script&gt;" in svg
