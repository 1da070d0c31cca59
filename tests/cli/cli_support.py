"""Helpers of the command-line tests: the console script, a pseudo-terminal, a simulator token."""

from __future__ import annotations

import asyncio
import io
import os
import sys
from pathlib import Path
from typing import Any

import pexpect

from flatpeak_connect.engine.backend import FlatPeakAPI
from flatpeak_connect.simulator import DEMO_ACCOUNT_ID, DEMO_API_KEY

SCRIPT = str(Path(sys.executable).parent / "flatpeak-connect")
"""The venv's console script, as a user runs it."""

TIMEOUT = 60
"""Seconds pexpect waits for an expected prompt: generous, for a busy machine."""

GB_ADDRESS = {
    "address_line1": "17 Orchard Row",
    "address_line2": "",
    "city": "Millbrook",
    "post_code": "MB4 7QT",
    "country_code": "GB",
}
NORTHGRID = "prv_f8ef1ff3c8f7b513076fb77c"
"""A LIBRARY supplier of the default scenario (the second in the GB list)."""
VILLAGE = "prv_47b28be2c7ae7a86affbec1b"
"""A MANUAL supplier of the default scenario (the sixth in the GB list)."""


def environment() -> dict[str, str]:
    """The environment of a spawned command: plain output, no colour, no FlatPeak credentials."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"FLATPEAK_ACCOUNT_ID", "FLATPEAK_API_KEY", "NO_COLOR", "TERM"}
    }
    env.update({"TERM": "dumb", "NO_COLOR": "1", "COLUMNS": "100", "PYTHONUNBUFFERED": "1"})
    return env


class Terminal:
    """A command running in a real pseudo-terminal, with everything it printed kept."""

    def __init__(self, *args: str) -> None:
        self.log = io.StringIO()
        self.child = pexpect.spawn(
            SCRIPT,
            list(args),
            env=environment(),
            encoding="utf-8",
            timeout=TIMEOUT,
            dimensions=(40, 100),
        )
        self.child.logfile_read = self.log
        # Every line is typed after its prompt was seen, so pexpect's safety pause before each
        # send is not needed.
        self.child.delaybeforesend = None

    def answer(self, prompt: str, text: str) -> None:
        """Wait for ``prompt`` and type ``text`` and Enter."""
        self.child.expect_exact(prompt)
        self.child.sendline(text)

    def expect(self, text: str) -> None:
        """Wait until ``text`` is printed."""
        self.child.expect_exact(text)

    def finish(self) -> int:
        """Wait for the command to end and return its exit status."""
        self.child.expect(pexpect.EOF)
        self.child.close()
        status = self.child.exitstatus
        assert status is not None, f"ended by a signal: {self.child.signalstatus}"
        return int(status)

    @property
    def output(self) -> str:
        """Everything printed so far (the terminal's echo of typed lines included)."""
        return self.log.getvalue()

    def close(self) -> None:
        """Stop the command if it is still running."""
        if self.child.isalive():
            self.child.terminate(force=True)


def type_address(term: Terminal) -> None:
    """Answer the address page with a GB address served by every kind of supplier."""
    term.answer("Address line 1: ", GB_ADDRESS["address_line1"])
    term.answer("Address line 2 (optional): ", "")
    term.answer("Town or city: ", GB_ADDRESS["city"])
    term.answer("County, state or province (optional): ", "")
    term.answer("Postcode or ZIP code: ", GB_ADDRESS["post_code"])
    term.answer("Country: ", "gb")


def create_token(url: str, version: str, **options: Any) -> str:
    """Create a connect token on a simulator, as a back-end would."""

    async def create() -> str:
        async with FlatPeakAPI(DEMO_ACCOUNT_ID, DEMO_API_KEY, url) as api:
            token = await api.create_token(
                version, callback_url=f"{url}/done", return_url=f"{url}/return", **options
            )
            return token.connect_token

    return asyncio.run(create())
