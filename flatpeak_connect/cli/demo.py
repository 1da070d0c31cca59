"""``flatpeak-connect demo``: connect a tariff in the terminal, against the embedded simulator.

Everything a real integration does, on one machine and with no FlatPeak account: the simulator
starts on a free port of 127.0.0.1; the back-end client logs in with the simulator's demo
credentials and creates a connect token; the session runs at the prompt (a DIRECT supplier's
sign-in page is offered as a URL and can be approved or denied from the terminal); at the end
the token is exchanged for the ``customer_id`` and ``location_id`` an app would store.
"""

from __future__ import annotations

import asyncio
from html.parser import HTMLParser
from http import HTTPStatus
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin, urlsplit

import aiohttp

from flatpeak_connect.cli import EXIT_FAILED
from flatpeak_connect.cli._session import Console, run_session
from flatpeak_connect.engine.backend import FlatPeakAPI
from flatpeak_connect.engine.errors import BackendError
from flatpeak_connect.engine.flow import Flow
from flatpeak_connect.engine.models import Outcome, OutcomeStatus
from flatpeak_connect.engine.spec import available_versions
from flatpeak_connect.engine.transport import AiohttpTransport
from flatpeak_connect.renderers.text.sanitize import clean
from flatpeak_connect.simulator import SimulatorServer

if TYPE_CHECKING:
    import argparse

    from flatpeak_connect.engine.flow import Redirector

__all__ = ["register", "run_demo"]

_DESCRIPTION = """\
Connect a tariff in your terminal, against the simulator built into flatpeak-connect: no
FlatPeak account and no network needed. Answer each question at the prompt; type the name of
an action (back, close, ...) at any prompt to take it; Ctrl-D or Ctrl-C leaves.
"""

_CALLBACK_PATH = "/demo/done"
_RETURN_PATH = "/demo/return"
_APPROVE = frozenset({"a", "approve", "y", "yes"})
_DENY = frozenset({"d", "deny", "n", "no"})


def register(subparsers: Any) -> None:
    """Add the ``demo`` command to the command line.

    Args:
        subparsers: the object ``ArgumentParser.add_subparsers`` returned.
    """
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "demo",
        help="connect a tariff in the terminal, against the embedded simulator",
        description=_DESCRIPTION,
    )
    parser.add_argument(
        "--version",
        dest="protocol",
        choices=available_versions(),
        default="anode",
        help="the protocol version to speak (default: anode)",
    )
    parser.set_defaults(handler=run_demo)


def run_demo(args: argparse.Namespace) -> int:
    """Run the ``demo`` command.

    Args:
        args: the parsed command line.

    Returns:
        0 when the tariff was connected, 1 otherwise.
    """
    console = Console("text")
    try:
        return asyncio.run(_demo(args.protocol, console))
    except KeyboardInterrupt:
        console.say()
        console.say("The demo was interrupted (Ctrl-C).")
        return EXIT_FAILED


async def _demo(version: str, console: Console) -> int:
    style = console.style
    async with SimulatorServer() as sim:
        base = sim.url.rstrip("/")
        console.say(style.bold(f"FlatPeak Connect demo ({version})"))
        console.say(f"A simulated Connect is running at {base}/ with its demo account.")
        console.say("Type an action's name (back, close ...) at any prompt; Ctrl-D leaves.")
        async with (
            FlatPeakAPI(sim.account_id, sim.api_key, base) as api,
            aiohttp.ClientSession() as browser,
        ):
            callback = base + _CALLBACK_PATH
            try:
                token = (
                    await api.create_token(
                        version, callback_url=callback, return_url=base + _RETURN_PATH
                    )
                ).connect_token
            except BackendError as exc:
                console.say(f"Could not create a connect token: {exc}")
                return EXIT_FAILED
            transport = AiohttpTransport(base + "/", session=browser)
            flow = Flow(version, transport, callback_url=callback)
            login = _sign_in_at_the_terminal(console, browser, base)
            outcome, status = await run_session(
                flow, token, console, console.input_source(), on_redirect=login
            )
            console.say()
            _report(console, outcome)
            if outcome.status is not OutcomeStatus.COMPLETE:
                return status
            try:
                result = await api.exchange(token, version=version)
            except BackendError as exc:
                console.say(f"Could not exchange the connect token: {exc}")
                return EXIT_FAILED
        console.say("The app exchanges the token and stores these ids:")
        console.say(f"  customer_id: {clean(result.customer_id) or '(none)'}")
        console.say(f"  location_id: {clean(result.location_id) or '(none)'}")
        return status


def _report(console: Console, outcome: Outcome) -> None:
    style = console.style
    if outcome.status is OutcomeStatus.COMPLETE:
        action = f" ({clean(outcome.action)})" if outcome.action else ""
        console.say(style.success(style.bold(f"Session complete{action}.")))
        if outcome.callback_url:
            console.say(f"The customer goes back to the app at {clean(outcome.callback_url)}")
        return
    message = clean(outcome.message) or "The session ended."
    console.say(style.error(f"Session {outcome.status.value}: {message}"))


class _FormFinder(HTMLParser):
    """Finds the first form of a page: its action and the values of its submit buttons."""

    def __init__(self) -> None:
        super().__init__()
        self.action: str | None = None
        self.buttons: dict[str, str] = {}
        self._in_form = False
        self._done = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        named = {key: value or "" for key, value in attrs}
        if tag == "form" and not self._done:
            self.action = named.get("action", "")
            self._in_form = True
        elif tag == "button" and self._in_form and named.get("value"):
            self.buttons[named["value"]] = named.get("name", "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "form" and self._in_form:
            self._in_form = False
            self._done = True


def _sign_in_at_the_terminal(
    console: Console, browser: aiohttp.ClientSession, base: str
) -> Redirector:
    """Return an ``on_redirect`` that lets the person approve or deny a provider login.

    The URL is shown so it can be opened in a browser; answering ``approve`` or ``deny`` at the
    prompt does what the browser would: it loads the sign-in page, submits its form with that
    decision, and checks that the page sends the customer back to the app with ``fp_cot``.
    """
    origin = urlsplit(base)

    async def sign_in(url: str) -> None:
        style = console.style
        console.say()
        console.say(style.bold("Your supplier asks you to sign in and share your tariff."))
        console.say("Open this page in a browser:")
        console.say("  " + clean(url))
        target = urlsplit(url)
        if (target.scheme, target.netloc) != (origin.scheme, origin.netloc):
            await console.ask("Press Enter when you have signed in and come back: ")
            return
        console.say("...or answer for the customer here.")
        while True:
            answer = (await console.ask("Approve or deny? [approve/deny]: ")).lower()
            if answer in _APPROVE | _DENY:
                break
            console.say(style.error("! Type approve or deny."))
        decision = "approve" if answer in _APPROVE else "deny"
        back = await _submit_login(browser, url, decision)
        verdict = "approved" if decision == "approve" else "denied"
        console.say(f"You {verdict} the sign-in; the supplier sent you back to {clean(back)}")

    return sign_in


async def _submit_login(browser: aiohttp.ClientSession, url: str, decision: str) -> str:
    """Load the sign-in page, post its form with ``decision``, and return where it sends us.

    Raises:
        BackendError: when the page cannot be reached, or is not what a sign-in page gives a
            browser.
    """
    try:
        async with browser.get(url) as response:
            page = await response.text()
            status = response.status
        if status != HTTPStatus.OK:
            raise BackendError(f"the sign-in page answered {status}", url=url)
        finder = _FormFinder()
        finder.feed(page)
        if finder.action is None or decision not in finder.buttons:
            raise BackendError("the sign-in page has no form to approve or deny", url=url)
        action = urljoin(url, finder.action)
        form = {finder.buttons[decision] or "decision": decision}
        async with browser.post(action, data=form, allow_redirects=False) as response:
            status, location = response.status, response.headers.get("Location", "")
    except aiohttp.ClientError as exc:
        raise BackendError(f"cannot reach the sign-in page: {exc}", url=url) from exc
    redirected = HTTPStatus.MULTIPLE_CHOICES <= status < HTTPStatus.BAD_REQUEST
    if not redirected or "fp_cot=" not in location:
        raise BackendError(f"the sign-in page answered {status} without sending us back", url=url)
    return location
