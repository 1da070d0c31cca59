"""JSON text that is safe wherever an app puts it, a ``<script>`` element included."""

from __future__ import annotations

import json
from typing import Any

__all__ = ["dumps"]

# Escaping these keeps a Connect string such as "</script><script>..." inert when an app
# embeds the JSON in an HTML page. Everything outside ASCII is escaped too (ensure_ascii), so
# no control character -- C1 included -- and no JavaScript line break reaches a terminal or a
# script as such.
_ESCAPES = str.maketrans({"<": "\\u003c", ">": "\\u003e", "&": "\\u0026"})


def dumps(document: Any, *, indent: int | None = None) -> str:
    """Serialise ``document`` as ASCII JSON with ``<``, ``>`` and ``&`` escaped.

    Args:
        document: a JSON-ready value.
        indent: spaces per level for people, or ``None`` for one compact line.

    Returns:
        The JSON text; it parses back to ``document`` unchanged.
    """
    separators = (",", ":") if indent is None else (",", ": ")
    text = json.dumps(document, ensure_ascii=True, indent=indent, separators=separators)
    return text.translate(_ESCAPES)
