"""The dependency rules of docs/architecture.md, checked by reading every module's imports.

Imports are read with :mod:`ast`, so an import under ``if TYPE_CHECKING:`` or inside a function
counts as much as one at the top of a module: each is a dependency a reader must follow.
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from _pytest.mark import ParameterSet

ROOT = Path(__file__).parent.parent
PACKAGE = "flatpeak_connect"
LAYERS = {"engine": "engine", "renderers": "renderers", "simulator": "simulator"}
"""Top-level folder -> subpackage of flatpeak_connect (setuptools package-dir)."""
WEB_FRAMEWORKS = ("aiohttp.web", "jinja2")


def module_name(path: Path) -> str:
    """Return the dotted name a source file installs as (engine/spec.py -> ...engine.spec)."""
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[0] in (*LAYERS, "schemas"):
        parts.insert(0, PACKAGE)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def project_modules() -> set[str]:
    """Return the dotted name of every module and package of the project."""
    folders = (PACKAGE, *LAYERS, "schemas")
    return {module_name(p) for folder in folders for p in (ROOT / folder).rglob("*.py")}


MODULES = project_modules()


def imported(path: Path, name: str | None = None) -> set[str]:
    """Return every module a source file imports, as absolute dotted names.

    ``from P import N`` is an import of ``P.N`` when that is a module of the project (``from
    flatpeak_connect import schemas``), else of ``P``.

    Args:
        path: the source file.
        name: its module name, when it is not a file of the project (a test's own example).
    """
    name = name or module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.rsplit(".", node.level - 1)[0]
                module = f"{base}.{node.module}" if node.module else base
            else:
                module = node.module or ""
            for alias in node.names:
                submodule = f"{module}.{alias.name}"
                found.add(submodule if submodule in MODULES else module)
    return found


def owner(module: str) -> str | None:
    """Return which part of the project a module belongs to, or None when it is not ours.

    ``engine``, ``schemas``, ``simulator``, ``renderers.<name>``, ``renderers`` (the package
    itself) or ``root`` (the composition root: ``flatpeak_connect`` and its cli and web).
    """
    parts = module.split(".")
    if parts[0] != PACKAGE:
        return None
    if len(parts) == 1:
        return "root"
    if parts[1] == "renderers":
        return f"renderers.{parts[2]}" if len(parts) > 2 else "renderers"
    if parts[1] in ("engine", "schemas", "simulator"):
        return parts[1]
    return "root"


def sources(folder: str) -> list[Path]:
    """Return the Python files of one top-level folder."""
    return sorted((ROOT / folder).rglob("*.py"))


def project_imports(path: Path) -> set[str]:
    """Return the parts of the project a file imports, other than its own module."""
    own = module_name(path)
    return {o for m in imported(path) if m != own and (o := owner(m)) is not None}


def case(folder: str) -> list[ParameterSet]:
    """Return one param per source file of a folder."""
    files = sources(folder)
    assert files, f"{folder}/ has no Python files"
    return [pytest.param(p, id=p.relative_to(ROOT).as_posix()) for p in files]


class TestImportReading:
    """The import reader itself, on the shapes it must understand."""

    def test_owners(self) -> None:
        """Modules are assigned to the part of the project they belong to."""
        assert owner("flatpeak_connect.schemas") == "schemas"
        assert owner("flatpeak_connect.renderers.html.view") == "renderers.html"
        assert owner("flatpeak_connect.cli") == "root"
        assert owner("jinja2") is None

    def test_import_shapes(self, tmp_path: Path) -> None:
        """Package-level, relative and type-checking-only imports all resolve to their modules."""
        source = tmp_path / "example.py"
        source.write_text(
            "from typing import TYPE_CHECKING\n"
            "from flatpeak_connect import schemas, __version__\n"
            "from .spec import RouteSpec\n"
            "from ..simulator import server\n"
            "if TYPE_CHECKING:\n"
            "    import jinja2\n",
            encoding="utf-8",
        )
        found = imported(source, "flatpeak_connect.engine.example")
        assert {
            "flatpeak_connect.schemas",
            "flatpeak_connect",
            "flatpeak_connect.engine.spec",
            "flatpeak_connect.simulator.server",
            "jinja2",
        } <= found
        assert module_name(ROOT / "engine" / "spec.py") == "flatpeak_connect.engine.spec"


class TestEngine:
    """engine imports nothing of the project but schemas (as data), and no web framework."""

    @pytest.mark.parametrize("path", case("engine"))
    def test_engine_imports_only_schemas(self, path: Path) -> None:
        """An engine module imports only the engine and the schema packs."""
        assert project_imports(path) <= {"engine", "schemas"}

    @pytest.mark.parametrize("path", case("engine"))
    def test_engine_knows_no_web_framework(self, path: Path) -> None:
        """An engine module imports neither aiohttp.web nor jinja2."""
        assert not {m for m in imported(path) if m.startswith(WEB_FRAMEWORKS)}


class TestRenderers:
    """A renderer imports the engine (and schema data), never another renderer or the simulator."""

    @pytest.mark.parametrize("path", case("renderers"))
    def test_renderer_imports(self, path: Path) -> None:
        """A renderer's module imports only the engine, the schemas and its own renderer."""
        parts = path.relative_to(ROOT / "renderers").parts
        own = f"renderers.{parts[0]}" if len(parts) > 1 else "renderers"
        assert project_imports(path) <= {"engine", "schemas", own}


class TestSimulator:
    """The simulator is an independent implementation: it imports only the schema packs."""

    @pytest.mark.parametrize("path", case("simulator"))
    def test_simulator_imports_only_schemas(self, path: Path) -> None:
        """A simulator module imports only the simulator and the schema packs."""
        assert project_imports(path) <= {"simulator", "schemas"}


class TestSchemas:
    """The schema packs are data: their Python imports nothing of the project."""

    @pytest.mark.parametrize("path", case("schemas"))
    def test_schemas_import_nothing(self, path: Path) -> None:
        """The schemas package imports no other part of the project."""
        assert project_imports(path) <= {"schemas"}
