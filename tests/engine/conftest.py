"""Fixtures of the engine's tests: the Connect stub on a real aiohttp server, a recording sleep."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TYPE_CHECKING, Any

import pytest
from engine_support import ConnectStub, RecordingSleep

from flatpeak_connect.engine.flow import Flow
from flatpeak_connect.engine.transport import AiohttpTransport

if TYPE_CHECKING:
    from pytest_aiohttp import AiohttpServer


@pytest.fixture
def sleep() -> RecordingSleep:
    """A sleep that records its delays instead of waiting."""
    return RecordingSleep()


@pytest.fixture
def serve(aiohttp_server: AiohttpServer) -> Callable[[ConnectStub], Awaitable[str]]:
    """Start a Connect stub on a real aiohttp test server and return its endpoint URL."""

    async def start(stub: ConnectStub) -> str:
        server = await aiohttp_server(stub.app())
        return str(server.make_url("/"))

    return start


MakeFlow = Callable[..., Awaitable[Flow]]


@pytest.fixture
async def make_flow(
    serve: Callable[[ConnectStub], Awaitable[str]], sleep: RecordingSleep
) -> AsyncIterator[MakeFlow]:
    """Serve a stub and return a flow (not started) speaking to it; transports closed after."""
    transports: list[AiohttpTransport] = []

    async def make(stub: ConnectStub, **kw: Any) -> Flow:
        transport = AiohttpTransport(await serve(stub), sleep=sleep, backoff=0.01)
        transports.append(transport)
        return Flow(stub.version, transport, **kw)

    yield make
    for transport in transports:
        await transport.close()
