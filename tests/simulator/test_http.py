"""HTTP-level behaviour: CORS on every answer, the preflight, unknown paths, the index."""

from __future__ import annotations

from typing import TYPE_CHECKING

from simclient import GB

if TYPE_CHECKING:
    import aiohttp
    from conftest import MakeSession

    from flatpeak_connect.simulator import SimulatorServer

ORIGIN = {"Origin": "http://localhost:5173"}


class TestCors:
    """CORS for a browser client on another origin."""

    async def test_preflight(self, http: aiohttp.ClientSession, sim: SimulatorServer) -> None:
        """OPTIONS / answers the anode web client's preflight (JSON content type) with 204."""
        headers = {
            **ORIGIN,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        }
        async with http.options(f"{sim.url}/", headers=headers) as response:
            assert response.status == 204
            assert response.headers["Access-Control-Allow-Origin"] == "*"
            assert "POST" in response.headers["Access-Control-Allow-Methods"]
            assert response.headers["Access-Control-Allow-Headers"] == "content-type"

    async def test_error_answers_carry_cors(
        self, session: MakeSession, http: aiohttp.ClientSession, sim: SimulatorServer
    ) -> None:
        """A validation error carries Access-Control-Allow-Origin, so the browser shows it."""
        s = await session("anode")
        await s.start()
        body = {"connect_token": s.token, "route": "postal_address_capture", "data": {}}
        async with http.post(f"{sim.url}/", json=body, headers=ORIGIN) as response:
            assert response.status == 400
            assert response.headers["Access-Control-Allow-Origin"] == "*"

    async def test_pages_and_backend_carry_cors(
        self, session: MakeSession, http: aiohttp.ClientSession, sim: SimulatorServer
    ) -> None:
        """Pages, back-end answers and 401s all carry Access-Control-Allow-Origin."""
        s = await session("zero")
        body = {"connect_token": s.token, "route": "session_restore"}
        async with http.post(f"{sim.url}/", json=body, headers=ORIGIN) as response:
            assert response.headers["Access-Control-Allow-Origin"] == "*"
        async with http.get(f"{sim.url}/login", headers=ORIGIN) as response:
            assert response.status == 401
            assert response.headers["Access-Control-Allow-Origin"] == "*"


class TestPaths:
    """Paths other than Connect: unknown ones, the index, session inspection."""

    async def test_unknown_path_is_a_json_404(
        self, http: aiohttp.ClientSession, sim: SimulatorServer
    ) -> None:
        """An unknown path answers a 404 error object, with CORS."""
        async with http.get(f"{sim.url}/connect/sessions") as response:
            assert response.status == 404
            assert response.headers["Access-Control-Allow-Origin"] == "*"
            body = await response.json()
        assert (body["object"], body["code"]) == ("error", "resource_not_found")

    async def test_wrong_method_is_a_json_405(
        self, http: aiohttp.ClientSession, sim: SimulatorServer
    ) -> None:
        """A wrong method answers a 405 error object that names the allowed ones."""
        async with http.put(f"{sim.url}/login") as response:
            assert response.status == 405
            assert "GET" in response.headers["Allow"]
            assert (await response.json())["code"] == "method_not_allowed"

    async def test_index_lists_the_endpoints(
        self, http: aiohttp.ClientSession, sim: SimulatorServer
    ) -> None:
        """GET / tells a person with curl what the simulator serves."""
        async with http.get(f"{sim.url}/") as response:
            body = await response.json()
        assert body["connect"] == f"POST {sim.url}/"
        assert body["create_token"]["anode"] == f"POST {sim.url}/connect/token"
        assert body["strict"] is True

    async def test_session_inspection(
        self, session: MakeSession, http: aiohttp.ClientSession, sim: SimulatorServer
    ) -> None:
        """GET /_admin/sessions/<token> reports where a session stands."""
        s = await session("anode")
        await s.to_providers(GB)
        async with http.get(f"{sim.url}/_admin/sessions/{s.token}") as response:
            body = await response.json()
        assert body["version"] == "anode"
        assert body["step"] == "providers"
        assert body["stack"] == ["address", "providers"]
        assert body["ended"] is False
        async with http.get(f"{sim.url}/_admin/sessions/cot_nope") as response:
            assert response.status == 404
