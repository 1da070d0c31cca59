"""How each protocol version spells the same conversation.

The simulator runs one conversation (address, provider, tariff, summary ...) and speaks it in
the dialect the token was created for. A :class:`Step` names a page by what it is for; a
:class:`Dialect` gives its route name, the actions it offers, the start routes, the HTTP status
of a validation error, and the other places where zero and anode differ (``CONNECT.md`` §6).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping

import attrs

__all__ = ["ACTION_ONLY", "ANODE", "DIALECTS", "ZERO", "Dialect", "Step"]


class Step(enum.StrEnum):
    """A page of the conversation, by what it is for rather than by its route name."""

    ADDRESS = "address"
    PROVIDERS = "providers"
    PROVIDER_NAME = "provider_name"
    TARIFFS = "tariffs"
    STRUCTURE = "structure"
    RATE_FIXED = "rate_fixed"
    RATE_TOD = "rate_tod"
    SURCHARGE = "surcharge"
    REGION = "region"
    TARIFF_NAME = "tariff_name"
    CONTRACT = "contract"
    SUMMARY = "summary"
    PENDING = "pending"
    FAILED = "failed"
    REDIRECT = "redirect"
    COMPLETE = "complete"


ACTION_ONLY = frozenset({Step.SUMMARY, Step.PENDING, Step.FAILED})
"""Steps answered with an action only (``action_missing`` when none is sent)."""


@attrs.frozen
class Dialect:
    """One protocol version's names, actions and rules for the shared conversation.

    Attributes:
        version: the schema pack's name (``zero``, ``anode``).
        api_version: FlatPeak's version string.
        start_routes: routes that start or resume a session.
        validation_status: HTTP status of a validation error.
        address_unknown_code: the code for an address that cannot be placed.
        universal_actions: actions every page offers.
        routes: the route name of each step (zero's summary has two; see :meth:`summary_route`).
        actions: the actions each step offers, besides the universal ones.
        aliases: other route names a client may post for a step.
        action_aliases: other spellings of an action, by the spelling the simulator offers.
        region_page: whether a market region is chosen on its own page (anode) or on the
            surcharge page (zero).
        asks_optional_pages: whether the manual path always asks the tariff name and contract
            term (zero) or only when the token's ``route_options`` switch them on (anode).
        redirect_fields: the fields of ``session_redirect`` that carry the URL.
    """

    version: str
    api_version: str
    start_routes: tuple[str, ...]
    validation_status: int
    address_unknown_code: str
    universal_actions: tuple[str, ...]
    routes: Mapping[Step, str]
    actions: Mapping[Step, tuple[str, ...]]
    aliases: Mapping[str, Step] = attrs.field(factory=dict)
    action_aliases: Mapping[str, str] = attrs.field(factory=dict)
    region_page: bool = False
    asks_optional_pages: bool = True
    redirect_fields: tuple[str, ...] = ("redirect_url",)

    def step_for(self, route: str) -> Step | None:
        """Return the step a posted route names, or ``None`` for a route of no step."""
        for step, name in self.routes.items():
            if name == route:
                return step
        return self.aliases.get(route)

    def summary_route(self, structure: str, *, anode_route: str) -> str:
        """Return the summary's route name for a tariff of this structure.

        Args:
            structure: ``FIXED``, ``TIME_OF_DAY`` or ``MARKET``.
            anode_route: the spelling a scenario chose for anode's summary.
        """
        if self.version == "zero":
            return "summary_fixed_confirm" if structure == "FIXED" else "summary_tou_confirm"
        return anode_route

    def canonical_action(self, action: str) -> str:
        """Return the spelling of an action that the simulator offers (for an alias)."""
        return self.action_aliases.get(action, action)


_SHARED_ROUTES: Mapping[Step, str] = {
    Step.ADDRESS: "postal_address_capture",
    Step.PROVIDERS: "provider_select",
    Step.PROVIDER_NAME: "provider_name_capture",
    Step.TARIFFS: "tariff_select",
    Step.STRUCTURE: "tariff_structure_select",
    Step.RATE_FIXED: "rate_fixed_capture",
    Step.RATE_TOD: "rate_tod_capture",
    Step.TARIFF_NAME: "tariff_name_capture",
    Step.CONTRACT: "contract_term_capture",
    Step.REDIRECT: "session_redirect",
}

ZERO = Dialect(
    version="zero",
    api_version="2024-08-24.zero",
    start_routes=("session_restore",),
    validation_status=409,
    address_unknown_code="timezone_not_found",
    universal_actions=(),
    routes={
        **_SHARED_ROUTES,
        Step.SURCHARGE: "market_surcharge_capture",
        Step.SUMMARY: "summary_tou_confirm",
        Step.PENDING: "summary_tariff_inprogress",
        Step.FAILED: "summary_tariff_failed",
        Step.COMPLETE: "session_complete",
    },
    aliases={"summary_fixed_confirm": Step.SUMMARY},
    actions={
        Step.PROVIDERS: ("PROVIDER_MISSING", "ADDRESS_CHANGE"),
        Step.PROVIDER_NAME: ("ADDRESS_CHANGE",),
        Step.TARIFFS: ("TARIFF_MISSING",),
        Step.SUMMARY: ("SAVE", "EDIT", "DISCONNECT"),
        Step.PENDING: ("SAVE", "DISCONNECT", "DISMISS_DIRECT"),
        Step.FAILED: ("RECONNECT", "DISCONNECT"),
    },
    # The zero web client reads redirect_uri, the docs say redirect_url: send both.
    redirect_fields=("redirect_url", "redirect_uri"),
)

ANODE = Dialect(
    version="anode",
    api_version="2025-09-14.anode",
    start_routes=("session_start", "session_restore"),
    validation_status=400,
    address_unknown_code="geo_location_not_found",
    universal_actions=("BACK", "CLOSE"),
    routes={
        **_SHARED_ROUTES,
        Step.SURCHARGE: "surcharge_capture",
        Step.REGION: "region_select",
        Step.SUMMARY: "tariffs_summary",
        Step.PENDING: "tariff_connection_pending",
        Step.FAILED: "tariff_connection_failed",
    },
    aliases={"tariff_summary": Step.SUMMARY},
    actions={
        Step.PROVIDERS: ("ADDRESS_CHANGE", "PROVIDER_MISSING"),
        Step.PROVIDER_NAME: ("ADDRESS_CHANGE",),
        Step.TARIFFS: ("TARIFF_MISSING", "ADDRESS_CHANGE"),
        Step.SUMMARY: ("WRONG_TARIFF_REPORT", "EDIT", "DISCONNECT"),
        Step.PENDING: ("EDIT", "DISCONNECT", "DISMISS_DIRECT"),
        Step.FAILED: ("EDIT", "DISCONNECT"),
    },
    action_aliases={"WRONG_TARIFF": "WRONG_TARIFF_REPORT"},
    region_page=True,
    asks_optional_pages=False,
)

DIALECTS: Mapping[str, Dialect] = {"zero": ZERO, "anode": ANODE}
"""The dialects the simulator speaks, by version name."""
