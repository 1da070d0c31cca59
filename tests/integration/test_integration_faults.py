"""The engine against a real simulator armed with faults: what a host and a customer get."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from flatpeak_connect import (
    AiohttpTransport,
    FlatPeakAPI,
    Flow,
    OutcomeStatus,
    SchemaViolation,
    ScriptedInput,
    SessionStatus,
    Submission,
    TransportError,
)
from flatpeak_connect.renderers.json import JsonRenderer
from flatpeak_connect.renderers.text import TextRenderer
from flatpeak_connect.simulator import ManualClock, SimulatorServer

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

CONSOLE_SCRIPT = str(Path(sys.executable).parent / "flatpeak-connect")
"""The venv's console script, as a user runs it."""

ADDRESS = Submission(
    "postal_address_capture",
    data={
        "postal_address": {
            "address_line1": "17 Orchard Row",
            "address_line2": "",
            "city": "Millbrook",
            "state": "",
            "post_code": "MB4 7QT",
            "country_code": "GB",
        }
    },
)
"""The customer's answer to the first page: a GB address every kind of supplier serves."""
NORTHGRID = Submission("provider_select", data={"provider": {"id": "prv_f8ef1ff3c8f7b513076fb77c"}})
"""A LIBRARY supplier of the default scenario."""
TARIFF = Submission("tariff_select", data={"tariff": {"id": "trt_adeddae17fe8e92398b3b78a"}})
"""Northgrid Standard, a library tariff of the default scenario."""
EXPIRES_IN = 600
"""Seconds a token lives on the simulator's manual clock."""


class Delays:
    """A transport ``sleep`` that records each wait instead of waiting."""

    def __init__(self) -> None:
        self.seen: list[float] = []

    async def __call__(self, delay: float) -> None:
        """Record ``delay`` and return at once."""
        self.seen.append(delay)


class Harness:
    """A simulator, a token created through the back-end API, and flows against them."""

    def __init__(self, sim: SimulatorServer, clock: ManualClock, token: str) -> None:
        self.sim = sim
        self.clock = clock
        self.token = token
        self.delays = Delays()
        self.transports: list[AiohttpTransport] = []

    def flow(self, **transport_options: Any) -> Flow:
        """A new anode flow whose transport records its retry waits."""
        transport = AiohttpTransport(self.sim.url + "/", sleep=self.delays, **transport_options)
        self.transports.append(transport)
        return Flow("anode", transport, callback_url=f"{self.sim.url}/done")

    async def at_address_page(self, **transport_options: Any) -> Flow:
        """A flow started and on the address page, the start's retry waits forgotten."""
        flow = self.flow(**transport_options)
        step = await flow.start(self.token)
        assert step.page is not None
        assert step.page.route == "postal_address_capture"
        # Only the waits of what the test does next count (a busy machine may retry a start).
        self.delays.seen.clear()
        return flow

    def fault(self, kind: str, **options: object) -> None:
        """Arm a fault for this harness's token only."""
        self.sim.add_fault(kind, token=self.token, **options)

    async def close(self) -> None:
        """Close every transport made."""
        for transport in self.transports:
            await transport.close()


@pytest.fixture
async def harness() -> AsyncIterator[Harness]:
    """A simulator on a free port with a manual clock, and a fresh anode token."""
    clock = ManualClock(datetime(2025, 6, 15, 9, 30, tzinfo=UTC))
    async with SimulatorServer(clock=clock, expires_in=EXPIRES_IN) as sim:
        async with FlatPeakAPI(sim.account_id, sim.api_key, base_url=sim.url) as api:
            token = await api.create_token(
                "anode", callback_url=f"{sim.url}/done", return_url=f"{sim.url}/return"
            )
        harness = Harness(sim, clock, token.connect_token)
        try:
            yield harness
        finally:
            await harness.close()


def script(*submissions: Submission) -> list[dict[str, Any]]:
    """The submissions as ScriptedInput steps (JSON, as a script file holds them)."""
    return [
        {k: v for k, v in (("route", s.route), ("action", s.action), ("data", s.data)) if v}
        for s in submissions
    ]


def assert_answer_kept(flow: Flow) -> None:
    """The customer's address is kept and the address page awaits input again."""
    assert flow.status is SessionStatus.AWAITING_INPUT
    assert flow.state.last_answer == ADDRESS
    assert flow.page is not None
    assert flow.page.route == "postal_address_capture"


async def assert_resend_works(flow: Flow) -> None:
    """Sending the kept answer again moves the session on to provider selection."""
    kept = flow.state.last_answer
    assert kept is not None
    step = await flow.submit(kept)
    assert step.page is not None
    assert step.page.route == "provider_select"
    assert step.errors == ()


class TestServerError:
    """A 5xx from Connect: the start is retried, an answer is not."""

    async def test_start_is_retried(self, harness: Harness) -> None:
        """A 500 on the start request is retried after the first backoff and the session starts."""
        harness.fault("server_error", route="session_start")
        flow = harness.flow()
        step = await flow.start(harness.token)
        assert harness.delays.seen == [0.5]
        assert step.page is not None
        assert step.page.route == "postal_address_capture"
        assert flow.status is SessionStatus.AWAITING_INPUT

    async def test_start_gives_up(self, harness: Harness) -> None:
        """A start that keeps failing raises TransportError after the retries; a new start works."""
        harness.fault("server_error", route="session_start", times=4)
        flow = harness.flow()
        with pytest.raises(TransportError) as raised:
            await flow.start(harness.token)
        assert raised.value.code == "internal_server_error"
        assert harness.delays.seen == [0.5, 1.0, 2.0]
        assert flow.status is SessionStatus.FAILED
        step = await flow.start(harness.token)
        assert step.page is not None
        assert step.page.route == "postal_address_capture"

    async def test_answer_is_not_retried(self, harness: Harness) -> None:
        """A 500 on an answer raises TransportError with Connect's code and keeps the answer."""
        flow = await harness.at_address_page()
        harness.fault("server_error", route="postal_address_capture")
        with pytest.raises(TransportError) as raised:
            await flow.submit(ADDRESS)
        assert raised.value.code == "internal_server_error"
        assert raised.value.server_message
        assert raised.value.url == harness.sim.url + "/"
        assert harness.delays.seen == []
        assert_answer_kept(flow)
        await assert_resend_works(flow)

    async def test_answer_processed_then_lost(self, harness: Harness) -> None:
        """A 500 after Connect acted on the answer still keeps it, and re-sending it is safe."""
        flow = await harness.at_address_page()
        harness.fault("server_error", route="postal_address_capture", when="after")
        with pytest.raises(TransportError):
            await flow.submit(ADDRESS)
        assert_answer_kept(flow)
        await assert_resend_works(flow)

    async def test_run_ends_failed_with_message(self, harness: Harness) -> None:
        """In run(), a 500 on an answer is a failed outcome with a message, the answer kept."""
        flow = harness.flow()
        harness.fault("server_error", route="postal_address_capture")
        outcome = await flow.run(harness.token, TextRenderer(), ScriptedInput(script(ADDRESS)))
        assert outcome.status is OutcomeStatus.FAILED
        assert outcome.route == "postal_address_capture"
        assert outcome.message
        assert "server fault" in outcome.message
        assert_answer_kept(flow)


class TestRateLimit:
    """A 429 was not processed, so any request is retried after ``Retry-After``."""

    async def test_answer_waits_retry_after(self, harness: Harness) -> None:
        """A 429 with Retry-After: 2 on an answer waits 2 s, then the answer goes through."""
        flow = await harness.at_address_page()
        harness.fault("rate_limit", route="postal_address_capture", retry_after=2)
        step = await flow.submit(ADDRESS)
        assert harness.delays.seen == [2.0]
        assert step.page is not None
        assert step.page.route == "provider_select"

    async def test_retry_after_too_long(self, harness: Harness) -> None:
        """A Retry-After over max_retry_after comes back at once: the page again, with an error."""
        flow = await harness.at_address_page(max_retry_after=1)
        harness.fault("rate_limit", route="postal_address_capture", retry_after=5)
        step = await flow.submit(ADDRESS)
        assert harness.delays.seen == []
        assert step.page is not None
        assert step.page.route == "postal_address_capture"
        assert [(e.pointer, e.code, e.source) for e in step.errors] == [
            ("", "rate_limit_exceeded", "server")
        ]
        assert "Retry-After" in step.errors[0].message
        assert step.values == ADDRESS.data
        assert_answer_kept(flow)
        await assert_resend_works(flow)


class TestDrop:
    """A connection closed without an answer."""

    async def test_start_is_retried(self, harness: Harness) -> None:
        """A dropped start request is sent again and the session starts."""
        harness.fault("drop", route="session_start")
        step = await harness.flow().start(harness.token)
        assert harness.delays.seen == [0.5]
        assert step.page is not None
        assert step.page.route == "postal_address_capture"

    async def test_answer_is_not_retried(self, harness: Harness) -> None:
        """A dropped answer raises TransportError without a retry, and the answer is kept."""
        flow = await harness.at_address_page()
        harness.fault("drop", route="postal_address_capture", when="after")
        with pytest.raises(TransportError, match="no answer from Connect"):
            await flow.submit(ADDRESS)
        assert harness.delays.seen == []
        assert_answer_kept(flow)
        await assert_resend_works(flow)


class TestMalformedJson:
    """A 200 whose body is cut off mid-JSON."""

    async def test_answer(self, harness: Harness) -> None:
        """A cut-off answer raises TransportError saying so, and the answer is kept."""
        flow = await harness.at_address_page()
        harness.fault("malformed_json", route="postal_address_capture")
        with pytest.raises(TransportError, match="not a JSON object") as raised:
            await flow.submit(ADDRESS)
        assert raised.value.status == 200
        assert_answer_kept(flow)
        await assert_resend_works(flow)

    async def test_start(self, harness: Harness) -> None:
        """A cut-off first page fails the start with TransportError, and a new start works."""
        flow = harness.flow()
        harness.fault("malformed_json", route="session_start")
        with pytest.raises(TransportError, match="not a JSON object"):
            await flow.start(harness.token)
        assert flow.status is SessionStatus.FAILED
        step = await flow.start(harness.token)
        assert step.page is not None
        assert step.page.route == "postal_address_capture"


class TestSchemaViolation:
    """A page whose ``data`` breaks its schema."""

    async def test_submit_raises(self, harness: Harness) -> None:
        """A broken page raises SchemaViolation at /data; a new start gets the real page."""
        flow = await harness.at_address_page()
        harness.fault("schema_violation", route="postal_address_capture")
        with pytest.raises(SchemaViolation) as raised:
            await flow.submit(ADDRESS)
        assert raised.value.errors
        assert all(e.pointer.startswith("/data") for e in raised.value.errors)
        assert "schema" in str(raised.value)
        assert flow.status is SessionStatus.FAILED
        step = await flow.start(harness.token)
        assert step.page is not None
        assert step.page.route == "provider_select"

    async def test_run_ends_failed(self, harness: Harness) -> None:
        """In run(), a broken page is a failed outcome whose message names the schema."""
        flow = harness.flow()
        harness.fault("schema_violation", route="postal_address_capture")
        outcome = await flow.run(harness.token, TextRenderer(), ScriptedInput(script(ADDRESS)))
        assert outcome.status is OutcomeStatus.FAILED
        assert outcome.message
        assert "schema" in outcome.message


class TestUnknownRoute:
    """A page under a route no pack knows."""

    async def test_renderers_fall_back(self, harness: Harness) -> None:
        """The unknown page is shown, and the text and JSON renderers draw it without error."""
        flow = await harness.at_address_page()
        harness.fault("unknown_route", route="postal_address_capture")
        step = await flow.submit(ADDRESS)
        assert step.page is not None
        assert step.page.route == "simulator_unknown_route"
        assert flow.status is SessionStatus.AWAITING_INPUT
        context = flow.render_context(step)
        assert context.spec is None

        text = TextRenderer().render(step.page, step.errors, context)
        assert text.body.strip()
        # The page carries provider selection's data under the unknown route: the fallback
        # shows it rather than nothing.
        assert "Northgrid Supply" in text.body

        view = json.loads(JsonRenderer().render(step.page, step.errors, context).body)
        assert view["route"] == "simulator_unknown_route"
        assert view["kind"] == "unknown"

    async def test_start_returns_real_page(self, harness: Harness) -> None:
        """After an unknown route, a start returns the page the session really is on."""
        flow = await harness.at_address_page()
        harness.fault("unknown_route", route="postal_address_capture")
        await flow.submit(ADDRESS)
        step = await flow.start(harness.token)
        assert step.page is not None
        assert step.page.route == "provider_select"


class TestSlow:
    """An answer later than the transport's read timeout."""

    async def test_answer_times_out(self, harness: Harness) -> None:
        """A slow answer beyond the read timeout raises TransportError, not retried, answer kept."""
        flow = await harness.at_address_page(read_timeout=0.1)
        harness.fault("slow", route="postal_address_capture", delay=0.3)
        with pytest.raises(TransportError, match="no answer from Connect"):
            await flow.submit(ADDRESS)
        assert harness.delays.seen == []
        assert_answer_kept(flow)
        await assert_resend_works(flow)

    async def test_start_times_out_then_retried(self, harness: Harness) -> None:
        """A slow start beyond the read timeout is sent again and the session starts."""
        harness.fault("slow", route="session_start", delay=0.3)
        flow = harness.flow(read_timeout=0.1)
        step = await flow.start(harness.token)
        assert step.page is not None
        assert step.page.route == "postal_address_capture"
        # The first wait is the first backoff; a busy machine may need more than one retry.
        assert harness.delays.seen[:1] == [0.5]


class TestExpiry:
    """A token that expires during the session, on the simulator's clock."""

    async def test_answer_after_expiry(self, harness: Harness) -> None:
        """An answer after expiry ends the session expired, telling the host to make a new token."""
        flow = await harness.at_address_page()
        harness.clock.advance(seconds=EXPIRES_IN + 1)
        step = await flow.submit(ADDRESS)
        assert step.outcome is not None
        assert step.outcome.status is OutcomeStatus.EXPIRED
        assert step.outcome.message
        assert "new connect token" in step.outcome.message
        assert flow.status is SessionStatus.EXPIRED

    async def test_run_after_expiry(self, harness: Harness) -> None:
        """run() with an expired token returns the expired outcome rather than raising."""
        harness.clock.advance(seconds=EXPIRES_IN + 1)
        outcome = await harness.flow().run(harness.token, TextRenderer(), ScriptedInput([]))
        assert outcome.status is OutcomeStatus.EXPIRED
        assert outcome.message
        assert "new connect token" in outcome.message


def cli_environment() -> dict[str, str]:
    """The environment of the console script: plain output, no FlatPeak credentials."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"FLATPEAK_ACCOUNT_ID", "FLATPEAK_API_KEY", "NO_COLOR", "TERM"}
    }
    env.update({"TERM": "dumb", "NO_COLOR": "1", "PYTHONUNBUFFERED": "1"})
    return env


class TestCliRun:
    """``flatpeak-connect run --script`` against a faulty simulator."""

    async def test_fault_on_answer(self, harness: Harness, tmp_path: Path) -> None:
        """A 500 on an answer: exit 1, a failed outcome line with a message, no traceback."""
        harness.fault("server_error", route="provider_select")
        script_file = tmp_path / "script.json"
        close = Submission("tariffs_summary", action="CLOSE")
        script_file.write_text(json.dumps(script(ADDRESS, NORTHGRID, TARIFF, close)))
        process = await asyncio.create_subprocess_exec(
            CONSOLE_SCRIPT, "run", "--token", harness.token,
            "--connect-url", f"{harness.sim.url}/", "--version", "anode",
            "--callback-url", f"{harness.sim.url}/done", "--script", str(script_file),
            stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE, env=cli_environment(),
        )  # fmt: skip
        out, err = await asyncio.wait_for(process.communicate(), timeout=60)
        stderr = err.decode()
        assert "Traceback" not in stderr, stderr
        assert process.returncode == 1, stderr
        outcome = json.loads(out.decode().splitlines()[-1])
        assert outcome["status"] == "failed"
        assert outcome["route"] == "provider_select"
        assert outcome["message"]
        assert "server fault" in outcome["message"]
        assert harness.token not in outcome["message"]
        assert stderr.startswith("flatpeak-connect: failed: ")
