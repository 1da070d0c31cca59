"""``flatpeak-connect routes``: the routes of a protocol version, as a table or a Mermaid graph."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

from flatpeak_connect.cli import EXIT_OK, EXIT_USAGE
from flatpeak_connect.engine.errors import UnknownVersion
from flatpeak_connect.engine.graph import route_graph_mermaid
from flatpeak_connect.engine.spec import available_versions, load_pack

if TYPE_CHECKING:
    import argparse
    from collections.abc import Sequence

    from flatpeak_connect.engine.spec import FieldSpec, ProtocolPack, RouteSpec

__all__ = ["field_summary", "register", "route_table", "run"]

_HEADERS = ("ROUTE", "KIND", "ACTIONS", "FIELDS")


def register(subparsers: Any) -> None:
    """Add the ``routes`` command to the command line.

    Args:
        subparsers: the object ``ArgumentParser.add_subparsers`` returned.
    """
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "routes",
        help="list the routes of a protocol version, or draw its route graph",
        description=(
            "List every route of a protocol version: its name (and aliases), its kind (page, "
            "redirect, complete), the actions it documents and the fields a customer fills in "
            "(name:type, * when required). With --mermaid, print the route graph as a Mermaid "
            "flowchart instead, with the edges the route specs document."
        ),
    )
    parser.add_argument(
        "--version",
        dest="protocol_version",
        metavar="VERSION",
        required=True,
        help=f"the protocol version ({', '.join(available_versions()) or 'none installed'})",
    )
    parser.add_argument(
        "--mermaid", action="store_true", help="print a Mermaid flowchart of the route graph"
    )
    parser.set_defaults(handler=run)


def field_summary(field: FieldSpec) -> str:
    """Describe one field as ``name:type``, ``*`` when required, a period's fields in brackets.

    Args:
        field: a route spec's field.

    Returns:
        For example ``post_code:text*`` or ``hours:periods*[valid_from:time*, cost:money*]``.
    """
    text = f"{field.name}:{field.type}{'*' if field.required else ''}"
    if field.items:
        text += "[" + ", ".join(field_summary(item) for item in field.items) + "]"
    return text


def _row(spec: RouteSpec) -> tuple[str, str, str, str]:
    name = spec.name
    if spec.aliases:
        name += f" (also {', '.join(spec.aliases)})"
    actions = ", ".join(action.name for action in spec.actions) or "-"
    fields = ", ".join(field_summary(field) for field in spec.fields) or "-"
    return name, spec.kind, actions, fields


def route_table(pack: ProtocolPack) -> list[str]:
    """Lay out a pack's routes as a plain-text table, one line per route.

    Args:
        pack: the protocol version's route specs.

    Returns:
        The header line, one line per route (in the pack's order), and a closing summary line.
    """
    rows: Sequence[tuple[str, ...]] = [_HEADERS, *(_row(spec) for spec in pack.routes.values())]
    widths = [max(len(row[column]) for row in rows) for column in range(len(_HEADERS) - 1)]
    lines = [
        "  ".join([*(cell.ljust(width) for cell, width in zip(row, widths, strict=False)), row[-1]])
        for row in rows
    ]
    summary = f"{len(pack.routes)} routes in {pack.version} ({pack.api_version}); "
    summary += f"start: {pack.start_route}"
    if pack.universal_actions:
        summary += f"; allowed on every page: {', '.join(pack.universal_actions)}"
    return [*lines, summary]


def run(args: argparse.Namespace) -> int:
    """Print the routes of the version named on the command line.

    Args:
        args: the parsed arguments (``protocol_version``, ``mermaid``).

    Returns:
        0, or 2 for a version that has no schema pack.
    """
    try:
        pack = load_pack(args.protocol_version)
    except UnknownVersion as exc:
        print(f"flatpeak-connect routes: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if args.mermaid:
        sys.stdout.write(route_graph_mermaid(pack))
    else:
        print("\n".join(route_table(pack)))
    return EXIT_OK
