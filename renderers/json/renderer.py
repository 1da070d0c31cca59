"""The JSON renderer: a page as the view model of ``schemas/viewmodel.json``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flatpeak_connect.engine.models import Rendered
from flatpeak_connect.renderers.json.encode import dumps
from flatpeak_connect.renderers.json.viewmodel import outcome_view_model, view_model

if TYPE_CHECKING:
    from collections.abc import Sequence

    from flatpeak_connect.engine.models import FieldError, Outcome, Page
    from flatpeak_connect.engine.typing import RenderContext

__all__ = ["JsonRenderer"]


class JsonRenderer:
    """Render pages as JSON view models, for apps that draw their own UI.

    Args:
        indent: spaces per level, or ``None`` (the default) for one line per page, which makes
            a session's output JSON Lines.
    """

    media_type = "application/json"

    def __init__(self, *, indent: int | None = None) -> None:
        self.indent = indent

    def render(self, page: Page, errors: Sequence[FieldError], context: RenderContext) -> Rendered:
        """Render ``page`` as its view model.

        Args:
            page: the page.
            errors: problems with the customer's last answer.
            context: the pack, the route spec and the kept answer.

        Returns:
            The view model as JSON text (``application/json``).
        """
        return Rendered(
            dumps(view_model(page, errors, context), indent=self.indent), self.media_type
        )

    def render_outcome(self, outcome: Outcome, version: str) -> Rendered:
        """Render the end of a session as a view model of kind ``outcome``."""
        document = outcome_view_model(outcome, version)
        return Rendered(dumps(document, indent=self.indent), self.media_type)
