"""Every string Connect sends is escaped, and only http(s) URLs from Connect reach href/src."""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

import pytest
from html_support import fixture_pages, render, structure

from flatpeak_connect.engine.models import FieldError

if TYPE_CHECKING:
    from collections.abc import Iterator

    from flatpeak_connect.renderers.html import HtmlRenderer

PAYLOADS = (
    '<script>alert("fp")</script>',
    "\"'><img src=x onerror=alert(1)>",
    "</textarea></title><svg onload=alert(1)>",
)
# What must never appear in the output: the payloads' markup, unescaped.
FORBIDDEN = ("<script>alert", "<img src=x", "<svg onload", "\"'><")
PAGES = fixture_pages()


def _string_paths(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    if isinstance(value, str):
        yield path
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _string_paths(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _string_paths(item, (*path, index))


def _replace(document: dict[str, Any], path: tuple[Any, ...], value: str) -> dict[str, Any]:
    changed = copy.deepcopy(document)
    target: Any = changed
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return changed


def _assert_clean(html: str, context: object) -> None:
    for forbidden in FORBIDDEN:
        assert forbidden not in html, (context, forbidden)


def _assert_urls_safe(html: str, context: object) -> None:
    for _tag, attributes in structure(html).tags:
        for name in ("href", "src", "action"):
            url = attributes.get(name)
            if url is None:
                continue
            relative = not url or url.startswith(("#", "static/", "theme.css", "/"))
            assert relative or url.startswith(("https://", "http://")), (context, name, url)


class TestEscaping:
    """Payloads in every string of every fixture page come out as text."""

    @pytest.mark.parametrize(
        ("version", "stem", "document"), PAGES, ids=[f"{v}-{s}" for v, s, _ in PAGES]
    )
    def test_each_string_field_alone_is_escaped(
        self, renderer: HtmlRenderer, version: str, stem: str, document: dict[str, Any]
    ) -> None:
        """A payload in any one string (route included) is shown escaped, never as markup."""
        paths = list(_string_paths(document))
        assert paths, stem
        for path in paths:
            for payload in PAYLOADS:
                html = render(renderer, _replace(document, path, payload), version)
                _assert_clean(html, (stem, path))

    @pytest.mark.parametrize(
        ("version", "stem", "document"), PAGES, ids=[f"{v}-{s}" for v, s, _ in PAGES]
    )
    def test_every_string_at_once_keeping_the_route_is_escaped(
        self, renderer: HtmlRenderer, version: str, stem: str, document: dict[str, Any]
    ) -> None:
        """With the route kept (its own template used), payloads everywhere stay text."""
        for payload in PAYLOADS:
            changed = copy.deepcopy(document)
            for path in _string_paths(document):
                if path != ("route",):
                    changed = _replace(changed, path, payload)
            html = render(renderer, changed, version)
            _assert_clean(html, stem)

    @pytest.mark.parametrize(
        ("version", "stem", "document"), PAGES, ids=[f"{v}-{s}" for v, s, _ in PAGES]
    )
    def test_urls_from_connect_reach_href_and_src_only_when_http(
        self, renderer: HtmlRenderer, version: str, stem: str, document: dict[str, Any]
    ) -> None:
        """javascript:, data: and other schemes in any string never become a link or image."""
        for bad in ("javascript:alert(1)", "data:text/html,<b>x</b>", "//evil.example/x"):
            for path in _string_paths(document):
                if path == ("route",):
                    continue
                html = render(renderer, _replace(document, path, bad), version)
                _assert_urls_safe(html, (stem, path, bad))

    def test_errors_values_and_extras_are_escaped_too(self, renderer: HtmlRenderer) -> None:
        """Error messages, kept answers and host extras pass through autoescape as well."""
        document = next(d for v, s, d in PAGES if v == "anode" and s == "tariff_name_capture")
        errors = [FieldError("/tariff/name", "tariff_name_missing", PAYLOADS[0], "server")]
        html = render(
            renderer,
            document,
            "anode",
            errors,
            values={"tariff": {"name": PAYLOADS[1]}},
            extra={"form_action": PAYLOADS[2], "csrf_token": PAYLOADS[1]},
        )
        _assert_clean(html, "extras")
        assert "&lt;script&gt;alert(&#34;fp&#34;)&lt;/script&gt;" in html
