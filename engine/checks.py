"""The named semantic checks a route's error spec can ask for (``"check": "<name>"``).

JSON Schema says what shape an answer has; it cannot say that a list of time-of-day periods
covers the whole day. The checks here decide what it cannot, so that the client returns the
same code Connect would (``gap_in_time_period``, ``incomplete_time_period``) before a round trip.

A check takes the value found at its error spec's pointer in the answer's ``data`` and returns
``True`` when the value passes. Checks run only on answers whose shape is valid, but they still
refuse to guess: a value they cannot read passes, and the schema is left to speak for it.

The time-of-day rules (``CONNECT.md`` §2.4, §3.9):

- a period is ``{"valid_from": "HH:MM:SS", "valid_to": "HH:MM:SS", ...}``;
- a period whose ``valid_to`` is at or before its ``valid_from`` runs past midnight, so
  ``22:00:00``-``06:00:00`` covers eight hours and ``00:00:00``-``00:00:00`` the whole day;
- ``time_periods_gap`` fails when two or more periods leave part of the day uncovered between
  them;
- ``time_periods_complete`` fails when the periods' lengths do not add up to exactly 24 hours
  (a part of the day left out, or two periods that overlap).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

__all__ = [
    "CHECKS",
    "DAY_SECONDS",
    "Check",
    "parse_periods",
    "periods_add_up_to_a_day",
    "periods_leave_no_gap",
]

DAY_SECONDS = 24 * 60 * 60

Check = Callable[[Any], bool]
"""A semantic check: takes the value at the error spec's pointer, returns ``True`` if it passes."""

_TIME = re.compile(r"([01][0-9]|2[0-3]):([0-5][0-9]):([0-5][0-9])")


def _seconds(value: Any) -> int | None:
    if not isinstance(value, str):
        return None
    match = _TIME.fullmatch(value)
    if match is None:
        return None
    hours, minutes, seconds = (int(part) for part in match.groups())
    return hours * 3600 + minutes * 60 + seconds


def parse_periods(value: Any) -> list[tuple[int, int]] | None:
    """Read time-of-day periods as ``(start, length)`` pairs in seconds.

    Args:
        value: the answer's list of periods, each with ``valid_from`` and ``valid_to``.

    Returns:
        One ``(start, length)`` per period, in the order given, where ``length`` is between
        1 second and 24 hours (a period ending at or before its start runs past midnight);
        ``None`` when ``value`` is not a list of periods with readable ``HH:MM:SS`` times.
    """
    if not isinstance(value, Sequence) or isinstance(value, str):
        return None
    periods: list[tuple[int, int]] = []
    for item in value:
        if not isinstance(item, Mapping):
            return None
        start = _seconds(item.get("valid_from"))
        end = _seconds(item.get("valid_to"))
        if start is None or end is None:
            return None
        length = end - start if end > start else end - start + DAY_SECONDS
        periods.append((start, length))
    return periods


def _covered_seconds(periods: Sequence[tuple[int, int]]) -> int:
    """Return how much of the day the union of ``periods`` covers, in seconds."""
    # Unroll each period onto a two-day line so that one running past midnight is one interval;
    # then fold the second day back by measuring the union modulo a day.
    intervals: list[tuple[int, int]] = []
    for start, length in periods:
        end = start + length
        if end <= DAY_SECONDS:
            intervals.append((start, end))
        else:
            intervals.append((start, DAY_SECONDS))
            intervals.append((0, end - DAY_SECONDS))
    intervals.sort()
    covered = 0
    reach = 0
    for start, end in intervals:
        if end <= reach:
            continue
        covered += end - max(start, reach)
        reach = end
    return covered


def periods_leave_no_gap(value: Any) -> bool:
    """Check ``time_periods_gap``: two or more periods leave no part of the day uncovered.

    A single period is not judged here (there is no "between" to leave a gap in); whether it
    covers the day is :func:`periods_add_up_to_a_day`'s question.

    Args:
        value: the answer's list of periods.

    Returns:
        ``False`` when two or more periods together leave part of the day uncovered.
    """
    periods = parse_periods(value)
    if periods is None or len(periods) < 2:  # noqa: PLR2004 - "two periods" is the rule itself
        return True
    return _covered_seconds(periods) == DAY_SECONDS


def periods_add_up_to_a_day(value: Any) -> bool:
    """Check ``time_periods_complete``: the periods' lengths add up to exactly 24 hours.

    Args:
        value: the answer's list of periods.

    Returns:
        ``False`` when the lengths add up to less than a day (part of it left out) or to more
        (periods that overlap), or when the list is empty.
    """
    periods = parse_periods(value)
    if periods is None:
        return True
    return sum(length for _, length in periods) == DAY_SECONDS


CHECKS: Mapping[str, Check] = {
    "time_periods_gap": periods_leave_no_gap,
    "time_periods_complete": periods_add_up_to_a_day,
}
"""The checks a route spec may name, by name."""
