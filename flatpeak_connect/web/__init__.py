"""The hosted HTML flow: an aiohttp application a host mounts under a prefix.

Example::

    from aiohttp import web
    from flatpeak_connect.web import WebConfig, create_app

    app = web.Application()
    app.add_subapp("/connect/", create_app(WebConfig(connect_url="https://connect.flatpeak.com")))

See ``docs/html.md`` for configuration, theming and templates.
"""

from __future__ import annotations

from flatpeak_connect.web.app import RUNTIME, Runtime, create_app
from flatpeak_connect.web.config import WebConfig
from flatpeak_connect.web.security import RedactingAccessLogger

__all__ = ["RUNTIME", "RedactingAccessLogger", "Runtime", "WebConfig", "create_app"]
