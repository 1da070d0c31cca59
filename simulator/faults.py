"""Faults on request: errors, slowness and broken answers, so a client's error paths get tested.

A fault is armed (from the scenario, the admin endpoint ``/_admin/faults`` or Python) with a
kind, a count (``times``; ``None`` for every matching call) and filters: the request path
(``/``, the Connect endpoint, unless told otherwise), a connect token, a posted route. Each
matching call uses up one. Faults armed for a token are tried before global ones.

Kinds (``docs/simulator.md`` has the details):

- ``server_error``: a 5xx error object of type ``api_error``;
- ``rate_limit``: 429 with ``Retry-After``;
- ``slow``: the answer comes after ``delay`` seconds;
- ``drop``: the connection is closed with no answer;
- ``malformed_json``: a 200 whose body is cut-off JSON;
- ``schema_violation``: the page, with ``data`` replaced by a string;
- ``unknown_route``: the page, under a route no version has.

``when: "after"`` makes ``server_error`` and ``drop`` happen after the request has been
processed: the session moved on, but the client never heard, which is what a lost answer is.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

import attrs
import cattrs

from flatpeak_connect.simulator.scenario import FaultSpec, fault_schema, schema_problems
from flatpeak_connect.simulator.state import new_id

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = ["UNKNOWN_ROUTE", "FaultBook", "FaultError", "break_page", "parse_fault"]

UNKNOWN_ROUTE = "simulator_unknown_route"
"""The route name an ``unknown_route`` fault puts on a page."""

_converter = cattrs.Converter(forbid_extra_keys=True)


class FaultError(ValueError):
    """A fault description that cannot be armed; the message lists every problem."""


def parse_fault(document: Any) -> FaultSpec:
    """Build a fault from its JSON description.

    Raises:
        FaultError: the description breaks the fault schema (every problem is listed).
    """
    problems = schema_problems(document, fault_schema())
    if problems:
        raise FaultError("; ".join(problems))
    return _converter.structure(document, FaultSpec)


@attrs.define
class _Armed:
    id: str
    spec: FaultSpec
    remaining: int | None


class FaultBook:
    """The faults armed on one simulator. Safe to use from another thread.

    Args:
        specs: faults to arm at once (a scenario's).
    """

    def __init__(self, specs: tuple[FaultSpec, ...] = ()) -> None:
        self._lock = threading.Lock()
        self._armed: list[_Armed] = []
        for spec in specs:
            self.add(spec)

    def __len__(self) -> int:
        with self._lock:
            return len(self._armed)

    def add(self, spec: FaultSpec) -> str:
        """Arm a fault and return its id (for :meth:`remove`)."""
        armed = _Armed(new_id("flt"), spec, spec.times)
        with self._lock:
            self._armed.append(armed)
        return armed.id

    def remove(self, fault_id: str) -> bool:
        """Disarm one fault; return whether it was armed."""
        with self._lock:
            before = len(self._armed)
            self._armed = [a for a in self._armed if a.id != fault_id]
            return len(self._armed) != before

    def clear(self) -> None:
        """Disarm every fault."""
        with self._lock:
            self._armed.clear()

    def describe(self) -> list[dict[str, Any]]:
        """Return the armed faults as JSON objects, each with its ``id`` and ``remaining``."""
        with self._lock:
            return [
                {"id": a.id, "remaining": a.remaining, **_converter.unstructure(a.spec)}
                for a in self._armed
            ]

    def take(self, *, path: str, token: str | None, route: str | None) -> FaultSpec | None:
        """Use up one fault matching a request, if any is armed.

        Args:
            path: the request path.
            token: the connect token the request carries, if any.
            route: the route posted to the Connect endpoint, if any.

        Returns:
            The fault to apply, or ``None``.
        """
        with self._lock:
            ordered = sorted(self._armed, key=lambda a: a.spec.token is None)
            for armed in ordered:
                spec = armed.spec
                if (
                    spec.path != path
                    or (spec.token is not None and spec.token != token)
                    or (spec.route is not None and spec.route != route)
                ):
                    continue
                if armed.remaining is not None:
                    armed.remaining -= 1
                    if armed.remaining <= 0:
                        self._armed.remove(armed)
                return spec
        return None


def break_page(body: Mapping[str, Any], spec: FaultSpec) -> dict[str, Any]:
    """Return ``body`` spoiled the way ``spec`` says (schema_violation or unknown_route).

    A schema violation replaces a page's ``data`` with a string (an error object's ``code``
    with a number); an unknown route renames the page's route to :data:`UNKNOWN_ROUTE`.
    """
    spoiled = dict(body)
    if spec.kind == "schema_violation" and spoiled.get("object") == "error":
        spoiled["code"] = 0
    elif spec.kind == "schema_violation":
        spoiled["data"] = "schema violation injected by the simulator"
    else:
        spoiled["route"] = UNKNOWN_ROUTE
    return spoiled
