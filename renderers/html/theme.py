"""Branding for the HTML flow: colours, logo and font, written out as CSS custom properties.

A host sets a :class:`Theme` in configuration; the stylesheet reads only the custom properties,
so a theme never needs a template change. Every value is checked when the theme is made: a
colour or font list that could break out of its declaration (``red; } body { …``) is refused,
and the logo must be an ``http(s)`` URL or a path on the host's own site.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

import attrs

__all__ = ["Theme"]

# Colour values a person writes in configuration: #rgb, #rrggbb(aa), rgb()/hsl() with plain
# numbers, or a CSS colour keyword. Nothing that can contain ';', '}' or quotes.
_COLOUR = re.compile(
    r"#(?:[0-9a-fA-F]{3,4}|[0-9a-fA-F]{6}|[0-9a-fA-F]{8})"
    r"|(?:rgb|rgba|hsl|hsla)\([0-9.,%\s/a-z-]{1,60}\)"
    r"|[a-zA-Z]{3,30}"
)
# A font-family list: names, optionally in double quotes, separated by commas.
_FONT_NAME = r'(?:"[A-Za-z0-9 _-]{1,60}"|[A-Za-z0-9 _-]{1,60})'
_FONT_FAMILY = re.compile(rf"{_FONT_NAME}(?:\s*,\s*{_FONT_NAME})*")
_NOT_IN_A_LOGO_URL = re.compile(r"[\\\x00-\x1f\x7f]")


def _check_colour(_instance: Any, attribute: attrs.Attribute[str], value: str) -> None:
    if not _COLOUR.fullmatch(value):
        raise ValueError(
            f"{attribute.name} must be a CSS colour such as #1d70b8 or rgb(29, 112, 184), "
            f"not {value!r}"
        )


def _check_font(_instance: Any, _attribute: attrs.Attribute[str], value: str) -> None:
    if not _FONT_FAMILY.fullmatch(value):
        raise ValueError(
            "font_family must be a list of font names separated by commas, such as "
            f'"Inter", Arial, sans-serif; not {value!r}'
        )


def _check_logo(_instance: Any, _attribute: attrs.Attribute[str | None], value: str | None) -> None:
    if value is None:
        return
    # A browser reads "/\\host" as "//host" (another site), and drops tabs and newlines:
    # neither backslashes nor control characters belong in a logo's address.
    if _NOT_IN_A_LOGO_URL.search(value):
        raise ValueError(f"logo_url must not contain backslashes or control characters: {value!r}")
    parts = urlsplit(value)
    on_this_site = not parts.scheme and not parts.netloc and value.startswith("/")
    if not (on_this_site or (parts.scheme in {"http", "https"} and parts.netloc)):
        raise ValueError(
            f"logo_url must be an http(s) URL or a path starting with /, not {value!r}"
        )


@attrs.frozen
class Theme:
    """How the hosted flow looks: the host's brand, set in configuration.

    Attributes:
        brand_colour: the colour of buttons, links' focus ring and the header band.
        brand_text_colour: text drawn on ``brand_colour`` (keep the contrast at 4.5:1 or more).
        link_colour: the colour of links and link-styled buttons.
        font_family: the CSS font-family list for all text.
        logo_url: the host's logo in the header (``http(s)`` URL or a path on the host's site);
            without it, the service name is shown as text.
        logo_alt: the logo's text alternative (defaults to the service name).
        service_name: the name in the header and in every page title.
    """

    brand_colour: str = attrs.field(default="#1d70b8", validator=_check_colour)
    brand_text_colour: str = attrs.field(default="#ffffff", validator=_check_colour)
    link_colour: str = attrs.field(default="#1d5f9a", validator=_check_colour)
    font_family: str = attrs.field(
        default='system-ui, "Segoe UI", Roboto, Helvetica, Arial, sans-serif',
        validator=_check_font,
    )
    logo_url: str | None = attrs.field(default=None, validator=_check_logo)
    logo_alt: str | None = None
    service_name: str = "Connect your energy tariff"

    def css(self) -> str:
        """Return the stylesheet that sets the theme's custom properties on ``:root``.

        Returns:
            CSS text; served as its own stylesheet so that no inline style is needed (the flow's
            Content-Security-Policy allows no inline style or script).
        """
        return (
            ":root {\n"
            f"  --fp-brand: {self.brand_colour};\n"
            f"  --fp-brand-text: {self.brand_text_colour};\n"
            f"  --fp-link: {self.link_colour};\n"
            f"  --fp-font: {self.font_family};\n"
            "}\n"
        )
