"""Validation of pages and answers against a schema pack: validate fast, explain slow.

``get_validator("zero")`` loads the pack's schema files once (``importlib.resources``), registers
them in a :mod:`referencing` registry and in a :class:`jsonschema_rs.Registry` (no schema is ever
fetched from the network), and compiles one validator per schema. A compiled ``jsonschema-rs``
validator gives the verdict, in about a microsecond; only a document it rejects goes through the
pure-Python :mod:`jsonschema` validator, which says precisely where and why.

What comes out is a list of :class:`~flatpeak_connect.engine.models.FieldError`:

- for a **page** (what Connect sends), pointers into the whole page and one of the page codes
  (:data:`PAGE_CODES`); a page whose route the pack does not know is checked against the page
  envelope only, so that a renderer's generic fallback can show it;
- for an **answer** (what the client posts), pointers into the answer's ``data`` and the codes
  Connect itself documents for the route (``post_code_missing``, ``gap_in_time_period`` ...), so the
  customer sees the same message before a round trip as after one; envelope problems are
  ``action_missing`` / ``action_invalid``, anything else ``data_json_invalid``.

See docs/validation.md.
"""

from __future__ import annotations

import functools
import json
import logging
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Final

import attrs
import jsonschema_rs
import referencing
from jsonschema import Draft202012Validator, ValidationError
from jsonschema.validators import extend
from referencing.jsonschema import DRAFT202012

from flatpeak_connect import schemas
from flatpeak_connect.engine.checks import CHECKS
from flatpeak_connect.engine.errors import ConnectError
from flatpeak_connect.engine.models import FieldError, is_array_index, resolve_pointer
from flatpeak_connect.engine.redaction import redact
from flatpeak_connect.engine.spec import available_versions, load_pack

if TYPE_CHECKING:
    from jsonschema.protocols import Validator

    from flatpeak_connect.engine.spec import FieldSpec, ProtocolPack, RouteSpec

__all__ = [
    "ACTION_INVALID",
    "ACTION_MISSING",
    "DATA_JSON_INVALID",
    "MEMBER_MISSING",
    "NOT_A_PAGE",
    "PAGE_CODES",
    "PAGE_ENVELOPE",
    "REQUEST_ENVELOPE",
    "SCHEMA_VIOLATION",
    "TYPE_INVALID",
    "VALIDATOR_DISAGREEMENT",
    "VALUE_INVALID",
    "PackError",
    "PackValidator",
    "get_validator",
    "infer_version",
    "not_a_page",
    "pointer_matches",
    "to_pointer",
    "versions_knowing",
]

logger = logging.getLogger(__name__)

NOT_A_PAGE: Final = "not_a_page"
"""Page code: the document is not a page at all (an error body, or not a JSON object)."""
MEMBER_MISSING: Final = "member_missing"
"""Page code: a member the schema requires is absent (the pointer names the missing member)."""
TYPE_INVALID: Final = "type_invalid"
"""Page code: a value has the wrong JSON type (a string where a number belongs ...)."""
VALUE_INVALID: Final = "value_invalid"
"""Page code: a value has the right type but not an allowed value (enum, pattern, range ...)."""
SCHEMA_VIOLATION: Final = "schema_violation"
"""Page code: any other way of breaking the schema (no alternative of an ``anyOf`` fits ...)."""
VALIDATOR_DISAGREEMENT: Final = "validator_disagreement"
"""Internal error: jsonschema-rs rejected a document in which jsonschema found nothing wrong."""
PAGE_CODES: Final = (
    NOT_A_PAGE,
    MEMBER_MISSING,
    TYPE_INVALID,
    VALUE_INVALID,
    SCHEMA_VIOLATION,
    VALIDATOR_DISAGREEMENT,
)
"""Every code :meth:`PackValidator.validate_page` can return."""

DATA_JSON_INVALID: Final = "data_json_invalid"
"""Connect's code for an answer that does not match the route's schema (no better code fits)."""
ACTION_MISSING: Final = "action_missing"
"""Connect's code for an action-only page answered without an action."""
ACTION_INVALID: Final = "action_invalid"
"""Connect's code for an action the page does not offer."""

PAGE_ENVELOPE: Final = "defs.json#/$defs/page_envelope"
"""Where a pack defines the page envelope (relative to the pack): the schema for unknown routes."""
REQUEST_ENVELOPE: Final = "defs.json#/$defs/request_envelope"
"""Where a pack defines the request envelope: the schema of a start or resume request."""

_DRAFT: Final = "https://json-schema.org/draft/2020-12/schema"
_COMBINATORS: Final = frozenset({"anyOf", "oneOf"})
_VALUE_KEYWORDS: Final = frozenset(
    {
        "const",
        "enum",
        "exclusiveMaximum",
        "exclusiveMinimum",
        "format",
        "maxLength",
        "maximum",
        "minLength",
        "minimum",
        "multipleOf",
        "not",
        "pattern",
    }
)


class PackError(ConnectError):
    """A schema pack is broken: a schema is missing, malformed or refers to nothing."""


# --- JSON Pointers -------------------------------------------------------------------------------


def _escape(token: str | int) -> str:
    return str(token).replace("~", "~0").replace("/", "~1")


def _unescape(token: str) -> str:
    return token.replace("~1", "/").replace("~0", "~")


def to_pointer(path: Iterable[str | int]) -> str:
    """Build an RFC 6901 JSON Pointer from a path of member names and array indexes.

    Args:
        path: the steps from the document's root, e.g. ``["data", "providers", 0, "id"]``.

    Returns:
        The pointer, ``""`` for the root, else ``/data/providers/0/id`` (``~`` and ``/`` escaped).
    """
    return "".join(f"/{_escape(token)}" for token in path)


def _split(pointer: str) -> list[str]:
    if pointer == "":
        return []
    return [_unescape(token) for token in pointer[1:].split("/")]


def pointer_matches(pattern: str, pointer: str) -> bool:
    """Tell whether a route spec's pointer (which may hold ``*``) names ``pointer``.

    Args:
        pattern: a pointer from a route spec; a ``*`` step matches any array index.
        pointer: a concrete pointer, e.g. ``/hours/1/cost``.

    Returns:
        ``True`` when they name the same place (``/hours/*/cost`` matches ``/hours/1/cost``).
    """
    wanted = _split(pattern)
    actual = _split(pointer)
    if len(wanted) != len(actual):
        return False
    return all(
        w == a or (w == "*" and is_array_index(a)) for w, a in zip(wanted, actual, strict=True)
    )


def _sort_key(pointer: str) -> tuple[tuple[int, int, str], ...]:
    return tuple((0, int(t), "") if is_array_index(t) else (1, 0, t) for t in _split(pointer))


# --- ECMA-262 regular expressions for the Python validator ---------------------------------------

_ESCAPES_OUTSIDE: Final = {"d": "[0-9]", "D": "[^0-9]", "w": "[A-Za-z0-9_]", "W": "[^A-Za-z0-9_]"}
_ESCAPES_INSIDE: Final = {"d": "0-9", "w": "A-Za-z0-9_"}


@functools.lru_cache(maxsize=256)
def _ecma_regex(pattern: str) -> re.Pattern[str]:
    r"""Compile a JSON Schema ``pattern`` (ECMA-262) so that Python's ``re`` reads it the same way.

    JSON Schema patterns are ECMA-262 regular expressions, and jsonschema-rs treats them so;
    Python's ``re`` differs where our schemas are exposed: ``$`` also matches before a final
    newline, ``\d`` and ``\w`` match any Unicode digit or letter, ``.`` matches ``\r``. Without
    this translation ``"GB\n"`` would pass ``^[A-Z]{2}$`` in one validator and fail in the other.
    """
    out: list[str] = []
    in_class = False
    index = 0
    while index < len(pattern):
        char = pattern[index]
        if char == "\\" and index + 1 < len(pattern):
            escaped = pattern[index + 1]
            table = _ESCAPES_INSIDE if in_class else _ESCAPES_OUTSIDE
            out.append(table.get(escaped, char + escaped))
            index += 2
            continue
        if in_class:
            in_class = char != "]"
            out.append(char)
        elif char == "[":
            in_class = True
            out.append(char)
        elif char == "$":
            out.append(r"\Z")
        elif char == ".":
            out.append("[^\n\r\u2028\u2029]")
        else:
            out.append(char)
        index += 1
    return re.compile("".join(out))


def _pattern_keyword(
    validator: Validator, pattern: str, instance: Any, _schema: Any
) -> Iterator[ValidationError]:
    if validator.is_type(instance, "string") and not _ecma_regex(pattern).search(instance):
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


_extend: Callable[..., type[Validator]] = extend  # typeshed leaves extend() unannotated
_ExplainingValidator = _extend(Draft202012Validator, validators={"pattern": _pattern_keyword})
"""Draft 2020-12, with ECMA-262 ``pattern`` semantics (as jsonschema-rs has them)."""


# --- problems: jsonschema's errors, flattened -----------------------------------------------------


@attrs.frozen
class _Problem:
    """One reason a document fails: where, which keyword, and what the keyword wanted."""

    pointer: str
    keyword: str
    instance: Any = None
    expected: Any = None
    alternatives: tuple[str, ...] = ()


def _branches(error: ValidationError) -> list[list[ValidationError]]:
    grouped: dict[Any, list[ValidationError]] = {}
    for sub in error.context or ():
        branch = sub.relative_schema_path[0] if sub.relative_schema_path else 0
        grouped.setdefault(branch, []).append(sub)
    return list(grouped.values())


def _flatten(error: ValidationError) -> list[_Problem]:
    """Turn one jsonschema error into the problems a person should hear about."""
    pointer = to_pointer(error.absolute_path)
    if error.validator == "required" and isinstance(error.instance, Mapping):
        required: Any = error.validator_value
        missing = [name for name in required if name not in error.instance]
        return [
            _Problem(f"{pointer}/{_escape(name)}", "required", alternatives=(name,))
            for name in missing
        ]
    if error.validator in _COMBINATORS and error.context:
        return _flatten_combinator(error, pointer)
    return [_Problem(pointer, str(error.validator), error.instance, error.validator_value)]


def _flatten_combinator(error: ValidationError, pointer: str) -> list[_Problem]:
    branches = [[p for sub in branch for p in _flatten(sub)] for branch in _branches(error)]
    # Two spellings, one of them required (anyOf of two `required` lists): one problem that
    # names both, placed at the first spelling.
    if all(b and all(p.keyword == "required" for p in b) for b in branches):
        names = tuple(dict.fromkeys(b[0].alternatives[0] for b in branches))
        return [_Problem(f"{pointer}/{_escape(names[0])}", "required", alternatives=names)]
    # A value of none of the allowed types (anyOf of `type`s): one problem listing them all.
    wrong_type = [any(p.keyword == "type" and p.pointer == pointer for p in b) for b in branches]
    if all(wrong_type):
        expected: list[Any] = []
        for branch in branches:
            for problem in branch:
                if problem.keyword == "type" and problem.pointer == pointer:
                    types = problem.expected
                    expected.extend(types if isinstance(types, list) else [types])
        return [_Problem(pointer, "type", error.instance, list(dict.fromkeys(expected)))]
    # Otherwise explain the alternative that came closest: one the value's type fits, with the
    # fewest problems (the first listed on a tie).
    fitting = [b for b, wrong in zip(branches, wrong_type, strict=True) if not wrong]
    return min(fitting, key=len)


_JSON_TYPES: Final[tuple[tuple[type | tuple[type, ...], str], ...]] = (
    (type(None), "null"),
    (bool, "true/false"),
    ((int, float), "a number"),
    (str, "a string"),
    (Mapping, "an object"),
    ((list, tuple), "an array"),
)


def _json_type(value: Any) -> str:
    if value == "":
        return "an empty string"
    return next((name for kinds, name in _JSON_TYPES if isinstance(value, kinds)), "a value")


_TYPE_NAMES: Final = {
    "string": "a string",
    "number": "a number",
    "integer": "a whole number",
    "boolean": "true/false",
    "object": "an object",
    "array": "an array",
    "null": "null",
}


def _short(value: Any, limit: int = 40) -> str:
    # Redacted before it is cut: a quoted value may hold a connect token (a login's fp_cot).
    text = redact(json.dumps(value, ensure_ascii=False, default=str))
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _plural(count: Any, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def _describe_required(problem: _Problem) -> str:
    if len(problem.alternatives) > 1:
        names = " or ".join(repr(name) for name in problem.alternatives)
        return f"needs {names}; neither is here"
    return f"required member {problem.alternatives[0]!r} is missing"


def _describe_type(problem: _Problem) -> str:
    wanted = problem.expected if isinstance(problem.expected, list) else [problem.expected]
    names = " or ".join(_TYPE_NAMES.get(str(t), str(t)) for t in wanted)
    return f"expected {names}, found {_json_type(problem.instance)}"


def _describe_min_length(problem: _Problem) -> str:
    if problem.expected == 1:
        return "must not be empty"
    return f"must be at least {_plural(problem.expected, 'character')} long"


_DESCRIPTIONS: Final[Mapping[str, Callable[[_Problem], str]]] = {
    "required": _describe_required,
    "type": _describe_type,
    "enum": lambda p: (
        f"expected one of {', '.join(_short(v, 20) for v in p.expected)}; "
        f"found {_short(p.instance)}"
    ),
    "const": lambda p: f"expected {_short(p.expected)}; found {_short(p.instance)}",
    "pattern": lambda p: f"{_short(p.instance)} is not in the expected form ({p.expected})",
    "minLength": _describe_min_length,
    "maxLength": lambda p: f"must be at most {_plural(p.expected, 'character')} long",
    "minimum": lambda p: f"must be at least {p.expected}; found {_short(p.instance)}",
    "exclusiveMinimum": lambda p: f"must be more than {p.expected}; found {_short(p.instance)}",
    "maximum": lambda p: f"must be at most {p.expected}; found {_short(p.instance)}",
    "exclusiveMaximum": lambda p: f"must be less than {p.expected}; found {_short(p.instance)}",
    "minItems": lambda p: f"must have at least {_plural(p.expected, 'item')}",
    "maxItems": lambda p: f"must have at most {_plural(p.expected, 'item')}",
    "uniqueItems": lambda _: "must not repeat an item",
    "not": lambda p: f"{_short(p.instance)} is not allowed here",
    "oneOf": lambda _: "fits more than one of the allowed forms; it must fit exactly one",
    "anyOf": lambda _: "fits none of the allowed forms",
    "additionalProperties": lambda _: "has members the schema does not allow",
    "unevaluatedProperties": lambda _: "has members the schema does not allow",
    "False schema": lambda _: "nothing is allowed here",
}


def _describe(problem: _Problem) -> str:
    """Say what is wrong, in one sentence a developer or support engineer understands."""
    describe = _DESCRIPTIONS.get(problem.keyword)
    if describe is None:
        return f"breaks the schema's {problem.keyword!r} rule"
    return describe(problem)


def _page_code(problem: _Problem) -> str:
    if problem.keyword == "required":
        return MEMBER_MISSING
    if problem.keyword == "type":
        return TYPE_INVALID
    if problem.keyword in _VALUE_KEYWORDS:
        return VALUE_INVALID
    return SCHEMA_VIOLATION


# --- messages a customer reads --------------------------------------------------------------------


def _label(field: FieldSpec | None, pointer: str) -> str:
    """The field's label as it reads inside a sentence ("postcode", "price per kWh")."""
    if field is not None:
        label = field.label
    else:
        steps = [s for s in _split(pointer) if not is_array_index(s)]
        label = steps[-1].replace("_", " ") if steps else "this answer"
    if len(label) > 1 and label[0].isupper() and not label[1].isupper():
        label = label[0].lower() + label[1:]
    return label


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


_TYPE_MESSAGES: Final = {
    "money": "Enter a number, such as 0.245.",
    "percentage": "Enter a number, such as 12.5.",
    "date": "Enter a date, such as 2026-01-31.",
    "time": "Enter a time in hours, minutes and seconds, such as 06:30:00.",
    "country": "Enter a two-letter country code, such as GB.",
    "choice": "Choose one of the options.",
    "periods": "Enter each period's start time, end time and price.",
}


def _customer_message(  # noqa: C901, PLR0911, PLR0912 - one sentence per keyword and field type
    problem: _Problem, field: FieldSpec | None, data_pointer: str
) -> str:
    """Say what is wrong with an answer, as the person who typed it needs to hear it."""
    label = _label(field, data_pointer)
    kind = field.type if field is not None else None
    expected = problem.expected
    match problem.keyword:
        case "required" if data_pointer == "":
            return "Answer the question on this page, or choose one of its actions."
        case "required" | "minLength" if kind == "choice":
            return f"Choose {label}."
        case "required":
            return f"Enter {label}."
        case "minLength" if expected == 1:
            return f"Enter {label}."
        case "type" | "pattern" | "format" if kind in _TYPE_MESSAGES:
            return _TYPE_MESSAGES[kind]
        case "enum" | "const" if kind in {"choice", None}:
            return "Choose one of the options."
        case "type" if kind == "text":
            return f"Enter {label} as text."
        case "minLength":
            return f"Enter at least {_plural(expected, 'character')} for {label}."
        case "maxLength":
            return f"{_capital(label)} must be {_plural(expected, 'character')} or fewer."
        case "minimum":
            return f"{_capital(label)} must be {expected} or more."
        case "exclusiveMinimum":
            return f"{_capital(label)} must be more than {expected}."
        case "maximum":
            return f"{_capital(label)} must be {expected} or less."
        case "exclusiveMaximum":
            return f"{_capital(label)} must be less than {expected}."
        case "minItems" | "maxItems" if kind == "choice":
            return "Choose one option." if expected == 1 else f"Choose {expected} options."
        case "minItems":
            return f"Enter at least {_plural(expected, 'item')} for {label}."
        case "maxItems":
            return f"Enter no more than {_plural(expected, 'item')} for {label}."
        case "not" | "const" | "enum":
            return f"{_short(problem.instance)} is not allowed for {label}."
        case _:
            return f"Check {label}: {_describe(problem)}."


# --- the validator of one pack --------------------------------------------------------------------

_ABSENT: Final = object()


def _without_dialect(schema: Any) -> Any:
    """Return a schema without its top-level ``$schema``, for the explaining validator.

    jsonschema picks the validator class of a referenced schema from its ``$schema``, which
    would swap our ECMA-262 ``pattern`` back for Python's; every pack schema is draft 2020-12
    (the registry says so), so the dialect is dropped and the class kept.
    """
    if isinstance(schema, Mapping) and "$schema" in schema:
        return {key: value for key, value in schema.items() if key != "$schema"}
    return schema


def _refuse_rs(uri: str) -> Any:
    raise ValueError(f"{uri} is not part of the schema pack, and schemas are never fetched")


def _error_body_message(document: Mapping[str, Any]) -> str:
    code = document.get("code")
    message = document.get("message")
    said = code if isinstance(code, str) else "no code"
    if isinstance(message, str) and message:
        said += f": {_short(message, 80)}"
    return f"this is an error body from Connect ({said}), not a page"


def _envelope_message(problem: _Problem) -> str:
    """Say what is wrong with an answer's envelope (its token, route or action)."""
    steps = _split(problem.pointer)
    if problem.keyword == "required":
        return f"The answer has no {problem.alternatives[0]}."
    where = f"answer's {steps[0]}" if steps else "answer"
    return f"The {where} is not valid: {_describe(problem)}."


def not_a_page(document: Any) -> FieldError | None:
    """Tell whether a document is no page at all, whatever the protocol version.

    Args:
        document: a decoded Connect response.

    Returns:
        A ``not_a_page`` FieldError (pointer ``""``) for an error body (``"object": "error"``,
        whatever the HTTP status was) or for anything but a JSON object; ``None`` otherwise.
    """
    if not isinstance(document, Mapping):
        return FieldError("", NOT_A_PAGE, f"a page is a JSON object, not {_json_type(document)}")
    if document.get("object") == "error":
        return FieldError("", NOT_A_PAGE, _error_body_message(document))
    return None


class PackValidator:
    """The compiled validators of one schema pack.

    Build it with :func:`get_validator` (cached per version); the constructor is for packs that
    do not come from ``flatpeak_connect.schemas`` (a pack under development, a test's pack).

    Args:
        pack: the pack's route specs.
        documents: every schema file of the pack, by path relative to the pack
            (``defs.json``, ``pages/provider_select.json`` ...), parsed.

    Raises:
        PackError: when a route has no page schema (or no answer schema while it takes an answer),
            or a schema cannot be compiled (bad JSON Schema, a ``$ref`` to nothing).
    """

    def __init__(self, pack: ProtocolPack, documents: Mapping[str, Any]) -> None:
        self.pack = pack
        self.version = pack.version
        base = f"{schemas.SCHEMA_BASE_URI}{pack.version}/"
        self._base = base
        # referencing's default `retrieve` refuses every URI it does not hold; jsonschema-rs's
        # default would fetch over HTTP, so it gets a retriever that refuses.
        python_registry: referencing.Registry[Any] = referencing.Registry().with_resources(
            (base + path, DRAFT202012.create_resource(_without_dialect(schema)))
            for path, schema in documents.items()
        )
        self._python_registry = python_registry.crawl()
        try:
            self._rs_registry = jsonschema_rs.Registry(
                [(base + path, schema) for path, schema in documents.items()],
                retriever=_refuse_rs,
            )
        except ValueError as exc:
            raise PackError(f"pack {pack.version!r}: {str(exc).splitlines()[0]}") from exc
        self._rs: dict[str, jsonschema_rs.Validator] = {}
        self._python: dict[str, Validator] = {}
        self._page_refs: dict[str, str] = {}
        self._answer_refs: dict[str, str] = {}
        for name, spec in pack.routes.items():
            self._page_refs[name] = self._require(documents, f"pages/{name}.json", name)
            if spec.answer != "none":
                self._answer_refs[name] = self._require(documents, f"answers/{name}.json", name)
        for ref in (PAGE_ENVELOPE, REQUEST_ENVELOPE):
            if not self._has_def(documents, ref):
                raise PackError(f"pack {pack.version!r} has no {ref}")
        refs = [*self._page_refs.values(), *self._answer_refs.values()]
        refs += [PAGE_ENVELOPE, REQUEST_ENVELOPE]
        if "error.json" in documents:
            refs.append("error.json")
        for ref in refs:
            self._compile(ref)

    @staticmethod
    def _require(documents: Mapping[str, Any], path: str, route: str) -> str:
        if path not in documents:
            raise PackError(f"route {route!r} has no schema {path}")
        return path

    @staticmethod
    def _has_def(documents: Mapping[str, Any], ref: str) -> bool:
        path, _, fragment = ref.partition("#")
        return resolve_pointer(documents.get(path), fragment, None) is not None

    def _compile(self, ref: str) -> None:
        wrapper = {"$schema": _DRAFT, "$ref": self._base + ref}
        try:
            self._rs[ref] = jsonschema_rs.validator_for(
                wrapper,
                registry=self._rs_registry,
                retriever=_refuse_rs,
                validate_formats=False,
            )
        except jsonschema_rs.ValidationError as exc:
            first_line = str(exc).splitlines()[0]
            raise PackError(f"pack {self.version!r}: cannot compile {ref}: {first_line}") from exc
        self._python[ref] = _ExplainingValidator(
            _without_dialect(wrapper), registry=self._python_registry
        )

    # --- pages ---

    def page_schema(self, route: Any) -> str:
        """Return the schema (relative to the pack) a page of ``route`` is validated against.

        Args:
            route: the page's ``route`` member (any JSON value).

        Returns:
            ``pages/<canonical route>.json`` for a route or alias the pack knows, else the page
            envelope (:data:`PAGE_ENVELOPE`): an unknown route must still reach a renderer.
        """
        canonical = self.pack.canonical(route) if isinstance(route, str) else None
        if canonical is None:
            return PAGE_ENVELOPE
        return self._page_refs[canonical]

    def is_valid_page(self, document: Any) -> bool:
        """Tell whether ``document`` is a valid page: the fast path, with no explanation.

        Args:
            document: a decoded Connect response.

        Returns:
            ``True`` when it is a page (not an error body) that its route's schema accepts.
        """
        if not isinstance(document, Mapping) or document.get("object") == "error":
            return False
        return self._rs[self.page_schema(document.get("route"))].is_valid(document)

    def validate_page(self, document: Any) -> list[FieldError]:
        """Validate a page as Connect sent it.

        Args:
            document: a decoded Connect response.

        Returns:
            Nothing when the page is valid; else one FieldError per problem, its pointer into the
            whole page (``/data/providers/0/id``) and its code one of :data:`PAGE_CODES`. An error
            body (``"object": "error"``) is not a page and says so (``not_a_page``).
        """
        problem = not_a_page(document)
        if problem is not None:
            return [problem]
        return self._validate_document(self.page_schema(document.get("route")), document)

    def validate_error_body(self, document: Any) -> list[FieldError]:
        """Validate an error body (``"object": "error"``) against the pack's ``error.json``.

        Args:
            document: a decoded Connect response.

        Returns:
            Nothing when it is a valid error body; else FieldErrors as for a page.

        Raises:
            PackError: when the pack has no ``error.json``.
        """
        if "error.json" not in self._rs:
            raise PackError(f"pack {self.version!r} has no error.json")
        return self._validate_document("error.json", document)

    def _validate_document(self, ref: str, document: Any) -> list[FieldError]:
        if self._rs[ref].is_valid(document):
            return []
        problems = self._explain(ref, document)
        if not problems:
            return [self._disagreement(ref)]
        errors = {
            (p.pointer, _page_code(p)): FieldError(p.pointer, _page_code(p), _describe(p))
            for p in problems
        }
        return sorted(errors.values(), key=lambda e: _sort_key(e.pointer))

    def _explain(self, ref: str, document: Any) -> list[_Problem]:
        return [p for error in self._python[ref].iter_errors(document) for p in _flatten(error)]

    def _disagreement(self, ref: str) -> FieldError:
        logger.error(
            "jsonschema-rs rejected a document that jsonschema accepts (%s, %s)", self.version, ref
        )
        return FieldError(
            "",
            VALIDATOR_DISAGREEMENT,
            f"internal error: the fast validator rejected this document against {ref} but the "
            "explaining validator found nothing wrong; please report it with the document",
        )

    # --- answers ---

    def validate_answer(self, body: Any) -> list[FieldError]:
        """Validate an answer (a whole request body) before it is sent.

        The route's answer schema decides; a rejected answer is explained, and each problem is
        given the code Connect documents for it (the route spec's ``errors``, matched by
        pointer and ``when`` keyword); a problem no documented code covers is
        ``data_json_invalid``. When the shape is valid, the route's named checks run
        (``gap_in_time_period`` ...). One error per field: where one field fails several
        ways, the code listed first in the route's ``errors`` wins.

        Args:
            body: ``{"connect_token", "route", "action" | "data"}`` as it would be posted.

        Returns:
            Nothing when the answer may be sent; else FieldErrors (``source="client"``) whose
            pointers go into ``data`` (``/postal_address/city``), or ``""`` for the envelope
            (``action_missing``, ``action_invalid``) and the answer as a whole.
        """
        if not isinstance(body, Mapping):
            return [FieldError("", DATA_JSON_INVALID, "An answer is a JSON object.")]
        route = body.get("route")
        spec = self.pack.route(route) if isinstance(route, str) else None
        if spec is None:
            return self._validate_unrouted(body)
        if spec.answer == "none":
            return [FieldError("", DATA_JSON_INVALID, f"Nothing is posted on {spec.name}.")]
        ref = self._answer_refs[spec.name]
        if self._rs[ref].is_valid(body):
            return self._after_shape(spec, body)
        problems = self._explain(ref, body)
        if not problems:
            return [self._disagreement(ref)]
        return self._answer_errors(spec, problems)

    def is_valid_answer(self, body: Any) -> bool:
        """Tell whether an answer may be sent: the same verdict as :meth:`validate_answer`."""
        return not self.validate_answer(body)

    def _validate_unrouted(self, body: Mapping[str, Any]) -> list[FieldError]:
        """Validate an answer whose route is no page of the pack: absent, start, or unknown.

        An answer may leave its route out where the request envelope allows it (anode's docs
        post ``{"connect_token": ..., "action": "BACK"}``); with no route to look up, only an
        action every page accepts (the pack's universal actions) can be sent that way. The start
        and resume routes are the bare envelope. Any other route cannot be answered.
        """
        route = body.get("route")
        if "route" in body and route not in {self.pack.start_route, *self.pack.resume_routes}:
            return [
                FieldError(
                    "", DATA_JSON_INVALID, f"{_short(route)} is not a route of {self.version}."
                )
            ]
        if not self._rs[REQUEST_ENVELOPE].is_valid(body):
            problems = self._explain(REQUEST_ENVELOPE, body)
            if not problems:
                return [self._disagreement(REQUEST_ENVELOPE)]
            messages = dict.fromkeys(_envelope_message(p) for p in problems)
            return [FieldError("", DATA_JSON_INVALID, message) for message in messages]
        action = body.get("action")
        if "route" not in body and action not in self.pack.universal_actions:
            allowed = ", ".join(self.pack.universal_actions) or "no action"
            named = f"{_short(action)} cannot be sent without a route (only {allowed} can)."
            return [FieldError("", ACTION_INVALID, named)]
        return []

    def _after_shape(self, spec: RouteSpec, body: Mapping[str, Any]) -> list[FieldError]:
        action = body.get("action")
        if isinstance(action, str) and action not in self._allowed_actions(spec):
            return [self._action_invalid(spec, action)]
        errors: dict[str, tuple[int, FieldError]] = {}
        data = body.get("data")
        for rank, (code, error) in enumerate(spec.errors.items()):
            check = CHECKS.get(error.check) if error.check else None
            if check is None or "*" in error.pointer:
                continue
            value = resolve_pointer(data, error.pointer, _ABSENT)
            if value is _ABSENT or check(value):
                continue
            errors.setdefault(error.pointer, (rank, FieldError(error.pointer, code, error.message)))
        return self._ordered(spec, errors)

    def _allowed_actions(self, spec: RouteSpec) -> set[str]:
        return {a.name for a in spec.actions} | set(self.pack.universal_actions)

    def _action_invalid(self, spec: RouteSpec, action: Any) -> FieldError:
        documented = spec.errors.get(ACTION_INVALID)
        named = f"{_short(action)} is not an action of this page"
        message = f"{documented.message} ({named})" if documented else f"{_capital(named)}."
        return FieldError("", ACTION_INVALID, message)

    def _answer_errors(self, spec: RouteSpec, problems: Sequence[_Problem]) -> list[FieldError]:
        errors: dict[str, tuple[int, FieldError]] = {}
        undocumented = len(spec.errors)
        for problem in problems:
            for rank, error in self._map_problem(spec, problem, undocumented):
                kept = errors.get(error.pointer)
                if kept is None or rank < kept[0]:
                    errors[error.pointer] = (rank, error)
        return self._ordered(spec, errors)

    def _map_problem(
        self, spec: RouteSpec, problem: _Problem, undocumented: int
    ) -> Iterator[tuple[int, FieldError]]:
        steps = _split(problem.pointer)
        required = problem.keyword == "required"
        if required and "action" in problem.alternatives:
            if "data" not in problem.alternatives or spec.answer == "action":
                missing = spec.errors.get(ACTION_MISSING)
                message = missing.message if missing else "Choose one of the actions."
                yield -1, FieldError("", ACTION_MISSING, message)
                return
            steps = ["data"]
        if steps and steps[0] == "action":
            yield -1, self._action_invalid(spec, problem.instance)
            return
        if not steps or steps[0] != "data":
            yield -1, FieldError("", DATA_JSON_INVALID, _envelope_message(problem))
            return
        pointer = to_pointer(steps[1:])
        documented = list(self._documented(spec, problem.keyword, pointer))
        if not documented and required:
            # A missing object means every required member under it is missing too: give each
            # its own documented code, so every field of the form gets its own message.
            documented = [
                (rank, FieldError(error.pointer, code, error.message))
                for rank, (code, error) in enumerate(spec.errors.items())
                if "required" in error.when
                and "*" not in error.pointer
                and error.pointer.startswith(f"{pointer}/")
            ]
        if documented:
            yield from documented
            return
        field = _field_at(spec, pointer)
        yield (
            undocumented,
            FieldError(pointer, DATA_JSON_INVALID, _customer_message(problem, field, pointer)),
        )

    @staticmethod
    def _documented(
        spec: RouteSpec, keyword: str, pointer: str
    ) -> Iterator[tuple[int, FieldError]]:
        for rank, (code, error) in enumerate(spec.errors.items()):
            if keyword in error.when and any(pointer_matches(p, pointer) for p in error.pointers):
                yield rank, FieldError(pointer, code, error.message)
                return

    @staticmethod
    def _ordered(spec: RouteSpec, errors: Mapping[str, tuple[int, FieldError]]) -> list[FieldError]:
        def key(error: FieldError) -> tuple[int, tuple[tuple[int, int, str], ...]]:
            return _field_index(spec, error.pointer), _sort_key(error.pointer)

        return sorted((error for _, error in errors.values()), key=key)

    # --- server errors ---

    def error_for_code(self, route: str, code: str, message: str) -> FieldError:
        """Place an error Connect returned next to the field it concerns.

        The documented message wins over Connect's own, so that the customer reads the same
        words whether the client or the server found the problem; Connect's message is used
        for a code the route does not document.

        Args:
            route: the route the answer was posted on (canonical name or alias).
            code: Connect's error ``code``.
            message: Connect's error ``message``.

        Returns:
            A FieldError (``source="server"``) at the code's field (for a pointer with ``*``, the
            list that holds the items), or at ``""`` when the route or code is unknown.
        """
        spec = self.pack.route(route)
        documented = spec.errors.get(code) if spec is not None else None
        if documented is None:
            return FieldError("", code, message, source="server")
        steps = _split(documented.pointer)
        if "*" in steps:
            steps = steps[: steps.index("*")]
        return FieldError(to_pointer(steps), code, documented.message or message, source="server")


def _field_at(spec: RouteSpec, pointer: str) -> FieldSpec | None:
    """Return the field spec that collects the value at ``pointer`` (into ``data``), if any."""
    steps = _split(pointer)
    for field in spec.fields:
        own = _split(field.pointer)
        if own == steps:
            return field
        depth = len(own)
        if field.type == "periods" and steps[:depth] == own and len(steps) > depth:
            rest = steps[depth + 1 :]
            return next((item for item in field.items if _split(item.pointer) == rest), field)
    below = [f for f in spec.fields if steps and _split(f.pointer)[: len(steps)] == steps]
    return below[0] if len(below) == 1 else None


def _field_index(spec: RouteSpec, pointer: str) -> int:
    steps = _split(pointer)
    if not steps:
        return -1
    for index, field in enumerate(spec.fields):
        own = _split(field.pointer)
        if steps[: len(own)] == own or own[: len(steps)] == steps:
            return index
    return len(spec.fields)


# --- versions -------------------------------------------------------------------------------------


def _pack_documents(version: str) -> dict[str, Any]:
    return {
        path: schemas.read_json(resource) for path, resource in schemas.iter_schema_files(version)
    }


@functools.cache
def get_validator(version: str) -> PackValidator:
    """Return the (cached) validator of a protocol version's schema pack.

    Args:
        version: a pack name (``zero``, ``anode``).

    Returns:
        The pack's validator; every schema compiled once, on the first call.

    Raises:
        UnknownVersion: when no pack exists for ``version``.
        PackError: when the pack is broken.
    """
    pack = load_pack(version)
    return PackValidator(pack, _pack_documents(version))


def _route_of(document: Mapping[str, Any]) -> Any:
    route = document.get("route")
    if route is None and document.get("object") == "error":
        context = document.get("context")
        if isinstance(context, str) and context.startswith("connect."):
            return context.removeprefix("connect.")
    return route


def versions_knowing(route: Any) -> tuple[str, ...]:
    """Return the versions whose pack knows ``route`` (as a route, an alias, a start or resume).

    Args:
        route: a route name.

    Returns:
        The versions, sorted; empty for a route no pack knows.
    """
    if not isinstance(route, str):
        return ()
    found: list[str] = []
    for version in available_versions():
        pack = load_pack(version)
        if pack.route(route) is not None or route in {pack.start_route, *pack.resume_routes}:
            found.append(version)
    return tuple(found)


def infer_version(document: Any) -> str | None:
    """Tell which protocol version a page, answer or error body belongs to, from its route.

    Args:
        document: a decoded page, request body or error body (whose ``context`` names the route).

    Returns:
        The version when exactly one pack knows the route; ``None`` when none does or when it is
        ambiguous (``postal_address_capture`` is in both ``zero`` and ``anode``).
    """
    if not isinstance(document, Mapping):
        return None
    versions = versions_knowing(_route_of(document))
    return versions[0] if len(versions) == 1 else None
