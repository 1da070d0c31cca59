"""``flatpeak-connect serve`` in a real pseudo-terminal: the demo starts, serves, and stops."""

from __future__ import annotations

import os
import re
import stat
import sys
import urllib.request
from pathlib import Path
from typing import TYPE_CHECKING

import pexpect
import pytest

if TYPE_CHECKING:
    from collections.abc import Iterator

pytestmark = pytest.mark.pty

COMMAND = str(Path(sys.executable).with_name("flatpeak-connect"))


def _environment() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FLATPEAK_")}
    env["NO_COLOR"] = "1"
    return env


@pytest.fixture
def spawn() -> Iterator[list[pexpect.spawn]]:
    """Children spawned by a test, stopped if the test leaves them running."""
    children: list[pexpect.spawn] = []
    yield children
    for child in children:
        if child.isalive():
            child.terminate(force=True)


def _serve(spawned: list[pexpect.spawn], *args: str) -> tuple[pexpect.spawn, str]:
    child = pexpect.spawn(
        COMMAND, ["serve", "--port", "0", *args], env=_environment(), encoding="utf-8", timeout=30
    )
    spawned.append(child)
    child.expect(r"Open (http://127\.0\.0\.1:\d+/connect/) in your browser")
    return child, str(child.match.group(1))


class TestServe:
    """The demo server a person starts from the README."""

    def test_without_credentials_it_serves_the_demo_and_ctrl_c_stops_it(
        self, spawn: list[pexpect.spawn]
    ) -> None:
        """It starts the simulator, prints the URL, serves the start page, exits 0 on Ctrl-C."""
        child, url = _serve(spawn)
        assert "embedded simulator" in child.before
        with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - our own URL
            page = response.read().decode()
        assert "Start now" in page
        child.sendintr()
        child.expect("Stopped.")
        child.expect(pexpect.EOF)
        child.close()
        assert child.exitstatus == 0

    def test_an_sqlite_store_keeps_its_signing_key_beside_it(
        self, spawn: list[pexpect.spawn], tmp_path: Path
    ) -> None:
        """--store sqlite:PATH creates the database and a key file only its owner can read."""
        database = tmp_path / "sessions.sqlite3"
        child, _url = _serve(spawn, "--store", f"sqlite:{database}")
        child.sendintr()
        child.expect(pexpect.EOF)
        key = Path(f"{database}.secret")
        assert database.exists()
        assert stat.S_IMODE(key.stat().st_mode) == 0o600
        assert re.fullmatch(r"[0-9a-f]{64}", key.read_text(encoding="ascii"))

    def test_a_bad_store_is_a_usage_error(self, spawn: list[pexpect.spawn]) -> None:
        """An unknown --store kind exits 2 with a message that says what is accepted."""
        child = pexpect.spawn(
            COMMAND, ["serve", "--store", "redis:x"], env=_environment(), encoding="utf-8"
        )
        spawn.append(child)
        child.expect("--store takes memory or sqlite:PATH")
        child.expect(pexpect.EOF)
        child.close()
        assert child.exitstatus == 2
