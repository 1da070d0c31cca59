"""What the engine's clients share: closing with ``async with``, and an aiohttp session."""

from __future__ import annotations

from typing import TYPE_CHECKING, Self

import aiohttp

if TYPE_CHECKING:
    from types import TracebackType


class AsyncClosing:
    """Mixin: ``async with thing:`` closes ``thing`` on the way out (``await thing.close()``)."""

    async def close(self) -> None:
        """Release what the object holds."""

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()


class SessionOwner(AsyncClosing):
    """Holds an aiohttp ``ClientSession``: the caller's if one was given, else its own.

    A caller's session is never closed here (the caller owns its connection pool); one created
    here is created lazily, inside the running loop, and closed by :meth:`close`.
    """

    def __init__(self, session: aiohttp.ClientSession | None) -> None:
        self._session = session
        self._owns_session = session is None

    async def close(self) -> None:
        """Close the HTTP session if this object created it (a caller's is left open)."""
        if self._owns_session and self._session is not None:
            await self._session.close()
            self._session = None

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None:
            self._session = aiohttp.ClientSession()
        return self._session


def describe_failure(exc: BaseException) -> str:
    """Say in words why an HTTP call failed: the exception's text, else its kind.

    ``str()``, not ``repr()``: aiohttp's reprs are its internals (``ConnectionKey(...)``), and a
    bare ``TimeoutError`` has no text at all.
    """
    return str(exc) or type(exc).__name__
