"""What the simulator remembers: tokens, sessions, locations, bearer tokens, and the clock.

Everything lives in memory in one :class:`World` per application. Sessions are mutable (they
are the server's side of a conversation); the values they hold (a connection, a provider card)
are frozen.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any, Literal

import attrs

from flatpeak_connect.simulator.dialects import Step
from flatpeak_connect.simulator.scenario import (
    AddressRule,
    ConnectionType,
    Provider,
    Scenario,
    Tariff,
)
from flatpeak_connect.simulator.validation import parse_time

__all__ = [
    "Bearer",
    "Clock",
    "ConnectToken",
    "Connection",
    "ConnectionStatus",
    "Draft",
    "Location",
    "Login",
    "ManualClock",
    "ProviderCard",
    "RouteOptions",
    "Session",
    "World",
    "new_id",
    "redact",
    "system_clock",
]

Clock = Callable[[], datetime]
"""Returns the current time, timezone-aware. Inject one to control token expiry in tests."""

ConnectionStatus = Literal["CONNECTED", "PENDING", "FAILED", "DISCONNECTED"]


def system_clock() -> datetime:
    """Return the current UTC time."""
    return datetime.now(UTC)


@attrs.define
class ManualClock:
    """A clock that stands still until told to move: tokens expire without sleeping.

    Example::

        clock = ManualClock()
        app = create_app(clock=clock, expires_in=60)
        ...
        clock.advance(seconds=61)   # every token created above is now expired
    """

    now: datetime = attrs.field(factory=lambda: datetime(2025, 3, 1, 10, 0, tzinfo=UTC))

    def __call__(self) -> datetime:
        """Return the clock's time."""
        return self.now

    def advance(self, seconds: float = 0, *, minutes: float = 0, hours: float = 0) -> datetime:
        """Move the clock forward and return the new time."""
        self.now += timedelta(seconds=seconds, minutes=minutes, hours=hours)
        return self.now


def new_id(prefix: str) -> str:
    """Return a FlatPeak-shaped identifier: ``prefix`` + ``_`` + 24 hex digits."""
    return f"{prefix}_{secrets.token_hex(12)}"


def redact(token: str | None) -> str:
    """Return a token shortened for logs: its prefix and four characters, never the whole."""
    if not token:
        return "-"
    return f"{token[:8]}…"


@attrs.frozen
class ProviderCard:
    """A provider as pages show it. ``logo_url`` ``None``: the simulator serves a logo."""

    id: str
    display_name: str
    logo_url: str | None = None

    @classmethod
    def of(cls, provider: Provider) -> ProviderCard:
        """Return the card of a scenario provider."""
        return cls(provider.id, provider.display_name, provider.logo_url)


@attrs.frozen
class Connection:
    """A tariff connection, as the summary, pending and failed pages show it.

    ``hours`` holds ``(cost, valid_from, valid_to)`` with times in seconds since midnight
    (FIXED and TIME_OF_DAY); a MARKET tariff is priced from ``market_base`` instead, with the
    surcharge added (fixed first, then the percentage).
    """

    provider: ProviderCard
    connection_type: ConnectionType
    status: ConnectionStatus
    name: str
    structure: Literal["FIXED", "TIME_OF_DAY", "MARKET"]
    currency_code: str
    timezone: str
    hours: tuple[tuple[float, int, int], ...] = ()
    market_base: float | None = None
    region_index: int = 0
    surcharge_fixed: float = 0.0
    surcharge_percentage: float = 0.0
    tiered: bool = False
    contract_start: date | None = None
    contract_end: date | None = None
    history: bool = False

    @classmethod
    def from_tariff(
        cls,
        provider: Provider,
        tariff: Tariff,
        rule: AddressRule,
        *,
        connection_type: ConnectionType,
        status: ConnectionStatus,
        history: bool = False,
    ) -> Connection:
        """Return the connection to a library tariff at an address."""
        return cls(
            provider=ProviderCard.of(provider),
            connection_type=connection_type,
            status=status,
            name=tariff.name,
            structure=tariff.structure,
            currency_code=rule.currency_code,
            timezone=rule.timezone,
            hours=tuple(
                (p.cost, parse_time(p.valid_from) or 0, parse_time(p.valid_to) or 0)
                for p in tariff.hours
            ),
            tiered=tariff.tiered,
            contract_end=(
                date.fromisoformat(tariff.contract_end_date) if tariff.contract_end_date else None
            ),
            history=history,
        )

    @classmethod
    def from_market(
        cls,
        provider: ProviderCard,
        rule: AddressRule,
        *,
        name: str,
        connection_type: ConnectionType,
        status: ConnectionStatus,
        history: bool = False,
    ) -> Connection:
        """Return a market-priced connection at an address (which must have a market)."""
        if rule.market is None:
            raise ValueError(f"address {rule.id!r} has no market")
        return cls(
            provider=provider,
            connection_type=connection_type,
            status=status,
            name=name,
            structure="MARKET",
            currency_code=rule.currency_code,
            timezone=rule.timezone,
            market_base=rule.market.base_price,
            history=history,
        )


@attrs.define
class RouteOptions:
    """anode's optional pages, switched on at token creation."""

    advanced_tariff_capture: bool = False
    tariff_name_capture: bool = False
    contract_term_capture: bool = False


@attrs.define
class ConnectToken:
    """A connect token and everything its creator asked for."""

    id: str
    version: str
    live_mode: bool
    time_created: datetime
    expires_at: datetime
    callback_url: str
    return_url: str | None
    direction: str = "IMPORT"
    tariff_type: str = "COMMODITY"
    customer_id: str = attrs.field(factory=lambda: new_id("cus"))
    customer_reference_id: str | None = None
    location_id: str | None = None
    location_reference_id: str | None = None
    postal_address: dict[str, str] | None = None
    route_options: RouteOptions = attrs.field(factory=RouteOptions)
    edit_tariff: bool = False
    disconnect_tariff: bool = False


@attrs.define
class Location:
    """A location: an address with (perhaps) a tariff connection."""

    id: str
    customer_id: str
    postal_address: dict[str, str]
    rule_id: str
    connection: Connection | None = None


@attrs.define
class Draft:
    """The tariff the customer is describing in this session, answer by answer."""

    provider_id: str | None = None
    provider_name: str | None = None
    connection_type: ConnectionType | None = None
    skipped: set[str] = attrs.field(factory=set)
    tariff_id: str | None = None
    structure: str | None = None
    cost: float | None = None
    hours: list[dict[str, Any]] | None = None
    surcharge_fixed: float = 0.0
    surcharge_percentage: float = 0.0
    region: str | None = None
    tariff_name: str | None = None
    contract_start: date | None = None
    contract_end: date | None = None
    until_terminated: bool = False
    contract_answered: bool = False

    @property
    def manual(self) -> bool:
        """Whether the customer is typing the tariff in (the manual path)."""
        return self.connection_type == "MANUAL"


@attrs.define
class Login:
    """A provider login the session is waiting for, and what the customer decided there."""

    provider_id: str
    decision: Literal["approved", "denied"] | None = None


@attrs.define
class Session:
    """The server's side of one Connect session (one per connect token)."""

    token: ConnectToken
    started: bool = False
    step: Step | None = None
    stack: list[Step] = attrs.field(factory=list)
    visited: set[Step] = attrs.field(factory=set)
    final_page: dict[str, object] | None = None
    address: dict[str, str] | None = None
    rule_id: str | None = None
    draft: Draft = attrs.field(factory=Draft)
    connection: Connection | None = None
    login: Login | None = None
    complete_action: str | None = None
    location_id: str | None = None
    wrong_tariff_reported: bool = False

    @property
    def ended(self) -> bool:
        """Whether the session is over (its final page has been sent)."""
        return self.final_page is not None


@attrs.define
class Bearer:
    """A bearer token issued by ``GET /login``."""

    token: str
    expires_at: datetime
    live_mode: bool


@attrs.define
class World:
    """All the simulator's state: one per application."""

    scenario: Scenario
    clock: Clock
    expires_in: int
    sessions: dict[str, Session] = attrs.field(factory=dict)
    locations: dict[str, Location] = attrs.field(factory=dict)
    bearers: dict[str, Bearer] = attrs.field(factory=dict)
    manual_providers: dict[str, str] = attrs.field(factory=dict)

    def __attrs_post_init__(self) -> None:
        for existing in self.scenario.locations:
            rule = self.scenario.address(existing.address)
            provider = self.scenario.provider(existing.provider)
            if rule is None or provider is None:  # parse_scenario has refused such a file
                continue
            tariff = self.scenario.tariff(existing.tariff) if existing.tariff else None
            if tariff is not None:
                connection = Connection.from_tariff(
                    provider,
                    tariff,
                    rule,
                    connection_type=existing.connection_type,
                    status=existing.status,
                    history=True,
                )
            else:
                connection = Connection.from_market(
                    ProviderCard.of(provider),
                    rule,
                    name=provider.market_tariff_name or f"{provider.display_name} market tariff",
                    connection_type=existing.connection_type,
                    status=existing.status,
                    history=True,
                )
            self.locations[existing.id] = Location(
                id=existing.id,
                customer_id=existing.customer_id or new_id("cus"),
                postal_address={
                    "address_line1": "",
                    "address_line2": "",
                    "city": "",
                    "state": "",
                    "post_code": "",
                    "country_code": "",
                    **existing.postal_address,
                },
                rule_id=rule.id,
                connection=connection,
            )

    def now(self) -> datetime:
        """Return the current time by this world's clock."""
        return self.clock()

    def manual_provider(self, name: str) -> ProviderCard:
        """Return the card of a provider the customer typed in, with an id derived from its name.

        Pages need a provider id even for a provider FlatPeak does not know; the id is stable
        for the same name, so the simulator can serve its logo.
        """
        digest = hashlib.sha256(name.strip().casefold().encode()).hexdigest()[:24]
        card = ProviderCard(f"prv_{digest}", name.strip())
        self.manual_providers[card.id] = card.display_name
        return card
