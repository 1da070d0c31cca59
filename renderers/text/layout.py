"""Lines of text laid out to a width: paragraphs, label/value pairs, numbered lists and tables.

Everything that comes from Connect is passed through :func:`~.sanitize.clean` by the callers
before it reaches a :class:`Block`; styling (ANSI colour) is applied after wrapping, so it never
counts towards the width.
"""

from __future__ import annotations

import textwrap
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

__all__ = ["Block", "table"]

_MIN_TEXT = 16
"""The fewest columns left for text beside a label before the text moves below it."""


def _identity(text: str) -> str:
    return text


class Block:
    """A list of output lines with helpers that wrap to a width.

    Args:
        width: the number of columns to wrap at.
    """

    def __init__(self, width: int) -> None:
        self.width = width
        self.lines: list[str] = []

    def blank(self) -> None:
        """Add an empty line, unless the block is empty or already ends with one."""
        if self.lines and self.lines[-1] != "":
            self.lines.append("")

    def line(self, text: str) -> None:
        """Add one line as it is (already laid out)."""
        self.lines.append(text)

    def para(
        self,
        text: str,
        *,
        indent: int = 0,
        first: str = "",
        paint: Callable[[str], str] = _identity,
        paint_first: Callable[[str], str] = _identity,
    ) -> None:
        """Add ``text`` wrapped to the width.

        Args:
            text: the text (one paragraph, plain: styling is applied after wrapping).
            indent: spaces before every line.
            first: a plain prefix for the first line (``"- "``); later lines are indented
                under it.
            paint: styling applied to the text of each wrapped line.
            paint_first: styling applied to ``first``.
        """
        if not text:
            return
        lead = " " * indent
        if len(lead) + len(first) > self.width - _MIN_TEXT:
            # A long label leaves too little room: the text goes on the lines below it.
            self.para(first.rstrip(), indent=indent, paint=paint_first)
            self.para(text, indent=indent + 4, paint=paint)
            return
        wrapped = textwrap.wrap(
            text,
            width=max(self.width - len(lead) - len(first), _MIN_TEXT),
            break_long_words=True,
            break_on_hyphens=False,
        )
        for index, line in enumerate(wrapped):
            prefix = paint_first(first) if index == 0 else " " * len(first)
            self.lines.append(lead + prefix + paint(line))

    def pair(
        self,
        label: str,
        value: str,
        *,
        indent: int = 2,
        paint_label: Callable[[str], str] = _identity,
        paint: Callable[[str], str] = _identity,
    ) -> None:
        """Add ``label: value``, the value wrapped under itself."""
        self.para(
            value or "-", indent=indent, first=f"{label}: ", paint=paint, paint_first=paint_label
        )

    def extend(self, lines: Sequence[str]) -> None:
        """Add lines laid out elsewhere."""
        self.lines.extend(lines)

    def text(self) -> str:
        """Return the block as text, ending with one newline."""
        lines = list(self.lines)
        while lines and lines[-1] == "":
            lines.pop()
        return "\n".join(lines) + "\n"


def table(headers: Sequence[str], rows: Sequence[Sequence[str]], *, indent: int = 2) -> list[str]:
    """Lay out a table with columns as wide as their widest cell, two spaces apart.

    Args:
        headers: the column headings.
        rows: the cells, row by row (as many as there are headings).
        indent: spaces before each line.

    Returns:
        The heading line, a rule, and one line per row.
    """
    widths = [len(h) for h in headers]
    for row in rows:
        widths = [max(w, len(cell)) for w, cell in zip(widths, row, strict=True)]

    def line(cells: Sequence[str]) -> str:
        padded = [cell.ljust(width) for cell, width in zip(cells, widths, strict=True)]
        return (" " * indent + "  ".join(padded)).rstrip()

    rule = " " * indent + "  ".join("-" * w for w in widths)
    return [line(headers), rule, *(line(row) for row in rows)]
