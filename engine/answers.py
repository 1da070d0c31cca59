"""The form side of a route spec: current values, choices, offered actions, and the answer.

Every renderer that asks a person something (HTML forms, terminal prompts) and every input
source that turns what they typed into a :class:`~flatpeak_connect.engine.models.Submission`
needs the same few rules, so they live here, once, free of any I/O:

- :func:`offered_actions` -- the actions a customer may take on a page;
- :func:`field_choices` -- a choice field's options, taken from the page;
- :func:`current_value` -- what a field holds now (the customer's kept answer, else Connect's);
- :func:`to_form` -- a wire value as a person reads and types it (``0.245`` GBP -> ``"24.5"``);
- :func:`build_answer` -- form values (by field name) into the answer's ``data``, by pointer:
  numeric pointer tokens create arrays, ``omit_empty``/``null_when_empty`` are honoured, money
  typed in minor units is sent in major units, dates go out as ``YYYY-MM-DDT00:00:00Z``.

Money: prices per kWh are sent in major units (pounds) but people quote them in minor units
(pence) where that is the custom: ``24.5p/kWh``. :func:`money_unit` says, for a currency, how many
decimal digits its minor unit has (from Babel's CLDR data) and which letter people write after a
minor-unit price.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any, Literal

import attrs
from babel.numbers import get_currency_precision, is_currency

from flatpeak_connect.engine.models import FieldError, Page, is_array_index, resolve_pointer
from flatpeak_connect.engine.validation import pointer_matches

if TYPE_CHECKING:
    from flatpeak_connect.engine.spec import FieldSpec, ProtocolPack, RouteSpec

__all__ = [
    "BuiltAnswer",
    "Choice",
    "MoneyUnit",
    "build_answer",
    "current_value",
    "date_to_wire",
    "field_choices",
    "field_currency",
    "money_unit",
    "offered_actions",
    "parse_time",
    "set_pointer",
    "to_form",
]

MoneyEntry = Literal["minor", "major"]
"""How a person typed a price: in minor units where the currency has a custom for it, or major."""

# CLDR (and so Babel) knows each currency's symbol, name and number of decimal digits, but not
# the letter written after a price in its minor unit. These are the currencies whose unit
# prices people quote in minor units, with that letter; every other currency is shown and
# typed in major units. This is a custom about energy prices, not a currency table.
_MINOR_UNIT_CUSTOM: Mapping[str, str] = {"GBP": "p", "EUR": "c", "USD": "¢"}

_TIME_RE = re.compile(r"^(\d{1,2})(?::(\d{2}))?(?::(\d{2}))?$")
_ABSENT = object()
_DATE_RE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:T00:00:00(?:\.0+)?Z)?$")


@attrs.frozen
class Choice:
    """One option of a choice field.

    Attributes:
        value: what is sent.
        label: what a person reads.
        hint: a second line (a tariff's description), if any.
    """

    value: str
    label: str
    hint: str | None = None


@attrs.frozen
class MoneyUnit:
    """How prices in one currency are written and typed.

    Attributes:
        currency: the ISO 4217 code, upper case.
        digits: decimal digits of the minor unit (2 for GBP, 0 for JPY), from CLDR.
        minor_symbol: the letter written after a minor-unit price (``p``), or ``None`` when
            people quote this currency's prices in major units.
    """

    currency: str
    digits: int
    minor_symbol: str | None = None

    @property
    def uses_minor(self) -> bool:
        """Whether prices are shown and typed in minor units (``24.5p``)."""
        return self.minor_symbol is not None and self.digits > 0

    def to_major(self, minor: Decimal) -> Decimal:
        """Convert an amount in minor units to major units (``24.5`` -> ``0.245``)."""
        return minor.scaleb(-self.digits)

    def to_minor(self, major: Decimal) -> Decimal:
        """Convert an amount in major units to minor units (``0.245`` -> ``24.5``)."""
        return major.scaleb(self.digits)


@attrs.frozen
class BuiltAnswer:
    """The ``data`` built from form values, and the values that could not be read.

    Attributes:
        data: the answer's ``data``, ready to validate and send.
        errors: one FieldError (source ``client``) per value that could not be parsed, with the
            pointer of the field; such a field is left out of ``data``.
    """

    data: dict[str, Any]
    errors: tuple[FieldError, ...] = ()


def money_unit(currency: str | None) -> MoneyUnit | None:
    """Return how prices in ``currency`` are written, or ``None`` for an unknown currency.

    Args:
        currency: an ISO 4217 code (any case), or ``None``.

    Returns:
        The currency's unit, with ``minor_symbol`` set where people quote prices in minor units.
    """
    if not currency or not isinstance(currency, str):
        return None
    code = currency.strip().upper()
    if not is_currency(code):
        return None
    return MoneyUnit(code, get_currency_precision(code), _MINOR_UNIT_CUSTOM.get(code))


def offered_actions(page: Page, pack: ProtocolPack) -> tuple[str, ...]:
    """Return the actions a customer may take on ``page``, in the order to offer them.

    Connect's own ``actions`` come first, in its order; the version's universal actions (anode's
    ``BACK`` and ``CLOSE``) follow when the page did not list them. Actions a route documents but
    the page does not offer are not offered: the server decides.

    Args:
        page: the page shown.
        pack: the page's protocol version.

    Returns:
        Action names, without duplicates.
    """
    names = list(dict.fromkeys(page.actions))
    spec = pack.route(page.route)
    if spec is None or spec.kind == "page":
        names.extend(a for a in pack.universal_actions if a not in names)
    return tuple(names)


def _text(value: Any) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else str(value)


def field_choices(field: FieldSpec, data: Mapping[str, Any]) -> tuple[Choice, ...]:
    """Return the options of a choice field, read from the page's ``data``.

    Args:
        field: a field spec (any type; only ``choice`` fields have options).
        data: the page's ``data``.

    Returns:
        The options in the page's order; empty when the field has none.
    """
    spec = field.choices
    if spec is None:
        return ()
    if spec.static:
        return tuple(Choice(option.value, option.label) for option in spec.static)
    if spec.from_ is None:
        return ()
    items = resolve_pointer(data, spec.from_)
    if not isinstance(items, list):
        return ()
    choices: list[Choice] = []
    for item in items:
        if isinstance(item, Mapping):
            value = _text(resolve_pointer(item, spec.value or "/id"))
            label = _text(resolve_pointer(item, spec.label)) if spec.label else ""
            hint = _text(resolve_pointer(item, spec.hint)) if spec.hint else ""
        else:
            value = _text(item)
            label, hint = spec.labels.get(value, ""), ""
        if value:
            choices.append(Choice(value, label or value, hint or None))
    return tuple(choices)


def field_currency(field: FieldSpec, data: Mapping[str, Any]) -> str | None:
    """Return the ISO 4217 code a money field's price is in, read from the page, or ``None``."""
    if field.currency is None:
        return None
    code = resolve_pointer(data, field.currency)
    return code.upper() if isinstance(code, str) and code else None


def current_value(field: FieldSpec, page: Page, kept: Mapping[str, Any] | None = None) -> Any:
    """Return the wire value a field holds now.

    The customer's kept answer (``kept``, the ``data`` they last sent or tried to send) wins over
    what Connect pre-filled, so a page shown again with errors shows what they typed.

    Args:
        field: the field.
        page: the page that asks it.
        kept: the customer's last answer on this page, if any.

    Returns:
        The value at the field's pointer in ``kept``, else at its value pointer in the page.
    """
    if kept:
        value = resolve_pointer(kept, field.pointer, _ABSENT)
        if value is not _ABSENT:
            return value
    return page.value(field.value_pointer)


def _decimal(value: Any) -> Decimal | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return Decimal(str(value))
    return None


def _plain(number: Decimal) -> str:
    text = format(number.normalize(), "f")
    return "0" if text in {"-0", ""} else text


def to_form(
    field: FieldSpec,
    value: Any,
    data: Mapping[str, Any] | None = None,
    *,
    currency: str | None = None,
    unit: MoneyUnit | None = None,
) -> Any:
    """Return a wire value as a person reads and types it.

    Money in a currency quoted in minor units becomes minor units (``0.245`` -> ``"24.5"``), a
    zero price an empty string (nothing entered yet), a date its ``YYYY-MM-DD`` part, a time its
    ``HH:MM``; a ``periods`` value becomes a list of dicts of item field names to form values.

    Args:
        field: the field the value belongs to.
        value: the wire value (from :func:`current_value`).
        data: the page's data, where a money field's currency is found.
        currency: the currency when the field does not say (a period's price: its parent's).
        unit: the money unit to use, when the caller has already looked it up; it wins over
            ``data`` and ``currency``.

    Returns:
        A string, or for ``periods`` a list of dicts of strings.
    """
    data = data if data is not None else {}
    currency = field_currency(field, data) or currency
    if field.type == "periods":
        rows = value if isinstance(value, list) else []
        return [
            {
                item.name: to_form(
                    item, resolve_pointer(entry, item.pointer), data, currency=currency, unit=unit
                )
                for item in field.items
            }
            for entry in rows
            if isinstance(entry, Mapping)
        ]
    if value is None:
        return ""
    if field.type in {"money", "percentage"}:
        if field.type == "money":
            return _number_to_form(value, unit if unit is not None else money_unit(currency))
        return _number_to_form(value, None)
    if field.type in {"date", "time"} and isinstance(value, str):
        return _moment_to_form(field.type, value)
    return _text(value)


def _number_to_form(value: Any, unit: MoneyUnit | None) -> str:
    number = _decimal(value)
    if number is None:
        return _text(value)
    if number == 0:
        return ""
    if unit is not None and unit.uses_minor:
        number = unit.to_minor(number)
    return _plain(number)


def _moment_to_form(kind: str, value: str) -> str:
    if kind == "date":
        return value[:10] if _DATE_PREFIX.match(value) else value
    parsed = parse_time(value)
    return parsed[:5] if parsed else value


_DATE_PREFIX = re.compile(r"^\d{4}-\d{2}-\d{2}")


def parse_time(text: str) -> str | None:
    """Read a time of day as a person types it (``7``, ``7:30``, ``07:30:00``).

    Args:
        text: what was typed.

    Returns:
        ``HH:MM:SS``, or ``None`` when ``text`` is not a time. ``24:00`` means the end of the
        day and is returned as ``00:00:00``, as Connect writes it.
    """
    match = _TIME_RE.match(text.strip())
    if match is None:
        return None
    hours, minutes, seconds = (int(part or 0) for part in match.groups())
    if (hours, minutes, seconds) == (24, 0, 0):
        hours = 0
    if hours > 23 or minutes > 59 or seconds > 59:  # noqa: PLR2004 - the clock's limits
        return None
    return f"{hours:02d}:{minutes:02d}:{seconds:02d}"


def date_to_wire(text: str) -> str | None:
    """Return the wire form of a date a person picked (``2026-01-31`` -> ``2026-01-31T00:00:00Z``).

    The date is the calendar date picked, never a local midnight shifted to UTC (``DESIGN.md``).

    Args:
        text: ``YYYY-MM-DD``, or the wire form itself.

    Returns:
        ``YYYY-MM-DDT00:00:00Z``, or ``None`` when ``text`` is not a real date.
    """
    match = _DATE_RE.match(text.strip())
    if match is None:
        return None
    try:
        day = dt.date(*(int(part) for part in match.groups()))
    except ValueError:
        return None
    return f"{day.isoformat()}T00:00:00Z"


def _number(text: str, unit: MoneyUnit | None) -> Decimal | None:
    cleaned = text.strip().replace(" ", "").replace("_", "")
    if unit is not None and unit.minor_symbol and cleaned.endswith(unit.minor_symbol):
        cleaned = cleaned[: -len(unit.minor_symbol)]
    cleaned = cleaned.removesuffix("%")
    if cleaned.count(",") == 1 and "." not in cleaned:
        # A comma as the decimal mark (24,5), as FlatPeak's own client accepts.
        cleaned = cleaned.replace(",", ".")
    if not re.fullmatch(r"[-+]?(\d+(\.\d*)?|\.\d+)", cleaned):
        return None
    try:
        return Decimal(cleaned)
    except InvalidOperation:  # pragma: no cover - the pattern above admits only decimals
        return None


def _parse_code(route: RouteSpec | None, pointer: str) -> str:
    """The documented code for an unreadable value at ``pointer``: its pattern/type code."""
    if route is not None:
        for code, spec in route.errors.items():
            keywords = {"pattern", "type", "format"}
            if pointer_matches(spec.pointer, pointer) and keywords.intersection(spec.when):
                return code
    return "data_json_invalid"


_PARSE_MESSAGES: Mapping[str, str] = {
    "money": "Enter the price as a number, such as {example}.",
    "percentage": "Enter a percentage as a number, such as 5.",
    "date": "Enter a date as YYYY-MM-DD, such as 2026-01-31.",
    "time": "Enter a time as HH:MM, such as 07:30.",
}


def _parse_message(field: FieldSpec, unit: MoneyUnit | None, entry: MoneyEntry) -> str:
    example = "24.5" if unit is None or (entry == "minor" and unit.uses_minor) else "0.245"
    return _PARSE_MESSAGES.get(field.type, "Enter a valid value.").format(example=example)


def _is_empty(raw: Any) -> bool:
    return raw is None or (isinstance(raw, str) and not raw.strip())


def _convert(
    field: FieldSpec, raw: Any, unit: MoneyUnit | None, entry: MoneyEntry
) -> tuple[Any, bool]:
    """Convert one non-empty raw value to its wire form; the flag is False when unreadable."""
    converted: Any = None
    if field.type in {"money", "percentage"}:
        number = _decimal(raw) if not isinstance(raw, str) else _number(raw, unit)
        if number is not None:
            minor = field.type == "money" and entry == "minor" and unit is not None
            if minor and unit is not None and unit.uses_minor:
                number = unit.to_major(number)
            converted = int(number) if number == number.to_integral_value() else float(number)
    elif field.type == "date":
        converted = date_to_wire(raw) if isinstance(raw, str) else None
    elif field.type == "time":
        converted = parse_time(raw) if isinstance(raw, str) else None
    elif field.type == "country":
        converted = raw.strip().upper() if isinstance(raw, str) else None
    elif isinstance(raw, str):
        converted = raw.strip()
    elif isinstance(raw, bool | int | float):
        converted = raw
    return converted, converted is not None


def set_pointer(document: dict[str, Any], pointer: str, value: Any) -> None:
    """Set ``value`` at an RFC 6901 pointer in ``document``, creating what is missing.

    A token that is a number creates (or extends) an array, so ``/options/0`` makes
    ``{"options": [value]}``; any other token creates an object.

    Args:
        document: the object to change in place.
        pointer: where to put ``value`` (not ``""``).
        value: the value.

    Raises:
        ValueError: when ``pointer`` is empty, or names an array member with a non-number.
        TypeError: when ``pointer`` crosses a value that is neither an object nor an array.
    """
    tokens = [t.replace("~1", "/").replace("~0", "~") for t in pointer.lstrip("/").split("/")]
    if pointer == "" or not tokens:
        raise ValueError("cannot set the whole document through a pointer")
    current: Any = document
    for index, token in enumerate(tokens):
        last = index == len(tokens) - 1
        follow: Any = None if last else ([] if is_array_index(tokens[index + 1]) else {})
        if isinstance(current, list):
            if not is_array_index(token):
                raise ValueError(f"pointer {pointer!r}: {token!r} is not an array index")
            position = int(token)
            while len(current) <= position:
                current.append(None)
            if last:
                current[position] = value
            elif current[position] is None:
                current[position] = follow
            current = current[position]
        elif isinstance(current, dict):
            if last:
                current[token] = value
            else:
                current = current.setdefault(token, follow)
        else:
            raise TypeError(f"pointer {pointer!r} crosses a {type(current).__name__}")


def _put(
    field: FieldSpec,
    raw: Any,
    target: dict[str, Any],
    context: tuple[RouteSpec | None, str, MoneyUnit | None, MoneyEntry],
    errors: list[FieldError],
) -> None:
    route, base, unit, entry = context
    pointer = base + field.pointer
    if _is_empty(raw):
        if field.omit_empty:
            return
        if field.null_when_empty:
            set_pointer(target, field.pointer, None)
        elif field.type in {"text", "country"}:
            set_pointer(target, field.pointer, "")
        return
    value, ok = _convert(field, raw, unit, entry)
    if not ok:
        message = _parse_message(field, unit, entry)
        errors.append(FieldError(pointer, _parse_code(route, pointer), message, "client"))
        return
    set_pointer(target, field.pointer, value)


def build_answer(
    spec: RouteSpec,
    values: Mapping[str, Any],
    page: Page,
    *,
    money_entry: MoneyEntry = "minor",
) -> BuiltAnswer:
    """Build an answer's ``data`` from form values, by field pointer.

    Args:
        spec: the route answered.
        values: field name -> what was entered: a string as typed, or a JSON value (a number,
            for a JSON client). A ``periods`` field takes a list of such mappings, one per
            period, keyed by the item field names. Fields missing from ``values`` count as empty.
        page: the page answered (for the currency of money fields).
        money_entry: ``"minor"`` when prices were typed in minor units wherever the currency
            is quoted that way (24.5 for 24.5p); ``"major"`` when they are already in major
            units, as on the wire.

    Returns:
        The ``data`` and the values that could not be read (each left out of ``data``).
    """
    data: dict[str, Any] = {}
    errors: list[FieldError] = []
    for field in spec.fields:
        unit = money_unit(field_currency(field, page.data)) if field.type == "money" else None
        raw = values.get(field.name)
        if field.type != "periods":
            _put(field, raw, data, (spec, "", unit, money_entry), errors)
            continue
        rows = raw if isinstance(raw, Sequence) and not isinstance(raw, str) else []
        built: list[dict[str, Any]] = []
        for index, row in enumerate(rows):
            item_values = row if isinstance(row, Mapping) else {}
            entry: dict[str, Any] = {}
            for item in field.items:
                item_unit = (
                    money_unit(field_currency(item, page.data) or field_currency(field, page.data))
                    if item.type == "money"
                    else None
                )
                base = f"{field.pointer}/{index}"
                context = (spec, base, item_unit, money_entry)
                _put(item, item_values.get(item.name), entry, context, errors)
            built.append(entry)
        if built or not field.omit_empty:
            set_pointer(data, field.pointer, built)
    return BuiltAnswer(data, tuple(errors))
