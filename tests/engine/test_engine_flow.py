"""Full sessions of both versions through a real aiohttp server serving the fixture corpus."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from engine_support import (
    CALLBACK_URL,
    TOKEN,
    ConnectStub,
    Fault,
    NamedRenderer,
    RecordingSleep,
    answer,
    error_body,
    fixture,
    step,
)

from flatpeak_connect.engine import events as ev
from flatpeak_connect.engine.errors import SchemaViolation, TransitionRefused, TransportError
from flatpeak_connect.engine.events import EventBus
from flatpeak_connect.engine.flow import Flow
from flatpeak_connect.engine.inputs import ScriptedInput
from flatpeak_connect.engine.machine import SessionStatus
from flatpeak_connect.engine.models import OutcomeStatus, Rendered, Submission
from flatpeak_connect.engine.registry import RendererRegistry

MakeFlow = Callable[..., Awaitable[Flow]]

ZERO_LIBRARY: dict[tuple[str, str], Any] = {
    ("postal_address_capture", "data"): "provider_select",
    ("provider_select", "data"): "tariff_select",
    ("tariff_select", "data"): "summary_fixed_confirm",
    ("summary_fixed_confirm", "SAVE"): "session_complete",
    ("provider_select", "PROVIDER_MISSING"): "provider_name_capture",
}
ZERO_LIBRARY_SCRIPT = [
    step("zero", "postal_address_capture"),
    step("zero", "provider_select"),
    step("zero", "tariff_select"),
    step("zero", "summary_fixed_confirm"),
]
ANODE_LIBRARY: dict[tuple[str, str], Any] = {
    ("postal_address_capture", "data"): "provider_select",
    ("postal_address_capture", "CLOSE"): "session_redirect.callback",
    ("provider_select", "data"): "tariff_select",
    ("provider_select", "BACK"): "postal_address_capture",
    ("tariff_select", "data"): "tariffs_summary",
    ("tariffs_summary", "CLOSE"): "session_redirect.callback",
    ("tariffs_summary", "DISCONNECT"): "session_redirect.callback",
}
ANODE_LIBRARY_SCRIPT = [
    step("anode", "postal_address_capture"),
    step("anode", "provider_select"),
    step("anode", "tariff_select"),
    step("anode", "tariffs_summary"),
]


def registry() -> RendererRegistry:
    """A registry with a renderer for the address page and a fallback for everything else."""
    renderers = RendererRegistry(NamedRenderer("fallback"))
    renderers.register(NamedRenderer("address"), "postal_address_capture")
    return renderers


class TestHappyPath:
    """Sessions that run to their end."""

    async def test_zero_library_session_completes_with_save(self, make_flow: MakeFlow) -> None:
        """A zero session from the address to session_complete ends complete with SAVE."""
        stub = ConnectStub("zero", "postal_address_capture", ZERO_LIBRARY)
        flow = await make_flow(stub)
        shown: list[Rendered] = []
        outcome = await flow.run(
            TOKEN, registry(), ScriptedInput(ZERO_LIBRARY_SCRIPT), on_render=shown.append
        )
        assert outcome.status is OutcomeStatus.COMPLETE
        assert outcome.action == "SAVE"
        assert outcome.callback_url == f"{CALLBACK_URL}?fp_cot={TOKEN}"
        assert stub.routes == [
            "session_restore",
            "postal_address_capture",
            "provider_select",
            "tariff_select",
            "summary_fixed_confirm",
        ]
        assert [r.body for r in shown] == [
            "address:postal_address_capture",
            "fallback:provider_select",
            "fallback:tariff_select",
            "fallback:summary_fixed_confirm",
        ]
        assert flow.state.history[-1] == "session_complete"
        assert flow.status is SessionStatus.COMPLETE

    async def test_anode_library_session_completes_with_close(self, make_flow: MakeFlow) -> None:
        """An anode session answered CLOSE on the summary ends complete at the callback URL."""
        stub = ConnectStub("anode", "postal_address_capture", ANODE_LIBRARY)
        flow = await make_flow(stub)
        outcome = await flow.run(TOKEN, registry(), ScriptedInput(ANODE_LIBRARY_SCRIPT))
        assert outcome.status is OutcomeStatus.COMPLETE
        assert outcome.action == "CLOSE"
        assert outcome.callback_url == f"{CALLBACK_URL}?fp_cot={TOKEN}"
        assert stub.routes[0] == "session_start"
        assert stub.requests[-1] == {
            "connect_token": TOKEN,
            "route": "tariffs_summary",
            "action": "CLOSE",
        }

    async def test_anode_disconnect_ends_the_session(self, make_flow: MakeFlow) -> None:
        """DISCONNECT answered with a session_redirect ends complete, with no callback URL known."""
        stub = ConnectStub("anode", "tariffs_summary", ANODE_LIBRARY)
        flow = await make_flow(stub)
        await flow.start(TOKEN)
        result = await flow.submit(Submission("tariffs_summary", action="DISCONNECT"))
        assert result.outcome is not None
        assert result.outcome.status is OutcomeStatus.COMPLETE
        assert result.outcome.action == "DISCONNECT"

    async def test_each_step_publishes_its_events_in_order(self, make_flow: MakeFlow) -> None:
        """A session publishes Submitted, PageReceived and Rendered per page, then Completed."""
        stub = ConnectStub("zero", "postal_address_capture", ZERO_LIBRARY)
        bus = EventBus()
        seen: list[str] = []
        bus.subscribe(lambda event: seen.append(type(event).__name__))
        flow = await make_flow(stub, events=bus)
        await flow.run(TOKEN, registry(), ScriptedInput(ZERO_LIBRARY_SCRIPT))
        page_turn = ["Submitted", "PageReceived", "Rendered"]
        assert seen == [*page_turn * 4, "Submitted", "PageReceived", "Completed"]


class TestValidationErrors:
    """Answers refused by the client or by Connect."""

    async def test_zero_server_error_comes_back_on_the_same_page_with_values(
        self, make_flow: MakeFlow
    ) -> None:
        """Connect's provider_not_found keeps the page, the answer, and points at the field."""
        stub = ConnectStub("zero", "provider_select", ZERO_LIBRARY)
        stub.rejections["provider_select"] = "provider_not_found"
        flow = await make_flow(stub)
        await flow.start(TOKEN)
        typed = {"provider": {"id": "prv_000000000000000000000000"}}
        result = await flow.submit(Submission("provider_select", data=typed))
        assert result.page is not None
        assert result.page.route == "provider_select"
        assert [(e.pointer, e.code, e.source) for e in result.errors] == [
            ("/provider/id", "provider_not_found", "server")
        ]
        assert result.values == typed
        assert flow.state.last_answer == Submission("provider_select", data=typed)
        corrected = await flow.submit(answer("zero", "provider_select"))
        assert corrected.page is not None
        assert corrected.page.route == "tariff_select"
        assert corrected.errors == ()

    async def test_anode_server_error_then_corrected_answer_in_a_run(
        self, make_flow: MakeFlow
    ) -> None:
        """In a run, geo_location_not_found is shown with the page, and the next answer goes on."""
        stub = ConnectStub("anode", "postal_address_capture", ANODE_LIBRARY)
        stub.rejections["postal_address_capture"] = "geo_location_not_found"
        rejected: list[ev.Rejected] = []
        bus = EventBus()
        bus.subscribe(rejected.append, ev.Rejected)
        flow = await make_flow(stub, events=bus)
        shown: list[str] = []
        script = [ANODE_LIBRARY_SCRIPT[0], *ANODE_LIBRARY_SCRIPT]
        outcome = await flow.run(
            TOKEN, registry(), ScriptedInput(script), on_render=lambda r: shown.append(r.body)
        )
        assert outcome.status is OutcomeStatus.COMPLETE
        assert shown[:2] == [
            "address:postal_address_capture",
            "address:postal_address_capture!geo_location_not_found",
        ]
        assert len(rejected) == 1
        assert rejected[0].body is not None
        assert rejected[0].errors[0].source == "server"

    async def test_client_side_errors_send_nothing(self, make_flow: MakeFlow) -> None:
        """An answer the schema refuses comes back with client errors, and Connect sees nothing."""
        stub = ConnectStub("anode", "postal_address_capture", ANODE_LIBRARY)
        flow = await make_flow(stub)
        await flow.start(TOKEN)
        typed = {
            "postal_address": {
                **step("anode", "postal_address_capture")["data"]["postal_address"],
                "city": "",
            }
        }
        result = await flow.submit(Submission("postal_address_capture", data=typed))
        assert [(e.pointer, e.code, e.source) for e in result.errors] == [
            ("/postal_address/city", "city_missing", "client")
        ]
        assert result.values == typed
        assert stub.routes == ["session_start"]
        assert flow.step.errors == result.errors
        assert flow.step.values == typed

    async def test_error_body_with_an_unknown_code_is_a_page_level_error(
        self, make_flow: MakeFlow
    ) -> None:
        """A refusal whose code the route does not document lands on the page as a whole."""
        stub = ConnectStub("zero", "provider_select", ZERO_LIBRARY)
        strange = {
            **error_body("zero", code="provider_not_found"),
            "code": "provider_paused",
            "message": "Try later.",
        }
        stub.faults.append(Fault(409, strange, route="provider_select"))
        flow = await make_flow(stub)
        await flow.start(TOKEN)
        result = await flow.submit(answer("zero", "provider_select"))
        assert [(e.pointer, e.code, e.message) for e in result.errors] == [
            ("", "provider_paused", "Try later.")
        ]
        assert flow.status is SessionStatus.AWAITING_INPUT


class TestTokenExpired:
    """token_expired, at the start and in the middle."""

    async def test_expired_at_start_ends_with_a_new_token_message(
        self, make_flow: MakeFlow
    ) -> None:
        """token_expired on the start ends the session expired, telling the host what to do."""
        stub = ConnectStub("zero", "postal_address_capture", ZERO_LIBRARY, expired=True)
        flow = await make_flow(stub)
        outcome = await flow.run(TOKEN, registry(), ScriptedInput([]))
        assert outcome.status is OutcomeStatus.EXPIRED
        assert outcome.message is not None
        assert "new connect token" in outcome.message
        assert flow.status is SessionStatus.EXPIRED

    async def test_expired_mid_session_refuses_further_answers(self, make_flow: MakeFlow) -> None:
        """After token_expired on an answer, nothing more may be sent."""
        stub = ConnectStub("anode", "postal_address_capture", ANODE_LIBRARY)
        expired: list[ev.Expired] = []
        bus = EventBus()
        bus.subscribe(expired.append, ev.Expired)
        flow = await make_flow(stub, events=bus)
        await flow.start(TOKEN)
        stub.expired = True
        result = await flow.submit(answer("anode", "postal_address_capture"))
        assert result.outcome is not None
        assert result.outcome.status is OutcomeStatus.EXPIRED
        assert result.outcome.route == "postal_address_capture"
        assert len(expired) == 1
        with pytest.raises(TransitionRefused, match="over"):
            await flow.submit(Submission("postal_address_capture", action="BACK"))
        assert len(stub.requests) == 2


class TestProviderLogin:
    """session_redirect: provider logins and the anode end."""

    async def test_anode_redirect_waits_for_resume(self, make_flow: MakeFlow) -> None:
        """A provider login hands over its URL with fp_cot and resumes on session_start."""
        graph = {**ANODE_LIBRARY, ("provider_select", "data"): "session_redirect"}
        graph["session_redirect", "resume"] = "tariffs_summary"
        stub = ConnectStub("anode", "provider_select", graph)
        flow = await make_flow(stub, callback_url=CALLBACK_URL)
        await flow.start(TOKEN)
        result = await flow.submit(answer("anode", "provider_select"))
        assert result.redirect_url == f"https://brightwave-login.example.com?fp_cot={TOKEN}"
        assert result.outcome is None
        assert flow.status is SessionStatus.REDIRECTING
        with pytest.raises(TransitionRefused, match="provider login"):
            await flow.submit(Submission("session_redirect", action="CLOSE"))
        resumed = await flow.resume()
        assert resumed.page is not None
        assert resumed.page.route == "tariffs_summary"
        assert stub.routes[-1] == "session_start"
        assert flow.status is SessionStatus.AWAITING_INPUT

    async def test_zero_run_hands_the_login_to_on_redirect(self, make_flow: MakeFlow) -> None:
        """run() calls on_redirect with the login URL, then resumes on session_restore."""
        graph = {**ZERO_LIBRARY, ("provider_select", "data"): "session_redirect.redirect_uri"}
        graph["session_redirect", "resume"] = "summary_fixed_confirm"
        stub = ConnectStub("zero", "postal_address_capture", graph)
        flow = await make_flow(stub)
        opened: list[str] = []

        async def open_login(url: str) -> None:
            opened.append(url)

        script = [ZERO_LIBRARY_SCRIPT[0], ZERO_LIBRARY_SCRIPT[1], ZERO_LIBRARY_SCRIPT[3]]
        outcome = await flow.run(TOKEN, registry(), ScriptedInput(script), on_redirect=open_login)
        assert outcome.status is OutcomeStatus.COMPLETE
        assert len(opened) == 1
        assert opened[0].endswith(f"fp_cot={TOKEN}")
        assert stub.routes.count("session_restore") == 2

    async def test_run_without_on_redirect_fails_but_keeps_the_login(
        self, make_flow: MakeFlow
    ) -> None:
        """Without on_redirect, run() ends failed and the session still waits at the login."""
        graph = {**ANODE_LIBRARY, ("provider_select", "data"): "session_redirect"}
        stub = ConnectStub("anode", "provider_select", graph)
        flow = await make_flow(stub)
        outcome = await flow.run(
            TOKEN, registry(), ScriptedInput([step("anode", "provider_select")])
        )
        assert outcome.status is OutcomeStatus.FAILED
        assert outcome.message is not None
        assert "on_redirect" in outcome.message
        assert flow.status is SessionStatus.REDIRECTING
        assert flow.step.redirect_url is not None

    async def test_redirect_to_the_callback_after_back_is_the_end(
        self, make_flow: MakeFlow
    ) -> None:
        """BACK on the first page answered with the callback URL ends the session, not a login."""
        graph = {("postal_address_capture", "BACK"): "session_redirect.callback"}
        stub = ConnectStub("anode", "postal_address_capture", graph)
        flow = await make_flow(stub, callback_url=CALLBACK_URL + "/")
        await flow.start(TOKEN)
        result = await flow.submit(Submission("postal_address_capture", action="BACK"))
        assert result.outcome is not None
        assert result.outcome.status is OutcomeStatus.COMPLETE
        assert result.outcome.action == "BACK"

    async def test_redirect_to_an_unknown_callback_is_taken_for_a_login(
        self, make_flow: MakeFlow
    ) -> None:
        """Without the callback URL, a redirect after BACK can only be a provider login."""
        graph = {("postal_address_capture", "BACK"): "session_redirect.callback"}
        stub = ConnectStub("anode", "postal_address_capture", graph)
        flow = await make_flow(stub)
        await flow.start(TOKEN)
        result = await flow.submit(Submission("postal_address_capture", action="BACK"))
        assert result.outcome is None
        assert result.redirect_url == f"{CALLBACK_URL}?fp_cot={TOKEN}"


class TestBackAndClose:
    """BACK and CLOSE, allowed in anode, refused in zero."""

    async def test_anode_back_returns_to_the_previous_page(self, make_flow: MakeFlow) -> None:
        """BACK on provider_select posts the action and shows the address page again."""
        stub = ConnectStub("anode", "provider_select", ANODE_LIBRARY)
        flow = await make_flow(stub)
        await flow.start(TOKEN)
        result = await flow.submit(Submission("provider_select", action="BACK"))
        assert result.page is not None
        assert result.page.route == "postal_address_capture"
        assert stub.requests[-1]["action"] == "BACK"

    async def test_anode_close_is_allowed_where_the_page_does_not_list_it(
        self, make_flow: MakeFlow
    ) -> None:
        """CLOSE is universal in anode: allowed on a page whose actions omit it, and it ends."""
        stub = ConnectStub("anode", "postal_address_capture", ANODE_LIBRARY)
        flow = await make_flow(stub, callback_url=CALLBACK_URL)
        first = await flow.start(TOKEN)
        assert first.page is not None
        assert "CLOSE" not in first.page.actions
        result = await flow.submit(Submission("postal_address_capture", action="CLOSE"))
        assert result.outcome is not None
        assert result.outcome.status is OutcomeStatus.COMPLETE
        assert result.outcome.action == "CLOSE"

    async def test_zero_back_is_refused_before_anything_is_sent(self, make_flow: MakeFlow) -> None:
        """Zero has no BACK: the submission is refused and Connect sees nothing."""
        stub = ConnectStub("zero", "provider_select", ZERO_LIBRARY)
        flow = await make_flow(stub)
        await flow.start(TOKEN)
        with pytest.raises(TransitionRefused, match="'BACK' is not offered"):
            await flow.submit(Submission("provider_select", action="BACK"))
        assert stub.routes == ["session_restore"]
        assert flow.status is SessionStatus.AWAITING_INPUT


class TestUnknownRoute:
    """A route no pack knows."""

    async def test_unknown_route_is_rendered_by_the_fallback_and_answered(
        self, make_flow: MakeFlow
    ) -> None:
        """A route no pack knows is shown by the fallback renderer, and its action is posted."""
        mystery = {
            "connect_token": TOKEN,
            "route": "loyalty_offer",
            "live_mode": False,
            "actions": ["ACCEPT", "DECLINE"],
            "data": {"headline": "Join our rewards"},
        }
        graph = {
            ("postal_address_capture", "data"): mystery,
            ("loyalty_offer", "DECLINE"): "provider_select",
            ("provider_select", "CLOSE"): "session_redirect.callback",
        }
        stub = ConnectStub("anode", "postal_address_capture", graph)
        flow = await make_flow(stub)
        shown: list[str] = []
        script = [
            step("anode", "postal_address_capture"),
            {"route": "loyalty_offer", "action": "DECLINE"},
            {"route": "provider_select", "action": "CLOSE"},
        ]
        outcome = await flow.run(
            TOKEN, registry(), ScriptedInput(script), on_render=lambda r: shown.append(r.body)
        )
        assert outcome.status is OutcomeStatus.COMPLETE
        assert shown == [
            "address:postal_address_capture",
            "fallback:loyalty_offer",
            "fallback:provider_select",
        ]
        assert stub.requests[2] == {
            "connect_token": TOKEN,
            "route": "loyalty_offer",
            "action": "DECLINE",
        }


class TestTransportFaults:
    """Faults between the flow and Connect."""

    async def test_a_500_on_start_is_retried(
        self, make_flow: MakeFlow, sleep: RecordingSleep
    ) -> None:
        """A 500 on the start request is retried after a backoff, and the session starts."""
        stub = ConnectStub("zero", "postal_address_capture", ZERO_LIBRARY)
        stub.faults.append(Fault(500, "Internal Server Error"))
        flow = await make_flow(stub)
        first = await flow.start(TOKEN)
        assert first.page is not None
        assert first.page.route == "postal_address_capture"
        assert stub.routes == ["session_restore", "session_restore"]
        assert sleep.delays == [0.01]

    async def test_a_500_on_an_answer_is_surfaced_not_retried(
        self, make_flow: MakeFlow, sleep: RecordingSleep
    ) -> None:
        """A 500 on an answer raises TransportError at once; the answer is kept to send again."""
        stub = ConnectStub("anode", "postal_address_capture", ANODE_LIBRARY)
        flow = await make_flow(stub)
        await flow.start(TOKEN)
        stub.faults.append(Fault(500, "Internal Server Error"))
        sent = answer("anode", "postal_address_capture")
        with pytest.raises(TransportError) as caught:
            await flow.submit(sent)
        assert caught.value.status == 500
        assert caught.value.url.endswith("/")
        assert stub.routes == ["session_start", "postal_address_capture"]
        assert sleep.delays == []
        assert flow.status is SessionStatus.AWAITING_INPUT
        assert flow.state.last_answer == sent
        again = await flow.submit(sent)
        assert again.page is not None
        assert again.page.route == "provider_select"

    async def test_an_api_error_body_on_an_answer_is_a_transport_error(
        self, make_flow: MakeFlow
    ) -> None:
        """Connect's api_error body (a server fault) raises TransportError with its code."""
        stub = ConnectStub("anode", "provider_select", ANODE_LIBRARY)
        flow = await make_flow(stub)
        await flow.start(TOKEN)
        stub.faults.append(Fault(500, error_body("anode", kind="api_error")))
        with pytest.raises(TransportError) as caught:
            await flow.submit(answer("anode", "provider_select"))
        assert caught.value.code == "internal_error"
        assert caught.value.server_message is not None
        assert len(stub.requests) == 2
        assert flow.status is SessionStatus.AWAITING_INPUT

    async def test_run_turns_a_failed_answer_into_a_failed_outcome(
        self, make_flow: MakeFlow
    ) -> None:
        """In a run, a 500 on an answer ends the run failed while the session keeps the answer."""
        stub = ConnectStub("zero", "postal_address_capture", ZERO_LIBRARY)
        stub.faults.append(Fault(500, "Internal Server Error", route="postal_address_capture"))
        flow = await make_flow(stub)
        outcome = await flow.run(TOKEN, registry(), ScriptedInput(ZERO_LIBRARY_SCRIPT))
        assert outcome.status is OutcomeStatus.FAILED
        assert outcome.message is not None
        assert "HTTP 500" in outcome.message
        assert flow.status is SessionStatus.AWAITING_INPUT
        assert flow.state.last_answer is not None

    async def test_a_429_waits_for_retry_after_then_goes_on(
        self, make_flow: MakeFlow, sleep: RecordingSleep
    ) -> None:
        """A 429 with Retry-After on an answer waits that long, then sends the answer again."""
        stub = ConnectStub("anode", "postal_address_capture", ANODE_LIBRARY)
        flow = await make_flow(stub)
        await flow.start(TOKEN)
        stub.faults.append(Fault(429, "slow down", headers={"Retry-After": "2"}))
        result = await flow.submit(answer("anode", "postal_address_capture"))
        assert result.page is not None
        assert result.page.route == "provider_select"
        assert sleep.delays == [2.0]
        assert stub.routes == ["session_start", "postal_address_capture", "postal_address_capture"]

    async def test_a_page_that_breaks_its_schema_fails_the_session(
        self, make_flow: MakeFlow
    ) -> None:
        """A broken page raises SchemaViolation with pointers; a new start may help."""
        broken = fixture("anode", "pages", "provider_select")
        broken["data"]["providers"][0].pop("id")
        graph = {("postal_address_capture", "data"): broken}
        stub = ConnectStub("anode", "postal_address_capture", graph)
        invalid: list[ev.PageInvalid] = []
        bus = EventBus()
        bus.subscribe(invalid.append, ev.PageInvalid)
        flow = await make_flow(stub, events=bus)
        await flow.start(TOKEN)
        with pytest.raises(SchemaViolation) as caught:
            await flow.submit(answer("anode", "postal_address_capture"))
        assert [e.pointer for e in caught.value.errors] == ["/data/providers/0/id"]
        assert len(invalid) == 1
        assert flow.status is SessionStatus.FAILED
        assert flow.state.outcome is not None
        assert flow.state.outcome.status is OutcomeStatus.FAILED
        stub.current = "provider_select"
        again = await flow.start(TOKEN)
        assert again.page is not None
        assert again.page.route == "provider_select"
