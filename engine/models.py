"""The value objects every part of flatpeak-connect shares: pages, answers, errors, outcomes.

They are frozen attrs classes. A page is what Connect sent, validated; a submission is what goes
back; a FieldError is one problem with one input, whoever found it.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import Any, Literal

import attrs

__all__ = [
    "FieldError",
    "Outcome",
    "OutcomeStatus",
    "Page",
    "Rendered",
    "Submission",
    "is_array_index",
    "resolve_pointer",
]

_MISSING = object()


def _unescape(token: str) -> str:
    return token.replace("~1", "/").replace("~0", "~")


def is_array_index(token: str) -> bool:
    """Tell whether a JSON Pointer token names an array element.

    Only ASCII digits do (RFC 6901): ``str.isdigit`` alone also accepts ``"²"``, which ``int``
    refuses, so a hostile key in a document could otherwise crash whoever walks its pointers.
    """
    return token.isascii() and token.isdigit()


def resolve_pointer(document: Any, pointer: str, default: Any = None) -> Any:
    """Return the value an RFC 6901 JSON Pointer names in ``document``, or ``default``.

    Args:
        document: a JSON value (dicts, lists and scalars).
        pointer: ``""`` for the whole document, else ``/a/0/b``.
        default: what to return when the pointer names nothing.

    Returns:
        The value, or ``default``.
    """
    if pointer == "":
        return document
    current = document
    for raw in pointer.lstrip("/").split("/"):
        token = _unescape(raw)
        if isinstance(current, Mapping):
            current = current.get(token, _MISSING)
        elif isinstance(current, list) and is_array_index(token) and int(token) < len(current):
            current = current[int(token)]
        else:
            return default
        if current is _MISSING:
            return default
    return current


@attrs.frozen
class FieldError:
    """One problem with one input, found by the client or by Connect.

    Attributes:
        pointer: RFC 6901 pointer into the answer's ``data`` (``""``: the answer as a whole).
        code: the machine code, the same whoever found it (``post_code_missing``).
        message: what a person reads.
        source: ``"client"`` when found before sending, ``"server"`` when Connect said so.
    """

    pointer: str
    code: str
    message: str
    source: Literal["client", "server"] = "client"


@attrs.frozen(eq=True)
class Page:
    """A validated Connect response: the page the customer is on.

    Attributes:
        connect_token: the session's token, echoed by Connect.
        route: the route exactly as Connect named it (may be an alias such as
            ``tariff_summary``); answers are posted with this name.
        version: the protocol version (schema pack) the page belongs to.
        actions: the actions Connect offers on this page, in its order.
        data: the page payload.
        direction: ``IMPORT``/``EXPORT`` from the envelope (either spelling), if sent.
        tariff_type: ``COMMODITY``/``NON_COMMODITY`` (the envelope's ``type``), if sent.
        live_mode: whether the token is a live one, if sent.
        raw: the whole response as received.
    """

    connect_token: str
    route: str
    version: str
    actions: tuple[str, ...] = ()
    data: Mapping[str, Any] = attrs.field(factory=dict)
    direction: str | None = None
    tariff_type: str | None = None
    live_mode: bool | None = None
    raw: Mapping[str, Any] = attrs.field(factory=dict, repr=False)

    @classmethod
    def from_json(cls, document: Mapping[str, Any], version: str) -> Page:
        """Build a page from a response body that has already been validated.

        Accepts both envelope spellings (``direction``/``tariff_direction``,
        ``type``/``tariff_type``).
        """
        data = document.get("data")
        actions = document.get("actions")
        direction = document.get("direction", document.get("tariff_direction"))
        tariff_type = document.get("tariff_type", document.get("type"))
        if tariff_type == "render":  # FlatPeak's web client tags pages this way; not a tariff type
            tariff_type = document.get("tariff_type")
        live_mode = document.get("live_mode")
        return cls(
            connect_token=str(document.get("connect_token", "")),
            route=str(document.get("route", "")),
            version=version,
            actions=tuple(a for a in actions if isinstance(a, str))
            if isinstance(actions, list)
            else (),
            data=dict(data) if isinstance(data, Mapping) else {},
            direction=direction if isinstance(direction, str) else None,
            tariff_type=tariff_type if isinstance(tariff_type, str) else None,
            live_mode=live_mode if isinstance(live_mode, bool) else None,
            raw=dict(document),
        )

    def value(self, pointer: str, default: Any = None) -> Any:
        """Return the value at ``pointer`` in the page's ``data``, or ``default``."""
        return resolve_pointer(self.data, pointer, default)


@attrs.frozen
class Submission:
    """What goes back to Connect: the route answered, and an action or data (or, rarely, neither).

    Attributes:
        route: the route being answered (normally the current page's ``route``).
        action: one of the page's actions, or ``None``.
        data: the form payload, or ``None``.
    """

    route: str
    action: str | None = None
    data: Mapping[str, Any] | None = None

    def to_payload(self, connect_token: str) -> dict[str, Any]:
        """Build the request envelope: the one place it is written."""
        payload: dict[str, Any] = {"connect_token": connect_token, "route": self.route}
        if self.action is not None:
            payload["action"] = self.action
        if self.data is not None:
            payload["data"] = dict(self.data)
        return payload


class OutcomeStatus(enum.StrEnum):
    """How a session ended."""

    COMPLETE = "complete"
    """Connect finished the session (``session_complete``, or the callback URL was reached)."""
    CLOSED = "closed"
    """The client ended it before Connect did (the customer quit, or the host closed it)."""
    EXPIRED = "expired"
    """The connect token expired: the host must create a new one."""
    FAILED = "failed"
    """Something went wrong that the customer cannot fix: see ``message``."""


@attrs.frozen
class Outcome:
    """The end of a session.

    Attributes:
        status: complete, closed, expired or failed.
        route: the last route seen.
        callback_url: where the customer goes now (complete), if known.
        action: the action that ended the session (``SAVE``, ``CLOSE``, ``DISCONNECT`` ...).
        message: for people, when the session did not complete.
    """

    status: OutcomeStatus
    route: str | None = None
    callback_url: str | None = None
    action: str | None = None
    message: str | None = None

    def to_json(self) -> dict[str, Any]:
        """Return the outcome as a JSON-ready dict (the ``run`` command's last line)."""
        return {
            "status": self.status.value,
            "route": self.route,
            "callback_url": self.callback_url,
            "action": self.action,
            "message": self.message,
        }


@attrs.frozen
class Rendered:
    """What a renderer produced: a body and its media type."""

    body: str
    media_type: str = "text/plain"
