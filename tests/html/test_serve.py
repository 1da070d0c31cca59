"""``flatpeak-connect serve`` in a real pseudo-terminal: the demo starts, serves, and stops."""

from __future__ import annotations

import os
import re
import stat
import sys
import urllib.parse
import urllib.request
from pathlib import Path
from typing import TYPE_CHECKING

import pexpect
import pytest
import redis

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
            COMMAND, ["serve", "--store", "memcache:x"], env=_environment(), encoding="utf-8"
        )
        spawn.append(child)
        child.expect(re.escape("--store takes memory, sqlite:PATH or redis://HOST[:PORT][/DB]"))
        child.expect(pexpect.EOF)
        child.close()
        assert child.exitstatus == 2

    @pytest.mark.parametrize(
        ("url", "problem"),
        [
            ("redis:x", "it names no host"),
            ("redis://:s3cret-pass@/0", "it names no host"),
            ("redis://127.0.0.1:99999/0", "its port is not a number"),
            ("redis://127.0.0.1:6379/sessions", "its database is not a number"),
        ],
    )
    def test_a_bad_redis_url_is_a_usage_error(
        self, spawn: list[pexpect.spawn], url: str, problem: str
    ) -> None:
        """A malformed redis:// store exits 2 saying what is wrong, never echoing a password."""
        child = pexpect.spawn(
            COMMAND, ["serve", "--store", url], env=_environment(), encoding="utf-8"
        )
        spawn.append(child)
        child.expect(pexpect.EOF)
        child.close()
        assert child.exitstatus == 2
        assert "is not a Redis URL" in child.before
        assert problem in child.before
        assert "s3cret-pass" not in child.before

    def test_a_redis_store_serves_and_keeps_the_session_in_redis(
        self, spawn: list[pexpect.spawn], redis_url: str
    ) -> None:
        """--store redis://HOST:PORT/DB serves the flow and a started session lands in Redis."""
        child, url = _serve(spawn, "--store", redis_url)
        assert "FLATPEAK_CONNECT_SECRET is not set" in child.before
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor())
        with opener.open(url, timeout=10) as response:
            landing = response.read().decode()
        tokens = dict(re.findall(r'name="(fp_csrf|fp_form)" value="([^"]*)"', landing))
        assert set(tokens) == {"fp_csrf", "fp_form"}
        with opener.open(url + "start", urllib.parse.urlencode(tokens).encode(), 10) as response:
            assert "What is the address of the property?" in response.read().decode()
        with redis.Redis.from_url(redis_url) as client:
            assert client.keys("flatpeak-connect:session:*")
        child.sendintr()
        child.expect("Stopped.")
        child.expect(pexpect.EOF)
        child.close()
        assert child.exitstatus == 0
