"""The HTML renderer: Connect pages as accessible question pages, one template per route.

:class:`HtmlRenderer` renders a page with jinja2 (autoescape on for everything) from templates
named after routes, a shared layout and a generic fallback; a host's own template folders come
first, so one page or the layout can be overridden without forking. :class:`Theme` brands it
through CSS custom properties. See ``docs/html.md``.
"""

from __future__ import annotations

from flatpeak_connect.renderers.html.renderer import HtmlConfig, HtmlRenderer, static_dir
from flatpeak_connect.renderers.html.theme import Theme
from flatpeak_connect.renderers.html.view import PageView, read_form, safe_url, write_form

__all__ = [
    "HtmlConfig",
    "HtmlRenderer",
    "PageView",
    "Theme",
    "read_form",
    "safe_url",
    "static_dir",
    "write_form",
]
