"""Fixtures: a simulator on a real port of 127.0.0.1, and plain aiohttp clients for it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import aiohttp
import pytest
from simclient import Backend, Connect

from flatpeak_connect.simulator import ManualClock, SimulatorServer

MakeSession = Callable[..., Awaitable[Connect]]


@pytest.fixture
def clock() -> ManualClock:
    """A clock that moves only when a test moves it (09:30 UTC, a summer Sunday)."""
    return ManualClock(datetime(2025, 6, 15, 9, 30, tzinfo=UTC))


@pytest.fixture
async def sim(clock: ManualClock) -> AsyncIterator[SimulatorServer]:
    """The simulator, strict, default scenario, tokens living one hour."""
    async with SimulatorServer(clock=clock, expires_in=3600, strict=True) as server:
        yield server


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    """A plain HTTP client."""
    async with aiohttp.ClientSession() as session:
        yield session


@pytest.fixture
def backend(http: aiohttp.ClientSession, sim: SimulatorServer) -> Backend:
    """The simulator's back-end API, logged in with the demo credentials."""
    return Backend(http, sim.url, sim.account_id, sim.api_key)


@pytest.fixture
def session(http: aiohttp.ClientSession, sim: SimulatorServer, backend: Backend) -> MakeSession:
    """Return a maker of Connect sessions: pass the version and any token fields."""

    async def make(version: str, **fields: Any) -> Connect:
        token = await backend.create_token(version, **fields)
        return Connect(http, sim.url, token, version)

    return make
