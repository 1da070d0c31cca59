"""Fixtures for the HTML renderer and web app tests."""

from __future__ import annotations

import pytest

from flatpeak_connect.renderers.html import HtmlRenderer


@pytest.fixture(scope="session")
def renderer() -> HtmlRenderer:
    """The HTML renderer with its default configuration."""
    return HtmlRenderer()
