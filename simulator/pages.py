"""Building the pages the simulator sends, from a session's state.

A page is a function of the session: the same state gives the same page, which is how a start
call on a live session returns the page the customer is on, and how ``BACK`` shows the page
before with the customer's earlier answers filled in.
"""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit
from zoneinfo import ZoneInfo

import attrs

from flatpeak_connect.simulator.dialects import Dialect, Step
from flatpeak_connect.simulator.state import Connection, ProviderCard, Session, World
from flatpeak_connect.simulator.validation import DAY_SECONDS

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = [
    "ADDRESS_FIELDS",
    "MARKET_PROFILE",
    "View",
    "iso_z",
    "rates",
    "with_query",
]

ADDRESS_FIELDS = ("address_line1", "address_line2", "city", "state", "post_code", "country_code")

MARKET_PROFILE = (
    0.78, 0.74, 0.72, 0.70, 0.71, 0.76, 0.92, 1.10, 1.18, 1.08, 0.98, 0.92,
    0.88, 0.86, 0.90, 0.98, 1.15, 1.38, 1.45, 1.32, 1.14, 1.00, 0.90, 0.82,
)  # fmt: skip
"""How a market price moves over a day, hour by hour, as a multiple of the base price."""

_REGION_STEP = 0.04  # each further region of a market is 4 % dearer, so regions differ


def iso_z(moment: datetime) -> str:
    """Return an RFC 3339 UTC timestamp with a ``Z``, to the second."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def contract_date(day: date | None) -> str | None:
    """Return a contract date as Connect sends it: midnight UTC of that day."""
    return None if day is None else f"{day.isoformat()}T00:00:00Z"


def with_query(url: str, params: Mapping[str, str]) -> str:
    """Return ``url`` with ``params`` set in its query string (replacing any of the same name).

    Works for app deep links (``exampleapp://flatpeak/return``) as well as web URLs.
    """
    parts = urlsplit(url)
    kept = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in params]
    query = urlencode([*kept, *params.items()])
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))


def _at(day: date, seconds: int, zone: ZoneInfo) -> str:
    """Return the wall-clock moment ``seconds`` into ``day`` at ``zone``, RFC 3339."""
    if seconds >= DAY_SECONDS:  # the end of the day is the next day's midnight
        day, seconds = day + timedelta(days=1), seconds - DAY_SECONDS
    hours, rest = divmod(seconds, 3600)
    moment = datetime.combine(day, time(hours, rest // 60, rest % 60), tzinfo=zone)
    return moment.isoformat(timespec="seconds")


def _covering(hours: tuple[tuple[float, int, int], ...], second: int) -> int:
    for index, (_, start, end) in enumerate(hours):
        length = (end - start) % DAY_SECONDS or DAY_SECONDS
        if (second - start) % DAY_SECONDS < length:
            return index
    return 0


def _day_of_periods(connection: Connection, day: date, zone: ZoneInfo) -> list[dict[str, Any]]:
    hours = connection.hours
    cuts = sorted({0, DAY_SECONDS} | {s for _, s, _ in hours} | {e for _, _, e in hours})
    entries: list[dict[str, Any]] = []
    previous = -1
    for start, end in itertools.pairwise(cuts):
        index = _covering(hours, start)
        if index == previous:
            entries[-1]["valid_to"] = _at(day, end, zone)
            continue
        previous = index
        entries.append(
            {
                "valid_from": _at(day, start, zone),
                "valid_to": _at(day, end, zone),
                "tariff": {"cost": hours[index][0], "confidence": 1},
            }
        )
    return entries


def market_price(connection: Connection, hour: int) -> float:
    """Return the market tariff's price for one hour, surcharge included, in major units."""
    base = (connection.market_base or 0.0) * MARKET_PROFILE[hour]
    base *= 1 + _REGION_STEP * connection.region_index
    price = (base + connection.surcharge_fixed) * (1 + connection.surcharge_percentage / 100)
    return round(price, 4)


def _day_of_market(connection: Connection, day: date, zone: ZoneInfo) -> list[dict[str, Any]]:
    return [
        {
            "valid_from": _at(day, hour * 3600, zone),
            "valid_to": _at(day, (hour + 1) * 3600, zone),
            "tariff": {"cost": market_price(connection, hour), "confidence": 1},
        }
        for hour in range(24)
    ]


def rates(connection: Connection, now: datetime) -> dict[str, list[dict[str, Any]]]:
    """Return the summary's ``rates``: yesterday, today and tomorrow at the address.

    Timestamps carry the address's UTC offset (``CONNECT.md`` §2.5). Yesterday is empty for a
    tariff connected in this session, as it has no prices before today.
    """
    zone = ZoneInfo(connection.timezone)
    today = now.astimezone(zone).date()
    day_of = _day_of_market if connection.structure == "MARKET" else _day_of_periods
    return {
        "yesterday": day_of(connection, today - timedelta(days=1), zone)
        if connection.history
        else [],
        "today": day_of(connection, today, zone),
        "tomorrow": day_of(connection, today + timedelta(days=1), zone),
    }


@attrs.frozen
class View:
    """Builds a session's pages in its version's dialect.

    Attributes:
        world: the simulator's state (for the scenario and the clock).
        dialect: the session's protocol version.
        session: the session.
        base_url: where the simulator is reached, for logo and provider-login URLs.
        anode_summary_route: the spelling of anode's summary route.
    """

    world: World
    dialect: Dialect
    session: Session
    base_url: str
    anode_summary_route: str = "tariffs_summary"

    def logo_url(self, card: ProviderCard) -> str:
        """Return a provider's logo URL; the simulator serves one when the scenario has none."""
        return card.logo_url or f"{self.base_url}/logos/{card.id}.svg"

    def provider(self, card: ProviderCard) -> dict[str, Any]:
        """Return a provider summary object (``CONNECT.md`` §2.2)."""
        return {"id": card.id, "display_name": card.display_name, "logo_url": self.logo_url(card)}

    def postal_address(self) -> dict[str, str]:
        """Return the address in use, all six fields, empty strings where unknown."""
        known = self.session.address or self.session.token.postal_address or {}
        return {name: str(known.get(name) or "") for name in ADDRESS_FIELDS}

    def route_of(self, step: Step) -> str:
        """Return the route name of a step for this session."""
        if step is Step.SUMMARY:
            structure = self.session.connection.structure if self.session.connection else ""
            return self.dialect.summary_route(structure, anode_route=self.anode_summary_route)
        return self.dialect.routes[step]

    def actions(self, step: Step) -> list[str]:
        """Return the actions a step offers now: its own, then the universal ones."""
        offered = list(self.dialect.actions.get(step, ()))
        connection = self.session.connection
        if "DISMISS_DIRECT" in offered and (
            connection is None or connection.connection_type != "DIRECT"
        ):
            offered.remove("DISMISS_DIRECT")
        return [*offered, *self.dialect.universal_actions]

    def envelope(self, route: str, actions: list[str], data: dict[str, Any]) -> dict[str, Any]:
        """Wrap page data in the version's response envelope."""
        token = self.session.token
        page: dict[str, Any] = {
            "connect_token": token.id,
            "route": route,
            "direction": token.direction,
        }
        if self.dialect.version != "zero":
            page["type"] = token.tariff_type
        page.update({"live_mode": token.live_mode, "actions": actions, "data": data})
        return page

    def redirect(self, url: str) -> dict[str, Any]:
        """Return a ``session_redirect`` to ``url`` (a provider login, or anode's callback)."""
        return {
            "connect_token": self.session.token.id,
            "route": self.dialect.routes[Step.REDIRECT],
            "live_mode": self.session.token.live_mode,
            "data": dict.fromkeys(self.dialect.redirect_fields, url),
        }

    def complete(self, url: str) -> dict[str, Any]:
        """Return zero's ``session_complete`` sending the customer to ``url``."""
        token = self.session.token
        return {
            "connect_token": token.id,
            "route": self.dialect.routes[Step.COMPLETE],
            "direction": token.direction,
            "live_mode": token.live_mode,
            "data": {"callback_uri": url},
        }

    def page(self, step: Step) -> dict[str, Any]:
        """Return the page of ``step`` as the session stands."""
        builder = getattr(self, f"_data_{step.value}")
        data: dict[str, Any] = builder()
        return self.envelope(self.route_of(step), self.actions(step), data)

    # -- one builder per step, named after Step values ------------------------------------

    def draft_card(self) -> ProviderCard:
        """Return the card of the provider this session is describing a tariff for."""
        draft = self.session.draft
        scenario = self.world.scenario
        if draft.provider_id is not None:
            provider = scenario.provider(draft.provider_id)
            if provider is not None:
                return ProviderCard.of(provider)
        if draft.provider_name is not None:
            return self.world.manual_provider(draft.provider_name)
        if self.session.connection is not None:
            return self.session.connection.provider
        return ProviderCard("prv_unknown", "Your provider")

    def _currency(self) -> str:
        rule = self.world.scenario.address(self.session.rule_id or "")
        return rule.currency_code if rule else "GBP"

    def _data_address(self) -> dict[str, Any]:
        return {"postal_address": self.postal_address()}

    def _data_providers(self) -> dict[str, Any]:
        rule = self.world.scenario.address(self.session.rule_id or "")
        providers = [self.world.scenario.provider(pid) for pid in (rule.providers if rule else ())]
        return {
            "postal_address": self.postal_address(),
            "providers": [self.provider(ProviderCard.of(p)) for p in providers if p is not None],
        }

    def _data_provider_name(self) -> dict[str, Any]:
        return {
            "provider": {"name": self.session.draft.provider_name or ""},
            "postal_address": self.postal_address(),
        }

    def _data_tariffs(self) -> dict[str, Any]:
        scenario = self.world.scenario
        provider = scenario.provider(self.session.draft.provider_id or "")
        tariffs = [scenario.tariff(tid) for tid in (provider.tariffs if provider else ())]
        return {
            "provider": self.provider(self.draft_card()),
            "tariffs": [
                {"id": t.id, "name": t.name, "description": t.description}
                for t in tariffs
                if t is not None
            ],
            "postal_address": self.postal_address(),
        }

    def structure_options(self) -> list[str]:
        """Return the tariff structures the customer may choose at this address."""
        options = ["FIXED", "TIME_OF_DAY"]
        rule = self.world.scenario.address(self.session.rule_id or "")
        if rule is not None and rule.market is not None:
            options.append("MARKET")
        if (
            self.dialect.version != "zero"
            and self.session.token.route_options.advanced_tariff_capture
        ):
            options.append("ADVANCED")
        return options

    def _data_structure(self) -> dict[str, Any]:
        return {"provider": self.provider(self.draft_card()), "options": self.structure_options()}

    def _data_rate_fixed(self) -> dict[str, Any]:
        return {
            "currency_code": self._currency(),
            "provider": self.provider(self.draft_card()),
            "cost": self.session.draft.cost or 0,
        }

    def _data_rate_tod(self) -> dict[str, Any]:
        hours = self.session.draft.hours or [
            {"cost": 0, "valid_from": "00:00:00", "valid_to": "00:00:00"}
        ]
        return {
            "currency_code": self._currency(),
            "provider": self.provider(self.draft_card()),
            "hours": [dict(item) for item in hours],
        }

    def regions(self) -> list[str]:
        """Return the market regions of the session's address (empty when it has no market)."""
        rule = self.world.scenario.address(self.session.rule_id or "")
        return list(rule.market.regions) if rule and rule.market else []

    def _data_surcharge(self) -> dict[str, Any]:
        draft = self.session.draft
        data: dict[str, Any] = {
            "currency_code": self._currency(),
            "provider": self.provider(self.draft_card()),
            "surcharge": {"fixed": draft.surcharge_fixed, "percentage": draft.surcharge_percentage},
        }
        regions = self.regions()
        if not self.dialect.region_page and len(regions) > 1:
            data["regions"] = regions
            data["region"] = draft.region or ""
        return data

    def _data_region(self) -> dict[str, Any]:
        return {
            "provider": self.provider(self.draft_card()),
            "regions": self.regions(),
            "region": self.session.draft.region or "",
        }

    def _data_tariff_name(self) -> dict[str, Any]:
        return {
            "provider": self.provider(self.draft_card()),
            "tariff": {"name": self.session.draft.tariff_name or ""},
        }

    def _data_contract(self) -> dict[str, Any]:
        draft = self.session.draft
        return {
            "provider": self.provider(self.draft_card()),
            "contract_start_date": contract_date(draft.contract_start),
            "contract_end_date": contract_date(draft.contract_end),
        }

    def _connection(self) -> Connection:
        connection = self.session.connection
        if connection is None:  # the conversation only shows these steps with a connection
            raise LookupError("this session has no tariff connection to show")
        return connection

    def _data_summary(self) -> dict[str, Any]:
        connection = self._connection()
        provider = self.provider(connection.provider)
        if self.dialect.version == "zero":
            tariff = {
                "name": connection.name,
                "contract_end_date": contract_date(connection.contract_end),
                "reconnect_required": False,
                "structure_type": connection.structure,
                "tiered": connection.tiered,
            }
            if connection.structure == "FIXED":
                cost = connection.hours[0][0] if connection.hours else 0
                return {
                    "currency_code": connection.currency_code,
                    "cost": cost,
                    "provider": provider,
                    "tariff": tariff,
                }
            return {
                "currency_code": connection.currency_code,
                "market_rates_source": connection.structure == "MARKET",
                "provider": provider,
                "tariff": tariff,
                "rates": rates(connection, self.world.now()),
            }
        return {
            "connection_type": connection.connection_type,
            "currency_code": connection.currency_code,
            "market_rates_source": connection.structure == "MARKET",
            "provider": provider,
            "tariff": {
                "status": "CONNECTED",
                "name": connection.name,
                "structure_type": connection.structure,
                "contract_start_date": contract_date(connection.contract_start),
                "contract_end_date": contract_date(connection.contract_end),
                "contract_term_type": "FIXED" if connection.contract_end else "UNTIL_TERMINATED",
                "tiered": connection.tiered,
            },
            "rates": rates(connection, self.world.now()),
        }

    def _data_pending(self) -> dict[str, Any]:
        connection = self._connection()
        return {
            "connection_type": connection.connection_type,
            "provider": self.provider(connection.provider),
        }

    _data_failed = _data_pending
