"""The simulator's own checks of what a customer answers: the server side of Connect's codes.

These are written from ``CONNECT.md`` alone, not shared with the engine, so that the engine's
client-side checks and these server-side ones are two independent readings of the protocol; a
test that runs one against the other finds where they disagree.

Each check returns ``None`` when the value passes, or a :class:`Rejection` with the documented
code and a message a customer can act on.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, date, datetime, tzinfo
from typing import Any

import attrs

__all__ = [
    "COUNTRY_CODES",
    "DAY_SECONDS",
    "UNTIL_TERMINATED_SENTINEL",
    "ContractDate",
    "Rejection",
    "is_number",
    "parse_contract_date",
    "parse_time",
    "period_coverage_problem",
    "period_spans",
]

DAY_SECONDS = 24 * 60 * 60

# ISO 3166-1 alpha-2, the officially assigned codes (249).
COUNTRY_CODES = frozenset(
    """
    AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ
    BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM
    DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS
    GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN
    KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ
    MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM
    PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV
    SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI
    VN VU WF WS YE YT ZA ZM ZW
    """.split()  # noqa: SIM905 - 249 codes read better as a block than as quoted items
)

UNTIL_TERMINATED_SENTINEL = "0001-01-01T00:00:00Z"
"""What zero posts as ``contract_end_date`` for a contract with no end (``CONNECT.md`` §3.14)."""

_GAP_NEEDS = 2  # a gap lies *between* periods, so there must be two of them

_TIME = re.compile(r"([01][0-9]|2[0-3]):([0-5][0-9]):([0-5][0-9])")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_DATE_TIME = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}:[0-9]{2}"
    r"(\.[0-9]+)?([Zz]|[+-][0-9]{2}:[0-9]{2})"
)


@attrs.frozen
class Rejection:
    """A validation failure: the documented code and what the customer reads."""

    code: str
    message: str


def is_number(value: Any) -> bool:
    """Return whether ``value`` is a JSON number a price can be (``true`` and ``false`` are not).

    A number beyond a double (``1e400`` reads as infinity, ``10**400`` as an int too large for a
    float) is not: echoed back it would be ``Infinity``, which is not JSON.
    """
    if not isinstance(value, int | float) or isinstance(value, bool):
        return False
    try:
        return math.isfinite(value)
    except OverflowError:
        return False


def parse_time(value: Any) -> int | None:
    """Return seconds since midnight for an ``HH:MM:SS`` string, or ``None``."""
    if not isinstance(value, str):
        return None
    match = _TIME.fullmatch(value)
    if match is None:
        return None
    hours, minutes, seconds = (int(part) for part in match.groups())
    return hours * 3600 + minutes * 60 + seconds


def period_spans(periods: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Turn ``(valid_from, valid_to)`` second pairs into ``(start, length)`` pairs.

    A period whose end is at or before its start runs past midnight, so ``00:00:00``-``00:00:00``
    is the whole day.
    """
    return [(start, (end - start) % DAY_SECONDS or DAY_SECONDS) for start, end in periods]


def _covered(spans: list[tuple[int, int]]) -> int:
    # Lay every span on a single day, cutting the ones that run past midnight in two, and
    # measure the union.
    pieces: list[tuple[int, int]] = []
    for start, length in spans:
        end = start + length
        if end <= DAY_SECONDS:
            pieces.append((start, end))
        else:
            pieces.extend([(start, DAY_SECONDS), (0, end - DAY_SECONDS)])
    pieces.sort()
    covered = reach = 0
    for start, end in pieces:
        if end > reach:
            covered += end - max(start, reach)
            reach = end
    return covered


def period_coverage_problem(periods: list[tuple[int, int]]) -> Rejection | None:
    """Decide whether time-of-day periods cover the day exactly once.

    The rule the simulator applies (``CONNECT.md`` §3.9 names the codes, not the rule):

    - two or more periods that leave part of the day uncovered: ``gap_in_time_period``;
    - otherwise, lengths that do not add up to 24 hours (a single period short of a whole day,
      or periods that overlap): ``incomplete_time_period``.

    Args:
        periods: ``(valid_from, valid_to)`` pairs in seconds since midnight.

    Returns:
        ``None`` when the periods tile the day, else the rejection.
    """
    spans = period_spans(periods)
    if len(spans) >= _GAP_NEEDS and _covered(spans) < DAY_SECONDS:
        return Rejection(
            "gap_in_time_period",
            "Your time periods leave part of the day without a price. "
            "Make each period start when the one before it ends.",
        )
    if sum(length for _, length in spans) != DAY_SECONDS:
        return Rejection(
            "incomplete_time_period",
            "Your time periods must add up to exactly 24 hours, with no overlaps.",
        )
    return None


@attrs.frozen
class ContractDate:
    """A contract date as the customer meant it: a calendar day, or no end at all."""

    day: date | None
    until_terminated: bool = False


def parse_contract_date(value: str, zone: tzinfo) -> ContractDate | None:
    """Read a contract date posted on ``contract_term_capture``.

    Accepts RFC 3339 date-times and plain ``YYYY-MM-DD`` dates. The documented wire format is
    midnight UTC of the date picked (``2026-01-31T00:00:00Z``), and that is read as written.
    FlatPeak's web client sends the customer's *local* midnight converted to UTC
    (``2027-03-30T23:00:00.000Z`` for 31 March in UTC+1); any other time of day is therefore
    read in the address's time zone, which gives back the date the customer picked. zero's
    ``0001-01-01T00:00:00Z`` means "until terminated".

    Args:
        value: the posted string.
        zone: the time zone of the session's address.

    Returns:
        The date, or ``None`` when ``value`` is not a date in a format Connect accepts.
    """
    if value == UNTIL_TERMINATED_SENTINEL:
        return ContractDate(day=None, until_terminated=True)
    try:
        if _DATE.fullmatch(value):
            return ContractDate(day=date.fromisoformat(value))
        if not _DATE_TIME.fullmatch(value):
            return None
        moment = datetime.fromisoformat(value.replace("z", "Z"))
    except ValueError:
        return None
    as_utc = moment.astimezone(UTC)
    if as_utc.time() == datetime.min.time():
        return ContractDate(day=as_utc.date())
    return ContractDate(day=moment.astimezone(zone).date())
