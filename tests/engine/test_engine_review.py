"""Defects found in review of the engine core, each pinned by the test that showed it."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Iterator

import pytest
from engine_support import (
    CALLBACK_URL,
    TOKEN,
    ConnectStub,
    Fault,
    answer,
    error_body,
    fixture,
)

from flatpeak_connect.engine import events as ev
from flatpeak_connect.engine.errors import SchemaViolation, TransportError
from flatpeak_connect.engine.events import EventBus
from flatpeak_connect.engine.flow import Flow, SessionState
from flatpeak_connect.engine.machine import SessionStatus
from flatpeak_connect.engine.models import OutcomeStatus
from flatpeak_connect.engine.transport import AiohttpTransport, _parse_retry_after

MakeFlow = Callable[..., Awaitable[Flow]]


@pytest.fixture
def far_from_utc(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Run the test with the process's local time zone nine hours ahead of UTC."""
    monkeypatch.setenv("TZ", "Asia/Tokyo")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


class TestRetryAfterDates:
    """Retry-After in the HTTP-date forms that carry no zone (asctime, ``-0000``)."""

    @pytest.mark.usefixtures("far_from_utc")
    @pytest.mark.parametrize(
        "layout", ["%a %b %d %H:%M:%S %Y", "%a, %d %b %Y %H:%M:%S -0000"], ids=["asctime", "-0000"]
    )
    def test_a_date_without_a_zone_is_read_as_gmt(self, layout: str) -> None:
        """An HTTP date is GMT whatever its form, not the local time of the machine."""
        later = time.strftime(layout, time.gmtime(time.time() + 60))
        parsed = _parse_retry_after(later)
        assert parsed is not None
        assert 50 < parsed <= 60


class TestServerTextIsRedacted:
    """Connect's own error text can quote the connect token; it must not travel further."""

    async def test_a_server_fault_quoting_the_token_does_not_leak_it(
        self, make_flow: MakeFlow
    ) -> None:
        """The TransportError and the Failed event of an api_error never carry the token."""
        stub = ConnectStub("anode", "provider_select", {})
        failed: list[ev.Failed] = []
        bus = EventBus()
        bus.subscribe(failed.append, ev.Failed)
        flow = await make_flow(stub, events=bus)
        await flow.start(TOKEN)
        fault = error_body("anode", kind="api_error")
        fault["message"] = f"no session for cot_5f1e2d3c4b5a69788796a5b4 on {fault['context']}"
        stub.faults.append(Fault(500, fault))
        with pytest.raises(TransportError) as caught:
            await flow.submit(answer("anode", "provider_select"))
        assert TOKEN not in str(caught.value)
        assert TOKEN not in str(caught.value.server_message)
        assert failed
        assert all(TOKEN not in event.message for event in failed)

    async def test_a_refused_start_quoting_the_token_does_not_leak_it(
        self, make_flow: MakeFlow
    ) -> None:
        """The failed outcome of a refused start (kept in the state) never carries the token."""
        refusal = error_body("anode", code="action_invalid")
        refusal["message"] = "token cot_5f1e2d3c4b5a69788796a5b4 is not valid here"
        stub = ConnectStub("anode", "provider_select", {})
        stub.faults.append(Fault(400, refusal))
        flow = await make_flow(stub)
        step = await flow.start(TOKEN)
        assert step.outcome is not None
        assert step.outcome.status is OutcomeStatus.FAILED
        assert TOKEN not in str(step.outcome.message)
        assert TOKEN not in str(flow.state.to_json()["outcome"])


class TestCancelledBeforeSending:
    """A move cancelled while its Submitted event is being delivered."""

    async def test_the_session_is_not_left_in_flight(self, make_flow: MakeFlow) -> None:
        """A cancel during the Submitted event leaves the page awaiting input, not wedged."""
        stub = ConnectStub(
            "anode",
            "postal_address_capture",
            {("postal_address_capture", "data"): "provider_select"},
        )
        reached = asyncio.Event()
        bus = EventBus()

        async def slow_subscriber(event: ev.Event) -> None:
            if isinstance(event, ev.Submitted) and event.route == "postal_address_capture":
                reached.set()
                await asyncio.sleep(3600)

        bus.subscribe(slow_subscriber)
        flow = await make_flow(stub, events=bus)
        await flow.start(TOKEN)
        sent = answer("anode", "postal_address_capture")
        task = asyncio.create_task(flow.submit(sent))
        await reached.wait()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert flow.status is SessionStatus.AWAITING_INPUT
        assert flow.state.last_answer == sent
        bus.unsubscribe(slow_subscriber)
        again = await flow.submit(sent)
        assert again.page is not None
        assert again.page.route == "provider_select"


class TestRestoredDuringResume:
    """A state saved while the resume after a provider login was in flight."""

    def test_it_comes_back_at_the_provider_login(self) -> None:
        """It is restored at the login (resume again), not as a session_redirect page to answer."""
        state = SessionState(
            version="anode",
            status=SessionStatus.STARTING,
            token=TOKEN,
            page=fixture("anode", "pages", "session_redirect"),
            history=("provider_select", "session_redirect"),
            callback_url=CALLBACK_URL,
            redirect_url=f"https://brightwave-login.example.com?fp_cot={TOKEN}",
        )
        flow = Flow.from_state(state, AiohttpTransport("http://127.0.0.1:9/"))
        assert flow.status is SessionStatus.REDIRECTING
        assert flow.step.redirect_url == state.redirect_url


class TestBrokenPageText:
    """A broken page's problems quote the offending value; a token in it must not show."""

    @pytest.mark.parametrize("version", ["zero", "anode"])
    async def test_a_login_url_that_breaks_its_schema_does_not_leak_the_token(
        self, make_flow: MakeFlow, version: str
    ) -> None:
        """SchemaViolation's text and the PageInvalid errors never quote the fp_cot token."""
        broken = fixture(version, "pages", "session_redirect")
        broken["data"]["redirect_url"] = "?fp_cot=cot_5f1e2d3c4b5a69788796a5b4"
        stub = ConnectStub(version, "provider_select", {("provider_select", "data"): broken})
        invalid: list[ev.PageInvalid] = []
        bus = EventBus()
        bus.subscribe(invalid.append, ev.PageInvalid)
        flow = await make_flow(stub, events=bus)
        await flow.start(TOKEN)
        with pytest.raises(SchemaViolation) as caught:
            await flow.submit(answer(version, "provider_select"))
        assert caught.value.errors
        assert TOKEN[:8] not in str(caught.value)
        assert all(TOKEN[:8] not in e.message for event in invalid for e in event.errors)
