"""``flatpeak-connect simulator`` in a real pseudo-terminal."""

from __future__ import annotations

import json
import re
import sys
import urllib.request
from pathlib import Path

import pexpect
import pytest

from flatpeak_connect.simulator import DEMO_ACCOUNT_ID, DEMO_API_KEY, BackgroundSimulator

COMMAND = str(Path(sys.executable).parent / "flatpeak-connect")

pytestmark = pytest.mark.pty


def _spawn(*args: str, env: dict[str, str] | None = None) -> pexpect.spawn:
    return pexpect.spawn(COMMAND, ["simulator", *args], encoding="utf-8", timeout=20, env=env)


class TestSimulatorCommand:
    """The simulator subcommand, run as a person runs it."""

    def test_prints_urls_and_credentials_and_stops_on_ctrl_c(self) -> None:
        """It prints what it serves and the demo credentials, serves, and exits 0 on Ctrl-C."""
        child = _spawn("--port", "0")
        child.expect("Press Ctrl-C to stop.")
        banner = child.before
        url = re.search(r"Connect endpoint\s+POST (http://127\.0\.0\.1:\d+)/", banner)
        assert url is not None, banner
        assert DEMO_ACCOUNT_ID in banner
        assert DEMO_API_KEY in banner
        assert f"{url.group(1)}/connect/token" in banner
        with urllib.request.urlopen(f"{url.group(1)}/") as response:  # noqa: S310 - local URL
            assert json.loads(response.read())["scenario"] == "default"
        child.sendintr()
        child.expect("Simulator stopped.")
        child.expect(pexpect.EOF)
        child.close()
        assert child.exitstatus == 0
        assert "Traceback" not in (child.before or "") + banner

    def test_api_key_from_the_environment_is_not_printed(self) -> None:
        """Credentials from the environment are used, and the key is never echoed."""
        env = {
            "PATH": str(Path(sys.executable).parent),
            "FLATPEAK_SIMULATOR_ACCOUNT_ID": "acc_111111111111111111111111",
            "FLATPEAK_SIMULATOR_API_KEY": "sk_test_secret_from_env",
        }
        child = _spawn("--port", "0", env=env)
        child.expect("Press Ctrl-C to stop.")
        banner = child.before
        child.sendintr()
        child.expect(pexpect.EOF)
        assert "acc_111111111111111111111111" in banner
        assert "sk_test_secret_from_env" not in banner
        assert "(from FLATPEAK_SIMULATOR_API_KEY)" in banner

    def test_bad_scenario_is_a_usage_error(self, tmp_path: Path) -> None:
        """A scenario file that cannot be used exits 2 with the problems listed."""
        path = tmp_path / "bad.json"
        path.write_text('{"addresses": [], "providers": [{"id": "nope"}]}', encoding="utf-8")
        child = _spawn("--scenario", str(path))
        child.expect(pexpect.EOF)
        child.close()
        assert child.exitstatus == 2
        assert "bad.json is not a usable scenario" in child.before
        assert "$.providers[0]" in child.before
        assert "Traceback" not in child.before

    def test_port_in_use_is_explained(self) -> None:
        """A port already in use exits 2 with a message, not a traceback."""
        with BackgroundSimulator() as running:
            child = _spawn("--port", str(running.port))
            child.expect(pexpect.EOF)
            child.close()
        assert child.exitstatus == 2
        assert f"cannot listen on 127.0.0.1:{running.port}" in child.before
        assert "Traceback" not in child.before
