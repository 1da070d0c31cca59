"""The simulator's aiohttp application: Connect, the back-end API, provider login, admin.

``create_app()`` returns an application that serves, at one origin:

- ``POST /`` — the Connect endpoint, both versions (the token fixes which);
- ``GET /login``, ``POST /connect/tariff/token``, ``POST /connect/token``,
  ``GET /connect/tariff/token``, ``GET /connect/token`` — the back-end API;
- ``GET|POST /provider/<provider_id>/login`` — the DIRECT providers' login page;
- ``GET /logos/<provider_id>.svg`` — a logo for providers the scenario gives none;
- ``/_admin/...`` — faults, token expiry and session inspection (a local sandbox only);
- ``GET /`` — a JSON index of the above.

Every answer, errors and preflights included, carries CORS headers, so a browser app on
another origin (FlatPeak's own web client) can talk to it.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from http import HTTPStatus
from typing import TYPE_CHECKING, Any
from xml.sax.saxutils import escape

from aiohttp import hdrs, web

from flatpeak_connect.simulator import backend, provider_login
from flatpeak_connect.simulator.conversation import error_body
from flatpeak_connect.simulator.core import DEMO_ACCOUNT_ID, DEMO_API_KEY, SIMULATOR, Simulator
from flatpeak_connect.simulator.faults import FaultError, break_page, parse_fault
from flatpeak_connect.simulator.pages import iso_z
from flatpeak_connect.simulator.scenario import (
    FaultSpec,
    Scenario,
    default_scenario,
    load_scenario,
)
from flatpeak_connect.simulator.state import Clock, redact, system_clock

if TYPE_CHECKING:
    import os

__all__ = ["create_app"]

_log = logging.getLogger("flatpeak_connect.simulator")

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

_ALLOWED_HEADERS = "Content-Type, Authorization, Flatpeak-Version"


def create_app(
    scenario: Scenario | str | os.PathLike[str] | None = None,
    *,
    expires_in: int = 86400,
    account_id: str = DEMO_ACCOUNT_ID,
    api_key: str = DEMO_API_KEY,
    strict: bool = True,
    clock: Clock | None = None,
) -> web.Application:
    """Build the simulator's aiohttp application.

    Args:
        scenario: a :class:`Scenario`, the path of a scenario file, or ``None`` for the one
            shipped (``scenarios/default.json``).
        expires_in: seconds a connect token lives (``token_expired`` after that).
        account_id: the account id ``GET /login`` accepts.
        api_key: the API key ``GET /login`` accepts; an ``sk_live_…`` key makes sessions live.
        strict: check every body the Connect endpoint sends against the schema packs, and
            answer a 500 instead of a page that breaks its schema (injected faults excepted).
        clock: the time source (default: the system clock); inject one to expire tokens in
            tests without sleeping.

    Returns:
        The application; ``app[SIMULATOR]`` is its :class:`Simulator`.

    Raises:
        ScenarioError: the scenario file cannot be used (every problem is listed).
        ValueError: ``expires_in`` is not positive.
    """
    if expires_in <= 0:
        raise ValueError(f"expires_in must be a positive number of seconds, not {expires_in}")
    if scenario is None:
        scenario = default_scenario()
    elif not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario)
    sim = Simulator(
        scenario,
        expires_in=expires_in,
        account_id=account_id,
        api_key=api_key,
        strict=strict,
        clock=clock or system_clock,
    )
    app = web.Application(middlewares=[_preflight, _errors, _faults])
    app[SIMULATOR] = sim
    app.on_startup.append(sim.on_startup)
    app.on_shutdown.append(sim.on_shutdown)
    app.on_response_prepare.append(_cors)
    app.router.add_post("/", connect)
    app.router.add_get("/", index)
    app.router.add_get("/login", backend.login)
    app.router.add_post("/connect/tariff/token", backend.create_zero_token)
    app.router.add_get("/connect/tariff/token", backend.exchange_token)
    app.router.add_post("/connect/token", backend.create_anode_token)
    app.router.add_get("/connect/token", backend.exchange_token)
    app.router.add_get("/provider/{provider_id}/login", provider_login.login_page)
    app.router.add_post("/provider/{provider_id}/login", provider_login.decide)
    app.router.add_get("/logos/{provider_id}.svg", logo)
    app.router.add_get("/_admin/faults", list_faults)
    app.router.add_post("/_admin/faults", add_faults)
    app.router.add_delete("/_admin/faults", clear_faults)
    app.router.add_delete("/_admin/faults/{fault_id}", remove_fault)
    app.router.add_post("/_admin/tokens/{token}/expire", expire_token)
    app.router.add_get("/_admin/sessions/{token}", describe_session)
    return app


def _base_url(request: web.Request) -> str:
    return f"{request.scheme}://{request.host}"


# -- Connect ------------------------------------------------------------------------------


async def connect(request: web.Request) -> web.Response:
    """``POST /``: the Connect endpoint."""
    sim = request.app[SIMULATOR]
    reply = sim.conversation.handle(await request.read(), base_url=_base_url(request))
    body, status = reply.body, reply.status
    if sim.selfcheck is not None and reply.version is not None:
        problems = sim.selfcheck.problems(reply.version, body)
        if problems:
            what = f"the {reply.version} schema of {reply.route or 'the error object'}"
            _log.error(
                "simulator bug: a body breaking %s was not sent (token %s): %s",
                what,
                redact(str(body.get("connect_token", ""))),
                "; ".join(problems),
            )
            status = 500
            body = error_body(
                error_type="api_error",
                code="simulator_page_invalid",
                message=f"The simulator built a body that breaks {what}: {'; '.join(problems)}",
                context=f"connect.{reply.route or 'error'}",
                now=iso_z(sim.world.now()),
                connect_token=str(body.get("connect_token", "")),
                live_mode=sim.live_mode,
            )
    return web.json_response(body, status=status)


# -- middlewares and CORS -----------------------------------------------------------------


@web.middleware
async def _preflight(request: web.Request, handler: Handler) -> web.StreamResponse:
    if request.method != hdrs.METH_OPTIONS:
        return await handler(request)
    requested = request.headers.get(hdrs.ACCESS_CONTROL_REQUEST_HEADERS)
    return web.Response(
        status=204,
        headers={
            hdrs.ACCESS_CONTROL_ALLOW_METHODS: "GET, POST, DELETE, OPTIONS",
            hdrs.ACCESS_CONTROL_ALLOW_HEADERS: requested or _ALLOWED_HEADERS,
            hdrs.ACCESS_CONTROL_MAX_AGE: "600",
        },
    )


async def _cors(_request: web.Request, response: web.StreamResponse) -> None:
    # Every answer, errors included: without it a browser hides the error from the app.
    response.headers[hdrs.ACCESS_CONTROL_ALLOW_ORIGIN] = "*"
    response.headers[hdrs.ACCESS_CONTROL_EXPOSE_HEADERS] = "Retry-After"


@web.middleware
async def _errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    sim = request.app[SIMULATOR]
    try:
        return await handler(request)
    except web.HTTPException as exc:
        if exc.status < HTTPStatus.BAD_REQUEST:
            raise
        code = {404: "resource_not_found", 405: "method_not_allowed"}.get(
            exc.status, "request_invalid"
        )
        body = error_body(
            code=code,
            message=f"{request.method} {request.path}: {exc.reason}",
            context="api",
            now=iso_z(sim.world.now()),
            live_mode=sim.live_mode,
        )
        headers = {k: v for k, v in exc.headers.items() if k != hdrs.CONTENT_TYPE}
        return web.json_response(body, status=exc.status, headers=headers)
    except Exception:  # noqa: BLE001 - whatever breaks, the client gets an error object, not a hang
        _log.exception("simulator error on %s %s", request.method, request.path)
        body = error_body(
            error_type="api_error",
            code="internal_error",
            message="The simulator failed to answer this request; see its log.",
            context="api",
            now=iso_z(sim.world.now()),
            live_mode=sim.live_mode,
        )
        return web.json_response(body, status=500)


async def _peek(request: web.Request) -> tuple[str | None, str | None]:
    """Return the connect token and the route a request carries, as far as they can be read."""
    token = request.query.get("connect_token") or request.query.get("fp_cot")
    if request.method != hdrs.METH_POST or request.path != "/":
        return token, None
    try:
        body = json.loads(await request.read() or b"null")
    except (ValueError, UnicodeDecodeError):
        return token, None
    if not isinstance(body, dict):
        return token, None
    found, route = body.get("connect_token"), body.get("route")
    return (
        found if isinstance(found, str) else token,
        route if isinstance(route, str) else None,
    )


@web.middleware
async def _faults(request: web.Request, handler: Handler) -> web.StreamResponse:
    sim = request.app[SIMULATOR]
    if not sim.faults or request.path.startswith("/_admin/"):
        return await handler(request)
    token, route = await _peek(request)
    fault = sim.faults.take(path=request.path, token=token, route=route)
    if fault is None:
        return await handler(request)
    _log.info("injecting %s on %s %s (route %s)", fault.kind, request.method, request.path, route)
    if fault.kind == "slow":
        await sim.pause(fault.delay)
        return await handler(request)
    if fault.kind == "rate_limit" or fault.when == "before":
        immediate = _immediate(request, fault, token)
        if immediate is not None:
            return immediate
    response = await handler(request)
    return _spoil(request, fault, response, token)


def _immediate(
    request: web.Request, fault: FaultSpec, token: str | None
) -> web.StreamResponse | None:
    sim = request.app[SIMULATOR]
    now = iso_z(sim.world.now())
    context = f"connect.{request.path}" if request.path != "/" else "connect"
    if fault.kind == "rate_limit":
        body = error_body(
            code="rate_limit_exceeded",
            message="Too many requests. Wait for Retry-After seconds, then try again.",
            context=context,
            now=now,
            connect_token=token or "",
            live_mode=sim.live_mode,
        )
        return web.json_response(
            body, status=429, headers={hdrs.RETRY_AFTER: str(fault.retry_after)}
        )
    if fault.kind == "server_error":
        body = error_body(
            error_type="api_error",
            code="internal_server_error",
            message="Connect failed to answer (a fault injected by the simulator).",
            context=context,
            now=now,
            connect_token=token or "",
            live_mode=sim.live_mode,
        )
        return web.json_response(body, status=fault.status)
    if fault.kind == "drop":
        if request.transport is not None:
            request.transport.abort()
        return web.Response(status=204)
    return None


def _spoil(
    request: web.Request, fault: FaultSpec, response: web.StreamResponse, token: str | None
) -> web.StreamResponse:
    if fault.kind in ("server_error", "drop"):  # when == "after": the work is done, then lost
        return _immediate(request, fault, token) or response
    if fault.kind == "malformed_json":
        return web.Response(
            status=200,
            body=b'{"connect_token": "' + (token or "").encode() + b'", "route": ',
            content_type="application/json",
        )
    if not isinstance(response, web.Response) or response.body is None:
        return response
    try:
        body = json.loads(bytes(response.body))  # type: ignore[arg-type]
    except (ValueError, TypeError):
        return response
    return web.json_response(break_page(body, fault), status=response.status)


# -- small endpoints ----------------------------------------------------------------------


async def index(request: web.Request) -> web.Response:
    """``GET /``: what this simulator serves, for a person with curl."""
    base = _base_url(request)
    sim = request.app[SIMULATOR]
    return web.json_response(
        {
            "name": "flatpeak-connect simulator",
            "scenario": sim.scenario.name,
            "connect": f"POST {base}/",
            "versions": ["zero", "anode"],
            "login": f"GET {base}/login",
            "create_token": {
                "zero": f"POST {base}/connect/tariff/token",
                "anode": f"POST {base}/connect/token",
            },
            "exchange_token": f"GET {base}/connect/tariff/token?connect_token=...",
            "provider_login": f"{base}/provider/<provider_id>/login?fp_cot=...",
            "admin": f"{base}/_admin/faults",
            "strict": sim.strict,
        }
    )


async def logo(request: web.Request) -> web.Response:
    """``GET /logos/<provider_id>.svg``: a plain logo with the provider's initials."""
    sim = request.app[SIMULATOR]
    provider_id = request.match_info["provider_id"]
    provider = sim.scenario.provider(provider_id)
    name = provider.display_name if provider else sim.world.manual_providers.get(provider_id)
    if name is None:
        raise web.HTTPNotFound
    initials = "".join(word[0] for word in name.split()[:2]).upper()
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" width="96" height="96" viewBox="0 0 96 96" '
        f'role="img" aria-label="{escape(name, {chr(34): "&quot;"})}">'
        '<rect width="96" height="96" rx="16" fill="#1d4f91"/>'
        '<text x="48" y="60" font-family="sans-serif" font-size="36" text-anchor="middle" '
        f'fill="#fff">{escape(initials)}</text></svg>'
    )
    return web.Response(text=svg, content_type="image/svg+xml")


async def list_faults(request: web.Request) -> web.Response:
    """``GET /_admin/faults``: the armed faults."""
    return web.json_response({"faults": request.app[SIMULATOR].faults.describe()})


async def add_faults(request: web.Request) -> web.Response:
    """``POST /_admin/faults``: arm a fault, a list of faults, or ``{"faults": [...]}``."""
    sim = request.app[SIMULATOR]
    try:
        document: Any = json.loads(await request.read() or b"null")
    except (ValueError, UnicodeDecodeError):
        return web.json_response({"message": "The body is not JSON."}, status=400)
    if isinstance(document, dict) and "faults" in document:
        document = document["faults"]
    items = document if isinstance(document, list) else [document]
    try:
        specs = [parse_fault(item) for item in items]
    except FaultError as error:
        return web.json_response({"message": f"Not a fault: {error}"}, status=400)
    ids = [sim.faults.add(spec) for spec in specs]
    armed = [fault for fault in sim.faults.describe() if fault["id"] in ids]
    return web.json_response({"faults": armed}, status=201)


async def clear_faults(request: web.Request) -> web.Response:
    """``DELETE /_admin/faults``: disarm every fault."""
    request.app[SIMULATOR].faults.clear()
    return web.Response(status=204)


async def remove_fault(request: web.Request) -> web.Response:
    """``DELETE /_admin/faults/<id>``: disarm one fault."""
    if not request.app[SIMULATOR].faults.remove(request.match_info["fault_id"]):
        raise web.HTTPNotFound
    return web.Response(status=204)


async def expire_token(request: web.Request) -> web.Response:
    """``POST /_admin/tokens/<token>/expire``: the token expires now."""
    if not request.app[SIMULATOR].expire_token(request.match_info["token"]):
        raise web.HTTPNotFound
    return web.Response(status=204)


async def describe_session(request: web.Request) -> web.Response:
    """``GET /_admin/sessions/<token>``: where a session stands."""
    described = request.app[SIMULATOR].describe_session(request.match_info["token"])
    if described is None:
        raise web.HTTPNotFound
    return web.json_response(described)
