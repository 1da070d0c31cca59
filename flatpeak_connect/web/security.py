"""CSRF tokens, one-time form ids and the response headers that keep the flow safe to serve.

Both tokens are HMACs under the app's secret, so nothing extra is stored and a restart (with the
same secret and a persistent store) keeps every open form valid:

- the CSRF token is bound to the session cookie;
- the form id is bound to the session *and its exact state*: any move (a page, an error, a
  kept answer) changes it, so a second post of the same form (a double click, a reload, a
  replay) no longer matches and is answered with the current page instead of being sent again.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import TYPE_CHECKING

from aiohttp import web
from aiohttp.abc import AbstractAccessLogger

from flatpeak_connect.engine.redaction import redact

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from aiohttp.web_request import BaseRequest

    from flatpeak_connect.engine.flow import SessionState

__all__ = ["RedactingAccessLogger", "Signer", "same_text", "security_headers"]


def same_text(expected: str, given: str) -> bool:
    """Return whether ``given`` equals ``expected``, compared in constant time.

    ``hmac.compare_digest`` refuses ``str`` with non-ASCII characters (a ``TypeError``), and
    ``given`` comes from a request: both are compared as UTF-8 bytes so a hostile value is
    simply unequal.

    Args:
        expected: the value the server holds (a token it made).
        given: the value a request carried.

    Returns:
        Whether they are equal.
    """
    return hmac.compare_digest(expected.encode(), given.encode("utf-8", "surrogatepass"))


class Signer:
    """Makes and checks the CSRF token and the form id of a session.

    Args:
        secret: the app's key (at least 16 random bytes).
    """

    def __init__(self, secret: bytes) -> None:
        self._secret = secret

    def _sign(self, purpose: str, *parts: str) -> str:
        message = "\0".join((purpose, *parts)).encode()
        return hmac.new(self._secret, message, hashlib.sha256).hexdigest()

    def csrf_token(self, session_id: str) -> str:
        """Return the CSRF token of the session ``session_id``."""
        return self._sign("csrf", session_id)

    def check_csrf(self, session_id: str, token: str) -> bool:
        """Return whether ``token`` is the session's CSRF token (compared in constant time)."""
        return same_text(self.csrf_token(session_id), token)

    def form_id(self, session_id: str, state: SessionState | None) -> str:
        """Return the id of the forms rendered for the session in ``state``."""
        snapshot = json.dumps(
            state.to_json() if state is not None else None, sort_keys=True, default=str
        )
        digest = hashlib.sha256(snapshot.encode()).hexdigest()
        return self._sign("form", session_id, digest)

    def check_form_id(self, session_id: str, state: SessionState | None, form_id: str) -> bool:
        """Return whether ``form_id`` was rendered for the session as it is now."""
        return same_text(self.form_id(session_id, state), form_id)


def security_headers(
    frame_ancestors: str, image_sources: tuple[str, ...] = ()
) -> Callable[..., Awaitable[web.StreamResponse]]:
    """Return a middleware that sets the flow's security headers on every response.

    The Content-Security-Policy allows no inline script or style (the stylesheet, the theme and
    the optional script are files), images from the app and over https (provider logos), and
    embedding only by ``frame_ancestors``. Pages are never cached: they hold a customer's
    answers.

    Args:
        frame_ancestors: the CSP ``frame-ancestors`` source list.
        image_sources: further origins images may come from (Connect's own, for provider
            logos it serves over http in a local setup).

    Returns:
        An aiohttp middleware.
    """
    policy = "; ".join(
        (
            "default-src 'none'",
            "script-src 'self'",
            "style-src 'self'",
            " ".join(("img-src 'self' https:", *image_sources)),
            "base-uri 'none'",
            f"frame-ancestors {frame_ancestors}",
        )
    )

    @web.middleware
    async def middleware(
        request: web.Request,
        handler: Callable[[web.Request], Awaitable[web.StreamResponse]],
    ) -> web.StreamResponse:
        try:
            response = await handler(request)
        except web.HTTPException as exc:
            _apply(exc, policy, frame_ancestors)
            raise
        _apply(response, policy, frame_ancestors)
        return response

    return middleware


def _apply(response: web.StreamResponse, policy: str, frame_ancestors: str) -> None:
    headers = response.headers
    headers["Content-Security-Policy"] = policy
    headers["X-Content-Type-Options"] = "nosniff"
    # Return URLs carry the connect token: never send a URL of the flow as a referrer.
    headers["Referrer-Policy"] = "no-referrer"
    headers["Cross-Origin-Opener-Policy"] = "same-origin"
    if frame_ancestors.strip() == "'none'":
        headers["X-Frame-Options"] = "DENY"
    if response.content_type in {"text/html", "application/json"}:
        headers["Cache-Control"] = "no-store"


class RedactingAccessLogger(AbstractAccessLogger):
    """An access log for the flow that never writes a connect token (``?fp_cot=`` in URLs)."""

    def log(self, request: BaseRequest, response: web.StreamResponse, time: float) -> None:
        """Write one line per request: method, path with tokens redacted, status, duration."""
        self.logger.info(
            "%s %s %s %.1f ms",
            request.method,
            redact(request.path_qs),
            response.status,
            time * 1000,
        )
