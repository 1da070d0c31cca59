"""Prices, dates and times as a person reads them, formatted with Babel (CLDR data).

A price per kWh is sent in major units (0.245 GBP); it is shown in minor units where people
quote it that way (``24.5p/kWh``) and otherwise with the currency's symbol (``¥30/kWh``).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from babel.dates import format_date as babel_format_date
from babel.numbers import format_currency, format_decimal

from flatpeak_connect.engine.answers import MoneyUnit, money_unit
from flatpeak_connect.renderers.text.sanitize import clean

__all__ = ["DEFAULT_LOCALE", "format_date", "format_price", "format_time", "parse_timestamp"]

DEFAULT_LOCALE = "en_GB"
"""The locale of numbers and dates; the product's copy is British English."""


def _decimal(amount: object) -> Decimal | None:
    if isinstance(amount, bool) or not isinstance(amount, int | float | Decimal):
        return None
    return Decimal(str(amount))


def format_price(
    amount: object,
    currency: str | None,
    *,
    per: str | None = "kWh",
    locale: str = DEFAULT_LOCALE,
) -> str:
    """Return a price as a person reads it: ``24.5p/kWh``, ``€0.1432/kWh``, ``¥30/kWh``.

    Args:
        amount: the price in major units, as on the wire.
        currency: its ISO 4217 code (``None`` or unknown: the number alone).
        per: the unit the price is for (``None``: a plain amount).
        locale: the locale of number formatting.

    Returns:
        The formatted price; ``""`` when ``amount`` is not a number.
    """
    number = _decimal(amount)
    if number is None:
        return ""
    unit: MoneyUnit | None = money_unit(currency)
    if unit is not None and unit.uses_minor and per is not None:
        minor = unit.to_minor(number)
        text = format_decimal(minor, format="#,##0.####", locale=locale) + str(unit.minor_symbol)
    elif unit is not None:
        # At least the currency's own decimals (none for JPY), and up to four: unit prices
        # are often quoted to a tenth of a penny.
        decimals = "0" * unit.digits + "#" * max(0, 4 - unit.digits)
        text = format_currency(
            number,
            unit.currency,
            format=f"¤#,##0.{decimals}",
            locale=locale,
            currency_digits=False,
        )
    else:
        text = format_decimal(number, format="#,##0.####", locale=locale)
        if currency:
            text = f"{text} {clean(currency)}"
    return f"{text}/{per}" if per else text


def parse_timestamp(value: object) -> dt.datetime | None:
    """Read an RFC 3339 timestamp, keeping the offset it was written with; ``None`` if not one."""
    if not isinstance(value, str) or not value:
        return None
    try:
        return dt.datetime.fromisoformat(value)
    except ValueError:
        return None


def format_date(value: object, *, locale: str = DEFAULT_LOCALE) -> str:
    """Return the calendar date of a timestamp or date string (``31 Jan 2026``), else ``""``.

    The date is read as written, in its own offset: ``2026-01-31T00:00:00+01:00`` is 31 January.
    """
    stamp = parse_timestamp(value)
    if stamp is None:
        return ""
    return babel_format_date(stamp.date(), format="d MMM y", locale=locale)


def format_time(value: object, *, end: bool = False) -> str:
    """Return the wall-clock time of a timestamp (``06:30``), in the offset it was written with.

    Args:
        value: an RFC 3339 timestamp.
        end: ``True`` for the end of a period, so that a period ending at midnight reads
            ``24:00`` rather than ``00:00``.

    Returns:
        ``HH:MM``, or ``""`` when ``value`` is not a timestamp.
    """
    stamp = parse_timestamp(value)
    if stamp is None:
        return ""
    if end and (stamp.hour, stamp.minute) == (0, 0):
        return "24:00"
    return f"{stamp.hour:02d}:{stamp.minute:02d}"
