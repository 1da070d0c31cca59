"""``flatpeak-connect replay``: show a recorded session again, from its transcript."""

from __future__ import annotations

import argparse
import asyncio
from typing import TYPE_CHECKING, Any

from flatpeak_connect.cli import EXIT_USAGE
from flatpeak_connect.cli._session import RENDERERS, Console, print_outcome, run_session
from flatpeak_connect.engine.errors import ScriptError, UnknownVersion
from flatpeak_connect.engine.flow import Flow
from flatpeak_connect.engine.inputs import ScriptedInput
from flatpeak_connect.engine.models import Outcome, OutcomeStatus
from flatpeak_connect.engine.spec import load_pack
from flatpeak_connect.engine.transport import ReplayTransport
from flatpeak_connect.renderers.text.sanitize import clean

if TYPE_CHECKING:
    from flatpeak_connect.engine.transcript import Exchange

__all__ = ["register", "replay"]

_DESCRIPTION = """\
Replay a transcript recorded with `run --record FILE` (or by a TranscriptRecorder): every page
is shown again, as text or as JSON view models, and every recorded answer is sent again to a
replay of Connect's answers. Nothing goes over the network.
"""

_EPILOG = """\
output and exit status: as for `run` -- the pages, then the outcome as one JSON line; 0 when the
recorded session completed, 1 when it ended otherwise, 2 when the file is not a transcript.
"""


def register(subparsers: Any) -> None:
    """Add the ``replay`` command to the command line.

    Args:
        subparsers: the object ``ArgumentParser.add_subparsers`` returned.
    """
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "replay",
        help="show a recorded session again, from its transcript",
        description=_DESCRIPTION,
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("file", metavar="FILE", help="a transcript (JSON Lines)")
    parser.add_argument(
        "--renderer", choices=RENDERERS, default="text", help="how pages are shown (default: text)"
    )
    parser.set_defaults(handler=replay)


def _answers(exchanges: tuple[Exchange, ...], version: str) -> list[dict[str, Any]]:
    """The recorded answers, as a script: every request that is not a start or a resume."""
    pack = load_pack(version)
    starts = {pack.start_route, *pack.resume_routes}
    steps = []
    for exchange in exchanges:
        request = exchange.request
        route = request.get("route")
        if not isinstance(route, str) or route in starts:
            continue
        steps.append({key: request[key] for key in ("route", "action", "data") if key in request})
    return steps


def _refuse(console: Console, file: str, reason: str) -> int:
    """Print the failed outcome of a file that cannot be replayed; return the usage status."""
    message = f"Cannot replay {file}: {reason}"
    print_outcome(Outcome(OutcomeStatus.FAILED, message=message), out=console.out)
    return EXIT_USAGE


def replay(args: argparse.Namespace) -> int:
    """Run the ``replay`` command.

    Args:
        args: the parsed command line.

    Returns:
        The exit status.
    """
    console = Console(args.renderer)
    try:
        transport = ReplayTransport.from_file(args.file)
        version = transport.version
        if version is None:
            return _refuse(
                console,
                args.file,
                "it is not a transcript (no recorded exchange names its protocol version).",
            )
        flow = Flow(version, transport)
        script = ScriptedInput(_answers(transport.exchanges, version))
    except (OSError, ValueError, UnknownVersion, ScriptError) as exc:
        return _refuse(console, args.file, str(getattr(exc, "strerror", None) or exc))

    async def back_from_login(url: str) -> None:
        console.say(f"(replay) The customer was sent to sign in at {clean(url)}")

    outcome, status = asyncio.run(
        run_session(flow, transport.token, console, script, on_redirect=back_from_login)
    )
    print_outcome(outcome, out=console.out)
    return status
