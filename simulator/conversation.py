"""The Connect endpoint's logic: one request body in, one status and JSON body out.

No I/O happens here; the aiohttp layer (``app.py``) reads the request, asks
:meth:`Conversation.handle` for the reply, applies faults and sends it. The rules follow
``CONNECT.md``; where it is silent the choice is written in ``docs/simulator.md``.

The server owns where a session is: a start call on a live session returns the page the session
is on (after a provider login, the page that login leads to), and a page the customer answered
before may be answered again (FlatPeak's web client re-sends pages from its history).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, Literal

import attrs

from flatpeak_connect.simulator.dialects import ACTION_ONLY, DIALECTS, Dialect, Step
from flatpeak_connect.simulator.pages import ADDRESS_FIELDS, View, iso_z, with_query
from flatpeak_connect.simulator.state import (
    Connection,
    ConnectionStatus,
    Draft,
    Location,
    Login,
    ProviderCard,
    Session,
    World,
    new_id,
)
from flatpeak_connect.simulator.validation import (
    COUNTRY_CODES,
    ContractDate,
    Rejection,
    is_number,
    parse_contract_date,
    parse_time,
    period_coverage_problem,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from flatpeak_connect.simulator.scenario import AddressRule, Market, Provider

__all__ = ["Conversation", "Reply", "error_body"]

_STATUS_OF_OUTCOME: Mapping[str, ConnectionStatus] = {
    "connected": "CONNECTED",
    "pending": "PENDING",
    "failed": "FAILED",
}
_STEP_OF_STATUS: Mapping[str, Step] = {
    "CONNECTED": Step.SUMMARY,
    "PENDING": Step.PENDING,
    "FAILED": Step.FAILED,
}


@attrs.frozen
class Reply:
    """What the Connect endpoint answers.

    Attributes:
        status: the HTTP status.
        body: the JSON body (a page, or an error object).
        version: the session's protocol version, when the token was known.
        route: the route of the page sent (``None`` for an error).
    """

    status: int
    body: dict[str, Any]
    version: str | None = None
    route: str | None = None


def error_body(
    *,
    code: str,
    message: str,
    context: str,
    now: str,
    error_type: str = "invalid_request",
    connect_token: str = "",
    live_mode: bool = False,
) -> dict[str, Any]:
    """Return an error object as FlatPeak sends it (``CONNECT.md`` §1.7), with a ``request_id``."""
    return {
        "object": "error",
        "type": error_type,
        "code": code,
        "message": message,
        "connect_token": connect_token,
        "context": context,
        "time_created": now,
        "live_mode": live_mode,
        "request_id": new_id("req"),
    }


class _Rejected(Exception):
    """Raised by an answer handler to refuse the answer; the session is left as it was."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.rejection = Rejection(code, message)


def _reject(code: str, message: str) -> _Rejected:
    return _Rejected(code, message)


def _not_json(constant: str) -> None:
    # Python's json reads NaN and Infinity; JSON has no such tokens, and a page echoing one
    # back would break every client's JSON parser.
    raise ValueError(f"{constant} is not a JSON value")


def _object(value: Any, what: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise _reject("data_json_invalid", f"{what} must be a JSON object.")
    return value


def _text(container: Mapping[str, Any], name: str, where: str) -> str:
    value = container.get(name)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise _reject("data_json_invalid", f"{where}.{name} must be a string.")
    return value.strip()


def _id(container: Mapping[str, Any], where: str) -> str:
    """The ``id`` member of a chosen item, exactly as sent ("" when absent)."""
    value = container.get("id")
    if value is None:
        return ""
    if not isinstance(value, str):
        raise _reject("data_json_invalid", f"{where}.id must be a string.")
    return value


class Conversation:
    """The Connect endpoint of one simulator: sessions of both versions, over one world.

    Args:
        world: the simulator's state.
        anode_summary_route: how anode's summary route is spelled (``tariffs_summary`` as the
            docs have it, or ``tariff_summary`` as FlatPeak's web client reads it).
        live_mode: the ``live_mode`` of errors sent before a token is known (the simulator's
            credentials are live or test).
    """

    def __init__(
        self,
        world: World,
        *,
        anode_summary_route: str = "tariffs_summary",
        live_mode: bool = False,
    ) -> None:
        self.world = world
        self.anode_summary_route = anode_summary_route
        self.live_mode = live_mode

    def handle(self, raw: bytes, *, base_url: str) -> Reply:
        """Answer one POST to the Connect endpoint.

        The body is read as JSON whatever its content type (FlatPeak's zero web client sends
        ``text/plain``); an undocumented ``"type": "submit"`` member is ignored.

        Args:
            raw: the request body.
            base_url: the simulator's own origin, for the URLs it puts in pages.

        Returns:
            The reply: a page with status 200, or an error object with a 4xx status.
        """
        now = iso_z(self.world.now())
        try:
            body = json.loads(raw or b"null", parse_constant=_not_json)
        except (ValueError, UnicodeDecodeError) as error:
            return Reply(
                400,
                error_body(
                    code="data_json_invalid",
                    message=f"The request body is not JSON ({error}).",
                    context="connect",
                    now=now,
                    live_mode=self.live_mode,
                ),
            )
        if not isinstance(body, dict):
            return Reply(
                400,
                error_body(
                    code="data_json_invalid",
                    message="The request body must be a JSON object.",
                    context="connect",
                    now=now,
                    live_mode=self.live_mode,
                ),
            )
        token = body.get("connect_token")
        if not isinstance(token, str) or not token:
            return Reply(
                400,
                error_body(
                    code="data_json_invalid",
                    message="The request has no connect_token.",
                    context="connect",
                    now=now,
                    live_mode=self.live_mode,
                ),
            )
        session = self.world.sessions.get(token)
        if session is None:
            return Reply(
                404,
                error_body(
                    code="token_not_found",
                    message="This connect token does not exist. Create a new one.",
                    context="connect",
                    now=now,
                    live_mode=self.live_mode,
                    connect_token=token,
                ),
            )
        turn = _Turn(
            View(
                self.world,
                DIALECTS[session.token.version],
                session,
                base_url,
                self.anode_summary_route,
            )
        )
        return turn.take(body)


class _Turn:
    """One request against one session."""

    def __init__(self, view: View) -> None:
        self.view = view
        self.world = view.world
        self.dialect: Dialect = view.dialect
        self.session: Session = view.session

    # -- replies -------------------------------------------------------------------------

    def _page(self, body: dict[str, Any]) -> Reply:
        return Reply(200, body, self.dialect.version, str(body["route"]))

    def error(self, route: str, code: str, message: str) -> Reply:
        """Return a validation error for ``route`` with the version's status."""
        token = self.session.token
        return Reply(
            self.dialect.validation_status,
            error_body(
                code=code,
                message=message,
                context=f"connect.{route}",
                now=iso_z(self.world.now()),
                connect_token=token.id,
                live_mode=token.live_mode,
            ),
            self.dialect.version,
        )

    def show(self, step: Step) -> Reply:
        """Send the page of ``step``, making it the session's current page."""
        session = self.session
        session.step = step
        if step is Step.REDIRECT:
            login = session.login
            provider_id = login.provider_id if login else ""
            url = with_query(
                f"{self.view.base_url}/provider/{provider_id}/login",
                {"fp_cot": session.token.id},
            )
            return self._page(self.view.redirect(url))
        if not session.stack or session.stack[-1] is not step:
            session.stack.append(step)
        session.visited.add(step)
        return self._page(self.view.page(step))

    def end(self, action: str) -> Reply:
        """End the session, sending the customer to the callback URL with ``fp_cot``."""
        session = self.session
        session.complete_action = action
        session.login = None
        url = with_query(session.token.callback_url, {"fp_cot": session.token.id})
        if Step.COMPLETE in self.dialect.routes:
            session.final_page = self.view.complete(url)
            session.step = Step.COMPLETE
        else:
            session.final_page = self.view.redirect(url)
            session.step = Step.REDIRECT
        return self._page(session.final_page)

    # -- the request ---------------------------------------------------------------------

    def take(self, body: dict[str, Any]) -> Reply:
        """Answer one request body for this session."""
        session = self.session
        route = body.get("route")
        if route is None and self.dialect.universal_actions:
            # anode documents BACK without a route: it answers the page the session is on.
            route = (
                self.view.route_of(session.step) if session.step else self.dialect.start_routes[0]
            )
        if not isinstance(route, str) or not route:
            return self.error("session", "data_json_invalid", "The request has no route.")
        if self.world.now() >= session.token.expires_at:
            return self.error(
                route, "token_expired", "This connect token has expired. Create a new one."
            )
        if route in self.dialect.start_routes:
            return self.start()
        if session.final_page is not None:
            # The session is over; whatever is re-sent gets the same last page.
            return self._page(session.final_page)
        return self.take_answer(route, body)

    def take_answer(self, route: str, body: dict[str, Any]) -> Reply:
        """Answer a page of a live session: the page it is on, or one it showed before."""
        session = self.session
        step = self.dialect.step_for(route)
        if step is None or step in (Step.REDIRECT, Step.COMPLETE):  # nothing to answer there
            return self.error(
                route,
                "route_invalid",
                f"{route!r} is not a route a {self.dialect.version} client can answer.",
            )
        if not session.started:
            # A token for an existing location may be answered without a start call (the
            # settings-page guide posts DISCONNECT straight to the summary).
            opened = self.begin()
            if session.final_page is not None:
                return opened
            opened_on = session.step
            if opened_on is not None and opened_on in ACTION_ONLY and step in ACTION_ONLY:
                # The guide's recipe names the summary route whatever state the location's
                # tariff is in: the action goes to the page the location opens on.
                step = opened_on
        if not self.answerable(step):
            current = self.view.route_of(session.step) if session.step else "none"
            return self.error(
                route,
                "route_invalid",
                f"This session is not on {route!r}; the page it is on is {current!r}.",
            )
        saved = (list(session.stack), attrs.evolve(session.draft), session.step)
        self._rewind_to(step)
        try:
            return self.answer(step, route, body)
        except _Rejected as rejected:
            session.stack, session.draft, session.step = saved
            return self.error(route, rejected.rejection.code, rejected.rejection.message)

    def answerable(self, step: Step) -> bool:
        """Whether a posted answer for ``step`` can be taken now."""
        return step is self.session.step or (step in self.session.visited and self.can_show(step))

    def can_show(self, step: Step) -> bool:
        """Whether the session has what the page of ``step`` needs."""
        session = self.session
        draft = session.draft
        has_provider = draft.provider_id is not None or draft.provider_name is not None
        connection = session.connection
        needs: Mapping[Step, Callable[[], bool]] = {
            Step.ADDRESS: lambda: True,
            Step.PROVIDERS: lambda: session.rule_id is not None,
            Step.PROVIDER_NAME: lambda: session.rule_id is not None,
            Step.TARIFFS: lambda: self.offers_library(draft.provider_id),
            Step.SURCHARGE: lambda: has_provider and self.market() is not None,
            Step.REGION: lambda: has_provider and self.market() is not None,
        }
        if step in needs:
            return needs[step]()
        if step in _STEP_OF_STATUS.values():
            return connection is not None and _STEP_OF_STATUS.get(connection.status) is step
        return has_provider and step not in (Step.REDIRECT, Step.COMPLETE)

    def offers_library(self, provider_id: str | None) -> bool:
        """Whether the provider chosen has a tariff library to pick from."""
        provider = self.world.scenario.provider(provider_id or "")
        return provider is not None and "LIBRARY" in provider.connection_types

    def market(self) -> Market | None:
        """Return the market at the session's address, if it has one."""
        rule = self.world.scenario.address(self.session.rule_id or "")
        return rule.market if rule else None

    def _rewind_to(self, step: Step) -> None:
        stack = self.session.stack
        if step in stack:
            last = len(stack) - 1 - stack[::-1].index(step)
            del stack[last + 1 :]
        else:
            stack.append(step)
        self.session.step = step

    # -- starting ------------------------------------------------------------------------

    def start(self) -> Reply:
        """Answer a start or resume call: the page the session is on, or its first page."""
        session = self.session
        if session.final_page is not None:
            return self._page(session.final_page)
        if not session.started:
            return self.begin()
        login = session.login
        if session.step is Step.REDIRECT and login is not None and login.decision is not None:
            session.login = None
            if login.decision == "approved":
                return self.connect_direct(login.provider_id)
            return self.show(Step.PROVIDERS)
        return self.show(session.step or Step.ADDRESS)

    def begin(self) -> Reply:
        """Open a new session: its first page."""
        session = self.session
        token = session.token
        session.started = True
        location = self.world.locations.get(token.location_id or "")
        if location is not None:
            session.location_id = location.id
            session.address = dict(location.postal_address)
            session.rule_id = location.rule_id
            session.connection = location.connection
            if token.disconnect_tariff:
                return self.disconnect()
            connection = location.connection
            if token.edit_tariff or connection is None or connection.status == "DISCONNECTED":
                return self.show(Step.PROVIDERS)
            return self.show(_STEP_OF_STATUS[connection.status])
        prefill = token.postal_address
        if prefill and prefill.get("city") and prefill.get("country_code"):
            try:
                address, rule = self.check_address(prefill)
            except _Rejected:
                return self.show(Step.ADDRESS)
            self.accept_address(address, rule)
            return self.show(Step.PROVIDERS)
        return self.show(Step.ADDRESS)

    # -- answers -------------------------------------------------------------------------

    def answer(self, step: Step, route: str, body: dict[str, Any]) -> Reply:
        """Take an action or data posted for ``step``."""
        action = body.get("action")
        if action is not None:
            offered = self.view.actions(step)
            if not isinstance(action, str) or not action:
                raise _reject("action_invalid", "The action must be the name of an action.")
            canonical = self.dialect.canonical_action(action)
            if canonical not in offered:
                raise _reject(
                    "action_invalid",
                    f"{action} is not an action of {route}. "
                    f"It offers: {', '.join(offered) or 'none'}.",
                )
            return self.act(step, canonical)
        if step in ACTION_ONLY:
            raise _reject(
                "action_missing",
                f"{route} is answered with an action: one of {', '.join(self.view.actions(step))}.",
            )
        if "data" not in body and step is Step.CONTRACT:
            return self.on_contract(None)
        data = _object(body.get("data"), "data")
        handlers: Mapping[Step, Callable[[dict[str, Any]], Reply]] = {
            Step.ADDRESS: self.on_address,
            Step.PROVIDERS: self.on_provider,
            Step.PROVIDER_NAME: self.on_provider_name,
            Step.TARIFFS: self.on_tariff,
            Step.STRUCTURE: self.on_structure,
            Step.RATE_FIXED: self.on_rate_fixed,
            Step.RATE_TOD: self.on_rate_tod,
            Step.SURCHARGE: self.on_surcharge,
            Step.REGION: self.on_region,
            Step.TARIFF_NAME: self.on_tariff_name,
            Step.CONTRACT: self.on_contract,
        }
        return handlers[step](data)

    def check_address(self, posted: Mapping[str, Any]) -> tuple[dict[str, str], AddressRule]:
        """Check a postal address and find the scenario's rule for it."""
        address = {name: _text(posted, name, "postal_address") for name in ADDRESS_FIELDS}
        address["country_code"] = address["country_code"].upper()
        for name, code, what in (
            ("address_line1", "address_line1_missing", "the first line of your address"),
            ("city", "city_missing", "your town or city"),
            ("post_code", "post_code_missing", "your postcode"),
            ("country_code", "country_code_missing", "your country"),
        ):
            if not address[name]:
                raise _reject(code, f"Enter {what}.")
        if address["country_code"] not in COUNTRY_CODES:
            raise _reject(
                "country_code_invalid",
                "Enter the country as a two-letter ISO 3166 code, such as GB.",
            )
        rule = self.world.scenario.match_address(address)
        code = self.dialect.address_unknown_code
        if rule is None:
            raise _reject(
                code,
                "We could not find this address. Check the town and postcode, "
                "or enter a fuller address.",
            )
        if rule.requires_state and not address["state"]:
            raise _reject(code, "We could not place this address. Enter the state as well.")
        return address, rule

    def accept_address(self, address: dict[str, str], rule: AddressRule) -> None:
        """Use a checked address for the rest of the session (and its location)."""
        session = self.session
        session.address = address
        session.rule_id = rule.id
        session.draft = Draft()
        if session.location_id is None:
            session.location_id = session.token.location_id or new_id("loc")
        location = self.world.locations.get(session.location_id)
        if location is None:
            self.world.locations[session.location_id] = Location(
                id=session.location_id,
                customer_id=session.token.customer_id,
                postal_address=dict(address),
                rule_id=rule.id,
            )
        else:
            location.postal_address = dict(address)
            location.rule_id = rule.id

    def on_address(self, data: dict[str, Any]) -> Reply:
        """``postal_address_capture``: check the address and list its providers."""
        address, rule = self.check_address(_object(data.get("postal_address"), "postal_address"))
        self.accept_address(address, rule)
        return self.show(Step.PROVIDERS)

    def _rule(self) -> AddressRule:
        rule = self.world.scenario.address(self.session.rule_id or "")
        if rule is None:  # can_show has made sure the session has an address
            raise LookupError("this session has no address")
        return rule

    def on_provider(self, data: dict[str, Any]) -> Reply:
        """``provider_select``: the chosen provider decides the path (DIRECT first)."""
        provider_id = _id(_object(data.get("provider"), "provider"), "provider")
        if not provider_id:
            raise _reject("provider_id_missing", "Choose your provider.")
        provider = self.world.scenario.provider(provider_id)
        if provider is None:
            raise _reject("provider_not_found", f"There is no provider with the id {provider_id}.")
        if provider.id not in self._rule().providers:
            raise _reject(
                "provider_id_invalid",
                f"{provider.display_name} does not supply this address. Choose another provider.",
            )
        self.session.draft = Draft(provider_id=provider.id)
        self.session.login = None
        return self.route_by_connection(provider)

    def route_by_connection(self, provider: Provider) -> Reply:
        """Go down the provider's best connection path not yet skipped."""
        draft = self.session.draft
        kind = provider.connection_after(draft.skipped)
        draft.connection_type = kind
        if kind == "DIRECT":
            self.session.login = Login(provider.id)
            return self.show(Step.REDIRECT)
        if kind == "LIBRARY":
            return self.show(Step.TARIFFS)
        if kind == "MARKET":
            draft.structure = "MARKET"
            return self.show(self.market_entry())
        return self.show(Step.STRUCTURE)

    def market_entry(self) -> Step:
        """Return the first page of a market tariff: the region choice when one is needed."""
        if self.dialect.region_page and len(self.view.regions()) > 1:
            return Step.REGION
        return Step.SURCHARGE

    def on_provider_name(self, data: dict[str, Any]) -> Reply:
        """``provider_name_capture``: a provider FlatPeak does not list; the tariff is typed in."""
        name = _text(_object(data.get("provider"), "provider"), "name", "provider")
        if not name:
            raise _reject("provider_name_missing", "Enter the name of your provider.")
        self.session.draft = Draft(provider_name=name, connection_type="MANUAL")
        self.world.manual_provider(name)
        return self.show(Step.STRUCTURE)

    def on_tariff(self, data: dict[str, Any]) -> Reply:
        """``tariff_select``: a tariff of the chosen provider from the library."""
        tariff_id = _id(_object(data.get("tariff"), "tariff"), "tariff")
        if not tariff_id:
            raise _reject("tariff_id_missing", "Choose your tariff.")
        tariff = self.world.scenario.tariff(tariff_id)
        if tariff is None:
            raise _reject("tariff_not_found", f"There is no tariff with the id {tariff_id}.")
        provider = self.world.scenario.provider(self.session.draft.provider_id or "")
        if provider is None or tariff.id not in provider.tariffs:
            raise _reject(
                "tariff_id_invalid",
                f"{tariff.name} is not a tariff of this provider. Choose one from the list.",
            )
        self.session.draft.tariff_id = tariff.id
        return self.finish()

    def on_structure(self, data: dict[str, Any]) -> Reply:
        """``tariff_structure_select``: how the tariff is priced."""
        options = data.get("options")
        if options is not None and not isinstance(options, list):
            raise _reject("data_json_invalid", "options must be a list with one option.")
        if not options or len(options) != 1:
            raise _reject("option_invalid", "Choose one tariff structure.")
        option = options[0]
        if not isinstance(option, str):
            raise _reject("data_json_invalid", "options must hold the name of an option.")
        offered = self.view.structure_options()
        if option not in offered:
            raise _reject(
                "option_not_supported",
                f"{option} is not available here. Choose one of {', '.join(offered)}.",
            )
        draft = self.session.draft
        draft.structure = option
        if option == "FIXED":
            return self.show(Step.RATE_FIXED)
        if option == "MARKET":
            return self.show(self.market_entry())
        return self.show(Step.RATE_TOD)  # TIME_OF_DAY, and ADVANCED (no page of its own here)

    @staticmethod
    def _cost(value: Any, where: str) -> float:
        if not is_number(value):
            raise _reject("data_json_invalid", f"{where} must be a number.")
        if value == 0:
            raise _reject("cost_value_zero", "Enter a price above zero.")
        if value < 0:
            raise _reject("cost_value_negative", "A price cannot be negative.")
        return float(value)

    def on_rate_fixed(self, data: dict[str, Any]) -> Reply:
        """``rate_fixed_capture``: one price per kWh."""
        draft = self.session.draft
        draft.cost = self._cost(data.get("cost"), "cost")
        draft.hours = None
        # The page may be a re-sent one (browser history) after another structure was chosen:
        # the answer to it decides.
        draft.structure = "FIXED"
        return self.manual_tail()

    def on_rate_tod(self, data: dict[str, Any]) -> Reply:
        """``rate_tod_capture``: prices per time of day, covering the day once."""
        hours = data.get("hours")
        if not isinstance(hours, list) or not hours:
            raise _reject("data_json_invalid", "hours must be a list of periods.")
        spans: list[tuple[int, int]] = []
        for index, item in enumerate(hours):
            if not isinstance(item, dict):
                raise _reject("data_json_invalid", f"hours[{index}] must be an object.")
            self._cost(item.get("cost"), f"hours[{index}].cost")
            start = parse_time(item.get("valid_from"))
            if start is None:
                raise _reject(
                    "valid_from_invalid",
                    f"Enter the start of period {index + 1} as a time, such as 07:00:00.",
                )
            end = parse_time(item.get("valid_to"))
            if end is None:
                raise _reject(
                    "valid_to_invalid",
                    f"Enter the end of period {index + 1} as a time, such as 23:00:00.",
                )
            spans.append((start, end))
        problem = period_coverage_problem(spans)
        if problem is not None:
            raise _reject(problem.code, problem.message)
        draft = self.session.draft
        draft.hours = [
            {"cost": item["cost"], "valid_from": item["valid_from"], "valid_to": item["valid_to"]}
            for item in hours
        ]
        draft.cost = None
        if draft.structure != "ADVANCED":  # as for the fixed rate: this answer decides
            draft.structure = "TIME_OF_DAY"
        return self.manual_tail()

    def on_surcharge(self, data: dict[str, Any]) -> Reply:
        """The surcharge page: fees on top of the market price (and zero's region choice)."""
        surcharge = data.get("surcharge")
        if not isinstance(surcharge, dict):
            raise _reject(
                "data_json_invalid", "surcharge must be an object with fixed and percentage."
            )
        fixed, percentage = surcharge.get("fixed", 0), surcharge.get("percentage", 0)
        if not is_number(fixed) or not is_number(percentage):
            raise _reject(
                "data_json_invalid", "surcharge.fixed and surcharge.percentage are numbers."
            )
        if percentage < 0:
            raise _reject("surcharge_percentage_invalid", "Enter a percentage of zero or more.")
        draft = self.session.draft
        market = self.market()
        if market is not None and not market.regions:
            raise _reject(
                "geo_location_not_found",
                "We could not find the market region of your address, so a market tariff "
                "cannot be priced there. Go back and choose another tariff structure.",
            )
        if not self.dialect.region_page and len(self.view.regions()) > 1:
            draft.region = self._region(data.get("region"))
        draft.surcharge_fixed = float(fixed)
        draft.surcharge_percentage = float(percentage)
        draft.structure = "MARKET"  # as for the rate pages: this answer decides
        return self.manual_tail() if draft.manual else self.finish()

    def _region(self, region: Any) -> str:
        regions = self.view.regions()
        if region is not None and not isinstance(region, str):
            raise _reject("data_json_invalid", "region must be a string.")
        if region not in regions:
            raise _reject(
                "market_region_invalid", f"Choose your region: one of {', '.join(regions)}."
            )
        return str(region)

    def on_region(self, data: dict[str, Any]) -> Reply:
        """``region_select`` (anode): the market region, when the address lies in several."""
        self.session.draft.region = self._region(data.get("region"))
        return self.show(Step.SURCHARGE)

    def asks(self, step: Step) -> bool:
        """Whether an optional manual page is asked (zero: always; anode: per route_options)."""
        if self.dialect.asks_optional_pages:
            return True
        options = self.session.token.route_options
        if step is Step.TARIFF_NAME:
            return options.tariff_name_capture
        return options.contract_term_capture

    def manual_tail(self) -> Reply:
        """After the rates of a typed-in tariff: its name, its contract, then the summary."""
        if self.asks(Step.TARIFF_NAME):
            return self.show(Step.TARIFF_NAME)
        if self.asks(Step.CONTRACT):
            return self.show(Step.CONTRACT)
        return self.finish()

    def on_tariff_name(self, data: dict[str, Any]) -> Reply:
        """``tariff_name_capture``: what the customer calls the tariff."""
        name = _text(_object(data.get("tariff"), "tariff"), "name", "tariff")
        if not name:
            raise _reject("tariff_name_missing", "Enter the name of your tariff.")
        self.session.draft.tariff_name = name
        return self.show(Step.CONTRACT) if self.asks(Step.CONTRACT) else self.finish()

    def _contract_date(self, data: Mapping[str, Any], name: str) -> ContractDate | None:
        value = data.get(name)
        if value is None:
            return None
        if not isinstance(value, str):
            raise _reject("data_json_invalid", f"{name} must be a date string or null.")
        parsed = parse_contract_date(value, self._rule().zone)
        if parsed is None:
            raise _reject(
                "date_format_invalid",
                f"Enter {name.replace('_', ' ')} as a date, such as 2026-01-31T00:00:00Z.",
            )
        return parsed

    def on_contract(self, data: dict[str, Any] | None) -> Reply:
        """``contract_term_capture``: the contract's dates; no data at all means "skip"."""
        draft = self.session.draft
        if data is None:
            draft.contract_start = draft.contract_end = None
            draft.until_terminated = True
        else:
            start = self._contract_date(data, "contract_start_date")
            end = self._contract_date(data, "contract_end_date")
            term = data.get("contract_term_type")
            if term is not None and term not in ("FIXED", "UNTIL_TERMINATED"):
                raise _reject(
                    "data_json_invalid", "contract_term_type is FIXED or UNTIL_TERMINATED."
                )
            draft.contract_start = start.day if start else None
            draft.until_terminated = term == "UNTIL_TERMINATED" or (
                end is not None and end.until_terminated
            )
            draft.contract_end = None if draft.until_terminated or end is None else end.day
        draft.contract_answered = True
        return self.finish()

    # -- the end of a path ---------------------------------------------------------------

    def _status(self, provider: Provider | None) -> ConnectionStatus:
        return _STATUS_OF_OUTCOME[provider.outcome] if provider else "CONNECTED"

    def finish(self) -> Reply:
        """Turn the answers into a tariff connection and show how it went."""
        draft = self.session.draft
        scenario = self.world.scenario
        rule = self._rule()
        provider = scenario.provider(draft.provider_id or "")
        card = self.view.draft_card()
        status = self._status(provider)
        kind = draft.connection_type or "MANUAL"
        tariff = scenario.tariff(draft.tariff_id or "")
        if kind == "LIBRARY" and provider is not None and tariff is not None:
            connection = Connection.from_tariff(
                provider, tariff, rule, connection_type="LIBRARY", status=status
            )
        elif draft.structure == "MARKET":
            regions = self.view.regions()
            name = draft.tariff_name or (
                provider.market_tariff_name if provider and provider.market_tariff_name else None
            )
            connection = attrs.evolve(
                Connection.from_market(
                    card,
                    rule,
                    name=name or f"{card.display_name} market tariff",
                    connection_type=kind,
                    status=status,
                ),
                region_index=regions.index(draft.region) if draft.region in regions else 0,
                surcharge_fixed=draft.surcharge_fixed,
                surcharge_percentage=draft.surcharge_percentage,
            )
        else:
            connection = self._typed_connection(card, rule, status)
        if draft.contract_answered:
            connection = attrs.evolve(
                connection, contract_start=draft.contract_start, contract_end=draft.contract_end
            )
        return self.present(connection)

    def _typed_connection(
        self, card: ProviderCard, rule: AddressRule, status: ConnectionStatus
    ) -> Connection:
        draft = self.session.draft
        structure: Literal["FIXED", "TIME_OF_DAY"]
        if draft.hours is not None:
            hours = tuple(
                (
                    float(item["cost"]),
                    parse_time(item["valid_from"]) or 0,
                    parse_time(item["valid_to"]) or 0,
                )
                for item in draft.hours
            )
            structure = "TIME_OF_DAY"
        else:
            hours = ((draft.cost or 0.0, 0, 0),)
            structure = "FIXED"
        label = "fixed rate" if structure == "FIXED" else "time-of-day"
        return Connection(
            provider=card,
            connection_type=draft.connection_type or "MANUAL",
            status=status,
            name=draft.tariff_name or f"{card.display_name} {label} tariff",
            structure=structure,
            currency_code=rule.currency_code,
            timezone=rule.timezone,
            hours=hours,
        )

    def present(self, connection: Connection) -> Reply:
        """Show a new connection: anode stores it at once, zero waits for ``SAVE``."""
        self.session.connection = connection
        if self.dialect.version != "zero":
            self.commit(connection)
        return self.show(_STEP_OF_STATUS[connection.status])

    def connect_direct(self, provider_id: str) -> Reply:
        """After an approved provider login: the provider's tariff, as its outcome says."""
        scenario = self.world.scenario
        provider = scenario.provider(provider_id)
        tariff_id = (provider.direct_tariff or provider.tariffs[0]) if provider else ""
        tariff = scenario.tariff(tariff_id)
        if provider is None or tariff is None:  # parse_scenario refuses such providers
            return self.show(Step.PROVIDERS)
        self.session.draft = Draft(provider_id=provider.id, connection_type="DIRECT")
        return self.present(
            Connection.from_tariff(
                provider,
                tariff,
                self._rule(),
                connection_type="DIRECT",
                status=self._status(provider),
            )
        )

    def commit(self, connection: Connection | None) -> None:
        """Store ``connection`` on the session's location."""
        location = self.world.locations.get(self.session.location_id or "")
        if location is not None:
            location.connection = connection

    def disconnect(self) -> Reply:
        """Remove the location's tariff and end the session."""
        connection = self.session.connection
        if connection is not None:
            self.commit(attrs.evolve(connection, status="DISCONNECTED"))
        self.session.connection = None
        return self.end("DISCONNECT")

    # -- actions -------------------------------------------------------------------------

    def act(self, step: Step, action: str) -> Reply:
        """Carry out an action the page offered."""
        handlers: Mapping[str, Callable[[Step], Reply]] = {
            "BACK": lambda _step: self.back(),
            "CLOSE": lambda _step: self.end("CLOSE"),
            "ADDRESS_CHANGE": lambda _step: self.show(Step.ADDRESS),
            "PROVIDER_MISSING": self.on_provider_missing,
            "TARIFF_MISSING": self.on_tariff_missing,
            "SAVE": self.on_save,
            "EDIT": self.on_edit,
            "RECONNECT": self.on_edit,
            "DISCONNECT": lambda _step: self.disconnect(),
            "DISMISS_DIRECT": lambda _step: self.dismiss_direct(),
            "WRONG_TARIFF_REPORT": self.on_wrong_tariff,
        }
        return handlers[action](step)

    def on_provider_missing(self, _step: Step) -> Reply:
        """``PROVIDER_MISSING``: the customer types the provider's name."""
        self.session.draft = Draft()
        return self.show(Step.PROVIDER_NAME)

    def on_tariff_missing(self, _step: Step) -> Reply:
        """``TARIFF_MISSING``: the customer describes the tariff by hand."""
        self.session.draft.connection_type = "MANUAL"
        self.session.draft.tariff_id = None
        return self.show(Step.STRUCTURE)

    def on_save(self, _step: Step) -> Reply:
        """``SAVE`` (zero): store the tariff shown and end the session."""
        self.commit(self.session.connection)
        return self.end("SAVE")

    def on_edit(self, _step: Step) -> Reply:
        """``EDIT`` (and zero ``RECONNECT``): start again at provider selection."""
        self.session.draft = Draft()
        return self.show(Step.PROVIDERS)

    def on_wrong_tariff(self, step: Step) -> Reply:
        """``WRONG_TARIFF_REPORT``: note the report; the summary stays as it is."""
        self.session.wrong_tariff_reported = True
        return self.show(step)

    def back(self) -> Reply:
        """Anode ``BACK``: the page before, or the callback URL when there is none."""
        stack = self.session.stack
        stack.pop()
        while stack and not self.can_show(stack[-1]):
            stack.pop()
        if not stack:
            return self.end("BACK")
        if stack[-1] is Step.TARIFFS:
            # Back from the manual questions (TARIFF_MISSING) to the library: the customer
            # picks from the list again, so the draft is a library tariff once more.
            self.session.draft.connection_type = "LIBRARY"
        return self.show(stack[-1])

    def dismiss_direct(self) -> Reply:
        """Drop a pending DIRECT connection and carry on with the provider's next method."""
        session = self.session
        connection = session.connection
        provider = self.world.scenario.provider(connection.provider.id if connection else "")
        session.connection = None
        self.commit(None)
        if provider is None:
            session.draft = Draft(connection_type="MANUAL")
            return self.show(Step.PROVIDERS)
        session.draft = Draft(provider_id=provider.id, skipped={"DIRECT"})
        return self.route_by_connection(provider)
