"""The hosted HTML flow: an aiohttp application, mountable under a prefix in a host's app.

One page per step, rendered on the server; every answer is a plain form post, so the flow works
with JavaScript off. The routes, relative to where the app is mounted:

- ``GET  ./?fp_cot=TOKEN`` -- start (or pick up) the session of a token the host created;
- ``GET  ./``              -- the current page (or the landing page, with no session);
- ``POST ./``              -- an answer: a form, an action, or "skip";
- ``POST ./start``         -- create a token through the back-end client and start (demo and
  back-end setups; also "Start again" after an expired token);
- ``GET  ./return``        -- where a provider login sends the customer back (the tokens the
  app creates name it as their return URL);
- ``GET  ./done``          -- the callback URL of the tokens the app creates in demo mode;
- ``GET  ./theme.css``, ``./static/…`` -- the stylesheet, the theme and the optional script.

Sessions live in the configured :class:`~flatpeak_connect.engine.store.SessionStore`, keyed by
an HttpOnly, SameSite=Lax cookie; a restart with a persistent store resumes every session.
"""

from __future__ import annotations

import asyncio
import re
import secrets
import weakref
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import aiohttp
import attrs
from aiohttp import web

from flatpeak_connect.engine.answers import build_answer
from flatpeak_connect.engine.errors import (
    BackendError,
    SchemaViolation,
    TransitionRefused,
    TransportError,
)
from flatpeak_connect.engine.flow import Flow, SessionState, Step
from flatpeak_connect.engine.machine import SessionStatus, add_fp_cot
from flatpeak_connect.engine.models import FieldError, Outcome, OutcomeStatus, Submission
from flatpeak_connect.engine.redaction import get_logger, redact
from flatpeak_connect.engine.transport import AiohttpTransport
from flatpeak_connect.renderers.html import (
    HtmlRenderer,
    read_form,
    safe_url,
    static_dir,
    write_form,
)
from flatpeak_connect.renderers.html.view import (
    ACTION_FIELD,
    ADD_ROW_FIELD,
    CSRF_FIELD,
    FORM_ID_FIELD,
    SKIP_FIELD,
)
from flatpeak_connect.web.config import WebConfig
from flatpeak_connect.web.security import Signer, same_text, security_headers

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Mapping

    from flatpeak_connect.engine.backend import TokenExchange

__all__ = ["RUNTIME", "Runtime", "create_app"]

_log = get_logger(__name__)

# What a connect token looks like on its way in: FlatPeak's are cot_ and hex; anything with
# other characters is refused before it reaches a log, a URL or Connect.
_TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{1,200}")
_SESSION_SHAPE = re.compile(r"[A-Za-z0-9_-]{32,64}")
_ENDED = frozenset(
    {SessionStatus.COMPLETE, SessionStatus.CLOSED, SessionStatus.EXPIRED, SessionStatus.FAILED}
)


# The built-in static files, read once; only these names are served (no path from the URL
# ever reaches the file system).
_STATIC_TYPES = {"connect.css": "text/css", "connect.js": "text/javascript"}


def _static_files() -> dict[str, tuple[bytes, str]]:
    folder = static_dir()
    return {name: ((folder / name).read_bytes(), kind) for name, kind in _STATIC_TYPES.items()}


@attrs.define
class Runtime:
    """What the app's handlers share: configuration, renderer, signer, transport, locks."""

    config: WebConfig
    renderer: HtmlRenderer
    signer: Signer
    transport: AiohttpTransport | None = None
    static: dict[str, tuple[bytes, str]] = attrs.field(factory=_static_files)
    locks: weakref.WeakValueDictionary[str, asyncio.Lock] = attrs.field(
        factory=weakref.WeakValueDictionary
    )

    def lock(self, session_id: str) -> asyncio.Lock:
        """Return the lock that serialises the requests of one session in this process."""
        lock = self.locks.get(session_id)
        if lock is None:
            lock = asyncio.Lock()
            self.locks[session_id] = lock
        return lock

    def connect(self) -> AiohttpTransport:
        """Return the transport to Connect (made when the app starts)."""
        if self.transport is None:
            raise RuntimeError("the Connect app is not running: mount it in an application")
        return self.transport


RUNTIME: web.AppKey[Runtime] = web.AppKey("flatpeak_connect", Runtime)
"""Where the app keeps its :class:`Runtime` (``app[RUNTIME]``)."""


def create_app(config: WebConfig) -> web.Application:
    """Build the hosted flow as an aiohttp application.

    Mount it under a prefix in your own application, or run it on its own::

        app = web.Application()
        app.add_subapp("/connect/", create_app(WebConfig(connect_url=...)))

    Args:
        config: the flow's settings.

    Returns:
        The application. It opens an HTTP client session for Connect when it starts and
        closes it when it stops; the back-end client in ``config.api`` belongs to the host.
    """
    connect = urlsplit(config.connect_url)
    images = (f"{connect.scheme}://{connect.netloc}",) if connect.scheme == "http" else ()
    app = web.Application(middlewares=[security_headers(config.frame_ancestors, images)])
    runtime = Runtime(
        config=config, renderer=HtmlRenderer(config.html), signer=Signer(config.secret)
    )
    app[RUNTIME] = runtime
    app.cleanup_ctx.append(_client_session)
    app.router.add_get("/", _index, name="index")
    app.router.add_post("/", _answer, name="answer")
    app.router.add_post("/start", _start, name="start")
    app.router.add_get("/return", _return, name="provider_return")
    app.router.add_get("/done", _index, name="done")
    app.router.add_get("/theme.css", _theme, name="theme")
    app.router.add_get("/static/{name}", _static, name="static")
    return app


async def _client_session(app: web.Application) -> AsyncIterator[None]:
    runtime = app[RUNTIME]
    async with aiohttp.ClientSession() as session:
        runtime.transport = AiohttpTransport(runtime.config.connect_url, session=session)
        yield
        runtime.transport = None


# -- helpers ---------------------------------------------------------------------------------


def _mount(request: web.Request) -> str:
    """The path the app is mounted at, ending with ``/`` (``/connect/``)."""
    return request.app.router["index"].url_for().path


def _base_url(request: web.Request) -> str:
    public = request.app[RUNTIME].config.public_url
    if public:
        return public if public.endswith("/") else public + "/"
    return f"{request.scheme}://{request.host}{_mount(request)}"


def _session_id(request: web.Request) -> str | None:
    value = request.cookies.get(request.app[RUNTIME].config.cookie_name)
    return value if value is not None and _SESSION_SHAPE.fullmatch(value) else None


def _set_cookie(request: web.Request, response: web.StreamResponse, session_id: str) -> None:
    config = request.app[RUNTIME].config
    secure = config.secure_cookie if config.secure_cookie is not None else request.secure
    response.set_cookie(
        config.cookie_name,
        session_id,
        path=_mount(request),
        httponly=True,
        samesite="Lax",
        secure=secure,
    )


def _see_other(location: str) -> web.Response:
    return web.Response(status=303, headers={"Location": location})


def _html(body: str, status: int = 200) -> web.Response:
    return web.Response(text=body, status=status, content_type="text/html", charset="utf-8")


def _request_id() -> str:
    return "req_" + secrets.token_hex(8)


def _app_page(
    request: web.Request,
    session_id: str | None,
    state: SessionState | None,
    name: str,
    **values: Any,
) -> str:
    runtime = request.app[RUNTIME]
    form = {
        "action": "./",
        "csrf_token": runtime.signer.csrf_token(session_id) if session_id else "",
        "form_id": runtime.signer.form_id(session_id, state) if session_id else "",
    }
    return runtime.renderer.render_template(
        f"app/{name}.html", form=form, can_start=runtime.config.api is not None, **values
    )


def _render_step(
    request: web.Request,
    session_id: str,
    flow: Flow,
    step: Step,
    *,
    form: Mapping[str, str] | None = None,
    errors: tuple[FieldError, ...] | None = None,
) -> web.Response:
    runtime = request.app[RUNTIME]
    if step.page is None:  # a step without a page is a start that has not happened yet
        return _see_other("./")
    shown = Step(
        page=step.page, errors=errors if errors is not None else step.errors, values=step.values
    )
    context = flow.render_context(
        shown,
        form_action="./",
        csrf_token=runtime.signer.csrf_token(session_id),
        form_id=runtime.signer.form_id(session_id, flow.state),
        form=form,
        redirect_url=step.redirect_url,
    )
    rendered = runtime.renderer.render(step.page, shown.errors, context)
    return _html(rendered.body)


def _failure(
    request: web.Request,
    session_id: str | None,
    state: SessionState | None,
    what: str,
    exc: BaseException | None = None,
) -> web.Response:
    request_id = _request_id()
    detail = redact(f"{type(exc).__name__}: {exc}") if exc is not None else what
    _log.error("request %s failed: %s", request_id, detail)
    body = _app_page(request, session_id, state, "error", what=what, request_id=request_id)
    return _html(body, status=502)


def _describe(exc: BaseException) -> str:
    if isinstance(exc, SchemaViolation):
        return "FlatPeak sent a page this service could not read."
    if isinstance(exc, BackendError):
        return "This service could not set up or finish your session with FlatPeak."
    return "This service could not reach FlatPeak, or FlatPeak had a problem."


async def _exchange(request: web.Request, state: SessionState) -> TokenExchange | None:
    api = request.app[RUNTIME].config.api
    if api is None or state.token is None:
        return None
    return await api.exchange(state.token, version=state.version)


async def _finish(
    request: web.Request, session_id: str, flow: Flow, outcome: Outcome
) -> web.Response:
    """Answer the end of a session: completion, expiry, or failure."""
    runtime = request.app[RUNTIME]
    state = flow.state
    if outcome.status is OutcomeStatus.EXPIRED:
        body = _app_page(request, session_id, state, "expired", outcome=outcome)
        return _html(body, status=410)
    if outcome.status is OutcomeStatus.FAILED:
        return _failure(request, session_id, state, outcome.message or "The session failed.")
    try:
        exchanged = await _exchange(request, state)
    except BackendError as exc:
        if runtime.config.demo:
            return _failure(request, session_id, state, _describe(exc), exc)
        # The host exchanges the token itself after the callback; the customer goes on.
        _log.warning("exchange failed before the callback: %s", redact(str(exc)))
        exchanged = None
    callback = runtime.config.callback_url
    if callback is not None and state.token is not None:
        return _see_other(add_fp_cot(callback, state.token))
    body = _app_page(request, session_id, state, "complete", outcome=outcome, exchange=exchanged)
    return _html(body)


async def _after(
    request: web.Request,
    session_id: str,
    flow: Flow,
    step: Step,
    *,
    form: Mapping[str, str] | None = None,
) -> web.Response:
    """Answer a move: the page again with errors, a provider login, the end, or the next page."""
    if step.outcome is not None:
        return await _finish(request, session_id, flow, step.outcome)
    if step.redirect_url is not None:
        target = safe_url(step.redirect_url)
        if target is None:
            return _failure(request, session_id, flow.state, "The sign-in address is not valid.")
        return _see_other(target)
    if step.errors:
        return _render_step(request, session_id, flow, step, form=form)
    # Post/Redirect/Get: a reload shows the page, it does not post again.
    return _see_other("./")


def _flow(request: web.Request, state: SessionState) -> Flow:
    return Flow.from_state(state, request.app[RUNTIME].connect())


def _new_flow(request: web.Request, callback_url: str | None) -> Flow:
    runtime = request.app[RUNTIME]
    return Flow(runtime.config.version, runtime.connect(), callback_url=callback_url)


def _forbidden(request: web.Request) -> web.Response:
    body = _app_page(request, None, None, "forbidden")
    return _html(body, status=403)


# -- handlers ----------------------------------------------------------------------------------


async def _static(request: web.Request) -> web.Response:
    found = request.app[RUNTIME].static.get(request.match_info["name"])
    if found is None:
        raise web.HTTPNotFound
    body, kind = found
    return web.Response(body=body, content_type=kind, headers={"Cache-Control": "max-age=3600"})


async def _theme(request: web.Request) -> web.Response:
    css = request.app[RUNTIME].config.html.theme.css()
    return web.Response(text=css, content_type="text/css", headers={"Cache-Control": "max-age=300"})


async def _index(request: web.Request) -> web.StreamResponse:
    token = request.query.get("fp_cot")
    if token is not None:
        return await _start_with_token(request, token)
    runtime = request.app[RUNTIME]
    session_id = _session_id(request)
    state = await runtime.config.store.get(session_id) if session_id else None
    if session_id is None or state is None:
        session_id = session_id or secrets.token_urlsafe(32)
        response = _html(_app_page(request, session_id, None, "start"))
        _set_cookie(request, response, session_id)
        return response
    async with runtime.lock(session_id):
        state = await runtime.config.store.get(session_id)
        if state is None:
            return _see_other("./")
        return await _show(request, session_id, state)


async def _show(request: web.Request, session_id: str, state: SessionState) -> web.Response:
    """Show where the session is, starting it again first if it never got a page or failed."""
    store = request.app[RUNTIME].config.store
    flow = _flow(request, state)
    step = flow.step
    # A failed session is not over (a page that broke its schema, a start Connect refused):
    # "Try again" asks Connect where the session is, else the customer would be stuck on the
    # error page for good.
    retry = flow.status in {SessionStatus.NEW, SessionStatus.FAILED}
    if retry and state.token is not None:
        try:
            step = await flow.start(state.token)
        except (TransportError, SchemaViolation) as exc:
            await store.put(session_id, flow.state)
            return _failure(request, session_id, flow.state, _describe(exc), exc)
        await store.put(session_id, flow.state)
    if step.outcome is not None:
        return await _finish(request, session_id, flow, step.outcome)
    kept = state.last_answer
    unsent = (
        not step.values
        and kept is not None
        and bool(kept.data)
        and step.page is not None
        and kept.route == step.page.route
        and step.redirect_url is None
    )
    if unsent and kept is not None and kept.data is not None:
        # An answer that never reached Connect (it could not be sent): show it again, so
        # "Try again" is one click.
        step = Step(page=step.page, errors=step.errors, values=kept.data)
    # At a provider login (the customer came back with the browser's Back button, say), the
    # route's page offers the sign-in link again rather than sending them off unasked.
    return _render_step(request, session_id, flow, step)


async def _start_with_token(request: web.Request, token: str) -> web.Response:
    runtime = request.app[RUNTIME]
    store = runtime.config.store
    if not _TOKEN_SHAPE.fullmatch(token):
        body = _app_page(request, None, None, "start", bad_token=True)
        return _html(body, status=400)
    session_id = _session_id(request)
    if session_id is not None:
        state = await store.get(session_id)
        if (
            state is not None
            and state.token is not None
            and same_text(state.token, token)
            and state.status not in _ENDED
        ):
            # The same link opened again: carry on where the session is.
            return _see_other("./")
    session_id = secrets.token_urlsafe(32)
    async with runtime.lock(session_id):
        flow = _new_flow(request, runtime.config.callback_url)
        try:
            step = await flow.start(token)
        except (TransportError, SchemaViolation) as exc:
            await store.put(session_id, flow.state)
            response = _failure(request, session_id, flow.state, _describe(exc), exc)
        else:
            await store.put(session_id, flow.state)
            response = await _after(request, session_id, flow, step)
    _set_cookie(request, response, session_id)
    return response


async def _start(request: web.Request) -> web.Response:
    runtime = request.app[RUNTIME]
    config = runtime.config
    form = await request.post()
    session_id = _session_id(request)
    if session_id is None or not runtime.signer.check_csrf(
        session_id, str(form.get(CSRF_FIELD, ""))
    ):
        return _forbidden(request)
    if config.api is None:
        raise web.HTTPNotFound
    async with runtime.lock(session_id):
        state = await config.store.get(session_id)
        if not runtime.signer.check_form_id(session_id, state, str(form.get(FORM_ID_FIELD, ""))):
            return _see_other("./")
        base = _base_url(request)
        callback = config.callback_url or base + "done"
        new_id = secrets.token_urlsafe(32)
        flow = _new_flow(request, callback)
        try:
            created = await config.api.create_token(
                config.version,
                callback_url=callback,
                return_url=base + "return",
                **config.token_options,
            )
            step = await flow.start(created.connect_token)
        except (BackendError, TransportError, SchemaViolation) as exc:
            await config.store.put(new_id, flow.state)
            response = _failure(request, new_id, flow.state, _describe(exc), exc)
        else:
            await config.store.put(new_id, flow.state)
            response = await _after(request, new_id, flow, step)
        if state is not None:
            await config.store.delete(session_id)
    _set_cookie(request, response, new_id)
    return response


def _form_fields(posted: Mapping[str, Any]) -> dict[str, str]:
    return {key: value for key, value in posted.items() if isinstance(value, str)}


def _read_answer(
    request: web.Request, session_id: str, flow: Flow, step: Step, fields: Mapping[str, str]
) -> tuple[Submission, Mapping[str, str] | None] | web.Response:
    """Turn a posted form into a submission (and what was typed), or answer it at once."""
    page = step.page
    if page is None:  # the caller checked: a session awaiting input has a page
        raise TransitionRefused("there is no page to answer")
    inputs = {k: v for k, v in fields.items() if not k.startswith("fp_")}
    if ADD_ROW_FIELD in fields:
        # Another row for a repeatable group, without JavaScript: nothing goes to Connect.
        return _render_step(request, session_id, flow, step, form=fields, errors=())
    if ACTION_FIELD in fields or SKIP_FIELD in fields:
        # An action, or "skip" (neither action nor data): no field data goes with it.
        return Submission(page.route, action=fields.get(ACTION_FIELD)), None
    spec = flow.pack.route(page.route)
    if spec is None or not spec.fields:
        return _see_other("./")
    values = read_form(spec, inputs)
    typed = write_form(spec, values)  # rows renumbered as in the answer, blank ones dropped
    built = build_answer(spec, values, page)
    if built.errors:
        return _render_step(request, session_id, flow, step, form=typed, errors=built.errors)
    return Submission(page.route, data=built.data), typed


async def _answer(request: web.Request) -> web.Response:
    runtime = request.app[RUNTIME]
    store = runtime.config.store
    fields = _form_fields(await request.post())
    session_id = _session_id(request)
    if session_id is None or not runtime.signer.check_csrf(session_id, fields.get(CSRF_FIELD, "")):
        return _forbidden(request)
    async with runtime.lock(session_id):
        state = await store.get(session_id)
        flow = _flow(request, state) if state is not None else None
        if (
            flow is None
            or flow.status is not SessionStatus.AWAITING_INPUT
            or not runtime.signer.check_form_id(session_id, state, fields.get(FORM_ID_FIELD, ""))
        ):
            # A form from an older page (a double submit, a replay) or a session that is not
            # waiting for an answer: show where the session is, send nothing.
            return _see_other("./")
        step = flow.step
        read = _read_answer(request, session_id, flow, step, fields)
        if isinstance(read, web.Response):
            return read
        submission, typed = read
        try:
            next_step = await flow.submit(submission)
        except TransitionRefused as exc:
            refused = (FieldError("", "action_invalid", str(exc)),)
            return _render_step(request, session_id, flow, step, form=typed, errors=refused)
        except (TransportError, SchemaViolation) as exc:
            await store.put(session_id, flow.state)
            return _failure(request, session_id, flow.state, _describe(exc), exc)
        await store.put(session_id, flow.state)
        return await _after(request, session_id, flow, next_step, form=typed)


async def _return(request: web.Request) -> web.Response:
    runtime = request.app[RUNTIME]
    store = runtime.config.store
    token = request.query.get("fp_cot", "")
    session_id = _session_id(request)
    state = await store.get(session_id) if session_id else None
    mine = (
        session_id is not None
        and state is not None
        and state.token is not None
        and same_text(state.token, token)
    )
    if not mine or session_id is None:
        # Back in another browser, or with the cookie gone: Connect knows where the session
        # is, so starting with the token picks it up.
        return await _start_with_token(request, token)
    async with runtime.lock(session_id):
        state = await store.get(session_id)
        if state is None or state.status is not SessionStatus.REDIRECTING:
            return _see_other("./")
        flow = _flow(request, state)
        try:
            step = await flow.resume()
        except (TransportError, SchemaViolation) as exc:
            await store.put(session_id, flow.state)
            return _failure(request, session_id, flow.state, _describe(exc), exc)
        await store.put(session_id, flow.state)
        return await _after(request, session_id, flow, step)
