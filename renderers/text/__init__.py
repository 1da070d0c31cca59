"""The plain-text renderer and the terminal input: a Connect session in a terminal.

:class:`TextRenderer` draws a page as text (width-aware, colour only on a terminal without
``NO_COLOR``, every Connect string cleaned of control characters); :class:`TerminalInput` asks
the page's questions at the prompt and returns the answer as a Submission, reading through a
:class:`LineReader` that never blocks the event loop. See ``docs/text.md``.
"""

from __future__ import annotations

from flatpeak_connect.renderers.text.reader import InputClosed, LineReader
from flatpeak_connect.renderers.text.renderer import TextRenderer
from flatpeak_connect.renderers.text.sanitize import clean
from flatpeak_connect.renderers.text.style import Style
from flatpeak_connect.renderers.text.terminal import TerminalInput

__all__ = ["InputClosed", "LineReader", "Style", "TerminalInput", "TextRenderer", "clean"]
