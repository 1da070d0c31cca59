"""Helpers shared by the validation tests: the mini pack, the fixture corpus, the console script.

A module with its own name (not ``conftest``), so that tests import it unambiguously.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from flatpeak_connect.engine import spec

HERE = Path(__file__).parent
MINIPACK = HERE / "minipack"
FIXTURES = HERE.parent / "fixtures"
TOKEN = "cot_5f1e2d3c4b5a69788796a5b4"
SCRIPT = Path(sys.executable).parent / "flatpeak-connect"
"""The installed console script, beside the interpreter running the tests."""


def minipack_documents() -> dict[str, Any]:
    """Return the mini pack's schema files by relative path, as ``iter_schema_files`` does."""
    return {
        path.relative_to(MINIPACK).as_posix(): json.loads(path.read_text(encoding="utf-8"))
        for path in sorted(MINIPACK.rglob("*.json"))
        if path.name != "pack.json"
    }


def minipack_pack() -> spec.ProtocolPack:
    """Return the mini pack's route specs."""
    return spec._structure_pack(json.loads((MINIPACK / "pack.json").read_text(encoding="utf-8")))


def load(path: Path) -> Any:
    """Read one JSON file of the fixture corpus."""
    return json.loads(path.read_text(encoding="utf-8"))


def fixture_files(version: str, kind: str) -> list[Path]:
    """Return the fixture files of one kind (``pages``, ``invalid/answers`` ...), sorted."""
    return sorted((FIXTURES / version / kind).glob("*.json"))


def fixture_route(path: Path) -> str:
    """Return the route a fixture file is named after (``provider_select.empty.json``)."""
    return path.name.split(".", 1)[0]
