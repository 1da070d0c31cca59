"""The ``flatpeak-connect`` command line.

Each subcommand lives in a module of this package that exposes ``register(subparsers)``; the
module adds its parser and sets ``handler`` (a function taking the parsed arguments and returning
an exit code) with ``parser.set_defaults(handler=...)``.

Exit codes, for every command: 0 success, 1 the thing checked or run did not succeed (an invalid
page, a session that did not complete), 2 usage or input errors.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

__all__ = ["EXIT_FAILED", "EXIT_OK", "EXIT_USAGE", "build_parser", "main"]

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2

# The subcommand modules, in the order `--help` lists them.
COMMAND_MODULES: tuple[str, ...] = (
    "validate",
    "routes",
    "demo",
    "run",
    "replay",
    "token",
    "simulator",
    "serve",
)


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser with every subcommand registered."""
    parser = argparse.ArgumentParser(
        prog="flatpeak-connect",
        description="Run, test and inspect FlatPeak Connect sessions.",
    )
    from flatpeak_connect import __version__  # noqa: PLC0415 - avoids an import cycle

    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    subparsers = parser.add_subparsers(title="commands", metavar="COMMAND")
    for name in COMMAND_MODULES:
        module = importlib.import_module(f"{__name__}.{name}")
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line and return its exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    handler: Callable[[argparse.Namespace], int] | None = getattr(args, "handler", None)
    if handler is None:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    try:
        return handler(args)
    except KeyboardInterrupt:
        print("Interrupted.", file=sys.stderr)
        return 130
