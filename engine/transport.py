"""Transports: how a request envelope reaches Connect, and how its JSON answer comes back.

:class:`AiohttpTransport` talks HTTP. It retries only where a retry cannot repeat a customer's
action — the start and resume requests, which Connect answers with wherever the session is,
and connection failures that happened before the request left — and honours ``Retry-After``
on a 429 (a rate-limited request was not processed, so any request may be sent again). An
error body (``"object": "error"``) is returned as it is, whatever the HTTP status: the flow
decides what it means. :class:`TransportError` is raised only when no usable JSON answer came.

:class:`ReplayTransport` serves a recorded transcript instead (see
:mod:`~flatpeak_connect.engine.transcript`).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import email.utils
import json
import math
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping
from http import HTTPStatus
from typing import TYPE_CHECKING, Any

import aiohttp

from flatpeak_connect.engine._http import SessionOwner, describe_failure
from flatpeak_connect.engine.errors import TransportError
from flatpeak_connect.engine.redaction import TOKEN_PLACEHOLDER, get_logger, redact, redact_json
from flatpeak_connect.engine.transcript import Exchange, read_transcript

if TYPE_CHECKING:
    import os

__all__ = ["RETRY_ROUTES", "AiohttpTransport", "ReplayTransport"]

_log = get_logger(__name__)

RETRY_ROUTES = frozenset({"session_start", "session_restore"})
"""Routes whose requests are safe to send again: Connect answers them with the current page."""

Sleep = Callable[[float], Awaitable[None]]

# Failures after which the request certainly never left: no connection was made. (aiohttp
# before 3.10 has no ConnectionTimeoutError; there a connect timeout counts as "maybe sent".)
_NEVER_SENT: tuple[type[BaseException], ...] = (
    aiohttp.ClientConnectorError,
    getattr(aiohttp, "ConnectionTimeoutError", aiohttp.ClientConnectorError),
)


class AiohttpTransport(SessionOwner):
    """Sends request envelopes to a Connect endpoint over HTTP with aiohttp.

    Use it as an async context manager, or call :meth:`close` when done. A caller-owned
    ``session`` is used as it is and never closed here; without one, the transport creates
    its own on first use and closes it in :meth:`close`.

    Args:
        url: the Connect endpoint (``https://connect.flatpeak.com``; a simulator's ``url + "/"``).
        session: an aiohttp ``ClientSession`` the caller owns, or ``None``.
        connect_timeout: seconds to wait for a connection.
        read_timeout: seconds to wait for each read of the answer.
        retries: how many times a safe request is sent again after a failure.
        backoff: the first wait between retries, in seconds; it doubles each time.
        max_backoff: the longest wait between retries, in seconds.
        max_retry_after: the longest ``Retry-After`` (seconds) honoured; a 429 asking for
            longer is not retried, its answer is returned (or raised) at once.
        retry_routes: the routes safe to send again (default :data:`RETRY_ROUTES`).
        headers: extra HTTP headers for every request.
        sleep: how to wait (``asyncio.sleep``); tests pass one that records the delays.
    """

    def __init__(
        self,
        url: str,
        session: aiohttp.ClientSession | None = None,
        *,
        connect_timeout: float = 10.0,
        read_timeout: float = 30.0,
        retries: int = 3,
        backoff: float = 0.5,
        max_backoff: float = 8.0,
        max_retry_after: float = 30.0,
        retry_routes: Iterable[str] = RETRY_ROUTES,
        headers: Mapping[str, str] | None = None,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        if retries < 0:
            raise ValueError("retries must be zero or more")
        self.url = url
        self.retries = retries
        self.backoff = backoff
        self.max_backoff = max_backoff
        self.max_retry_after = max_retry_after
        self.retry_routes = frozenset(retry_routes)
        super().__init__(session)
        self._timeout = aiohttp.ClientTimeout(
            total=None, sock_connect=connect_timeout, sock_read=read_timeout
        )
        self._headers = {"Accept": "application/json", **(headers or {})}
        self._sleep = sleep

    def __repr__(self) -> str:
        return f"<AiohttpTransport {self.url!r}>"

    async def send(self, payload: Mapping[str, Any]) -> dict[str, Any]:
        """POST ``payload`` to Connect and return the JSON answer.

        Args:
            payload: the request envelope.

        Returns:
            The decoded JSON object: a page, or an error body whatever the HTTP status.

        Raises:
            TransportError: when no JSON object came back (no connection, a timeout, an HTTP
                error without an error body, a body that is not JSON), after any retries.
        """
        route = str(payload.get("route", ""))
        safe = route in self.retry_routes
        attempt = 0
        while True:
            try:
                status, headers, raw = await self._post(payload)
            except _NEVER_SENT as exc:
                # The connection was never made, so the request never left: always safe.
                reason = describe_failure(exc)
                if attempt < self.retries:
                    attempt += 1
                    await self._wait(self._backoff(attempt), route, f"cannot connect: {reason}")
                    continue
                raise self._error(f"cannot connect to Connect: {reason}") from exc
            except (aiohttp.ClientError, TimeoutError) as exc:
                # The request may have reached Connect: only a start or resume is sent again.
                reason = describe_failure(exc)
                if safe and attempt < self.retries:
                    attempt += 1
                    await self._wait(self._backoff(attempt), route, f"no answer: {reason}")
                    continue
                raise self._error(f"no answer from Connect: {reason}") from exc
            if attempt < self.retries:
                delay = self._retry_delay(status, headers, safe=safe, attempt=attempt + 1)
                if delay is not None:
                    attempt += 1
                    await self._wait(delay, route, f"HTTP {status}")
                    continue
            return self._decode(status, raw)

    async def _post(self, payload: Mapping[str, Any]) -> tuple[int, Mapping[str, str], bytes]:
        async with self._client().post(
            self.url, json=dict(payload), headers=self._headers, timeout=self._timeout
        ) as response:
            return response.status, response.headers, await response.read()

    def _retry_delay(
        self, status: int, headers: Mapping[str, str], *, safe: bool, attempt: int
    ) -> float | None:
        if status == HTTPStatus.TOO_MANY_REQUESTS:
            wait = _parse_retry_after(headers.get("Retry-After"))
            if wait is None:
                return self._backoff(attempt)
            return wait if wait <= self.max_retry_after else None
        if status >= HTTPStatus.INTERNAL_SERVER_ERROR and safe:
            return self._backoff(attempt)
        return None

    def _backoff(self, attempt: int) -> float:
        return float(min(self.max_backoff, self.backoff * 2 ** (attempt - 1)))

    async def _wait(self, delay: float, route: str, why: str) -> None:
        _log.warning("Connect request %s: %s; retrying in %.2f s", route, why, delay)
        await self._sleep(delay)

    def _decode(self, status: int, raw: bytes) -> dict[str, Any]:
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
        if isinstance(body, dict):
            success = HTTPStatus.OK <= status < HTTPStatus.MULTIPLE_CHOICES
            if success or body.get("object") == "error":
                return body
            raise self._error(f"Connect answered HTTP {status} without an error body", status)
        text = raw[:200].decode("utf-8", "replace").strip()
        what = "an empty body" if not raw else f"a body that is not a JSON object: {text!r}"
        raise self._error(f"Connect answered HTTP {status} with {what}", status)

    def _error(self, message: str, status: int | None = None) -> TransportError:
        return TransportError(redact(f"{message} ({self.url})"), url=self.url, status=status)


def _parse_retry_after(value: str | None) -> float | None:
    """Return the seconds a ``Retry-After`` header asks for (delta-seconds or an HTTP date)."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        seconds = float(text)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(text)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:
            # An HTTP date is always GMT; the asctime form (and ``-0000``) just do not say so.
            when = when.replace(tzinfo=dt.UTC)
        seconds = when.timestamp() - time.time()
    if math.isnan(seconds):
        return None
    return max(0.0, seconds)


class ReplayTransport:
    """Serves the answers of a recorded transcript, in order, instead of calling Connect.

    Each request is compared with the recorded one (both redacted, so the live token and the
    recorded placeholder compare equal); the recorded answer is returned with the live token
    put back where the transcript has the placeholder. A session that asks for something
    else than was recorded stops with a :class:`TransportError` that says where it diverged.

    Args:
        exchanges: the recorded requests and their answers, in order.
        version: the protocol version of the recording, when known.
        strict: compare each request with the recorded one (``False``: serve in order).
    """

    url = "replay:"
    token = "cot_" + "0" * 24
    """A connect token to start the replayed session with (any token works when replaying)."""

    def __init__(
        self, exchanges: Iterable[Exchange], *, version: str | None = None, strict: bool = True
    ) -> None:
        self.exchanges = tuple(exchanges)
        self.version = version or next((e.version for e in self.exchanges if e.version), None)
        self.strict = strict
        self._next = 0

    def __repr__(self) -> str:
        return f"<ReplayTransport {self._next}/{len(self.exchanges)} exchanges>"

    @classmethod
    def from_file(cls, path: str | os.PathLike[str], *, strict: bool = True) -> ReplayTransport:
        """Load a transcript file written by a transcript recorder.

        Raises:
            OSError: when the file cannot be read.
            ValueError: when it is not a transcript (the message names the line).
        """
        return cls(read_transcript(path), strict=strict)

    @property
    def remaining(self) -> int:
        """How many recorded exchanges have not been served yet."""
        return len(self.exchanges) - self._next

    async def send(self, payload: Mapping[str, Any]) -> dict[str, Any]:
        """Return the recorded answer to ``payload``.

        Raises:
            TransportError: when the transcript is exhausted, when ``payload`` is not the
                request recorded at this point, or when the recording has no answer to it.
        """
        route = payload.get("route")
        if self._next >= len(self.exchanges):
            raise TransportError(
                f"the transcript is exhausted after {len(self.exchanges)} exchanges; "
                f"the session asked for route {route!r}",
                url=self.url,
            )
        exchange = self.exchanges[self._next]
        live = redact_json(dict(payload))
        if self.strict and live != exchange.request:
            raise TransportError(
                f"the session diverged from the transcript at exchange {self._next + 1}: "
                f"it sent {_summary(live)}, the recording has {_summary(exchange.request)}",
                url=self.url,
            )
        self._next += 1
        if exchange.response is None:
            raise TransportError(f"recorded failure: {exchange.error or 'no answer'}", url=self.url)
        token = payload.get("connect_token")
        answer: dict[str, Any] = dict(exchange.response)
        if isinstance(token, str):
            answer = _restore_token(answer, token)
        return answer


def _summary(request: Mapping[str, Any]) -> str:
    parts = [f"route {request.get('route')!r}"]
    if "action" in request:
        parts.append(f"action {request['action']!r}")
    if "data" in request:
        parts.append(f"data {json.dumps(request['data'], sort_keys=True)}")
    return ", ".join(parts)


def _restore_token(value: Any, token: str) -> Any:
    """Return ``value`` with the live ``token`` wherever the recording has the placeholder."""
    if isinstance(value, str):
        return value.replace(TOKEN_PLACEHOLDER, token)
    if isinstance(value, dict):
        return {key: _restore_token(item, token) for key, item in value.items()}
    if isinstance(value, list):
        return [_restore_token(item, token) for item in value]
    return value
