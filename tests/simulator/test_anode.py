"""anode sessions over HTTP: paths, BACK and CLOSE, optional pages, and every ending."""

from __future__ import annotations

from typing import TYPE_CHECKING

import attrs
from simclient import (
    BRIGHTWAVE,
    CALLBACK,
    GB,
    HILLTOP,
    LOC_CONNECTED,
    LOC_FAILED,
    LOC_MARKET,
    LOC_PENDING,
    NL,
    NORTHGRID,
    NORTHGRID_E7,
    POLDER,
    STONEBRIDGE,
    TOD_HOURS,
    TULIP,
    VILLAGE,
    Backend,
    Connect,
    decide,
)

from flatpeak_connect.simulator import SimulatorServer, default_scenario
from flatpeak_connect.simulator.scenario import ScenarioOptions

if TYPE_CHECKING:
    import aiohttp
    from conftest import MakeSession

ALL_OPTIONAL = {
    "route_options": {
        "tariff_name_capture": True,
        "contract_term_capture": True,
        "advanced_tariff_capture": True,
    }
}


def _callback_with(token: str) -> str:
    return f"{CALLBACK}&fp_cot={token}"


class TestAnodeFlow:
    """anode paths through the flow, with BACK and CLOSE."""

    async def test_library_tariff_then_close_ends_at_the_callback(
        self, session: MakeSession, backend: Backend
    ) -> None:
        """Pages carry BACK and CLOSE; CLOSE on the summary redirects to the callback URL."""
        s = await session("anode")
        first = await s.start()
        assert first["route"] == "postal_address_capture"
        assert first["type"] == "COMMODITY"
        assert first["actions"] == ["BACK", "CLOSE"]
        providers = await s.answer(data={"postal_address": GB})
        assert providers["actions"] == ["ADDRESS_CHANGE", "PROVIDER_MISSING", "BACK", "CLOSE"]
        tariffs = await s.answer(data={"provider": {"id": NORTHGRID}})
        assert tariffs["actions"] == ["TARIFF_MISSING", "ADDRESS_CHANGE", "BACK", "CLOSE"]
        summary = await s.answer(data={"tariff": {"id": NORTHGRID_E7}})
        assert summary["route"] == "tariffs_summary"
        assert summary["actions"] == ["WRONG_TARIFF_REPORT", "EDIT", "DISCONNECT", "BACK", "CLOSE"]
        assert summary["data"]["connection_type"] == "LIBRARY"
        assert summary["data"]["tariff"]["status"] == "CONNECTED"
        end = await s.answer(action="CLOSE")
        assert end["route"] == "session_redirect"
        assert end["data"]["redirect_url"] == _callback_with(s.token)
        status, exchanged = await backend.exchange(s.token)
        assert status == 200
        assert exchanged["complete_action"] == "CLOSE"
        assert exchanged["is_tariff_processed"] is True

    async def test_back_walks_the_pages_then_leaves(self, session: MakeSession) -> None:
        """BACK shows the previous page with its answer kept; on the first page it leaves."""
        s = await session("anode")
        await s.to_providers(GB)
        await s.answer(data={"provider": {"id": NORTHGRID}})
        providers = await s.answer(action="BACK")
        assert providers["route"] == "provider_select"
        address = await s.answer(action="BACK")
        assert address["route"] == "postal_address_capture"
        assert address["data"]["postal_address"]["city"] == GB["city"]
        end = await s.answer(action="BACK")
        assert end["route"] == "session_redirect"
        assert end["data"]["redirect_url"] == _callback_with(s.token)

    async def test_back_from_the_manual_questions_returns_to_the_tariff_list(
        self, session: MakeSession
    ) -> None:
        """BACK after TARIFF_MISSING shows the library again, and a tariff can still be picked."""
        s = await session("anode")
        await s.to_providers(GB)
        tariffs = await s.answer(data={"provider": {"id": NORTHGRID}})
        assert tariffs["route"] == "tariff_select"
        structure = await s.answer(action="TARIFF_MISSING")
        assert structure["route"] == "tariff_structure_select"
        again = await s.answer(action="BACK")
        assert again["route"] == "tariff_select"
        picked = await s.answer(data={"tariff": {"id": again["data"]["tariffs"][0]["id"]}})
        assert picked["route"] != "tariff_select"

    async def test_back_without_a_route_answers_the_current_page(
        self, session: MakeSession
    ) -> None:
        """The documented {connect_token, action: BACK} with no route goes back a page."""
        s = await session("anode")
        await s.to_providers(GB)
        back = await s.post(None, action="BACK")
        assert back["route"] == "postal_address_capture"

    async def test_optional_pages_follow_route_options(self, session: MakeSession) -> None:
        """With route_options on, the manual path asks name and contract, and offers ADVANCED."""
        s = await session("anode", **ALL_OPTIONAL)
        structure = await s.to_structure(GB, VILLAGE)
        assert structure["data"]["options"] == ["FIXED", "TIME_OF_DAY", "MARKET", "ADVANCED"]
        tod = await s.answer(data={"options": ["ADVANCED"]})
        assert tod["route"] == "rate_tod_capture"
        name = await s.answer(data={"hours": TOD_HOURS})
        assert name["route"] == "tariff_name_capture"
        contract = await s.answer(data={"tariff": {"name": "My own"}})
        assert contract["route"] == "contract_term_capture"
        summary = await s.answer(
            data={
                "contract_start_date": "2025-02-01T00:00:00Z",
                "contract_end_date": None,
                "contract_term_type": "UNTIL_TERMINATED",
            }
        )
        tariff = summary["data"]["tariff"]
        assert tariff["contract_start_date"] == "2025-02-01T00:00:00Z"
        assert tariff["contract_term_type"] == "UNTIL_TERMINATED"
        assert summary["data"]["connection_type"] == "MANUAL"

    async def test_without_route_options_the_optional_pages_are_skipped(
        self, session: MakeSession
    ) -> None:
        """Without route_options, a fixed rate goes straight to the summary, named for you."""
        s = await session("anode")
        structure = await s.to_structure(GB, VILLAGE)
        assert "ADVANCED" not in structure["data"]["options"]
        await s.answer(data={"options": ["FIXED"]})
        summary = await s.answer(data={"cost": 0.2715})
        assert summary["route"] == "tariffs_summary"
        assert summary["data"]["tariff"]["name"] == "Village Power Co-op fixed rate tariff"
        assert summary["data"]["tariff"]["structure_type"] == "FIXED"

    async def test_region_select_then_surcharge(self, session: MakeSession) -> None:
        """A market in two regions asks region_select before surcharge_capture (anode)."""
        s = await session("anode")
        await s.to_providers(NL)
        region = await s.answer(data={"provider": {"id": POLDER}})
        assert region["route"] == "region_select"
        assert region["data"]["regions"] == ["NL-NOORD", "NL-ZUID"]
        surcharge = await s.answer(data={"region": "NL-ZUID"})
        assert surcharge["route"] == "surcharge_capture"
        assert "regions" not in surcharge["data"]
        summary = await s.answer(data={"surcharge": {"fixed": 0.0185, "percentage": 12.5}})
        assert summary["data"]["market_rates_source"] is True
        assert summary["data"]["connection_type"] == "MARKET"
        back = await s.answer(action="BACK")
        assert back["route"] == "surcharge_capture"
        assert back["data"]["surcharge"] == {"fixed": 0.0185, "percentage": 12.5}

    async def test_manual_market_path(self, session: MakeSession) -> None:
        """A typed-in MARKET tariff goes region, surcharge, then the summary."""
        s = await session("anode")
        await s.to_structure(NL, TULIP)
        region = await s.answer(data={"options": ["MARKET"]})
        assert region["route"] == "region_select"
        await s.answer(data={"region": "NL-NOORD"})
        summary = await s.answer(data={"surcharge": {"fixed": 0, "percentage": 0}})
        assert summary["route"] == "tariffs_summary"

    async def test_wrong_tariff_report_in_either_spelling(self, session: MakeSession) -> None:
        """WRONG_TARIFF_REPORT and the web client's WRONG_TARIFF both keep the summary."""
        s = await session("anode", location_id=LOC_CONNECTED)
        await s.start()
        again = await s.answer(action="WRONG_TARIFF")
        assert again["route"] == "tariffs_summary"
        again = await s.post("tariff_summary", action="WRONG_TARIFF_REPORT")
        assert again["route"] == "tariffs_summary"


class TestAnodeDirect:
    """anode sessions with a DIRECT provider, after its login page."""

    async def test_resume_with_session_restore_is_accepted(
        self, session: MakeSession, http: aiohttp.ClientSession
    ) -> None:
        """After the provider login, anode resumes on session_restore as well as session_start."""
        s = await session("anode")
        await s.to_providers(GB)
        redirect = await s.answer(data={"provider": {"id": BRIGHTWAVE}})
        assert set(redirect["data"]) == {"redirect_url"}
        await decide(http, redirect["data"]["redirect_url"])
        summary = await s.start("session_restore")
        assert summary["route"] == "tariffs_summary"
        assert summary["data"]["connection_type"] == "DIRECT"
        assert summary["data"]["tariff"]["name"] == "Night Owl EV"
        back = await s.answer(action="BACK")
        assert back["route"] == "provider_select"

    async def test_pending_then_edit(
        self, session: MakeSession, http: aiohttp.ClientSession
    ) -> None:
        """A pending DIRECT connection shows tariff_connection_pending; EDIT lists providers."""
        s = await session("anode")
        await s.to_providers(GB)
        redirect = await s.answer(data={"provider": {"id": HILLTOP}})
        await decide(http, redirect["data"]["redirect_url"])
        pending = await s.start()
        assert pending["route"] == "tariff_connection_pending"
        assert pending["actions"] == ["EDIT", "DISCONNECT", "DISMISS_DIRECT", "BACK", "CLOSE"]
        providers = await s.answer(action="EDIT")
        assert providers["route"] == "provider_select"

    async def test_failed_then_disconnect(
        self, session: MakeSession, http: aiohttp.ClientSession, backend: Backend
    ) -> None:
        """A failed DIRECT connection shows tariff_connection_failed; DISCONNECT ends it."""
        s = await session("anode")
        await s.to_providers(GB)
        redirect = await s.answer(data={"provider": {"id": STONEBRIDGE}})
        await decide(http, redirect["data"]["redirect_url"])
        failed = await s.start()
        assert failed["route"] == "tariff_connection_failed"
        assert failed["actions"] == ["EDIT", "DISCONNECT", "BACK", "CLOSE"]
        end = await s.answer(action="DISCONNECT")
        assert end["data"]["redirect_url"] == _callback_with(s.token)
        _, exchanged = await backend.exchange(s.token)
        assert exchanged["complete_action"] == "DISCONNECT"


class TestAnodeExistingLocation:
    """anode tokens created for an existing location, and the token's actions."""

    async def test_summary_pending_failed_and_market_locations(self, session: MakeSession) -> None:
        """Tokens for existing locations open on the page their tariff's state calls for."""
        expected = {
            LOC_CONNECTED: "tariffs_summary",
            LOC_PENDING: "tariff_connection_pending",
            LOC_FAILED: "tariff_connection_failed",
            LOC_MARKET: "tariffs_summary",
        }
        for location, route in expected.items():
            s = await session("anode", location_id=location)
            assert (await s.start())["route"] == route

    async def test_disconnect_tariff_action_ends_without_ui(
        self, session: MakeSession, backend: Backend
    ) -> None:
        """actions.disconnect_tariff disconnects at once: the start call returns the callback."""
        s = await session("anode", location_id=LOC_CONNECTED, actions={"disconnect_tariff": True})
        end = await s.start()
        assert end["route"] == "session_redirect"
        assert end["data"]["redirect_url"] == _callback_with(s.token)
        _, exchanged = await backend.exchange(s.token)
        assert exchanged["complete_action"] == "DISCONNECT"

    async def test_disconnect_tariff_answered_without_a_start(self, session: MakeSession) -> None:
        """With actions.disconnect_tariff, even a first call that is not a start gets the end."""
        s = await session("anode", location_id=LOC_CONNECTED, actions={"disconnect_tariff": True})
        end = await s.post("tariffs_summary", action="EDIT")
        assert end["route"] == "session_redirect"
        assert end["data"]["redirect_url"] == _callback_with(s.token)

    async def test_edit_tariff_action_starts_at_provider_selection(
        self, session: MakeSession
    ) -> None:
        """actions.edit_tariff opens provider selection instead of the summary."""
        s = await session("anode", location_id=LOC_CONNECTED, actions={"edit_tariff": True})
        assert (await s.start())["route"] == "provider_select"

    async def test_scenario_can_spell_the_summary_as_the_web_client_does(
        self, http: aiohttp.ClientSession
    ) -> None:
        """options.anode_summary_route = tariff_summary sends the web client's spelling."""
        scenario = attrs.evolve(
            default_scenario(), options=ScenarioOptions(anode_summary_route="tariff_summary")
        )
        async with SimulatorServer(scenario=scenario) as sim:
            backend = Backend(http, sim.url, sim.account_id, sim.api_key)
            s = Connect(
                http,
                sim.url,
                await backend.create_token("anode", location_id=LOC_CONNECTED),
                "anode",
            )
            summary = await s.start()
            assert summary["route"] == "tariff_summary"
            assert (await s.answer(action="WRONG_TARIFF"))["route"] == "tariff_summary"

    async def test_prefilled_address_skips_the_address_page(self, session: MakeSession) -> None:
        """A token with city and country pre-filled opens on provider selection; BACK leaves."""
        s = await session("anode", postal_address=GB)
        providers = await s.start()
        assert providers["route"] == "provider_select"
        end = await s.answer(action="BACK")
        assert end["route"] == "session_redirect"
