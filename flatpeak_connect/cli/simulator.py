"""``flatpeak-connect simulator``: run the reference Connect simulator until interrupted.

It prints the URLs it serves and the credentials ``GET /login`` accepts: the demo ones
(``DEMO_ACCOUNT_ID``, ``DEMO_API_KEY``), or the ones in ``FLATPEAK_SIMULATOR_ACCOUNT_ID`` and
``FLATPEAK_SIMULATOR_API_KEY`` (a key from the environment is never printed). Ctrl-C stops it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import sys
from typing import TYPE_CHECKING, Any

from flatpeak_connect.cli import EXIT_OK, EXIT_USAGE
from flatpeak_connect.simulator import (
    DEMO_ACCOUNT_ID,
    DEMO_API_KEY,
    SimulatorServer,
)

if TYPE_CHECKING:
    import argparse

__all__ = ["register", "run"]

ACCOUNT_ID_VARIABLE = "FLATPEAK_SIMULATOR_ACCOUNT_ID"
API_KEY_VARIABLE = "FLATPEAK_SIMULATOR_API_KEY"


def register(subparsers: Any) -> None:
    """Add the ``simulator`` subcommand to the command line."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "simulator",
        help="run the reference Connect simulator (Connect, back-end API, provider login)",
        description=(
            "Serve a local stand-in for FlatPeak: the Connect endpoint for the zero and anode "
            "versions, the back-end API (log in, create and exchange tokens), a provider login "
            "page and faults on request. Runs until Ctrl-C."
        ),
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8765, help="port (default 8765; 0: any free)")
    parser.add_argument(
        "--scenario", metavar="FILE", help="a scenario file (default: the shipped default.json)"
    )
    parser.add_argument(
        "--expires-in",
        type=int,
        default=86400,
        metavar="SECONDS",
        help="how long a connect token lives (default 86400)",
    )
    parser.set_defaults(handler=run)


def _banner(server: SimulatorServer, *, key_from_env: bool) -> str:
    url = server.url
    scenario = server.simulator.scenario
    key = f"(from {API_KEY_VARIABLE})" if key_from_env else server.api_key
    rows = [
        ("Connect endpoint", f"POST {url}/   (zero and anode: the token decides)"),
        ("Log in", f"GET  {url}/login   (HTTP Basic: account id and API key)"),
        ("Create a token", f"POST {url}/connect/tariff/token   (zero)"),
        ("", f"POST {url}/connect/token   (anode)"),
        ("Exchange a token", f"GET  {url}/connect/tariff/token?connect_token=cot_..."),
        ("Provider login", f"{url}/provider/<provider_id>/login?fp_cot=cot_..."),
        ("Faults (admin)", f"{url}/_admin/faults"),
        ("Account id", server.account_id),
        ("API key", key),
    ]
    lines = [
        (
            f"FlatPeak Connect simulator: scenario {scenario.name!r} "
            f"({len(scenario.addresses)} addresses, {len(scenario.providers)} providers)"
        ),
        *(f"  {label:<17} {value}" for label, value in rows),
        "Press Ctrl-C to stop.",
    ]
    return "\n".join(lines)


async def _serve(server: SimulatorServer, *, key_from_env: bool) -> None:
    await server.start()
    print(_banner(server, key_from_env=key_from_env), flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):  # no signal handlers on Windows
            loop.add_signal_handler(signum, stop.set)
    try:
        await stop.wait()
    finally:
        await server.stop()


def run(args: argparse.Namespace) -> int:
    """Run the simulator until Ctrl-C; return the exit code."""
    key_from_env = bool(os.environ.get(API_KEY_VARIABLE))
    try:
        server = SimulatorServer(
            args.host,
            args.port,
            args.scenario,
            expires_in=args.expires_in,
            account_id=os.environ.get(ACCOUNT_ID_VARIABLE) or DEMO_ACCOUNT_ID,
            api_key=os.environ.get(API_KEY_VARIABLE) or DEMO_API_KEY,
        )
    except ValueError as error:  # a ScenarioError, or a bad --expires-in
        print(f"flatpeak-connect simulator: {error}", file=sys.stderr)
        return EXIT_USAGE
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    try:
        asyncio.run(_serve(server, key_from_env=key_from_env))
    except OSError as error:
        print(
            f"flatpeak-connect simulator: cannot listen on {args.host}:{args.port}: "
            f"{error.strerror or error}. Choose another --host or --port.",
            file=sys.stderr,
        )
        return EXIT_USAGE
    except KeyboardInterrupt:
        pass  # a Ctrl-C that arrived before the signal handler was in place
    print("Simulator stopped.", flush=True)
    return EXIT_OK
