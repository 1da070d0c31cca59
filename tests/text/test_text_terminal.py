"""The terminal input, fed through a real pipe: prompts, choices, actions, errors, end of input."""

from __future__ import annotations

import asyncio
import io
import json
import os
import signal
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from flatpeak_connect.engine.models import FieldError, Page, Submission
from flatpeak_connect.renderers.text import Style
from flatpeak_connect.renderers.text.reader import InputClosed, LineReader
from flatpeak_connect.renderers.text.terminal import TerminalInput

if TYPE_CHECKING:
    from collections.abc import Iterator

FIXTURES = Path(__file__).parents[1] / "fixtures"


def fixture(version: str, name: str) -> Page:
    """Load a named fixture page."""
    path = FIXTURES / version / "pages" / f"{name}.json"
    return Page.from_json(json.loads(path.read_text()), version)


class Pipe:
    """A real pipe standing in for the keyboard, and a buffer for what the program prints."""

    def __init__(self) -> None:
        read_fd, self.write_fd = os.pipe()
        self.stdin = os.fdopen(read_fd, "r")
        self.out = io.StringIO()
        self.reader = LineReader(self.stdin, self.out)
        self.input = TerminalInput(self.reader, style=Style())

    def type(self, *lines: str) -> None:
        """Type lines, each ended by Enter."""
        os.write(self.write_fd, "".join(f"{line}\n" for line in lines).encode())

    def end(self) -> None:
        """Press Ctrl-D (close the pipe)."""
        os.close(self.write_fd)
        self.write_fd = -1

    async def collect(self, shown: Page, errors: list[FieldError] | None = None) -> Submission:
        """Collect an answer; a script that runs short fails the test instead of hanging."""
        return await asyncio.wait_for(self.input.collect(shown, errors or []), timeout=30)

    def close(self) -> None:
        """Close both ends."""
        if self.write_fd >= 0:
            os.close(self.write_fd)
        self.stdin.close()


@pytest.fixture
def pipe() -> Iterator[Pipe]:
    """A terminal input reading from a pipe."""
    keyboard = Pipe()
    yield keyboard
    keyboard.close()


class TestReader:
    """LineReader: lines without blocking the loop."""

    async def test_the_loop_runs_while_waiting(self, pipe: Pipe) -> None:
        """Other tasks run while a prompt waits for a line."""
        ticks = 0

        async def tick() -> None:
            nonlocal ticks
            while True:
                ticks += 1
                await asyncio.sleep(0)

        ticker = asyncio.create_task(tick())
        reading = asyncio.create_task(pipe.reader.readline("? "))
        for _ in range(20):
            await asyncio.sleep(0)
        assert ticks >= 10
        assert not reading.done()
        pipe.type("hello")
        assert await reading == "hello"
        ticker.cancel()

    async def test_end_of_input(self, pipe: Pipe) -> None:
        """Ctrl-D raises InputClosed('eof'); a last line without Enter is still read."""
        os.write(pipe.write_fd, b"last")
        pipe.end()
        assert await pipe.reader.readline() == "last"
        with pytest.raises(InputClosed) as closed:
            await pipe.reader.readline()
        assert closed.value.reason == "eof"

    async def test_interrupt_at_the_prompt(self, pipe: Pipe) -> None:
        """Ctrl-C while a prompt waits raises InputClosed('interrupt'), and Ctrl-C is restored."""
        before = signal.getsignal(signal.SIGINT)
        reading = asyncio.create_task(pipe.reader.readline("? "))
        for _ in range(100):
            await asyncio.sleep(0)
            if signal.getsignal(signal.SIGINT) != before:
                break
        # Only send the signal once the prompt has it, or it would stop the test run itself.
        assert signal.getsignal(signal.SIGINT) != before
        os.kill(os.getpid(), signal.SIGINT)
        with pytest.raises(InputClosed) as closed:
            await reading
        assert closed.value.reason == "interrupt"
        assert signal.getsignal(signal.SIGINT) == before

    async def test_echoes_what_was_not_typed(self, pipe: Pipe) -> None:
        """Piped input is echoed after its prompt, so the output reads like a transcript."""
        pipe.type("GB")
        assert await pipe.reader.readline("Country: ") == "GB"
        assert pipe.out.getvalue() == "Country: GB\n"


class TestQuestions:
    """Pages with fields."""

    async def test_address_with_a_correction(self, pipe: Pipe) -> None:
        """A missing required field is refused with its message and asked again at once."""
        pipe.type("", "17 Orchard Row", "", "Millbrook", "", "MB4 7QT", "gb")
        submission = await pipe.collect(fixture("zero", "postal_address_capture"))
        assert submission.data == {
            "postal_address": {
                "address_line1": "17 Orchard Row",
                "address_line2": "",
                "city": "Millbrook",
                "state": "",
                "post_code": "MB4 7QT",
                "country_code": "GB",
            }
        }
        printed = pipe.out.getvalue()
        assert printed.count("Address line 1") == 2
        assert "! Enter the first line of your address" in printed

    async def test_choice_by_number(self, pipe: Pipe) -> None:
        """A choice is made by its number; a number out of range is asked again."""
        shown = fixture("zero", "provider_select")
        pipe.type("9", "2")
        submission = await pipe.collect(shown)
        assert submission.data == {"provider": {"id": shown.data["providers"][1]["id"]}}
        assert "! Type a number from 1 to" in pipe.out.getvalue()

    async def test_a_superscript_digit_is_not_a_number(self, pipe: Pipe) -> None:
        """A superscript 2 at a numbered prompt is asked again (a digit to isdigit, not to int)."""
        shown = fixture("zero", "provider_select")
        pipe.type("²", "1")
        submission = await pipe.collect(shown)
        assert submission.data == {"provider": {"id": shown.data["providers"][0]["id"]}}

    async def test_action_at_a_prompt(self, pipe: Pipe) -> None:
        """An action name typed at a field's prompt answers the page with that action."""
        pipe.type("Provider-Missing")
        submission = await pipe.collect(fixture("zero", "provider_select"))
        assert submission == Submission("provider_select", action="PROVIDER_MISSING")

    async def test_price_in_pence(self, pipe: Pipe) -> None:
        """A price typed in pence is sent in pounds; a zero is refused with its code's message."""
        pipe.type("0", "24.5")
        submission = await pipe.collect(fixture("zero", "rate_fixed_capture"))
        assert submission.data == {"cost": 0.245}
        assert "Price per kWh (in p)" in pipe.out.getvalue()

    async def test_time_periods(self, pipe: Pipe) -> None:
        """Periods are asked one by one; a gap is refused and the periods asked again."""
        pipe.type("0", "6", "9", "y", "7", "0", "30", "n")
        pipe.type("", "7", "", "", "", "", "", "")
        submission = await pipe.collect(fixture("zero", "rate_tod_capture"))
        assert submission.data == {
            "hours": [
                {"valid_from": "00:00:00", "valid_to": "07:00:00", "cost": 0.09},
                {"valid_from": "07:00:00", "valid_to": "00:00:00", "cost": 0.3},
            ]
        }
        assert "! Your time periods leave part of the day without a price" in pipe.out.getvalue()

    async def test_server_errors_keep_what_was_typed(self, pipe: Pipe) -> None:
        """Connect's error is shown before its field, and the last answer is the default."""
        shown = fixture("zero", "tariff_name_capture")
        pipe.type("Eco Seven")
        await pipe.collect(shown)
        error = FieldError("/tariff/name", "tariff_name_missing", "Name it again.", "server")
        pipe.type("")
        submission = await pipe.collect(shown, [error])
        assert submission.data == {"tariff": {"name": "Eco Seven"}}
        assert "! Name it again.\nTariff name [Eco Seven]: " in pipe.out.getvalue()

    async def test_skip_an_optional_page(self, pipe: Pipe) -> None:
        """Zero's contract term can be skipped: an answer with neither data nor action."""
        pipe.type("skip")
        submission = await pipe.collect(fixture("zero", "contract_term_capture"))
        assert submission == Submission("contract_term_capture")

    async def test_clear_an_optional_value(self, pipe: Pipe) -> None:
        """A dash clears an optional pre-filled date, which is then sent as null."""
        pipe.type("-", "", "")
        shown = fixture("anode", "contract_term_capture.prefilled")
        submission = await pipe.collect(shown)
        assert submission.data is not None
        assert submission.data["contract_start_date"] is None
        assert submission.data["contract_end_date"] == "2026-01-31T00:00:00Z"


class TestActionPages:
    """Pages answered by an action alone."""

    async def test_by_number_or_name(self, pipe: Pipe) -> None:
        """A summary's actions are chosen by number or by name; anything else is asked again."""
        shown = fixture("anode", "tariffs_summary")
        pipe.type("nonsense", "close")
        assert await pipe.collect(shown) == Submission(shown.route, action="CLOSE")
        pipe.type("1")
        first = await pipe.collect(shown)
        assert first.action == shown.actions[0]
        assert "! Type a number from 1-" in pipe.out.getvalue()

    async def test_end_of_input(self, pipe: Pipe) -> None:
        """Ctrl-D at a prompt ends the input with InputClosed."""
        pipe.end()
        with pytest.raises(InputClosed):
            await pipe.collect(fixture("zero", "summary_tou_confirm"))
