"""The route graph of a protocol version, drawn from its route specs' ``next`` edges.

Connect decides which page comes next; the route specs write down, as far as the protocol
documents it, which answer or action may lead where. :func:`route_graph_mermaid` draws that as
a Mermaid flowchart (``flatpeak-connect routes --mermaid``).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flatpeak_connect.engine.spec import ProtocolPack, RouteSpec

__all__ = ["mermaid_id", "route_graph_mermaid"]

_UNSAFE = re.compile(r"[^A-Za-z0-9_]")

# Node shapes by route kind: a page is a box, a redirect a hexagon (the customer leaves), the
# end of the session a stadium.
_SHAPES = {"page": ('["', '"]'), "redirect": ('{{"', '"}}'), "complete": ('(["', '"])')}


def mermaid_id(route: str) -> str:
    """Return a Mermaid node id for a route name.

    Ids are prefixed so that no route can collide with a Mermaid keyword (``end``, ``graph``) or
    start an edge token (a name beginning with ``o`` or ``x`` after ``---``), and anything but
    letters, digits and ``_`` becomes ``_``.

    Args:
        route: the route's name.

    Returns:
        ``r_`` followed by the sanitised name (``r_provider_select``).
    """
    return "r_" + _UNSAFE.sub("_", route)


def _quote(text: str) -> str:
    # Inside a quoted Mermaid label only `"` needs escaping; the entity keeps it readable.
    return text.replace('"', "#quot;")


def _node(spec: RouteSpec | None, name: str) -> str:
    opening, closing = _SHAPES.get(spec.kind if spec else "page", _SHAPES["page"])
    label = name
    if spec is not None and spec.aliases:
        label += " / " + " / ".join(spec.aliases)
    return f"{mermaid_id(name)}{opening}{_quote(label)}{closing}"


def route_graph_mermaid(pack: ProtocolPack) -> str:
    """Draw a pack's route graph as a Mermaid flowchart.

    Every route is a node (a box for a page, a hexagon for a redirect, a stadium for the end of
    the session; aliases shown beside the name). Every ``next`` edge is an arrow labelled with
    what leads along it: ``data`` (an answer), ``resume`` or the action's name, followed by the
    edge's own label in brackets.

    Args:
        pack: the protocol version's route specs.

    Returns:
        The flowchart's source text, ending with a newline.
    """
    lines = [
        "flowchart TD",
        f"    %% route graph of {pack.version} ({pack.api_version}); start: {pack.start_route}",
    ]
    names = list(pack.routes)
    targets = [edge.to for spec in pack.routes.values() for edge in spec.next]
    names += [t for t in dict.fromkeys(targets) if t not in pack.routes]
    ids: dict[str, str] = {}
    for name in names:
        node_id = mermaid_id(name)
        # Two names that sanitise alike (`a-b`, `a_b`) must still be two nodes.
        while node_id in ids.values():
            node_id += "_"
        ids[name] = node_id
        node = _node(pack.routes.get(name), name)
        lines.append("    " + node_id + node.removeprefix(mermaid_id(name)))
    for name, spec in pack.routes.items():
        for edge in spec.next:
            label = edge.on if edge.label is None else f"{edge.on} ({edge.label})"
            lines.append(f'    {ids[name]} -->|"{_quote(label)}"| {ids[edge.to]}')
    return "\n".join(lines) + "\n"
