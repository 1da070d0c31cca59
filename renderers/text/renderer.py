"""The plain-text renderer: a Connect page as a terminal program shows it.

A page reads, top to bottom: the provider's name as a header, the title and its lead sentence,
a summary of any errors, what the page shows (the address in use, a tariff summary with a table
of today's rates ...), each question with its current value, numbered choices and its own errors,
and the actions a person may type. Every route of every pack is drawn from its route spec; a
route the pack does not know is drawn from its data and actions.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from flatpeak_connect.engine.answers import (
    current_value,
    field_choices,
    field_currency,
)
from flatpeak_connect.engine.models import Rendered, resolve_pointer
from flatpeak_connect.renderers.text.details import humanise, write_details
from flatpeak_connect.renderers.text.formatting import (
    DEFAULT_LOCALE,
    format_date,
    format_price,
)
from flatpeak_connect.renderers.text.layout import Block, table
from flatpeak_connect.renderers.text.sanitize import clean
from flatpeak_connect.renderers.text.style import Style
from flatpeak_connect.renderers.text.view import (
    actions_for,
    errors_for_field,
    provider_name,
    redirect_target,
    shown_fields,
)

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from flatpeak_connect.engine.models import FieldError, Page
    from flatpeak_connect.engine.spec import FieldSpec, RouteSpec
    from flatpeak_connect.engine.typing import RenderContext

__all__ = ["TextRenderer", "display_value"]


def display_value(
    field: FieldSpec, value: Any, data: Mapping[str, Any], locale: str = DEFAULT_LOCALE
) -> str:
    """Return a field's wire value as a person reads it on a page (not as they type it).

    Args:
        field: the field.
        value: its wire value.
        data: the page's data (for the currency of money fields and the labels of choices).
        locale: the locale of prices and dates.

    Returns:
        The text, cleaned of control characters; ``""`` for an empty value.
    """
    if value is None or value == "":
        return ""
    shown: str | None = None
    if field.type == "money":
        shown = format_price(value, field_currency(field, data), locale=locale)
    elif field.type == "percentage":
        shown = f"{clean(value)}%"
    elif field.type == "date":
        shown = format_date(value, locale=locale)
    elif field.type == "time" and isinstance(value, str):
        shown = value[:5]
    elif field.type == "choice":
        labels = {choice.value: choice.label for choice in field_choices(field, data)}
        shown = labels.get(value) if isinstance(value, str) else None
    return clean(shown or value)


class TextRenderer:
    """Render pages as plain text for a terminal, a log or a pipe.

    Args:
        style: colour and width (default: colour when standard output is a terminal and
            ``NO_COLOR`` is unset; the terminal's width at each render).
        locale: the locale of prices and dates.
    """

    media_type = "text/plain"

    def __init__(self, *, style: Style | None = None, locale: str = DEFAULT_LOCALE) -> None:
        self.style = style if style is not None else Style.for_stream()
        self.locale = locale

    def render(self, page: Page, errors: Sequence[FieldError], context: RenderContext) -> Rendered:
        """Render ``page`` with ``errors`` beside their fields.

        Args:
            page: the page to show.
            errors: problems with the customer's last answer (client or server).
            context: the pack, the route spec (``None`` for an unknown route) and the
                customer's kept answer.

        Returns:
            The text, ``text/plain``.
        """
        style = self.style
        block = Block(style.columns)
        spec = context.spec
        self._heading(page, spec, block)
        if errors:
            self._error_summary(spec, errors, block)
        block.blank()
        details = Block(block.width)
        write_details(page, spec, details, style, self.locale)
        if spec is not None and spec.kind != "page":
            self._destination(page, spec, details)
        if details.lines:
            block.extend(details.lines)
            block.blank()
        to_fill: list[FieldSpec] = []
        for field in shown_fields(spec, page):
            mine = errors_for_field(field, errors)
            value = current_value(field, page, context.values)
            simple = field.type != "periods" and not field_choices(field, page.data)
            if simple and not mine and not display_value(field, value, page.data, self.locale):
                to_fill.append(field)
            else:
                self._field(page, field, value, mine, block)
        if to_fill:
            block.line("  " + self.style.bold("To fill in:"))
            for field in to_fill:
                if field.hint:
                    first = f"{clean(field.label)} - "
                    block.para(clean(field.hint), indent=4, first=first, paint=self.style.dim)
                else:
                    block.line("    " + clean(field.label))
        self._actions(page, context, block)
        return Rendered(block.text(), self.media_type)

    def _heading(self, page: Page, spec: RouteSpec | None, block: Block) -> None:
        style = self.style
        provider = provider_name(page)
        if provider:
            name = clean(provider)
            rule = "=" * max(0, min(block.width, 60) - len(name) - 4)
            block.line(style.bold(f"== {name} {rule}".rstrip()))
        if spec is not None:
            block.para(clean(spec.title), paint=style.bold)
            if spec.lead:
                block.para(clean(spec.lead))
        else:
            block.para(f"Page: {humanise(page.route)}", paint=style.bold)
            block.para(
                f"This page ({clean(page.route)}) is not part of the {page.version} protocol "
                "this program knows; its contents are shown as they came."
            )

    def _error_summary(
        self, spec: RouteSpec | None, errors: Sequence[FieldError], block: Block
    ) -> None:
        style = self.style
        block.blank()
        block.line(style.error(style.bold("There is a problem:")))
        fields = spec.fields if spec is not None else ()
        for error in errors:
            owner = next((f for f in fields if error in errors_for_field(f, [error])), None)
            text = clean(error.message) or clean(error.code)
            if owner is not None:
                text = f"{clean(owner.label)}: {text}"
            block.para(text, indent=2, first="- ", paint=style.error)

    def _destination(self, page: Page, spec: RouteSpec, block: Block) -> None:
        url = redirect_target(page, spec)
        label = "Continue at" if spec.kind == "complete" else "Sign in at"
        if url:
            block.pair(label, clean(url))

    def _field(
        self,
        page: Page,
        field: FieldSpec,
        value: Any,
        errors: Sequence[FieldError],
        block: Block,
    ) -> None:
        style = self.style
        label = clean(field.label)
        choices = field_choices(field, page.data)
        if field.type == "periods":
            block.line("  " + style.bold(label) + ":")
            rows = self._period_rows(page, field, value)
            if rows:
                block.extend(table([clean(i.label) for i in field.items], rows, indent=4))
            else:
                block.line("    (none yet)")
        elif choices:
            block.line("  " + style.bold(label) + ":")
            for number, choice in enumerate(choices, start=1):
                mark = "  (current)" if value is not None and choice.value == value else ""
                first = f"{number}.".ljust(len(str(len(choices))) + 2)
                block.para(
                    clean(choice.label) + mark, indent=4, first=first, paint_first=style.accent
                )
                if choice.hint:
                    block.para(clean(choice.hint), indent=4 + len(first), paint=style.dim)
        else:
            shown = display_value(field, value, page.data, self.locale)
            paint = style.dim if not shown else str
            block.pair(label, shown or "(not given)", paint_label=style.bold, paint=paint)
        if field.hint:
            block.para(clean(field.hint), indent=4, paint=style.dim)
        for error in errors:
            block.para(clean(error.message), indent=4, first="! ", paint=style.error)

    def _period_rows(self, page: Page, field: FieldSpec, value: Any) -> list[list[str]]:
        if not isinstance(value, list):
            return []
        rows = []
        for entry in value:
            cells = []
            for item in field.items:
                raw = resolve_pointer(entry, item.pointer)
                if item.type == "money" and item.currency is None:
                    item_currency = field_currency(field, page.data)
                    cells.append(format_price(raw, item_currency, locale=self.locale))
                elif item.type == "time" and item.pointer.endswith("_to") and raw == "00:00:00":
                    # A period that ends at midnight ends at the end of the day.
                    cells.append("24:00")
                else:
                    cells.append(display_value(item, raw, page.data, self.locale))
            rows.append(cells)
        return rows

    def _actions(self, page: Page, context: RenderContext, block: Block) -> None:
        style = self.style
        actions = actions_for(page, context.pack)
        if not actions:
            return
        block.blank()
        numbered = actions[0].number is not None
        block.line(style.bold("Choose:" if numbered else "Or type:"))
        width = max(len(item.token) for item in actions)
        for item in actions:
            key = f"{item.number}. {item.token}" if item.number is not None else item.token
            pad = width + (4 if item.number is not None else 0)
            block.para(
                clean(item.label), indent=2, first=key.ljust(pad) + "  ", paint_first=style.accent
            )
