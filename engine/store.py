"""Session stores: where a web app keeps each session's state between requests.

A store maps a key (a session id from a cookie, say) to a
:class:`~flatpeak_connect.engine.flow.SessionState`. :class:`MemoryStore` lives as long as the
process; :class:`SQLiteStore` survives a restart of the app on one machine. A deployment that
spans several hosts implements :class:`SessionStore` over a shared database (Redis, say): it is
four async methods, and states go in and out as JSON (``state.to_json()`` /
``SessionState.from_json``).
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import time
from contextlib import closing
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from flatpeak_connect.engine.flow import SessionState

if TYPE_CHECKING:
    import os

__all__ = ["MemoryStore", "SQLiteStore", "SessionStore"]


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
