"""Route specs: the declarative description of a protocol version, read from its schema pack.

``load_pack("zero")`` returns a :class:`ProtocolPack` whose ``routes`` say, for every route, its
kind, title, actions, input fields and validation codes. Nothing here validates documents; see
``flatpeak_connect.engine.validation`` for that.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any, Literal

import attrs
import cattrs

from flatpeak_connect import schemas
from flatpeak_connect.engine.errors import UnknownVersion

__all__ = [
    "ActionSpec",
    "ChoiceSpec",
    "EdgeSpec",
    "ErrorSpec",
    "FieldSpec",
    "ProtocolPack",
    "RouteSpec",
    "TokenSpec",
    "available_versions",
    "load_pack",
]

FieldType = Literal["text", "country", "money", "percentage", "choice", "date", "time", "periods"]
RouteKind = Literal["page", "redirect", "complete"]
AnswerKind = Literal["data", "action", "data_or_action", "none"]


@attrs.frozen
class ChoiceOption:
    """One fixed choice of a ``static`` choice list."""

    value: str
    label: str


@attrs.frozen
class ChoiceSpec:
    """Where a choice field's options come from.

    Either ``from_`` (a pointer into the page's data at an array, with ``value``/``label``/``hint``
    pointers into each item, or none for an array of strings) or ``static`` options.
    """

    from_: str | None = None
    value: str | None = None
    label: str | None = None
    hint: str | None = None
    labels: Mapping[str, str] = attrs.field(factory=dict)
    static: tuple[ChoiceOption, ...] = ()


@attrs.frozen
class FieldSpec:
    """One input the customer fills in (see docs/protocol.md, "A field spec")."""

    name: str
    pointer: str
    type: FieldType
    label: str
    hint: str | None = None
    required: bool = False
    autocomplete: str | None = None
    value: str | None = None
    omit_empty: bool = False
    null_when_empty: bool = False
    choices: ChoiceSpec | None = None
    currency: str | None = None
    items: tuple[FieldSpec, ...] = ()

    @property
    def value_pointer(self) -> str:
        """The pointer into the page's data that holds the current value."""
        return self.value if self.value is not None else self.pointer


@attrs.frozen
class ErrorSpec:
    """A validation code a route can return, the field it concerns and how it is decided."""

    pointer: str
    message: str
    when: tuple[str, ...] = ()
    check: str | None = None
    also: tuple[str, ...] = ()
    """Further answer pointers at which the client decides the same code (one code, several
    fields: ``date_format_invalid`` for both contract dates). ``pointer`` stays where a server
    error with this code is shown."""

    @property
    def pointers(self) -> tuple[str, ...]:
        """Every answer pointer this code is decided at: ``pointer``, then ``also``."""
        return (self.pointer, *self.also)

    @property
    def client_side(self) -> bool:
        """Whether the client can decide this code before a round trip."""
        return bool(self.when) or self.check is not None


@attrs.frozen
class ActionSpec:
    """An action a route documents, with the label a person reads."""

    name: str
    label: str | None = None


@attrs.frozen
class EdgeSpec:
    """One edge of the route graph: answering ``on`` (``data`` or an action) may lead ``to``."""

    on: str
    to: str
    label: str | None = None


@attrs.frozen
class RouteSpec:
    """Everything the protocol says about one route (see docs/protocol.md, "A route spec")."""

    name: str
    kind: RouteKind
    title: str
    answer: AnswerKind = "data"
    lead: str | None = None
    aliases: tuple[str, ...] = ()
    allow_empty: bool = False
    actions: tuple[ActionSpec, ...] = ()
    fields: tuple[FieldSpec, ...] = ()
    errors: Mapping[str, ErrorSpec] = attrs.field(factory=dict)
    url: tuple[str, ...] = ()
    next: tuple[EdgeSpec, ...] = ()

    def field(self, name: str) -> FieldSpec | None:
        """Return the field called ``name``, or ``None``."""
        return next((f for f in self.fields if f.name == name), None)


@attrs.frozen
class TokenSpec:
    """The back-end's token endpoints and field names for a version."""

    create_path: str
    exchange_path: str
    callback_field: str
    return_field: str
    direction_field: str
    type_field: str


@attrs.frozen
class ProtocolPack:
    """A protocol version: its metadata and its route specs.

    Attributes:
        version: the pack's name (``zero``, ``anode``).
        api_version: FlatPeak's version string (``2025-09-14.anode``).
        start_route: the route of the first POST.
        resume_routes: routes that resume after a provider login; the first is the one sent.
        validation_status: the HTTP status Connect uses for validation errors.
        universal_actions: actions allowed on every page even when a page does not list them.
        token: the back-end's token endpoints.
        action_labels: default human labels of actions.
        routes: route specs by canonical name.
    """

    version: str
    api_version: str
    start_route: str
    resume_routes: tuple[str, ...]
    validation_status: int
    token: TokenSpec
    routes: Mapping[str, RouteSpec]
    universal_actions: tuple[str, ...] = ()
    action_labels: Mapping[str, str] = attrs.field(factory=dict)

    def route(self, name: str) -> RouteSpec | None:
        """Return the spec of ``name`` (canonical or alias), or ``None`` for an unknown route."""
        spec = self.routes.get(name)
        if spec is not None:
            return spec
        return next((s for s in self.routes.values() if name in s.aliases), None)

    def canonical(self, name: str) -> str | None:
        """Return the canonical name of a route or alias, or ``None`` for an unknown route."""
        spec = self.route(name)
        return spec.name if spec is not None else None

    def action_label(self, action: str, route: str | None = None) -> str:
        """Return the label a person reads for ``action`` (on ``route``, when given)."""
        spec = self.route(route) if route is not None else None
        if spec is not None:
            for item in spec.actions:
                if item.name == action and item.label:
                    return item.label
        return self.action_labels.get(action, action.replace("_", " ").capitalize())


_converter = cattrs.Converter(forbid_extra_keys=True)
_converter.register_structure_hook(
    ChoiceSpec,
    lambda obj, _: ChoiceSpec(
        from_=obj.get("from"),
        value=obj.get("value"),
        label=obj.get("label"),
        hint=obj.get("hint"),
        labels=dict(obj.get("labels", {})),
        static=tuple(_converter.structure(s, ChoiceOption) for s in obj.get("static", ())),
    ),
)


def _structure_pack(raw: Mapping[str, Any]) -> ProtocolPack:
    routes = {
        name: _converter.structure({"name": name, **body}, RouteSpec)
        for name, body in raw["routes"].items()
    }
    fields = {k: v for k, v in raw.items() if k != "routes"}
    pack = _converter.structure({**fields, "routes": {}}, ProtocolPack)
    return attrs.evolve(pack, routes=routes)


def available_versions() -> tuple[str, ...]:
    """Return the protocol versions that have a schema pack."""
    return schemas.versions()


@functools.cache
def load_pack(version: str) -> ProtocolPack:
    """Load (once) the route specs of a protocol version.

    Raises:
        UnknownVersion: when no pack exists for ``version``.
        cattrs.errors.ClassValidationError: when ``pack.json`` does not have the documented shape.
    """
    try:
        root = schemas.pack_root(version)
    except LookupError as exc:
        raise UnknownVersion(str(exc)) from exc
    return _structure_pack(schemas.read_json(root.joinpath("pack.json")))
