"""The schema packs: one folder of JSON per protocol version, read with importlib.resources.

This package holds data only. ``flatpeak_connect.engine.spec`` turns a pack into route specs and
``flatpeak_connect.engine.validation`` into validators; the simulator reads the same files.
"""

from __future__ import annotations

import json
from importlib import resources
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Iterator
    from importlib.resources.abc import Traversable

__all__ = ["SCHEMA_BASE_URI", "iter_schema_files", "pack_root", "read_json", "versions"]

SCHEMA_BASE_URI = "https://flatpeak-connect.invalid/schemas/"
"""The base of every schema ``$id``. The ``.invalid`` host never resolves (RFC 2606)."""


def _root() -> Traversable:
    return resources.files(__name__)


def versions() -> tuple[str, ...]:
    """Return the names of the protocol versions that have a pack, sorted."""
    return tuple(
        sorted(
            entry.name
            for entry in _root().iterdir()
            if entry.is_dir() and entry.joinpath("pack.json").is_file()
        )
    )


def pack_root(version: str) -> Traversable:
    """Return the folder of one version's pack.

    Raises:
        LookupError: when no pack exists for ``version``.
    """
    folder = _root().joinpath(version)
    if not version.isidentifier() or not folder.joinpath("pack.json").is_file():
        known = ", ".join(versions()) or "none"
        raise LookupError(f"no schema pack for version {version!r} (known: {known})")
    return folder


def read_json(resource: Traversable) -> Any:
    """Read one JSON file of a pack."""
    return json.loads(resource.read_text(encoding="utf-8"))


def iter_schema_files(version: str) -> Iterator[tuple[str, Traversable]]:
    """Yield ``(relative path, resource)`` for every schema file of a pack (not ``pack.json``)."""
    root = pack_root(version)
    for entry in sorted(root.iterdir(), key=lambda e: e.name):
        if entry.is_file() and entry.name.endswith(".json") and entry.name != "pack.json":
            yield entry.name, entry
        elif entry.is_dir():
            for child in sorted(entry.iterdir(), key=lambda e: e.name):
                if child.is_file() and child.name.endswith(".json"):
                    yield f"{entry.name}/{child.name}", child
