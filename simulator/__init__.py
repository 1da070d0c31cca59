"""The reference Connect simulator: an independent implementation of Connect's server side.

It imports nothing of the project but the schema packs (as data): if it shared the engine's
models, a bug in them would pass every test. It serves Connect for both protocol versions, the
back-end API, a provider login page, and faults on request; ``docs/simulator.md`` has the
details.

Typical uses::

    app = create_app()                       # an aiohttp application, default scenario

    async with SimulatorServer() as sim:     # on a free port of 127.0.0.1
        ...  # sim.url, sim.account_id, sim.api_key, sim.add_fault("server_error")

    with BackgroundSimulator() as sim:       # the same, for code with no event loop
        ...
"""

from __future__ import annotations

from flatpeak_connect.simulator.app import create_app
from flatpeak_connect.simulator.core import DEMO_ACCOUNT_ID, DEMO_API_KEY, SIMULATOR, Simulator
from flatpeak_connect.simulator.faults import FaultBook, FaultError, parse_fault
from flatpeak_connect.simulator.scenario import (
    FaultSpec,
    Scenario,
    ScenarioError,
    default_scenario,
    load_scenario,
    parse_scenario,
)
from flatpeak_connect.simulator.server import BackgroundSimulator, SimulatorServer
from flatpeak_connect.simulator.state import Clock, ManualClock

__all__ = [
    "DEMO_ACCOUNT_ID",
    "DEMO_API_KEY",
    "SIMULATOR",
    "BackgroundSimulator",
    "Clock",
    "FaultBook",
    "FaultError",
    "FaultSpec",
    "ManualClock",
    "Scenario",
    "ScenarioError",
    "Simulator",
    "SimulatorServer",
    "create_app",
    "default_scenario",
    "load_scenario",
    "parse_fault",
    "parse_scenario",
]
