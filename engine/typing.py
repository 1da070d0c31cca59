"""Extension points: the protocols a renderer, an input source and a transport implement.

Each is a :class:`typing.Protocol`, so an implementation needs no base class.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import attrs

from flatpeak_connect.engine.spec import ProtocolPack, RouteSpec

if TYPE_CHECKING:
    from flatpeak_connect.engine.models import FieldError, Page, Rendered, Submission

__all__ = ["InputSource", "RenderContext", "Renderer", "Transport"]


@attrs.frozen
class RenderContext:
    """What a renderer knows besides the page and its errors.

    Attributes:
        pack: the protocol version's route specs.
        spec: the route's spec, or ``None`` for a route the pack does not know (render it with
            the generic fallback, from its data and actions).
        values: the customer's last answer (``data``), kept so that a page shown again with
            errors shows what they typed, not what Connect pre-filled.
        extra: whatever the host adds (a form URL, a CSRF token, theme settings ...).
    """

    pack: ProtocolPack
    spec: RouteSpec | None = None
    values: Mapping[str, Any] = attrs.field(factory=dict)
    extra: Mapping[str, Any] = attrs.field(factory=dict)


@runtime_checkable
class Renderer(Protocol):
    """Protocol: turns a page (and the errors on it) into something a person sees."""

    def render(self, page: Page, errors: Sequence[FieldError], context: RenderContext) -> Rendered:
        """Render ``page`` with ``errors`` next to their fields."""
        ...


@runtime_checkable
class InputSource(Protocol):
    """Protocol: gathers the customer's answer to a page."""

    async def collect(self, page: Page, errors: Sequence[FieldError]) -> Submission:
        """Return the answer to ``page``; ``errors`` are the problems with the last answer."""
        ...


@runtime_checkable
class Transport(Protocol):
    """Protocol: sends one request envelope to Connect and returns the decoded JSON answer.

    An implementation returns error bodies (``object == "error"``) as they are; it raises
    :class:`~flatpeak_connect.engine.errors.TransportError` only when no JSON answer arrived.
    """

    async def send(self, payload: Mapping[str, Any]) -> dict[str, Any]:
        """POST ``payload`` and return the JSON body."""
        ...
