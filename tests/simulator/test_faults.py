"""Faults on request: each kind, over real HTTP, armed by the admin endpoint or Python."""

from __future__ import annotations

import asyncio
import json
from typing import TYPE_CHECKING, Any

import aiohttp
import attrs
import pytest
from simclient import GB, NORTHGRID, Backend, Connect, pack

from flatpeak_connect.simulator import FaultSpec, SimulatorServer, default_scenario
from flatpeak_connect.simulator.faults import UNKNOWN_ROUTE

if TYPE_CHECKING:
    from conftest import MakeSession


async def _arm(
    http: aiohttp.ClientSession, sim: SimulatorServer, *faults: dict[str, Any]
) -> list[dict[str, Any]]:
    async with http.post(f"{sim.url}/_admin/faults", json={"faults": list(faults)}) as response:
        assert response.status == 201, await response.text()
        return list((await response.json())["faults"])


async def _raw_post(
    http: aiohttp.ClientSession, url: str, body: dict[str, Any]
) -> tuple[int, bytes, Any]:
    async with http.post(f"{url}/", json=body) as response:
        return response.status, await response.read(), response.headers


class TestFaultKinds:
    """Each kind of fault, as a client meets it."""

    async def test_server_error_once(
        self, session: MakeSession, http: aiohttp.ClientSession, sim: SimulatorServer
    ) -> None:
        """A server_error fault answers one 500 api_error (with CORS); the next call is normal."""
        s = await session("anode")
        await _arm(http, sim, {"kind": "server_error"})
        status, raw, headers = await _raw_post(
            http, sim.url, {"connect_token": s.token, "route": "session_start"}
        )
        body = json.loads(raw)
        assert status == 500
        assert (body["object"], body["type"]) == ("error", "api_error")
        assert headers["Access-Control-Allow-Origin"] == "*"
        assert not pack("anode").page_problems(body)
        assert (await s.start())["route"] == "postal_address_capture"

    async def test_server_error_after_the_work_is_done(
        self, session: MakeSession, sim: SimulatorServer
    ) -> None:
        """when=after: the answer is lost but the session moved on (a retry must not repeat)."""
        s = await session("zero")
        await s.start()
        sim.add_fault("server_error", when="after", status=503)
        error = await s.post("postal_address_capture", data={"postal_address": GB}, status=503)
        assert error["type"] == "api_error"
        assert (await s.start())["route"] == "provider_select"

    async def test_rate_limit_with_retry_after(
        self, session: MakeSession, http: aiohttp.ClientSession, sim: SimulatorServer
    ) -> None:
        """A rate_limit fault answers 429 with Retry-After and an error object."""
        s = await session("zero")
        sim.add_fault("rate_limit", retry_after=7)
        status, raw, headers = await _raw_post(
            http, sim.url, {"connect_token": s.token, "route": "session_restore"}
        )
        assert status == 429
        assert headers["Retry-After"] == "7"
        assert json.loads(raw)["code"] == "rate_limit_exceeded"

    async def test_slow_answer(self, session: MakeSession, sim: SimulatorServer) -> None:
        """A slow fault holds the answer back past a client's timeout; the next call is prompt."""
        s = await session("anode")
        sim.add_fault("slow", delay=30)
        quick = aiohttp.ClientTimeout(total=0.3)
        with pytest.raises(asyncio.TimeoutError):
            async with s.http.post(
                f"{sim.url}/",
                json={"connect_token": s.token, "route": "session_start"},
                timeout=quick,
            ):
                pass
        assert (await s.start())["route"] == "postal_address_capture"

    async def test_dropped_connection(self, session: MakeSession, sim: SimulatorServer) -> None:
        """A drop fault closes the connection with no answer at all."""
        s = await session("anode")
        sim.add_fault("drop")
        with pytest.raises(aiohttp.ServerDisconnectedError):
            await s.start()
        assert (await s.start())["route"] == "postal_address_capture"

    async def test_dropped_after_the_work_is_done(
        self, session: MakeSession, sim: SimulatorServer
    ) -> None:
        """Drop with when=after: no answer, but the answer was taken."""
        s = await session("anode")
        await s.start()
        sim.add_fault("drop", when="after")
        with pytest.raises(aiohttp.ServerDisconnectedError):
            await s.answer(data={"postal_address": GB})
        assert (await s.start())["route"] == "provider_select"

    async def test_malformed_json(
        self, session: MakeSession, http: aiohttp.ClientSession, sim: SimulatorServer
    ) -> None:
        """A malformed_json fault answers 200 with a body that is not JSON."""
        s = await session("zero")
        sim.add_fault("malformed_json")
        status, raw, headers = await _raw_post(
            http, sim.url, {"connect_token": s.token, "route": "session_restore"}
        )
        assert status == 200
        assert headers["Content-Type"].startswith("application/json")
        with pytest.raises(json.JSONDecodeError):
            json.loads(raw)

    @pytest.mark.parametrize("version", ["zero", "anode"])
    async def test_schema_violation(
        self, session: MakeSession, http: aiohttp.ClientSession, sim: SimulatorServer, version: str
    ) -> None:
        """A schema_violation fault sends a page its pack rejects, past the strict self-check."""
        s = await session(version)
        sim.add_fault("schema_violation")
        start = "session_restore" if version == "zero" else "session_start"
        status, raw, _ = await _raw_post(http, sim.url, {"connect_token": s.token, "route": start})
        assert status == 200
        page = json.loads(raw)
        assert page["route"] == "postal_address_capture"
        assert pack(version).page_problems(page), "the page must break its schema"

    async def test_unknown_route(
        self, session: MakeSession, http: aiohttp.ClientSession, sim: SimulatorServer
    ) -> None:
        """An unknown_route fault renames the page's route; a start returns the real page."""
        s = await session("anode")
        sim.add_fault("unknown_route")
        _, raw, _ = await _raw_post(
            http, sim.url, {"connect_token": s.token, "route": "session_start"}
        )
        assert json.loads(raw)["route"] == UNKNOWN_ROUTE
        assert (await s.start())["route"] == "postal_address_capture"


class TestFaultFilters:
    """Which calls a fault hits: route, token, path, count."""

    async def test_route_filter_and_times(self, session: MakeSession, sim: SimulatorServer) -> None:
        """A fault filtered by route hits only that route's answers, exactly `times` times."""
        s = await session("zero")
        sim.add_fault("server_error", route="provider_select", times=2)
        await s.to_providers(GB)
        for _ in range(2):
            await s.post("provider_select", data={"provider": {"id": NORTHGRID}}, status=500)
        tariffs = await s.post("provider_select", data={"provider": {"id": NORTHGRID}})
        assert tariffs["route"] == "tariff_select"

    async def test_token_filter(self, session: MakeSession, sim: SimulatorServer) -> None:
        """A fault for one token leaves other sessions alone."""
        hit = await session("anode")
        spared = await session("anode")
        sim.add_fault("server_error", token=hit.token, times=None)
        await spared.start()
        await hit.post("session_start", status=500)
        await hit.post("session_start", status=500)

    async def test_backend_path(self, sim: SimulatorServer, backend: Backend) -> None:
        """A fault on a back-end path (token creation) fails that call once."""
        sim.add_fault("server_error", path="/connect/token")
        status, body = await backend.create_token_raw(
            "anode", {"callback_url": "https://a.example/", "connect_url": "https://a.example/r"}
        )
        assert (status, body["type"]) == (500, "api_error")
        assert await backend.create_token("anode")

    async def test_scenario_faults_are_armed_at_start(self, http: aiohttp.ClientSession) -> None:
        """Faults listed in the scenario are armed when the simulator starts."""
        fault = FaultSpec("rate_limit", route="session_start")
        scenario = attrs.evolve(default_scenario(), faults=(fault,))
        async with SimulatorServer(scenario=scenario) as sim:
            backend = Backend(http, sim.url, sim.account_id, sim.api_key)
            s = Connect(http, sim.url, await backend.create_token("anode"), "anode")
            error = await s.post("session_start", status=429)
            assert error["code"] == "rate_limit_exceeded"


class TestAdmin:
    """The /_admin/faults endpoint."""

    async def test_list_remove_clear(
        self, http: aiohttp.ClientSession, sim: SimulatorServer
    ) -> None:
        """Armed faults are listed with their remaining count, and can be removed or cleared."""
        armed = await _arm(http, sim, {"kind": "slow", "delay": 0.1, "times": 3}, {"kind": "drop"})
        assert [f["kind"] for f in armed] == ["slow", "drop"]
        assert armed[0]["remaining"] == 3
        async with http.delete(f"{sim.url}/_admin/faults/{armed[0]['id']}") as response:
            assert response.status == 204
        async with http.get(f"{sim.url}/_admin/faults") as response:
            assert [f["kind"] for f in (await response.json())["faults"]] == ["drop"]
        async with http.delete(f"{sim.url}/_admin/faults") as response:
            assert response.status == 204
        async with http.get(f"{sim.url}/_admin/faults") as response:
            assert (await response.json())["faults"] == []
        async with http.delete(f"{sim.url}/_admin/faults/{armed[0]['id']}") as response:
            assert response.status == 404

    async def test_bad_fault_is_explained(
        self, http: aiohttp.ClientSession, sim: SimulatorServer
    ) -> None:
        """A fault description that is not one is refused with a message naming the problem."""
        async with http.post(
            f"{sim.url}/_admin/faults", json={"kind": "explode", "times": 0}
        ) as response:
            assert response.status == 400
            message = (await response.json())["message"]
        assert "explode" in message
        assert "$.times" in message
        async with http.post(f"{sim.url}/_admin/faults", data=b"{") as response:
            assert response.status == 400
