"""The renderer registry: which renderer draws which page.

Each engine instance owns a :class:`RendererRegistry` (there is no global one, so two apps in
one process never share renderers). For a page it picks, in order: the renderer registered
for exactly that version and route, then the one registered for the route in any version,
then the fallback — a renderer that draws any page, even a route no one has seen, from its
data and actions. An alias (``tariff_summary``) finds what is registered for its route
(``tariffs_summary``).

Renderers from other packages plug in through the entry-point group
``flatpeak_connect.renderers``: each entry point names a function that takes the registry and
registers its renderers::

    # in the plugin's pyproject.toml
    [project.entry-points."flatpeak_connect.renderers"]
    voice = "my_voice_ui:register"

    # my_voice_ui.py
    def register(registry):
        registry.register(VoiceProviderSelect(), "provider_select")

Discovery is opt-in (``RendererRegistry(fallback, discover=True)`` or :meth:`discover`); the
environment variable ``FLATPEAK_CONNECT_NO_PLUGINS=1`` turns it off whatever the code asks.
"""

from __future__ import annotations

import os
from importlib.metadata import entry_points
from typing import TYPE_CHECKING

from flatpeak_connect.engine.errors import UnknownVersion
from flatpeak_connect.engine.redaction import get_logger
from flatpeak_connect.engine.spec import load_pack

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from flatpeak_connect.engine.models import FieldError, Page, Rendered
    from flatpeak_connect.engine.typing import RenderContext, Renderer

__all__ = ["DISABLE_PLUGINS_ENV", "ENTRY_POINT_GROUP", "RendererRegistry"]

ENTRY_POINT_GROUP = "flatpeak_connect.renderers"
"""The entry-point group third-party renderers register under."""

DISABLE_PLUGINS_ENV = "FLATPEAK_CONNECT_NO_PLUGINS"
"""Set to a non-empty value other than ``0`` to switch entry-point discovery off."""

_log = get_logger(__name__)


class RendererRegistry:
    """Picks the renderer for each page; is itself a renderer that delegates to the pick.

    Args:
        fallback: the renderer for pages nothing else is registered for (any route).
        discover: load renderers from the ``flatpeak_connect.renderers`` entry points now.
    """

    def __init__(self, fallback: Renderer, *, discover: bool = False) -> None:
        self.fallback = fallback
        self._renderers: dict[tuple[str | None, str], Renderer] = {}
        self.plugins: tuple[str, ...] = ()
        if discover:
            self.discover()

    def __repr__(self) -> str:
        return f"<RendererRegistry {len(self._renderers)} routes, fallback={self.fallback!r}>"

    def register(self, renderer: Renderer, route: str, *, version: str | None = None) -> None:
        """Render ``route`` with ``renderer`` (in ``version`` only, when given).

        Registering again for the same route and version replaces the earlier renderer.
        """
        self._renderers[version, route] = renderer

    def renderer_for(self, version: str, route: str) -> Renderer:
        """Return the renderer for a page of ``version`` on ``route``.

        Tried in order: (version, route), (version, canonical route), (any version, route),
        (any version, canonical route), then the fallback.
        """
        names = [route]
        try:
            canonical = load_pack(version).canonical(route)
        except UnknownVersion:
            canonical = None
        if canonical is not None and canonical != route:
            names.append(canonical)
        for key_version in (version, None):
            for name in names:
                found = self._renderers.get((key_version, name))
                if found is not None:
                    return found
        return self.fallback

    def render(self, page: Page, errors: Sequence[FieldError], context: RenderContext) -> Rendered:
        """Render ``page`` with the renderer :meth:`renderer_for` picks."""
        return self.renderer_for(page.version, page.route).render(page, errors, context)

    def discover(self) -> tuple[str, ...]:
        """Load the renderers of the ``flatpeak_connect.renderers`` entry points.

        Each entry point's function is called with this registry. One that fails to load or
        raises is logged and skipped, so one broken plugin does not take the others down;
        :attr:`plugins` lists those that loaded. Nothing is loaded when the environment
        variable ``FLATPEAK_CONNECT_NO_PLUGINS`` is set (to anything but ``0``).

        Returns:
            The names of the entry points loaded by this call.
        """
        if os.environ.get(DISABLE_PLUGINS_ENV, "").strip() not in {"", "0"}:
            _log.info("renderer plugins are switched off by %s", DISABLE_PLUGINS_ENV)
            return ()
        loaded: list[str] = []
        for entry in entry_points(group=ENTRY_POINT_GROUP):
            try:
                hook: Callable[[RendererRegistry], object] = entry.load()
                hook(self)
            except Exception:  # noqa: BLE001 - a broken plugin is logged and skipped
                _log.exception("renderer plugin %s (%s) failed to load", entry.name, entry.value)
                continue
            loaded.append(entry.name)
        self.plugins = (*self.plugins, *loaded)
        return tuple(loaded)
