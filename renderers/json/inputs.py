"""JSON input: an app's answer to a view model, turned into a Submission with the same checks.

An app that drew a page from its view model posts back one JSON object:

- ``{"action": "BACK"}`` -- one of the view model's ``actions`` (any letter case);
- ``{"values": {"post_code": "MB4 7QT", "/postal_address/city": "Millbrook"}}`` -- field values,
  each keyed by the field's ``name`` or its ``pointer``, in **wire units** (money in major units,
  ``0.245``; a date as ``YYYY-MM-DD`` or ``YYYY-MM-DDT00:00:00Z``; a time ``HH:MM`` or
  ``HH:MM:SS``); a ``periods`` field takes a list of objects keyed by its items' names;
- ``{"data": {...}}`` -- the answer's ``data`` as Connect takes it, unchanged (for a route the
  pack does not know);
- ``{}`` -- nothing, only where the route allows an empty answer (zero's contract-term skip).

An optional ``"route"`` member must name the page's route. The answer is checked against the
route's answer schema (the same validator the engine uses), so an app gets the documented codes
(``post_code_missing`` ...) before anything is sent to Connect.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import attrs

from flatpeak_connect.engine.answers import build_answer, offered_actions
from flatpeak_connect.engine.models import FieldError, Submission
from flatpeak_connect.engine.spec import load_pack
from flatpeak_connect.engine.typing import RenderContext
from flatpeak_connect.engine.validation import get_validator
from flatpeak_connect.renderers.json.viewmodel import view_model

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from flatpeak_connect.engine.models import Page
    from flatpeak_connect.engine.spec import ProtocolPack, RouteSpec
    from flatpeak_connect.engine.validation import PackValidator

__all__ = ["AnswerResult", "JsonInput", "read_answer"]

_MEMBERS = frozenset({"action", "values", "data", "route"})
_INVALID = "data_json_invalid"


@attrs.frozen
class AnswerResult:
    """What :func:`read_answer` made of an answer.

    Attributes:
        submission: the Submission to send, or ``None`` when the answer has errors.
        errors: the problems (pointers into ``data``; ``""`` for the answer as a whole).
        data: the ``data`` built from the values (kept, so the app can show them again).
    """

    submission: Submission | None
    errors: tuple[FieldError, ...] = ()
    data: Mapping[str, Any] = attrs.field(factory=dict)


def _problem(message: str, code: str = _INVALID, pointer: str = "") -> AnswerResult:
    return AnswerResult(None, (FieldError(pointer, code, message, "client"),))


def _by_name(spec: RouteSpec, values: Mapping[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """Key values by field name, whether they came keyed by name or by pointer."""
    names = {field.name for field in spec.fields}
    pointers = {field.pointer: field.name for field in spec.fields}
    keyed: dict[str, Any] = {}
    unknown: list[str] = []
    for key, value in values.items():
        name = key if key in names else pointers.get(key)
        if name is None:
            unknown.append(key)
        else:
            keyed[name] = value
    for field in spec.fields:
        rows = keyed.get(field.name)
        if field.type == "periods" and isinstance(rows, Sequence) and not isinstance(rows, str):
            keyed[field.name] = [_item_row(field.items, row) for row in rows]
    return keyed, unknown


def _item_row(items: Sequence[Any], row: Any) -> Any:
    if not isinstance(row, Mapping):
        return row
    return {
        item.name: row.get(item.name, row.get(item.pointer, row.get(item.pointer.lstrip("/"))))
        for item in items
    }


def _action(page: Page, pack: ProtocolPack, action: Any) -> AnswerResult:
    offered = offered_actions(page, pack)
    if not isinstance(action, str) or not action.strip():
        return _problem("The action must be a non-empty string.", "action_invalid")
    name = next((a for a in offered if a.lower() == action.strip().lower()), None)
    if name is None:
        choices = ", ".join(offered) or "none"
        return _problem(
            f"{action!r} is not an action of this page (it offers: {choices}).", "action_invalid"
        )
    return AnswerResult(Submission(page.route, action=name))


def _values(page: Page, spec: RouteSpec | None, values: Any) -> AnswerResult:
    if spec is None:
        return _problem("This page is not one the pack knows: answer with an action or data.")
    if spec.answer == "action" or not spec.fields:
        return _problem("This page is answered with an action, not values.", "action_missing")
    if not isinstance(values, Mapping):
        return _problem("'values' must be an object of field names (or pointers) to values.")
    keyed, unknown = _by_name(spec, values)
    if unknown:
        known = ", ".join(field.name for field in spec.fields)
        return _problem(f"No field {', '.join(map(repr, unknown))} on this page (it has: {known}).")
    built = build_answer(spec, keyed, page, money_entry="major")
    if built.errors:
        return AnswerResult(None, built.errors, built.data)
    return AnswerResult(Submission(page.route, data=built.data), (), built.data)


def _shape(page: Page, spec: RouteSpec | None, answer: Mapping[str, Any]) -> AnswerResult:
    extra = sorted(set(answer) - _MEMBERS)
    if extra:
        return _problem(f"Unknown member(s) {', '.join(map(repr, extra))} in the answer.")
    route = answer.get("route")
    if route is not None and route != page.route and (spec is None or route != spec.name):
        return _problem(f"The answer is for {route!r}, but the page is {page.route!r}.")
    given = [member for member in ("action", "values", "data") if member in answer]
    if len(given) > 1:
        return _problem(f"Send one of 'action', 'values' or 'data', not {' and '.join(given)}.")
    if not given:
        if spec is not None and spec.allow_empty:
            return AnswerResult(Submission(page.route))
        return _problem("Send an action or values.", "action_missing")
    return AnswerResult(None)


def read_answer(
    page: Page,
    answer: Any,
    *,
    pack: ProtocolPack | None = None,
    validator: PackValidator | None = None,
) -> AnswerResult:
    """Turn an app's answer to ``page`` into a Submission, checked as the engine checks it.

    Args:
        page: the page answered.
        answer: the decoded JSON the app posted (see the module's docstring for its shape).
        pack: the page's protocol version (default: loaded from ``page.version``).
        validator: the version's validator (default: :func:`get_validator`).

    Returns:
        The Submission, or the errors (with pointers into ``data``) and the data built so far.
    """
    pack = pack if pack is not None else load_pack(page.version)
    spec = pack.route(page.route)
    if not isinstance(answer, Mapping):
        return _problem("The answer must be a JSON object.")
    shaped = _shape(page, spec, answer)
    if shaped.errors or shaped.submission is not None:
        result = shaped
    elif "action" in answer:
        result = _action(page, pack, answer["action"])
    elif "data" in answer:
        data = answer["data"]
        if not isinstance(data, Mapping):
            return _problem("'data' must be an object.")
        result = AnswerResult(Submission(page.route, data=dict(data)), (), dict(data))
    else:
        result = _values(page, spec, answer["values"])
    if result.submission is None or spec is None:
        return result
    validator = validator if validator is not None else get_validator(page.version)
    errors = validator.validate_answer(result.submission.to_payload(page.connect_token))
    if errors:
        return AnswerResult(None, tuple(errors), result.data)
    return result


class JsonInput:
    """An InputSource that takes answers as JSON, from wherever an app posts them.

    Args:
        receive: returns the next answer the app posted (decoded JSON).
        show: called with the page's view model, errors included, when an answer was refused,
            so the app can show the errors before it answers again (default: nothing; the
            page itself was already rendered).
        validator: the validator to check answers with (default: the page version's).
    """

    def __init__(
        self,
        receive: Callable[[], Awaitable[Any]],
        *,
        show: Callable[[Mapping[str, Any]], Awaitable[None]] | None = None,
        validator: PackValidator | None = None,
    ) -> None:
        self._receive = receive
        self._show = show
        self._validator = validator

    async def collect(self, page: Page, errors: Sequence[FieldError]) -> Submission:
        """Return the app's answer to ``page``, asking again until it is a valid one.

        Args:
            page: the page shown.
            errors: problems with the last answer (already shown with the page).

        Returns:
            A Submission that passed the route's answer schema.
        """
        del errors  # already shown with the page; refused answers are shown through `show`
        pack = load_pack(page.version)
        while True:
            result = read_answer(page, await self._receive(), pack=pack, validator=self._validator)
            if result.submission is not None:
                return result.submission
            if self._show is not None:
                context = RenderContext(pack=pack, spec=pack.route(page.route), values=result.data)
                await self._show(view_model(page, result.errors, context))
