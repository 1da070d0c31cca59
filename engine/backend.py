"""The back-end client: log in, create a connect token, exchange it at the end.

These calls belong on a server: they need the account's API key. :class:`FlatPeakAPI` logs in
with HTTP Basic (account id and API key) on ``GET /login``, caches the bearer and logs in again
before it expires, creates connect tokens with each version's own endpoint and field names
(read from the schema pack's ``token`` spec), and exchanges a token for the ids to store
(``customer_id``, ``location_id``) once the session is over.

Credentials come from the arguments or from the environment (``FLATPEAK_ACCOUNT_ID``,
``FLATPEAK_API_KEY``), never from a file; they never appear in a log line, an error or a
``repr``.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import time
from collections.abc import Callable, Mapping
from http import HTTPStatus
from typing import Any

import aiohttp
import attrs

from flatpeak_connect.engine._http import SessionOwner, describe_failure
from flatpeak_connect.engine.errors import BackendError
from flatpeak_connect.engine.redaction import TOKEN_PLACEHOLDER, get_logger, redact
from flatpeak_connect.engine.spec import load_pack

__all__ = [
    "DEFAULT_BASE_URL",
    "ENV_ACCOUNT_ID",
    "ENV_API_KEY",
    "ConnectToken",
    "FlatPeakAPI",
    "TokenExchange",
]

DEFAULT_BASE_URL = "https://api.flatpeak.com"
ENV_ACCOUNT_ID = "FLATPEAK_ACCOUNT_ID"
ENV_API_KEY = "FLATPEAK_API_KEY"
_DEFAULT_EXCHANGE_PATH = "/connect/tariff/token"

_log = get_logger(__name__)


def _redacted_token(value: str) -> str:
    return repr(TOKEN_PLACEHOLDER if value else value)


def _optional_str(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _optional_bool(value: Any) -> bool | None:
    return value if isinstance(value, bool) else None


@attrs.frozen
class ConnectToken:
    """A connect token just created.

    Attributes:
        connect_token: the token (``cot_…``) to start a session with. Redacted in ``repr``.
        expires_in: seconds until it expires, when the API said.
        live_mode: whether it is a live token, when the API said.
        raw: the API's whole answer.
    """

    connect_token: str = attrs.field(repr=_redacted_token)
    expires_in: int | None = None
    live_mode: bool | None = None
    raw: Mapping[str, Any] = attrs.field(factory=dict, repr=False)

    def __str__(self) -> str:
        return self.connect_token


@attrs.frozen
class TokenExchange:
    """What a connect token was exchanged for once its session ended.

    Attributes:
        connect_token: the token exchanged. Redacted in ``repr``.
        live_mode: whether it is a live token.
        customer_id: the FlatPeak customer (``cus_…``), if any.
        customer_reference_id: the host's own customer reference, if any.
        location_id: the location (``loc_…``) to store for later API calls.
        location_reference_id: the host's own location reference, if any.
        is_tariff_processed: whether the tariff has been processed and rates exist (also
            read from ``tariff_available``).
        complete_action: how the session ended (``SAVE``, ``DISCONNECT`` ...), if known.
        time_created: when the token was created (as the API wrote it).
        time_expiry: when it expires (as the API wrote it).
        raw: the API's whole answer.
    """

    connect_token: str = attrs.field(repr=_redacted_token)
    live_mode: bool | None = None
    customer_id: str | None = None
    customer_reference_id: str | None = None
    location_id: str | None = None
    location_reference_id: str | None = None
    is_tariff_processed: bool | None = None
    complete_action: str | None = None
    time_created: str | None = None
    time_expiry: str | None = None
    raw: Mapping[str, Any] = attrs.field(factory=dict, repr=False)

    @classmethod
    def from_json(cls, document: Mapping[str, Any]) -> TokenExchange:
        """Build the result from the API's answer, accepting the spellings FlatPeak used."""
        processed = document.get("is_tariff_processed", document.get("tariff_available"))
        return cls(
            connect_token=str(document.get("id") or document.get("connect_token") or ""),
            live_mode=_optional_bool(document.get("live_mode")),
            customer_id=_optional_str(document.get("customer_id")),
            customer_reference_id=_optional_str(document.get("customer_reference_id")),
            location_id=_optional_str(document.get("location_id")),
            location_reference_id=_optional_str(document.get("location_reference_id")),
            is_tariff_processed=_optional_bool(processed),
            complete_action=_optional_str(document.get("complete_action")),
            time_created=_optional_str(document.get("time_created")),
            time_expiry=_optional_str(document.get("time_expiry")),
            raw=dict(document),
        )


class FlatPeakAPI(SessionOwner):
    """A client of FlatPeak's back-end API (log in, create and exchange connect tokens).

    Use it as an async context manager, or call :meth:`close` when done. A caller-owned
    ``session`` is used as it is and never closed here.

    Args:
        account_id: the FlatPeak account id (``acc_…``); default ``$FLATPEAK_ACCOUNT_ID``.
        api_key: an API key (``sk_test_…``, ``sk_live_…``); default ``$FLATPEAK_API_KEY``.
        base_url: the API's base URL (a simulator's URL for offline use).
        session: an aiohttp ``ClientSession`` the caller owns, or ``None``.
        timeout: seconds a call may take in all.
        refresh_margin: log in again this many seconds before the bearer expires (at most
            half its lifetime).
        clock: a monotonic clock in seconds (``time.monotonic``); tests pass their own.

    Raises:
        BackendError: when the account id or the API key is missing from both the arguments
            and the environment.
    """

    def __init__(
        self,
        account_id: str | None = None,
        api_key: str | None = None,
        base_url: str = DEFAULT_BASE_URL,
        session: aiohttp.ClientSession | None = None,
        *,
        timeout: float = 30.0,
        refresh_margin: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        account_id = account_id or os.environ.get(ENV_ACCOUNT_ID) or None
        api_key = api_key or os.environ.get(ENV_API_KEY) or None
        missing = [
            name
            for name, value in ((ENV_ACCOUNT_ID, account_id), (ENV_API_KEY, api_key))
            if not value
        ]
        if account_id is None or api_key is None:
            raise BackendError(
                "FlatPeak credentials are missing: pass account_id and api_key, or set "
                + " and ".join(missing)
            )
        self.account_id = account_id
        self.base_url = base_url.rstrip("/")
        self._api_key = api_key
        super().__init__(session)
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._refresh_margin = refresh_margin
        self._clock = clock
        self._bearer: str | None = None
        self._bearer_expires = 0.0
        self._lock = asyncio.Lock()
        self.logins = 0

    def __repr__(self) -> str:
        return (
            f"<FlatPeakAPI base_url={self.base_url!r} account_id={self.account_id!r} "
            "api_key='[redacted]'>"
        )

    # -- authentication ---------------------------------------------------------------------

    def _basic_auth(self) -> str:
        # Built here rather than with aiohttp.BasicAuth, which aiohttp 3.14 deprecates and
        # whose replacement older aiohttp versions lack.
        pair = f"{self.account_id}:{self._api_key}".encode()
        return "Basic " + base64.b64encode(pair).decode("ascii")

    async def bearer(self) -> str:
        """Return a bearer token, logging in (``GET /login``) when none is cached or it expires.

        Raises:
            BackendError: when FlatPeak refuses the credentials or cannot be reached.
        """
        async with self._lock:
            if self._bearer is not None and self._clock() < self._bearer_expires:
                return self._bearer
            status, body = await self._call(
                "GET", "/login", headers={"Authorization": self._basic_auth()}
            )
            token = body.get("bearer_token")
            if not isinstance(token, str) or not token:
                raise BackendError(
                    "FlatPeak's /login answer has no bearer_token",
                    url=self.base_url + "/login",
                    status=status,
                )
            lifetime = body.get("expires_in")
            seconds = float(lifetime) if isinstance(lifetime, int | float) else 3600.0
            margin = min(self._refresh_margin, seconds / 2)
            self._bearer = token
            self._bearer_expires = self._clock() + seconds - margin
            self.logins += 1
            _log.info("logged in to the FlatPeak API; bearer valid for %.0f s", seconds)
            return token

    # -- connect tokens ---------------------------------------------------------------------

    async def create_token(
        self,
        version: str,
        *,
        callback_url: str,
        return_url: str | None = None,
        direction: str | None = None,
        tariff_type: str | None = None,
        customer_id: str | None = None,
        customer_reference_id: str | None = None,
        location_id: str | None = None,
        location_reference_id: str | None = None,
        tariff_id: str | None = None,
        postal_address: Mapping[str, Any] | None = None,
        postal_address_type: str | None = None,
        route_options: Mapping[str, bool] | None = None,
        actions: Mapping[str, bool] | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> ConnectToken:
        """Create a connect token for a session of ``version``.

        The endpoint and the names of the URL, direction and type fields come from the
        version's schema pack (zero: ``POST /connect/tariff/token`` with ``callback_uri``,
        ``connect_web_uri``, ``direction``, ``type``; anode: ``POST /connect/token`` with
        ``callback_url``, ``connect_url``, ``tariff_direction``, ``tariff_type``). Options a
        version does not document (``route_options`` and ``actions`` are anode's) are sent
        as given; FlatPeak decides.

        Args:
            version: the protocol version of the session.
            callback_url: where the customer goes when the session ends.
            return_url: where a provider login returns the customer mid-session.
            direction: ``IMPORT`` or ``EXPORT``.
            tariff_type: ``COMMODITY`` or ``NON_COMMODITY``.
            customer_id: an existing FlatPeak customer.
            customer_reference_id: the host's own customer id.
            location_id: an existing location (Connect opens its summary).
            location_reference_id: the host's own id for a new location.
            tariff_id: a tariff to ask the customer to update.
            postal_address: an address to pre-fill (city and country skip the address page).
            postal_address_type: ``RESIDENTIAL`` or ``COMMERCIAL`` (anode).
            route_options: optional pages to switch on (anode), e.g.
                ``{"tariff_name_capture": True}``.
            actions: ``disconnect_tariff`` / ``edit_tariff`` flags (anode).
            extra: any further fields, sent as they are.

        Returns:
            The token.

        Raises:
            UnknownVersion: when no schema pack exists for ``version``.
            BackendError: when FlatPeak refuses (the error's ``code`` and ``server_message``
                say why) or cannot be reached.
        """
        pack = load_pack(version)
        spec = pack.token
        body: dict[str, Any] = {spec.callback_field: callback_url}
        optional: tuple[tuple[str, Any], ...] = (
            (spec.return_field, return_url),
            (spec.direction_field, direction),
            (spec.type_field, tariff_type),
            ("customer_id", customer_id),
            ("customer_reference_id", customer_reference_id),
            ("location_id", location_id),
            ("location_reference_id", location_reference_id),
            ("tariff_id", tariff_id),
            ("postal_address", dict(postal_address) if postal_address is not None else None),
            ("postal_address_type", postal_address_type),
            ("route_options", dict(route_options) if route_options is not None else None),
            ("actions", dict(actions) if actions is not None else None),
        )
        body.update({name: value for name, value in optional if value is not None})
        body.update(extra or {})
        _, answer = await self._authorised(
            "POST",
            spec.create_path,
            json_body=body,
            headers={"Flatpeak-Version": pack.api_version},
        )
        token = answer.get("connect_token") or answer.get("id")
        if not isinstance(token, str) or not token:
            raise BackendError(
                "FlatPeak's answer to creating a connect token has no connect_token",
                url=self.base_url + spec.create_path,
            )
        expires = answer.get("expires_in")
        return ConnectToken(
            connect_token=token,
            expires_in=expires if isinstance(expires, int) else None,
            live_mode=_optional_bool(answer.get("live_mode")),
            raw=answer,
        )

    async def exchange(self, token: str, *, version: str | None = None) -> TokenExchange:
        """Exchange a connect token, once its session ended, for the ids to store.

        Args:
            token: the connect token.
            version: the session's protocol version, to use its pack's exchange path
                (default ``/connect/tariff/token``, the same in zero and anode).

        Returns:
            The customer and location ids, and how the session ended.

        Raises:
            BackendError: when FlatPeak refuses (404 unknown token, 422 still linking ...) or
                cannot be reached.
        """
        path = load_pack(version).token.exchange_path if version else _DEFAULT_EXCHANGE_PATH
        _, answer = await self._authorised("GET", path, params={"connect_token": token})
        return TokenExchange.from_json(answer)

    # -- HTTP -------------------------------------------------------------------------------

    async def _authorised(
        self,
        method: str,
        path: str,
        *,
        json_body: Mapping[str, Any] | None = None,
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> tuple[int, dict[str, Any]]:
        async def call(bearer: str) -> tuple[int, dict[str, Any]]:
            return await self._call(
                method,
                path,
                json_body=json_body,
                params=params,
                headers={**(headers or {}), "Authorization": f"Bearer {bearer}"},
            )

        bearer = await self.bearer()
        try:
            return await call(bearer)
        except BackendError as exc:
            if exc.status != HTTPStatus.UNAUTHORIZED:
                raise
        # The bearer was revoked before its time: log in once more, and try once more.
        async with self._lock:
            if self._bearer == bearer:
                self._bearer = None
        return await call(await self.bearer())

    async def _call(
        self,
        method: str,
        path: str,
        *,
        json_body: Mapping[str, Any] | None = None,
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> tuple[int, dict[str, Any]]:
        url = self.base_url + path
        try:
            async with self._client().request(
                method,
                url,
                json=dict(json_body) if json_body is not None else None,
                params=dict(params) if params is not None else None,
                headers={"Accept": "application/json", **(headers or {})},
                timeout=self._timeout,
            ) as response:
                status, raw = response.status, await response.read()
        except (aiohttp.ClientError, TimeoutError) as exc:
            reason = describe_failure(exc)
            unreachable = redact(f"cannot reach the FlatPeak API at {url}: {reason}")
            raise BackendError(unreachable, url=url) from exc
        try:
            body = json.loads(raw) if raw else {}
        except ValueError:
            body = None
        if HTTPStatus.OK <= status < HTTPStatus.MULTIPLE_CHOICES and isinstance(body, dict):
            return status, body
        code = body.get("code") if isinstance(body, dict) else None
        message = body.get("message") if isinstance(body, dict) else None
        detail = f": {message}" if isinstance(message, str) and message else ""
        detail += f" ({code})" if isinstance(code, str) and code else ""
        what = f"HTTP {status}{detail}" if isinstance(body, dict) else f"HTTP {status}, not JSON"
        raise BackendError(
            redact(f"FlatPeak API {method} {path} failed: {what}"),
            url=url,
            status=status,
            code=code if isinstance(code, str) else None,
            server_message=redact(message) if isinstance(message, str) else None,
        )
