"""The back-end API: log in, create a connect token, exchange it (``CONNECT.md`` §5).

- ``GET /login``: HTTP Basic with the account id and API key; a bearer token for the rest.
- ``POST /connect/tariff/token`` (zero) and ``POST /connect/token`` (anode): create a token.
  The endpoint fixes the token's version; a ``Flatpeak-Version`` header (``2024-08-24.zero``,
  ``2025-09-14.anode``) overrides it.
- ``GET /connect/tariff/token?connect_token=`` (and ``GET /connect/token?connect_token=``):
  exchange a token whose session has ended for its customer and location.
"""

from __future__ import annotations

import hmac
import json
from datetime import timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import attrs
from aiohttp import BasicAuth, hdrs, web

from flatpeak_connect.simulator.conversation import error_body
from flatpeak_connect.simulator.core import BEARER_LIFETIME, SIMULATOR, Simulator
from flatpeak_connect.simulator.dialects import DIALECTS, Dialect
from flatpeak_connect.simulator.pages import ADDRESS_FIELDS, iso_z
from flatpeak_connect.simulator.state import ConnectToken, RouteOptions, Session, new_id

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = ["create_anode_token", "create_zero_token", "exchange_token", "login"]

_CREATE = "api.connect_token_create"
_STRING_FIELDS = (
    "customer_id",
    "customer_reference_id",
    "location_id",
    "location_reference_id",
    "tariff_id",
)
_EXCHANGE = "api.connect_token_exchange"


@attrs.frozen
class _TokenFields:
    callback: str
    return_: str
    direction: tuple[str, ...]
    type_: tuple[str, ...]
    return_required: bool


_FIELDS: Mapping[str, _TokenFields] = {
    "zero": _TokenFields(
        "callback_uri", "connect_web_uri", ("direction",), ("type",), return_required=False
    ),
    # anode renamed the fields; DESIGN.md says accept both spellings of direction and type.
    "anode": _TokenFields(
        "callback_url",
        "connect_url",
        ("tariff_direction", "direction"),
        ("tariff_type", "type"),
        return_required=True,
    ),
}


class _Refused(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code


def _error(sim: Simulator, status: int, code: str, message: str, context: str) -> web.Response:
    body = error_body(
        code=code,
        message=message,
        context=context,
        now=iso_z(sim.world.now()),
        live_mode=sim.live_mode,
    )
    return web.json_response(body, status=status)


async def login(request: web.Request) -> web.Response:
    """``GET /login``: trade HTTP Basic credentials for a bearer token."""
    sim = request.app[SIMULATOR]
    header = request.headers.get(hdrs.AUTHORIZATION)
    if not header:
        return web.json_response(
            {"message": "Missing credentials: use HTTP Basic with your account id and API key."},
            status=401,
            headers={hdrs.WWW_AUTHENTICATE: 'Basic realm="FlatPeak"'},
        )
    try:
        credentials = BasicAuth.decode(header)
    except ValueError:
        return web.json_response({"message": "Bad credentials"}, status=403)
    if not (
        hmac.compare_digest(credentials.login, sim.account_id)
        and hmac.compare_digest(credentials.password, sim.api_key)
    ):
        return web.json_response({"message": "Bad credentials"}, status=403)
    bearer = sim.issue_bearer()
    return web.json_response(
        {"bearer_token": bearer.token, "expires_in": BEARER_LIFETIME, "live_mode": bearer.live_mode}
    )


def _require_bearer(request: web.Request, context: str) -> web.Response | None:
    sim = request.app[SIMULATOR]
    scheme, _, token = request.headers.get(hdrs.AUTHORIZATION, "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return _error(
            sim,
            401,
            "authentication_required",
            "Send 'Authorization: Bearer <token>' with a bearer token from GET /login.",
            context,
        )
    if sim.bearer(token.strip()) is None:
        return _error(
            sim,
            403,
            "bad_credentials",
            "Bad credentials: the bearer token is unknown or expired.",
            context,
        )
    return None


async def create_zero_token(request: web.Request) -> web.Response:
    """``POST /connect/tariff/token``: create a zero connect token."""
    return await _create_token(request, "zero")


async def create_anode_token(request: web.Request) -> web.Response:
    """``POST /connect/token``: create an anode connect token."""
    return await _create_token(request, "anode")


def _version_from_header(request: web.Request, default: str) -> str:
    header = request.headers.get("Flatpeak-Version", "").strip()
    if not header:
        return default
    for name, dialect in DIALECTS.items():
        if header in (name, dialect.api_version):
            return name
    known = ", ".join(d.api_version for d in DIALECTS.values())
    raise _Refused(
        400, "api_version_invalid", f"Unknown Flatpeak-Version {header!r} (known: {known})."
    )


async def _body(request: web.Request, status: int) -> dict[str, Any]:
    try:
        body = json.loads(await request.read() or b"{}")
    except (ValueError, UnicodeDecodeError):
        raise _Refused(status, "data_json_invalid", "The body is not JSON.") from None
    if not isinstance(body, dict):
        raise _Refused(status, "data_json_invalid", "The body must be a JSON object.")
    return body


async def _create_token(request: web.Request, version: str) -> web.Response:
    sim = request.app[SIMULATOR]
    refused = _require_bearer(request, _CREATE)
    if refused is not None:
        return refused
    try:
        dialect = DIALECTS[_version_from_header(request, version)]
        token = _token_from(sim, dialect, await _body(request, dialect.validation_status))
    except _Refused as refusal:
        return _error(sim, refusal.status, refusal.code, str(refusal), _CREATE)
    sim.world.sessions[token.id] = Session(token)
    return web.json_response(
        {
            "connect_token": token.id,
            "expires_in": sim.world.expires_in,
            "live_mode": token.live_mode,
        }
    )


def _url(body: Mapping[str, Any], name: str, status: int, *, required: bool) -> str | None:
    value = body.get(name)
    if value is None or value == "":
        if required:
            raise _Refused(status, f"{name}_missing", f"{name} is required.")
        return None
    parts = urlsplit(value) if isinstance(value, str) else None
    if parts is None or not parts.scheme or not (parts.netloc or parts.path):
        raise _Refused(status, f"{name}_invalid", f"{name} must be an absolute URL or app link.")
    return str(value)


def _first(body: Mapping[str, Any], names: tuple[str, ...], default: str) -> Any:
    return next((body[name] for name in names if body.get(name) is not None), default)


def _flags(
    body: Mapping[str, Any], name: str, keys: tuple[str, ...], status: int
) -> dict[str, bool]:
    value = body.get(name)
    if value is None:
        value = {}
    if not isinstance(value, dict) or any(
        not isinstance(value.get(key, False), bool) for key in keys
    ):
        raise _Refused(
            status, "data_json_invalid", f"{name} must be an object of booleans: {', '.join(keys)}."
        )
    return {key: bool(value.get(key, False)) for key in keys}


def _direction_and_type(
    body: Mapping[str, Any], fields: _TokenFields, status: int
) -> tuple[str, str]:
    direction = _first(body, fields.direction, "IMPORT")
    tariff_type = _first(body, fields.type_, "COMMODITY")
    if direction == "LOCAL":
        raise _Refused(
            status, "tariff_direction_not_supported", "LOCAL is not enabled for this account."
        )
    if direction not in ("IMPORT", "EXPORT"):
        raise _Refused(
            status, "tariff_direction_invalid", "The direction must be IMPORT or EXPORT."
        )
    if tariff_type not in ("COMMODITY", "NON_COMMODITY"):
        raise _Refused(
            status, "tariff_type_invalid", "The type must be COMMODITY or NON_COMMODITY."
        )
    if tariff_type == "NON_COMMODITY" and direction == "EXPORT":
        raise _Refused(
            status, "tariff_direction_not_supported", "NON_COMMODITY tariffs are IMPORT only."
        )
    return str(direction), str(tariff_type)


def _check_shapes(body: Mapping[str, Any], status: int) -> dict[str, str] | None:
    """Check the optional members' types; return the postal address to pre-fill, if any."""
    for name in _STRING_FIELDS:
        if body.get(name) is not None and not isinstance(body[name], str):
            raise _Refused(status, "data_json_invalid", f"{name} must be a string.")
    if body.get("postal_address_type") not in (None, "RESIDENTIAL", "COMMERCIAL"):
        raise _Refused(
            status, "data_json_invalid", "postal_address_type is RESIDENTIAL or COMMERCIAL."
        )
    address = body.get("postal_address")
    if address is None:
        return None
    if not isinstance(address, dict) or any(
        not isinstance(address.get(k, ""), str) for k in ADDRESS_FIELDS
    ):
        raise _Refused(status, "data_json_invalid", "postal_address must be an object of strings.")
    return {k: str(v) for k, v in address.items() if k in ADDRESS_FIELDS}


def _token_from(sim: Simulator, dialect: Dialect, body: Mapping[str, Any]) -> ConnectToken:
    status = dialect.validation_status
    fields = _FIELDS[dialect.version]
    callback = _url(body, fields.callback, status, required=True)
    return_url = _url(body, fields.return_, status, required=fields.return_required)
    direction, tariff_type = _direction_and_type(body, fields, status)
    address = _check_shapes(body, status)
    options = _flags(body, "route_options", tuple(attrs.fields_dict(RouteOptions)), status)
    actions = _flags(body, "actions", ("disconnect_tariff", "edit_tariff"), status)
    location = None
    if body.get("location_id"):
        location = sim.world.locations.get(body["location_id"])
        if location is None:
            raise _Refused(
                404, "location_not_found", f"There is no location {body['location_id']}."
            )
    now = sim.world.now()
    return ConnectToken(
        id=new_id("cot"),
        version=dialect.version,
        live_mode=sim.live_mode,
        time_created=now,
        expires_at=now + timedelta(seconds=sim.world.expires_in),
        callback_url=callback or "",
        return_url=return_url,
        direction=direction,
        tariff_type=tariff_type,
        customer_id=body.get("customer_id")
        or (location.customer_id if location else new_id("cus")),
        customer_reference_id=body.get("customer_reference_id"),
        location_id=location.id if location else None,
        location_reference_id=body.get("location_reference_id"),
        postal_address=address,
        route_options=RouteOptions(**options),
        edit_tariff=actions["edit_tariff"],
        disconnect_tariff=actions["disconnect_tariff"],
    )


async def exchange_token(request: web.Request) -> web.Response:
    """``GET /connect/tariff/token?connect_token=``: the ids a finished session produced."""
    sim = request.app[SIMULATOR]
    refused = _require_bearer(request, _EXCHANGE)
    if refused is not None:
        return refused
    token = request.query.get("connect_token", "")
    if not token:
        return _error(sim, 400, "connect_token_missing", "Pass ?connect_token=cot_…", _EXCHANGE)
    session = sim.world.sessions.get(token)
    if session is None:
        return _error(
            sim, 404, "connect_token_not_found", f"There is no connect token {token}.", _EXCHANGE
        )
    if sim.world.now() >= session.token.expires_at:
        return _error(
            sim,
            422,
            "token_expired",
            "This connect token has expired and cannot be claimed.",
            _EXCHANGE,
        )
    if not session.ended:
        return _error(
            sim,
            422,
            "session_not_complete",
            "The Connect session has not finished yet; exchange the token after it completes.",
            _EXCHANGE,
        )
    location = sim.world.locations.get(session.location_id or "")
    connection = location.connection if location else None
    return web.json_response(
        {
            "id": token,
            "object": "connect_token",
            "live_mode": session.token.live_mode,
            "customer_id": session.token.customer_id,
            "customer_reference_id": session.token.customer_reference_id,
            "location_id": session.location_id,
            "location_reference_id": session.token.location_reference_id,
            "is_tariff_processed": connection is not None and connection.status == "CONNECTED",
            "complete_action": session.complete_action,
            "time_created": iso_z(session.token.time_created),
            "time_expiry": iso_z(session.token.expires_at),
        }
    )
