"""The exceptions of flatpeak-connect: one base class, one subclass per thing that goes wrong."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Sequence

    from flatpeak_connect.engine.models import FieldError

__all__ = [
    "BackendError",
    "ConnectError",
    "SchemaViolation",
    "ScriptError",
    "ServerRejected",
    "SessionClosed",
    "TokenExpired",
    "TransitionRefused",
    "TransportError",
    "UnknownVersion",
]


class ConnectError(Exception):
    """Base class of every error flatpeak-connect raises on purpose."""


class UnknownVersion(ConnectError, LookupError):
    """No schema pack exists for the protocol version asked for."""


class SchemaViolation(ConnectError):
    """A document (a page from Connect, or an answer) breaks its schema.

    Args:
        message: what is wrong, for people.
        errors: one FieldError per problem, each with an RFC 6901 pointer.
    """

    def __init__(self, message: str, errors: Sequence[FieldError] = ()) -> None:
        super().__init__(message)
        self.errors: tuple[FieldError, ...] = tuple(errors)

    def __str__(self) -> str:
        lines = [self.args[0]]
        lines.extend(f"  {e.pointer or '/'}: {e.code}: {e.message}" for e in self.errors)
        return "\n".join(lines)


class ServerRejected(ConnectError):
    """Connect answered with an error object that belongs to the customer's answer.

    Args:
        message: what Connect said.
        errors: the FieldErrors it maps to (source ``"server"``).
        code: Connect's error ``code``.
    """

    def __init__(self, message: str, errors: Sequence[FieldError] = (), code: str = "") -> None:
        super().__init__(message)
        self.errors: tuple[FieldError, ...] = tuple(errors)
        self.code = code


class TokenExpired(ConnectError):
    """The connect token is past its expiry: the host must create a new token."""


class _CallFailed(ConnectError):
    """A call over HTTP failed: what was called, and what the other side said, if anything."""

    def __init__(
        self,
        message: str,
        *,
        url: str = "",
        status: int | None = None,
        code: str | None = None,
        server_message: str | None = None,
    ) -> None:
        super().__init__(message)
        self.url = url
        self.status = status
        self.code = code
        self.server_message = server_message


class TransportError(_CallFailed):
    """Connect could not be reached, or answered something that is not a page.

    Args:
        message: what happened, for people.
        url: the URL that was called.
        status: the HTTP status, when there was a response.
        code: the error ``code`` from Connect's error body, when it sent one.
        server_message: the error ``message`` from Connect's error body, when it sent one.
    """


class SessionClosed(ConnectError):
    """The session is over (complete, closed, expired or failed): nothing more may be sent."""


class ScriptError(ConnectError, ValueError):
    """A scripted input does not fit the session; the message names the route.

    A malformed script, a step for another page than Connect's, a script that ran out, or an
    answer Connect keeps refusing.
    """


class BackendError(_CallFailed):
    """FlatPeak's back-end API refused a call, could not be reached, or was not configured.

    Args:
        message: what happened, for people (never a credential).
        url: the URL that was called, when one was.
        status: the HTTP status, when there was a response.
        code: the error ``code`` from the API's error body, when it sent one.
        server_message: the error ``message`` from the API's error body, when it sent one.
    """


class TransitionRefused(ConnectError):
    """The client asked for something its current state does not allow.

    Raised before anything is sent: an action the page does not offer, data on an action-only
    page, anything after the end.
    """
