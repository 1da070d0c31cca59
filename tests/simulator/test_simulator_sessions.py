"""Session behaviour shared by both versions: who owns the position, expiry, bad envelopes."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest
from simclient import GB, NL, NORTHGRID, NORTHGRID_E7, START, STATUS, US, Backend

if TYPE_CHECKING:
    import aiohttp
    from conftest import MakeSession

    from flatpeak_connect.simulator import ManualClock, SimulatorServer

VERSIONS = ["zero", "anode"]


class TestServerOwnsTheSession:
    """The server, not the client, owns where a session is."""

    @pytest.mark.parametrize("version", VERSIONS)
    async def test_start_on_a_live_session_returns_the_current_page(
        self, session: MakeSession, version: str
    ) -> None:
        """A repeated start (a fresh tab) returns the page the session is on, not the first."""
        s = await session(version)
        await s.to_providers(GB)
        tariffs = await s.answer(data={"provider": {"id": NORTHGRID}})
        again = await s.start()
        assert again == tariffs

    @pytest.mark.parametrize("version", VERSIONS)
    async def test_an_earlier_page_may_be_answered_again(
        self, session: MakeSession, version: str
    ) -> None:
        """A page re-sent from the client's history (browser Back) is accepted and re-routes."""
        s = await session(version)
        await s.to_providers(GB)
        await s.answer(data={"provider": {"id": NORTHGRID}})
        resent = await s.post("postal_address_capture", data={"postal_address": US})
        assert resent["route"] == "provider_select"
        assert resent["data"]["postal_address"]["country_code"] == "US"
        assert (await s.start())["route"] == "provider_select"

    @pytest.mark.parametrize("version", VERSIONS)
    async def test_a_resent_rate_page_overrides_a_later_structure_choice(
        self, session: MakeSession, version: str
    ) -> None:
        """Re-sending the fixed-rate page after choosing MARKET gives a fixed tariff, and back."""
        s = await session(version)
        await s.to_structure(GB)
        await s.answer(data={"options": ["FIXED"]})
        await s.post("tariff_structure_select", data={"options": ["MARKET"]})
        fixed = await s.post("rate_fixed_capture", data={"cost": 0.3})
        if fixed["route"] == "tariff_name_capture":  # zero asks the name and contract term
            await s.answer(data={"tariff": {"name": "Flat"}})
            fixed = await s.post("contract_term_capture")
        assert fixed["data"]["tariff"]["structure_type"] == "FIXED", fixed
        surcharge = "market_surcharge_capture" if version == "zero" else "surcharge_capture"
        market = await s.post(surcharge, data={"surcharge": {"fixed": 0.01, "percentage": 5}})
        if market["route"] == "tariff_name_capture":
            await s.answer(data={"tariff": {"name": "Tracker"}})
            market = await s.post("contract_term_capture")
        assert market["data"]["tariff"]["structure_type"] == "MARKET", market

    @pytest.mark.parametrize("version", VERSIONS)
    async def test_a_refused_earlier_page_leaves_the_session_in_place(
        self, session: MakeSession, version: str
    ) -> None:
        """A bad answer to a re-sent earlier page is refused and the session stays where it was."""
        s = await session(version)
        await s.to_providers(GB)
        tariffs = await s.answer(data={"provider": {"id": NORTHGRID}})
        await s.refused(
            "provider_not_found", route="provider_select", data={"provider": {"id": "prv_x"}}
        )
        assert await s.start() == tariffs

    @pytest.mark.parametrize("version", VERSIONS)
    async def test_a_page_never_shown_cannot_be_answered(
        self, session: MakeSession, version: str
    ) -> None:
        """Answering a page the session has not shown is refused with route_invalid."""
        s = await session(version)
        await s.start()
        await s.refused("route_invalid", route="tariff_select", data={"tariff": {"id": "x"}})

    @pytest.mark.parametrize("version", VERSIONS)
    async def test_after_the_end_every_call_gets_the_last_page(
        self, session: MakeSession, version: str
    ) -> None:
        """Once ended, a start or a re-sent answer gets the same final page (a retried answer)."""
        s = await session(version)
        await s.to_providers(GB)
        await s.answer(data={"provider": {"id": NORTHGRID}})
        summary = await s.answer(data={"tariff": {"id": NORTHGRID_E7}})
        final = await s.post(summary["route"], action="SAVE" if version == "zero" else "DISCONNECT")
        assert await s.start() == final
        assert await s.post(summary["route"], action="EDIT") == final

    @pytest.mark.parametrize("version", VERSIONS)
    async def test_address_change_keeps_the_address(
        self, session: MakeSession, version: str
    ) -> None:
        """ADDRESS_CHANGE shows the address page filled in; a new address lists its providers."""
        s = await session(version)
        await s.to_providers(GB)
        address = await s.answer(action="ADDRESS_CHANGE")
        assert address["route"] == "postal_address_capture"
        assert address["data"]["postal_address"]["post_code"] == GB["post_code"]
        providers = await s.answer(data={"postal_address": NL})
        names = {p["display_name"] for p in providers["data"]["providers"]}
        assert names == {"Polder Stroom", "Tulip Energie"}


class TestExpiry:
    """Connect tokens that expire."""

    @pytest.mark.parametrize("version", VERSIONS)
    async def test_token_expires_after_expires_in(
        self, session: MakeSession, clock: ManualClock, backend: Backend, version: str
    ) -> None:
        """After expires_in seconds every call is token_expired, and the token cannot be claimed."""
        s = await session(version)
        await s.to_providers(GB)
        clock.advance(seconds=3599)
        await s.answer(data={"provider": {"id": NORTHGRID}})
        clock.advance(seconds=1)
        await s.refused("token_expired", data={"tariff": {"id": NORTHGRID_E7}})
        error = await s.post(START[version], status=STATUS[version])
        assert error["code"] == "token_expired"
        assert error["context"] == f"connect.{START[version]}"
        status, body = await backend.exchange(s.token)
        assert (status, body["code"]) == (403, "bad_credentials"), "the hour-old bearer expired too"
        backend._bearer = None
        status, body = await backend.exchange(s.token)
        assert (status, body["code"]) == (422, "token_expired")

    async def test_admin_endpoint_expires_a_token(
        self, session: MakeSession, http: aiohttp.ClientSession, sim: SimulatorServer
    ) -> None:
        """POST /_admin/tokens/<token>/expire expires it now; an unknown token is a 404."""
        s = await session("anode")
        await s.start()
        async with http.post(f"{sim.url}/_admin/tokens/{s.token}/expire") as response:
            assert response.status == 204
        await s.refused("token_expired", data={"postal_address": GB})
        async with http.post(f"{sim.url}/_admin/tokens/cot_nope/expire") as response:
            assert response.status == 404

    async def test_expires_in_is_reported_at_creation(self, backend: Backend) -> None:
        """Token creation reports the configured lifetime."""
        status, body = await backend.create_token_raw(
            "zero", {"callback_uri": "https://app.example.org/done"}
        )
        assert status == 200
        assert body["expires_in"] == 3600
        assert body["live_mode"] is False


class TestEnvelope:
    """Request bodies that are not a proper envelope."""

    async def _raw(
        self, http: aiohttp.ClientSession, url: str, data: bytes
    ) -> tuple[int, dict[str, object]]:
        async with http.post(f"{url}/", data=data, headers={"Content-Type": "text/plain"}) as r:
            return r.status, await r.json()

    async def test_body_that_is_not_json(
        self, http: aiohttp.ClientSession, sim: SimulatorServer
    ) -> None:
        """A body that is not JSON is answered with a data_json_invalid error object."""
        status, body = await self._raw(http, sim.url, b"route=session_start")
        assert (status, body["object"], body["code"]) == (400, "error", "data_json_invalid")

    async def test_body_that_is_not_an_object(
        self, http: aiohttp.ClientSession, sim: SimulatorServer
    ) -> None:
        """A JSON body that is not an object is refused with data_json_invalid."""
        status, body = await self._raw(http, sim.url, b"[1, 2]")
        assert (status, body["code"]) == (400, "data_json_invalid")

    async def test_body_without_a_token(
        self, http: aiohttp.ClientSession, sim: SimulatorServer
    ) -> None:
        """A body with no connect_token is refused with data_json_invalid."""
        status, body = await self._raw(
            http, sim.url, json.dumps({"route": "session_start"}).encode()
        )
        assert (status, body["code"]) == (400, "data_json_invalid")

    async def test_body_over_the_size_limit(
        self, http: aiohttp.ClientSession, sim: SimulatorServer
    ) -> None:
        """A body over 1 MiB is a 413 error object, with CORS, not a bare aiohttp page."""
        payload = json.dumps({"connect_token": "cot_x", "pad": "x" * (1024 * 1024)}).encode()
        async with http.post(f"{sim.url}/", data=payload) as response:
            assert response.status == 413
            assert response.headers["Access-Control-Allow-Origin"] == "*"
            body = await response.json()
        assert (body["object"], body["type"]) == ("error", "invalid_request")

    async def test_unknown_token(self, http: aiohttp.ClientSession, sim: SimulatorServer) -> None:
        """A token the simulator never issued is a 404 token_not_found that names the token."""
        payload = {"connect_token": "cot_000000000000000000000000", "route": "session_start"}
        status, body = await self._raw(http, sim.url, json.dumps(payload).encode())
        assert (status, body["code"]) == (404, "token_not_found")
        assert body["connect_token"] == payload["connect_token"]

    async def test_zero_needs_a_route(self, session: MakeSession) -> None:
        """Zero has no route-less BACK: a body without a route is data_json_invalid."""
        s = await session("zero")
        await s.start()
        error = await s.post(None, data={"postal_address": GB}, status=409)
        assert error["code"] == "data_json_invalid"

    async def test_web_client_bodies_are_accepted(
        self, http: aiohttp.ClientSession, sim: SimulatorServer, backend: Backend
    ) -> None:
        """A text/plain body with type: submit and no auth header (the zero web client) works."""
        token = await backend.create_token("zero")
        body = json.dumps({"route": "session_restore", "connect_token": token, "type": "submit"})
        status, page = await self._raw(http, sim.url, body.encode())
        assert status == 200
        assert page["route"] == "postal_address_capture"
        assert page["connect_token"] == token


class TestNumbers:
    """Numbers outside what JSON and a price can hold."""

    async def _post_text(
        self, http: aiohttp.ClientSession, url: str, text: str
    ) -> tuple[int, dict[str, object]]:
        async with http.post(f"{url}/", data=text.encode()) as response:
            # A strict parse: NaN and Infinity are not JSON; a browser's JSON.parse refuses them.
            return response.status, json.loads(await response.text(), parse_constant=_no_constant)

    async def test_nan_and_infinity_tokens_are_not_json(
        self, http: aiohttp.ClientSession, sim: SimulatorServer, backend: Backend
    ) -> None:
        """A body with NaN or Infinity (not JSON, though Python reads it) is data_json_invalid."""
        token = await backend.create_token("anode")
        for constant in ("NaN", "Infinity", "-Infinity"):
            text = f'{{"connect_token": "{token}", "route": "session_start", "n": {constant}}}'
            status, body = await self._post_text(http, sim.url, text)
            assert (status, body["code"]) == (400, "data_json_invalid"), body

    @pytest.mark.parametrize("version", VERSIONS)
    async def test_a_price_too_large_for_a_number_is_refused(
        self, http: aiohttp.ClientSession, sim: SimulatorServer, session: MakeSession, version: str
    ) -> None:
        """A price beyond a double (1e400, 10**400) is data_json_invalid, not an Infinity page."""
        s = await session(version)
        await s.to_structure()
        await s.answer(data={"options": ["FIXED"]})
        for number in ("1e400", "1" + "0" * 400):
            text = (
                f'{{"connect_token": "{s.token}", "route": "rate_fixed_capture", '
                f'"data": {{"cost": {number}}}}}'
            )
            status, body = await self._post_text(http, sim.url, text)
            assert (status, body["code"]) == (STATUS[version], "data_json_invalid"), body
        page = await s.answer(data={"cost": 0.25})  # the refusals left the session in place
        assert page["route"] in ("tariff_name_capture", "tariffs_summary")


def _no_constant(name: str) -> None:
    raise ValueError(f"{name} is not JSON")
