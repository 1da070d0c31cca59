"""``flatpeak-connect run``: a Connect session against any endpoint, in the terminal or scripted."""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from flatpeak_connect.cli import EXIT_USAGE
from flatpeak_connect.cli._session import (
    RENDERERS,
    Console,
    login_waiter,
    print_outcome,
    run_session,
)
from flatpeak_connect.engine.errors import ConnectError, ScriptError, UnknownVersion
from flatpeak_connect.engine.flow import Flow
from flatpeak_connect.engine.inputs import ScriptedInput
from flatpeak_connect.engine.models import Outcome, OutcomeStatus
from flatpeak_connect.engine.spec import available_versions
from flatpeak_connect.engine.transcript import TranscriptRecorder
from flatpeak_connect.engine.transport import AiohttpTransport

if TYPE_CHECKING:
    from flatpeak_connect.engine.typing import InputSource

__all__ = ["DEFAULT_CONNECT_URL", "register", "run"]

DEFAULT_CONNECT_URL = "https://connect.flatpeak.com"
"""FlatPeak's Connect endpoint."""

_DESCRIPTION = """\
Run a Connect session with a connect token, against FlatPeak's Connect or any other endpoint
(a simulator: --connect-url http://127.0.0.1:8765/). Pages are shown as text and answered at
the prompt, or with --renderer json printed as one JSON view model a line and answered with
one JSON answer a line on standard input (docs/json.md). With --script the answers come from a
file and the session runs unattended.
"""

_EPILOG = """\
output:
  the pages, then the outcome as one JSON object on the last line:
    {"status": "complete|closed|expired|failed", "route": ..., "callback_url": ...,
     "action": ..., "message": ...}
  when the session does not complete, also a message on standard error.

exit status:
  0  the session completed
  1  it ended otherwise (closed, expired, failed)
  2  usage or input errors: bad arguments, an unreadable script, a script that does not fit
     the session's pages

script format (ScriptedInput, docs/engine.md): a JSON list of steps
  [{"route": "postal_address_capture", "data": {"postal_address": {...}}},
   {"route": "provider_select", "action": "PROVIDER_MISSING"}, ...]
or an object of route: answer.
"""


def register(subparsers: Any) -> None:
    """Add the ``run`` command to the command line.

    Args:
        subparsers: the object ``ArgumentParser.add_subparsers`` returned.
    """
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "run",
        help="run a Connect session with a connect token",
        description=_DESCRIPTION,
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--token", required=True, help="the connect token (cot_...)")
    parser.add_argument(
        "--connect-url",
        default=DEFAULT_CONNECT_URL,
        metavar="URL",
        help=f"the Connect endpoint (default: {DEFAULT_CONNECT_URL})",
    )
    parser.add_argument(
        "--version",
        dest="protocol",
        default="anode",
        metavar="VERSION",
        help=f"the protocol version the token was created for: {', '.join(available_versions())} "
        "(default: anode)",
    )
    parser.add_argument(
        "--renderer", choices=RENDERERS, default="text", help="how pages are shown (default: text)"
    )
    parser.add_argument("--script", metavar="FILE", help="answer the pages from a script file")
    parser.add_argument(
        "--record", metavar="FILE", help="write a transcript (JSON Lines, tokens redacted)"
    )
    parser.add_argument(
        "--callback-url",
        metavar="URL",
        help="the callback URL the token was created with (anode: a redirect there ends the "
        "session)",
    )
    parser.set_defaults(handler=run)


def _usage_error(message: str) -> int:
    print_outcome(Outcome(OutcomeStatus.FAILED, message=message))
    return EXIT_USAGE


def run(args: argparse.Namespace) -> int:
    """Run the ``run`` command.

    Args:
        args: the parsed command line.

    Returns:
        The exit status.
    """
    if args.protocol not in available_versions():
        known = ", ".join(available_versions())
        return _usage_error(f"Unknown protocol version {args.protocol!r} (known: {known}).")
    connect_url = urlsplit(args.connect_url)
    if connect_url.scheme not in {"http", "https"} or not connect_url.netloc:
        return _usage_error(
            f"--connect-url must be an http or https URL, such as http://127.0.0.1:8765/ "
            f"(not {args.connect_url!r})."
        )
    script: ScriptedInput | None = None
    if args.script:
        try:
            script = ScriptedInput.from_file(args.script)
        except ScriptError as exc:
            return _usage_error(str(exc))
    try:
        recorder = TranscriptRecorder(args.record) if args.record else None
    except OSError as exc:
        return _usage_error(f"Cannot write the transcript {args.record}: {exc.strerror or exc}.")
    console = Console(args.renderer)
    try:
        outcome, status = asyncio.run(_session(args, console, script, recorder))
    except KeyboardInterrupt:
        outcome = Outcome(OutcomeStatus.CLOSED, message="The session was interrupted (Ctrl-C).")
        status = 1
    finally:
        if recorder is not None:
            recorder.close()
    print_outcome(outcome, out=console.out, err=sys.stderr)
    return status


async def _session(
    args: argparse.Namespace,
    console: Console,
    script: ScriptedInput | None,
    recorder: TranscriptRecorder | None,
) -> tuple[Outcome, int]:
    async with AiohttpTransport(args.connect_url) as transport:
        try:
            flow = Flow(args.protocol, transport, callback_url=args.callback_url)
        except UnknownVersion as exc:  # pragma: no cover - checked before the loop starts
            return Outcome(OutcomeStatus.FAILED, message=str(exc)), EXIT_USAGE
        if recorder is not None:
            recorder.attach(flow.events)
        source: InputSource = script if script is not None else console.input_source()
        on_redirect = _cannot_sign_in if script is not None else login_waiter(console, flow)
        return await run_session(flow, args.token, console, source, on_redirect=on_redirect)


async def _cannot_sign_in(url: str) -> None:
    """End a scripted run at a provider sign-in, saying how a person would go on.

    Raises:
        ConnectError: always; the run ends as ``failed`` with this message.
    """
    message = (
        f"A scripted session cannot sign in to a supplier: open {url} in a browser, "
        "or run without --script to sign in at the prompt."
    )
    raise ConnectError(message)
