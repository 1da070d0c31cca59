"""Session state: a lossless cattrs round trip, and a flow rebuilt from it picks up where it was."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable

from engine_support import (
    CALLBACK_URL,
    TOKEN,
    ConnectStub,
    answer,
    fixture,
)
from hypothesis import given
from hypothesis import strategies as st

from flatpeak_connect.engine.flow import Flow, SessionState, Step
from flatpeak_connect.engine.machine import SessionStatus
from flatpeak_connect.engine.models import FieldError, Outcome, OutcomeStatus, Submission
from flatpeak_connect.engine.transport import AiohttpTransport

MakeFlow = Callable[..., Awaitable[Flow]]

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=8,
)
json_objects = st.dictionaries(st.text(max_size=6), json_values, max_size=4)
field_errors = st.builds(
    FieldError,
    pointer=st.text(max_size=10),
    code=st.text(max_size=10),
    message=st.text(max_size=10),
    source=st.sampled_from(["client", "server"]),
)
states = st.builds(
    SessionState,
    version=st.sampled_from(["zero", "anode"]),
    status=st.sampled_from(SessionStatus),
    token=st.none() | st.text(max_size=30),
    page=st.none() | json_objects,
    history=st.lists(st.text(max_size=20), max_size=5).map(tuple),
    callback_url=st.none() | st.text(max_size=20),
    last_answer=st.none()
    | st.builds(
        Submission,
        route=st.text(max_size=10),
        action=st.none() | st.text(max_size=10),
        data=st.none() | json_objects,
    ),
    errors=st.lists(field_errors, max_size=3).map(tuple),
    redirect_url=st.none() | st.text(max_size=20),
    outcome=st.none()
    | st.builds(
        Outcome,
        status=st.sampled_from(OutcomeStatus),
        route=st.none() | st.text(max_size=10),
        callback_url=st.none() | st.text(max_size=10),
        action=st.none() | st.text(max_size=10),
        message=st.none() | st.text(max_size=10),
    ),
)


class TestRoundTrip:
    """SessionState through cattrs and JSON."""

    @given(states)
    def test_any_state_survives_json(self, state: SessionState) -> None:
        """Every state comes back equal from to_json, a JSON text, and from_json."""
        text = json.dumps(state.to_json())
        assert SessionState.from_json(json.loads(text)) == state

    def test_a_real_state_keeps_its_page_and_answer(self) -> None:
        """A state with a page, an answer and errors round-trips member by member."""
        state = SessionState(
            version="anode",
            status=SessionStatus.AWAITING_INPUT,
            token=TOKEN,
            page=fixture("anode", "pages", "provider_select"),
            history=("postal_address_capture", "provider_select"),
            callback_url=CALLBACK_URL,
            last_answer=answer("anode", "provider_select"),
            errors=(FieldError("/provider/id", "provider_not_found", "Not found.", "server"),),
        )
        document = state.to_json()
        assert document["status"] == "awaiting_input"
        assert document["errors"][0]["source"] == "server"
        assert SessionState.from_json(document) == state

    def test_repr_hides_the_token(self) -> None:
        """A state's repr never shows the connect token."""
        assert TOKEN not in repr(SessionState(version="zero", token=TOKEN))


class TestFromState:
    """Flows rebuilt from a saved state."""

    async def test_a_rebuilt_flow_goes_on_from_the_saved_page(self, make_flow: MakeFlow) -> None:
        """A flow rebuilt from a saved state answers the saved page without a new start."""
        stub = ConnectStub(
            "anode",
            "postal_address_capture",
            {("postal_address_capture", "data"): "provider_select"},
        )
        first = await make_flow(stub, callback_url=CALLBACK_URL)
        await first.start(TOKEN)
        saved = json.loads(json.dumps(first.state.to_json()))
        transport = first.transport
        assert isinstance(transport, AiohttpTransport)
        second = Flow.from_state(SessionState.from_json(saved), transport)
        assert second.status is SessionStatus.AWAITING_INPUT
        assert second.machine.callback_url == CALLBACK_URL
        result = await second.submit(answer("anode", "postal_address_capture"))
        assert result.page is not None
        assert result.page.route == "provider_select"
        assert stub.routes == ["session_start", "postal_address_capture"]

    def test_a_state_saved_mid_request_awaits_input_again(self) -> None:
        """A state saved while submitting comes back awaiting input, the answer kept."""
        sent = answer("zero", "provider_select")
        state = SessionState(
            version="zero",
            status=SessionStatus.SUBMITTING,
            token=TOKEN,
            page=fixture("zero", "pages", "provider_select"),
            last_answer=sent,
        )
        flow = Flow.from_state(state, AiohttpTransport("http://127.0.0.1:9/"))
        assert flow.status is SessionStatus.AWAITING_INPUT
        assert flow.state.last_answer == sent
        started = Flow.from_state(
            SessionState(version="zero", status=SessionStatus.STARTING, token=TOKEN),
            AiohttpTransport("http://127.0.0.1:9/"),
        )
        assert started.status is SessionStatus.NEW

    def test_the_step_of_a_restored_session_shows_errors_and_values(self) -> None:
        """flow.step of a restored state shows the page with its errors and the typed values."""
        typed = {"provider": {"id": "prv_000000000000000000000000"}}
        error = FieldError("/provider/id", "provider_not_found", "Not found.", "server")
        state = SessionState(
            version="zero",
            status=SessionStatus.AWAITING_INPUT,
            token=TOKEN,
            page=fixture("zero", "pages", "provider_select"),
            last_answer=Submission("provider_select", data=typed),
            errors=(error,),
        )
        step = Flow.from_state(state, AiohttpTransport("http://127.0.0.1:9/")).step
        assert step.page is not None
        assert step.page.route == "provider_select"
        assert step.errors == (error,)
        assert step.values == typed

    def test_the_step_of_an_ended_session_has_its_outcome(self) -> None:
        """flow.step of an ended session carries the outcome and is done."""
        outcome = Outcome(OutcomeStatus.EXPIRED, route="provider_select", message="expired")
        state = SessionState(version="zero", status=SessionStatus.EXPIRED, outcome=outcome)
        step = Flow.from_state(state, AiohttpTransport("http://127.0.0.1:9/")).step
        assert step == Step(outcome=outcome)
        assert step.done
