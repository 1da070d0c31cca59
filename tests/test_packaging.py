"""The built wheel: it holds every module and data file, and works without the source tree."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# Source folders and the name each one installs under (pyproject.toml's package-dir).
MAPPED = {
    "flatpeak_connect": "flatpeak_connect",
    "engine": "flatpeak_connect/engine",
    "renderers": "flatpeak_connect/renderers",
    "schemas": "flatpeak_connect/schemas",
    "simulator": "flatpeak_connect/simulator",
}
SHIPPED_SUFFIXES = {".py", ".json", ".html", ".css", ".js", ".typed"}


def _source_files() -> set[str]:
    """Every file of the package folders that a user needs, under its installed name."""
    wanted = set()
    for folder, installed in MAPPED.items():
        for path in (ROOT / folder).rglob("*"):
            if (
                path.is_file()
                and path.suffix in SHIPPED_SUFFIXES
                and "__pycache__" not in path.parts
            ):
                wanted.add(f"{installed}/{path.relative_to(ROOT / folder).as_posix()}")
    return wanted


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A wheel built from this checkout, as `pip wheel` builds it for a release."""
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(  # noqa: S603 - our own interpreter's pip, on this checkout
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "--wheel-dir",
            str(out),
            str(ROOT),
        ],
        check=True,
        cwd=out,
        capture_output=True,
    )
    (built,) = out.glob("flatpeak_connect-*.whl")
    return built


class TestWheel:
    """What a plain (non-editable) install gets."""

    def test_every_module_and_data_file_is_in_the_wheel(self, wheel: Path) -> None:
        """Each .py, schema, scenario, template and static file of the source tree is shipped."""
        with zipfile.ZipFile(wheel) as archive:
            names = set(archive.namelist())
        missing = sorted(_source_files() - names)
        assert missing == []

    def test_the_console_script_is_declared(self, wheel: Path) -> None:
        """The wheel declares the `flatpeak-connect` console script."""
        with zipfile.ZipFile(wheel) as archive:
            (entry_points,) = (n for n in archive.namelist() if n.endswith("entry_points.txt"))
            text = archive.read(entry_points).decode()
        assert "flatpeak-connect = flatpeak_connect.cli:main" in text

    def test_the_unpacked_wheel_works_without_the_source_tree(
        self, wheel: Path, tmp_path: Path
    ) -> None:
        """From the unpacked wheel alone, packs load, a page validates and renders, scenarios load.

        The wheel comes first on ``sys.path``, so the checkout cannot stand in for it.
        """
        site = tmp_path / "site"
        with zipfile.ZipFile(wheel) as archive:
            archive.extractall(site)
        program = textwrap.dedent(
            """
            import json, sys
            sys.path.insert(0, sys.argv[1])
            import flatpeak_connect
            from flatpeak_connect.engine.models import Page
            from flatpeak_connect.engine.spec import load_pack
            from flatpeak_connect.engine.typing import RenderContext
            from flatpeak_connect.engine.validation import get_validator
            from flatpeak_connect.renderers.html import HtmlRenderer
            from flatpeak_connect.renderers.text import TextRenderer
            from flatpeak_connect.simulator.scenario import default_scenario

            page_json = json.loads(sys.argv[2])
            pack = load_pack("anode")
            page = Page.from_json(page_json, "anode")
            context = RenderContext(pack, pack.route(page.route))
            print(json.dumps({
                "module": flatpeak_connect.__file__,
                "routes": [len(load_pack(v).routes) for v in ("zero", "anode")],
                "errors": get_validator("anode").validate_page(page_json),
                "html": "<h1" in HtmlRenderer().render(page, (), context).body,
                "text": bool(TextRenderer().render(page, (), context).body),
                "providers": len(default_scenario().providers),
            }))
            """
        )
        page = (ROOT / "tests/fixtures/anode/pages/provider_select.json").read_text()
        # Run from the unpacked wheel's parent, so neither the checkout nor its editable
        # install can be what gets imported (the wheel comes first on sys.path).
        result = subprocess.run(  # noqa: S603 - our own interpreter, our own program
            [sys.executable, "-c", program, str(site), page],
            check=True,
            cwd=tmp_path,
            capture_output=True,
            text=True,
        )
        report = json.loads(result.stdout)
        assert report["module"].startswith(str(site))
        assert report["routes"] == [16, 15]
        assert report["errors"] == []
        assert report["html"] is True
        assert report["text"] is True
        assert report["providers"] > 0
