"""``flatpeak-connect validate``: check a captured page, or an answer, against its schema pack."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flatpeak_connect.cli import EXIT_FAILED, EXIT_OK, EXIT_USAGE
from flatpeak_connect.engine.spec import available_versions
from flatpeak_connect.engine.validation import (
    PAGE_ENVELOPE,
    get_validator,
    not_a_page,
    versions_knowing,
)

if TYPE_CHECKING:
    from collections.abc import Sequence

    from flatpeak_connect.engine.models import FieldError

__all__ = ["register", "run"]

_DESCRIPTION = """\
Validate a page as Connect sent it (a whole response body), or with --answer a request body
as a client would post it, against the schema pack of its protocol version.
"""

_EPILOG = """\
output:
  valid:    one line, "valid <route> page (<version>)", exit status 0
  invalid:  one line per problem, "<pointer>: <code>: <message>", exit status 1
            (for a page the pointer goes into the whole page, for an answer into its "data";
            the document's root, the pointer "", is printed as "/")
  unusable: a message on standard error, exit status 2 (the file is missing or not a JSON
            object, the version is unknown, or it cannot be told from the route)

page codes: member_missing, type_invalid, value_invalid, schema_violation, not_a_page (an
error body or a non-object). Answer codes are Connect's own: the route's documented codes,
action_missing, action_invalid, data_json_invalid. See docs/validation.md.
"""


class _UnusableInput(Exception):
    """The input cannot be validated at all (exit status 2)."""


def register(subparsers: Any) -> None:
    """Add the ``validate`` command to the command line.

    Args:
        subparsers: the object ``ArgumentParser.add_subparsers`` returned.
    """
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "validate",
        help="check a captured page or answer against its schema pack",
        description=_DESCRIPTION,
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("file", metavar="FILE", help="a JSON file, or - for standard input")
    parser.add_argument(
        "--version",
        dest="protocol_version",
        metavar="VERSION",
        help=(
            f"the protocol version ({', '.join(available_versions()) or 'none installed'}); "
            "by default it is inferred from the route when only one version knows it"
        ),
    )
    parser.add_argument(
        "--answer",
        action="store_true",
        help="the file is a request body (what a client posts), not a page",
    )
    parser.set_defaults(handler=run)


def _read(name: str) -> dict[str, Any]:
    try:
        if name == "-":
            text = sys.stdin.read()
            name = "standard input"
        else:
            text = Path(name).read_text(encoding="utf-8")
    except OSError as exc:
        raise _UnusableInput(f"cannot read {name}: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise _UnusableInput(f"cannot read {name}: it is not UTF-8 text") from exc
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        where = f"line {exc.lineno}, column {exc.colno}"
        raise _UnusableInput(f"{name} is not JSON: {exc.msg} ({where})") from exc
    if not isinstance(document, dict):
        kind = "an array" if isinstance(document, list) else f"a {type(document).__name__}"
        raise _UnusableInput(f"{name} holds {kind}, not a JSON object")
    return document


def _version(asked: str | None, route: Any, *, answer: bool) -> str:
    known = available_versions()
    if asked is not None:
        if asked not in known:
            raise _UnusableInput(
                f"no schema pack for version {asked!r} (known: {', '.join(known) or 'none'})"
            )
        return asked
    versions = versions_knowing(route)
    if len(versions) == 1:
        return versions[0]
    if versions:
        raise _UnusableInput(
            f"route {route!r} is in more than one version ({', '.join(versions)}): "
            "pass --version to say which"
        )
    if not isinstance(route, str):
        raise _UnusableInput("the document names no route: pass --version to say which version")
    fallback = "" if answer else " (a page of an unknown route is checked against its envelope)"
    raise _UnusableInput(f"no version knows route {route!r}: pass --version{fallback}")


def _print_errors(errors: Sequence[FieldError]) -> None:
    for error in errors:
        print(f"{error.pointer or '/'}: {error.code}: {error.message}")


def run(args: argparse.Namespace) -> int:
    """Validate the file named on the command line and report, as the help text describes.

    Args:
        args: the parsed arguments (``file``, ``protocol_version``, ``answer``).

    Returns:
        0 valid, 1 invalid, 2 when the input cannot be validated.
    """
    try:
        document = _read(args.file)
        if not args.answer:
            problem = not_a_page(document)
            if problem is not None:
                _print_errors([problem])
                return EXIT_FAILED
        route = document.get("route")
        version = _version(args.protocol_version, route, answer=args.answer)
    except _UnusableInput as exc:
        print(f"flatpeak-connect validate: {exc}", file=sys.stderr)
        return EXIT_USAGE
    validator = get_validator(version)
    if args.answer:
        errors = validator.validate_answer(document)
        verdict = f"valid {route} answer ({version})"
    else:
        errors = validator.validate_page(document)
        if validator.page_schema(route) == PAGE_ENVELOPE:
            verdict = (
                f"valid page ({version}): route {route!r} is not in the pack, "
                "so only the page envelope was checked"
            )
        else:
            verdict = f"valid {route} page ({version})"
    if errors:
        _print_errors(errors)
        return EXIT_FAILED
    print(verdict)
    return EXIT_OK
