"""The flow runner: a Connect session driven through a transport, one step at a time.

:class:`Flow` is the I/O shell around the sans-IO :class:`~flatpeak_connect.engine.machine.Machine`:
it sends what the machine says to send, hands it what Connect answered, publishes
:mod:`~flatpeak_connect.engine.events`, and returns a :class:`Step` — the page to show, the
errors on it, the customer's kept values, a provider login to open, or the outcome.

Two ways to use it:

- step by step (a web app): ``await flow.start(token)``, then ``await flow.submit(answer)`` per
  form post, ``await flow.resume()`` after a provider login; keep ``flow.state`` in a
  :class:`~flatpeak_connect.engine.store.SessionStore` and rebuild the flow with
  :meth:`Flow.from_state` on the next request;
- as a loop (a terminal, a test): ``await flow.run(token, renderer, input_source)``, which
  renders, collects and submits until the session ends, and returns the
  :class:`~flatpeak_connect.engine.models.Outcome`.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any

import attrs
import cattrs

from flatpeak_connect.engine import events as ev
from flatpeak_connect.engine.errors import SchemaViolation, TransportError
from flatpeak_connect.engine.machine import (
    AskAgain,
    Effect,
    Machine,
    OpenLogin,
    PageBroken,
    Request,
    ServerFault,
    SessionOver,
    SessionStatus,
    ShowPage,
    Validator,
)
from flatpeak_connect.engine.models import (
    FieldError,
    Outcome,
    OutcomeStatus,
    Page,
    Rendered,
    Submission,
)
from flatpeak_connect.engine.redaction import TOKEN_PLACEHOLDER
from flatpeak_connect.engine.spec import ProtocolPack, load_pack
from flatpeak_connect.engine.typing import RenderContext
from flatpeak_connect.engine.validation import get_validator

if TYPE_CHECKING:
    from flatpeak_connect.engine.typing import InputSource, Renderer, Transport

__all__ = ["Flow", "Redirector", "RenderHook", "SessionState", "Step", "state_converter"]

_ENDED = frozenset(
    {
        SessionStatus.COMPLETE,
        SessionStatus.CLOSED,
        SessionStatus.EXPIRED,
        SessionStatus.FAILED,
    }
)
_IN_FLIGHT = frozenset({SessionStatus.STARTING, SessionStatus.SUBMITTING})


def _redacted(value: str | None) -> str:
    return repr(None if value is None else TOKEN_PLACEHOLDER)


def _restored_status(state: SessionState) -> SessionStatus:
    """Return where a state saved with a request in flight picks up again.

    A login URL is kept only from the redirect until the next page: with one, the request was
    the resume (or a start) after a provider login, and the customer is back at that login.
    """
    if state.redirect_url is not None:
        return SessionStatus.REDIRECTING
    return SessionStatus.AWAITING_INPUT if state.page else SessionStatus.NEW


@attrs.frozen
class Step:
    """Where a session is after one move: what to show, or how it ended.

    Exactly one of three things is true: ``outcome`` is set (the session is over);
    ``redirect_url`` is set (send the customer to a provider login, then ``resume()``); or
    ``page`` is a page to show, with ``errors`` on it and the customer's ``values`` kept.

    Attributes:
        page: the page (the same page again when the answer had errors), or the last page
            seen when the session is over (``None`` if none arrived).
        errors: the problems with the last answer, found by the client or by Connect.
        values: the customer's last answer (``data``) when it has errors, so a renderer shows
            what they typed; empty otherwise.
        redirect_url: a provider login to open, ``fp_cot`` added.
        outcome: how the session ended, once it has.
    """

    page: Page | None = None
    errors: tuple[FieldError, ...] = ()
    values: Mapping[str, Any] = attrs.field(factory=dict)
    redirect_url: str | None = attrs.field(default=None, repr=False)
    outcome: Outcome | None = None

    @property
    def done(self) -> bool:
        """Whether the session is over (``outcome`` is set)."""
        return self.outcome is not None


@attrs.frozen
class SessionState:
    """Everything needed to pick a session up again: small, and serialisable with cattrs.

    ``SessionState.from_json(state.to_json()) == state`` for every state, through a JSON
    round trip too; :data:`state_converter` is the cattrs converter that does it.

    Attributes:
        version: the protocol version.
        status: where the session is in its lifecycle.
        token: the connect token (``None`` before the start). Redacted in ``repr``.
        page: the last page Connect sent, as raw JSON.
        history: the routes Connect sent, oldest first.
        callback_url: the callback URL given at token creation, when the host knows it.
        last_answer: the customer's last answer.
        errors: the problems with the last answer.
        redirect_url: the provider login the customer was sent to, while redirecting.
        outcome: how the session ended, once it has.
    """

    version: str
    status: SessionStatus = SessionStatus.NEW
    token: str | None = attrs.field(default=None, repr=_redacted)
    page: Mapping[str, Any] | None = attrs.field(default=None, repr=False)
    history: tuple[str, ...] = ()
    callback_url: str | None = None
    last_answer: Submission | None = attrs.field(default=None, repr=False)
    errors: tuple[FieldError, ...] = ()
    redirect_url: str | None = attrs.field(default=None, repr=False)
    outcome: Outcome | None = None

    def to_json(self) -> dict[str, Any]:
        """Return the state as a JSON-ready dict."""
        result: dict[str, Any] = state_converter.unstructure(self)
        return result

    @classmethod
    def from_json(cls, document: Mapping[str, Any]) -> SessionState:
        """Rebuild a state from :meth:`to_json`'s output.

        Raises:
            cattrs.errors.ClassValidationError: when ``document`` is not a session state.
        """
        return state_converter.structure(document, cls)


state_converter = cattrs.Converter()
"""The converter that (un)structures :class:`SessionState`.

Use it as it is, or build your own ``cattrs.Converter`` if you store states another way: the
state is plain attrs classes, enums and JSON values.
"""

Redirector = Callable[[str], Awaitable[None]]
"""``on_redirect``: sends the customer to a provider login URL and returns once they are back."""

RenderHook = Callable[[Rendered], Awaitable[None] | None]
"""``on_render``: shows what the renderer produced (print it, send it)."""


class Flow:
    """A Connect session driven through a transport.

    Args:
        version: the protocol version (``zero``, ``anode``).
        transport: what sends requests to Connect
            (:class:`~flatpeak_connect.engine.transport.AiohttpTransport`, a replay ...).
        callback_url: the callback URL given at token creation, when the host knows it. In
            anode, a ``session_redirect`` to it ends the session (compared without its query).
        events: the bus to publish events on; a new one when not given.
        validator: the version's validator; ``get_validator(version)`` when not given.

    Raises:
        UnknownVersion: when no schema pack exists for ``version``.
    """

    def __init__(
        self,
        version: str,
        transport: Transport,
        *,
        callback_url: str | None = None,
        events: ev.EventBus | None = None,
        validator: Validator | None = None,
    ) -> None:
        self.pack: ProtocolPack = load_pack(version)
        self.transport = transport
        self.events = events if events is not None else ev.EventBus()
        self.machine = Machine(
            self.pack,
            validator if validator is not None else get_validator(version),
            callback_url=callback_url,
        )

    @classmethod
    def from_state(
        cls,
        state: SessionState,
        transport: Transport,
        *,
        events: ev.EventBus | None = None,
        validator: Validator | None = None,
    ) -> Flow:
        """Rebuild a flow where ``state`` left it (after a restart, on another worker).

        A state saved while a request was in flight (``starting``, ``submitting``) cannot
        know Connect's answer: it comes back as ``redirecting`` when the request was the resume
        after a provider login (``resume()`` again), as ``awaiting_input`` when it has a page
        (the customer's answer kept, to send again) and as ``new`` otherwise; ``start()`` asks
        Connect where the session is.

        Args:
            state: a state from :attr:`state` (possibly through a store).
            transport: what sends requests to Connect.
            events: the bus to publish events on.
            validator: the version's validator.

        Returns:
            The flow.

        Raises:
            UnknownVersion: when no schema pack exists for ``state.version``.
        """
        flow = cls(
            state.version,
            transport,
            callback_url=state.callback_url,
            events=events,
            validator=validator,
        )
        status = state.status
        if status in _IN_FLIGHT:
            status = _restored_status(state)
        flow.machine = Machine(
            flow.pack,
            flow.machine.validator,
            callback_url=state.callback_url,
            status=status,
            token=state.token,
            page=Page.from_json(state.page, state.version) if state.page else None,
            history=state.history,
            last_submission=state.last_answer,
            errors=state.errors,
            redirect_url=state.redirect_url,
            outcome=state.outcome,
        )
        return flow

    def __repr__(self) -> str:
        route = self.page.route if self.page is not None else None
        return f"<Flow {self.pack.version} {self.status.value} route={route!r}>"

    # -- what the session looks like now ----------------------------------------------------

    @property
    def version(self) -> str:
        """The protocol version."""
        return self.pack.version

    @property
    def status(self) -> SessionStatus:
        """Where the session is in its lifecycle."""
        return self.machine.status

    @property
    def page(self) -> Page | None:
        """The last page Connect sent, if any."""
        return self.machine.page

    @property
    def state(self) -> SessionState:
        """A snapshot of the session, to keep in a store and give to :meth:`from_state`."""
        machine = self.machine
        return SessionState(
            version=self.pack.version,
            status=machine.status,
            token=machine.token,
            page=dict(machine.page.raw) if machine.page is not None else None,
            history=machine.history,
            callback_url=machine.callback_url,
            last_answer=machine.last_submission,
            errors=machine.errors,
            redirect_url=machine.redirect_url,
            outcome=machine.outcome,
        )

    @property
    def step(self) -> Step:
        """The current step: what a restored web app shows on the next request."""
        machine = self.machine
        if machine.status in _ENDED:
            return Step(page=machine.page, outcome=machine.outcome)
        if machine.status is SessionStatus.REDIRECTING:
            return Step(page=machine.page, redirect_url=machine.redirect_url)
        return Step(page=machine.page, errors=machine.errors, values=dict(machine.values))

    def render_context(self, step: Step | None = None, **extra: Any) -> RenderContext:
        """Return what a renderer needs besides the page: the pack, the route spec, the values.

        Args:
            step: the step to render (default: the current one).
            **extra: whatever the host adds (a form URL, a CSRF token, theme settings ...).

        Returns:
            The context.
        """
        step = step if step is not None else self.step
        spec = self.pack.route(step.page.route) if step.page is not None else None
        return RenderContext(pack=self.pack, spec=spec, values=step.values, extra=extra)

    # -- moves ------------------------------------------------------------------------------

    async def start(self, token: str) -> Step:
        """Post the version's start route and return the first step.

        A start is also how to ask Connect where an existing session is (after a failure,
        or when a page was lost): Connect answers with the current page.

        Args:
            token: the connect token created by the back-end.

        Returns:
            The first page, a provider login, or the outcome (``expired`` when the token has
            expired; ``failed`` when Connect refuses to start).

        Raises:
            TransitionRefused: when a start is not allowed now (during a request, after the end).
            SchemaViolation: when Connect's page breaks its schema (the session has failed; a
                new start may help).
            TransportError: when Connect could not be reached or had a server fault, after the
                transport's retries (the session has failed; a new start may help).
        """
        return await self._send(self.machine.start(token))

    async def resume(self) -> Step:
        """Post the resume route after the customer came back from a provider login.

        Returns:
            The next step.

        Raises:
            TransitionRefused: when the session is not at a provider login.
            SchemaViolation: as for :meth:`start`.
            TransportError: as for :meth:`start`.
        """
        return await self._send(self.machine.resume())

    async def submit(self, submission: Submission) -> Step:
        """Check the customer's answer, post it, and return the next step.

        The answer is checked first, on the client: with errors, nothing is sent and the step
        is the same page with the errors and the customer's values. Connect's validation
        errors come back the same way (source ``"server"``). An error body that does not
        belong to the answer is shown on the page as a whole (pointer ``""``), since the
        customer may still change their answer; ``token_expired`` ends the session.

        Args:
            submission: the answer: the page's route and an action or data.

        Returns:
            The next page, the same page with errors, a provider login, or the outcome.

        Raises:
            TransitionRefused: when the page does not allow the submission (an action it does
                not offer, data on an action-only page, anything after the end). Nothing sent.
            SchemaViolation: when Connect's next page breaks its schema (the session failed).
            TransportError: when Connect could not be reached or had a server fault; nothing is
                retried, the answer is kept in :attr:`state` and the page awaits input again.
        """
        result = self.machine.submit(submission)
        if isinstance(result, AskAgain):
            await self.events.publish(
                ev.Rejected(self.version, result.page.route, result.errors, None)
            )
            return Step(page=result.page, errors=result.errors, values=result.values)
        return await self._send(result)

    def close(self, message: str | None = None) -> Outcome:
        """End the session on the client's side (the customer quit) and return the outcome.

        Nothing is sent: Connect keeps the session until its token expires.

        Raises:
            TransitionRefused: during a request, or after the end.
        """
        return self.machine.close(message)

    async def run(
        self,
        token: str,
        renderer: Renderer,
        input_source: InputSource,
        *,
        on_redirect: Redirector | None = None,
        on_render: RenderHook | None = None,
        extra: Mapping[str, Any] | None = None,
        max_steps: int = 1000,
    ) -> Outcome:
        """Run the session until it ends: render, collect, submit, repeat.

        The session starts with ``token`` — unless this flow already holds that token with a
        page awaiting input or a provider login pending (a restored session), in which case
        it carries on from there.

        A provider login is handed to ``on_redirect``, which sends the customer to the URL and
        returns once they are back; the session then resumes. Without ``on_redirect`` the run
        ends with a ``failed`` outcome that says so, and the session stays at the login
        (``flow.step.redirect_url``) so the host can still open it and ``resume()``.

        Failures of the session become a ``failed`` outcome rather than an exception: a page
        that breaks its schema, Connect unreachable or at fault. After a failed answer the
        session still awaits input with the answer kept (see :meth:`submit`).

        Args:
            token: the connect token.
            renderer: renders each page (a renderer, or a
                :class:`~flatpeak_connect.engine.registry.RendererRegistry`).
            input_source: collects the customer's answer to each page.
            on_redirect: opens a provider login and waits for the customer's return.
            on_render: shows each rendered page (printing, sending); events get it too.
            extra: passed to the renderer in ``RenderContext.extra``.
            max_steps: the most pages to render before giving up (a script that loops).

        Returns:
            How the session ended.

        Raises:
            TransitionRefused: when the input source gives an answer the page does not allow.
            Exception: whatever the renderer or the input source raises (for instance
                :class:`~flatpeak_connect.engine.errors.ScriptError`).
        """
        try:
            step = await self._begin(token)
            for _ in range(max_steps):
                if step.outcome is not None:
                    return step.outcome
                if step.redirect_url is not None:
                    if on_redirect is None:
                        return await self._run_failed(
                            "Connect sent the customer to a provider login, but the run has no "
                            "on_redirect to open it: open flow.step.redirect_url, then resume()."
                        )
                    await on_redirect(step.redirect_url)
                    step = await self.resume()
                    continue
                step = await self._turn(step, renderer, input_source, on_render, extra or {})
            return await self._run_failed(
                f"The session did not end within {max_steps} pages; the answers may loop."
            )
        except (SchemaViolation, TransportError) as exc:
            if self.machine.outcome is not None:
                return self.machine.outcome
            return Outcome(
                status=OutcomeStatus.FAILED,
                route=self.page.route if self.page is not None else None,
                message=str(exc),
            )

    # -- internals --------------------------------------------------------------------------

    async def _begin(self, token: str) -> Step:
        carry_on = {SessionStatus.AWAITING_INPUT, SessionStatus.REDIRECTING}
        if self.machine.token == token and self.status in carry_on and self.page is not None:
            return self.step
        return await self.start(token)

    async def _turn(
        self,
        step: Step,
        renderer: Renderer,
        input_source: InputSource,
        on_render: RenderHook | None,
        extra: Mapping[str, Any],
    ) -> Step:
        page = step.page
        if page is None:  # the machine shows a page whenever it awaits input
            raise SchemaViolation("the session awaits input but has no page to show")
        output = renderer.render(page, step.errors, self.render_context(step, **extra))
        await self.events.publish(ev.Rendered(page, output))
        if on_render is not None:
            shown = on_render(output)
            if inspect.isawaitable(shown):
                await shown
        submission = await input_source.collect(page, step.errors)
        return await self.submit(submission)

    async def _run_failed(self, message: str) -> Outcome:
        await self.events.publish(ev.Failed(self.version, message, final=False))
        return Outcome(
            status=OutcomeStatus.FAILED,
            route=self.page.route if self.page is not None else None,
            message=message,
        )

    async def _send(self, request: Request) -> Step:
        try:
            # Inside the try: a cancel while a subscriber awaits must not leave it in flight.
            await self.events.publish(ev.Submitted(self.version, request.route, request.payload))
            body = await self.transport.send(request.payload)
        except TransportError as exc:
            self.machine.send_failed(str(exc))
            final = self.status is SessionStatus.FAILED
            await self.events.publish(ev.Failed(self.version, str(exc), final=final))
            raise
        except BaseException:
            # Cancelled (a client went away) or broken: the answer's fate is unknown, so the
            # page awaits input again rather than stay stuck "submitting".
            self.machine.send_failed("the request was interrupted")
            raise
        return await self._apply(self.machine.receive(body))

    async def _apply(self, effect: Effect) -> Step:
        publish = self.events.publish
        version = self.version
        match effect:
            case ShowPage(page=page):
                await publish(ev.PageReceived(page))
                return Step(page=page)
            case AskAgain(page=page, errors=errors, values=values, body=body):
                await publish(ev.Rejected(version, page.route, errors, body))
                return Step(page=page, errors=errors, values=values)
            case OpenLogin(page=page, url=url):
                await publish(ev.PageReceived(page))
                await publish(ev.Redirected(version, url))
                return Step(page=page, redirect_url=url)
            case SessionOver(outcome=outcome, page=page, body=body):
                return await self._ended(outcome, page, body)
            case PageBroken(document=document, errors=errors):
                message = self.machine.outcome.message if self.machine.outcome else None
                text = message or "Connect sent a page that breaks its schema."
                await publish(ev.PageInvalid(version, document, errors))
                await publish(ev.Failed(version, text, final=True))
                raise SchemaViolation(text, errors)
            case ServerFault(code=code, message=message, body=body):
                final = self.status is SessionStatus.FAILED
                await publish(ev.Failed(version, message, final=final, body=body))
                raise TransportError(
                    f"Connect had a server fault: {message} ({code})",
                    url=str(getattr(self.transport, "url", "")),
                    code=code,
                    server_message=message,
                )

    async def _ended(
        self, outcome: Outcome, page: Page | None, body: Mapping[str, Any] | None
    ) -> Step:
        version = self.version
        if page is not None:
            await self.events.publish(ev.PageReceived(page))
        if outcome.status is OutcomeStatus.COMPLETE:
            await self.events.publish(ev.Completed(version, outcome))
        elif outcome.status is OutcomeStatus.EXPIRED:
            await self.events.publish(ev.Expired(version, outcome, body))
        else:
            error_body = body if page is None else None
            text = outcome.message or "The session failed."
            await self.events.publish(ev.Failed(version, text, final=True, body=error_body))
        return Step(page=page if page is not None else self.page, outcome=outcome)
