"""One simulator: its world, its Connect conversation, its faults and its self-check.

:class:`Simulator` is what the aiohttp application holds (``app[SIMULATOR]``); the request
handlers in ``app.py``, ``backend.py`` and ``provider_login.py`` all work on it.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import hmac
import json
import secrets
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from aiohttp import web

from flatpeak_connect.simulator.conversation import Conversation
from flatpeak_connect.simulator.faults import FaultBook
from flatpeak_connect.simulator.selfcheck import SelfCheck
from flatpeak_connect.simulator.state import Bearer, Clock, World

if TYPE_CHECKING:
    from flatpeak_connect.simulator.scenario import Scenario

__all__ = ["BEARER_LIFETIME", "DEMO_ACCOUNT_ID", "DEMO_API_KEY", "SIMULATOR", "Simulator"]

DEMO_ACCOUNT_ID = "acc_5e1f0a9b8c7d6e5f4a3b2c1d"
"""The simulator's demo account id (HTTP Basic user name of ``GET /login``)."""

DEMO_API_KEY = "sk_test_9f3b2a71c4d85e60f1a2b3c4d5e6f708"
"""The simulator's demo API key: a test key, so every session is ``live_mode: false``."""

BEARER_LIFETIME = 3600
"""Seconds a bearer token from ``GET /login`` stays valid, as FlatPeak's example has it."""


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


class Simulator:
    """A simulator's state and behaviour, without HTTP.

    Args:
        scenario: the world to simulate.
        expires_in: seconds a connect token lives.
        account_id: the account id ``GET /login`` accepts.
        api_key: the API key ``GET /login`` accepts (``sk_live_…`` makes sessions live).
        strict: check every body the Connect endpoint sends against the schema packs.
        clock: the time source (tokens and bearers expire by it).
    """

    def __init__(
        self,
        scenario: Scenario,
        *,
        expires_in: int,
        account_id: str,
        api_key: str,
        strict: bool,
        clock: Clock,
    ) -> None:
        self.scenario = scenario
        self.world = World(scenario, clock, expires_in)
        self.live_mode = api_key.startswith("sk_live_")
        self.conversation = Conversation(
            self.world,
            anode_summary_route=scenario.options.anode_summary_route,
            live_mode=self.live_mode,
        )
        self.faults = FaultBook(scenario.faults)
        self.selfcheck = SelfCheck() if strict else None
        self.account_id = account_id
        self.api_key = api_key
        self._secret = secrets.token_bytes(32)
        self._stopping: asyncio.Event | None = None

    @property
    def strict(self) -> bool:
        """Whether outgoing pages are checked against the schema packs."""
        return self.selfcheck is not None

    def issue_bearer(self) -> Bearer:
        """Issue a bearer token: an HS256 JWT signed with a secret of this simulator."""
        now = self.world.now()
        expires_at = now + timedelta(seconds=BEARER_LIFETIME)
        header = _b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
        claims = {
            "sub": self.account_id,
            "iat": int(now.timestamp()),
            "exp": int(expires_at.timestamp()),
            "jti": secrets.token_hex(8),
            "live_mode": self.live_mode,
        }
        payload = _b64(json.dumps(claims).encode())
        signature = hmac.new(self._secret, f"{header}.{payload}".encode(), hashlib.sha256)
        token = f"{header}.{payload}.{_b64(signature.digest())}"
        bearer = Bearer(token, expires_at, self.live_mode)
        self.world.bearers[token] = bearer
        return bearer

    def bearer(self, token: str) -> Bearer | None:
        """Return the bearer issued under ``token`` if it is still valid."""
        bearer = self.world.bearers.get(token)
        if bearer is None or self.world.now() >= bearer.expires_at:
            return None
        return bearer

    def expire_token(self, token: str) -> bool:
        """Make a connect token expire now; return whether it exists."""
        session = self.world.sessions.get(token)
        if session is None:
            return False
        session.token.expires_at = self.world.now()
        return True

    def describe_session(self, token: str) -> dict[str, Any] | None:
        """Return where a session stands, as JSON (for the admin endpoint and for tests)."""
        session = self.world.sessions.get(token)
        if session is None:
            return None
        return {
            "connect_token": token,
            "version": session.token.version,
            "started": session.started,
            "step": session.step.value if session.step else None,
            "stack": [step.value for step in session.stack],
            "ended": session.ended,
            "complete_action": session.complete_action,
            "location_id": session.location_id,
            "provider_login": (
                {"provider_id": session.login.provider_id, "decision": session.login.decision}
                if session.login
                else None
            ),
            "wrong_tariff_reported": session.wrong_tariff_reported,
            "expires_at": session.token.expires_at.isoformat(),
        }

    async def on_startup(self, _app: web.Application) -> None:
        """Make the event that cuts slow answers short when the server stops."""
        self._stopping = asyncio.Event()

    async def on_shutdown(self, _app: web.Application) -> None:
        """Wake every slow answer so that the server can stop at once."""
        if self._stopping is not None:
            self._stopping.set()

    async def pause(self, seconds: float) -> None:
        """Wait ``seconds`` (a ``slow`` fault), or less if the server is stopping."""
        if self._stopping is None:
            await asyncio.sleep(seconds)
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), seconds)


SIMULATOR = web.AppKey("flatpeak_connect.simulator", Simulator)
"""Where the application keeps its :class:`Simulator`: ``app[SIMULATOR]``."""
