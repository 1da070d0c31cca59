"""Session stores: memory, and SQLite on a real file that outlives the store object."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from typing import TYPE_CHECKING

import pytest
from engine_support import CALLBACK_URL, TOKEN, answer, fixture

from flatpeak_connect.engine.flow import SessionState
from flatpeak_connect.engine.machine import SessionStatus
from flatpeak_connect.engine.models import FieldError
from flatpeak_connect.engine.store import MemoryStore, SessionStore, SQLiteStore

if TYPE_CHECKING:
    from pathlib import Path

STATE = SessionState(
    version="anode",
    status=SessionStatus.AWAITING_INPUT,
    token=TOKEN,
    page=fixture("anode", "pages", "provider_select"),
    history=("postal_address_capture", "provider_select"),
    callback_url=CALLBACK_URL,
    last_answer=answer("anode", "provider_select"),
    errors=(FieldError("/provider/id", "provider_id_invalid", "Choose another.", "server"),),
)


@pytest.fixture(params=["memory", "sqlite"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> SessionStore:
    """Each store implementation in turn."""
    if request.param == "memory":
        return MemoryStore()
    return SQLiteStore(tmp_path / "sessions.db")


class TestEveryStore:
    """What every store does."""

    async def test_put_then_get_returns_an_equal_state(self, store: SessionStore) -> None:
        """A state put under a key comes back equal."""
        await store.put("s1", STATE)
        assert await store.get("s1") == STATE

    async def test_an_unknown_key_is_none(self, store: SessionStore) -> None:
        """get() of a key never put is None."""
        assert await store.get("nobody") is None

    async def test_put_replaces(self, store: SessionStore) -> None:
        """A second put under the same key replaces the first state."""
        await store.put("s1", STATE)
        later = SessionState(version="anode", status=SessionStatus.COMPLETE, token=TOKEN)
        await store.put("s1", later)
        assert await store.get("s1") == later

    async def test_delete_forgets_and_ignores_unknown_keys(self, store: SessionStore) -> None:
        """delete() removes a key; deleting an unknown key is not an error."""
        await store.put("s1", STATE)
        await store.put("s2", STATE)
        await store.delete("s1")
        await store.delete("never")
        assert await store.get("s1") is None
        assert await store.get("s2") == STATE

    def test_it_is_a_session_store(self, store: SessionStore) -> None:
        """Each implementation satisfies the SessionStore protocol."""
        assert isinstance(store, SessionStore)


class TestSQLiteStore:
    """What only the SQLite store does."""

    async def test_a_new_store_on_the_same_file_sees_the_sessions(self, tmp_path: Path) -> None:
        """Sessions written by one store are read by a new store on the file (an app restart)."""
        path = tmp_path / "sessions.db"
        await SQLiteStore(path).put("s1", STATE)
        assert await SQLiteStore(path).get("s1") == STATE

    async def test_states_are_stored_as_json_text(self, tmp_path: Path) -> None:
        """The file holds each state as JSON text, readable with plain sqlite3."""
        path = tmp_path / "sessions.db"
        await SQLiteStore(path).put("s1", STATE)
        with closing(sqlite3.connect(path)) as connection:
            (text,) = connection.execute("SELECT state FROM sessions WHERE key = 's1'").fetchone()
        assert '"status": "awaiting_input"' in text
