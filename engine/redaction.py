"""Redaction of secrets: connect tokens, API keys and bearers never reach a log or a transcript.

A connect token is the only credential a Connect call carries, and an API key opens a FlatPeak
account; neither may be written anywhere a person or a log shipper reads. Redaction is
*consistent*: every connect token becomes the same placeholder, :data:`TOKEN_PLACEHOLDER`, so a
redacted transcript still pairs each request with its response and can be replayed (the replay
puts the live token back where the placeholder is).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from typing import Any

__all__ = ["TOKEN_PLACEHOLDER", "RedactingFilter", "get_logger", "redact", "redact_json"]

TOKEN_PLACEHOLDER = "cot_[redacted]"  # noqa: S105 - a placeholder that replaces tokens
"""What every connect token becomes in a log line or a transcript."""

_SECRET_KEYS = frozenset({"api_key", "bearer_token", "password", "authorization", "secret"})
_TOKEN_KEYS = frozenset({"connect_token", "fp_cot"})

# Order matters: the query parameter first (it may hold a token without the cot_ prefix), then
# the bare token shapes.
_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"(fp_cot=)[^&#\s\"']+"), rf"\g<1>{TOKEN_PLACEHOLDER}"),
    (re.compile(r"\bcot_[0-9A-Za-z]+"), TOKEN_PLACEHOLDER),
    (re.compile(r"\bsk_(?:test|live)_[0-9A-Za-z]+"), "sk_[redacted]"),
    (re.compile(r"\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+", re.IGNORECASE), r"\1 [redacted]"),
    (re.compile(r"\beyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*"), "[redacted-jwt]"),
)


def redact(text: str) -> str:
    """Return ``text`` with connect tokens, API keys, bearers and JWTs replaced by placeholders.

    Args:
        text: any string (a log message, a URL, an exception's text).

    Returns:
        The same string with every secret replaced; a string with none comes back unchanged.
    """
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def redact_json(value: Any) -> Any:
    """Return a copy of a JSON value with every secret redacted, keys and strings alike.

    The value of a ``connect_token`` member always becomes :data:`TOKEN_PLACEHOLDER` (whatever
    the token looks like), the value of a key that names a secret (``api_key``,
    ``bearer_token`` ...) becomes ``"[redacted]"``, and every other string goes through
    :func:`redact`.

    Args:
        value: a JSON value (dicts, lists, strings, numbers, booleans, ``None``).

    Returns:
        A redacted deep copy.
    """
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, Mapping):
        result: dict[str, Any] = {}
        for key, item in value.items():
            lowered = str(key).lower()
            if lowered in _TOKEN_KEYS and isinstance(item, str):
                result[key] = TOKEN_PLACEHOLDER
            elif lowered in _SECRET_KEYS and item is not None:
                result[key] = "[redacted]"
            else:
                result[key] = redact_json(item)
        return result
    if isinstance(value, list | tuple):
        return [redact_json(item) for item in value]
    return value


class RedactingFilter(logging.Filter):
    """A logging filter that redacts secrets from a record's message and traceback.

    The message is formatted (``msg % args``) and redacted once, here, so a handler further on
    never sees the secret. A traceback is formatted and redacted too: an exception's text can
    quote a URL that carries ``fp_cot``.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        """Redact ``record`` in place and let it through."""
        record.msg = redact(record.getMessage())
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True


def get_logger(name: str) -> logging.Logger:
    """Return the logger ``name`` with a :class:`RedactingFilter` attached (once).

    A filter on a logger applies to the records logged through that logger only, not to its
    children's, so every module of the engine takes its logger from here.

    Args:
        name: the logger's name, normally the module's ``__name__``.

    Returns:
        The logger.
    """
    logger = logging.getLogger(name)
    if not any(isinstance(f, RedactingFilter) for f in logger.filters):
        logger.addFilter(RedactingFilter())
    return logger
