"""What a host configures about the hosted HTML flow."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from typing import Any

import attrs

from flatpeak_connect.engine.backend import FlatPeakAPI
from flatpeak_connect.engine.store import MemoryStore, SessionStore
from flatpeak_connect.renderers.html import HtmlConfig

__all__ = ["WebConfig"]

_MIN_SECRET_BYTES = 16


def _check_secret(_instance: Any, _attribute: attrs.Attribute[bytes], value: bytes) -> None:
    if len(value) < _MIN_SECRET_BYTES:
        raise ValueError(f"secret must be at least {_MIN_SECRET_BYTES} random bytes")


def _check_frame_ancestors(_instance: Any, _attribute: attrs.Attribute[str], value: str) -> None:
    # A CSP source list: keywords in quotes, schemes and hosts; no ';' or ',' that would start
    # another directive or policy.
    if not value.strip() or any(c in value for c in ";,\r\n"):
        raise ValueError(
            "frame_ancestors must be a CSP source list such as 'none' or https://app.example"
        )


@attrs.frozen
class WebConfig:
    """The hosted flow's settings.

    Attributes:
        connect_url: the Connect endpoint (``https://connect.flatpeak.com``, or a simulator's
            ``url + "/"``).
        version: the protocol version of the sessions (``zero`` or ``anode``).
        html: the renderer's look (theme, locale, the host's template folders).
        store: where session states are kept between requests (:class:`MemoryStore` by
            default; an ``SQLiteStore`` keeps them across a restart).
        secret: the key that signs CSRF tokens and form ids. Keep it stable across restarts
            (with a persistent store) or forms rendered before a restart are refused.
        api: the back-end client. With it the app can create tokens (a "Start" button, and
            "Start again" after an expired token) and exchange the token at the end.
        callback_url: where the customer goes at the end, with ``fp_cot`` added. Also given as
            the callback URL of the tokens the app creates. Without it (demo mode) the app
            shows a completion page with the ids from the exchange.
        public_url: the app's own absolute URL, ending with ``/`` (for the return URL of the
            tokens it creates); by default worked out from each request.
        frame_ancestors: the CSP ``frame-ancestors`` sources allowed to embed the flow
            (``'none'``: no one; ``'self' https://app.example`` for an iframe in your app).
        cookie_name: the session cookie's name.
        secure_cookie: send the cookie only over https; ``None`` decides per request.
        token_options: further arguments for ``FlatPeakAPI.create_token`` (``direction``,
            ``route_options`` ...).
    """

    connect_url: str
    version: str = "anode"
    html: HtmlConfig = attrs.field(factory=HtmlConfig)
    store: SessionStore = attrs.field(factory=MemoryStore)
    secret: bytes = attrs.field(
        factory=lambda: secrets.token_bytes(32), validator=_check_secret, repr=False
    )
    api: FlatPeakAPI | None = None
    callback_url: str | None = None
    public_url: str | None = None
    frame_ancestors: str = attrs.field(default="'none'", validator=_check_frame_ancestors)
    cookie_name: str = "fp_connect"
    secure_cookie: bool | None = None
    token_options: Mapping[str, Any] = attrs.field(factory=dict)

    @property
    def demo(self) -> bool:
        """Whether the end of a session shows a completion page instead of a redirect."""
        return self.callback_url is None
