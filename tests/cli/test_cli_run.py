"""``flatpeak-connect run``, ``replay`` and ``token`` against a simulator started by the test."""

from __future__ import annotations

import asyncio
import json
from importlib import resources
from typing import TYPE_CHECKING, Any

import pytest
from cli_support import (
    GB_ADDRESS,
    NORTHGRID,
    SCRIPT,
    VILLAGE,
    Terminal,
    create_token,
    environment,
    type_address,
)
from jsonschema import Draft202012Validator

from flatpeak_connect.cli.token import credentials_for, is_local
from flatpeak_connect.engine.backend import FlatPeakAPI
from flatpeak_connect.simulator import (
    DEMO_ACCOUNT_ID,
    DEMO_API_KEY,
    BackgroundSimulator,
    SimulatorServer,
)

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Iterator
    from pathlib import Path

VIEW_MODEL = Draft202012Validator(
    json.loads(resources.files("flatpeak_connect.schemas").joinpath("viewmodel.json").read_text())
)
TARIFF = "trt_adeddae17fe8e92398b3b78a"
"""Northgrid Standard, a library tariff of the default scenario."""
HILLTOP = "prv_eaf69b96162ebcda9d1bf80e"
"""Hilltop Power, a DIRECT supplier of the default scenario (its sign-in is a redirect)."""
SIGN_IN_STEP = {"route": "provider_select", "data": {"provider": {"id": HILLTOP}}}

ZERO_LIBRARY = [
    {"route": "postal_address_capture", "data": {"postal_address": {**GB_ADDRESS, "state": ""}}},
    {"route": "provider_select", "data": {"provider": {"id": NORTHGRID}}},
    {"route": "tariff_select", "data": {"tariff": {"id": TARIFF}}},
    {"route": "summary_fixed_confirm", "action": "SAVE"},
]
ANODE_MANUAL = [
    {"route": "postal_address_capture", "data": {"postal_address": GB_ADDRESS}},
    {"route": "provider_select", "data": {"provider": {"id": VILLAGE}}},
    {"route": "tariff_structure_select", "data": {"options": ["TIME_OF_DAY"]}},
    {
        "route": "rate_tod_capture",
        "data": {
            "hours": [
                {"cost": 0.09, "valid_from": "00:00:00", "valid_to": "07:00:00"},
                {"cost": 0.3, "valid_from": "07:00:00", "valid_to": "00:00:00"},
            ]
        },
    },
    {"route": "tariffs_summary", "action": "CLOSE"},
]


class Result:
    """What a finished command printed, and its exit status."""

    def __init__(self, status: int, out: str, err: str) -> None:
        self.status = status
        self.out = out
        self.err = err
        self.lines = out.splitlines()

    @property
    def outcome(self) -> dict[str, Any]:
        """The outcome: the JSON object on the last line."""
        last: dict[str, Any] = json.loads(self.lines[-1])
        return last


async def cli(*args: str) -> Result:
    """Run the console script without a terminal (standard input closed) and wait for it."""
    process = await asyncio.create_subprocess_exec(
        SCRIPT,
        *args,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=environment(),
    )
    out, err = await asyncio.wait_for(process.communicate(), timeout=120)
    assert process.returncode is not None
    result = Result(process.returncode, out.decode(), err.decode())
    assert "Traceback" not in result.err, result.err
    return result


async def new_token(sim: SimulatorServer, version: str) -> str:
    """Create a connect token on the simulator, as a back-end would."""
    async with FlatPeakAPI(sim.account_id, sim.api_key, sim.url) as api:
        token = await api.create_token(
            version, callback_url=f"{sim.url}/done", return_url=f"{sim.url}/return"
        )
        return token.connect_token


@pytest.fixture
async def sim() -> AsyncIterator[SimulatorServer]:
    """A simulator on a free port, in the test's own event loop."""
    async with SimulatorServer() as server:
        yield server


def write_script(tmp_path: Path, steps: Any, name: str = "script.json") -> str:
    """Write a ScriptedInput file and return its path."""
    path = tmp_path / name
    path.write_text(json.dumps(steps))
    return str(path)


class TestScripted:
    """``run --script``: unattended sessions ending in one JSON line."""

    async def test_zero_library(self, sim: SimulatorServer, tmp_path: Path) -> None:
        """A zero LIBRARY session completes: exit 0, the outcome as the last line."""
        token = await new_token(sim, "zero")
        script = write_script(tmp_path, ZERO_LIBRARY)
        result = await cli(
            "run", "--token", token, "--connect-url", f"{sim.url}/", "--version", "zero",
            "--script", script,
        )  # fmt: skip
        assert result.status == 0, result.err
        assert result.outcome == {
            "status": "complete",
            "route": "session_complete",
            "callback_url": f"{sim.url}/done?fp_cot={token}",
            "action": "SAVE",
            "message": None,
        }
        assert "Which tariff are you on?" in result.out
        assert result.err == ""

    async def test_anode_manual_as_json(self, sim: SimulatorServer, tmp_path: Path) -> None:
        """An anode MANUAL session with the JSON renderer: one valid view model a line."""
        token = await new_token(sim, "anode")
        result = await cli(
            "run", "--token", token, "--connect-url", f"{sim.url}/", "--renderer", "json",
            "--callback-url", f"{sim.url}/done", "--script", write_script(tmp_path, ANODE_MANUAL),
        )  # fmt: skip
        assert result.status == 0, result.err
        views = [json.loads(line) for line in result.lines[:-1]]
        assert [v["route"] for v in views] == [step["route"] for step in ANODE_MANUAL]
        for view in views:
            assert not list(VIEW_MODEL.iter_errors(view))
        assert result.outcome["status"] == "complete"
        assert result.outcome["action"] == "CLOSE"

    async def test_script_that_does_not_fit(self, sim: SimulatorServer, tmp_path: Path) -> None:
        """A script for other pages stops with exit 2, a failed outcome and a message."""
        token = await new_token(sim, "anode")
        script = write_script(tmp_path, [{"route": "tariff_select", "action": "BACK"}])
        result = await cli(
            "run", "--token", token, "--connect-url", f"{sim.url}/", "--script", script
        )
        assert result.status == 2
        assert result.outcome["status"] == "failed"
        assert "postal_address_capture" in result.outcome["message"]
        assert result.err.startswith("flatpeak-connect: failed: ")

    async def test_unreadable_script(self, tmp_path: Path) -> None:
        """A script that is not JSON is a usage error, reported before any request."""
        script = tmp_path / "script.json"
        script.write_text("{not json")
        result = await cli("run", "--token", "cot_x", "--script", str(script))
        assert result.status == 2
        assert result.outcome["status"] == "failed"
        assert "not JSON" in result.err

    async def test_connect_url_that_is_not_a_url(self, tmp_path: Path) -> None:
        """A --connect-url that is not an http(s) URL is a usage error, before any request."""
        result = await cli(
            "run", "--token", "cot_x", "--connect-url", "127.0.0.1:8765",
            "--script", write_script(tmp_path, ZERO_LIBRARY),
        )  # fmt: skip
        assert result.status == 2
        assert result.outcome["status"] == "failed"
        assert "--connect-url" in result.outcome["message"]
        assert "retrying" not in result.err

    async def test_expired_token(self, sim: SimulatorServer, tmp_path: Path) -> None:
        """An expired token ends the session as expired, exit 1."""
        token = await new_token(sim, "zero")
        sim.expire_token(token)
        result = await cli(
            "run", "--token", token, "--connect-url", f"{sim.url}/", "--version", "zero",
            "--script", write_script(tmp_path, ZERO_LIBRARY),
        )  # fmt: skip
        assert result.status == 1
        assert result.outcome["status"] == "expired"
        assert "expired" in result.err

    async def test_record_and_replay(self, sim: SimulatorServer, tmp_path: Path) -> None:
        """A recorded session replays offline: the same pages, the same outcome, no token."""
        token = await new_token(sim, "zero")
        record = tmp_path / "session.jsonl"
        recorded = await cli(
            "run", "--token", token, "--connect-url", f"{sim.url}/", "--version", "zero",
            "--script", write_script(tmp_path, ZERO_LIBRARY), "--record", str(record),
        )  # fmt: skip
        assert recorded.status == 0
        assert token not in record.read_text()
        replayed = await cli("replay", str(record))
        assert replayed.status == 0, replayed.err
        assert replayed.outcome["status"] == "complete"
        assert replayed.outcome["action"] == "SAVE"
        for title in ("Who supplies your electricity?", "Which tariff are you on?"):
            assert title in replayed.out
        as_json = await cli("replay", str(record), "--renderer", "json")
        views = [json.loads(line) for line in as_json.lines[:-1]]
        assert [v["route"] for v in views] == [step["route"] for step in ZERO_LIBRARY]

    async def test_replay_of_a_file_that_is_not_a_transcript(self, tmp_path: Path) -> None:
        """Replaying something else is a usage error with a message."""
        path = tmp_path / "notes.txt"
        path.write_text("hello\n")
        result = await cli("replay", str(path))
        assert result.status == 2
        assert "Cannot replay" in result.outcome["message"]

    async def test_replay_of_an_empty_file(self, tmp_path: Path) -> None:
        """An empty file is refused as not a transcript, in words a person can act on."""
        path = tmp_path / "empty.jsonl"
        path.write_text("")
        result = await cli("replay", str(path))
        assert result.status == 2
        assert result.outcome["message"] == (
            f"Cannot replay {path}: it is not a transcript (no recorded exchange names its "
            "protocol version)."
        )

    async def test_replay_cleans_the_sign_in_url(
        self, sim: SimulatorServer, tmp_path: Path
    ) -> None:
        """A sign-in URL in a transcript is printed without its terminal escape sequences."""
        token = await new_token(sim, "zero")
        record = tmp_path / "session.jsonl"
        await cli(
            "run", "--token", token, "--connect-url", f"{sim.url}/", "--version", "zero",
            "--script", write_script(tmp_path, [*ZERO_LIBRARY[:1], SIGN_IN_STEP]),
            "--record", str(record),
        )  # fmt: skip
        lines = [json.loads(line) for line in record.read_text().splitlines()]
        assert lines[-1]["route"] == "session_redirect"
        lines[-1]["body"]["data"]["redirect_url"] += "&x=\x1b]0;forged\x07\x1b[2J"
        record.write_text("".join(json.dumps(line) + "\n" for line in lines))
        result = await cli("replay", str(record))
        assert "sign in at http" in result.out
        assert "\x1b" not in result.out
        assert "\x07" not in result.out

    async def test_scripted_sign_in(self, sim: SimulatorServer, tmp_path: Path) -> None:
        """A provider sign-in ends a scripted run as failed, saying what to do instead."""
        token = await new_token(sim, "zero")
        result = await cli(
            "run", "--token", token, "--connect-url", f"{sim.url}/", "--version", "zero",
            "--script", write_script(tmp_path, [*ZERO_LIBRARY[:1], SIGN_IN_STEP]),
        )  # fmt: skip
        assert result.status == 1
        assert result.outcome["status"] == "failed"
        assert result.outcome["route"] == "session_redirect"
        message = result.outcome["message"]
        assert "A scripted session cannot sign in to a supplier" in message
        assert f"{sim.url}/provider/{HILLTOP}/login?fp_cot=" in message
        assert "without --script" in message
        assert "on_redirect" not in message


class TestJsonOverStdio:
    """``run --renderer json`` driven by a program: view models out, answers in."""

    async def test_program_answers(self, sim: SimulatorServer) -> None:
        """Each page is a view model line; a refused answer comes back with its errors."""
        token = await new_token(sim, "anode")
        answers = [
            {"values": {"address_line1": "17 Orchard Row", "city": "Millbrook", "post_code": ""}},
            {"values": {**GB_ADDRESS}},
            {"values": {"provider": NORTHGRID}},
            {"action": "back"},
            {"values": {"/provider/id": NORTHGRID}},
            {"values": {"tariff": TARIFF}},
            {"action": "CLOSE"},
        ]
        process = await asyncio.create_subprocess_exec(
            SCRIPT, "run", "--token", token, "--connect-url", f"{sim.url}/", "--renderer", "json",
            "--callback-url", f"{sim.url}/done",
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE, env=environment(),
        )  # fmt: skip
        typed = "".join(json.dumps(answer) + "\n" for answer in answers).encode()
        out, err = await asyncio.wait_for(process.communicate(typed), timeout=120)
        assert process.returncode == 0, err.decode()
        lines = [json.loads(line) for line in out.decode().splitlines()]
        views, outcome = lines[:-1], lines[-1]
        assert [v["route"] for v in views] == [
            "postal_address_capture",
            "postal_address_capture",
            "provider_select",
            "tariff_select",
            "provider_select",
            "tariff_select",
            "tariffs_summary",
        ]
        refused = views[1]
        assert [(e["field"], e["code"]) for e in refused["errors"]] == [
            ("post_code", "post_code_missing"),
            ("country_code", "country_code_missing"),
        ]
        for view in views:
            assert not list(VIEW_MODEL.iter_errors(view))
        assert outcome["status"] == "complete"

    async def test_end_of_input(self, sim: SimulatorServer) -> None:
        """When the program's input ends, standard output still holds nothing but JSON lines."""
        token = await new_token(sim, "anode")
        result = await cli(
            "run", "--token", token, "--connect-url", f"{sim.url}/", "--renderer", "json"
        )
        assert result.status == 1
        assert result.outcome["status"] == "closed"
        assert [json.loads(line)["route"] for line in result.lines] == [
            "postal_address_capture",
            "postal_address_capture",
        ]


@pytest.fixture(scope="module")
def background() -> Iterator[SimulatorServer]:
    """A simulator in a thread, for tests that block on a pseudo-terminal."""
    with BackgroundSimulator() as server:
        yield server


@pytest.mark.pty
class TestInteractive:
    """``run`` answered at the prompt, in a real pseudo-terminal."""

    def test_anode_library(self, background: SimulatorServer) -> None:
        """A person answers each page; the outcome JSON is the last line; exit 0."""
        token = create_token(background.url, "anode")
        term = Terminal(
            "run", "--token", token, "--connect-url", f"{background.url}/",
            "--callback-url", f"{background.url}/done",
        )  # fmt: skip
        try:
            type_address(term)
            term.answer("Energy supplier (1-6): ", "2")
            term.answer("Tariff (1-2): ", "1")
            term.expect("Tariff: Northgrid Standard")
            term.answer("Your choice (1-5): ", "5")
            term.expect('"status": "complete"')
            assert term.finish() == 0
        finally:
            term.close()
        last = [line for line in term.output.splitlines() if line.strip()][-1]
        assert json.loads(last)["action"] == "CLOSE"


class TestToken:
    """``token create`` and ``token exchange``, and how credentials are found."""

    async def test_create_run_exchange(self, sim: SimulatorServer, tmp_path: Path) -> None:
        """A token created on a local simulator needs no credentials; exchange gives the ids."""
        created = await cli(
            "token", "create", "--api-url", sim.url, "--version", "zero",
            "--callback-url", f"{sim.url}/done",
        )  # fmt: skip
        assert created.status == 0, created.err
        token = created.out.strip()
        assert token.startswith("cot_")
        session = await cli(
            "run", "--token", token, "--connect-url", f"{sim.url}/", "--version", "zero",
            "--script", write_script(tmp_path, ZERO_LIBRARY),
        )  # fmt: skip
        assert session.status == 0
        exchanged = await cli("token", "exchange", token, "--api-url", sim.url, "--version", "zero")
        assert exchanged.status == 0, exchanged.err
        ids = json.loads(exchanged.out)
        assert ids["location_id"].startswith("loc_")
        assert ids["customer_id"].startswith("cus_")
        assert ids["complete_action"] == "SAVE"

    async def test_bad_credentials(self, sim: SimulatorServer) -> None:
        """Credentials the API refuses: exit 1 and FlatPeak's reason, the key not echoed."""
        result = await cli(
            "token", "create", "--api-url", sim.url, "--callback-url", "https://app.example/done",
            "--account-id", DEMO_ACCOUNT_ID, "--api-key", "sk_test_wrong",
        )  # fmt: skip
        assert result.status == 1
        assert result.err.startswith("flatpeak-connect: ")
        assert "sk_test_wrong" not in result.err

    async def test_anode_without_return_url(self, sim: SimulatorServer) -> None:
        """An anode token refused for want of a return URL is a usage error naming the flag."""
        result = await cli(
            "token", "create", "--api-url", sim.url, "--callback-url", "https://app.example/done"
        )
        assert result.status == 2
        assert result.out == ""
        assert "--return-url" in result.err

    async def test_no_credentials_for_flatpeak(self) -> None:
        """FlatPeak's own API without credentials is a usage error naming the variables."""
        result = await cli("token", "create", "--callback-url", "https://app.example/done")
        assert result.status == 2
        assert "FLATPEAK_ACCOUNT_ID" in result.err

    def test_is_local(self) -> None:
        """Only this machine counts as a simulator."""
        assert is_local("http://127.0.0.1:8765")
        assert is_local("http://localhost:8765/")
        assert is_local("http://[::1]:8765")
        assert is_local("http://127.2.3.4")
        assert not is_local("https://api.flatpeak.com")
        assert not is_local("http://10.0.0.1:8765")

    def test_credentials_for(self) -> None:
        """Flags win, then the environment; demo credentials only for a local simulator."""
        local = "http://127.0.0.1:8765"
        assert credentials_for(local, None, None, {}) == (DEMO_ACCOUNT_ID, DEMO_API_KEY)
        env = {"FLATPEAK_ACCOUNT_ID": "acc_env", "FLATPEAK_API_KEY": "sk_env"}
        assert credentials_for(local, None, None, env) == ("acc_env", "sk_env")
        assert credentials_for(local, "acc_flag", "sk_flag", env) == ("acc_flag", "sk_flag")
        assert credentials_for("https://api.flatpeak.com", None, None, {}) == (None, None)
