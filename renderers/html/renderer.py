"""The HTML renderer: one jinja2 template per route, a shared layout, and a generic fallback.

Templates are looked up, for a page of route ``R`` in version ``V``, as ``V/R.html``, then
``R.html``, then ``generic.html`` (which renders any page, even a route nobody has seen, from its
route spec or, failing that, from its data and actions). A host's own template folders come
first in the search path, so an app overrides one page, the layout (``base.html``) or the field
macros (``_macros.html``) without forking anything.

Everything a template prints is autoescaped, and nothing from Connect is marked safe.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs
import jinja2

from flatpeak_connect.engine.models import Rendered
from flatpeak_connect.renderers.html import formatting
from flatpeak_connect.renderers.html.theme import Theme
from flatpeak_connect.renderers.html.view import (
    ACTION_FIELD,
    ADD_ROW_FIELD,
    CSRF_FIELD,
    FORM_ID_FIELD,
    SKIP_FIELD,
    build_page_view,
    safe_url,
)

if TYPE_CHECKING:
    from collections.abc import Sequence

    from flatpeak_connect.engine.models import FieldError, Page
    from flatpeak_connect.engine.typing import RenderContext

__all__ = ["HtmlConfig", "HtmlRenderer"]

MEDIA_TYPE = "text/html; charset=utf-8"


def _as_paths(value: Sequence[str | Path]) -> tuple[Path, ...]:
    return tuple(Path(p) for p in value)


@attrs.frozen
class HtmlConfig:
    """How the HTML renderer looks and reads.

    Attributes:
        theme: brand colours, logo, font and service name.
        locale: the Babel locale for prices and dates (``en_GB``, ``de_DE`` ...).
        language: the page's ``lang`` attribute (defaults to the locale's language).
        template_dirs: the host's template folders, searched before the built-in ones.
        static_url: where the built-in stylesheet and script are served (ends with ``/``).
        theme_css_url: where the theme's stylesheet (:meth:`Theme.css`) is served; ``None``
            leaves it out (the stylesheet's own defaults apply).
        provider_logos: whether provider lists show the logos Connect sends (``http(s)`` only).
    """

    theme: Theme = attrs.field(factory=Theme)
    locale: str = "en_GB"
    language: str | None = None
    template_dirs: tuple[Path, ...] = attrs.field(default=(), converter=_as_paths)
    static_url: str = "static/"
    theme_css_url: str | None = "theme.css"
    provider_logos: bool = True

    @property
    def lang(self) -> str:
        """The value of ``<html lang>``: ``language``, or the locale with a hyphen (``en-GB``)."""
        return self.language or self.locale.replace("_", "-")


def _builtin_templates() -> Path:
    return Path(__file__).parent / "templates"


def static_dir() -> Path:
    """Return the folder of the built-in static files (CSS and the optional script)."""
    return Path(__file__).parent / "static"


class HtmlRenderer:
    """Render Connect pages as accessible HTML question pages.

    The renderer is thread-safe and cheap to call; make one per app and share it.

    Args:
        config: the look and locale; defaults to :class:`HtmlConfig()`.

    Example:
        >>> renderer = HtmlRenderer(HtmlConfig(template_dirs=["my_templates"]))
        >>> rendered = renderer.render(page, errors, context)  # doctest: +SKIP
    """

    def __init__(self, config: HtmlConfig | None = None) -> None:
        self.config = config or HtmlConfig()
        loaders: list[jinja2.BaseLoader] = (
            [jinja2.FileSystemLoader([str(p) for p in self.config.template_dirs])]
            if self.config.template_dirs
            else []
        )
        loaders.append(jinja2.FileSystemLoader(str(_builtin_templates())))
        self.environment = jinja2.Environment(
            loader=jinja2.ChoiceLoader(loaders),
            # Autoescape everything, whatever the file name: these templates only make HTML.
            autoescape=True,
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            auto_reload=False,
        )
        self.environment.globals.update(
            theme=self.config.theme,
            config=self.config,
            field_names={
                "action": ACTION_FIELD,
                "skip": SKIP_FIELD,
                "add_row": ADD_ROW_FIELD,
                "csrf": CSRF_FIELD,
                "form_id": FORM_ID_FIELD,
            },
        )
        locale = self.config.locale
        self.environment.filters.update(
            price=lambda value, currency: formatting.price_text(value, currency, locale),
            contract_date=lambda value: formatting.contract_date(value, locale),
            safe_url=safe_url,
        )
        self.environment.globals.update(
            rate_rows=lambda entries, currency: formatting.rate_rows(
                entries if isinstance(entries, list) else [], currency, locale
            ),
            rate_chart=formatting.rate_chart,
        )

    def template_names(self, page: Page, canonical: str) -> list[str]:
        """Return the template names tried for ``page``, in order.

        Args:
            page: the page to render.
            canonical: the pack's name of the route (an alias maps to its canonical route).

        Returns:
            ``<version>/<route>.html``, ``<route>.html`` (for the canonical name and, if
            different, the name as sent), then ``generic.html``.
        """
        names: list[str] = []
        for route in dict.fromkeys((canonical, page.route)):
            if not _is_template_stem(route):
                continue
            names.extend((f"{page.version}/{route}.html", f"{route}.html"))
        names.append("generic.html")
        return names

    def render(self, page: Page, errors: Sequence[FieldError], context: RenderContext) -> Rendered:
        """Render ``page`` with ``errors`` beside their fields.

        Args:
            page: the page Connect sent.
            errors: problems with the customer's last answer, client- or server-found.
            context: the pack and route spec, the customer's last answer (``values``), and in
                ``extra``: ``form`` (the posted form, shown as typed), ``form_action`` (where
                forms post), ``csrf_token``, ``form_id``, and ``request_id`` (shown for support).

        Returns:
            A complete HTML document.
        """
        view = build_page_view(
            page,
            errors,
            context,
            locale=self.config.locale,
        )
        template = self.environment.select_template(self.template_names(page, view.canonical))
        body = template.render(view=view, page=page, extra=context.extra)
        return Rendered(body=body, media_type=MEDIA_TYPE)

    def render_template(self, name: str, **variables: Any) -> str:
        """Render one of the flow's own pages (``app/expired.html`` ...) with the shared layout.

        Args:
            name: the template name, relative to the template folders.
            **variables: the template's variables.

        Returns:
            A complete HTML document.
        """
        return self.environment.get_template(name).render(**variables)


# Template names that are not route pages: a route Connect calls "base" must not pick the layout.
_RESERVED_STEMS = frozenset({"base", "generic"})


def _is_template_stem(route: str) -> bool:
    # A route from Connect becomes part of a template name: only plain identifiers may, so
    # that "../base" or "x/y" can never pick a file the host did not mean as a route page, and
    # never the layout, the macros ("_macros") or the fallback.
    return route.isidentifier() and not route.startswith("_") and route not in _RESERVED_STEMS
