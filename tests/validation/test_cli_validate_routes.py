"""The ``validate`` and ``routes`` commands, run as the installed console script."""

from __future__ import annotations

import json
import re
import subprocess
from typing import TYPE_CHECKING, Any

import pytest
from validation_support import FIXTURES, SCRIPT, TOKEN, load

from flatpeak_connect.engine.spec import load_pack

if TYPE_CHECKING:
    from pathlib import Path

ERROR_LINE = re.compile(r"^(/\S*): ([a-z0-9_]+): (.+)$")


def run_cli(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    """Run ``flatpeak-connect`` with ``args`` and return what it did."""
    return subprocess.run(  # noqa: S603 - our own console script, with arguments the test chose
        [str(SCRIPT), *args], input=stdin, capture_output=True, text=True, check=False, timeout=60
    )


def write(tmp_path: Path, document: Any, name: str = "doc.json") -> str:
    """Write ``document`` as JSON into ``tmp_path`` and return the file's path."""
    path = tmp_path / name
    path.write_text(json.dumps(document), encoding="utf-8")
    return str(path)


def assert_clean_usage_error(result: subprocess.CompletedProcess[str], *needles: str) -> None:
    """Assert exit status 2, nothing on stdout, and a one-line message naming ``needles``."""
    assert result.returncode == 2, result
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("flatpeak-connect validate: ")
    for needle in needles:
        assert needle in result.stderr


class TestValidatePages:
    """``flatpeak-connect validate FILE``: pages."""

    def test_valid_page(self) -> None:
        """A valid page exits 0 with one line naming the route and the version."""
        page = FIXTURES / "zero" / "pages" / "provider_select.json"
        result = run_cli("validate", "--version", "zero", str(page))
        assert (result.returncode, result.stdout, result.stderr) == (
            0,
            "valid provider_select page (zero)\n",
            "",
        )

    def test_version_is_inferred_from_a_route_only_one_version_has(self) -> None:
        """A route only anode has (region_select) needs no --version."""
        result = run_cli("validate", str(FIXTURES / "anode" / "pages" / "region_select.json"))
        assert (result.returncode, result.stdout) == (0, "valid region_select page (anode)\n")

    def test_alias_infers_its_version(self, tmp_path: Path) -> None:
        """The client's spelling tariff_summary is anode's, and validates as tariffs_summary."""
        page = load(FIXTURES / "anode" / "pages" / "tariffs_summary.json")
        page["route"] = "tariff_summary"
        result = run_cli("validate", write(tmp_path, page))
        assert (result.returncode, result.stdout) == (0, "valid tariff_summary page (anode)\n")

    def test_ambiguous_route_asks_for_the_version(self) -> None:
        """A route both versions have exits 2 and asks for --version, naming both."""
        page = FIXTURES / "zero" / "pages" / "postal_address_capture.json"
        result = run_cli("validate", str(page))
        assert_clean_usage_error(result, "--version", "anode, zero", "postal_address_capture")

    def test_invalid_page_prints_one_line_per_error(self, tmp_path: Path) -> None:
        """An invalid page exits 1 with `<pointer>: <code>: <message>` lines at its pointers."""
        fixture = load(
            FIXTURES / "anode" / "invalid" / "pages" / "provider_select.provider_without_id.json"
        )
        result = run_cli("validate", "--version", "anode", write(tmp_path, fixture["document"]))
        assert result.returncode == 1
        matches = [ERROR_LINE.match(line) for line in result.stdout.splitlines()]
        assert matches
        assert all(matches), result.stdout
        pointers = {m.group(1) for m in matches if m}
        assert pointers == {item["pointer"] for item in fixture["expect"]}

    def test_error_body_is_not_a_page(self) -> None:
        """An error body exits 1 with one not_a_page line at the root, printed as `/`."""
        body = FIXTURES / "anode" / "errors" / "city_missing.json"
        result = run_cli("validate", str(body))
        assert result.returncode == 1
        assert result.stdout.startswith("/: not_a_page: this is an error body from Connect")
        assert "city_missing" in result.stdout

    def test_unknown_route_needs_a_version(self, tmp_path: Path) -> None:
        """A route no version knows exits 2 unless --version is given."""
        page = {"connect_token": TOKEN, "route": "vpp_landing", "data": {}}
        assert_clean_usage_error(run_cli("validate", write(tmp_path, page)), "vpp_landing")

    def test_unknown_route_is_checked_against_the_envelope(self, tmp_path: Path) -> None:
        """With --version, a page of an unknown route is valid when its envelope is."""
        page = {"connect_token": TOKEN, "route": "vpp_landing", "data": {"programme": {}}}
        result = run_cli("validate", "--version", "anode", write(tmp_path, page))
        assert result.returncode == 0
        assert "only the page envelope was checked" in result.stdout

    def test_standard_input(self) -> None:
        """`-` reads the page from standard input."""
        page = (FIXTURES / "anode" / "pages" / "region_select.json").read_text(encoding="utf-8")
        result = run_cli("validate", "-", stdin=page)
        assert (result.returncode, result.stdout) == (0, "valid region_select page (anode)\n")


class TestValidateAnswers:
    """``flatpeak-connect validate --answer FILE``: request bodies."""

    def test_valid_answer(self) -> None:
        """A valid answer exits 0 with one line naming the route and the version."""
        answer = FIXTURES / "anode" / "answers" / "postal_address_capture.json"
        result = run_cli("validate", "--answer", "--version", "anode", str(answer))
        assert (result.returncode, result.stdout) == (
            0,
            "valid postal_address_capture answer (anode)\n",
        )

    def test_invalid_answer_prints_documented_codes(self, tmp_path: Path) -> None:
        """An invalid answer exits 1 with the documented code at its pointer into data."""
        name = "postal_address_capture.city_missing.json"
        fixture = load(FIXTURES / "anode" / "invalid" / "answers" / name)
        result = run_cli(
            "validate", "--answer", "--version", "anode", write(tmp_path, fixture["document"])
        )
        assert result.returncode == 1
        found = {m.group(1, 2) for m in map(ERROR_LINE.match, result.stdout.splitlines()) if m}
        assert found == {(i["pointer"], i["code"]) for i in fixture["expect"]}

    def test_missing_action_is_reported_at_the_root(self, tmp_path: Path) -> None:
        """An action-only page answered with nothing prints `/: action_missing: ...`."""
        body = {"connect_token": TOKEN, "route": "tariff_connection_failed"}
        result = run_cli("validate", "--answer", write(tmp_path, body))
        assert result.returncode == 1
        assert result.stdout.startswith("/: action_missing: ")


class TestValidateUnusableInput:
    """Input that cannot be validated exits 2 with a message, never a traceback."""

    def test_missing_file(self, tmp_path: Path) -> None:
        """A file that does not exist."""
        result = run_cli("validate", str(tmp_path / "nope.json"))
        assert_clean_usage_error(result, "cannot read", "nope.json")

    def test_not_json(self, tmp_path: Path) -> None:
        """A file that is not JSON, with the place where reading stopped."""
        path = tmp_path / "page.json"
        path.write_text("{'route': 1}", encoding="utf-8")
        assert_clean_usage_error(run_cli("validate", str(path)), "is not JSON", "line 1")

    def test_not_an_object(self, tmp_path: Path) -> None:
        """A JSON array."""
        result = run_cli("validate", write(tmp_path, [1, 2]))
        assert_clean_usage_error(result, "holds an array, not a JSON object")

    def test_unknown_version(self, tmp_path: Path) -> None:
        """A version that has no pack, with the known ones listed."""
        page = load(FIXTURES / "anode" / "pages" / "region_select.json")
        result = run_cli("validate", "--version", "busbar", write(tmp_path, page))
        assert_clean_usage_error(result, "'busbar'", "known: anode, zero")

    def test_no_route(self, tmp_path: Path) -> None:
        """A document with no route and no --version."""
        result = run_cli("validate", write(tmp_path, {"connect_token": TOKEN}))
        assert_clean_usage_error(result, "names no route", "--version")

    def test_help_documents_the_output(self) -> None:
        """The command's help describes the output lines and the exit statuses."""
        result = run_cli("validate", "--help")
        assert result.returncode == 0
        assert "<pointer>: <code>: <message>" in result.stdout
        assert 'printed as "/"' in result.stdout
        assert "exit status 2" in result.stdout


class TestRoutes:
    """``flatpeak-connect routes``."""

    @pytest.mark.parametrize(("version", "count"), [("zero", 16), ("anode", 15)])
    def test_table_lists_every_route(self, version: str, count: int) -> None:
        """The table has a header, one line per route (16 in zero, 15 in anode), a summary."""
        result = run_cli("routes", "--version", version)
        assert result.returncode == 0
        lines = result.stdout.splitlines()
        assert lines[0].split() == ["ROUTE", "KIND", "ACTIONS", "FIELDS"]
        rows = lines[1:-1]
        assert len(rows) == count
        assert [row.split()[0] for row in rows] == list(load_pack(version).routes)
        assert lines[-1].startswith(f"{count} routes in {version} ")

    def test_table_shows_kinds_actions_fields_and_aliases(self) -> None:
        """Rows carry the kind, the actions, name:type fields with * when required, aliases."""
        lines = run_cli("routes", "--version", "anode").stdout.splitlines()
        rows = {line.split()[0]: line for line in lines[1:-1]}
        assert "post_code:text*" in rows["postal_address_capture"]
        assert "address_line2:text," in rows["postal_address_capture"]
        assert "PROVIDER_MISSING" in rows["provider_select"]
        assert "(also tariff_summary)" in rows["tariffs_summary"]
        assert rows["session_redirect"].split()[1] == "redirect"
        assert "allowed on every page: BACK, CLOSE" in lines[-1]

    @pytest.mark.parametrize("version", ["zero", "anode"])
    def test_mermaid_draws_every_route_and_edge(self, version: str) -> None:
        """--mermaid prints a flowchart: a node per route, a quoted arrow per `next` edge."""
        result = run_cli("routes", "--version", version, "--mermaid")
        assert result.returncode == 0
        pack = load_pack(version)
        lines = result.stdout.splitlines()
        assert lines[0] == "flowchart TD"
        nodes = [line for line in lines if re.match(r"^    r_\w+[\[{(]", line)]
        edges = [line for line in lines if "-->" in line]
        assert len(nodes) == len(pack.routes)
        assert len(edges) == sum(len(spec.next) for spec in pack.routes.values())
        assert all(re.match(r'^    r_\w+ -->\|"[^"]+"\| r_\w+$', edge) for edge in edges)

    def test_unknown_version(self) -> None:
        """A version with no pack exits 2 with a message naming the known ones."""
        result = run_cli("routes", "--version", "busbar")
        assert result.returncode == 2
        assert result.stdout == ""
        assert "busbar" in result.stderr
        assert "Traceback" not in result.stderr

    def test_version_is_required(self) -> None:
        """Without --version the command is a usage error."""
        result = run_cli("routes")
        assert result.returncode == 2
        assert "--version" in result.stderr
