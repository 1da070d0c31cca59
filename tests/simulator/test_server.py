"""Running the simulator: the async server, the background thread, strict mode, independence."""

from __future__ import annotations

import ast
import json
import socket
import urllib.request
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from simclient import Backend, Connect

from flatpeak_connect.simulator import (
    SIMULATOR,
    BackgroundSimulator,
    SimulatorServer,
)
from flatpeak_connect.simulator.conversation import Conversation, Reply
from flatpeak_connect.simulator.server import redact_url

if TYPE_CHECKING:
    import aiohttp

SIMULATOR_SOURCE = Path(__file__).resolve().parents[2] / "simulator"


class TestSimulatorServer:
    """SimulatorServer: the simulator on a port of its own."""

    async def test_free_port_and_stop(self) -> None:
        """The server picks a free port on 127.0.0.1 and releases it when it stops."""
        async with SimulatorServer() as sim:
            assert sim.url.startswith("http://127.0.0.1:")
            port = sim.port
            assert port > 0
        with socket.socket() as probe:
            assert probe.connect_ex(("127.0.0.1", port)) != 0

    async def test_port_in_use(self) -> None:
        """Starting on a port in use raises OSError."""
        async with SimulatorServer() as first:
            with pytest.raises(OSError, match="in use"):
                async with SimulatorServer(port=first.port):
                    pass


class TestBackgroundSimulator:
    """BackgroundSimulator: the simulator in a thread."""

    def test_usable_from_synchronous_code(self) -> None:
        """BackgroundSimulator serves from its own thread for code with no event loop."""
        with BackgroundSimulator() as sim:
            with urllib.request.urlopen(f"{sim.url}/") as response:  # noqa: S310 - our own URL
                index = json.loads(response.read())
            sim.add_fault("server_error", path="/login")
            request = urllib.request.Request(f"{sim.url}/login")  # noqa: S310 - our own URL
            with pytest.raises(urllib.error.HTTPError) as caught:
                urllib.request.urlopen(request)  # noqa: S310 - our own URL
            assert caught.value.code == 500
        assert index["versions"] == ["zero", "anode"]
        with socket.socket() as probe:
            assert probe.connect_ex(("127.0.0.1", sim.port)) != 0

    def test_start_failure_is_raised_in_the_caller(self) -> None:
        """A port that cannot be bound is an OSError in the caller's thread, not a hang."""
        with (
            BackgroundSimulator() as first,
            pytest.raises(OSError, match="in use"),
            BackgroundSimulator(port=first.port),
        ):
            pass


class _Broken(Conversation):
    """A conversation with a bug: every page loses its connect_token."""

    def handle(self, raw: bytes, *, base_url: str) -> Reply:
        reply = super().handle(raw, base_url=base_url)
        if reply.status == 200:
            body: dict[str, Any] = {k: v for k, v in reply.body.items() if k != "connect_token"}
            return Reply(reply.status, body, reply.version, reply.route)
        return reply


class TestStrictMode:
    """The simulator's check of its own pages against the packs."""

    @pytest.mark.parametrize(("strict", "status"), [(True, 500), (False, 200)])
    async def test_a_page_breaking_its_schema_is_a_loud_error(
        self, http: aiohttp.ClientSession, strict: bool, status: int
    ) -> None:
        """In strict mode a page that breaks its schema is not sent: a 500 says what is wrong."""
        async with SimulatorServer(strict=strict) as sim:
            broken = sim.app[SIMULATOR]
            broken.conversation = _Broken(broken.world)
            backend = Backend(http, sim.url, sim.account_id, sim.api_key)
            token = await backend.create_token("anode")
            body = {"connect_token": token, "route": "session_start"}
            async with http.post(f"{sim.url}/", json=body) as response:
                assert response.status == status
                answer = await response.json()
        if strict:
            assert answer["code"] == "simulator_page_invalid"
            assert "connect_token" in answer["message"]
            assert answer["type"] == "api_error"
        else:
            assert answer["route"] == "postal_address_capture"

    async def test_strict_mode_passes_honest_pages(self, http: aiohttp.ClientSession) -> None:
        """With strict mode on, a whole session's honest pages go out unchanged."""
        async with SimulatorServer(strict=True) as sim:
            backend = Backend(http, sim.url, sim.account_id, sim.api_key)
            s = Connect(http, sim.url, await backend.create_token("zero"), "zero")
            assert (await s.start())["route"] == "postal_address_capture"


class TestIndependence:
    """The simulator's independence from the engine and the renderers."""

    def test_simulator_imports_only_schemas_of_the_project(self) -> None:
        """The simulator imports nothing of the project but flatpeak_connect.schemas (DESIGN.md)."""
        offenders = []
        for path in sorted(SIMULATOR_SOURCE.rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                names = (
                    [node.module or ""]
                    if isinstance(node, ast.ImportFrom)
                    else [a.name for a in node.names]
                    if isinstance(node, ast.Import)
                    else []
                )
                offenders += [
                    f"{path.name}: {name}"
                    for name in names
                    if name.startswith("flatpeak_connect")
                    and not name.startswith(
                        ("flatpeak_connect.simulator", "flatpeak_connect.schemas")
                    )
                    and name != "flatpeak_connect"
                ]
                if isinstance(node, ast.ImportFrom) and node.module == "flatpeak_connect":
                    offenders += [
                        f"{path.name}: {a.name}" for a in node.names if a.name != "schemas"
                    ]
        assert offenders == []


class TestLogs:
    """What the access log writes."""

    @pytest.mark.parametrize(
        ("path", "expected"),
        [
            (
                "/provider/prv_1/login?fp_cot=cot_abc123&state=x",
                "/provider/prv_1/login?fp_cot=cot_…&state=x",
            ),
            (
                "/connect/tariff/token?connect_token=cot_abc123",
                "/connect/tariff/token?connect_token=cot_…",
            ),
            ("/_admin/sessions/cot_abc123", "/_admin/sessions/cot_…"),
            ("/_admin/tokens/cot_abc123/expire", "/_admin/tokens/cot_…/expire"),
        ],
    )
    def test_access_log_redacts_tokens(self, path: str, expected: str) -> None:
        """The access log never writes a connect token."""
        assert redact_url(path) == expected
