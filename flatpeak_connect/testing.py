"""Helpers for testing code that uses flatpeak-connect (in the manner of ``structlog.testing``).

- :func:`run_scripted` drives a whole session unattended from a script and returns what
  happened: the outcome, the final state, and every page shown (a :class:`CapturingRenderer`).
- :func:`simulated_connect` starts the reference simulator on a free local port and creates a
  connect token through the back-end API, so a test needs no FlatPeak account and no network.
- :func:`approve_login` is an ``on_redirect`` that answers the simulator's provider login.

A pytest test, end to end::

    from flatpeak_connect.testing import simulated_connect

    async def test_a_library_tariff_connects():
        async with simulated_connect("anode") as connect:
            run = await connect.run({
                "postal_address_capture": {"data": {"postal_address": {...}}},
                "provider_select": {"data": {"provider": {"id": "prv_..."}}},
                "tariff_select": {"data": {"tariff": {"id": "trt_..."}}},
                "tariffs_summary": {"action": "CLOSE"},
            })
        assert run.outcome.status == "complete"
        assert run.routes == ("postal_address_capture", "provider_select", ...)
"""

from __future__ import annotations

import json
import os
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from http import HTTPStatus
from typing import TYPE_CHECKING, Any

import aiohttp
import attrs

from flatpeak_connect.engine.backend import FlatPeakAPI
from flatpeak_connect.engine.errors import ConnectError
from flatpeak_connect.engine.flow import Flow, Redirector, SessionState
from flatpeak_connect.engine.inputs import ScriptedInput
from flatpeak_connect.engine.models import FieldError, Outcome, Page, Rendered
from flatpeak_connect.engine.transport import AiohttpTransport
from flatpeak_connect.simulator import SimulatorServer

if TYPE_CHECKING:
    from flatpeak_connect.engine.events import EventBus
    from flatpeak_connect.engine.typing import RenderContext, Renderer, Transport
    from flatpeak_connect.simulator import Scenario

__all__ = [
    "CapturedPage",
    "CapturingRenderer",
    "ScriptedRun",
    "SimulatedConnect",
    "approve_login",
    "run_scripted",
    "simulated_connect",
]

DEFAULT_CALLBACK_URL = "https://app.example.org/flatpeak/done"
DEFAULT_RETURN_URL = "https://app.example.org/flatpeak/return"

Script = ScriptedInput | Sequence[Mapping[str, Any]] | Mapping[str, Any] | os.PathLike[str]
"""A script: a ScriptedInput, the list or mapping it takes, or a path to a JSON script file."""


@attrs.frozen
class CapturedPage:
    """One page as it was shown: the page, the errors on it and the values kept."""

    page: Page
    errors: tuple[FieldError, ...] = ()
    values: Mapping[str, Any] = attrs.field(factory=dict)


class CapturingRenderer:
    """A renderer that records each page it renders; its output is the page as JSON.

    Attributes:
        pages: every page rendered, in order.
    """

    def __init__(self) -> None:
        self.pages: list[CapturedPage] = []

    def __repr__(self) -> str:
        return f"<CapturingRenderer {len(self.pages)} pages>"

    @property
    def routes(self) -> tuple[str, ...]:
        """The routes of the pages rendered, in order."""
        return tuple(captured.page.route for captured in self.pages)

    def render(self, page: Page, errors: Sequence[FieldError], context: RenderContext) -> Rendered:
        """Record the page and return it as JSON (route, actions, data, errors)."""
        self.pages.append(CapturedPage(page, tuple(errors), dict(context.values)))
        view = {
            "route": page.route,
            "actions": list(page.actions),
            "data": page.data,
            "errors": [attrs.asdict(error) for error in errors],
        }
        return Rendered(json.dumps(view, default=str), "application/json")


@attrs.frozen
class ScriptedRun:
    """What a scripted session did.

    Attributes:
        outcome: how it ended.
        state: the session's state at the end.
        pages: every page shown, with its errors.
    """

    outcome: Outcome
    state: SessionState
    pages: tuple[CapturedPage, ...] = ()

    @property
    def routes(self) -> tuple[str, ...]:
        """The routes of the pages shown, in order."""
        return tuple(captured.page.route for captured in self.pages)


async def run_scripted(
    version: str,
    token: str,
    script: Script,
    *,
    url: str | None = None,
    transport: Transport | None = None,
    callback_url: str | None = None,
    on_redirect: Redirector | None = None,
    renderer: Renderer | None = None,
    events: EventBus | None = None,
) -> ScriptedRun:
    """Run a whole session from a script and return what happened.

    Args:
        version: the protocol version.
        token: the connect token.
        script: the answers (see :class:`~flatpeak_connect.engine.inputs.ScriptedInput`).
        url: the Connect endpoint, for an :class:`AiohttpTransport` made (and closed) here.
        transport: a transport to use instead of ``url``.
        callback_url: the callback URL given at token creation.
        on_redirect: opens a provider login (:func:`approve_login` for the simulator).
        renderer: a renderer to use as well: it renders each page after the capture.
        events: a bus for the flow's events.

    Returns:
        The outcome, the final state and the pages shown.

    Raises:
        ValueError: when neither or both of ``url`` and ``transport`` are given.
        ScriptError: when the script does not fit the session.
    """
    own: AiohttpTransport | None = None
    if url is not None and transport is None:
        own = AiohttpTransport(url)
        chosen: Transport = own
    elif transport is not None and url is None:
        chosen = transport
    else:
        raise ValueError("give run_scripted either url or transport, not both")
    inputs = script if isinstance(script, ScriptedInput) else _script(script)
    capture = CapturingRenderer()
    shown: Renderer = capture if renderer is None else _Both(capture, renderer)
    try:
        flow = Flow(version, chosen, callback_url=callback_url, events=events)
        outcome = await flow.run(token, shown, inputs, on_redirect=on_redirect)
    finally:
        if own is not None:
            await own.close()
    return ScriptedRun(outcome=outcome, state=flow.state, pages=tuple(capture.pages))


def _script(
    script: Sequence[Mapping[str, Any]] | Mapping[str, Any] | os.PathLike[str],
) -> ScriptedInput:
    if isinstance(script, os.PathLike):
        return ScriptedInput.from_file(script)
    return ScriptedInput(script)


class _Both:
    """Renders with the capture, then with the caller's renderer (whose output is kept)."""

    def __init__(self, capture: CapturingRenderer, renderer: Renderer) -> None:
        self.capture = capture
        self.renderer = renderer

    def render(self, page: Page, errors: Sequence[FieldError], context: RenderContext) -> Rendered:
        self.capture.render(page, errors, context)
        return self.renderer.render(page, errors, context)


def approve_login(decision: str = "approve") -> Redirector:
    """Return an ``on_redirect`` that answers the simulator's provider login page.

    It posts ``decision`` (``approve`` or ``deny``) to the login URL as the customer's
    browser would, and returns once the page sends the customer back (a ``303``).

    Args:
        decision: ``approve`` or ``deny``.

    Returns:
        The callable to give as ``on_redirect``.
    """

    async def on_redirect(url: str) -> None:
        async with (
            aiohttp.ClientSession() as http,
            http.post(url, json={"decision": decision}, allow_redirects=False) as answer,
        ):
            if answer.status != HTTPStatus.SEE_OTHER:
                raise ConnectError(
                    f"the provider login answered HTTP {answer.status}, not a redirect back"
                )

    return on_redirect


@attrs.frozen
class SimulatedConnect:
    """A simulator running for a test, with a connect token created on it.

    Attributes:
        simulator: the running simulator (faults, token expiry ...).
        api: the back-end client logged in to it.
        version: the protocol version of the token.
        token: the connect token.
        callback_url: the callback URL the token was created with.
    """

    simulator: SimulatorServer
    api: FlatPeakAPI
    version: str
    token: str = attrs.field(repr=False)
    callback_url: str

    @property
    def connect_url(self) -> str:
        """The Connect endpoint (``POST`` here)."""
        return self.simulator.url + "/"

    async def run(self, script: Script, **options: Any) -> ScriptedRun:
        """Run the token's session from ``script`` (see :func:`run_scripted`).

        Provider logins are approved unless ``on_redirect`` says otherwise.
        """
        options.setdefault("on_redirect", approve_login())
        options.setdefault("callback_url", self.callback_url)
        return await run_scripted(self.version, self.token, script, url=self.connect_url, **options)


@asynccontextmanager
async def simulated_connect(
    version: str = "zero",
    *,
    scenario: Scenario | str | os.PathLike[str] | None = None,
    callback_url: str = DEFAULT_CALLBACK_URL,
    return_url: str = DEFAULT_RETURN_URL,
    **token_options: Any,
) -> AsyncIterator[SimulatedConnect]:
    """Start the simulator, create a connect token on it, and stop it on exit.

    Args:
        version: the protocol version of the session.
        scenario: the simulator's scenario (default: the shipped one).
        callback_url: the token's callback URL.
        return_url: where a provider login returns (``connect_web_uri`` / ``connect_url``).
        **token_options: more arguments for
            :meth:`~flatpeak_connect.engine.backend.FlatPeakAPI.create_token`.

    Yields:
        The running simulator, its back-end client and the token.
    """
    async with (
        SimulatorServer(scenario=scenario) as simulator,
        FlatPeakAPI(simulator.account_id, simulator.api_key, simulator.url) as api,
    ):
        token = await api.create_token(
            version, callback_url=callback_url, return_url=return_url, **token_options
        )
        yield SimulatedConnect(
            simulator=simulator,
            api=api,
            version=version,
            token=token.connect_token,
            callback_url=callback_url,
        )
