"""The hosted flow on a Redis store: two app instances (two workers) share one session."""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING, Any

import pytest
from html_support import GB, form_tokens, mount

from flatpeak_connect.engine.store import RedisStore
from flatpeak_connect.web import WebConfig

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from aiohttp import web
    from aiohttp.test_utils import TestClient

    from flatpeak_connect.engine.backend import FlatPeakAPI
    from flatpeak_connect.simulator import SimulatorServer

    ClientFactory = Callable[[web.Application], Awaitable[TestClient[Any, Any]]]

SECRET = secrets.token_bytes(32)
"""The signing key every worker shares (FLATPEAK_CONNECT_SECRET in a deployment)."""


@pytest.fixture
def worker(
    sim: SimulatorServer, api: FlatPeakAPI, redis_url: str, aiohttp_client: ClientFactory
) -> Callable[[], Awaitable[TestClient[Any, Any]]]:
    """Start one more app instance on its own RedisStore (one Redis for all) and a client."""

    async def start() -> TestClient[Any, Any]:
        store = RedisStore.from_url(redis_url)
        config = WebConfig(
            connect_url=sim.url + "/", version="anode", store=store, secret=SECRET, api=api
        )
        root = mount(config)
        root.on_cleanup.append(lambda _app: store.close())
        return await aiohttp_client(root)

    return start


class TestTwoWorkers:
    """Sessions live in Redis, so any worker carries on any session."""

    async def test_a_session_started_on_one_worker_goes_on_at_another(
        self, worker: Callable[[], Awaitable[TestClient[Any, Any]]], redis_url: str
    ) -> None:
        """Started on worker one, the page and its form are served and answered on worker two."""
        one, two = await worker(), await worker()
        landing = await (await one.get("/connect/")).text()
        started = await one.post("/connect/start", data=form_tokens(landing))
        assert "What is the address of the property?" in await started.text()
        jar = one.session.cookie_jar.filter_cookies(one.make_url("/connect/"))
        session_id = jar["fp_connect"].value
        two.session.cookie_jar.update_cookies({"fp_connect": session_id}, two.make_url("/"))

        page = await (await two.get("/connect/")).text()
        assert "What is the address of the property?" in page
        answered = await two.post("/connect/", data={**GB, **form_tokens(page)})
        assert answered.status == 200
        async with RedisStore.from_url(redis_url) as store:
            state = await store.get(session_id)
        assert state is not None
        assert state.history[-1] == "provider_select"
