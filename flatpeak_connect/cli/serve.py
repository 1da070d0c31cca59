"""``flatpeak-connect serve``: the hosted HTML flow on a local port, until Ctrl-C.

With no FlatPeak credentials in the environment (``FLATPEAK_ACCOUNT_ID``, ``FLATPEAK_API_KEY``)
and no ``--connect-url``/``--api-url``, it starts the embedded simulator and serves the demo:
open the printed URL, press "Start now", and connect a tariff with made-up data. With
credentials it talks to FlatPeak (or to ``--connect-url``/``--api-url``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import signal
import socket
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from aiohttp import web

from flatpeak_connect.cli import EXIT_OK, EXIT_USAGE
from flatpeak_connect.engine.backend import (
    DEFAULT_BASE_URL,
    ENV_ACCOUNT_ID,
    ENV_API_KEY,
    FlatPeakAPI,
)
from flatpeak_connect.engine.errors import BackendError
from flatpeak_connect.engine.spec import available_versions
from flatpeak_connect.engine.store import MemoryStore, RedisStore, SessionStore, SQLiteStore
from flatpeak_connect.simulator import DEMO_ACCOUNT_ID, DEMO_API_KEY, SimulatorServer
from flatpeak_connect.web import RedactingAccessLogger, WebConfig, create_app

if TYPE_CHECKING:
    import argparse

__all__ = ["ENV_SECRET", "register", "run"]

ENV_SECRET = "FLATPEAK_CONNECT_SECRET"  # noqa: S105 - the name of a variable, not a secret
"""The environment variable holding the key that signs CSRF tokens and form ids."""

DEFAULT_CONNECT_URL = "https://connect.flatpeak.com"
PREFIX = "/connect/"
STORE_FORMS = "memory, sqlite:PATH or redis://HOST[:PORT][/DB]"


def register(subparsers: Any) -> None:
    """Add the ``serve`` subcommand to the command line."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "serve",
        help="serve the hosted HTML flow (the demo, against the embedded simulator)",
        description=(
            "Serve the Connect flow as web pages. Without FlatPeak credentials in the "
            f"environment ({ENV_ACCOUNT_ID}, {ENV_API_KEY}) it starts the embedded simulator "
            "and serves the demo. Runs until Ctrl-C."
        ),
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8080, help="port (default 8080; 0: any free)")
    parser.add_argument(
        "--version",
        dest="protocol",
        choices=available_versions(),
        default="anode",
        help="protocol version of the sessions (default anode)",
    )
    parser.add_argument("--connect-url", metavar="URL", help="the Connect endpoint to use")
    parser.add_argument("--api-url", metavar="URL", help="the FlatPeak back-end API to use")
    parser.add_argument(
        "--callback-url",
        metavar="URL",
        help="where the customer goes at the end (default: a completion page, the demo)",
    )
    parser.add_argument(
        "--store",
        metavar="STORE",
        help=(
            "where sessions are kept: sqlite:PATH (a file, so a restart resumes them) or "
            "redis://HOST:PORT/DB (shared by several workers; needs flatpeak-connect[redis]); "
            "default: in memory"
        ),
    )
    parser.set_defaults(handler=run)


def _store(spec: str | None) -> SessionStore:
    if spec is None or spec == "memory":
        return MemoryStore()
    kind, _, path = spec.partition(":")
    if kind in ("redis", "rediss"):
        return RedisStore.from_url(_redis_url(spec))
    if kind != "sqlite" or not path:
        raise ValueError(f"--store takes {STORE_FORMS}, not {spec!r}")
    return SQLiteStore(path)


def _redis_url(spec: str) -> str:
    """Check a ``--store redis://`` URL, so a typo is a usage error rather than a failing page."""
    parts = urlsplit(spec)
    # The URL may carry a password: say what is wrong without repeating it.
    shown = f"{parts.scheme}://{parts.hostname or ''}..."
    try:
        port = parts.port
    except ValueError:  # not a number, or out of range
        port = 0
    database = parts.path.removeprefix("/")
    if not spec.startswith(f"{parts.scheme}://") or not parts.hostname:
        problem = "it names no host"
    elif port == 0:
        problem = "its port is not a number from 1 to 65535"
    elif database and not database.isdigit():
        problem = "its database is not a number"
    else:
        return spec
    raise ValueError(f"--store {shown} is not a Redis URL: {problem} (use redis://HOST:PORT/DB)")


def _secret(store_spec: str | None) -> bytes:
    """The signing key: from the environment, kept beside an SQLite store, or random."""
    value = os.environ.get(ENV_SECRET)
    if value:
        return value.encode()
    if store_spec and store_spec.startswith("sqlite:"):
        # Forms shown before a restart must still be accepted after it: keep the key with the
        # sessions, readable by this user only.
        path = Path(store_spec.removeprefix("sqlite:") + ".secret")
        if not path.exists():
            path.touch(mode=0o600)
            path.write_text(secrets.token_hex(32), encoding="ascii")
        return path.read_text(encoding="ascii").strip().encode()
    return secrets.token_bytes(32)


async def _serve(args: argparse.Namespace, store: SessionStore, secret: bytes) -> None:
    account = os.environ.get(ENV_ACCOUNT_ID)
    key = os.environ.get(ENV_API_KEY)
    embedded = not (account and key) and args.connect_url is None and args.api_url is None
    async with contextlib.AsyncExitStack() as stack:
        connect_url, api_url = args.connect_url, args.api_url
        if embedded:
            sim = await stack.enter_async_context(SimulatorServer())
            connect_url, api_url = sim.url + "/", sim.url
            account, key = sim.account_id, sim.api_key
        elif not (account and key) and api_url is not None:
            account, key = DEMO_ACCOUNT_ID, DEMO_API_KEY  # a simulator's API, by default
        api = None
        if account and key:
            api = FlatPeakAPI(account, key, api_url or DEFAULT_BASE_URL)
            stack.push_async_callback(api.close)
        if isinstance(store, RedisStore):
            stack.push_async_callback(store.close)
        config = WebConfig(
            connect_url=connect_url or DEFAULT_CONNECT_URL,
            version=args.protocol,
            store=store,
            secret=secret,
            api=api,
            callback_url=args.callback_url,
        )
        root = web.Application()
        root.add_subapp(PREFIX, create_app(config))
        root.router.add_get("/", _to_prefix)
        runner = web.AppRunner(root, access_log_class=RedactingAccessLogger, handle_signals=False)
        await runner.setup()
        stack.push_async_callback(runner.cleanup)
        sock = _bind(args.host, args.port)
        await web.SockSite(runner, sock).start()
        port = sock.getsockname()[1]
        host = f"[{args.host}]" if ":" in args.host else args.host
        where = f"the embedded simulator at {connect_url}" if embedded else connect_url
        print(f"Serving the Connect flow ({args.protocol}) against {where}", flush=True)
        print(
            f"Open http://{host}:{port}{PREFIX} in your browser. Press Ctrl-C to stop.", flush=True
        )
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError):  # no signal handlers on Windows
                loop.add_signal_handler(signum, stop.set)
        await stop.wait()


def _bind(host: str, port: int) -> socket.socket:
    """Bind the port first, so that port 0 (any free port) can be printed."""
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    return sock


async def _to_prefix(_request: web.Request) -> web.Response:
    return web.Response(status=303, headers={"Location": PREFIX})


def run(args: argparse.Namespace) -> int:
    """Serve the flow until Ctrl-C; return the exit code."""
    try:
        store = _store(args.store)
        secret = _secret(args.store)
    except (ValueError, OSError, ImportError) as error:
        print(f"flatpeak-connect serve: {error}", file=sys.stderr)
        return EXIT_USAGE
    if isinstance(store, RedisStore) and not os.environ.get(ENV_SECRET):
        print(
            f"flatpeak-connect serve: {ENV_SECRET} is not set: forms are signed with a key of this "
            "process only, so another worker (or a restart) refuses them. Set it on every worker.",
            file=sys.stderr,
        )
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    try:
        asyncio.run(_serve(args, store, secret))
    except OSError as error:
        print(
            f"flatpeak-connect serve: cannot listen on {args.host}:{args.port}: "
            f"{error.strerror or error}. Choose another --host or --port.",
            file=sys.stderr,
        )
        return EXIT_USAGE
    except BackendError as error:
        print(f"flatpeak-connect serve: {error}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        pass  # a Ctrl-C that arrived before the signal handler was in place
    print("Stopped.", flush=True)
    return EXIT_OK
