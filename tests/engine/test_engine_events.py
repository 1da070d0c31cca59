"""The event bus: delivery, filtering, unsubscribing, and subscribers that fail."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from engine_support import TOKEN, ConnectStub, NamedRenderer, answer

from flatpeak_connect.engine import events as ev
from flatpeak_connect.engine.flow import Flow
from flatpeak_connect.engine.inputs import ScriptedInput
from flatpeak_connect.engine.models import Outcome, OutcomeStatus

if TYPE_CHECKING:
    import pytest

MakeFlow = Callable[..., Awaitable[Flow]]
DONE = ev.Completed("zero", Outcome(OutcomeStatus.COMPLETE))
FAILED = ev.Failed("zero", "boom", final=True)


class TestEventBus:
    """EventBus on its own."""

    async def test_subscribers_get_events_in_subscription_order(self) -> None:
        """Every subscriber gets each event, in the order they subscribed."""
        bus = ev.EventBus()
        seen: list[str] = []
        bus.subscribe(lambda e: seen.append(f"a:{type(e).__name__}"))
        bus.subscribe(lambda e: seen.append(f"b:{type(e).__name__}"))
        await bus.publish(DONE)
        assert seen == ["a:Completed", "b:Completed"]

    async def test_kinds_filter_what_a_subscriber_gets(self) -> None:
        """A subscriber for some kinds of event gets only those."""
        bus = ev.EventBus()
        seen: list[ev.Event] = []
        bus.subscribe(seen.append, ev.Failed)
        await bus.publish(DONE)
        await bus.publish(FAILED)
        assert seen == [FAILED]

    async def test_coroutine_subscribers_are_awaited(self) -> None:
        """A coroutine function subscriber runs to completion before publish returns."""
        bus = ev.EventBus()
        seen: list[ev.Event] = []

        async def handler(event: ev.Event) -> None:
            seen.append(event)

        bus.subscribe(handler)
        await bus.publish(DONE)
        assert seen == [DONE]

    async def test_unsubscribed_handlers_get_nothing_more(self) -> None:
        """After unsubscribe, a handler gets no events; unknown handlers are ignored."""
        bus = ev.EventBus()
        seen: list[ev.Event] = []
        bus.subscribe(seen.append)
        bus.unsubscribe(seen.append)
        bus.unsubscribe(print)
        await bus.publish(DONE)
        assert seen == []

    async def test_a_failing_subscriber_is_logged_and_skipped(
        self, caplog: pytest.LogCaptureFixture
    ) -> None:
        """A subscriber that raises is logged with its traceback; the others still run."""
        bus = ev.EventBus()
        seen: list[ev.Event] = []

        def broken(event: ev.Event) -> None:
            raise RuntimeError(f"cannot store event for {TOKEN}")

        bus.subscribe(broken)
        bus.subscribe(seen.append)
        with caplog.at_level(logging.ERROR, logger="flatpeak_connect.engine.events"):
            await bus.publish(DONE)
        assert seen == [DONE]
        assert "broken" in caplog.text
        assert "RuntimeError" in caplog.text
        assert TOKEN not in caplog.text


class TestEventsInASession:
    """Events published by a running flow."""

    async def test_a_failing_subscriber_does_not_break_the_session(
        self, make_flow: MakeFlow, caplog: pytest.LogCaptureFixture
    ) -> None:
        """A session with a subscriber that always raises still completes."""
        graph = {
            ("tariffs_summary", "DISCONNECT"): "session_redirect.callback",
        }
        stub = ConnectStub("anode", "tariffs_summary", graph)
        bus = ev.EventBus()

        def broken(event: ev.Event) -> None:
            raise ValueError("subscriber bug")

        delivered: list[ev.Event] = []
        bus.subscribe(broken)
        bus.subscribe(delivered.append)
        flow = await make_flow(stub, events=bus)
        script = ScriptedInput([{"route": "tariffs_summary", "action": "DISCONNECT"}])
        outcome = await flow.run(TOKEN, NamedRenderer("r"), script)
        assert outcome.status is OutcomeStatus.COMPLETE
        assert [type(e).__name__ for e in delivered] == [
            "Submitted",
            "PageReceived",
            "Rendered",
            "Submitted",
            "PageReceived",
            "Completed",
        ]
        assert caplog.text.count("ValueError: subscriber bug") == len(delivered)

    async def test_submitted_carries_the_payload_sent(self, make_flow: MakeFlow) -> None:
        """Submitted has the route and the exact envelope that went to Connect."""
        stub = ConnectStub(
            "zero", "provider_select", {("provider_select", "data"): "tariff_select"}
        )
        bus = ev.EventBus()
        sent: list[ev.Submitted] = []
        bus.subscribe(sent.append, ev.Submitted)
        flow = await make_flow(stub, events=bus)
        await flow.start(TOKEN)
        await flow.submit(answer("zero", "provider_select"))
        assert [e.route for e in sent] == ["session_restore", "provider_select"]
        assert [dict(e.payload) for e in sent] == stub.requests
