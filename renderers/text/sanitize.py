"""Make a string from Connect safe to print on a terminal.

A page must not be able to drive the terminal it is shown on: an escape sequence in a provider's
name could clear the screen, move the cursor to forge a prompt, set the window title, or write a
hyperlink. Every string that came from Connect goes through :func:`clean` before it is printed.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["clean"]

# ESC followed by a CSI (ESC [ ... final byte), an OSC/DCS/PM/APC/SOS string (up to BEL or ST),
# or a two-character sequence; and the 8-bit C1 forms of CSI and OSC.
_ESCAPE_SEQUENCE = re.compile(
    r"""
    \x1b\[[0-?]*[ -/]*[@-~]?              # CSI
    | \x1b[\]PX^_][^\x07\x1b]*(?:\x07|\x1b\\)?   # OSC, DCS, SOS, PM, APC
    | \x1b[@-Z\\-_]?                      # other Fe/Fs sequences (and a lone ESC)
    | \x9b[0-?]*[ -/]*[@-~]?              # 8-bit CSI
    | \x9d[^\x07\x9c]*(?:\x07|\x9c)?      # 8-bit OSC
    """,
    re.VERBOSE,
)

# Characters that reorder text (bidirectional overrides and isolates) can make a line read
# differently from what it contains; they are removed like control characters.
_BIDI_CONTROLS = frozenset(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)


def clean(value: object) -> str:
    """Return ``value`` as one printable line: no escape sequences, no control characters.

    Escape sequences are removed whole; any other control character (C0, DEL, C1) and any
    bidirectional-override character is removed, except that tabs and line breaks become a
    space so words stay apart. Everything else, ``<script>`` included, is kept as text: a
    terminal does not interpret it.

    Args:
        value: a string from Connect (anything else is converted with ``str``; ``None`` is ``""``).

    Returns:
        The cleaned text.
    """
    if value is None:
        return ""
    text = value if isinstance(value, str) else str(value)
    text = _ESCAPE_SEQUENCE.sub("", text)
    kept: list[str] = []
    for char in text:
        if char in "\t\n\r\v\f\x85\u2028\u2029":
            kept.append(" ")
        elif unicodedata.category(char) == "Cc" or char in _BIDI_CONTROLS:
            continue
        else:
            kept.append(char)
    return "".join(kept)
