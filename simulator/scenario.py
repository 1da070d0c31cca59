"""Scenarios: the world the simulator pretends to be, read from a JSON file.

A scenario lists the addresses the simulator knows (matched by country, post code and city), the
providers that serve each one and how each connects (DIRECT, LIBRARY, MARKET, MANUAL), the
library tariffs, the locations that already exist, and faults to inject from the start.
``docs/simulator.md`` describes the format; ``scenario.schema.json`` beside this module is its
JSON Schema, and :func:`load_scenario` checks a file against it and then checks that every
reference in it points at something that exists.
"""

from __future__ import annotations

import functools
import json
import os
from collections.abc import Iterable, Mapping
from importlib import resources
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import attrs
import cattrs
import jsonschema

from flatpeak_connect.simulator.validation import parse_time, period_coverage_problem

__all__ = [
    "CONNECTION_PRIORITY",
    "AddressMatch",
    "AddressRule",
    "ConnectionType",
    "ExistingLocation",
    "FaultSpec",
    "Market",
    "Period",
    "Provider",
    "ProviderOutcome",
    "Scenario",
    "ScenarioError",
    "ScenarioOptions",
    "Tariff",
    "default_scenario",
    "fault_schema",
    "load_scenario",
    "parse_scenario",
    "schema_problems",
]

ConnectionType = Literal["DIRECT", "LIBRARY", "MARKET", "MANUAL"]
ProviderOutcome = Literal["connected", "pending", "failed"]
LocationStatus = Literal["CONNECTED", "PENDING", "FAILED"]
FaultKind = Literal[
    "server_error",
    "rate_limit",
    "slow",
    "drop",
    "malformed_json",
    "schema_violation",
    "unknown_route",
]

CONNECTION_PRIORITY: tuple[ConnectionType, ...] = ("DIRECT", "LIBRARY", "MARKET", "MANUAL")
"""Connect tries a provider's connection methods in this order (``CONNECT.md`` §2.6)."""


class ScenarioError(ValueError):
    """A scenario file that cannot be used, with every problem found in it.

    Attributes:
        problems: one line per problem, each naming where in the file it is.
    """

    def __init__(self, source: str, problems: Iterable[str]) -> None:
        self.source = source
        self.problems = tuple(problems)
        listed = "\n".join(f"  - {problem}" for problem in self.problems)
        super().__init__(f"{source} is not a usable scenario:\n{listed}")


@attrs.frozen
class AddressMatch:
    """Which posted addresses an address rule applies to.

    The country must be equal; a ``post_code`` matches posted post codes that start with it
    (case and spaces ignored); a ``city`` must be equal, case ignored.
    """

    country_code: str
    post_code: str | None = None
    city: str | None = None

    def matches(self, address: Mapping[str, str]) -> bool:
        """Return whether ``address`` (a posted ``postal_address``) is one of this rule's."""
        if address.get("country_code", "").upper() != self.country_code:
            return False
        if self.post_code is not None and not _squash(address.get("post_code", "")).startswith(
            _squash(self.post_code)
        ):
            return False
        return self.city is None or address.get("city", "").strip().casefold() == (
            self.city.casefold()
        )


def _squash(text: str) -> str:
    return "".join(text.split()).upper()


@attrs.frozen
class Market:
    """The wholesale market at an address: its price regions and a base price per kWh."""

    regions: tuple[str, ...]
    base_price: float

    @property
    def needs_region_choice(self) -> bool:
        """Whether the customer has to pick a region (more than one could apply)."""
        return len(self.regions) > 1


@attrs.frozen
class AddressRule:
    """An address the simulator knows, and what is available there."""

    id: str
    match: AddressMatch
    timezone: str
    currency_code: str
    providers: tuple[str, ...]
    requires_state: bool = False
    market: Market | None = None

    @property
    def zone(self) -> ZoneInfo:
        """The address's time zone."""
        return ZoneInfo(self.timezone)


@attrs.frozen
class Period:
    """One time-of-day price: ``cost`` per kWh from ``valid_from`` to ``valid_to``."""

    cost: float
    valid_from: str
    valid_to: str


@attrs.frozen
class Tariff:
    """A tariff of FlatPeak's library, as ``tariff_select`` lists it."""

    id: str
    name: str
    structure: Literal["FIXED", "TIME_OF_DAY"]
    hours: tuple[Period, ...]
    description: str = ""
    tiered: bool = False
    contract_end_date: str | None = None


@attrs.frozen
class Provider:
    """An energy provider, how Connect reaches it, and how its connections turn out."""

    id: str
    display_name: str
    connection_types: tuple[ConnectionType, ...]
    logo_url: str | None = None
    tariffs: tuple[str, ...] = ()
    direct_tariff: str | None = None
    market_tariff_name: str | None = None
    outcome: ProviderOutcome = "connected"

    def connection_after(self, skipped: Iterable[str] = ()) -> ConnectionType:
        """Return the best connection method, in Connect's priority order, not in ``skipped``.

        A provider with nothing left falls back to ``MANUAL``: the customer types the tariff.
        """
        left = [kind for kind in CONNECTION_PRIORITY if kind in self.connection_types]
        return next((kind for kind in left if kind not in skipped), "MANUAL")


@attrs.frozen
class ExistingLocation:
    """A location that exists before any session: a token created for it opens its summary."""

    id: str
    address: str
    postal_address: Mapping[str, str]
    provider: str
    connection_type: ConnectionType
    status: LocationStatus
    tariff: str | None = None
    customer_id: str | None = None


@attrs.frozen
class FaultSpec:
    """A fault to inject (see ``docs/simulator.md``, "Faults")."""

    kind: FaultKind
    times: int | None = 1
    route: str | None = None
    token: str | None = None
    path: str = "/"
    delay: float = 1.0
    retry_after: int = 1
    status: int = 500
    when: Literal["before", "after"] = "before"


@attrs.frozen
class ScenarioOptions:
    """Switches that change how pages are spelled, for clients that read one spelling only."""

    anode_summary_route: Literal["tariffs_summary", "tariff_summary"] = "tariffs_summary"


@attrs.frozen
class Scenario:
    """A whole scenario. Build one with :func:`load_scenario` or :func:`parse_scenario`."""

    addresses: tuple[AddressRule, ...]
    providers: tuple[Provider, ...]
    tariffs: tuple[Tariff, ...] = ()
    locations: tuple[ExistingLocation, ...] = ()
    faults: tuple[FaultSpec, ...] = ()
    options: ScenarioOptions = ScenarioOptions()
    name: str = "unnamed"
    description: str = ""

    def provider(self, provider_id: str) -> Provider | None:
        """Return the provider with this id, or ``None``."""
        return next((p for p in self.providers if p.id == provider_id), None)

    def tariff(self, tariff_id: str) -> Tariff | None:
        """Return the library tariff with this id, or ``None``."""
        return next((t for t in self.tariffs if t.id == tariff_id), None)

    def address(self, address_id: str) -> AddressRule | None:
        """Return the address rule with this id, or ``None``."""
        return next((a for a in self.addresses if a.id == address_id), None)

    def match_address(self, postal_address: Mapping[str, str]) -> AddressRule | None:
        """Return the first address rule that matches a posted address, or ``None``."""
        return next((a for a in self.addresses if a.match.matches(postal_address)), None)


_converter = cattrs.Converter(forbid_extra_keys=True)


def _schema() -> dict[str, Any]:
    text = resources.files(__package__).joinpath("scenario.schema.json").read_text("utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


def fault_schema() -> dict[str, Any]:
    """Return the JSON Schema of one fault, as the admin endpoint and scenario files use it."""
    schema = _schema()
    return {"$schema": schema["$schema"], "$defs": schema["$defs"], "$ref": "#/$defs/fault"}


def _where(path: Iterable[Any]) -> str:
    where = "$"
    for part in path:
        where += f"[{part}]" if isinstance(part, int) else f".{part}"
    return where


def schema_problems(document: Any, schema: Mapping[str, Any]) -> list[str]:
    """Check ``document`` against a JSON Schema; return one line per problem, with its place."""
    validator = jsonschema.Draft202012Validator(schema)
    errors = sorted(validator.iter_errors(document), key=lambda e: list(map(str, e.absolute_path)))
    return [f"{_where(error.absolute_path)}: {error.message}" for error in errors]


def parse_scenario(document: Any, *, source: str = "scenario") -> Scenario:
    """Build a scenario from its parsed JSON.

    Args:
        document: the parsed JSON of a scenario file.
        source: a name for the document in error messages (a file path).

    Returns:
        The scenario.

    Raises:
        ScenarioError: the document breaks the scenario schema, or refers to an id that it does
            not define, or defines something that cannot work (every problem is listed).
    """
    problems = schema_problems(document, _schema())
    if problems:
        raise ScenarioError(source, problems)
    scenario = _converter.structure(document, Scenario)
    problems = list(_reference_problems(scenario))
    if problems:
        raise ScenarioError(source, problems)
    return scenario


def load_scenario(path: str | os.PathLike[str]) -> Scenario:
    """Read a scenario file.

    Args:
        path: a JSON file in the format of ``docs/simulator.md``.

    Returns:
        The scenario.

    Raises:
        ScenarioError: the file cannot be read, is not JSON, or is not a usable scenario.
    """
    source = os.fspath(path)
    try:
        text = Path(source).read_text(encoding="utf-8")
    except OSError as error:
        raise ScenarioError(source, [f"cannot read the file: {error.strerror or error}"]) from None
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise ScenarioError(
            source, [f"not JSON: {error.msg} at line {error.lineno}, column {error.colno}"]
        ) from None
    return parse_scenario(document, source=source)


@functools.cache
def default_scenario() -> Scenario:
    """Return the scenario shipped with the simulator (``scenarios/default.json``).

    Read once: a scenario is immutable, and every simulator state is built fresh from it.
    """
    resource = resources.files(__package__).joinpath("scenarios", "default.json")
    return parse_scenario(json.loads(resource.read_text("utf-8")), source="default.json")


def _duplicates(kind: str, ids: Iterable[str]) -> Iterable[str]:
    seen: set[str] = set()
    for item in ids:
        if item in seen:
            yield f"{kind} id {item!r} is used more than once"
        seen.add(item)


def _address_problems(scenario: Scenario) -> Iterable[str]:
    for index, rule in enumerate(scenario.addresses):
        where = f"$.addresses[{index}]"
        try:
            ZoneInfo(rule.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            yield f"{where}.timezone: {rule.timezone!r} is not an IANA time zone"
        for provider_id in rule.providers:
            provider = scenario.provider(provider_id)
            if provider is None:
                yield f"{where}.providers: no provider has the id {provider_id!r}"
            elif "MARKET" in provider.connection_types and rule.market is None:
                yield (
                    f"{where}: provider {provider_id!r} connects through MARKET, "
                    "but this address has no market"
                )


def _provider_problems(scenario: Scenario) -> Iterable[str]:
    for index, provider in enumerate(scenario.providers):
        where = f"$.providers[{index}]"
        named = [*provider.tariffs, *filter(None, [provider.direct_tariff])]
        yield from (
            f"{where}: no tariff has the id {tariff_id!r}"
            for tariff_id in named
            if scenario.tariff(tariff_id) is None
        )
        if "LIBRARY" in provider.connection_types and not provider.tariffs:
            yield f"{where}: a LIBRARY provider needs at least one tariff in 'tariffs'"
        if "DIRECT" in provider.connection_types and not named:
            yield f"{where}: a DIRECT provider needs 'direct_tariff' (or a tariff in 'tariffs')"


def _tariff_problems(scenario: Scenario) -> Iterable[str]:
    for index, tariff in enumerate(scenario.tariffs):
        where = f"$.tariffs[{index}].hours"
        spans = [(parse_time(p.valid_from) or 0, parse_time(p.valid_to) or 0) for p in tariff.hours]
        problem = period_coverage_problem(spans)
        if problem is not None:
            yield f"{where}: {problem.message} ({problem.code})"
        if tariff.structure == "FIXED" and len(tariff.hours) != 1:
            yield f"{where}: a FIXED tariff has exactly one period"


def _location_problems(scenario: Scenario) -> Iterable[str]:
    for index, location in enumerate(scenario.locations):
        where = f"$.locations[{index}]"
        rule = scenario.address(location.address)
        if rule is None:
            yield f"{where}.address: no address has the id {location.address!r}"
        if scenario.provider(location.provider) is None:
            yield f"{where}.provider: no provider has the id {location.provider!r}"
        if location.tariff is not None and scenario.tariff(location.tariff) is None:
            yield f"{where}.tariff: no tariff has the id {location.tariff!r}"
        if location.tariff is None and location.connection_type != "MARKET":
            yield f"{where}: a {location.connection_type} location needs a 'tariff'"
        if location.connection_type == "MARKET" and rule is not None and rule.market is None:
            yield f"{where}: a MARKET location needs an address with a market"


def _reference_problems(scenario: Scenario) -> Iterable[str]:
    yield from _duplicates("address", (a.id for a in scenario.addresses))
    yield from _duplicates("provider", (p.id for p in scenario.providers))
    yield from _duplicates("tariff", (t.id for t in scenario.tariffs))
    yield from _duplicates("location", (loc.id for loc in scenario.locations))
    yield from _address_problems(scenario)
    yield from _provider_problems(scenario)
    yield from _tariff_problems(scenario)
    yield from _location_problems(scenario)
