"""The client's lifecycle as an explicit transition table, with no I/O (sans-IO, like h11).

The server decides which page comes next; the machine decides what the client may do now. Feed
it what happens — a start, an answer, a response body — and it says what to send
(:class:`Request`) or what the response means (an :data:`Effect`); it refuses the rest with
:class:`~flatpeak_connect.engine.errors.TransitionRefused` *before* anything is sent. It never
touches a network or an event loop, so every rule here is testable in plain Python;
:class:`~flatpeak_connect.engine.flow.Flow` is the I/O shell around it.

The lifecycle (``Machine.to_mermaid()`` draws it)::

    new ──start──▶ starting ──page──▶ awaiting_input ──submit──▶ submitting ──page──▶ ...
                      │                     ▲                        │
                      │                     └──rejected/send_failed──┘
                      ├──redirect──▶ redirecting ──resume──▶ starting
                      └──complete/expire/fail──▶ complete / expired / failed

``complete``, ``closed`` and ``expired`` are the end: nothing more may be sent. ``failed``
refuses answers too, but accepts ``start`` (or ``resume``) again: Connect owns where the
session is, so a new start picks it up where Connect has it, which helps when a page could not
be read or Connect could not be reached.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal, Protocol, TypeAlias
from urllib.parse import parse_qsl, urlsplit, urlunsplit

import attrs

from flatpeak_connect.engine.errors import TransitionRefused
from flatpeak_connect.engine.models import (
    FieldError,
    Outcome,
    OutcomeStatus,
    Page,
    Submission,
    resolve_pointer,
)
from flatpeak_connect.engine.redaction import redact

if TYPE_CHECKING:
    from flatpeak_connect.engine.spec import ProtocolPack

__all__ = [
    "ENDING_ACTIONS",
    "EXPIRED_MESSAGE",
    "TRANSITIONS",
    "AskAgain",
    "Effect",
    "Machine",
    "MachineEvent",
    "OpenLogin",
    "PageBroken",
    "Request",
    "ServerFault",
    "SessionOver",
    "SessionStatus",
    "ShowPage",
    "Validator",
    "add_fp_cot",
    "next_status",
    "same_url",
    "to_mermaid",
]


class SessionStatus(enum.StrEnum):
    """Where the client is in the lifecycle of a session."""

    NEW = "new"
    """Nothing sent yet."""
    STARTING = "starting"
    """The start (or resume) request is in flight."""
    AWAITING_INPUT = "awaiting_input"
    """A page is shown; the customer's answer is awaited."""
    SUBMITTING = "submitting"
    """An answer is in flight."""
    REDIRECTING = "redirecting"
    """The customer is at a provider login; ``resume()`` continues the session."""
    COMPLETE = "complete"
    """Connect finished the session."""
    CLOSED = "closed"
    """The client ended the session before Connect did."""
    EXPIRED = "expired"
    """The connect token expired."""
    FAILED = "failed"
    """The session cannot go on from here (a start may be tried again)."""


class MachineEvent(enum.StrEnum):
    """What can happen to the machine: the client's moves and Connect's answers."""

    START = "start"
    """The client sends the version's start route."""
    RESUME = "resume"
    """The client sends the resume route after a provider login."""
    SUBMIT = "submit"
    """The client sends the customer's answer."""
    PAGE = "page"
    """Connect answered with a page to show."""
    REJECTED = "rejected"
    """Connect refused the answer with a validation error."""
    REDIRECT = "redirect"
    """Connect sent the customer to a provider login."""
    COMPLETE = "complete"
    """Connect ended the session (``session_complete``, or the callback URL reached)."""
    EXPIRE = "expire"
    """Connect said the token has expired."""
    FAIL = "fail"
    """Connect's answer cannot be used (a broken page, a refusal to start)."""
    SEND_FAILED = "send_failed"
    """The request got no usable answer (no connection, a server fault)."""
    CLOSE = "close"
    """The client ends the session."""


_S = SessionStatus
_E = MachineEvent

TRANSITIONS: Mapping[tuple[SessionStatus, MachineEvent], SessionStatus] = {
    (_S.NEW, _E.START): _S.STARTING,
    (_S.NEW, _E.CLOSE): _S.CLOSED,
    (_S.STARTING, _E.PAGE): _S.AWAITING_INPUT,
    (_S.STARTING, _E.REDIRECT): _S.REDIRECTING,
    (_S.STARTING, _E.COMPLETE): _S.COMPLETE,
    (_S.STARTING, _E.EXPIRE): _S.EXPIRED,
    (_S.STARTING, _E.FAIL): _S.FAILED,
    (_S.STARTING, _E.SEND_FAILED): _S.FAILED,
    (_S.AWAITING_INPUT, _E.SUBMIT): _S.SUBMITTING,
    # A start on a session that has a page asks Connect where the session is (a web app that
    # lost its copy of the page, a second tab); Connect answers with the current page.
    (_S.AWAITING_INPUT, _E.START): _S.STARTING,
    (_S.AWAITING_INPUT, _E.CLOSE): _S.CLOSED,
    (_S.SUBMITTING, _E.PAGE): _S.AWAITING_INPUT,
    (_S.SUBMITTING, _E.REJECTED): _S.AWAITING_INPUT,
    (_S.SUBMITTING, _E.REDIRECT): _S.REDIRECTING,
    (_S.SUBMITTING, _E.COMPLETE): _S.COMPLETE,
    (_S.SUBMITTING, _E.EXPIRE): _S.EXPIRED,
    (_S.SUBMITTING, _E.FAIL): _S.FAILED,
    # The answer is kept and may be sent again: the customer decides, not a retry loop.
    (_S.SUBMITTING, _E.SEND_FAILED): _S.AWAITING_INPUT,
    (_S.REDIRECTING, _E.RESUME): _S.STARTING,
    (_S.REDIRECTING, _E.START): _S.STARTING,
    (_S.REDIRECTING, _E.CLOSE): _S.CLOSED,
    (_S.FAILED, _E.START): _S.STARTING,
    (_S.FAILED, _E.RESUME): _S.STARTING,
}
"""The whole lifecycle: ``(status, event) -> next status``. A pair not listed is refused."""

ENDING_ACTIONS = frozenset({"CLOSE", "DISCONNECT"})
"""Actions whose ``session_redirect`` answer is the end of the session, not a provider login."""

_TERMINAL = frozenset({_S.COMPLETE, _S.CLOSED, _S.EXPIRED})
_DEFAULT_URL_POINTERS: Mapping[str, tuple[str, ...]] = {
    "redirect": ("/redirect_url", "/redirect_uri"),
    "complete": ("/callback_uri", "/callback_url"),
}
# Routes that mean the same in every version even where a pack does not list them: an engine
# treats a session_complete as the end whatever version it speaks (CONNECT.md, 1.5).
_WELL_KNOWN_KINDS: Mapping[str, Literal["redirect", "complete"]] = {
    "session_redirect": "redirect",
    "session_complete": "complete",
}
EXPIRED_MESSAGE = (
    "The connect token has expired. Create a new connect token and start a new session."
)
"""The message of the ``expired`` outcome: what the host must do."""


def next_status(status: SessionStatus, event: MachineEvent) -> SessionStatus:
    """Return the status that ``event`` leads to from ``status``.

    Args:
        status: the current status.
        event: what happens.

    Returns:
        The next status, from :data:`TRANSITIONS`.

    Raises:
        TransitionRefused: when the table has no such transition.
    """
    try:
        return TRANSITIONS[status, event]
    except KeyError:
        raise TransitionRefused(_refusal(status, event)) from None


def _refusal(status: SessionStatus, event: MachineEvent) -> str:
    allowed = sorted(e.value for (s, e) in TRANSITIONS if s is status)
    if status in _TERMINAL:
        return f"the session is over ({status.value}): cannot {event.value}"
    hint = {
        _S.NEW: "start the session first",
        _S.STARTING: "a start request is already in flight",
        _S.SUBMITTING: "an answer is already in flight",
        _S.REDIRECTING: "the customer is at a provider login; resume() the session first",
        _S.FAILED: "the session failed; only a new start (or resume) may be tried",
        _S.AWAITING_INPUT: "a page is waiting for the customer's answer",
    }[status]
    return (
        f"cannot {event.value} while the session is {status.value}: {hint} "
        f"(allowed now: {', '.join(allowed) or 'nothing'})"
    )


def to_mermaid() -> str:
    """Return the lifecycle as a Mermaid state diagram (``stateDiagram-v2``)."""
    lines = ["stateDiagram-v2", f"    [*] --> {_S.NEW.value}"]
    lines.extend(
        f"    {source.value} --> {target.value} : {event.value}"
        for (source, event), target in TRANSITIONS.items()
    )
    lines.extend(f"    {status.value} --> [*]" for status in SessionStatus if status in _TERMINAL)
    return "\n".join(lines) + "\n"


def add_fp_cot(url: str, token: str) -> str:
    """Return ``url`` with the query parameter ``fp_cot=<token>`` added, unless it has one.

    The rest of the URL, its own query parameters included, is kept exactly as it was.
    """
    parts = urlsplit(url)
    if any(name == "fp_cot" for name, _ in parse_qsl(parts.query, keep_blank_values=True)):
        return url
    query = f"{parts.query}&fp_cot={token}" if parts.query else f"fp_cot={token}"
    return urlunsplit(parts._replace(query=query))


def same_url(left: str, right: str) -> bool:
    """Return whether two URLs name the same place, ignoring query, fragment and letter case.

    Connect returns the callback URL with ``fp_cot`` (and possibly the host's own parameters)
    added, so the query cannot take part in the comparison; the scheme and host are compared
    without regard to case, a default port is ignored, and so is a trailing slash.
    """
    return _url_key(left) == _url_key(right)


def _url_key(url: str) -> tuple[str, str, str]:
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    try:
        port = parts.port
    except ValueError:
        port = None
    if port is not None and (scheme, port) not in {("http", 80), ("https", 443)}:
        host = f"{host}:{port}"
    return scheme, host, parts.path.rstrip("/")


class Validator(Protocol):
    """Protocol: what the machine needs of a pack's validator (``get_validator(version)``)."""

    def validate_page(self, document: Mapping[str, Any], /) -> list[FieldError]:
        """Return the problems of a page (pointers into the page); empty when it is valid."""
        ...

    def validate_answer(self, body: Mapping[str, Any], /) -> list[FieldError]:
        """Return the problems of a request body (pointers into ``data``, documented codes)."""
        ...

    def error_for_code(self, route: str, code: str, message: str, /) -> FieldError:
        """Return the FieldError a server error ``code`` on ``route`` stands for."""
        ...


@attrs.frozen
class Request:
    """A request the client must send now.

    Attributes:
        route: the route it names.
        payload: the request envelope, connect token included.
        submission: the customer's answer it carries, or ``None`` for a start or a resume.
    """

    route: str
    payload: Mapping[str, Any] = attrs.field(repr=False)
    submission: Submission | None = None


@attrs.frozen
class ShowPage:
    """Effect: Connect sent a page; show it and collect the customer's answer."""

    page: Page


@attrs.frozen
class AskAgain:
    """Effect: the answer was refused (by the client-side check or by Connect); ask again.

    Attributes:
        page: the same page.
        errors: what is wrong.
        values: the customer's answer (``data``), to show again as they typed it.
        body: Connect's error body, or ``None`` when nothing was sent.
    """

    page: Page
    errors: tuple[FieldError, ...]
    values: Mapping[str, Any] = attrs.field(factory=dict)
    body: Mapping[str, Any] | None = attrs.field(default=None, repr=False)


@attrs.frozen
class OpenLogin:
    """Effect: send the customer to a provider login, then ``resume()``.

    Attributes:
        page: the ``session_redirect`` page.
        url: the login URL, ``fp_cot`` added.
    """

    page: Page
    url: str = attrs.field(repr=False)


@attrs.frozen
class SessionOver:
    """Effect: the session ended (complete, expired, or failed on Connect's word).

    Attributes:
        outcome: how it ended.
        page: the page this answer brought (the ``session_complete`` page, the
            ``session_redirect`` that ends an anode session), or ``None`` when an error body
            ended the session.
        body: Connect's response body.
    """

    outcome: Outcome
    page: Page | None = None
    body: Mapping[str, Any] | None = attrs.field(default=None, repr=False)


@attrs.frozen
class PageBroken:
    """Effect: Connect's answer breaks its schema; the session failed (a start may help)."""

    document: Mapping[str, Any] = attrs.field(repr=False)
    errors: tuple[FieldError, ...]


@attrs.frozen
class ServerFault:
    """Effect: Connect answered with a server-side error (``api_error``): no usable answer.

    Attributes:
        code: Connect's error ``code``.
        message: Connect's error ``message``.
        body: the error body.
    """

    code: str
    message: str
    body: Mapping[str, Any] = attrs.field(repr=False)


Effect: TypeAlias = ShowPage | AskAgain | OpenLogin | SessionOver | PageBroken | ServerFault
"""What a response (or a refused answer) means for the client."""


class Machine:
    """The state of one session and the rules of what may happen next. No I/O.

    Args:
        pack: the protocol version's route specs.
        validator: the version's validator (``get_validator(pack.version)``).
        callback_url: the callback URL given at token creation, when the host knows it; in
            anode a ``session_redirect`` to it ends the session.
        status: the status to begin in (a restored session's).
        token: the connect token, once known.
        page: the last page Connect sent, if any.
        history: the routes received so far, oldest first.
        last_submission: the customer's last answer, if any.
        errors: the problems with the last answer.
        redirect_url: the provider login the customer was sent to, while redirecting.
        outcome: how the session ended, once it has.
    """

    def __init__(
        self,
        pack: ProtocolPack,
        validator: Validator,
        *,
        callback_url: str | None = None,
        status: SessionStatus = SessionStatus.NEW,
        token: str | None = None,
        page: Page | None = None,
        history: Sequence[str] = (),
        last_submission: Submission | None = None,
        errors: Sequence[FieldError] = (),
        redirect_url: str | None = None,
        outcome: Outcome | None = None,
    ) -> None:
        self.pack = pack
        self.validator = validator
        self.callback_url = callback_url
        self.status = status
        self.token = token
        self.page = page
        self.history: tuple[str, ...] = tuple(history)
        self.last_submission = last_submission
        self.errors: tuple[FieldError, ...] = tuple(errors)
        self.redirect_url = redirect_url
        self.outcome = outcome
        self._in_flight: Request | None = None

    def __repr__(self) -> str:
        route = self.page.route if self.page is not None else None
        return f"<Machine {self.pack.version} {self.status.value} route={route!r}>"

    to_mermaid = staticmethod(to_mermaid)

    def fire(self, event: MachineEvent) -> SessionStatus:
        """Move along the transition table and return the new status.

        Raises:
            TransitionRefused: when ``event`` is not allowed in the current status.
        """
        self.status = next_status(self.status, event)
        return self.status

    @property
    def values(self) -> Mapping[str, Any]:
        """The customer's last answer (``data``) while it has errors, else an empty mapping."""
        if self.errors and self.last_submission is not None and self.last_submission.data:
            return self.last_submission.data
        return {}

    # -- the client's moves ------------------------------------------------------------------

    def start(self, token: str) -> Request:
        """Begin (or begin again) with ``token``: return the start request to send.

        Raises:
            TransitionRefused: when a start is not allowed now (see :data:`TRANSITIONS`).
            ValueError: when ``token`` is empty.
        """
        if not token:
            raise ValueError("a connect token is required to start a session")
        self.fire(MachineEvent.START)
        self.token = token
        self.outcome = None
        return self._request(self.pack.start_route)

    def resume(self) -> Request:
        """Return the resume request to send after the provider login (``resume_routes[0]``).

        Raises:
            TransitionRefused: when the session is not waiting for a resume.
        """
        if not self.token:
            raise TransitionRefused("cannot resume a session that was never started")
        self.fire(MachineEvent.RESUME)
        self.outcome = None
        return self._request(self.pack.resume_routes[0])

    def check(self, submission: Submission) -> Page:
        """Refuse a submission the current page does not allow; return the page it answers.

        Refused: anything while no page awaits an answer (before the start, during a
        request, at a provider login, after the end); an answer for another route than the
        page's (aliases count as the same route); an action missing from the page's
        ``actions`` and from the version's ``universal_actions``; data on an action-only page.

        Raises:
            TransitionRefused: with what was refused and why.
        """
        if (self.status, MachineEvent.SUBMIT) not in TRANSITIONS:
            raise TransitionRefused(_refusal(self.status, MachineEvent.SUBMIT))
        page = self.page
        if page is None:  # a restored state that lost its page; the table cannot know that
            raise TransitionRefused("there is no page to answer: start the session first")
        if not self._same_route(submission.route, page.route):
            raise TransitionRefused(
                f"the answer is for route {submission.route!r} "
                f"but the current page is {page.route!r}"
            )
        allowed = (*page.actions, *self.pack.universal_actions)
        if submission.action is not None and submission.action not in allowed:
            raise TransitionRefused(
                f"action {submission.action!r} is not offered on page {page.route!r} "
                f"(allowed: {', '.join(dict.fromkeys(allowed)) or 'none'})"
            )
        spec = self.pack.route(page.route)
        if spec is not None and spec.answer == "action" and submission.data is not None:
            raise TransitionRefused(
                f"page {page.route!r} takes an action only, not data "
                f"(allowed: {', '.join(dict.fromkeys(allowed)) or 'none'})"
            )
        return page

    def submit(self, submission: Submission) -> Request | AskAgain:
        """Check the customer's answer and return the request to send, or why to ask again.

        The answer is checked against the page (:meth:`check`), then against the route's
        answer schema. An answer with errors is not sent: the result is an :class:`AskAgain`
        on the same page with the errors and the customer's values, and the status does not
        change. An action alone is not checked against the schema: the page's ``actions`` (and
        the version's universal actions) decide, as Connect offered them. The request names
        the page's route exactly as Connect spelled it, whichever alias the submission used.

        Raises:
            TransitionRefused: when the page does not allow the submission.
        """
        page = self.check(submission)
        # Answer with the route exactly as Connect named the page, alias or not.
        submission = attrs.evolve(submission, route=page.route)
        payload = submission.to_payload(self._token())
        self.last_submission = submission
        action_only = submission.action is not None and submission.data is None
        if self.pack.route(page.route) is not None and not action_only:
            found = tuple(
                attrs.evolve(e, source="client") for e in self.validator.validate_answer(payload)
            )
            if found:
                self.errors = found
                return AskAgain(page=page, errors=found, values=dict(submission.data or {}))
        self.fire(MachineEvent.SUBMIT)
        self._in_flight = Request(route=submission.route, payload=payload, submission=submission)
        return self._in_flight

    def close(self, message: str | None = None) -> Outcome:
        """End the session on the client's side and return the ``closed`` outcome.

        Raises:
            TransitionRefused: during a request or after the end.
        """
        self.fire(MachineEvent.CLOSE)
        self.outcome = Outcome(
            status=OutcomeStatus.CLOSED,
            route=self.page.route if self.page is not None else None,
            message=message or "The session was closed before Connect completed it.",
        )
        self.redirect_url = None
        return self.outcome

    def send_failed(self, message: str) -> None:
        """Record that the request in flight got no usable answer.

        After an answer, the session awaits input again with the answer kept, so it can be
        sent again. After a start or a resume, the session has failed; a start may be tried
        again.

        Raises:
            TransitionRefused: when no request is in flight.
        """
        if self.fire(MachineEvent.SEND_FAILED) is SessionStatus.FAILED:
            self.outcome = self._failed(message)
        self._in_flight = None

    # -- Connect's answers -------------------------------------------------------------------

    def receive(self, body: Mapping[str, Any]) -> Effect:
        """Interpret Connect's answer to the request in flight.

        Args:
            body: the decoded JSON response: a page or an error body (``object == "error"``).

        Returns:
            What it means: a page to show (:class:`ShowPage`), the answer refused
            (:class:`AskAgain`), a provider login (:class:`OpenLogin`), the end
            (:class:`SessionOver`), an unreadable page (:class:`PageBroken`) or a server fault
            (:class:`ServerFault`).

        Raises:
            TransitionRefused: when no request is in flight.
        """
        if self.status not in (SessionStatus.STARTING, SessionStatus.SUBMITTING):
            raise TransitionRefused(
                f"no request is waiting for an answer (the session is {self.status.value})"
            )
        request = self._in_flight
        self._in_flight = None
        if body.get("object") == "error":
            return self._receive_error(body)
        problems = tuple(self.validator.validate_page(body))
        if problems:
            self.fire(MachineEvent.FAIL)
            route = body.get("route")
            self.outcome = self._failed(
                f"Connect sent a page ({route!r}) that breaks its schema, so it cannot be shown."
            )
            return PageBroken(document=body, errors=problems)
        page = Page.from_json(body, self.pack.version)
        if page.connect_token:
            # Connect echoes the token; like FlatPeak's own client, answer with the latest one.
            self.token = page.connect_token
        self.history = (*self.history, page.route)
        action = request.submission.action if request and request.submission else None
        kind = self._kind(page.route)
        if kind == "complete":
            return self._complete(page, self._url(page, "complete"), action)
        if kind == "redirect":
            return self._redirect(page, action)
        self.fire(MachineEvent.PAGE)
        self.page = page
        self.errors = ()
        self.redirect_url = None
        return ShowPage(page=page)

    def _receive_error(self, body: Mapping[str, Any]) -> Effect:
        code = str(body.get("code") or "")
        # Connect's text may quote the connect token; it goes on into outcomes, events, errors.
        message = redact(str(body.get("message") or code or "Connect refused the request."))
        if code == "token_expired":
            self.fire(MachineEvent.EXPIRE)
            self.outcome = Outcome(
                status=OutcomeStatus.EXPIRED,
                route=self.page.route if self.page is not None else None,
                message=EXPIRED_MESSAGE,
            )
            return SessionOver(outcome=self.outcome, body=body)
        if body.get("type") == "api_error":
            self.send_failed(f"Connect could not process the request: {message} ({code}).")
            return ServerFault(code=code, message=message, body=body)
        if self.status is SessionStatus.SUBMITTING and self.page is not None:
            self.fire(MachineEvent.REJECTED)
            route = self.pack.canonical(self.page.route) or self.page.route
            found = attrs.evolve(
                self.validator.error_for_code(route, code, message), source="server"
            )
            self.errors = (found,)
            values = self.last_submission.data if self.last_submission is not None else None
            return AskAgain(
                page=self.page, errors=self.errors, values=dict(values or {}), body=body
            )
        self.fire(MachineEvent.FAIL)
        self.outcome = self._failed(f"Connect refused to start the session: {message} ({code}).")
        return SessionOver(outcome=self.outcome, body=body)

    def _complete(self, page: Page, url: str | None, action: str | None) -> SessionOver:
        self.fire(MachineEvent.COMPLETE)
        self.page = page
        self.errors = ()
        self.redirect_url = None
        self.outcome = Outcome(
            status=OutcomeStatus.COMPLETE, route=page.route, callback_url=url, action=action
        )
        return SessionOver(outcome=self.outcome, page=page, body=page.raw)

    def _redirect(self, page: Page, action: str | None) -> Effect:
        url = self._url(page, "redirect")
        ends = action in ENDING_ACTIONS or (
            url is not None and self.callback_url is not None and same_url(url, self.callback_url)
        )
        if ends:
            return self._complete(page, url, action)
        if url is None or urlsplit(url).scheme.lower() not in {"http", "https"}:
            self.fire(MachineEvent.FAIL)
            self.outcome = self._failed(
                "Connect sent a provider login without an http(s) URL, so it cannot be opened."
            )
            return SessionOver(outcome=self.outcome, page=page, body=page.raw)
        self.fire(MachineEvent.REDIRECT)
        self.page = page
        self.errors = ()
        self.redirect_url = add_fp_cot(url, self._token())
        return OpenLogin(page=page, url=self.redirect_url)

    # -- helpers -----------------------------------------------------------------------------

    def _request(self, route: str) -> Request:
        self._in_flight = Request(
            route=route, payload={"connect_token": self._token(), "route": route}
        )
        return self._in_flight

    def _token(self) -> str:
        if not self.token:
            raise TransitionRefused("the session has no connect token: start it first")
        return self.token

    def _same_route(self, left: str, right: str) -> bool:
        if left == right:
            return True
        canonical = self.pack.canonical(left)
        return canonical is not None and canonical == self.pack.canonical(right)

    def _kind(self, route: str) -> str:
        spec = self.pack.route(route)
        if spec is not None:
            return spec.kind
        return _WELL_KNOWN_KINDS.get(route, "page")

    def _url(self, page: Page, kind: str) -> str | None:
        spec = self.pack.route(page.route)
        pointers = spec.url if spec is not None and spec.url else _DEFAULT_URL_POINTERS[kind]
        for pointer in pointers:
            for document in (page.data, page.raw):
                found = resolve_pointer(document, pointer)
                if isinstance(found, str) and found:
                    return found
        return None

    def _failed(self, message: str) -> Outcome:
        return Outcome(
            status=OutcomeStatus.FAILED,
            route=self.page.route if self.page is not None else None,
            message=message,
        )
