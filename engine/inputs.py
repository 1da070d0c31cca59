"""Input sources that need no person: a script of answers, for tests and automation.

:class:`ScriptedInput` answers each page from a script, in one of two shapes:

- a **list of steps**, consumed in order; each names the route it answers and carries an
  action or data::

      [{"route": "postal_address_capture", "data": {"postal_address": {...}}},
       {"route": "provider_select", "action": "PROVIDER_MISSING"},
       {"route": "summary_fixed_confirm", "action": "SAVE"}]

  Every step must be for the page Connect is on (an alias such as ``tariff_summary`` counts
  as its route); a step for another page, or a script that runs out, is a
  :class:`~flatpeak_connect.engine.errors.ScriptError` naming the route. A step may be
  followed by another for the same route, to correct an answer Connect rejected.

- a **mapping from route to answer**, for flows whose order varies: each page is answered
  with the answer for its route, as often as it comes; a list of answers is used one per
  visit. An answer Connect rejects is not sent twice: the script stops with a ScriptError.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs

from flatpeak_connect.engine.errors import ScriptError, UnknownVersion
from flatpeak_connect.engine.models import FieldError, Page, Submission
from flatpeak_connect.engine.spec import load_pack

if TYPE_CHECKING:
    import os

__all__ = ["ScriptStep", "ScriptedInput"]

_STEP_KEYS = frozenset({"route", "action", "data"})


@attrs.frozen
class ScriptStep:
    """One scripted answer.

    Attributes:
        route: the route it answers (in the mapping form, the route it was listed under).
        action: the action to send, if any.
        data: the data to send, if any.
    """

    route: str
    action: str | None = None
    data: Mapping[str, Any] | None = None

    def describe(self) -> str:
        """Return the answer in a few words, for error messages."""
        if self.action is not None:
            return f"action {self.action}"
        if self.data is not None:
            return f"data {json.dumps(self.data, sort_keys=True)}"
        return "an empty answer"


class ScriptedInput:
    """Answers each page from a script (see the module's documentation for the two shapes).

    Args:
        script: a list of steps, or a mapping from route to answer (or to a list of answers).

    Raises:
        ScriptError: when the script is malformed (the message names the step or the route).
    """

    def __init__(self, script: Sequence[Mapping[str, Any]] | Mapping[str, Any]) -> None:
        self._steps: tuple[ScriptStep, ...] | None = None
        self._answers: dict[str, tuple[ScriptStep, ...]] = {}
        self._position = 0
        self._visits: dict[str, int] = {}
        self._last: dict[str, ScriptStep] = {}
        if isinstance(script, Mapping):
            for route, answer in script.items():
                if not isinstance(route, str) or not route:
                    raise ScriptError(f"a script route must be a non-empty string, not {route!r}")
                many = answer if isinstance(answer, list) else [answer]
                if not many:
                    raise ScriptError(f"the script's list of answers for {route!r} is empty")
                self._answers[route] = tuple(
                    _step({"route": route, **_mapping(a, f"the answer for {route!r}")}, route)
                    for a in many
                )
        elif isinstance(script, list | tuple):
            self._steps = tuple(
                _step(_mapping(item, f"step {n}"), f"step {n}")
                for n, item in enumerate(script, start=1)
            )
        else:
            raise ScriptError("a script is a JSON list of steps or an object of route: answer")

    @classmethod
    def from_file(cls, path: str | os.PathLike[str]) -> ScriptedInput:
        """Load a script from a JSON file.

        Raises:
            ScriptError: when the file cannot be read, is not JSON, or is not a script.
        """
        try:
            script = json.loads(Path(path).read_text(encoding="utf-8"))
        except OSError as exc:
            raise ScriptError(f"cannot read the script {path}: {exc.strerror or exc}") from exc
        except ValueError as exc:
            raise ScriptError(f"the script {path} is not JSON: {exc}") from exc
        return cls(script)

    def __repr__(self) -> str:
        if self._steps is not None:
            return f"<ScriptedInput step {self._position}/{len(self._steps)}>"
        return f"<ScriptedInput routes={sorted(self._answers)}>"

    @property
    def remaining(self) -> int | None:
        """Steps not used yet (a list script), or ``None`` for a mapping script."""
        return None if self._steps is None else len(self._steps) - self._position

    async def collect(self, page: Page, errors: Sequence[FieldError]) -> Submission:
        """Return the scripted answer to ``page``.

        Raises:
            ScriptError: when the script has no answer for ``page`` (see the module's
                documentation); the message names the route and any errors of the last answer.
        """
        step = self._next_list_step(page, errors) if self._steps is not None else None
        if step is None:
            step = self._next_mapped_step(page, errors)
        self._last[page.route] = step
        return Submission(route=page.route, action=step.action, data=step.data)

    def _next_list_step(self, page: Page, errors: Sequence[FieldError]) -> ScriptStep:
        steps = self._steps or ()
        if self._position >= len(steps):
            raise ScriptError(
                f"the script ran out after {len(steps)} steps, but Connect is on page "
                f"{page.route!r}{_rejected(errors)}"
            )
        step = steps[self._position]
        if not _same_route(step.route, page):
            raise ScriptError(
                f"script step {self._position + 1} is for route {step.route!r}, but Connect "
                f"is on page {page.route!r}{_rejected(errors)}"
            )
        self._position += 1
        return step

    def _next_mapped_step(self, page: Page, errors: Sequence[FieldError]) -> ScriptStep:
        key = next((r for r in self._answers if r == page.route), None) or next(
            (r for r in self._answers if _same_route(r, page)), None
        )
        if key is None:
            raise ScriptError(
                f"the script has no answer for page {page.route!r} (it answers "
                f"{', '.join(sorted(self._answers))}){_rejected(errors)}"
            )
        answers = self._answers[key]
        if len(answers) == 1:
            step = answers[0]
            if errors and self._last.get(page.route) == step:
                raise ScriptError(
                    f"the scripted answer for page {page.route!r} ({step.describe()}) was "
                    f"rejected: {_listed(errors)}"
                )
            return step
        visit = self._visits.get(key, 0)
        if visit >= len(answers):
            raise ScriptError(
                f"the script's {len(answers)} answers for page {page.route!r} are used up"
                f"{_rejected(errors)}"
            )
        self._visits[key] = visit + 1
        return answers[visit]


def _mapping(item: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(item, Mapping):
        raise ScriptError(f"script {where}: expected an object, not {type(item).__name__}")
    return item


def _step(item: Mapping[str, Any], where: str) -> ScriptStep:
    unknown = set(item) - _STEP_KEYS
    if unknown:
        raise ScriptError(
            f"script {where}: unknown keys {', '.join(sorted(map(str, unknown)))} "
            "(a step has route, and action or data)"
        )
    route, action, data = item.get("route"), item.get("action"), item.get("data")
    if not isinstance(route, str) or not route:
        raise ScriptError(f"script {where}: 'route' must be a non-empty string")
    if action is not None and (not isinstance(action, str) or not action):
        raise ScriptError(f"script {where} (route {route!r}): 'action' must be a string")
    if data is not None and not isinstance(data, Mapping):
        raise ScriptError(f"script {where} (route {route!r}): 'data' must be an object")
    return ScriptStep(route=route, action=action, data=data)


def _same_route(route: str, page: Page) -> bool:
    if route == page.route:
        return True
    try:
        pack = load_pack(page.version)
    except UnknownVersion:
        return False
    canonical = pack.canonical(route)
    return canonical is not None and canonical == pack.canonical(page.route)


def _listed(errors: Sequence[FieldError]) -> str:
    return "; ".join(f"{e.code} at {e.pointer or '/'}: {e.message}" for e in errors)


def _rejected(errors: Sequence[FieldError]) -> str:
    return f" (the last answer was rejected: {_listed(errors)})" if errors else ""
