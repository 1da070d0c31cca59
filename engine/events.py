"""What happens during a session, as a closed set of typed events, and the bus that delivers them.

A :class:`~flatpeak_connect.engine.flow.Flow` publishes an event at each step: a request sent
(:class:`Submitted`), a page received or found invalid, a page rendered, an answer rejected, a
provider login, the end of the session. A host subscribes to log, to measure, or to record a
transcript (:class:`~flatpeak_connect.engine.transcript.TranscriptRecorder` is a subscriber).

A subscriber that raises does not break the session: the error is logged and the other
subscribers still get the event.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, TypeAlias

import attrs

from flatpeak_connect.engine import models
from flatpeak_connect.engine.redaction import get_logger

__all__ = [
    "Completed",
    "Event",
    "EventBus",
    "Expired",
    "Failed",
    "Handler",
    "PageInvalid",
    "PageReceived",
    "Redirected",
    "Rejected",
    "Rendered",
    "Submitted",
]

_log = get_logger(__name__)


@attrs.frozen
class Submitted:
    """A request is about to be sent to Connect (a start, a resume or an answer).

    Attributes:
        version: the protocol version.
        route: the route the request names.
        payload: the request envelope exactly as it is sent (it carries the connect token).
    """

    version: str
    route: str
    payload: Mapping[str, Any] = attrs.field(repr=False)


@attrs.frozen
class PageReceived:
    """Connect answered with a page that validates (any kind: a page, a redirect, the end).

    Attributes:
        page: the page; ``page.raw`` is the response body.
    """

    page: models.Page

    @property
    def version(self) -> str:
        """The protocol version."""
        return self.page.version


@attrs.frozen
class PageInvalid:
    """Connect answered with a document that breaks its schema; the session cannot read it.

    Attributes:
        version: the protocol version.
        document: the response body as received.
        errors: one FieldError per problem, pointers into the document.
    """

    version: str
    document: Mapping[str, Any] = attrs.field(repr=False)
    errors: tuple[models.FieldError, ...] = ()


@attrs.frozen
class Rendered:
    """A renderer turned a page into something a person sees.

    Attributes:
        page: the page rendered.
        output: what the renderer produced.
    """

    page: models.Page
    output: models.Rendered = attrs.field(repr=False)

    @property
    def version(self) -> str:
        """The protocol version."""
        return self.page.version


@attrs.frozen
class Rejected:
    """An answer was refused: by the client-side check (nothing sent) or by Connect.

    Attributes:
        version: the protocol version.
        route: the route whose answer was refused.
        errors: what is wrong, one FieldError per problem.
        body: Connect's error body, or ``None`` when the client found the errors.
    """

    version: str
    route: str
    errors: tuple[models.FieldError, ...]
    body: Mapping[str, Any] | None = attrs.field(default=None, repr=False)


@attrs.frozen
class Redirected:
    """Connect sent the customer to a provider login; the session waits for ``resume()``.

    Attributes:
        version: the protocol version.
        url: the login URL to open, ``fp_cot`` included.
    """

    version: str
    url: str = attrs.field(repr=False)


@attrs.frozen
class Completed:
    """The session is over and complete (see :class:`~flatpeak_connect.engine.models.Outcome`).

    Attributes:
        version: the protocol version.
        outcome: how it ended: the callback URL and the action that ended it.
    """

    version: str
    outcome: models.Outcome


@attrs.frozen
class Expired:
    """Connect said the connect token has expired: the host must create a new one.

    Attributes:
        version: the protocol version.
        outcome: the ``expired`` outcome.
        body: Connect's error body.
    """

    version: str
    outcome: models.Outcome
    body: Mapping[str, Any] | None = attrs.field(default=None, repr=False)


@attrs.frozen
class Failed:
    """Something went wrong: a request got no usable answer, or the session cannot go on.

    Attributes:
        version: the protocol version.
        message: what happened, for people.
        final: ``True`` when the session has failed (its outcome is ``failed``); ``False`` when
            only this request failed and the session can go on (an answer can be sent again).
        body: Connect's error body, when it sent one.
    """

    version: str
    message: str
    final: bool
    body: Mapping[str, Any] | None = attrs.field(default=None, repr=False)


Event: TypeAlias = (
    Submitted
    | PageReceived
    | PageInvalid
    | Rendered
    | Rejected
    | Redirected
    | Completed
    | Expired
    | Failed
)
"""Any event a flow publishes."""

Handler: TypeAlias = Callable[[Event], Awaitable[None] | None]
"""A subscriber: a function or a coroutine function that takes an event."""


class EventBus:
    """Delivers events to subscribers, in the order they subscribed.

    Each flow may have its own bus, or several flows may share one. A subscriber may be a
    plain function or a coroutine function; a coroutine is awaited before the next subscriber
    runs, so keep subscribers quick (schedule long work as a task).
    """

    def __init__(self) -> None:
        self._subscribers: list[tuple[Handler, tuple[type[Event], ...]]] = []

    def subscribe(self, handler: Handler, *kinds: type[Event]) -> Handler:
        """Deliver events to ``handler``: all of them, or only those of the ``kinds`` given.

        Args:
            handler: the subscriber.
            *kinds: event classes to deliver; none means every event.

        Returns:
            ``handler``, so that ``subscribe`` can be used as a decorator.
        """
        self._subscribers.append((handler, kinds))
        return handler

    def unsubscribe(self, handler: Handler) -> None:
        """Stop delivering events to ``handler`` (a handler not subscribed is ignored)."""
        # Equality, not identity: each `obj.method` access makes a new (equal) bound method.
        self._subscribers = [(h, k) for h, k in self._subscribers if h != handler]

    async def publish(self, event: Event) -> None:
        """Deliver ``event`` to every subscriber that wants it.

        A subscriber that raises is logged (with its traceback, secrets redacted) and skipped:
        a broken logger or metrics hook must not break a customer's session.
        """
        for handler, kinds in tuple(self._subscribers):
            if kinds and not isinstance(event, kinds):
                continue
            try:
                result = handler(event)
                if inspect.isawaitable(result):
                    await result
            except Exception:  # noqa: BLE001 - any subscriber failure is logged, never fatal
                _log.exception(
                    "event subscriber %s failed on %s", _describe(handler), type(event).__name__
                )


def _describe(handler: Handler) -> str:
    return getattr(handler, "__qualname__", None) or type(handler).__qualname__
