"""The aiohttp transport against a real server: answers, error bodies, retries, timeouts."""

from __future__ import annotations

import asyncio
import email.utils
import socket
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

import aiohttp
import pytest
from aiohttp import web
from engine_support import TOKEN, RecordingSleep, error_body

from flatpeak_connect.engine.errors import TransportError
from flatpeak_connect.engine.transport import AiohttpTransport, _parse_retry_after

if TYPE_CHECKING:
    from pytest_aiohttp import AiohttpServer

START = {"connect_token": TOKEN, "route": "session_start"}
ANSWER = {"connect_token": TOKEN, "route": "provider_select", "action": "BACK"}
PAGE = {"connect_token": TOKEN, "route": "postal_address_capture", "data": {}}

Reply = Callable[[], Awaitable[web.StreamResponse]]


class Scripted:
    """A server that answers each request with the next reply of a list (the last one repeats)."""

    def __init__(self, *replies: Reply) -> None:
        self.replies = list(replies)
        self.bodies: list[dict[str, Any]] = []

    async def handle(self, request: web.Request) -> web.StreamResponse:
        """Record the request and send the next reply."""
        self.bodies.append(await request.json())
        reply = self.replies.pop(0) if len(self.replies) > 1 else self.replies[0]
        return await reply()


def json_reply(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Reply:
    """A reply with a JSON body."""

    async def reply() -> web.StreamResponse:
        return web.json_response(body, status=status, headers=headers)

    return reply


def text_reply(text: str, status: int, headers: dict[str, str] | None = None) -> Reply:
    """A reply with a plain-text body."""

    async def reply() -> web.StreamResponse:
        return web.Response(text=text, status=status, headers=headers)

    return reply


def slow_reply(seconds: float) -> Reply:
    """A reply that comes too late."""

    async def reply() -> web.StreamResponse:
        await asyncio.sleep(seconds)
        return web.json_response(PAGE)

    return reply


@pytest.fixture
def scripted_url(aiohttp_server: AiohttpServer) -> Callable[[Scripted], Awaitable[str]]:
    """Serve a Scripted server on POST / and return its URL."""

    async def start(scripted: Scripted) -> str:
        app = web.Application()
        app.router.add_post("/", scripted.handle)
        server = await aiohttp_server(app)
        return str(server.make_url("/"))

    return start


Serve = Callable[[Scripted], Awaitable[str]]


class TestAnswers:
    """What the transport returns and raises."""

    async def test_a_page_is_returned(self, scripted_url: Serve) -> None:
        """A 200 JSON object comes back as it is, and the payload is posted as JSON."""
        server = Scripted(json_reply(PAGE))
        async with AiohttpTransport(await scripted_url(server)) as transport:
            assert await transport.send(START) == PAGE
        assert server.bodies == [START]

    async def test_an_error_body_is_returned_whatever_the_status(self, scripted_url: Serve) -> None:
        """A 400 with an error body is returned as data, not raised: the flow interprets it."""
        body = error_body("anode", code="city_missing")
        server = Scripted(json_reply(body, status=400))
        async with AiohttpTransport(await scripted_url(server)) as transport:
            assert await transport.send(ANSWER) == body

    async def test_an_http_error_without_an_error_body_raises(self, scripted_url: Serve) -> None:
        """A 502 with an HTML body raises TransportError with the status and the URL."""
        server = Scripted(text_reply("<html>Bad gateway</html>", 502))
        url = await scripted_url(server)
        async with AiohttpTransport(url) as transport:
            with pytest.raises(TransportError, match="HTTP 502") as caught:
                await transport.send(ANSWER)
        assert caught.value.status == 502
        assert caught.value.url == url

    async def test_a_body_that_is_not_a_json_object_raises(self, scripted_url: Serve) -> None:
        """A 200 whose body is a JSON list is not a page: TransportError."""
        server = Scripted(json_reply([1, 2]))
        async with AiohttpTransport(await scripted_url(server)) as transport:
            with pytest.raises(TransportError, match="not a JSON object"):
                await transport.send(ANSWER)


class TestRetries:
    """What is sent again, and after how long."""

    async def test_start_is_retried_with_doubling_backoff(self, scripted_url: Serve) -> None:
        """A start that keeps failing is sent 1 + retries times, waiting 0.5, 1, 2 s between."""
        sleep = RecordingSleep()
        server = Scripted(text_reply("down", 503))
        url = await scripted_url(server)
        async with AiohttpTransport(url, retries=3, sleep=sleep) as transport:
            with pytest.raises(TransportError, match="HTTP 503"):
                await transport.send(START)
        assert len(server.bodies) == 4
        assert sleep.delays == [0.5, 1.0, 2.0]

    async def test_a_5xx_error_body_on_start_is_returned_after_the_retries(
        self, scripted_url: Serve
    ) -> None:
        """An api_error body keeps a start retrying; the last one is returned for the flow."""
        sleep = RecordingSleep()
        body = error_body("anode", kind="api_error")
        server = Scripted(json_reply(body, status=500))
        async with AiohttpTransport(await scripted_url(server), retries=1, sleep=sleep) as t:
            assert await t.send(START) == body
        assert len(server.bodies) == 2

    async def test_an_answer_is_not_retried_on_a_5xx(self, scripted_url: Serve) -> None:
        """A 500 on an answer is raised at once: the answer may have been processed."""
        sleep = RecordingSleep()
        server = Scripted(text_reply("oops", 500), json_reply(PAGE))
        async with AiohttpTransport(await scripted_url(server), sleep=sleep) as transport:
            with pytest.raises(TransportError):
                await transport.send(ANSWER)
        assert len(server.bodies) == 1
        assert sleep.delays == []

    async def test_429_honours_retry_after_for_any_request(self, scripted_url: Serve) -> None:
        """A 429 with Retry-After waits that many seconds and sends even an answer again."""
        sleep = RecordingSleep()
        server = Scripted(text_reply("slow down", 429, {"Retry-After": "3"}), json_reply(PAGE))
        async with AiohttpTransport(await scripted_url(server), sleep=sleep) as transport:
            assert await transport.send(ANSWER) == PAGE
        assert sleep.delays == [3.0]
        assert server.bodies == [ANSWER, ANSWER]

    async def test_429_beyond_the_cap_is_not_waited_for(self, scripted_url: Serve) -> None:
        """A Retry-After longer than max_retry_after is not honoured: the 429 is raised at once."""
        sleep = RecordingSleep()
        server = Scripted(text_reply("come back tomorrow", 429, {"Retry-After": "86400"}))
        url = await scripted_url(server)
        async with AiohttpTransport(url, max_retry_after=5, sleep=sleep) as transport:
            with pytest.raises(TransportError) as caught:
                await transport.send(START)
        assert caught.value.status == 429
        assert sleep.delays == []

    async def test_429_without_retry_after_backs_off(self, scripted_url: Serve) -> None:
        """A 429 with no Retry-After waits the ordinary backoff."""
        sleep = RecordingSleep()
        server = Scripted(text_reply("slow down", 429), json_reply(PAGE))
        async with AiohttpTransport(await scripted_url(server), backoff=0.25, sleep=sleep) as t:
            assert await t.send(ANSWER) == PAGE
        assert sleep.delays == [0.25]

    async def test_a_refused_connection_is_retried_even_for_an_answer(self) -> None:
        """A connection that was never made carried nothing: any request is tried again."""
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        sleep = RecordingSleep()
        url = f"http://127.0.0.1:{port}/"
        async with AiohttpTransport(url, retries=2, sleep=sleep) as transport:
            with pytest.raises(TransportError, match="cannot connect") as caught:
                await transport.send(ANSWER)
        assert sleep.delays == [0.5, 1.0]
        assert caught.value.status is None

    async def test_a_read_timeout_on_an_answer_is_not_retried(self, scripted_url: Serve) -> None:
        """An answer that times out may have been processed: raised, not sent again."""
        sleep = RecordingSleep()
        server = Scripted(slow_reply(2.0))
        url = await scripted_url(server)
        async with AiohttpTransport(url, read_timeout=0.05, sleep=sleep) as transport:
            with pytest.raises(TransportError, match="no answer"):
                await transport.send(ANSWER)
        assert len(server.bodies) == 1

    async def test_a_read_timeout_on_start_is_retried(self, scripted_url: Serve) -> None:
        """A start that timed out is sent again and can succeed."""
        sleep = RecordingSleep()
        server = Scripted(slow_reply(2.0), json_reply(PAGE))
        url = await scripted_url(server)
        async with AiohttpTransport(url, read_timeout=0.05, sleep=sleep) as transport:
            assert await transport.send(START) == PAGE
        assert len(server.bodies) == 2

    def test_retry_after_accepts_seconds_and_http_dates(self) -> None:
        """Retry-After is read as delta-seconds or as an HTTP date; nonsense is ignored."""
        assert _parse_retry_after("7") == 7.0
        later = email.utils.formatdate(time.time() + 60, usegmt=True)
        parsed = _parse_retry_after(later)
        assert parsed is not None
        assert 50 < parsed <= 60
        assert _parse_retry_after("soon") is None
        assert _parse_retry_after(None) is None
        assert _parse_retry_after("-5") == 0.0


class TestSessions:
    """Who owns the aiohttp ClientSession."""

    async def test_a_caller_owned_session_is_left_open(self, scripted_url: Serve) -> None:
        """close() does not close a ClientSession the caller passed in."""
        server = Scripted(json_reply(PAGE))
        url = await scripted_url(server)
        async with aiohttp.ClientSession() as session:
            transport = AiohttpTransport(url, session)
            assert await transport.send(START) == PAGE
            await transport.close()
            assert not session.closed

    async def test_its_own_session_is_closed(self, scripted_url: Serve) -> None:
        """The session the transport created is closed by close(), and reopened if used again."""
        server = Scripted(json_reply(PAGE))
        transport = AiohttpTransport(await scripted_url(server))
        await transport.send(START)
        session = transport._session
        assert session is not None
        await transport.close()
        assert session.closed
        assert await transport.send(START) == PAGE
        await transport.close()

    def test_negative_retries_are_refused(self) -> None:
        """Retries below zero is a configuration error."""
        with pytest.raises(ValueError, match="retries"):
            AiohttpTransport("http://127.0.0.1/", retries=-1)
