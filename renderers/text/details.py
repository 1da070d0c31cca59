"""What a page shows besides its questions: the address in use, the tariff summary, the status.

Route-specific touches are keyed by route name (every version's names; an alias reaches them
through its canonical name). A page of a route not listed here shows only its questions and
actions; a route the pack does not know at all is shown by :func:`generic_details`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from flatpeak_connect.engine.models import resolve_pointer
from flatpeak_connect.renderers.text.formatting import (
    format_date,
    format_price,
    format_time,
)
from flatpeak_connect.renderers.text.layout import table
from flatpeak_connect.renderers.text.sanitize import clean

if TYPE_CHECKING:
    from flatpeak_connect.engine.models import Page
    from flatpeak_connect.engine.spec import RouteSpec
    from flatpeak_connect.renderers.text.layout import Block
    from flatpeak_connect.renderers.text.style import Style

__all__ = ["ROUTE_DETAILS", "format_address", "generic_details", "humanise", "write_details"]

DetailWriter = Callable[["Page", "Block", "Style", str], None]

_ADDRESS_PARTS = ("address_line1", "address_line2", "city", "state", "post_code", "country_code")
_DAYS = (
    ("today", "Today's rates"),
    ("tomorrow", "Tomorrow's rates"),
    ("yesterday", "Yesterday's rates"),
)
_GENERIC_LIMIT = 40


def humanise(value: object) -> str:
    """Return an enum value as words: ``TIME_OF_DAY`` -> ``Time of day``; ``""`` for none."""
    if not value:
        return ""
    text = clean(value).replace("_", " ").strip()
    return text[:1].upper() + text[1:].lower() if text else ""


def format_address(address: object) -> str:
    """Return a postal address on one line, its empty parts left out."""
    if not isinstance(address, Mapping):
        return ""
    parts = (clean(address.get(key)).strip() for key in _ADDRESS_PARTS)
    return ", ".join(part for part in parts if part)


def _asks_address(spec: RouteSpec | None) -> bool:
    return spec is not None and any(f.pointer.startswith("/postal_address") for f in spec.fields)


def write_details(
    page: Page, spec: RouteSpec | None, block: Block, style: Style, locale: str
) -> None:
    """Write what ``page`` shows besides its questions into ``block``.

    Args:
        page: the page.
        spec: its route spec (``None``: an unknown route, shown generically).
        block: where to write.
        style: colour and width.
        locale: the locale of prices and dates.
    """
    if spec is None:
        generic_details(page, block)
        return
    address = format_address(page.data.get("postal_address"))
    if address and not _asks_address(spec):
        block.pair("Address", address)
    writer = ROUTE_DETAILS.get(spec.name)
    if writer is not None:
        writer(page, block, style, locale)


def _contract(tariff: Mapping[str, Any]) -> str:
    if tariff.get("contract_term_type") == "UNTIL_TERMINATED":
        start = format_date(tariff.get("contract_start_date"))
        return f"from {start}, until terminated" if start else "Until terminated"
    start = format_date(tariff.get("contract_start_date"))
    end = format_date(tariff.get("contract_end_date"))
    if start and end:
        return f"{start} to {end}"
    if end:
        return f"ends {end}"
    return f"from {start}" if start else ""


def _rate_rows(entries: list[Any], currency: str | None, locale: str) -> list[list[str]]:
    rows = []
    for entry in entries:
        if not isinstance(entry, Mapping):
            continue
        cost = resolve_pointer(entry, "/tariff/cost", resolve_pointer(entry, "/price/value"))
        rows.append(
            [
                format_time(entry.get("valid_from")),
                format_time(entry.get("valid_to"), end=True),
                format_price(cost, currency, locale=locale),
            ]
        )
    return rows


def tariff_summary(page: Page, block: Block, style: Style, locale: str) -> None:
    """Write a tariff summary: name, structure, contract, price, and a table of the day's rates."""
    data = page.data
    raw_tariff = data.get("tariff")
    tariff: Mapping[str, Any] = raw_tariff if isinstance(raw_tariff, Mapping) else {}
    currency = data.get("currency_code") if isinstance(data.get("currency_code"), str) else None
    block.pair("Tariff", clean(tariff.get("name")) or "(no name)")
    facts = (
        ("Structure", humanise(tariff.get("structure_type", tariff.get("structure")))),
        ("Status", humanise(tariff.get("status"))),
        ("Connected through", humanise(data.get("connection_type"))),
        ("Contract", _contract(tariff)),
        ("Price", format_price(data.get("cost"), currency, locale=locale)),
    )
    for label, text in facts:
        if text:
            block.pair(label, text)
    notes = (
        (tariff.get("tiered") is True, "Tiered tariff: the lowest tier is shown."),
        (data.get("market_rates_source") is True, "Prices follow the wholesale market."),
    )
    for shown, note in notes:
        if shown:
            block.para(note, indent=2, paint=style.dim)
    rates = data.get("rates")
    if isinstance(rates, Mapping):
        _rates_table(rates, currency, block, style, locale)


def _rates_table(
    rates: Mapping[str, Any], currency: str | None, block: Block, style: Style, locale: str
) -> None:
    """Write the first day of today, tomorrow, yesterday that has rates, as a table."""
    block.blank()
    for key, heading in _DAYS:
        entries = rates.get(key)
        if isinstance(entries, list) and entries:
            block.line("  " + style.bold(heading))
            block.extend(table(["From", "To", "Price"], _rate_rows(entries, currency, locale)))
            return
    block.para("No rates are available for today yet.", indent=2, paint=style.dim)


def connection_status(page: Page, block: Block, style: Style, locale: str) -> None:  # noqa: ARG001 - a DetailWriter
    """Write how the pending or failed connection was being made."""
    kind = page.data.get("connection_type")
    if kind:
        block.pair("Connection", humanise(kind))


def _scalar_lines(value: Any, path: str, out: list[tuple[str, str]], depth: int) -> None:
    if len(out) >= _GENERIC_LIMIT:
        return
    if isinstance(value, Mapping):
        for key, item in value.items():
            _scalar_lines(item, f"{path}.{key}" if path else str(key), out, depth + 1)
    elif isinstance(value, list):
        if all(not isinstance(item, Mapping | list) for item in value):
            out.append((path, ", ".join(clean(item) for item in value) or "(none)"))
        else:
            for index, item in enumerate(value, start=1):
                _scalar_lines(item, f"{path} {index}", out, depth + 1)
    elif value is None:
        out.append((path, "-"))
    else:
        out.append((path, clean(value)))


def generic_details(page: Page, block: Block) -> None:
    """Write the data of a page whose route is unknown: one ``label: value`` line per value.

    Nested objects are flattened into dotted labels (``provider.display_name``) and list items
    numbered; the listing stops after forty lines, so a huge page cannot flood the terminal.
    """
    lines: list[tuple[str, str]] = []
    _scalar_lines(page.data, "", lines, 0)
    for label, value in lines[:_GENERIC_LIMIT]:
        block.pair(clean(label), value)
    if len(lines) >= _GENERIC_LIMIT:
        block.para("(more not shown)", indent=2)


ROUTE_DETAILS: Mapping[str, DetailWriter] = {
    "summary_fixed_confirm": tariff_summary,
    "summary_tou_confirm": tariff_summary,
    "tariffs_summary": tariff_summary,
    "tariff_summary": tariff_summary,
    "summary_tariff_inprogress": connection_status,
    "summary_tariff_failed": connection_status,
    "tariff_connection_pending": connection_status,
    "tariff_connection_failed": connection_status,
}
"""Route-specific touches, by route name (zero's and anode's)."""
