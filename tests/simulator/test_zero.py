"""zero sessions over HTTP: every path through the flow, and every way it ends."""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urlsplit

from simclient import (
    FENLAND,
    GB,
    HILLTOP,
    LOC_CONNECTED,
    LOC_FAILED,
    LOC_PENDING,
    NL,
    NORTHGRID,
    NORTHGRID_E7,
    POLDER,
    PRAIRIE,
    PRAIRIE_FLAT,
    STONEBRIDGE,
    TOD_HOURS,
    TULIP,
    US,
    VILLAGE,
    Backend,
    decide,
)

if TYPE_CHECKING:
    import aiohttp
    from conftest import MakeSession


def _query(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


class TestZeroLibrary:
    """zero sessions with a library tariff."""

    async def test_library_tariff_saved_completes_with_fp_cot(
        self, session: MakeSession, backend: Backend
    ) -> None:
        """A library tariff, SAVEd, ends in session_complete whose callback_uri carries fp_cot."""
        s = await session("zero")
        first = await s.start()
        assert first["route"] == "postal_address_capture"
        assert first["data"]["postal_address"]["city"] == ""
        providers = await s.answer(data={"postal_address": GB})
        assert NORTHGRID in {p["id"] for p in providers["data"]["providers"]}
        tariffs = await s.answer(data={"provider": {"id": NORTHGRID}})
        assert tariffs["route"] == "tariff_select"
        assert tariffs["actions"] == ["TARIFF_MISSING"]
        summary = await s.answer(data={"tariff": {"id": NORTHGRID_E7}})
        assert summary["route"] == "summary_tou_confirm"
        assert summary["data"]["tariff"]["name"] == "Northgrid Economy 7"
        assert summary["data"]["rates"]["today"][0]["valid_from"] == "2025-06-15T00:00:00+01:00"
        done = await s.answer(action="SAVE")
        assert done["route"] == "session_complete"
        callback = done["data"]["callback_uri"]
        assert callback.startswith("https://app.example.org/flatpeak/done?")
        assert _query(callback) == {"tab": ["energy"], "fp_cot": [s.token]}
        status, exchanged = await backend.exchange(s.token)
        assert status == 200
        assert exchanged["complete_action"] == "SAVE"
        assert exchanged["is_tariff_processed"] is True
        assert exchanged["location_id"].startswith("loc_")
        assert exchanged["customer_id"].startswith("cus_")

    async def test_fixed_library_tariff_shows_the_fixed_summary(self, session: MakeSession) -> None:
        """A FIXED library tariff in the US is summarised on summary_fixed_confirm, in USD."""
        s = await session("zero")
        await s.to_providers(US)
        await s.answer(data={"provider": {"id": PRAIRIE}})
        summary = await s.answer(data={"tariff": {"id": PRAIRIE_FLAT}})
        assert summary["route"] == "summary_fixed_confirm"
        assert summary["data"]["cost"] == 0.152
        assert summary["data"]["currency_code"] == "USD"
        assert summary["actions"] == ["SAVE", "EDIT", "DISCONNECT"]

    async def test_tariff_missing_goes_to_the_manual_questions(self, session: MakeSession) -> None:
        """TARIFF_MISSING on the library list leads to the tariff structure question."""
        s = await session("zero")
        await s.to_providers()
        await s.answer(data={"provider": {"id": NORTHGRID}})
        structure = await s.answer(action="TARIFF_MISSING")
        assert structure["route"] == "tariff_structure_select"
        assert structure["data"]["options"] == ["FIXED", "TIME_OF_DAY", "MARKET"]


class TestZeroManual:
    """zero sessions where the customer types the tariff in."""

    async def test_fixed_rate_asks_name_and_contract(self, session: MakeSession) -> None:
        """The manual FIXED path always asks the tariff name and the contract term in zero."""
        s = await session("zero")
        await s.to_structure(GB, VILLAGE)
        rate = await s.answer(data={"options": ["FIXED"]})
        assert rate["route"] == "rate_fixed_capture"
        assert rate["data"]["currency_code"] == "GBP"
        name = await s.answer(data={"cost": 0.2715})
        assert name["route"] == "tariff_name_capture"
        contract = await s.answer(data={"tariff": {"name": "Evening Saver 2025"}})
        assert contract["route"] == "contract_term_capture"
        summary = await s.answer(
            data={"contract_start_date": None, "contract_end_date": "2026-01-31T00:00:00Z"}
        )
        assert summary["route"] == "summary_fixed_confirm"
        assert summary["data"]["cost"] == 0.2715
        assert summary["data"]["tariff"]["name"] == "Evening Saver 2025"
        assert summary["data"]["tariff"]["contract_end_date"] == "2026-01-31T00:00:00Z"

    async def test_time_of_day_skipping_the_contract(self, session: MakeSession) -> None:
        """Time-of-day rates with the contract skipped (no data) give an open-ended summary."""
        s = await session("zero")
        await s.to_structure(GB, VILLAGE)
        tod = await s.answer(data={"options": ["TIME_OF_DAY"]})
        assert tod["route"] == "rate_tod_capture"
        assert tod["data"]["hours"] == [
            {"cost": 0, "valid_from": "00:00:00", "valid_to": "00:00:00"}
        ]
        await s.answer(data={"hours": TOD_HOURS})
        await s.answer(data={"tariff": {"name": "Day and Night"}})
        summary = await s.post("contract_term_capture")
        assert summary["route"] == "summary_tou_confirm"
        assert summary["data"]["tariff"]["structure_type"] == "TIME_OF_DAY"
        assert summary["data"]["tariff"]["contract_end_date"] is None
        costs = [entry["tariff"]["cost"] for entry in summary["data"]["rates"]["today"]]
        assert costs == [0.095, 0.312, 0.095]

    async def test_until_terminated_sentinel_means_no_end_date(self, session: MakeSession) -> None:
        """Zero's 0001-01-01T00:00:00Z contract end is read as "until terminated"."""
        s = await session("zero")
        await s.to_structure(GB, VILLAGE)
        await s.answer(data={"options": ["FIXED"]})
        await s.answer(data={"cost": 0.3})
        await s.answer(data={"tariff": {"name": "Rolling"}})
        summary = await s.answer(
            data={"contract_start_date": None, "contract_end_date": "0001-01-01T00:00:00Z"}
        )
        assert summary["data"]["tariff"]["contract_end_date"] is None

    async def test_web_client_local_midnight_keeps_the_picked_date(
        self, session: MakeSession
    ) -> None:
        """A local midnight sent as UTC (the web client's habit) keeps the customer's date."""
        s = await session("zero")
        await s.to_structure(GB, VILLAGE)
        await s.answer(data={"options": ["FIXED"]})
        await s.answer(data={"cost": 0.3})
        await s.answer(data={"tariff": {"name": "Summer fix"}})
        summary = await s.answer(data={"contract_end_date": "2027-03-30T23:00:00.000Z"})
        assert summary["data"]["tariff"]["contract_end_date"] == "2027-03-31T00:00:00Z"

    async def test_provider_missing_then_typed_name(
        self, session: MakeSession, http: aiohttp.ClientSession
    ) -> None:
        """PROVIDER_MISSING leads to provider_name_capture; the typed name heads later pages."""
        s = await session("zero")
        await s.to_providers()
        name_page = await s.answer(action="PROVIDER_MISSING")
        assert name_page["route"] == "provider_name_capture"
        assert name_page["actions"] == ["ADDRESS_CHANGE"]
        structure = await s.answer(data={"provider": {"name": "Hilltop <Community> Power"}})
        provider = structure["data"]["provider"]
        assert provider["display_name"] == "Hilltop <Community> Power"
        async with http.get(provider["logo_url"]) as logo:
            assert logo.status == 200
            assert logo.content_type == "image/svg+xml"
            assert "&lt;Community&gt;" in await logo.text()

    async def test_market_structure_with_region_on_the_surcharge_page(
        self, session: MakeSession
    ) -> None:
        """A manual MARKET tariff in NL asks the region on market_surcharge_capture (zero)."""
        s = await session("zero")
        await s.to_structure(NL, TULIP)
        surcharge = await s.answer(data={"options": ["MARKET"]})
        assert surcharge["route"] == "market_surcharge_capture"
        assert surcharge["data"]["regions"] == ["NL-NOORD", "NL-ZUID"]
        assert surcharge["data"]["currency_code"] == "EUR"
        name = await s.answer(
            data={"surcharge": {"fixed": 0.02, "percentage": 10}, "region": "NL-ZUID"}
        )
        assert name["route"] == "tariff_name_capture"
        await s.answer(data={"tariff": {"name": "Dynamisch"}})
        summary = await s.post("contract_term_capture")
        assert summary["route"] == "summary_tou_confirm"
        assert summary["data"]["market_rates_source"] is True
        today = summary["data"]["rates"]["today"]
        assert len(today) == 24
        assert today[0]["valid_from"] == "2025-06-15T00:00:00+02:00"

    async def test_market_provider_goes_straight_to_the_summary(self, session: MakeSession) -> None:
        """A MARKET provider needs only the surcharge (and region) before the summary."""
        s = await session("zero")
        await s.to_providers(NL)
        surcharge = await s.answer(data={"provider": {"id": POLDER}})
        assert surcharge["route"] == "market_surcharge_capture"
        summary = await s.answer(
            data={"surcharge": {"fixed": 0, "percentage": 0}, "region": "NL-NOORD"}
        )
        assert summary["route"] == "summary_tou_confirm"
        assert summary["data"]["tariff"]["name"] == "Polder Dynamisch"

    async def test_single_region_market_asks_no_region(self, session: MakeSession) -> None:
        """A market with one region offers no region list on the surcharge page."""
        s = await session("zero")
        await s.to_providers(GB)
        surcharge = await s.answer(data={"provider": {"id": FENLAND}})
        assert "regions" not in surcharge["data"]
        summary = await s.answer(data={"surcharge": {"fixed": 0.01, "percentage": 0}})
        assert summary["route"] == "summary_tou_confirm"


class TestZeroDirect:
    """zero sessions with a DIRECT provider."""

    async def test_pending_connection_saved(
        self, session: MakeSession, http: aiohttp.ClientSession, backend: Backend
    ) -> None:
        """A DIRECT provider that stays pending shows summary_tariff_inprogress; SAVE ends it."""
        s = await session("zero")
        await s.to_providers()
        redirect = await s.answer(data={"provider": {"id": HILLTOP}})
        assert redirect["route"] == "session_redirect"
        assert redirect["data"]["redirect_uri"] == redirect["data"]["redirect_url"]
        await decide(http, redirect["data"]["redirect_url"])
        pending = await s.start()
        assert pending["route"] == "summary_tariff_inprogress"
        assert pending["actions"] == ["SAVE", "DISCONNECT", "DISMISS_DIRECT"]
        assert pending["data"]["connection_type"] == "DIRECT"
        done = await s.answer(action="SAVE")
        assert done["route"] == "session_complete"
        _, exchanged = await backend.exchange(s.token)
        assert exchanged["is_tariff_processed"] is False
        assert exchanged["complete_action"] == "SAVE"

    async def test_dismiss_direct_falls_back_to_manual(
        self, session: MakeSession, http: aiohttp.ClientSession
    ) -> None:
        """DISMISS_DIRECT drops the pending DIRECT connection and asks for the tariff by hand."""
        s = await session("zero")
        await s.to_providers()
        redirect = await s.answer(data={"provider": {"id": HILLTOP}})
        await decide(http, redirect["data"]["redirect_url"])
        await s.start()
        structure = await s.answer(action="DISMISS_DIRECT")
        assert structure["route"] == "tariff_structure_select"
        assert structure["data"]["provider"]["id"] == HILLTOP

    async def test_failed_connection_reconnects(
        self, session: MakeSession, http: aiohttp.ClientSession
    ) -> None:
        """A DIRECT provider that fails shows summary_tariff_failed; RECONNECT lists providers."""
        s = await session("zero")
        await s.to_providers()
        redirect = await s.answer(data={"provider": {"id": STONEBRIDGE}})
        await decide(http, redirect["data"]["redirect_url"])
        failed = await s.start()
        assert failed["route"] == "summary_tariff_failed"
        assert failed["actions"] == ["RECONNECT", "DISCONNECT"]
        providers = await s.answer(action="RECONNECT")
        assert providers["route"] == "provider_select"


class TestZeroExistingLocation:
    """zero tokens created for an existing location."""

    async def test_connected_location_opens_on_summary_and_disconnects(
        self, session: MakeSession, backend: Backend
    ) -> None:
        """A token for a connected location opens on its summary; DISCONNECT ends the session."""
        s = await session("zero", location_id=LOC_CONNECTED)
        summary = await s.start()
        assert summary["route"] == "summary_tou_confirm"
        assert summary["data"]["rates"]["yesterday"], "an existing tariff has yesterday's prices"
        done = await s.answer(action="DISCONNECT")
        assert done["route"] == "session_complete"
        _, exchanged = await backend.exchange(s.token)
        assert exchanged["location_id"] == LOC_CONNECTED
        assert exchanged["complete_action"] == "DISCONNECT"
        assert exchanged["is_tariff_processed"] is False
        again = await session("zero", location_id=LOC_CONNECTED)
        assert (await again.start())["route"] == "provider_select"

    async def test_disconnect_without_a_start_call(self, session: MakeSession) -> None:
        """The settings-page guide's DISCONNECT posted straight to the summary is accepted."""
        s = await session("zero", location_id=LOC_CONNECTED)
        done = await s.post("summary_fixed_confirm", action="DISCONNECT")
        assert done["route"] == "session_complete"

    async def test_disconnect_without_a_start_call_on_pending_and_failed_locations(
        self, session: MakeSession, backend: Backend
    ) -> None:
        """The settings-page DISCONNECT to the summary route also ends a pending or failed one."""
        for location in (LOC_PENDING, LOC_FAILED):
            s = await session("zero", location_id=location)
            done = await s.post("summary_fixed_confirm", action="DISCONNECT")
            assert done["route"] == "session_complete"
            status, ids = await backend.exchange(s.token)
            assert (status, ids["complete_action"]) == (200, "DISCONNECT")
            assert ids["location_id"] == location

    async def test_pending_and_failed_locations(self, session: MakeSession) -> None:
        """Tokens for pending and failed locations open on the pending and failed pages."""
        pending = await session("zero", location_id=LOC_PENDING)
        assert (await pending.start())["route"] == "summary_tariff_inprogress"
        failed = await session("zero", location_id=LOC_FAILED)
        assert (await failed.start())["route"] == "summary_tariff_failed"

    async def test_edit_restarts_at_provider_selection(self, session: MakeSession) -> None:
        """EDIT on a summary lists the providers of the location's address."""
        s = await session("zero", location_id=LOC_CONNECTED)
        await s.start()
        providers = await s.answer(action="EDIT")
        assert providers["route"] == "provider_select"
        assert providers["data"]["postal_address"]["post_code"] == GB["post_code"]


class TestZeroCallbacks:
    """The callback URL zero's session_complete sends the customer to."""

    async def test_callback_without_query_gets_fp_cot_only(self, session: MakeSession) -> None:
        """An app deep link with no query of its own comes back as ?fp_cot=<token>."""
        s = await session("zero", callback_uri="myapp://flatpeak/done")
        await s.to_providers(US)
        await s.answer(data={"provider": {"id": PRAIRIE}})
        await s.answer(data={"tariff": {"id": PRAIRIE_FLAT}})
        done = await s.answer(action="SAVE")
        assert done["data"]["callback_uri"] == f"myapp://flatpeak/done?fp_cot={s.token}"
