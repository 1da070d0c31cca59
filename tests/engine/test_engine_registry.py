"""The renderer registry: lookup order, aliases, and entry-point plugins (opt-in, switchable)."""

from __future__ import annotations

import sys
import textwrap
from typing import TYPE_CHECKING

import pytest
from engine_support import NamedRenderer, fixture

from flatpeak_connect.engine.models import Page
from flatpeak_connect.engine.registry import (
    DISABLE_PLUGINS_ENV,
    ENTRY_POINT_GROUP,
    RendererRegistry,
)
from flatpeak_connect.engine.spec import load_pack
from flatpeak_connect.engine.typing import RenderContext, Renderer

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

FALLBACK = NamedRenderer("fallback")


def page(version: str, name: str, route: str | None = None) -> Page:
    """A fixture page, its route optionally renamed."""
    document = fixture(version, "pages", name)
    if route is not None:
        document["route"] = route
    return Page.from_json(document, version)


class TestLookup:
    """Which renderer a page gets."""

    def test_exact_then_route_then_fallback(self) -> None:
        """(version, route) wins over route, which wins over the fallback."""
        registry = RendererRegistry(FALLBACK)
        registry.register(NamedRenderer("any-version"), "provider_select")
        registry.register(NamedRenderer("zero-only"), "provider_select", version="zero")
        assert registry.renderer_for("zero", "provider_select") == NamedRenderer("zero-only")
        assert registry.renderer_for("anode", "provider_select") == NamedRenderer("any-version")
        assert registry.renderer_for("anode", "tariff_select") is FALLBACK

    def test_an_alias_finds_its_route_renderer(self) -> None:
        """A renderer for tariffs_summary also renders the alias tariff_summary."""
        registry = RendererRegistry(FALLBACK)
        registry.register(NamedRenderer("summary"), "tariffs_summary", version="anode")
        assert registry.renderer_for("anode", "tariff_summary") == NamedRenderer("summary")

    def test_an_unknown_route_or_version_gets_the_fallback(self) -> None:
        """A route no pack knows, even in a version no pack knows, is the fallback's."""
        registry = RendererRegistry(FALLBACK)
        registry.register(NamedRenderer("x"), "provider_select")
        assert registry.renderer_for("anode", "loyalty_offer") is FALLBACK
        assert registry.renderer_for("busbar", "loyalty_offer") is FALLBACK

    def test_the_registry_renders_with_its_pick(self) -> None:
        """The registry is a Renderer: render() delegates to the renderer it picks."""
        registry = RendererRegistry(FALLBACK)
        registry.register(NamedRenderer("address"), "postal_address_capture")
        context = RenderContext(pack=load_pack("zero"))
        assert isinstance(registry, Renderer)
        assert (
            registry.render(page("zero", "postal_address_capture"), (), context).body
            == "address:postal_address_capture"
        )
        assert (
            registry.render(page("zero", "provider_select", "mystery"), (), context).body
            == "fallback:mystery"
        )

    def test_registries_do_not_share_renderers(self) -> None:
        """Two registries are independent: registering in one leaves the other alone."""
        first, second = RendererRegistry(FALLBACK), RendererRegistry(FALLBACK)
        first.register(NamedRenderer("mine"), "provider_select")
        assert second.renderer_for("zero", "provider_select") is FALLBACK


@pytest.fixture
def plugin(tmp_path: Path) -> Iterator[str]:
    """Install a plugin distribution (a module and its dist-info) on sys.path for the test."""
    module = "fpc_test_voice_plugin"
    (tmp_path / f"{module}.py").write_text(
        textwrap.dedent(
            """
            from engine_support import NamedRenderer

            def register(registry):
                registry.register(NamedRenderer("voice"), "provider_select")

            def broken(registry):
                raise RuntimeError("plugin bug")
            """
        ),
        encoding="utf-8",
    )
    info = tmp_path / "fpc_test_voice_plugin-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: fpc-test-voice-plugin\nVersion: 1.0\n", encoding="utf-8"
    )
    (info / "entry_points.txt").write_text(
        f"[{ENTRY_POINT_GROUP}]\nvoice = {module}:register\nbroken = {module}:broken\n",
        encoding="utf-8",
    )
    sys.path.insert(0, str(tmp_path))
    yield module
    sys.path.remove(str(tmp_path))
    sys.modules.pop(module, None)


@pytest.mark.usefixtures("plugin")
class TestPlugins:
    """Entry-point discovery."""

    def test_discovery_is_off_by_default(self) -> None:
        """Without discover=True, installed plugins are not loaded."""
        registry = RendererRegistry(FALLBACK)
        assert registry.plugins == ()
        assert registry.renderer_for("zero", "provider_select") is FALLBACK

    def test_discovery_loads_entry_points_and_skips_broken_ones(
        self, caplog: pytest.LogCaptureFixture
    ) -> None:
        """discover=True calls each entry point with the registry; a broken one is logged."""
        registry = RendererRegistry(FALLBACK, discover=True)
        assert registry.plugins == ("voice",)
        assert registry.renderer_for("zero", "provider_select") == NamedRenderer("voice")
        assert "broken" in caplog.text
        assert "plugin bug" in caplog.text

    def test_the_environment_switch_turns_discovery_off(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """FLATPEAK_CONNECT_NO_PLUGINS=1 stops discovery even when the code asks for it."""
        monkeypatch.setenv(DISABLE_PLUGINS_ENV, "1")
        registry = RendererRegistry(FALLBACK, discover=True)
        assert registry.plugins == ()
        assert registry.renderer_for("zero", "provider_select") is FALLBACK
