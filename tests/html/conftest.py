"""Fixtures for the HTML renderer and web app tests."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from flatpeak_connect.engine.backend import FlatPeakAPI
from flatpeak_connect.renderers.html import HtmlRenderer
from flatpeak_connect.simulator import SimulatorServer

if TYPE_CHECKING:
    from collections.abc import AsyncIterator


@pytest.fixture(scope="session")
def renderer() -> HtmlRenderer:
    """The HTML renderer with its default configuration."""
    return HtmlRenderer()


@pytest.fixture
async def sim() -> AsyncIterator[SimulatorServer]:
    """The simulator on a free port."""
    async with SimulatorServer() as server:
        yield server


@pytest.fixture
async def api(sim: SimulatorServer) -> AsyncIterator[FlatPeakAPI]:
    """The back-end client, logged in to the simulator with its demo credentials."""
    async with FlatPeakAPI(sim.account_id, sim.api_key, sim.url) as client:
        yield client
