"""How text output looks on the terminal it goes to: its width and whether it has colour.

Colour is used only when the output is a terminal and ``NO_COLOR`` is unset (https://no-color.org)
and ``TERM`` is not ``dumb``; otherwise every helper returns its text unchanged, so the output of
a pipe or a file is plain text.
"""

from __future__ import annotations

import os
import shutil
import sys
from typing import TYPE_CHECKING

import attrs

if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import TextIO

__all__ = ["Style", "wants_colour"]

_MIN_WIDTH = 40
_MAX_WIDTH = 100


def wants_colour(stream: TextIO, environ: Mapping[str, str] | None = None) -> bool:
    """Return whether to write ANSI colour to ``stream``.

    Args:
        stream: where the output goes.
        environ: the environment to consult (default: ``os.environ``).

    Returns:
        ``True`` only for a terminal, with ``NO_COLOR`` unset and ``TERM`` not ``dumb``.
    """
    env = os.environ if environ is None else environ
    if "NO_COLOR" in env or env.get("TERM") == "dumb":
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def terminal_width() -> int:
    """Return the width to lay text out in: the terminal's, kept between 40 and 100 columns."""
    columns = shutil.get_terminal_size((80, 24)).columns
    return max(_MIN_WIDTH, min(_MAX_WIDTH, columns))


@attrs.frozen
class Style:
    """Colour switch and width of one output.

    Attributes:
        colour: whether to write ANSI colour sequences.
        width: the number of columns to lay text out in, or ``None`` to ask the terminal each
            time (it may be resized between two pages).
    """

    colour: bool = False
    width: int | None = None

    @classmethod
    def for_stream(cls, stream: TextIO | None = None, width: int | None = None) -> Style:
        """Return the style for ``stream`` (default: standard output)."""
        return cls(colour=wants_colour(stream or sys.stdout), width=width)

    @property
    def columns(self) -> int:
        """The width to lay out in now."""
        return self.width if self.width is not None else terminal_width()

    def _sgr(self, text: str, code: str) -> str:
        return f"\x1b[{code}m{text}\x1b[0m" if self.colour and text else text

    def bold(self, text: str) -> str:
        """Return ``text`` in bold (headings)."""
        return self._sgr(text, "1")

    def dim(self, text: str) -> str:
        """Return ``text`` dimmed (hints)."""
        return self._sgr(text, "2")

    def error(self, text: str) -> str:
        """Return ``text`` in red (error messages)."""
        return self._sgr(text, "31")

    def accent(self, text: str) -> str:
        """Return ``text`` in cyan (action names, numbers to type)."""
        return self._sgr(text, "36")

    def success(self, text: str) -> str:
        """Return ``text`` in green (a finished session)."""
        return self._sgr(text, "32")
