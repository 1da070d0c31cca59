"""The terminal input: asks a page's questions at the prompt and returns the answer.

For each field of the route spec it shows a prompt with the current value as the default (Enter
keeps it; ``-`` clears an optional value), offers choices by number, and accepts an action name
(``back``, ``close``, the route's own such as ``provider_missing``) at any prompt. Each answer is
checked against the route's answer schema as soon as it is typed, and the whole answer again
before it is returned, so a customer sees the documented message (``Enter your postcode.``) next
to the field and is asked again, with what they typed kept as the default. Errors Connect sent
back are shown the same way.

Reading never blocks the event loop (:class:`~.reader.LineReader`); Ctrl-D and Ctrl-C raise
:class:`~.reader.InputClosed`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from flatpeak_connect.engine.answers import (
    build_answer,
    current_value,
    field_choices,
    field_currency,
    money_unit,
    to_form,
)
from flatpeak_connect.engine.errors import TransitionRefused
from flatpeak_connect.engine.models import FieldError, Submission
from flatpeak_connect.engine.spec import load_pack
from flatpeak_connect.engine.validation import get_validator
from flatpeak_connect.renderers.text.reader import LineReader
from flatpeak_connect.renderers.text.sanitize import clean
from flatpeak_connect.renderers.text.style import Style
from flatpeak_connect.renderers.text.view import (
    ActionItem,
    actions_for,
    errors_for_field,
    find_action,
    shown_fields,
)

if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import TextIO

    from flatpeak_connect.engine.answers import Choice, MoneyUnit
    from flatpeak_connect.engine.models import Page
    from flatpeak_connect.engine.spec import FieldSpec, RouteSpec
    from flatpeak_connect.engine.validation import PackValidator

__all__ = ["TerminalInput"]

_CLEAR = "-"
_YES = frozenset({"y", "yes"})
_NO = frozenset({"n", "no"})


class _ActionChosen(Exception):
    """Raised out of a prompt when the person typed an action instead of a value."""

    def __init__(self, item: ActionItem) -> None:
        super().__init__(item.name)
        self.item = item


class TerminalInput:
    """An InputSource that asks a person at the terminal.

    Args:
        reader: where lines come from (default: a :class:`LineReader` on standard input).
        out: where prompts and messages go (default: the reader's output).
        style: colour of messages (default: detected for ``out``).
        validator: checks answers (default: the page version's validator).
    """

    def __init__(
        self,
        reader: LineReader | None = None,
        *,
        out: TextIO | None = None,
        style: Style | None = None,
        validator: PackValidator | None = None,
    ) -> None:
        self.reader = reader if reader is not None else LineReader()
        self.out = out if out is not None else self.reader.stdout
        self.style = style if style is not None else Style.for_stream(self.out)
        self._validator = validator
        self._kept: dict[str, dict[str, Any]] = {}

    async def collect(self, page: Page, errors: Sequence[FieldError]) -> Submission:
        """Ask ``page``'s questions and return the answer (data or an action).

        Args:
            page: the page shown (already rendered above the prompt).
            errors: problems with the last answer to this page; each is shown before its
                field's prompt, and what was typed last time is offered again.

        Returns:
            An answer that passed the route's answer schema, or an offered action.

        Raises:
            InputClosed: on Ctrl-D or Ctrl-C.
            TransitionRefused: for a page that takes no answer (a redirect, the end).
        """
        pack = load_pack(page.version)
        spec = pack.route(page.route)
        actions = actions_for(page, pack)
        if spec is not None and spec.kind != "page":
            raise TransitionRefused(f"{page.route} takes no answer")
        if spec is None or not shown_fields(spec, page):
            return await self._choose_action(page, actions)
        kept = self._kept.get(page.route) if errors else None
        questions = _Questions(
            self,
            page,
            spec,
            actions,
            self._validator or get_validator(page.version),
            form=dict(kept) if kept is not None else _defaults(spec, page),
            errors=list(errors),
        )
        try:
            submission = await questions.ask()
        except _ActionChosen as chosen:
            return _action_submission(page, chosen.item)
        self._kept[page.route] = questions.form
        return submission

    async def _choose_action(self, page: Page, actions: Sequence[ActionItem]) -> Submission:
        if not actions:
            raise TransitionRefused(
                f"{page.route} offers no action and asks nothing: there is nothing to answer"
            )
        numbers = f"1-{len(actions)}" if len(actions) > 1 else "1"
        while True:
            text = await self.reader.readline(self.style.bold(f"Your choice ({numbers}): "))
            item = find_action(text, actions)
            if item is not None:
                return _action_submission(page, item)
            names = ", ".join(a.token for a in actions)
            self.say_error(f"Type a number from {numbers}, or one of: {names}.")

    async def prompt(
        self,
        page: Page,
        field: FieldSpec,
        default: Any,
        actions: Sequence[ActionItem],
        *,
        currency_field: FieldSpec | None = None,
    ) -> str | ActionItem:
        """Ask one value at the prompt, with ``default`` offered (Enter keeps it).

        Args:
            page: the page the field is on (for its choices and currency).
            field: the field asked.
            default: what the field holds now, as a person types it.
            actions: the actions that may be typed instead of a value.
            currency_field: the field whose currency a price is in (a period's parent).

        Returns:
            What was typed (or the default), as typed; a choice's value; or the action whose
            name was typed instead.
        """
        choices = field_choices(field, page.data) if field.type == "choice" else ()
        unit = money_unit(field_currency(currency_field or field, page.data))
        default_text = default if isinstance(default, str) else ""
        if choices:
            shown = next((str(n) for n, c in enumerate(choices, 1) if c.value == default_text), "")
        else:
            shown = clean(default_text)
        prompt = _prompt_text(field, unit, len(choices), shown)
        while True:
            text = (await self.reader.readline(self.style.bold(prompt))).strip()
            item = find_action(text, actions)
            if item is not None and not _is_choice(text, choices):
                return item
            if not text:
                return default_text
            if text == _CLEAR and not field.required:
                return ""
            if not choices:
                return text
            chosen = _choice(text, choices)
            if chosen is not None:
                return chosen.value
            self.say_error(f"Type a number from 1 to {len(choices)}.", indent=2)

    async def confirm(
        self, question: str, *, default: bool, actions: Sequence[ActionItem]
    ) -> bool | ActionItem:
        """Ask a yes/no question; Enter takes ``default``.

        Returns:
            The answer, or the action whose name was typed instead.
        """
        hint = "Y/n" if default else "y/N"
        while True:
            text = (await self.reader.readline(self.style.bold(f"{question} [{hint}]: "))).strip()
            item = find_action(text, actions)
            if item is not None:
                return item
            if not text:
                return default
            if text.lower() in _YES | _NO:
                return text.lower() in _YES
            self.say_error("Type y or n.", indent=2)

    def heading(self, text: str) -> None:
        """Print a line of heading (a period's number)."""
        self.out.write(self.style.bold(text) + "\n")

    def say_error(self, message: str, *, indent: int = 0) -> None:
        """Print an error message, next to the prompt it concerns."""
        self.out.write(" " * indent + self.style.error("! " + message) + "\n")
        self.out.flush()


class _Questions:
    """The questions of one page, asked in order, each checked as soon as it is answered.

    Attributes:
        form: what the person typed, by field name (a list of rows for ``periods``).
        errors: the problems still open, client's and Connect's.
    """

    def __init__(
        self,
        terminal: TerminalInput,
        page: Page,
        spec: RouteSpec,
        actions: Sequence[ActionItem],
        validator: PackValidator,
        *,
        form: dict[str, Any],
        errors: list[FieldError],
    ) -> None:
        self.terminal = terminal
        self.page = page
        self.spec = spec
        self.actions = actions
        self.validator = validator
        self.form = form
        self.errors = errors

    async def ask(self) -> Submission:
        """Ask every field; ask again those the whole answer still has errors on."""
        fields = shown_fields(self.spec, self.page)
        ask = fields
        while True:
            for field in ask:
                if field.type == "periods":
                    await self._periods(field)
                else:
                    await self._value(field, field.pointer, self.form, field.name)
            submission, self.errors = self._finish()
            if submission is not None:
                return submission
            ask = [f for f in fields if errors_for_field(f, self.errors)] or fields
            for error in self.errors:
                if not any(errors_for_field(f, [error]) for f in fields):
                    self.terminal.say_error(clean(error.message))

    def _finish(self) -> tuple[Submission | None, list[FieldError]]:
        built = build_answer(self.spec, self.form, self.page)
        if built.errors:
            return None, list(built.errors)
        if not built.data and self.spec.allow_empty:
            return Submission(self.page.route), []
        submission = Submission(self.page.route, data=built.data)
        found = self.validator.validate_answer(submission.to_payload(self.page.connect_token))
        return (None, found) if found else (submission, [])

    def _errors_at(self, pointer: str) -> list[FieldError]:
        """The errors at ``pointer`` of the answer built from the form as it stands."""
        built = build_answer(self.spec, self.form, self.page)
        found = list(built.errors)
        if not found:
            payload = Submission(self.page.route, data=built.data).to_payload(
                self.page.connect_token
            )
            found = self.validator.validate_answer(payload)
        return [e for e in found if e.pointer == pointer]

    async def _value(
        self,
        field: FieldSpec,
        pointer: str,
        target: dict[str, Any],
        key: str,
        currency_field: FieldSpec | None = None,
    ) -> None:
        """Ask one value into ``target[key]`` until it has no error at ``pointer``."""
        mine = [e for e in self.errors if e.pointer == pointer]
        while True:
            for error in mine:
                self.terminal.say_error(clean(error.message), indent=2)
            typed = await self.terminal.prompt(
                self.page, field, target.get(key), self.actions, currency_field=currency_field
            )
            if isinstance(typed, ActionItem):
                raise _ActionChosen(typed)
            target[key] = typed
            mine = self._errors_at(pointer)
            if not mine:
                self.errors = [e for e in self.errors if e.pointer != pointer]
                return

    async def _periods(self, field: FieldSpec) -> None:
        """Ask periods one by one, then check them together (gaps, 24 hours)."""
        given = self.form.get(field.name)
        defaults: list[dict[str, Any]] = list(given) if isinstance(given, list) else []
        whole = [e for e in self.errors if e.pointer == field.pointer]
        while True:
            for error in whole:
                self.terminal.say_error(clean(error.message), indent=2)
            rows: list[dict[str, Any]] = []
            self.form[field.name] = rows
            while True:
                index = len(rows)
                row = dict(defaults[index]) if index < len(defaults) else {}
                rows.append(row)
                self.terminal.heading(f"{clean(field.label)}, period {index + 1}")
                for item in field.items:
                    pointer = f"{field.pointer}/{index}{item.pointer}"
                    owner = item if item.currency is not None else field
                    await self._value(item, pointer, row, item.name, owner)
                more = len(rows) < len(defaults)
                another = await self.terminal.confirm(
                    "Add another period?", default=more, actions=self.actions
                )
                if isinstance(another, ActionItem):
                    raise _ActionChosen(another)
                if not another:
                    break
            whole = self._errors_at(field.pointer)
            if not whole:
                return
            defaults = rows


def _defaults(spec: RouteSpec, page: Page) -> dict[str, Any]:
    """What each field holds now, as a person would type it."""
    return {
        field.name: to_form(field, current_value(field, page), page.data) for field in spec.fields
    }


def _prompt_text(field: FieldSpec, unit: MoneyUnit | None, choices: int, default: str) -> str:
    label = clean(field.label)
    notes: list[str] = []
    if choices:
        notes.append(f"1-{choices}" if choices > 1 else "1")
    elif field.type == "money" and unit is not None:
        notes.append(f"in {unit.minor_symbol}" if unit.uses_minor else f"in {unit.currency}")
    elif field.type == "date":
        notes.append("YYYY-MM-DD")
    elif field.type == "time":
        notes.append("HH:MM")
    elif field.type == "percentage":
        notes.append("%")
    if not field.required and "optional" not in label.lower():
        notes.append("optional")
    note = f" ({', '.join(notes)})" if notes else ""
    shown = f" [{default}]" if default else ""
    return f"{label}{note}{shown}: "


def _is_choice(text: str, choices: Sequence[Choice]) -> bool:
    return bool(choices) and _choice(text, choices) is not None


def _choice(text: str, choices: Sequence[Choice]) -> Choice | None:
    # ASCII digits only: "²" passes str.isdigit() but int() refuses it.
    if text.isascii() and text.isdigit() and 1 <= int(text) <= len(choices):
        return choices[int(text) - 1]
    lowered = text.lower()
    return next(
        (c for c in choices if lowered in {c.value.lower(), c.label.lower()}),
        None,
    )


def _action_submission(page: Page, item: ActionItem) -> Submission:
    if not item.name:  # "skip": the route allows an answer with neither data nor action
        return Submission(page.route)
    return Submission(page.route, action=item.name)
