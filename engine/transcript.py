"""Transcripts: a session's requests and responses as JSON Lines, secrets redacted, replayable.

:class:`TranscriptRecorder` is an event subscriber: attach it to a flow's
:class:`~flatpeak_connect.engine.events.EventBus` and it writes one line per request and one
per response, as they happen (each line is flushed, so a crash keeps what came before).
Connect tokens, API keys and bearers are redacted — every connect token becomes the same
placeholder, so requests and responses still pair up, and
:class:`~flatpeak_connect.engine.transport.ReplayTransport` can serve the file again.

A line looks like::

    {"type": "request", "at": "2025-03-01T10:20:30.123Z", "version": "anode",
     "route": "provider_select", "body": {"connect_token": "cot_[redacted]", ...}}
    {"type": "response", "at": "...", "version": "anode", "route": "tariff_select",
     "body": {...}}

A request that got no answer is followed by a response line whose ``body`` is ``null`` and
whose ``error`` says what happened.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Self

import attrs

from flatpeak_connect.engine import events as ev
from flatpeak_connect.engine.redaction import redact, redact_json

if TYPE_CHECKING:
    from types import TracebackType

__all__ = ["Exchange", "TranscriptRecorder", "read_transcript"]


@attrs.frozen
class Exchange:
    """One recorded request and its answer.

    Attributes:
        request: the request envelope, redacted.
        response: the answer (a page or an error body), redacted; ``None`` when none came.
        error: what happened when no answer came.
        version: the protocol version, when recorded.
    """

    request: Mapping[str, Any]
    response: Mapping[str, Any] | None = None
    error: str | None = None
    version: str | None = None


class TranscriptRecorder:
    """Writes a session's requests and responses to a JSON Lines file, secrets redacted.

    Use it as a context manager (or call :meth:`close`), and subscribe it to a bus with
    :meth:`attach`::

        with TranscriptRecorder("session.jsonl") as recorder:
            recorder.attach(flow.events)
            outcome = await flow.run(token, renderer, input_source)

    Args:
        target: a path (the file is created, or appended to with ``append=True``) or an open
            text file the caller owns.
        append: add to an existing file instead of replacing it.
    """

    def __init__(self, target: str | os.PathLike[str] | IO[str], *, append: bool = False) -> None:
        if isinstance(target, str | os.PathLike):
            # The file stays open for the recorder's life; close() or the context manager ends it.
            mode = "a" if append else "w"
            self._file: IO[str] = Path(target).open(mode, encoding="utf-8")  # noqa: SIM115
            self._owns_file = True
        else:
            self._file = target
            self._owns_file = False
        self._pending = False
        self.lines = 0

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def attach(self, bus: ev.EventBus) -> Self:
        """Subscribe to ``bus`` and return the recorder."""
        bus.subscribe(self)
        return self

    def detach(self, bus: ev.EventBus) -> None:
        """Unsubscribe from ``bus``."""
        bus.unsubscribe(self)

    def close(self) -> None:
        """Close the file if the recorder opened it."""
        if self._owns_file and not self._file.closed:
            self._file.close()

    def __call__(self, event: ev.Event) -> None:
        """Record ``event`` if it is a request or the answer to one."""
        match event:
            case ev.Submitted(version=version, route=route, payload=payload):
                self._write("request", version, route, payload)
                self._pending = True
            case ev.PageReceived(page=page) if self._pending:
                self._write("response", page.version, page.route, page.raw)
            case ev.PageInvalid(version=version, document=document) if self._pending:
                self._write("response", version, document.get("route"), document)
            case (
                ev.Rejected(version=version, body=body)
                | ev.Expired(version=version, body=body)
                | ev.Failed(version=version, body=body)
            ) if self._pending and body is not None:
                self._write("response", version, None, body)
            case ev.Failed(version=version, message=message) if self._pending:
                self._write("response", version, None, None, error=message)
            case _:
                return
        if not isinstance(event, ev.Submitted):
            self._pending = False

    def _write(
        self,
        kind: str,
        version: str,
        route: Any,
        body: Mapping[str, Any] | None,
        *,
        error: str | None = None,
    ) -> None:
        record: dict[str, Any] = {
            "type": kind,
            "at": dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "version": version,
        }
        if isinstance(route, str):
            record["route"] = route
        record["body"] = redact_json(dict(body)) if body is not None else None
        if error is not None:
            record["error"] = redact(error)
        self._file.write(json.dumps(record, ensure_ascii=False) + "\n")
        self._file.flush()
        self.lines += 1


def read_transcript(path: str | os.PathLike[str]) -> list[Exchange]:
    """Read a transcript file into its exchanges, each request paired with its answer.

    Args:
        path: a file written by :class:`TranscriptRecorder`.

    Returns:
        The exchanges, in order. A request at the end of the file with no answer comes back
        with ``response=None``.

    Raises:
        OSError: when the file cannot be read.
        ValueError: when a line is not part of a transcript (the message names the line).
    """
    exchanges: list[Exchange] = []
    request: Mapping[str, Any] | None = None
    version: str | None = None
    with Path(path).open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            record = _parse_line(line, number, path)
            if record["type"] == "request":
                if request is not None:
                    exchanges.append(Exchange(request, error="no answer recorded", version=version))
                request, version = record["body"], record.get("version")
                continue
            if request is None:
                raise ValueError(f"{path}:{number}: a response with no request before it")
            exchanges.append(
                Exchange(request, record["body"], error=record.get("error"), version=version)
            )
            request = None
    if request is not None:
        exchanges.append(Exchange(request, error="no answer recorded", version=version))
    return exchanges


def _parse_line(line: str, number: int, path: str | os.PathLike[str]) -> dict[str, Any]:
    try:
        record = json.loads(line)
    except ValueError as exc:
        raise ValueError(f"{path}:{number}: not JSON: {exc}") from exc
    if not isinstance(record, dict) or record.get("type") not in {"request", "response"}:
        raise ValueError(f"{path}:{number}: not a transcript line (no type request/response)")
    body = record.get("body")
    if record["type"] == "request" and not isinstance(body, dict):
        raise ValueError(f"{path}:{number}: a request line without a JSON object body")
    if body is not None and not isinstance(body, dict):
        raise ValueError(f"{path}:{number}: a response body that is not a JSON object")
    return record
