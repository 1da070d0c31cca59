"""Prices, dates and rate charts for people, with Babel (CLDR) doing the locale work.

Money travels in major units (0.245 GBP per kWh). Where people read energy prices in the
minor unit (24.5p, 12.3c, 9.8¢) the flow shows them that way; which currencies those are, and
how many minor units make a major one, is decided once for every renderer by
:func:`flatpeak_connect.engine.answers.money_unit` (the same rule turns what a customer types
back into major units). Currency symbols, number formats, dates and times come from CLDR
through Babel.
"""

from __future__ import annotations

import datetime as dt
import functools
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

import attrs
from babel import Locale
from babel.core import get_global
from babel.dates import format_date, format_time
from babel.numbers import format_currency, format_decimal, get_currency_symbol

from flatpeak_connect.engine.answers import money_unit

if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = [
    "InputUnit",
    "RateBar",
    "RateChart",
    "RateRow",
    "contract_date",
    "countries",
    "input_unit",
    "parse_timestamp",
    "price_text",
    "rate_chart",
    "rate_rows",
]

_DAY_MINUTES = 24 * 60
_LABEL_WIDTH = 44  # the narrowest bar (in chart units) that has room for its price


def _as_decimal(value: Any) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal | str):
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


@attrs.frozen
class InputUnit:
    """The unit printed beside a price input.

    Attributes:
        symbol: ``p`` for a minor-unit price, ``£`` for a major-unit one, ``""`` when the
            currency is not known.
        prefix: whether ``symbol`` goes before the number (``£``) or after it (``p``).
    """

    symbol: str
    prefix: bool


def input_unit(currency: str | None, locale: str) -> InputUnit:
    """Return the unit shown beside a price input in ``currency``.

    Args:
        currency: the ISO 4217 code of the field (``None``: unknown, a plain number).
        locale: a Babel locale name (``en_GB``).

    Returns:
        The minor-unit letter after the number, or the currency symbol where CLDR puts it.
    """
    unit = money_unit(currency)
    if unit is None:
        return InputUnit("", prefix=False)
    if unit.uses_minor and unit.minor_symbol is not None:
        return InputUnit(unit.minor_symbol, prefix=False)
    pattern = Locale.parse(locale).currency_formats["standard"].pattern
    return InputUnit(
        get_currency_symbol(unit.currency, locale=locale),
        prefix=pattern.lstrip().startswith("\u00a4"),
    )


def price_text(major: Any, currency: str | None, locale: str) -> str:
    """Return a unit price for reading: ``24.5p`` or ``SEK 1.25`` (``""`` when not a number).

    Args:
        major: the price in major units, as Connect sends it.
        currency: the ISO 4217 code, if known.
        locale: a Babel locale name.

    Returns:
        The price with its unit, formatted for ``locale``.
    """
    number = _as_decimal(major)
    if number is None:
        return ""
    unit = money_unit(currency)
    if unit is not None and unit.uses_minor:
        shown = format_decimal(unit.to_minor(number), format="#,##0.##", locale=locale)
        return f"{shown}{unit.minor_symbol}"
    if unit is not None:
        return format_currency(number, unit.currency, locale=locale, decimal_quantization=False)
    return format_decimal(number, format="#,##0.####", locale=locale)


def parse_timestamp(value: Any) -> dt.datetime | None:
    """Return an RFC 3339 timestamp as an aware datetime, or ``None`` when it is not one."""
    if not isinstance(value, str) or not value:
        return None
    try:
        stamp = dt.datetime.fromisoformat(value)
    except ValueError:
        return None
    return stamp if stamp.tzinfo is not None else stamp.replace(tzinfo=dt.UTC)


def contract_date(value: Any, locale: str) -> str | None:
    """Return a contract date for reading (``31 January 2026``), or ``None`` when there is none.

    The date part is taken as sent: Connect writes a picked date as midnight UTC, and shifting it
    into another zone would show the day before. FlatPeak's "no end date" marker (year 1) reads
    as no date.
    """
    stamp = parse_timestamp(value)
    if stamp is None or stamp.year <= 1:
        return None
    return format_date(stamp.date(), format="long", locale=locale)


@functools.cache
def countries(locale: str) -> tuple[tuple[str, str], ...]:
    """Return ``(ISO 3166-1 alpha-2 code, name)`` for every country, sorted by name in ``locale``.

    The list is CLDR's territories that have a two-letter code and a currency in use today, which
    leaves out CLDR's groupings and test codes (``UN``, ``EZ``, ``XA``, ``ZZ`` ...); the European
    Union (``EU``) has a currency but is not a country, so it is left out by name.
    """
    names = Locale.parse(locale).territories
    tenders = get_global("territory_currencies")
    found = [
        (code, name)
        for code, name in names.items()
        if len(code) == 2  # noqa: PLR2004 - alpha-2 codes only
        and code.isalpha()
        and code != "EU"
        and any(tender and end is None for (_c, _s, end, tender) in tenders.get(code, ()))
    ]
    return tuple(sorted(found, key=lambda item: item[1].casefold()))


@attrs.frozen
class RateRow:
    """One period of a day's prices, ready to show.

    Attributes:
        start: the start time for reading (``06:30``).
        end: the end time for reading (``24:00`` at the end of the day).
        price: the price for reading (``31.2p``).
        cost: the price in major units, as sent.
        start_minute: minutes after the day's midnight at which the period starts.
        end_minute: minutes after the day's midnight at which it ends (at most 1440).
    """

    start: str
    end: str
    price: str
    cost: float
    start_minute: int
    end_minute: int


def _minute_of_day(stamp: dt.datetime, day: dt.date) -> int:
    midnight = dt.datetime.combine(day, dt.time(), tzinfo=stamp.tzinfo)
    minutes = int((stamp - midnight).total_seconds() // 60)
    return max(0, min(_DAY_MINUTES, minutes))


def rate_rows(entries: Sequence[Any], currency: str | None, locale: str) -> tuple[RateRow, ...]:
    """Turn one day's rate entries (``{valid_from, valid_to, tariff: {cost}}``) into rows.

    Times are shown in the offset Connect sent them in (the location's own clock). Entries that
    lack a readable time or cost are left out rather than guessed at.

    Args:
        entries: the day's list from ``data.rates``.
        currency: the ISO 4217 code.
        locale: a Babel locale name.

    Returns:
        The rows, in the order sent.
    """
    rows: list[RateRow] = []
    for entry in entries:
        if not isinstance(entry, dict):
            continue
        start = parse_timestamp(entry.get("valid_from"))
        end = parse_timestamp(entry.get("valid_to"))
        tariff = entry.get("tariff")
        cost = tariff.get("cost") if isinstance(tariff, dict) else None
        amount = _as_decimal(cost)
        if start is None or end is None or amount is None:
            continue
        day = start.date()
        end_minute = _minute_of_day(end.astimezone(start.tzinfo), day)
        rows.append(
            RateRow(
                start=format_time(start, "HH:mm", locale=locale),
                end="24:00"
                if end_minute == _DAY_MINUTES
                else format_time(end, "HH:mm", locale=locale),
                price=price_text(cost, currency, locale),
                cost=float(amount),
                start_minute=_minute_of_day(start, day),
                end_minute=end_minute,
            )
        )
    return tuple(rows)


@attrs.frozen
class RateBar:
    """One bar of the rate chart, in the chart's own coordinates (see :class:`RateChart`).

    Attributes:
        x: the left edge.
        y: the top edge.
        width: the width (the period's share of the day).
        height: the height (the price's share of the chart's range).
        price: the price for reading, printed over a bar wide enough to hold it.
        negative: whether the price is below zero (the bar hangs under the zero line).
        label_y: where the price's baseline goes, when it is printed.
        labelled: whether the bar is wide enough for its price.
    """

    x: float
    y: float
    width: float
    height: float
    price: str
    negative: bool
    label_y: float
    labelled: bool

    @property
    def centre(self) -> float:
        """The x of the bar's middle, where its price is printed."""
        return round(self.x + self.width / 2, 2)


@attrs.frozen
class RateChart:
    """A bar chart of one day's prices: geometry only; the template draws it as inline SVG.

    Attributes:
        width: the viewBox width.
        height: the viewBox height.
        baseline: the y of the zero line.
        bars: one bar per period; its width is the period's share of the day.
        ticks: ``(x, label)`` for the hour marks under the chart.
        description: the chart in words, its text alternative.
    """

    width: int
    height: int
    baseline: float
    bars: tuple[RateBar, ...]
    ticks: tuple[tuple[float, str], ...]
    description: str


def rate_chart(rows: Sequence[RateRow], *, width: int = 600, height: int = 180) -> RateChart | None:
    """Lay out a bar chart of ``rows`` (one day), or return ``None`` when there is nothing to draw.

    Args:
        rows: the day's periods from :func:`rate_rows`.
        width: the viewBox width.
        height: the viewBox height (the hour labels sit under it).

    Returns:
        The chart, with a sentence per period as its text alternative.
    """
    if not rows:
        return None
    top = max(*(r.cost for r in rows), 0.0)
    bottom = min(*(r.cost for r in rows), 0.0)
    span = (top - bottom) or 1.0
    head, foot = 20, 24  # room for the prices over the bars and the hour labels under them
    plot = height - head - foot
    baseline = head + plot * top / span
    bars = []
    for row in rows:
        bar_height = max(abs(row.cost) / span * plot, 1.0)
        x = row.start_minute / _DAY_MINUTES * width
        bar_width = max((row.end_minute - row.start_minute) / _DAY_MINUTES * width - 1, 1.0)
        y = baseline - bar_height if row.cost >= 0 else baseline
        bars.append(
            RateBar(
                x=round(x, 2),
                y=round(y, 2),
                width=round(bar_width, 2),
                height=round(bar_height, 2),
                price=row.price,
                negative=row.cost < 0,
                label_y=round(y - 5 if row.cost >= 0 else y + bar_height + 14, 2),
                labelled=bar_width >= _LABEL_WIDTH,
            )
        )
    ticks = tuple((hour / 24 * width, f"{hour:02d}:00") for hour in (0, 6, 12, 18, 24))
    description = " ".join(f"From {r.start} to {r.end}, {r.price} per kWh." for r in rows)
    return RateChart(
        width=width,
        height=height,
        baseline=round(baseline, 2),
        bars=tuple(bars),
        ticks=ticks,
        description=description,
    )
