"""What a terminal page offers: its actions as a person types them, and which errors go where.

The text renderer (which shows a page) and the terminal input (which asks it) must agree on how
an action is typed and whether it has a number; both read it from here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import attrs

from flatpeak_connect.engine.answers import field_choices, offered_actions
from flatpeak_connect.engine.models import resolve_pointer

if TYPE_CHECKING:
    from collections.abc import Sequence

    from flatpeak_connect.engine.models import FieldError, Page
    from flatpeak_connect.engine.spec import FieldSpec, ProtocolPack, RouteSpec

__all__ = [
    "SKIP",
    "ActionItem",
    "actions_for",
    "errors_for_field",
    "find_action",
    "provider_name",
    "redirect_target",
    "shown_fields",
]


SKIP = "skip"
"""What a person types to send an empty answer, on a route that allows one."""


@attrs.frozen
class ActionItem:
    """One action of a page as the terminal offers it.

    Attributes:
        name: the action sent to Connect (``ADDRESS_CHANGE``); ``""`` for :data:`SKIP`, which
            sends an answer with neither data nor action.
        token: what a person types (``address_change``).
        label: what a person reads (``Change address``).
        number: its number, on pages that are answered by an action alone; else ``None``.
    """

    name: str
    token: str
    label: str
    number: int | None = None


def actions_for(page: Page, pack: ProtocolPack) -> tuple[ActionItem, ...]:
    """Return the actions a person may take on ``page``, as the terminal offers them.

    On a page with nothing to fill in (a summary, an unknown route) the actions are numbered,
    since choosing one is the whole answer; elsewhere numbers belong to the field's choices.

    Args:
        page: the page.
        pack: its protocol version.

    Returns:
        The actions, in the order to show them.
    """
    spec = pack.route(page.route)
    if spec is not None and spec.kind != "page":
        return ()
    numbered = spec is None or not spec.fields
    items = [
        ActionItem(
            name=name,
            token=name.lower(),
            label=pack.action_label(name, page.route),
            number=index if numbered else None,
        )
        for index, name in enumerate(offered_actions(page, pack), start=1)
    ]
    if spec is not None and spec.allow_empty and SKIP not in {item.token for item in items}:
        # A route that takes an answer with neither data nor action (zero's contract term:
        # "no end date") gets a way to send one.
        number = len(items) + 1 if numbered else None
        items.append(ActionItem(name="", token=SKIP, label="Skip this question", number=number))
    return tuple(items)


def find_action(text: str, actions: Sequence[ActionItem]) -> ActionItem | None:
    """Return the action ``text`` names (its token, any case, ``-`` for ``_``, or its number)."""
    typed = text.strip().lower().replace("-", "_").replace(" ", "_")
    if not typed:
        return None
    for item in actions:
        if typed == item.token or (item.number is not None and typed == str(item.number)):
            return item
    return None


def errors_for_field(field: FieldSpec, errors: Sequence[FieldError]) -> list[FieldError]:
    """Return the errors that belong to ``field``: at its pointer or inside it."""
    prefix = field.pointer + "/"
    return [e for e in errors if e.pointer == field.pointer or e.pointer.startswith(prefix)]


def provider_name(page: Page) -> str | None:
    """Return the provider's name a page is about (``data.provider.display_name``), if any."""
    provider = page.data.get("provider")
    for key in ("display_name", "name"):
        name = resolve_pointer(provider, f"/{key}")
        if isinstance(name, str) and name.strip():
            return name
    return None


def redirect_target(page: Page, spec: RouteSpec | None) -> str | None:
    """Return the URL a redirect or complete page sends the customer to, if it has one."""
    pointers = spec.url if spec is not None and spec.url else ("/redirect_url", "/redirect_uri")
    for pointer in pointers:
        for document in (page.data, page.raw):
            url = resolve_pointer(document, pointer)
            if isinstance(url, str) and url:
                return url
    return None


def shown_fields(spec: RouteSpec | None, page: Page) -> list[FieldSpec]:
    """Return the fields a page shows and asks, in order.

    An optional choice with nothing to choose from (zero's market region, when Connect could
    work it out from the address) is left out; a redirect, the end and an unknown route ask
    nothing.
    """
    if spec is None or spec.kind != "page":
        return []
    return [
        field
        for field in spec.fields
        if field.type != "choice" or field.required or field_choices(field, page.data)
    ]
