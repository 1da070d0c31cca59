"""What the ``demo``, ``run`` and ``replay`` commands share: renderers, inputs, the session loop.

A session run from the command line always ends in an :class:`~flatpeak_connect.Outcome`,
never in a traceback: the end of input (Ctrl-D), an interrupt (Ctrl-C), a script that does not
fit, Connect unreachable -- each becomes an outcome with a message, printed by
:func:`print_outcome`.
"""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING, Any, Literal, TextIO

import attrs

from flatpeak_connect.cli import EXIT_FAILED, EXIT_OK, EXIT_USAGE
from flatpeak_connect.engine.errors import ConnectError, ScriptError, TransitionRefused
from flatpeak_connect.engine.models import Outcome, OutcomeStatus
from flatpeak_connect.engine.typing import Renderer
from flatpeak_connect.renderers.json.encode import dumps
from flatpeak_connect.renderers.json.inputs import JsonInput
from flatpeak_connect.renderers.json.renderer import JsonRenderer
from flatpeak_connect.renderers.text import Style, TextRenderer
from flatpeak_connect.renderers.text.reader import InputClosed, LineReader
from flatpeak_connect.renderers.text.sanitize import clean
from flatpeak_connect.renderers.text.terminal import TerminalInput

if TYPE_CHECKING:
    from collections.abc import Mapping

    from flatpeak_connect.engine.flow import Flow, Redirector
    from flatpeak_connect.engine.models import Rendered
    from flatpeak_connect.engine.typing import InputSource

__all__ = [
    "RENDERERS",
    "Console",
    "exit_code",
    "print_outcome",
    "run_session",
]

RendererName = Literal["text", "json"]
RENDERERS: tuple[RendererName, ...] = ("text", "json")
"""The ``--renderer`` choices."""


@attrs.define
class Console:
    """The terminal a command talks to: a renderer, and an input source when a person answers.

    Attributes:
        kind: ``text`` (pages as text, answers at prompts) or ``json`` (one view model per line
            on standard output, one JSON answer per line on standard input).
        out: where pages go.
        reader: where a person's lines come from.
        renderer: the renderer.
    """

    kind: RendererName
    out: TextIO = attrs.field(factory=lambda: sys.stdout)
    reader: LineReader = attrs.field(init=False)
    renderer: Renderer = attrs.field(init=False)

    def __attrs_post_init__(self) -> None:
        if self.kind == "json":
            # Standard output carries JSON lines only: the answers read are not echoed there.
            self.reader = LineReader(stdout=self.out, echo=False)
            self.renderer = JsonRenderer()
        else:
            self.reader = LineReader(stdout=self.out)
            self.renderer = TextRenderer(style=Style.for_stream(self.out))

    @property
    def style(self) -> Style:
        """The colour and width of text output."""
        renderer = self.renderer
        return renderer.style if isinstance(renderer, TextRenderer) else Style()

    def show(self, rendered: Rendered) -> None:
        """Print one rendered page (a blank line before a text page sets pages apart)."""
        if self.kind == "text":
            self.out.write("\n")
        self.out.write(rendered.body if rendered.body.endswith("\n") else rendered.body + "\n")
        self.out.flush()

    def input_source(self) -> InputSource:
        """Return the input source for a person (or a program) at this console."""
        if self.kind == "json":
            return JsonInput(self._read_json, show=self._show_view)
        return TerminalInput(self.reader, out=self.out, style=self.style)

    async def _read_json(self) -> Any:
        while True:
            line = await self.reader.readline()
            if not line.strip():
                continue
            try:
                return json.loads(line)
            except ValueError:
                # Not JSON: read_answer refuses it with a message the program can act on.
                return line

    async def _show_view(self, view: Mapping[str, Any]) -> None:
        self.out.write(dumps(view) + "\n")
        self.out.flush()

    async def ask(self, prompt: str) -> str:
        """Ask one question at the prompt and return the answer, stripped."""
        return (await self.reader.readline(self.style.bold(prompt))).strip()

    def say(self, text: str = "") -> None:
        """Print a line for people (text consoles only; a JSON console prints only JSON)."""
        if self.kind == "text":
            self.out.write(text + "\n")
            self.out.flush()


async def run_session(
    flow: Flow,
    token: str,
    console: Console,
    input_source: InputSource,
    *,
    on_redirect: Redirector | None = None,
) -> tuple[Outcome, int]:
    """Run a session to its end and return the outcome with the command's exit status.

    Args:
        flow: the flow, with its transport.
        token: the connect token.
        console: where pages are shown.
        input_source: who answers (a person, a script, a program).
        on_redirect: opens a provider login and returns once the customer is back.

    Returns:
        The outcome, and the exit status: 0 complete, 1 ended otherwise, 2 when the answers
        do not fit the session (a script for other pages, an answer the page does not allow).
    """
    try:
        outcome = await flow.run(
            token, console.renderer, input_source, on_redirect=on_redirect, on_render=console.show
        )
    except InputClosed as exc:
        return _closed(flow, f"The session was closed: {exc}."), EXIT_FAILED
    except (ScriptError, TransitionRefused) as exc:
        return _failed(flow, str(exc)), EXIT_USAGE
    except ConnectError as exc:
        return _failed(flow, str(exc)), EXIT_FAILED
    return outcome, exit_code(outcome)


def _closed(flow: Flow, message: str) -> Outcome:
    try:
        return flow.close(message)
    except TransitionRefused:
        return Outcome(OutcomeStatus.CLOSED, route=_route(flow), message=message)


def _failed(flow: Flow, message: str) -> Outcome:
    return Outcome(OutcomeStatus.FAILED, route=_route(flow), message=message)


def _route(flow: Flow) -> str | None:
    return flow.page.route if flow.page is not None else None


def exit_code(outcome: Outcome) -> int:
    """Return the exit status of a session that ended in ``outcome``: 0 complete, else 1."""
    return EXIT_OK if outcome.status is OutcomeStatus.COMPLETE else EXIT_FAILED


def print_outcome(
    outcome: Outcome, *, out: TextIO | None = None, err: TextIO | None = None
) -> None:
    """Print the outcome as one JSON line (the last line), and why, for people, on stderr.

    Args:
        outcome: how the session ended.
        out: where the JSON line goes (default: standard output).
        err: where the message goes when the session did not complete (default: stderr).
    """
    out = out if out is not None else sys.stdout
    err = err if err is not None else sys.stderr
    if outcome.status is not OutcomeStatus.COMPLETE:
        reason = clean(outcome.message) or f"The session ended: {outcome.status.value}."
        err.write(f"flatpeak-connect: {outcome.status.value}: {reason}\n")
        err.flush()
    out.write(json.dumps(outcome.to_json()) + "\n")
    out.flush()


def login_waiter(console: Console, flow: Flow) -> Redirector:
    """Return an ``on_redirect`` that shows a provider login and waits for the customer's return.

    A text console prints the URL and waits for Enter; a JSON console prints the redirect
    page's view model (``kind`` ``redirect``, ``redirect_url`` set) and waits for one line
    (any JSON, such as ``{}``) that says the customer is back.

    Args:
        console: where the URL is shown.
        flow: the session (for the redirect page).

    Returns:
        The redirector.
    """

    async def wait(url: str) -> None:
        if console.kind == "json":
            page = flow.page
            if page is not None:
                console.show(console.renderer.render(page, (), flow.render_context()))
            await console.reader.readline()
            return
        console.say()
        console.say(console.style.bold("Sign in with your supplier to connect your tariff:"))
        console.say("  " + clean(url))
        await console.ask("Press Enter when you have signed in and come back: ")

    return wait
