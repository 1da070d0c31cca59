"""Reading lines from the terminal without blocking the event loop.

A blocking ``input()`` on the loop's thread would stop every other task -- an HTTP keep-alive,
the in-process simulator of ``demo`` -- while a person thinks. :class:`LineReader` waits for
standard input with the loop's own reader (``loop.add_reader``), so the loop runs on; where the
input cannot be watched that way (a regular file), it reads in a worker thread.

End of input (Ctrl-D) and an interrupt at the prompt (Ctrl-C) raise :class:`InputClosed`, which a
caller turns into a ``closed`` session, with no traceback.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
from typing import TYPE_CHECKING, Literal

from flatpeak_connect.engine.errors import ConnectError

if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import TextIO

__all__ = ["InputClosed", "LineReader"]

_CHUNK = 4096


class InputClosed(ConnectError):
    """The person ended the input: end of input (Ctrl-D) or an interrupt (Ctrl-C).

    Args:
        reason: ``"eof"`` or ``"interrupt"``.
    """

    def __init__(self, reason: Literal["eof", "interrupt"]) -> None:
        message = "input ended (Ctrl-D)" if reason == "eof" else "interrupted (Ctrl-C)"
        super().__init__(message)
        self.reason = reason


class LineReader:
    """Read lines of text for prompts, without blocking the event loop.

    Args:
        stdin: where lines come from (default: standard input).
        stdout: where prompts go (default: standard output).
        echo: write each line read after its prompt; default: when standard input is not a
            terminal (a terminal shows what is typed itself), so piped output reads like a
            transcript. A program reading JSON lines off the output wants ``False``.
    """

    def __init__(
        self, stdin: TextIO | None = None, stdout: TextIO | None = None, *, echo: bool | None = None
    ) -> None:
        self.stdin = stdin if stdin is not None else sys.stdin
        self.stdout = stdout if stdout is not None else sys.stdout
        self.echo = echo
        self._buffer = b""
        self._eof = False

    @property
    def interactive(self) -> bool:
        """Whether a person types the input (standard input is a terminal)."""
        isatty = getattr(self.stdin, "isatty", None)
        return bool(isatty and isatty())

    async def readline(self, prompt: str = "") -> str:
        """Show ``prompt`` and return the next line typed, without its line break.

        Args:
            prompt: written (and flushed) before waiting.

        Returns:
            The line, decoded as UTF-8 (undecodable bytes replaced).

        Raises:
            InputClosed: at end of input, or when Ctrl-C is pressed while waiting.
        """
        self.stdout.write(prompt)
        self.stdout.flush()
        while b"\n" not in self._buffer and not self._eof:
            chunk = await self._read_chunk()
            if chunk:
                self._buffer += chunk
            else:
                self._eof = True
        if b"\n" in self._buffer:
            line, _, self._buffer = self._buffer.partition(b"\n")
        elif self._buffer:
            line, self._buffer = self._buffer, b""
        else:
            if prompt:
                # End the prompt's line; with no prompt (JSON lines) there is no line to end.
                self.stdout.write("\n")
                self.stdout.flush()
            raise InputClosed("eof")
        text = line.decode("utf-8", errors="replace").rstrip("\r")
        if self.echo if self.echo is not None else not self.interactive:
            # Nobody typed it, so the terminal did not echo it: show it, as a transcript would.
            self.stdout.write(text + "\n")
            self.stdout.flush()
        return text

    async def _read_chunk(self) -> bytes:
        loop = asyncio.get_running_loop()
        fd = self.stdin.fileno()
        done: asyncio.Future[bytes] = loop.create_future()

        def ready() -> None:
            try:
                chunk = os.read(fd, _CHUNK)
            except BlockingIOError:
                return
            except OSError as exc:
                if not done.done():
                    done.set_exception(exc)
                return
            if not done.done():
                done.set_result(chunk)

        def interrupted() -> None:
            if not done.done():
                done.set_exception(InputClosed("interrupt"))

        try:
            loop.add_reader(fd, ready)
        except (PermissionError, ValueError, NotImplementedError):
            # A regular file cannot be watched (epoll refuses it), but never blocks for long.
            return await asyncio.to_thread(os.read, fd, _CHUNK)
        restore = _catch_sigint(loop, interrupted)
        try:
            return await done
        finally:
            loop.remove_reader(fd)
            restore()


def _catch_sigint(
    loop: asyncio.AbstractEventLoop, handler: Callable[[], None]
) -> Callable[[], None]:
    """Route Ctrl-C to ``handler`` while a prompt waits; return what puts things back."""
    if sys.platform == "win32":  # pragma: no cover - no loop signal handlers there
        return lambda: None
    previous = signal.getsignal(signal.SIGINT)
    try:
        loop.add_signal_handler(signal.SIGINT, handler)
    except (RuntimeError, ValueError):  # not the main thread: Ctrl-C stays as it was
        return lambda: None

    def restore() -> None:
        loop.remove_signal_handler(signal.SIGINT)
        with contextlib.suppress(TypeError, ValueError):
            signal.signal(signal.SIGINT, previous)

    return restore
