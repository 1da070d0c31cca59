"""The back-end client against a small real back-end: login, bearer cache, tokens, exchange."""

from __future__ import annotations

import base64
import logging
from typing import TYPE_CHECKING, Any

import attrs
import pytest
from aiohttp import web

from flatpeak_connect.engine.backend import ENV_ACCOUNT_ID, ENV_API_KEY, FlatPeakAPI, TokenExchange
from flatpeak_connect.engine.errors import BackendError

if TYPE_CHECKING:
    from pytest_aiohttp import AiohttpServer

ACCOUNT = "acc_0123456789abcdef01234567"
KEY = "sk_test_5e4d3c2b1a0f9e8d7c6b5a49"
ISSUED_TOKEN = "cot_00112233445566778899aabb"


@attrs.define
class Backend:
    """FlatPeak's back-end API, as far as the client uses it."""

    expires_in: int = 3600
    logins: int = 0
    bearers: set[str] = attrs.field(factory=set)
    created: list[tuple[str, dict[str, Any], str | None]] = attrs.field(factory=list)
    exchange_answer: dict[str, Any] = attrs.field(
        factory=lambda: {
            "id": ISSUED_TOKEN,
            "object": "connect_token",
            "live_mode": False,
            "customer_id": "cus_8e7d6c5b4a39281706f5e4d3",
            "location_id": "loc_3b4c5d6e7f8091a2b3c4d5e6",
            "location_reference_id": "SITE-000042",
            "is_tariff_processed": True,
            "complete_action": "SAVE",
            "time_created": "2025-03-01T10:00:00Z",
            "time_expiry": "2025-03-02T10:00:00Z",
        }
    )

    def app(self) -> web.Application:
        """The aiohttp application."""
        app = web.Application()
        app.router.add_get("/login", self.login)
        app.router.add_post("/connect/tariff/token", self.create)
        app.router.add_post("/connect/token", self.create)
        app.router.add_get("/connect/tariff/token", self.exchange)
        return app

    async def login(self, request: web.Request) -> web.Response:
        """HTTP Basic in, bearer out."""
        expected = "Basic " + base64.b64encode(f"{ACCOUNT}:{KEY}".encode()).decode()
        if request.headers.get("Authorization") != expected:
            return web.json_response({"message": "Bad credentials"}, status=403)
        self.logins += 1
        bearer = f"eyJhbGciOiJIUzI1NiJ9.eyJuIjo{self.logins}fQ.sig{self.logins}"
        self.bearers.add(bearer)
        return web.json_response(
            {"bearer_token": bearer, "expires_in": self.expires_in, "live_mode": False}
        )

    def _authorised(self, request: web.Request) -> bool:
        header = request.headers.get("Authorization", "")
        return header.startswith("Bearer ") and header.removeprefix("Bearer ") in self.bearers

    async def create(self, request: web.Request) -> web.Response:
        """Create a connect token, or refuse a bad direction."""
        if not self._authorised(request):
            return web.json_response({"message": "Unauthorized"}, status=401)
        body = await request.json()
        self.created.append((request.path, body, request.headers.get("Flatpeak-Version")))
        if body.get("tariff_direction") == "SIDEWAYS":
            return web.json_response(
                {
                    "object": "error",
                    "type": "invalid_request",
                    "code": "tariff_direction_invalid",
                    "message": "tariff_direction must be IMPORT or EXPORT",
                },
                status=400,
            )
        return web.json_response(
            {"connect_token": ISSUED_TOKEN, "expires_in": 86400, "live_mode": False}
        )

    async def exchange(self, request: web.Request) -> web.Response:
        """Exchange a token for the ids."""
        if not self._authorised(request):
            return web.json_response({"message": "Unauthorized"}, status=401)
        if request.query.get("connect_token") != ISSUED_TOKEN:
            return web.json_response(
                {"object": "error", "code": "not_found", "message": "No such token"}, status=404
            )
        return web.json_response(self.exchange_answer)


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        """Now."""
        return self.now


@pytest.fixture
async def backend(aiohttp_server: AiohttpServer) -> tuple[Backend, str]:
    """A running back-end and its base URL (the server fixture stops it)."""
    state = Backend()
    server = await aiohttp_server(state.app())
    return state, str(server.make_url("")).rstrip("/")


class TestBearer:
    """Login with HTTP Basic, the bearer cached, refreshed and renewed after a 401."""

    async def test_the_bearer_is_cached(self, backend: tuple[Backend, str]) -> None:
        """Two calls in a row log in once."""
        state, url = backend
        async with FlatPeakAPI(ACCOUNT, KEY, url) as api:
            await api.create_token("zero", callback_url="https://app.example.org/done")
            await api.exchange(ISSUED_TOKEN)
        assert state.logins == 1

    async def test_the_bearer_is_refreshed_before_it_expires(
        self, backend: tuple[Backend, str]
    ) -> None:
        """A minute before expiry the client logs in again; before that it does not."""
        state, url = backend
        clock = Clock()
        async with FlatPeakAPI(ACCOUNT, KEY, url, clock=clock) as api:
            first = await api.bearer()
            clock.now += 3600 - 61
            assert await api.bearer() == first
            clock.now += 2
            assert await api.bearer() != first
        assert state.logins == 2

    async def test_a_revoked_bearer_logs_in_again_once(self, backend: tuple[Backend, str]) -> None:
        """A 401 on a call drops the cached bearer, logs in again and retries the call once."""
        state, url = backend
        async with FlatPeakAPI(ACCOUNT, KEY, url) as api:
            await api.bearer()
            state.bearers.clear()
            token = await api.create_token("zero", callback_url="https://app.example.org/done")
        assert token.connect_token == ISSUED_TOKEN
        assert state.logins == 2

    async def test_bad_credentials_are_a_clear_error_without_the_key(
        self, backend: tuple[Backend, str]
    ) -> None:
        """A 403 from /login is a BackendError with the status and FlatPeak's message, no key."""
        _, url = backend
        async with FlatPeakAPI(ACCOUNT, "sk_test_wrongwrongwrong", url) as api:
            with pytest.raises(BackendError) as caught:
                await api.bearer()
        assert caught.value.status == 403
        assert caught.value.server_message == "Bad credentials"
        assert "sk_test_wrong" not in str(caught.value)


class TestUnreachable:
    """An API that cannot be reached."""

    async def test_the_message_says_what_happened_in_words(self) -> None:
        """A refused connection names the URL and the reason, not a library's repr."""
        # Port 9 (discard) on loopback: nothing listens there, so the connection is refused.
        async with FlatPeakAPI(ACCOUNT, KEY, "http://127.0.0.1:9") as api:
            with pytest.raises(BackendError) as caught:
                await api.bearer()
        message = str(caught.value)
        assert message.startswith("cannot reach the FlatPeak API at http://127.0.0.1:9/login: ")
        assert "ConnectionKey" not in message
        assert "Cannot connect to host 127.0.0.1:9" in message


class TestCredentials:
    """Where credentials come from, and where they never go."""

    async def test_credentials_come_from_the_environment(
        self, backend: tuple[Backend, str], monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """With no arguments, FLATPEAK_ACCOUNT_ID and FLATPEAK_API_KEY are used."""
        state, url = backend
        monkeypatch.setenv(ENV_ACCOUNT_ID, ACCOUNT)
        monkeypatch.setenv(ENV_API_KEY, KEY)
        async with FlatPeakAPI(base_url=url) as api:
            await api.bearer()
        assert state.logins == 1

    def test_missing_credentials_name_the_variables(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """Without arguments or environment, the error says which variables to set."""
        monkeypatch.delenv(ENV_ACCOUNT_ID, raising=False)
        monkeypatch.delenv(ENV_API_KEY, raising=False)
        with pytest.raises(BackendError, match=f"{ENV_ACCOUNT_ID} and {ENV_API_KEY}"):
            FlatPeakAPI()

    async def test_repr_and_logs_never_show_secrets(
        self, backend: tuple[Backend, str], caplog: pytest.LogCaptureFixture
    ) -> None:
        """The client's repr, the token's repr and the logs hold no key, bearer or token."""
        _, url = backend
        with caplog.at_level(logging.DEBUG, logger="flatpeak_connect"):
            async with FlatPeakAPI(ACCOUNT, KEY, url) as api:
                token = await api.create_token("anode", callback_url="https://app.example.org/done")
                exchanged = await api.exchange(ISSUED_TOKEN)
                shown = " ".join((repr(api), repr(token), repr(exchanged), caplog.text))
        assert KEY not in shown
        assert "eyJ" not in shown
        assert ISSUED_TOKEN not in shown
        assert ACCOUNT in repr(api)


class TestTokens:
    """Creating connect tokens per version, and exchanging them."""

    async def test_zero_uses_its_endpoint_and_field_names(
        self, backend: tuple[Backend, str]
    ) -> None:
        """Zero posts /connect/tariff/token with callback_uri, connect_web_uri, direction, type."""
        state, url = backend
        async with FlatPeakAPI(ACCOUNT, KEY, url) as api:
            await api.create_token(
                "zero",
                callback_url="https://app.example.org/done",
                return_url="exampleapp://return",
                direction="EXPORT",
                tariff_type="COMMODITY",
                customer_reference_id="CUST-1",
            )
        path, body, version = state.created[0]
        assert path == "/connect/tariff/token"
        assert body == {
            "callback_uri": "https://app.example.org/done",
            "connect_web_uri": "exampleapp://return",
            "direction": "EXPORT",
            "type": "COMMODITY",
            "customer_reference_id": "CUST-1",
        }
        assert version == "2024-08-24.zero"

    async def test_anode_uses_its_endpoint_and_field_names(
        self, backend: tuple[Backend, str]
    ) -> None:
        """Anode posts /connect/token with callback_url, connect_url, tariff_*, route_options."""
        state, url = backend
        async with FlatPeakAPI(ACCOUNT, KEY, url) as api:
            token = await api.create_token(
                "anode",
                callback_url="https://app.example.org/done",
                return_url="https://app.example.org/return",
                direction="IMPORT",
                tariff_type="NON_COMMODITY",
                postal_address={"city": "Millbrook", "country_code": "GB"},
                route_options={"tariff_name_capture": True},
                actions={"edit_tariff": True},
            )
        path, body, version = state.created[0]
        assert path == "/connect/token"
        assert body == {
            "callback_url": "https://app.example.org/done",
            "connect_url": "https://app.example.org/return",
            "tariff_direction": "IMPORT",
            "tariff_type": "NON_COMMODITY",
            "postal_address": {"city": "Millbrook", "country_code": "GB"},
            "route_options": {"tariff_name_capture": True},
            "actions": {"edit_tariff": True},
        }
        assert version == "2025-09-14.anode"
        assert token.connect_token == ISSUED_TOKEN
        assert token.expires_in == 86400
        assert str(token) == ISSUED_TOKEN

    async def test_a_refused_token_carries_the_code(self, backend: tuple[Backend, str]) -> None:
        """FlatPeak's refusal comes back as a BackendError with its code and message."""
        _, url = backend
        async with FlatPeakAPI(ACCOUNT, KEY, url) as api:
            with pytest.raises(BackendError, match="tariff_direction_invalid") as caught:
                await api.create_token(
                    "anode", callback_url="https://x.example/", direction="SIDEWAYS"
                )
        assert caught.value.status == 400
        assert caught.value.code == "tariff_direction_invalid"

    async def test_exchange_returns_the_ids(self, backend: tuple[Backend, str]) -> None:
        """exchange() returns a frozen result with the customer and location ids."""
        _, url = backend
        async with FlatPeakAPI(ACCOUNT, KEY, url) as api:
            result = await api.exchange(ISSUED_TOKEN, version="anode")
        assert result.customer_id == "cus_8e7d6c5b4a39281706f5e4d3"
        assert result.location_id == "loc_3b4c5d6e7f8091a2b3c4d5e6"
        assert result.is_tariff_processed is True
        assert result.complete_action == "SAVE"
        with pytest.raises(attrs.exceptions.FrozenInstanceError):
            result.location_id = "loc_other"  # type: ignore[misc]

    async def test_exchange_accepts_the_old_spelling(self, backend: tuple[Backend, str]) -> None:
        """tariff_available is read as is_tariff_processed."""
        state, url = backend
        del state.exchange_answer["is_tariff_processed"]
        state.exchange_answer["tariff_available"] = False
        async with FlatPeakAPI(ACCOUNT, KEY, url) as api:
            result = await api.exchange(ISSUED_TOKEN)
        assert result.is_tariff_processed is False

    async def test_an_unknown_token_is_a_404_error(self, backend: tuple[Backend, str]) -> None:
        """Exchanging a token the API does not know is a BackendError with status 404."""
        _, url = backend
        async with FlatPeakAPI(ACCOUNT, KEY, url) as api:
            with pytest.raises(BackendError) as caught:
                await api.exchange("cot_ffffffffffffffffffffffff")
        assert caught.value.status == 404
        assert "cot_ffff" not in str(caught.value)

    def test_exchange_result_from_json_tolerates_missing_fields(self) -> None:
        """A sparse answer gives None where nothing was said."""
        result = TokenExchange.from_json({"id": ISSUED_TOKEN})
        assert result.location_id is None
        assert result.complete_action is None
