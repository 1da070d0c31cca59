"""Every validation code of CONNECT.md, for the input that earns it, in both versions.

Each case reaches a page the shortest way, posts one bad answer, and expects the documented
code as an error object (status 409 in zero, 400 in anode, context ``connect.<route>``). The
client (simclient) also checks that the code is one the pack lists for that route.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

import attrs
import pytest
from simclient import (
    BRIGHTWAVE,
    GB,
    IE,
    LAKESHORE,
    LIFFEY,
    LOC_CONNECTED,
    LOC_FAILED,
    LOC_PENDING,
    NIGHT_OWL,
    NL,
    NORTHGRID,
    POLDER,
    PRAIRIE,
    US,
    VILLAGE,
    Connect,
)

if TYPE_CHECKING:
    from conftest import MakeSession

Reach = Callable[[Connect], Awaitable[Any]]

OPTIONAL_PAGES = {"route_options": {"tariff_name_capture": True, "contract_term_capture": True}}


async def at_address(s: Connect) -> None:
    """Reach the address page."""
    await s.start()


async def at_providers(s: Connect) -> None:
    """Reach the GB provider list."""
    await s.to_providers(GB)


async def at_provider_name(s: Connect) -> None:
    """Reach provider_name_capture."""
    await s.to_providers(GB)
    await s.answer(action="PROVIDER_MISSING")


async def at_tariffs(s: Connect) -> None:
    """Reach Northgrid's tariff list."""
    await s.to_providers(GB)
    await s.answer(data={"provider": {"id": NORTHGRID}})


async def at_structure(s: Connect) -> None:
    """Reach the structure question (GB, a MANUAL provider)."""
    await s.to_structure(GB, VILLAGE)


async def at_structure_us(s: Connect) -> None:
    """Reach the structure question in the US (no market)."""
    await s.to_structure(US, LAKESHORE)


async def at_fixed(s: Connect) -> None:
    """Reach the fixed-rate page."""
    await at_structure(s)
    await s.answer(data={"options": ["FIXED"]})


async def at_tod(s: Connect) -> None:
    """Reach the time-of-day page."""
    await at_structure(s)
    await s.answer(data={"options": ["TIME_OF_DAY"]})


async def at_surcharge_nl(s: Connect) -> None:
    """Reach the surcharge page of a two-region market (NL)."""
    await s.to_providers(NL)
    page = await s.answer(data={"provider": {"id": POLDER}})
    if page["route"] == "region_select":
        await s.answer(data={"region": "NL-NOORD"})


async def at_region(s: Connect) -> None:
    """Reach anode's region_select (NL)."""
    await s.to_providers(NL)
    await s.answer(data={"provider": {"id": POLDER}})


async def at_surcharge_ie(s: Connect) -> None:
    """Reach the surcharge page where no region can be found (IE)."""
    await s.to_providers(IE)
    await s.answer(data={"provider": {"id": LIFFEY}})


async def at_name(s: Connect) -> None:
    """Reach the tariff name page."""
    await at_fixed(s)
    await s.answer(data={"cost": 0.25})


async def at_contract(s: Connect) -> None:
    """Reach the contract term page."""
    await at_name(s)
    await s.answer(data={"tariff": {"name": "Mine"}})


async def at_start_of_location(s: Connect) -> None:
    """Reach an existing location's first page."""
    await s.start()


@attrs.frozen
class Case:
    """One bad answer and the code it earns."""

    code: str
    reach: Reach
    data: Any = None
    action: str | None = None
    versions: tuple[str, ...] = ("zero", "anode")
    token: dict[str, Any] = attrs.field(factory=dict)
    route: str | None = None  # post to this route instead of the current page's

    def id(self, version: str) -> str:
        """A readable test id."""
        return f"{version}-{self.reach.__name__}-{self.code}"


def _address(**fields: str) -> dict[str, Any]:
    return {"postal_address": {**GB, **fields}}


CASES = [
    Case("address_line1_missing", at_address, _address(address_line1="  ")),
    Case("city_missing", at_address, _address(city="")),
    Case("post_code_missing", at_address, _address(post_code="")),
    Case("country_code_missing", at_address, _address(country_code="")),
    Case("country_code_invalid", at_address, _address(country_code="XX")),
    Case("country_code_invalid", at_address, _address(country_code="GBR")),
    Case("timezone_not_found", at_address, _address(country_code="FR"), versions=("zero",)),
    Case(
        "timezone_not_found",
        at_address,
        {"postal_address": {**US, "state": ""}},
        versions=("zero",),
    ),
    Case("geo_location_not_found", at_address, _address(country_code="FR"), versions=("anode",)),
    Case(
        "geo_location_not_found",
        at_address,
        {"postal_address": {**US, "state": ""}},
        versions=("anode",),
    ),
    Case("data_json_invalid", at_address, {"postal_address": "17 Orchard Row"}),
    Case("data_json_invalid", at_address, _address(city=5)),  # type: ignore[arg-type]
    Case("data_json_invalid", at_address, ["not", "an", "object"]),
    Case("provider_id_missing", at_providers, {"provider": {}}),
    Case("provider_id_missing", at_providers, {}),
    Case("provider_not_found", at_providers, {"provider": {"id": "prv_000000000000000000000000"}}),
    Case("provider_id_invalid", at_providers, {"provider": {"id": PRAIRIE}}),
    Case("data_json_invalid", at_providers, {"provider": {"id": 7}}),
    Case("action_invalid", at_providers, action="SAVE"),
    Case("action_invalid", at_providers, action="BACK", versions=("zero",)),
    Case("provider_name_missing", at_provider_name, {"provider": {"name": "   "}}),
    Case("tariff_id_missing", at_tariffs, {"tariff": {"id": ""}}),
    Case("tariff_not_found", at_tariffs, {"tariff": {"id": "trt_000000000000000000000000"}}),
    Case("tariff_id_invalid", at_tariffs, {"tariff": {"id": NIGHT_OWL}}),
    Case("option_invalid", at_structure, {"options": ["FIXED", "TIME_OF_DAY"]}),
    Case("option_invalid", at_structure, {"options": []}),
    Case("option_not_supported", at_structure, {"options": ["DYNAMIC"]}),
    Case("option_not_supported", at_structure, {"options": ["ADVANCED"]}),
    Case("option_not_supported", at_structure_us, {"options": ["MARKET"]}),
    Case("data_json_invalid", at_structure, {"options": "FIXED"}),
    Case("cost_value_zero", at_fixed, {"cost": 0}),
    Case("cost_value_negative", at_fixed, {"cost": -0.1}),
    Case("data_json_invalid", at_fixed, {"cost": "0.24"}),
    Case(
        "cost_value_zero",
        at_tod,
        {"hours": [{"cost": 0, "valid_from": "00:00:00", "valid_to": "00:00:00"}]},
    ),
    Case(
        "cost_value_negative",
        at_tod,
        {"hours": [{"cost": -1, "valid_from": "00:00:00", "valid_to": "00:00:00"}]},
    ),
    Case(
        "valid_from_invalid",
        at_tod,
        {"hours": [{"cost": 0.2, "valid_from": "7am", "valid_to": "00:00:00"}]},
    ),
    Case(
        "valid_to_invalid",
        at_tod,
        {"hours": [{"cost": 0.2, "valid_from": "07:00:00", "valid_to": "24:00:00"}]},
    ),
    Case(
        "gap_in_time_period",
        at_tod,
        {
            "hours": [
                {"cost": 0.3, "valid_from": "07:00:00", "valid_to": "23:00:00"},
                {"cost": 0.1, "valid_from": "23:30:00", "valid_to": "07:00:00"},
            ]
        },
    ),
    Case(
        "incomplete_time_period",
        at_tod,
        {"hours": [{"cost": 0.3, "valid_from": "06:00:00", "valid_to": "18:00:00"}]},
    ),
    Case(
        "incomplete_time_period",
        at_tod,
        {
            "hours": [
                {"cost": 0.3, "valid_from": "06:00:00", "valid_to": "20:00:00"},
                {"cost": 0.1, "valid_from": "18:00:00", "valid_to": "06:00:00"},
            ]
        },
    ),
    Case(
        "surcharge_percentage_invalid",
        at_surcharge_nl,
        {"surcharge": {"fixed": 0.01, "percentage": -5}, "region": "NL-NOORD"},
    ),
    Case(
        "market_region_invalid",
        at_surcharge_nl,
        {"surcharge": {"fixed": 0, "percentage": 0}, "region": "NL-OOST"},
        versions=("zero",),
    ),
    Case(
        "market_region_invalid",
        at_surcharge_nl,
        {"surcharge": {"fixed": 0, "percentage": 0}},
        versions=("zero",),
    ),
    Case("market_region_invalid", at_region, {"region": "NL-OOST"}, versions=("anode",)),
    Case("market_region_invalid", at_region, {"region": ""}, versions=("anode",)),
    Case("geo_location_not_found", at_surcharge_ie, {"surcharge": {"fixed": 0, "percentage": 0}}),
    Case("data_json_invalid", at_surcharge_nl, {"surcharge": {"fixed": "1", "percentage": 0}}),
    Case("tariff_name_missing", at_name, {"tariff": {"name": ""}}, token=OPTIONAL_PAGES),
    Case(
        "date_format_invalid",
        at_contract,
        {"contract_end_date": "31/01/2026"},
        token=OPTIONAL_PAGES,
    ),
    Case(
        "date_format_invalid",
        at_contract,
        {"contract_start_date": "2026-02-30T00:00:00Z"},
        token=OPTIONAL_PAGES,
    ),
    Case("data_json_invalid", at_contract, {"contract_end_date": 20260131}, token=OPTIONAL_PAGES),
    Case("action_missing", at_start_of_location, token={"location_id": LOC_CONNECTED}),
    Case(
        "action_missing",
        at_start_of_location,
        {"tariff": {"id": NIGHT_OWL}},
        token={"location_id": LOC_CONNECTED},
    ),
    Case(
        "action_invalid",
        at_start_of_location,
        action="RECONNECT",
        token={"location_id": LOC_CONNECTED},
    ),
    Case("action_missing", at_start_of_location, token={"location_id": LOC_PENDING}),
    Case(
        "action_invalid",
        at_start_of_location,
        action="EDIT",
        token={"location_id": LOC_PENDING},
        versions=("zero",),
    ),
    Case("action_missing", at_start_of_location, token={"location_id": LOC_FAILED}),
    Case("action_invalid", at_start_of_location, action="SAVE", token={"location_id": LOC_FAILED}),
    Case(
        "action_invalid",
        at_start_of_location,
        action="WRONG_TARIFF",
        token={"location_id": LOC_CONNECTED},
        versions=("zero",),
    ),
    Case(
        "route_invalid",
        at_providers,
        {"cost": 0.2},
        route="rate_fixed_capture",
    ),
    Case("route_invalid", at_providers, {"cost": 0.2}, route="price_input"),
    Case("route_invalid", at_providers, route="session_start", versions=("zero",)),
]

PARAMS = [
    pytest.param(version, case, id=case.id(version)) for case in CASES for version in case.versions
]


class TestValidationCodes:
    """The documented validation codes, one bad answer each."""

    @pytest.mark.parametrize(("version", "case"), PARAMS)
    async def test_bad_answer_earns_its_code(
        self, session: MakeSession, version: str, case: Case
    ) -> None:
        """The bad answer is refused with the documented code, and the page stays answerable."""
        s = await session(version, **case.token)
        await case.reach(s)
        on = s.page["route"]
        await s.refused(case.code, route=case.route, action=case.action, data=case.data)
        again = await s.start()
        assert again["route"] == on, "a refused answer leaves the session where it was"

    @pytest.mark.parametrize("version", ["zero", "anode"])
    async def test_zero_percentage_surcharge_is_accepted(
        self, session: MakeSession, version: str
    ) -> None:
        """A surcharge of 0 % (the official UI's skip) is accepted; only a negative is refused."""
        s = await session(version)
        await at_surcharge_nl(s)
        summary = await s.answer(
            data={"surcharge": {"fixed": 0, "percentage": 0}, "region": "NL-NOORD"}
        )
        assert summary["route"] in ("summary_tou_confirm", "tariffs_summary")

    async def test_direct_provider_is_no_code(self, session: MakeSession) -> None:
        """A valid DIRECT provider is not a code but a redirect (the happy path's control)."""
        s = await session("anode")
        await at_providers(s)
        assert (await s.answer(data={"provider": {"id": BRIGHTWAVE}}))[
            "route"
        ] == "session_redirect"
