"""The view model behind the templates: a page, its route spec and its errors, ready to show.

Templates lay things out; the decisions live here, where they can be tested: which value a field
shows (what the customer typed, else their last answer, else what Connect pre-filled), which
error sits beside which input, which actions are offered, and which URLs from Connect may be
used at all (only ``http(s)``).

Form names used by the templates and read back by the web app:

- a field: its spec ``name``; one item of a repeatable group: ``<name>-<index>-<item name>``;
- an action button: ``fp_action`` with the action as its value;
- the "skip this question" button of routes that allow an empty answer: ``fp_skip``;
- adding a row to a repeatable group without JavaScript: ``fp_add_row`` (value: the field name);
- the CSRF token ``fp_csrf`` and the one-time form id ``fp_form``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import attrs

from flatpeak_connect.engine import answers
from flatpeak_connect.engine.models import resolve_pointer
from flatpeak_connect.engine.spec import ProtocolPack
from flatpeak_connect.renderers.html.formatting import InputUnit, countries, input_unit

if TYPE_CHECKING:
    from flatpeak_connect.engine.models import FieldError, Page
    from flatpeak_connect.engine.spec import FieldSpec, RouteSpec
    from flatpeak_connect.engine.typing import RenderContext

__all__ = [
    "ACTION_FIELD",
    "ADD_ROW_FIELD",
    "CSRF_FIELD",
    "FORM_ID_FIELD",
    "SKIP_FIELD",
    "ActionView",
    "ChoiceView",
    "ErrorLink",
    "FieldView",
    "FormView",
    "PageView",
    "build_page_view",
    "period_rows",
    "read_form",
    "safe_url",
    "write_form",
]

ACTION_FIELD = "fp_action"
SKIP_FIELD = "fp_skip"
ADD_ROW_FIELD = "fp_add_row"
CSRF_FIELD = "fp_csrf"
FORM_ID_FIELD = "fp_form"

# Actions that undo or remove something get the warning style.
_DESTRUCTIVE = frozenset({"DISCONNECT"})
_ID_UNSAFE = re.compile(r"[^A-Za-z0-9_-]")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def safe_url(value: Any) -> str | None:
    """Return ``value`` (trimmed) if it is an absolute ``http(s)`` URL, else ``None``.

    Every URL Connect sends goes through this before it reaches an ``href`` or ``src``: a
    ``javascript:`` or ``data:`` URL from a compromised or confused server is dropped.
    """
    if not isinstance(value, str):
        return None
    url = value.strip()
    # urlsplit drops tabs and newlines before it parses, and so do browsers, but a header
    # does not: a control character could split the Location header or hide the scheme.
    if _CONTROL.search(url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        return None
    return url


def _dom_id(*parts: object) -> str:
    return "f-" + "-".join(_ID_UNSAFE.sub("_", str(p)) for p in parts)


@attrs.frozen
class ChoiceView:
    """One option of a choice field.

    Attributes:
        value: what is posted.
        label: what a person reads.
        hint: a second line under the label, if any.
        id: the input's id.
        checked: whether it is the current answer.
        logo_url: an ``http(s)`` image for the option (providers), if Connect sent one.
    """

    value: str
    label: str
    hint: str | None
    id: str
    checked: bool
    logo_url: str | None = None


@attrs.frozen
class FieldView:
    """One input, with its current value and its error.

    Attributes:
        name: the form name.
        id: the input's id (the error summary links here).
        type: the field type (``text``, ``money``, ``choice`` ...).
        label: the label text.
        hint: the hint text, if any.
        required: whether an answer is needed.
        autocomplete: the HTML autocomplete token, if any.
        value: the text the input shows.
        error: the message shown beside the input, if any.
        choices: the options of a choice field (and the countries of a country field).
        unit: the unit printed beside a money input.
        rows: the rows of a repeatable group, each a tuple of item fields.
        can_add_row: whether the group may take another row.
    """

    name: str
    id: str
    type: str
    label: str
    hint: str | None = None
    required: bool = False
    autocomplete: str | None = None
    value: str = ""
    error: str | None = None
    choices: tuple[ChoiceView, ...] = ()
    unit: InputUnit | None = None
    rows: tuple[tuple[FieldView, ...], ...] = ()
    can_add_row: bool = False

    @property
    def hint_id(self) -> str:
        """The id of the hint element."""
        return f"{self.id}-hint"

    @property
    def error_id(self) -> str:
        """The id of the error message element."""
        return f"{self.id}-error"

    @property
    def unit_id(self) -> str:
        """The id of the unit shown beside a money or percentage input."""
        return f"{self.id}-unit"

    @property
    def described_by(self) -> str:
        """The ``aria-describedby`` list: hint, unit and error, those that exist."""
        ids = []
        if self.hint:
            ids.append(self.hint_id)
        if self.type in {"money", "percentage"}:
            ids.append(self.unit_id)
        if self.error:
            ids.append(self.error_id)
        return " ".join(ids)

    @property
    def target_id(self) -> str:
        """The id an error summary link should move focus to: the first input of the field."""
        if self.choices and self.type == "choice":
            return self.choices[0].id
        if self.rows:
            return self.rows[0][0].target_id
        return self.id

    @property
    def has_error(self) -> bool:
        """Whether the field, or one input of its group, has an error."""
        return self.error is not None or any(item.error for row in self.rows for item in row)


@attrs.frozen
class ActionView:
    """A button that posts an action.

    Attributes:
        name: the action sent.
        label: what the button says.
        style: ``secondary`` or ``warning`` (destructive).
    """

    name: str
    label: str
    style: str = "secondary"


@attrs.frozen
class ErrorLink:
    """One line of the error summary: the message and the input it links to (if any)."""

    message: str
    target: str | None


@attrs.frozen
class FormView:
    """What every form on the page carries and where it posts.

    Attributes:
        action: the URL forms post to (``""``: the current URL).
        csrf_token: the CSRF token bound to the customer's session.
        form_id: the one-time id of this rendering (a second post of it is ignored).
    """

    action: str = ""
    csrf_token: str = ""
    form_id: str = ""


@attrs.frozen
class PageView:
    """Everything a route template needs.

    Attributes:
        route: the route as Connect named it.
        canonical: the pack's name for it (``tariffs_summary`` for ``tariff_summary``), or the
            route itself when the pack does not know it.
        version: the protocol version.
        known: whether the pack has a spec for the route.
        title: the page heading.
        lead: a sentence under the heading, if any.
        provider_name: the provider's display name, if the page names one.
        provider_logo: the provider's ``http(s)`` logo URL, if any.
        fields: the inputs, in display order.
        answer: the route's answer kind (``data``, ``action``, ``data_or_action``, ``none``).
        allow_empty: whether the page offers to skip (post neither data nor action).
        back: the Back control, when the page allows ``BACK``.
        actions: the other actions offered, in Connect's order.
        errors: the error summary lines.
        form: the form settings.
        data: the page's ``data`` as sent (templates read extra facts from it; autoescaped).
        currency: the page's ISO 4217 code, if any.
        pack: the protocol version's route specs.
    """

    route: str
    canonical: str
    version: str
    known: bool
    title: str
    lead: str | None
    provider_name: str | None
    provider_logo: str | None
    fields: tuple[FieldView, ...]
    answer: str
    allow_empty: bool
    back: ActionView | None
    actions: tuple[ActionView, ...]
    errors: tuple[ErrorLink, ...]
    form: FormView
    data: Mapping[str, Any]
    currency: str | None
    pack: ProtocolPack | None = None

    @property
    def has_form(self) -> bool:
        """Whether the page has inputs to fill in."""
        return bool(self.fields)

    @property
    def single_question(self) -> bool:
        """Whether the page asks one thing, so its heading is that input's label or legend."""
        return len(self.fields) == 1 and self.fields[0].type != "periods"

    def action(self, name: str) -> ActionView | None:
        """Return the action called ``name`` if the page offers it."""
        return next((a for a in self.actions if a.name == name), None)

    def route_labels(self, route: str) -> dict[str, str]:
        """Return the human labels of a route's choices (``FIXED`` -> "One price all day").

        A summary uses them to name a value the customer chose on an earlier page.
        """
        spec = self.pack.route(route) if self.pack is not None else None
        labels: dict[str, str] = {}
        for field in spec.fields if spec is not None else ():
            if field.choices is not None:
                labels.update(field.choices.labels)
                labels.update((o.value, o.label) for o in field.choices.static)
        return labels

    def first_offered(self, *names: str) -> ActionView | None:
        """Return the first of ``names`` the page offers (the page's main action), if any."""
        return next((a for name in names if (a := self.action(name)) is not None), None)

    def other_actions(self, *names: str) -> tuple[ActionView, ...]:
        """Return the actions offered, leaving out ``names`` (shown elsewhere by the template)."""
        return tuple(a for a in self.actions if a.name not in names)


def _as_text(value: Any) -> str:
    if value is None or isinstance(value, Mapping | list):
        return ""
    return value if isinstance(value, str) else str(value)


def _choices(field: FieldSpec, data: Mapping[str, Any], current: str) -> tuple[ChoiceView, ...]:
    logos: dict[str, str] = {}
    spec = field.choices
    if spec is not None and spec.from_ is not None:
        items = resolve_pointer(data, spec.from_)
        for item in items if isinstance(items, list) else []:
            if isinstance(item, Mapping):
                logo = safe_url(item.get("logo_url"))
                value = _as_text(resolve_pointer(item, spec.value or "/id"))
                if logo is not None and value:
                    logos.setdefault(value, logo)
    return tuple(
        ChoiceView(
            value=choice.value,
            label=choice.label,
            hint=choice.hint,
            id=_dom_id(field.name, index),
            checked=choice.value == current,
            logo_url=logos.get(choice.value),
        )
        for index, choice in enumerate(answers.field_choices(field, data))
    )


def _country_choices(field: FieldSpec, locale: str, current: str) -> tuple[ChoiceView, ...]:
    known = countries(locale)
    options = list(known)
    if current and all(code != current for code, _ in known):
        # A code Connect sent that CLDR does not list still shows, so the answer is not lost.
        options.insert(0, (current, current))
    return tuple(
        ChoiceView(
            value=code,
            label=name,
            hint=None,
            id=f"{_dom_id(field.name)}-{code}",
            checked=code == current,
        )
        for code, name in options
    )


def _pointer_matches(field_pointer: str, error_pointer: str) -> bool:
    """Whether an error at ``error_pointer`` belongs to the input at ``field_pointer``."""
    return field_pointer == error_pointer or field_pointer.startswith(error_pointer + "/")


class _ErrorIndex:
    """Hands out each FieldError once: to the first input its pointer names."""

    def __init__(self, errors: Sequence[FieldError]) -> None:
        self._pending = list(errors)
        self.placed: dict[int, str] = {}

    def take(
        self, dom_id: str, *, within: str | None = None, exact: tuple[str, ...] = ()
    ) -> str | None:
        """Claim the unplaced errors for the input ``dom_id``.

        Args:
            dom_id: the input the summary links to.
            within: the input's pointer: errors at it, or at any object containing it, are its.
            exact: pointers whose errors are this input's only when they match exactly.
        """
        messages = []
        for index, error in enumerate(self._pending):
            if index in self.placed:
                continue
            hit = error.pointer in exact or (
                within is not None and _pointer_matches(within, error.pointer)
            )
            if error.pointer and hit:
                self.placed[index] = dom_id
                messages.append(error.message)
        return " ".join(dict.fromkeys(messages)) or None

    def summary(self) -> tuple[ErrorLink, ...]:
        """The summary lines: errors about the page as a whole first, then in page order."""
        unplaced = [i for i in range(len(self._pending)) if i not in self.placed]
        ordered = unplaced + list(self.placed)  # dicts keep the order errors were placed in
        lines = [ErrorLink(self._pending[i].message, self.placed.get(i)) for i in ordered]
        return tuple(dict.fromkeys(lines))


def period_rows(
    field: FieldSpec,
    form: Mapping[str, Any] | None,
    values: Mapping[str, Any],
    data: Mapping[str, Any],
) -> int:
    """Return how many rows a repeatable group shows.

    The customer's own form (``<name>-<index>-…`` keys, plus a pending "add a row") wins; else
    their last answer; else what Connect pre-filled; at least one row.
    """
    if form is not None:
        count = len(_form_rows(field, form, keep_blank=True))
        if form.get(ADD_ROW_FIELD) == field.name:
            count += 1
        if count:
            return count
    for source, pointer in ((values, field.pointer), (data, field.value_pointer)):
        items = resolve_pointer(source, pointer)
        if isinstance(items, list) and items:
            return len(items)
    return 1


_MAX_ROWS = 24
# A row number as a form names it: ASCII digits ("²" is a digit to str.isdigit, not to int).
_ROW_INDEX = re.compile(r"[0-9]{1,3}")


def _form_rows(
    field: FieldSpec, form: Mapping[str, Any], *, keep_blank: bool
) -> list[dict[str, str]]:
    """Read a repeatable group's rows (``<name>-<index>-<item>``) from a posted form."""
    prefix = f"{field.name}-"
    by_index: dict[int, dict[str, str]] = {}
    items = {item.name for item in field.items}
    for key, value in form.items():
        if not key.startswith(prefix):
            continue
        index_text, _, item = key[len(prefix) :].partition("-")
        if _ROW_INDEX.fullmatch(index_text) and int(index_text) < _MAX_ROWS and item in items:
            by_index.setdefault(int(index_text), {})[item] = _as_text(value)
    if not by_index:
        return []
    rows = [by_index.get(i, {}) for i in range(max(by_index) + 1)]
    if keep_blank:
        return rows
    return [row for row in rows if any(v.strip() for v in row.values())]


def read_form(spec: RouteSpec, form: Mapping[str, Any]) -> dict[str, Any]:
    """Turn a posted form into the field values :func:`answers.build_answer` takes.

    Args:
        spec: the route answered.
        form: the posted form (name -> text).

    Returns:
        Field name -> the text typed; a repeatable group -> a list of rows (item name ->
        text), leaving out rows the customer left blank.
    """
    values: dict[str, Any] = {}
    for field in spec.fields:
        if field.type == "periods":
            values[field.name] = _form_rows(field, form, keep_blank=False)
        else:
            values[field.name] = _as_text(form.get(field.name))
    return values


def write_form(spec: RouteSpec, values: Mapping[str, Any]) -> dict[str, str]:
    """Turn field values (as :func:`read_form` returns them) back into form names and texts.

    Rows of a group are numbered afresh, so after blank rows were dropped the row an error
    points at (``/hours/1/cost``) is the row shown second.
    """
    form: dict[str, str] = {}
    for field in spec.fields:
        value = values.get(field.name)
        if field.type == "periods" and isinstance(value, list):
            for index, row in enumerate(value):
                for item, text in row.items():
                    form[f"{field.name}-{index}-{item}"] = _as_text(text)
        elif value is not None:
            form[field.name] = _as_text(value)
    return form


def _currency(field: FieldSpec, page: Page, parent: FieldSpec | None = None) -> str | None:
    code = answers.field_currency(field, page.data)
    if code is None and parent is not None:
        code = answers.field_currency(parent, page.data)
    return code


def _field_view(
    field: FieldSpec,
    page: Page,
    context: tuple[Mapping[str, Any], Mapping[str, Any] | None, str],
    errors: _ErrorIndex,
) -> FieldView:
    values, form, locale = context
    if field.type == "periods":
        return _periods_view(field, page, context, errors)
    currency = _currency(field, page) if field.type == "money" else None
    if form is not None:
        shown = _as_text(form.get(field.name))
    else:
        wire = answers.current_value(field, page, values)
        shown = _as_text(answers.to_form(field, wire, unit=answers.money_unit(currency)))
    if field.type == "country":
        shown = shown.strip().upper()
        choices = _country_choices(field, locale, shown)
    else:
        choices = _choices(field, page.data, shown)
    view = FieldView(
        name=field.name,
        id=_dom_id(field.name),
        type=field.type,
        label=field.label,
        hint=field.hint,
        required=field.required,
        autocomplete=field.autocomplete,
        value=shown,
        choices=choices,
        unit=input_unit(currency, locale) if field.type == "money" else None,
    )
    return attrs.evolve(view, error=errors.take(view.target_id, within=field.pointer))


def _periods_view(
    field: FieldSpec,
    page: Page,
    context: tuple[Mapping[str, Any], Mapping[str, Any] | None, str],
    errors: _ErrorIndex,
) -> FieldView:
    values, form, locale = context
    count = min(period_rows(field, form, values, page.data), _MAX_ROWS)
    wire = answers.current_value(field, page, values)
    entries = wire if isinstance(wire, list) else []
    posted = _form_rows(field, form, keep_blank=True) if form is not None else []
    rows = []
    for index in range(count):
        entry = entries[index] if index < len(entries) else {}
        cells: list[FieldView] = []
        for item in field.items:
            currency = _currency(item, page, field) if item.type == "money" else None
            if form is not None:
                shown = posted[index].get(item.name, "") if index < len(posted) else ""
            else:
                value = resolve_pointer(entry, item.pointer) if isinstance(entry, Mapping) else None
                unit = answers.money_unit(currency)
                shown = _as_text(answers.to_form(item, value, unit=unit))
            cell = FieldView(
                name=f"{field.name}-{index}-{item.name}",
                id=_dom_id(field.name, index, item.name),
                type=item.type,
                label=item.label,
                hint=item.hint,
                required=item.required,
                autocomplete=item.autocomplete,
                value=shown,
                unit=input_unit(currency, locale) if item.type == "money" else None,
            )
            # An error about a whole row (``/hours/1``) goes beside the row's first input; one
            # about the whole group (``/hours``) is left for the group below.
            row_pointer = f"{field.pointer}/{index}"
            exact = (f"{row_pointer}{item.pointer}",) + ((row_pointer,) if not cells else ())
            cells.append(attrs.evolve(cell, error=errors.take(cell.id, exact=exact)))
        rows.append(tuple(cells))
    group = FieldView(
        name=field.name,
        id=_dom_id(field.name),
        type="periods",
        label=field.label,
        hint=field.hint,
        required=field.required,
        rows=tuple(rows),
        can_add_row=count < _MAX_ROWS,
    )
    # Errors about the group as a whole (a gap between periods) go to the group's first input.
    return attrs.evolve(group, error=errors.take(group.target_id, within=field.pointer))


def _provider(data: Mapping[str, Any]) -> tuple[str | None, str | None]:
    provider = data.get("provider")
    if not isinstance(provider, Mapping):
        return None, None
    name = provider.get("display_name") or provider.get("name")
    return (name if isinstance(name, str) and name else None), safe_url(provider.get("logo_url"))


def _humanise(route: str) -> str:
    return route.replace("_", " ").strip().capitalize() or "Connect"


def build_page_view(
    page: Page,
    errors: Sequence[FieldError],
    context: RenderContext,
    *,
    locale: str = "en_GB",
) -> PageView:
    """Build the view model of ``page``.

    Args:
        page: the page Connect sent.
        errors: the problems with the customer's last answer (pointers into the answer's data).
        context: the pack, the route spec, the customer's last answer and the host's extras;
            ``extra`` may hold ``form`` (the posted form, to show exactly what was typed),
            ``form_action``, ``csrf_token`` and ``form_id``.
        locale: the Babel locale for prices and dates.

    Returns:
        The view.
    """
    spec: RouteSpec | None = context.spec
    pack = context.pack
    extra = context.extra
    raw_form = extra.get("form")
    form = raw_form if isinstance(raw_form, Mapping) else None
    index = _ErrorIndex(errors)
    fields = tuple(
        _field_view(f, page, (context.values, form, locale), index)
        for f in (spec.fields if spec is not None else ())
    )
    allowed = answers.offered_actions(page, pack)
    label_route = spec.name if spec is not None else page.route
    back = ActionView("BACK", pack.action_label("BACK", label_route)) if "BACK" in allowed else None
    actions = tuple(
        ActionView(
            name,
            pack.action_label(name, label_route),
            "warning" if name in _DESTRUCTIVE else "secondary",
        )
        for name in allowed
        if name != "BACK"
    )
    provider_name, provider_logo = _provider(page.data)
    currency = page.data.get("currency_code")
    return PageView(
        route=page.route,
        canonical=spec.name if spec is not None else page.route,
        version=page.version,
        known=spec is not None,
        title=spec.title if spec is not None else _humanise(page.route),
        lead=spec.lead if spec is not None else None,
        provider_name=provider_name,
        provider_logo=provider_logo,
        fields=fields,
        answer=spec.answer if spec is not None else ("data_or_action" if page.actions else "none"),
        allow_empty=spec.allow_empty if spec is not None else False,
        back=back,
        actions=actions,
        errors=index.summary(),
        form=FormView(
            action=str(extra.get("form_action", "")),
            csrf_token=str(extra.get("csrf_token", "")),
            form_id=str(extra.get("form_id", "")),
        ),
        data=page.data,
        currency=currency if isinstance(currency, str) else None,
        pack=pack,
    )
