"""Session stores: where a web app keeps each session's state between requests.

A store maps a key (a session id from a cookie, say) to a
:class:`~flatpeak_connect.engine.flow.SessionState`. :class:`MemoryStore` lives as long as the
process; :class:`SQLiteStore` survives a restart of the app on one machine; :class:`RedisStore`
is shared by every worker and host of a deployment (it needs the optional ``redis`` package:
``pip install 'flatpeak-connect[redis]'``). Any other shared database can implement
:class:`SessionStore`: it is a few async methods, and states go in and out as JSON
(``state.to_json()`` / ``SessionState.from_json``).
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import time
from contextlib import closing
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, Self, runtime_checkable

from flatpeak_connect.engine._http import AsyncClosing
from flatpeak_connect.engine.flow import SessionState

if TYPE_CHECKING:
    import os

    from redis.asyncio import Redis

__all__ = [
    "DEFAULT_REDIS_PREFIX",
    "DEFAULT_REDIS_TTL",
    "MemoryStore",
    "RedisStore",
    "SQLiteStore",
    "SessionStore",
]

DEFAULT_REDIS_PREFIX = "flatpeak-connect:session:"
"""What :class:`RedisStore` puts before each key, keeping sessions apart from other keys."""

DEFAULT_REDIS_TTL = timedelta(hours=24)
"""How long :class:`RedisStore` keeps a session after its last change (an abandoned one expires)."""

REDIS_EXTRA_HINT = "RedisStore needs the redis package: pip install 'flatpeak-connect[redis]'"


@runtime_checkable
class SessionStore(Protocol):
    """Protocol: keeps session states by key."""

    async def get(self, key: str) -> SessionState | None:
        """Return the state kept under ``key``, or ``None``."""
        ...

    async def put(self, key: str, state: SessionState) -> None:
        """Keep ``state`` under ``key``, replacing what was there."""
        ...

    async def delete(self, key: str) -> None:
        """Forget ``key`` (a key not kept is ignored)."""
        ...


class MemoryStore:
    """Keeps states in this process's memory, as JSON, so nothing is shared by reference."""

    def __init__(self) -> None:
        self._states: dict[str, str] = {}

    def __repr__(self) -> str:
        return f"<MemoryStore {len(self._states)} sessions>"

    def __len__(self) -> int:
        return len(self._states)

    async def get(self, key: str) -> SessionState | None:
        """Return the state kept under ``key``, or ``None``."""
        text = self._states.get(key)
        return SessionState.from_json(json.loads(text)) if text is not None else None

    async def put(self, key: str, state: SessionState) -> None:
        """Keep ``state`` under ``key``."""
        self._states[key] = json.dumps(state.to_json())

    async def delete(self, key: str) -> None:
        """Forget ``key``."""
        self._states.pop(key, None)


class SQLiteStore:
    """Keeps states in an SQLite file, so sessions survive a restart of the app.

    Each call runs in a worker thread (``asyncio.to_thread``) with its own connection, so the
    event loop never waits on the disk and no connection crosses threads. The database is in
    WAL mode: readers do not block the writer.

    Args:
        path: the database file (created, with its table, when missing).
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        with closing(self._connect()) as connection, connection:
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute(
                "CREATE TABLE IF NOT EXISTS sessions ("
                " key TEXT PRIMARY KEY, state TEXT NOT NULL, updated REAL NOT NULL)"
            )

    def __repr__(self) -> str:
        return f"<SQLiteStore {str(self.path)!r}>"

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(self.path, timeout=10.0)

    async def get(self, key: str) -> SessionState | None:
        """Return the state kept under ``key``, or ``None``."""
        text = await asyncio.to_thread(self._get, key)
        return SessionState.from_json(json.loads(text)) if text is not None else None

    async def put(self, key: str, state: SessionState) -> None:
        """Keep ``state`` under ``key``."""
        await asyncio.to_thread(self._put, key, json.dumps(state.to_json()))

    async def delete(self, key: str) -> None:
        """Forget ``key``."""
        await asyncio.to_thread(self._delete, key)

    def _get(self, key: str) -> str | None:
        with closing(self._connect()) as connection:
            row = connection.execute("SELECT state FROM sessions WHERE key = ?", (key,)).fetchone()
        return str(row[0]) if row is not None else None

    def _put(self, key: str, text: str) -> None:
        with closing(self._connect()) as connection, connection:
            connection.execute(
                "INSERT INTO sessions (key, state, updated) VALUES (?, ?, ?) "
                "ON CONFLICT(key) DO UPDATE SET state = excluded.state, updated = excluded.updated",
                (key, text, time.time()),
            )

    def _delete(self, key: str) -> None:
        with closing(self._connect()) as connection, connection:
            connection.execute("DELETE FROM sessions WHERE key = ?", (key,))


class RedisStore(AsyncClosing):
    """Keeps states in Redis, shared by every worker and host of a deployment.

    Each state is one Redis string (its JSON) under ``prefix + key``, written with an expiry:
    every ``put`` starts the ``ttl`` again, so a session lives ``ttl`` after its last change and an
    abandoned one goes away by itself. Nothing is logged; keys and values never leave the store
    but to Redis.

    Build it from a URL (``RedisStore.from_url("redis://127.0.0.1:6379/0")``; the store then owns
    the client and closes it in :meth:`close` or at the end of ``async with``), or hand it a
    ``redis.asyncio.Redis`` of your own, which it never closes.

    Args:
        client: a ``redis.asyncio.Redis`` client (with its default ``decode_responses=False``
            or ``True``: both are read).
        prefix: put before every key (default :data:`DEFAULT_REDIS_PREFIX`). Two apps with
            different prefixes on one database never see each other's sessions.
        ttl: how long a session is kept after its last ``put`` (a :class:`~datetime.timedelta`
            or whole seconds; default 24 hours). ``None`` keeps sessions until deleted.

    Raises:
        ValueError: ``ttl`` is less than one second.
    """

    def __init__(
        self,
        client: Redis,
        *,
        prefix: str = DEFAULT_REDIS_PREFIX,
        ttl: timedelta | int | None = DEFAULT_REDIS_TTL,
    ) -> None:
        seconds = None if ttl is None else _whole_seconds(ttl)
        if seconds is not None and seconds < 1:
            raise ValueError(f"RedisStore ttl must be at least one second, not {ttl!r}")
        self.client = client
        self.prefix = prefix
        self.ttl_seconds = seconds
        self._owns_client = False

    @classmethod
    def from_url(
        cls,
        url: str,
        *,
        prefix: str = DEFAULT_REDIS_PREFIX,
        ttl: timedelta | int | None = DEFAULT_REDIS_TTL,
        **options: Any,
    ) -> Self:
        """Return a store on a client of its own, made from a Redis URL.

        No connection is made until the first call, so this works outside an event loop.

        Args:
            url: ``redis://[[USER]:PASSWORD@]HOST[:PORT][/DB]``, ``rediss://...`` (TLS) or
                ``unix://PATH?db=DB``.
            prefix: put before every key.
            ttl: how long a session is kept after its last change.
            **options: more ``redis.asyncio.Redis.from_url`` arguments (``socket_timeout`` ...).

        Returns:
            A store that closes its client in :meth:`close`.

        Raises:
            ImportError: the ``redis`` package is not installed (install the ``redis`` extra).
            ValueError: the URL is not a Redis URL, or ``ttl`` is less than one second.
        """
        try:
            from redis.asyncio import Redis  # noqa: PLC0415 - an optional dependency, on demand
        except ImportError as error:
            raise ImportError(REDIS_EXTRA_HINT) from error
        store = cls(Redis.from_url(url, **options), prefix=prefix, ttl=ttl)
        store._owns_client = True
        return store

    def __repr__(self) -> str:
        # Not the URL: it may carry a password.
        return f"<RedisStore prefix={self.prefix!r} ttl={self.ttl_seconds}>"

    async def close(self) -> None:
        """Close the client if this store made it (``from_url``); a caller's client is left open."""
        if self._owns_client:
            await self.client.aclose()

    async def get(self, key: str) -> SessionState | None:
        """Return the state kept under ``key``, or ``None`` (never kept, deleted or expired)."""
        text: bytes | str | None = await self.client.get(self.prefix + key)
        return SessionState.from_json(json.loads(text)) if text is not None else None

    async def put(self, key: str, state: SessionState) -> None:
        """Keep ``state`` under ``key`` for ``ttl`` from now."""
        await self.client.set(self.prefix + key, json.dumps(state.to_json()), ex=self.ttl_seconds)

    async def delete(self, key: str) -> None:
        """Forget ``key``."""
        await self.client.delete(self.prefix + key)


def _whole_seconds(ttl: timedelta | int) -> int:
    return int(ttl.total_seconds()) if isinstance(ttl, timedelta) else ttl
