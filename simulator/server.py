"""Running the simulator: on a port of its own, in this event loop or in a thread.

``async with SimulatorServer() as sim:`` starts it on a free port of 127.0.0.1 and stops it on
exit; ``with BackgroundSimulator() as sim:`` does the same from code with no event loop, by
running the server in a thread. Either way ``sim.url`` is the base URL (Connect is
``POST sim.url + "/"``, the back-end API is at the same origin), and ``sim.account_id`` and
``sim.api_key`` are the credentials ``GET /login`` accepts.
"""

from __future__ import annotations

import asyncio
import re
import socket
import threading
from typing import TYPE_CHECKING, Self

from aiohttp import web
from aiohttp.abc import AbstractAccessLogger

from flatpeak_connect.simulator.app import create_app
from flatpeak_connect.simulator.core import DEMO_ACCOUNT_ID, DEMO_API_KEY, SIMULATOR, Simulator
from flatpeak_connect.simulator.faults import FaultBook, parse_fault

if TYPE_CHECKING:
    import os
    from types import TracebackType

    from aiohttp.web_request import BaseRequest

    from flatpeak_connect.simulator.scenario import FaultSpec, Scenario
    from flatpeak_connect.simulator.state import Clock

__all__ = ["BackgroundSimulator", "RedactingAccessLogger", "SimulatorServer"]

_TOKEN_IN_URL = re.compile(r"((?:fp_cot|connect_token)=)[^&\s]+|(/_admin/\w+/)cot_[0-9a-f]+")


def redact_url(path_qs: str) -> str:
    """Return a request path with connect tokens blanked out, for logs."""
    return _TOKEN_IN_URL.sub(
        lambda m: f"{m.group(1)}cot_…" if m.group(1) else f"{m.group(2)}cot_…", path_qs
    )


class RedactingAccessLogger(AbstractAccessLogger):
    """An access log that never writes a connect token (``fp_cot``, ``connect_token``)."""

    def log(self, request: BaseRequest, response: web.StreamResponse, time: float) -> None:
        """Write one line per request: method, path with tokens blanked, status, duration."""
        self.logger.info(
            "%s %s %s %.1f ms",
            request.method,
            redact_url(request.path_qs),
            response.status,
            time * 1000,
        )


class SimulatorServer:
    """The simulator on a real port, as an async context manager.

    Args:
        host: the address to bind (keep it on the loopback: the admin endpoints are open).
        port: the port; 0 picks a free one (read it back from :attr:`url`).
        scenario: a :class:`Scenario`, a scenario file, or ``None`` for the default one.
        expires_in: seconds a connect token lives.
        account_id: the account id ``GET /login`` accepts.
        api_key: the API key ``GET /login`` accepts.
        strict: check every page against the schema packs.
        clock: the time source.

    Example::

        async with SimulatorServer() as sim:
            auth = aiohttp.BasicAuth(sim.account_id, sim.api_key)
            async with aiohttp.ClientSession() as http:
                await http.get(f"{sim.url}/login", auth=auth)
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        scenario: Scenario | str | os.PathLike[str] | None = None,
        *,
        expires_in: int = 86400,
        account_id: str = DEMO_ACCOUNT_ID,
        api_key: str = DEMO_API_KEY,
        strict: bool = True,
        clock: Clock | None = None,
    ) -> None:
        self.host = host
        self.port = port
        self.account_id = account_id
        self.api_key = api_key
        self.app = create_app(
            scenario,
            expires_in=expires_in,
            account_id=account_id,
            api_key=api_key,
            strict=strict,
            clock=clock,
        )
        self._runner: web.AppRunner | None = None

    @property
    def url(self) -> str:
        """The base URL, without a trailing slash (``http://127.0.0.1:54321``)."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def simulator(self) -> Simulator:
        """The simulator's state and behaviour."""
        return self.app[SIMULATOR]

    @property
    def faults(self) -> FaultBook:
        """The armed faults: ``sim.faults.add(FaultSpec("server_error"))``."""
        return self.simulator.faults

    def add_fault(self, kind: str, **options: object) -> str:
        """Arm a fault, as the admin endpoint would; return its id.

        Args:
            kind: ``server_error``, ``rate_limit``, ``slow``, ``drop``, ``malformed_json``,
                ``schema_violation`` or ``unknown_route``.
            **options: ``times``, ``route``, ``token``, ``path``, ``delay``, ``retry_after``,
                ``status``, ``when`` (see ``docs/simulator.md``).

        Raises:
            FaultError: the description is not a fault.
        """
        spec: FaultSpec = parse_fault({"kind": kind, **options})
        return self.faults.add(spec)

    def expire_token(self, token: str) -> bool:
        """Make a connect token expire now; return whether it exists."""
        return self.simulator.expire_token(token)

    async def start(self) -> None:
        """Bind the port and start serving.

        Raises:
            OSError: the address cannot be bound (in use, or not an address of this host).
        """
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((self.host, self.port))
        except OSError:
            sock.close()
            raise
        self.port = sock.getsockname()[1]
        runner = web.AppRunner(
            self.app, access_log_class=RedactingAccessLogger, handle_signals=False
        )
        await runner.setup()
        await web.SockSite(runner, sock).start()
        self._runner = runner

    async def stop(self) -> None:
        """Stop serving (slow answers in flight are cut short)."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.stop()


class BackgroundSimulator:
    """The simulator in a thread of its own, for synchronous code.

    Takes the same arguments as :class:`SimulatorServer`; entering the context starts the
    server and returns it (``sim.url``, ``sim.account_id``, ``sim.api_key``, ``sim.faults``).

    Example::

        with BackgroundSimulator() as sim:
            urllib.request.urlopen(f"{sim.url}/")
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        scenario: Scenario | str | os.PathLike[str] | None = None,
        *,
        expires_in: int = 86400,
        account_id: str = DEMO_ACCOUNT_ID,
        api_key: str = DEMO_API_KEY,
        strict: bool = True,
        clock: Clock | None = None,
    ) -> None:
        self.server = SimulatorServer(
            host,
            port,
            scenario,
            expires_in=expires_in,
            account_id=account_id,
            api_key=api_key,
            strict=strict,
            clock=clock,
        )
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Future[None] | None = None
        self._failure: BaseException | None = None

    def _run(self, ready: threading.Event) -> None:
        loop = asyncio.new_event_loop()
        try:
            loop.run_until_complete(self.server.start())
        except BaseException as error:  # noqa: BLE001 - re-raised in the caller's thread
            self._failure = error
            loop.close()
            ready.set()
            return
        self._loop = loop
        self._stop = loop.create_future()
        ready.set()
        try:
            loop.run_until_complete(self._stop)
            loop.run_until_complete(self.server.stop())
        finally:
            loop.close()

    def __enter__(self) -> SimulatorServer:
        ready = threading.Event()
        self._thread = threading.Thread(
            target=self._run, args=(ready,), name="flatpeak-connect-simulator", daemon=True
        )
        self._thread.start()
        ready.wait()
        if self._failure is not None:
            raise self._failure
        return self.server

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        loop, stop = self._loop, self._stop
        if loop is not None and stop is not None:
            loop.call_soon_threadsafe(stop.set_result, None)
        if self._thread is not None:
            self._thread.join()
