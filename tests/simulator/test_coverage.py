"""Every route of both versions is reached, and every ending.

The endings: complete (zero), closed (anode), disconnected, expired.

The walks below go through the default scenario; each page they get back has already been held
to its pack by the test client. The set of routes seen must be the pack's whole set.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from simclient import (
    GB,
    HILLTOP,
    LOC_CONNECTED,
    NL,
    NORTHGRID,
    NORTHGRID_E7,
    POLDER,
    PRAIRIE,
    PRAIRIE_FLAT,
    STONEBRIDGE,
    TOD_HOURS,
    US,
    VILLAGE,
    Backend,
    Connect,
    decide,
    pack,
)

from flatpeak_connect.simulator import ManualClock, SimulatorServer

if TYPE_CHECKING:
    import aiohttp

OPTIONAL = {"route_options": {"tariff_name_capture": True, "contract_term_capture": True}}


async def _walk_everything(
    version: str, http: aiohttp.ClientSession, sim: SimulatorServer, seen: set[str]
) -> dict[str, str]:
    """Walk the default scenario's paths; return how each ending's session ended."""
    backend = Backend(http, sim.url, sim.account_id, sim.api_key)

    async def new(**fields: object) -> Connect:
        return Connect(http, sim.url, await backend.create_token(version, **fields), version, seen)

    endings: dict[str, str] = {}
    # Library, then the end: SAVE (zero) or CLOSE (anode).
    s = await new()
    await s.to_providers(GB)
    await s.answer(data={"provider": {"id": NORTHGRID}})
    await s.answer(data={"tariff": {"id": NORTHGRID_E7}})
    final = await s.answer(action="SAVE" if version == "zero" else "CLOSE")
    endings["complete" if version == "zero" else "closed"] = final["route"]
    # Manual: provider typed in, fixed rate, name, contract, fixed summary.
    s = await new(**OPTIONAL)
    await s.to_providers(US)
    await s.answer(action="PROVIDER_MISSING")
    await s.answer(data={"provider": {"name": "Hometown Electric"}})
    await s.answer(data={"options": ["FIXED"]})
    await s.answer(data={"cost": 0.17})
    await s.answer(data={"tariff": {"name": "Hometown flat"}})
    await s.answer(data={"contract_end_date": "2026-12-31T00:00:00Z"})
    # Time of day, and a market with a region choice.
    s = await new()
    await s.to_structure(GB, VILLAGE)
    await s.answer(data={"options": ["TIME_OF_DAY"]})
    await s.answer(data={"hours": TOD_HOURS})
    s = await new()
    await s.to_providers(NL)
    page = await s.answer(data={"provider": {"id": POLDER}})
    if page["route"] == "region_select":
        await s.answer(data={"region": "NL-ZUID"})
    await s.answer(data={"surcharge": {"fixed": 0.01, "percentage": 5}, "region": "NL-ZUID"})
    # A US fixed library tariff.
    s = await new()
    await s.to_providers(US)
    await s.answer(data={"provider": {"id": PRAIRIE}})
    await s.answer(data={"tariff": {"id": PRAIRIE_FLAT}})
    # DIRECT: pending and failed.
    for provider in (HILLTOP, STONEBRIDGE):
        s = await new()
        await s.to_providers(GB)
        redirect = await s.answer(data={"provider": {"id": provider}})
        await decide(http, redirect["data"]["redirect_url"])
        await s.start()
    # An existing location, disconnected.
    s = await new(location_id=LOC_CONNECTED)
    await s.start()
    final = await s.answer(action="DISCONNECT")
    endings["disconnected"] = final["route"]
    # Expired.
    s = await new()
    await s.start()
    assert isinstance(sim.simulator.world.clock, ManualClock)
    sim.simulator.world.clock.advance(hours=25)
    error = await s.post(
        s.page["route"], data={"postal_address": GB}, status=400 if version == "anode" else 409
    )
    endings["expired"] = error["code"]
    return endings


class TestEveryRoute:
    """Route coverage of the default scenario, per version."""

    async def test_zero_reaches_all_sixteen_routes(self, http: aiohttp.ClientSession) -> None:
        """Zero's 14 pages, session_redirect and session_complete are reached, and each ending."""
        seen: set[str] = set()
        async with SimulatorServer(clock=ManualClock()) as sim:
            endings = await _walk_everything("zero", http, sim, seen)
        assert seen == set(pack("zero").routes)
        assert len(seen) == 16
        assert endings == {
            "complete": "session_complete",
            "disconnected": "session_complete",
            "expired": "token_expired",
        }

    async def test_anode_reaches_all_fifteen_routes(self, http: aiohttp.ClientSession) -> None:
        """Anode's 14 pages and session_redirect are all reached, and each ending."""
        seen: set[str] = set()
        async with SimulatorServer(clock=ManualClock()) as sim:
            endings = await _walk_everything("anode", http, sim, seen)
        assert seen == set(pack("anode").routes)
        assert len(seen) == 15
        assert endings == {
            "closed": "session_redirect",
            "disconnected": "session_redirect",
            "expired": "token_expired",
        }
