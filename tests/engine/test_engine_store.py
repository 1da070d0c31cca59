"""Session stores: memory, SQLite on a real file, and Redis on a real redis-server."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import sys
from contextlib import closing
from datetime import timedelta
from typing import TYPE_CHECKING

import pytest
import redis.asyncio
from engine_support import CALLBACK_URL, TOKEN, answer, fixture

from flatpeak_connect.engine.flow import SessionState
from flatpeak_connect.engine.machine import SessionStatus
from flatpeak_connect.engine.models import FieldError
from flatpeak_connect.engine.store import (
    DEFAULT_REDIS_PREFIX,
    MemoryStore,
    RedisStore,
    SessionStore,
    SQLiteStore,
)

if TYPE_CHECKING:
    from collections.abc import AsyncIterator
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


@pytest.fixture(params=["memory", "sqlite", "redis"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[SessionStore]:
    """Each store implementation in turn (Redis on the test run's own redis-server)."""
    if request.param == "memory":
        yield MemoryStore()
    elif request.param == "sqlite":
        yield SQLiteStore(tmp_path / "sessions.db")
    else:
        async with RedisStore.from_url(request.getfixturevalue("redis_url")) as redis_store:
            yield redis_store


@pytest.fixture
async def raw(redis_url: str) -> AsyncIterator[redis.asyncio.Redis]:
    """A plain client on the test's Redis, to look at what the stores wrote."""
    async with redis.asyncio.Redis.from_url(redis_url, decode_responses=True) as client:
        yield client


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


async def _client_names_once_owned_is_gone(raw: redis.asyncio.Redis) -> set[str]:
    """The names of the server's clients, after it has seen the "owned" connection close.

    A closed socket reaches the server a moment later: ask again for a while before answering.
    """
    for _ in range(100):
        names = {str(entry["name"]) for entry in await raw.client_list()}
        if "owned" not in names:
            break
        await asyncio.sleep(0.02)
    return names


class TestRedisStore:
    """What only the Redis store does, against a real redis-server."""

    async def test_two_stores_on_one_redis_share_sessions(self, redis_url: str) -> None:
        """A state put by one store (one worker) is read, replaced and deleted by another."""
        async with RedisStore.from_url(redis_url) as one, RedisStore.from_url(redis_url) as two:
            await one.put("s1", STATE)
            assert await two.get("s1") == STATE
            later = SessionState(version="anode", status=SessionStatus.COMPLETE, token=TOKEN)
            await two.put("s1", later)
            assert await one.get("s1") == later
            await two.delete("s1")
            assert await one.get("s1") is None

    async def test_a_state_is_json_under_the_prefixed_key(
        self, redis_url: str, raw: redis.asyncio.Redis
    ) -> None:
        """The state is one JSON string under the default prefix plus the key, nothing else."""
        async with RedisStore.from_url(redis_url) as store:
            await store.put("s1", STATE)
        assert await raw.keys("*") == [f"{DEFAULT_REDIS_PREFIX}s1"]
        assert '"status": "awaiting_input"' in await raw.get(f"{DEFAULT_REDIS_PREFIX}s1")

    async def test_put_sets_the_configured_expiry(
        self, redis_url: str, raw: redis.asyncio.Redis
    ) -> None:
        """Every put (re)starts the key's TTL, never beyond the configured one."""
        async with RedisStore.from_url(redis_url, ttl=timedelta(minutes=5)) as store:
            await store.put("s1", STATE)
            await raw.persist(f"{DEFAULT_REDIS_PREFIX}s1")
            await store.put("s1", STATE)
        assert 0 < await raw.ttl(f"{DEFAULT_REDIS_PREFIX}s1") <= 300

    async def test_the_default_expiry_is_a_day(
        self, redis_url: str, raw: redis.asyncio.Redis
    ) -> None:
        """Without a ttl a session is kept at most 24 hours after its last change."""
        async with RedisStore.from_url(redis_url) as store:
            await store.put("s1", STATE)
        assert 23 * 3600 < await raw.ttl(f"{DEFAULT_REDIS_PREFIX}s1") <= 24 * 3600

    async def test_no_ttl_keeps_sessions_until_deleted(
        self, redis_url: str, raw: redis.asyncio.Redis
    ) -> None:
        """ttl=None writes the key without an expiry (TTL -1)."""
        async with RedisStore.from_url(redis_url, ttl=None) as store:
            await store.put("s1", STATE)
        assert await raw.ttl(f"{DEFAULT_REDIS_PREFIX}s1") == -1

    def test_a_ttl_under_a_second_is_refused(self, redis_url: str) -> None:
        """A ttl Redis cannot keep (under one second) is a ValueError naming the ttl."""
        with pytest.raises(ValueError, match="at least one second"):
            RedisStore.from_url(redis_url, ttl=timedelta(milliseconds=500))

    async def test_prefixes_keep_apps_apart(self, redis_url: str) -> None:
        """Stores with different prefixes on one database never see each other's sessions."""
        async with (
            RedisStore.from_url(redis_url, prefix="shop:") as shop,
            RedisStore.from_url(redis_url, prefix="portal:") as portal,
        ):
            await shop.put("s1", STATE)
            assert await portal.get("s1") is None
            await portal.delete("s1")
            assert await shop.get("s1") == STATE

    async def test_a_client_that_decodes_responses_works_too(self, redis_url: str) -> None:
        """A caller's client made with decode_responses=True reads states back the same."""
        async with redis.asyncio.Redis.from_url(redis_url, decode_responses=True) as client:
            store = RedisStore(client)
            await store.put("s1", STATE)
            assert await store.get("s1") == STATE

    async def test_close_closes_only_a_client_the_store_made(
        self, redis_url: str, raw: redis.asyncio.Redis
    ) -> None:
        """close() drops the store's own connection; a caller's client stays open and usable."""
        owned = RedisStore.from_url(redis_url, client_name="owned")
        await owned.put("s1", STATE)
        async with redis.asyncio.Redis.from_url(redis_url, client_name="mine") as client:
            theirs = RedisStore(client)
            await theirs.put("s2", STATE)
            await owned.close()
            await theirs.close()
            names = await _client_names_once_owned_is_gone(raw)
            assert "owned" not in names
            assert "mine" in names
            assert await theirs.get("s1") == STATE

    async def test_the_token_is_never_logged(
        self, redis_url: str, caplog: pytest.LogCaptureFixture
    ) -> None:
        """Putting, getting and deleting a session logs nothing that carries its token."""
        caplog.set_level(logging.DEBUG)
        async with RedisStore.from_url(redis_url) as store:
            await store.put("s1", STATE)
            await store.get("s1")
            await store.delete("s1")
            shown = repr(store)
        assert TOKEN not in caplog.text
        assert TOKEN not in shown

    def test_the_repr_does_not_show_the_password(self) -> None:
        """A password in the URL stays out of the store's repr."""
        store = RedisStore.from_url("redis://:s3cret-pass@127.0.0.1:6379/0")
        assert "s3cret-pass" not in repr(store)
        assert "flatpeak-connect:session:" in repr(store)

    def test_without_the_redis_package_the_error_names_the_extra(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """With redis-py not importable, from_url says to install flatpeak-connect[redis]."""
        monkeypatch.setitem(sys.modules, "redis", None)
        monkeypatch.setitem(sys.modules, "redis.asyncio", None)
        with pytest.raises(ImportError, match=r"pip install 'flatpeak-connect\[redis\]'"):
            RedisStore.from_url("redis://127.0.0.1:6379/0")
