"""Transcripts: recorded as JSON Lines with secrets redacted, and replayed to the same end."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

import pytest
from engine_support import (
    CALLBACK_URL,
    TOKEN,
    ConnectStub,
    Fault,
    NamedRenderer,
    answer,
    fixture,
    step,
)

from flatpeak_connect.engine.errors import TransportError
from flatpeak_connect.engine.events import EventBus
from flatpeak_connect.engine.flow import Flow
from flatpeak_connect.engine.inputs import ScriptedInput
from flatpeak_connect.engine.models import OutcomeStatus
from flatpeak_connect.engine.transcript import TranscriptRecorder, read_transcript
from flatpeak_connect.engine.transport import ReplayTransport

if TYPE_CHECKING:
    from pathlib import Path

MakeFlow = Callable[..., Awaitable[Flow]]
API_KEY = "sk_live_0123456789abcdef0123"
TOKEN_SHAPE = re.compile(r"cot_[0-9a-f]{6,}")

GRAPH: dict[tuple[str, str], Any] = {
    ("postal_address_capture", "data"): "provider_select",
    ("provider_select", "data"): "session_redirect",
    ("session_redirect", "resume"): "tariffs_summary",
    ("tariffs_summary", "CLOSE"): "session_redirect.callback",
}
SCRIPT = [
    step("anode", "postal_address_capture"),
    step("anode", "postal_address_capture"),
    step("anode", "provider_select"),
    step("anode", "tariffs_summary"),
]


async def no_wait(url: str) -> None:
    """A provider login that returns at once."""


async def record(make_flow: MakeFlow, path: Path) -> tuple[Flow, ConnectStub]:
    """Run a recorded anode session with a rejection, a login and extra secret-looking fields."""
    stub = ConnectStub("anode", "postal_address_capture", GRAPH)
    stub.rejections["postal_address_capture"] = "geo_location_not_found"
    chatty = fixture("anode", "pages", "provider_select")
    chatty["debug"] = {"api_key": API_KEY, "note": f"Authorization: Bearer {API_KEY}"}
    stub.graph["postal_address_capture", "data"] = chatty
    bus = EventBus()
    flow = await make_flow(stub, events=bus, callback_url=CALLBACK_URL)
    with TranscriptRecorder(path) as recorder:
        recorder.attach(bus)
        outcome = await flow.run(
            TOKEN, NamedRenderer("r"), ScriptedInput(SCRIPT), on_redirect=no_wait
        )
    assert outcome.status is OutcomeStatus.COMPLETE
    return flow, stub


class TestRecording:
    """Writing a transcript."""

    async def test_one_line_per_request_and_response(
        self, make_flow: MakeFlow, tmp_path: Path
    ) -> None:
        """Each request and each response is one JSON line, requests and responses alternating."""
        path = tmp_path / "session.jsonl"
        _, stub = await record(make_flow, path)
        lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
        assert [line["type"] for line in lines] == ["request", "response"] * len(stub.requests)
        assert [line["body"]["route"] for line in lines[::2]] == stub.routes
        assert lines[3]["body"]["code"] == "geo_location_not_found"
        assert all(line["version"] == "anode" for line in lines)

    async def test_no_token_or_key_reaches_the_file(
        self, make_flow: MakeFlow, tmp_path: Path
    ) -> None:
        """The file holds no connect token, API key or bearer, only their placeholders."""
        path = tmp_path / "session.jsonl"
        await record(make_flow, path)
        text = path.read_text(encoding="utf-8")
        assert TOKEN not in text
        assert TOKEN_SHAPE.search(text) is None
        assert API_KEY not in text
        assert "cot_[redacted]" in text
        assert "fp_cot=cot_[redacted]" in text

    async def test_a_request_without_an_answer_is_recorded_as_such(
        self, make_flow: MakeFlow
    ) -> None:
        """A request that got a 500 is followed by a response line with no body and the error."""
        stub = ConnectStub("zero", "provider_select", {})
        stub.faults.append(Fault(500, "boom", route="provider_select"))
        bus = EventBus()
        flow = await make_flow(stub, events=bus)
        buffer = io.StringIO()
        TranscriptRecorder(buffer).attach(bus)
        await flow.start(TOKEN)
        with pytest.raises(TransportError):
            await flow.submit(answer("zero", "provider_select"))
        last = json.loads(buffer.getvalue().splitlines()[-1])
        assert last["type"] == "response"
        assert last["body"] is None
        assert "HTTP 500" in last["error"]


class TestReplay:
    """Replaying a transcript."""

    async def test_a_replay_reaches_the_same_end(self, make_flow: MakeFlow, tmp_path: Path) -> None:
        """Replaying the transcript with the same script ends the same way, with no server."""
        path = tmp_path / "session.jsonl"
        live, _ = await record(make_flow, path)
        replay = ReplayTransport.from_file(path)
        assert replay.version == "anode"
        flow = Flow("anode", replay, callback_url=CALLBACK_URL)
        outcome = await flow.run(
            replay.token, NamedRenderer("r"), ScriptedInput(SCRIPT), on_redirect=no_wait
        )
        assert outcome.status is OutcomeStatus.COMPLETE
        assert outcome.action == "CLOSE"
        assert flow.state.history == live.state.history
        assert replay.remaining == 0

    async def test_a_diverging_session_is_stopped_with_where(
        self, make_flow: MakeFlow, tmp_path: Path
    ) -> None:
        """A replay asked for something else than recorded fails, naming both requests."""
        path = tmp_path / "session.jsonl"
        await record(make_flow, path)
        replay = ReplayTransport.from_file(path)
        await replay.send({"connect_token": replay.token, "route": "session_start"})
        with pytest.raises(
            TransportError, match=r"exchange 2.*action 'CLOSE'.*route 'postal_address_capture'"
        ):
            await replay.send(
                {
                    "connect_token": replay.token,
                    "route": "postal_address_capture",
                    "action": "CLOSE",
                }
            )

    async def test_an_exhausted_transcript_says_so(self, tmp_path: Path) -> None:
        """A request after the last recorded one fails with the route asked for."""
        path = tmp_path / "empty.jsonl"
        path.write_text("", encoding="utf-8")
        replay = ReplayTransport.from_file(path)
        with pytest.raises(TransportError, match=r"exhausted.*'session_start'"):
            await replay.send({"connect_token": TOKEN, "route": "session_start"})

    def test_a_file_that_is_not_a_transcript_is_refused_with_its_line(self, tmp_path: Path) -> None:
        """A line that is not a transcript record is an error naming the line."""
        path = tmp_path / "bad.jsonl"
        path.write_text('{"type": "request", "body": {}}\n{"hello": 1}\n', encoding="utf-8")
        with pytest.raises(ValueError, match=r"bad.jsonl:2"):
            read_transcript(path)
