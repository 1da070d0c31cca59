"""The JSON view model: a page as an app that draws its own UI needs it.

A mobile app or a single-page app behind its own back-end should not have to know FlatPeak's
route vocabulary. The view model lifts out what every page has -- title, provider, the questions
with their current values, choices and errors, the actions with labels -- in one shape for every
route of every version, described by ``schemas/viewmodel.json`` (:data:`SCHEMA_ID`). Every key is
always present (``null`` or empty where there is nothing), so a client can rely on the shape.

Values are **wire values**: money in major units (``0.245``), dates ``YYYY-MM-DDT00:00:00Z``,
times ``HH:MM:SS``. A money field carries its currency (code, symbol, and the minor unit people
quote prices in, if any) so the app may show and accept minor units itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from babel.numbers import get_currency_symbol

from flatpeak_connect.engine.answers import (
    current_value,
    field_choices,
    field_currency,
    money_unit,
    offered_actions,
)
from flatpeak_connect.engine.models import resolve_pointer

if TYPE_CHECKING:
    from collections.abc import Sequence

    from flatpeak_connect.engine.models import FieldError, Outcome, Page
    from flatpeak_connect.engine.spec import FieldSpec, ProtocolPack, RouteSpec
    from flatpeak_connect.engine.typing import RenderContext

__all__ = [
    "SCHEMA_ID",
    "VIEW_MODEL_VERSION",
    "currency_view",
    "outcome_view_model",
    "view_model",
]

SCHEMA_ID = "https://flatpeak-connect.invalid/schemas/viewmodel.json"
"""The ``$id`` of the view model's JSON Schema (``flatpeak_connect.schemas/viewmodel.json``)."""

VIEW_MODEL_VERSION = 1
"""The view model's own format version (``format``): raised only on an incompatible change."""

_LOCALE = "en_GB"


def currency_view(code: str | None) -> dict[str, Any] | None:
    """Return what an app needs to show prices in ``code``, or ``None`` for no known currency.

    Returns:
        ``{"code", "symbol", "digits", "minor_symbol"}``; ``minor_symbol`` is ``null`` where
        prices are quoted in major units.
    """
    unit = money_unit(code)
    if unit is None:
        return None
    return {
        "code": unit.currency,
        "symbol": get_currency_symbol(unit.currency, locale=_LOCALE),
        "digits": unit.digits,
        "minor_symbol": unit.minor_symbol if unit.uses_minor else None,
    }


def _error(error: FieldError) -> dict[str, Any]:
    return {
        "pointer": error.pointer,
        "code": error.code,
        "message": error.message,
        "source": error.source,
    }


def _owns(field: FieldSpec, error: FieldError) -> bool:
    return error.pointer == field.pointer or error.pointer.startswith(field.pointer + "/")


def _field(
    field: FieldSpec,
    page: Page,
    kept: Mapping[str, Any] | None,
    errors: Sequence[FieldError],
    parent_currency: str | None = None,
) -> dict[str, Any]:
    currency = field_currency(field, page.data) or parent_currency
    choices = field_choices(field, page.data) if field.type == "choice" else ()
    view: dict[str, Any] = {
        "name": field.name,
        "pointer": field.pointer,
        "type": field.type,
        "label": field.label,
        "hint": field.hint,
        "required": field.required,
        "autocomplete": field.autocomplete,
        "value": current_value(field, page, kept) if kept is not None else None,
        "choices": [{"value": c.value, "label": c.label, "hint": c.hint} for c in choices]
        if field.type == "choice"
        else None,
        "currency": currency_view(currency) if field.type == "money" else None,
        "items": [_field(item, page, None, (), currency) for item in field.items]
        if field.type == "periods"
        else None,
        "errors": [_error(e) for e in errors if _owns(field, e)],
    }
    return view


def _provider(page: Page) -> dict[str, Any] | None:
    provider = page.data.get("provider")
    if not isinstance(provider, Mapping):
        return None
    name = provider.get("display_name") or provider.get("name")
    if not isinstance(name, str) or not name:
        return None
    ident, logo = provider.get("id"), provider.get("logo_url")
    return {
        "id": ident if isinstance(ident, str) else None,
        "name": name,
        "logo_url": logo if isinstance(logo, str) else None,
    }


def _redirect_url(page: Page, spec: RouteSpec | None) -> str | None:
    pointers = spec.url if spec is not None and spec.url else ()
    for pointer in pointers:
        for document in (page.data, page.raw):
            url = resolve_pointer(document, pointer)
            if isinstance(url, str) and url:
                return url
    return None


def _kind(spec: RouteSpec | None) -> str:
    return spec.kind if spec is not None else "unknown"


def view_model(page: Page, errors: Sequence[FieldError], context: RenderContext) -> dict[str, Any]:
    """Build the view model of ``page`` (see ``docs/json.md``).

    Args:
        page: the page.
        errors: problems with the customer's last answer, each placed on its field and also
            listed in ``errors`` with the name of its field (``null`` for the page as a whole).
        context: the pack, the route spec (``None`` for an unknown route) and the kept answer.

    Returns:
        A JSON-ready dict that validates against ``schemas/viewmodel.json``.
    """
    spec = context.spec
    pack: ProtocolPack = context.pack
    fields = spec.fields if spec is not None and spec.kind == "page" else ()
    owners = {id(e): f.name for f in fields for e in errors if _owns(f, e)}
    actions = offered_actions(page, pack) if spec is None or spec.kind == "page" else ()
    return {
        "format": VIEW_MODEL_VERSION,
        "version": page.version,
        "route": page.route,
        "canonical_route": spec.name if spec is not None else None,
        "kind": _kind(spec),
        "title": spec.title if spec is not None else page.route.replace("_", " ").capitalize(),
        "lead": spec.lead if spec is not None else None,
        "provider": _provider(page),
        "answer": spec.answer if spec is not None else "action",
        "fields": [_field(f, page, context.values or {}, errors) for f in fields],
        "actions": [{"name": a, "label": pack.action_label(a, page.route)} for a in actions],
        "errors": [{**_error(e), "field": owners.get(id(e))} for e in errors],
        "redirect_url": _redirect_url(page, spec),
        "outcome": None,
        "data": dict(page.data),
    }


def outcome_view_model(outcome: Outcome, version: str) -> dict[str, Any]:
    """Build the view model of the end of a session: no questions, the outcome filled in.

    Args:
        outcome: how the session ended.
        version: the session's protocol version.

    Returns:
        A JSON-ready dict that validates against ``schemas/viewmodel.json``, ``kind`` ``outcome``.
    """
    titles = {
        "complete": "Your tariff is connected",
        "closed": "The session was closed",
        "expired": "The session has expired",
        "failed": "The session could not be completed",
    }
    status = outcome.status.value
    return {
        "format": VIEW_MODEL_VERSION,
        "version": version,
        "route": outcome.route,
        "canonical_route": None,
        "kind": "outcome",
        "title": titles.get(status, status),
        "lead": outcome.message,
        "provider": None,
        "answer": "none",
        "fields": [],
        "actions": [],
        "errors": [],
        "redirect_url": outcome.callback_url,
        "outcome": outcome.to_json(),
        "data": {},
    }
