"""The back-end API over HTTP: log in, create tokens (both versions), exchange them."""

from __future__ import annotations

import base64
import json
import re
from typing import TYPE_CHECKING, Any

import pytest
from simclient import CALLBACK, GB, LOC_CONNECTED, RETURN, Backend, Connect, basic_auth

from flatpeak_connect.simulator import DEMO_ACCOUNT_ID, DEMO_API_KEY, SimulatorServer

if TYPE_CHECKING:
    import aiohttp
    from conftest import MakeSession

ZERO = {"callback_uri": CALLBACK, "connect_web_uri": RETURN}
ANODE = {"callback_url": CALLBACK, "connect_url": RETURN}


class TestLogin:
    """GET /login: HTTP Basic credentials for a bearer token."""

    async def test_demo_credentials_get_a_bearer(
        self, http: aiohttp.ClientSession, sim: SimulatorServer
    ) -> None:
        """GET /login with the demo account id and API key returns a JWT-shaped bearer token."""
        headers = {"Authorization": basic_auth(DEMO_ACCOUNT_ID, DEMO_API_KEY)}
        async with http.get(f"{sim.url}/login", headers=headers) as response:
            assert response.status == 200
            body = await response.json()
        assert body["expires_in"] == 3600
        assert body["live_mode"] is False
        header, claims, _ = body["bearer_token"].split(".")
        assert json.loads(base64.urlsafe_b64decode(header + "=="))["alg"] == "HS256"
        assert json.loads(base64.urlsafe_b64decode(claims + "=="))["sub"] == DEMO_ACCOUNT_ID

    def test_demo_credentials_are_shaped_like_flatpeak_ones(self) -> None:
        """The demo account id is acc_ + 24 hex and the key a test key (sk_test_ + hex)."""
        assert re.fullmatch(r"acc_[0-9a-f]{24}", DEMO_ACCOUNT_ID)
        assert re.fullmatch(r"sk_test_[0-9a-f]+", DEMO_API_KEY)

    @pytest.mark.parametrize(
        "header",
        [
            basic_auth(DEMO_ACCOUNT_ID, "sk_test_wrong"),
            basic_auth("acc_000000000000000000000000", DEMO_API_KEY),
            "Basic not-base64!",
        ],
    )
    async def test_bad_credentials_are_403(
        self, http: aiohttp.ClientSession, sim: SimulatorServer, header: str
    ) -> None:
        """Wrong credentials get 403 {"message": "Bad credentials"}, as the OpenAPI spec has it."""
        async with http.get(f"{sim.url}/login", headers={"Authorization": header}) as response:
            assert response.status == 403
            assert await response.json() == {"message": "Bad credentials"}

    async def test_missing_credentials_are_401(
        self, http: aiohttp.ClientSession, sim: SimulatorServer
    ) -> None:
        """No Authorization header gets 401 with a Basic challenge."""
        async with http.get(f"{sim.url}/login") as response:
            assert response.status == 401
            assert response.headers["WWW-Authenticate"].startswith("Basic")

    async def test_configured_live_key_makes_live_sessions(
        self, http: aiohttp.ClientSession
    ) -> None:
        """An sk_live_ key configured on the simulator makes tokens and pages live_mode true."""
        key = "sk_live_0123456789abcdef"
        async with SimulatorServer(account_id="acc_0a0a0a0a0a0a0a0a0a0a0a0a", api_key=key) as sim:
            backend = Backend(http, sim.url, sim.account_id, key)
            s = Connect(http, sim.url, await backend.create_token("anode"), "anode")
            assert (await s.start())["live_mode"] is True

    async def test_configured_live_key_makes_every_error_live(
        self, http: aiohttp.ClientSession
    ) -> None:
        """With an sk_live_ key, Connect's envelope errors and injected faults are live_mode."""
        key = "sk_live_0123456789abcdef"
        async with SimulatorServer(account_id="acc_0a0a0a0a0a0a0a0a0a0a0a0a", api_key=key) as sim:
            for body in ({"route": "session_start"}, {"connect_token": "cot_unknown"}):
                async with http.post(f"{sim.url}/", json=body) as response:
                    error = await response.json()
                assert (error["object"], error["live_mode"]) == ("error", True), error
            sim.add_fault("rate_limit")
            async with http.post(f"{sim.url}/", json={"connect_token": "cot_x"}) as response:
                assert response.status == 429
                assert (await response.json())["live_mode"] is True


class TestBearerRequired:
    """The back-end endpoints that need a bearer token."""

    @pytest.mark.parametrize(
        ("method", "path"),
        [
            ("POST", "/connect/tariff/token"),
            ("POST", "/connect/token"),
            ("GET", "/connect/tariff/token?connect_token=cot_x"),
            ("GET", "/connect/token?connect_token=cot_x"),
        ],
    )
    async def test_missing_and_bad_bearer(
        self, http: aiohttp.ClientSession, sim: SimulatorServer, method: str, path: str
    ) -> None:
        """Back-end calls need a bearer: none is a 401, an unknown one a 403, both error objects."""
        async with http.request(method, f"{sim.url}{path}", json=ZERO) as response:
            assert response.status == 401
            assert (await response.json())["code"] == "authentication_required"
        headers = {"Authorization": "Bearer not.a.token"}
        async with http.request(method, f"{sim.url}{path}", json=ZERO, headers=headers) as response:
            assert response.status == 403
            assert (await response.json())["code"] == "bad_credentials"


class TestCreateToken:
    """Creating connect tokens for both versions."""

    async def test_zero_token(self, backend: Backend) -> None:
        """POST /connect/tariff/token returns cot_ + 24 hex, expires_in and live_mode."""
        status, body = await backend.create_token_raw("zero", ZERO)
        assert status == 200
        assert re.fullmatch(r"cot_[0-9a-f]{24}", body["connect_token"])
        assert set(body) == {"connect_token", "expires_in", "live_mode"}

    @pytest.mark.parametrize(
        ("version", "fields", "status", "code"),
        [
            ("zero", {}, 409, "callback_uri_missing"),
            ("zero", {"callback_uri": "/relative"}, 409, "callback_uri_invalid"),
            ("zero", {**ZERO, "direction": "SIDEWAYS"}, 409, "tariff_direction_invalid"),
            ("zero", {**ZERO, "direction": "LOCAL"}, 409, "tariff_direction_not_supported"),
            ("zero", {**ZERO, "type": "GAS"}, 409, "tariff_type_invalid"),
            (
                "zero",
                {**ZERO, "direction": "EXPORT", "type": "NON_COMMODITY"},
                409,
                "tariff_direction_not_supported",
            ),
            (
                "zero",
                {**ZERO, "location_id": "loc_000000000000000000000000"},
                404,
                "location_not_found",
            ),
            ("zero", {**ZERO, "postal_address": "17 Orchard Row"}, 409, "data_json_invalid"),
            ("anode", {"callback_url": CALLBACK}, 400, "connect_url_missing"),
            ("anode", {"connect_url": RETURN}, 400, "callback_url_missing"),
            ("anode", {**ANODE, "tariff_direction": "UP"}, 400, "tariff_direction_invalid"),
            (
                "anode",
                {**ANODE, "route_options": {"tariff_name_capture": "yes"}},
                400,
                "data_json_invalid",
            ),
            ("anode", {**ANODE, "actions": []}, 400, "data_json_invalid"),
            ("anode", {**ANODE, "postal_address_type": "FARM"}, 400, "data_json_invalid"),
        ],
    )
    async def test_bad_fields_are_refused(
        self, backend: Backend, version: str, fields: dict[str, Any], status: int, code: str
    ) -> None:
        """Token creation refuses bad fields with a code, status 409 (zero) or 400 (anode)."""
        got, body = await backend.create_token_raw(version, fields)
        assert (got, body["object"], body["code"]) == (status, "error", code)
        assert body["context"] == "api.connect_token_create"

    async def test_body_that_is_not_json(
        self, http: aiohttp.ClientSession, sim: SimulatorServer, backend: Backend
    ) -> None:
        """A token body that is not JSON is refused with data_json_invalid."""
        headers = {"Authorization": f"Bearer {await backend.bearer()}"}
        async with http.post(f"{sim.url}/connect/token", data=b"{", headers=headers) as response:
            assert response.status == 400
            assert (await response.json())["code"] == "data_json_invalid"

    async def test_anode_direction_and_type_reach_every_page(self, session: MakeSession) -> None:
        """tariff_direction and tariff_type at creation are echoed by every anode page."""
        s = await session("anode", tariff_direction="EXPORT", tariff_type="COMMODITY")
        page = await s.start()
        assert (page["direction"], page["type"]) == ("EXPORT", "COMMODITY")
        providers = await s.answer(data={"postal_address": GB})
        assert providers["direction"] == "EXPORT"

    async def test_version_header_picks_the_version(
        self, backend: Backend, http: aiohttp.ClientSession, sim: SimulatorServer
    ) -> None:
        """Flatpeak-Version: 2025-09-14.anode on /connect/tariff/token creates an anode token."""
        headers = {
            "Authorization": f"Bearer {await backend.bearer()}",
            "Flatpeak-Version": "2025-09-14.anode",
        }
        async with http.post(f"{sim.url}/connect/tariff/token", json=ANODE, headers=headers) as r:
            token = (await r.json())["connect_token"]
        s = Connect(http, sim.url, token, "anode")
        assert (await s.start())["actions"] == ["BACK", "CLOSE"]
        headers["Flatpeak-Version"] = "2030-01-01.zeta"
        async with http.post(f"{sim.url}/connect/token", json=ANODE, headers=headers) as r:
            assert (r.status, (await r.json())["code"]) == (400, "api_version_invalid")


class TestExchange:
    """Exchanging a token once its session has ended."""

    async def test_exchange_before_the_end_is_422(
        self, session: MakeSession, backend: Backend
    ) -> None:
        """A token whose session has not ended cannot be exchanged yet (422 error object)."""
        s = await session("zero")
        await s.start()
        status, body = await backend.exchange(s.token)
        assert (status, body["code"]) == (422, "session_not_complete")

    async def test_unknown_and_missing_token(
        self, backend: Backend, http: aiohttp.ClientSession, sim: SimulatorServer
    ) -> None:
        """An unknown token is 404; no connect_token parameter is 400."""
        status, body = await backend.exchange("cot_000000000000000000000000")
        assert (status, body["code"]) == (404, "connect_token_not_found")
        headers = {"Authorization": f"Bearer {await backend.bearer()}"}
        async with http.get(f"{sim.url}/connect/tariff/token", headers=headers) as response:
            assert response.status == 400

    async def test_exchange_returns_the_documented_fields(
        self,
        session: MakeSession,
        backend: Backend,
        http: aiohttp.ClientSession,
        sim: SimulatorServer,
    ) -> None:
        """GET /connect/token (anode) returns the references given at creation and the ids."""
        s = await session(
            "anode",
            location_id=LOC_CONNECTED,
            customer_reference_id="CUST-42",
            location_reference_id="SITE-42",
        )
        await s.start()
        await s.answer(action="CLOSE")
        headers = {"Authorization": f"Bearer {await backend.bearer()}"}
        url = f"{sim.url}/connect/token?connect_token={s.token}"
        async with http.get(url, headers=headers) as response:
            body = await response.json()
        assert body["object"] == "connect_token"
        assert body["id"] == s.token
        assert body["location_id"] == LOC_CONNECTED
        assert body["customer_id"] == "cus_5b1e0c9a7d3f42e8a6c1b0d4"
        assert (body["customer_reference_id"], body["location_reference_id"]) == (
            "CUST-42",
            "SITE-42",
        )
        assert body["is_tariff_processed"] is True
        assert body["complete_action"] == "CLOSE"
        assert body["time_expiry"] > body["time_created"]
