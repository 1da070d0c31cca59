"""flatpeak-connect: a declarative flow engine with pluggable renderers for FlatPeak Connect."""

from __future__ import annotations

from flatpeak_connect.engine.backend import ConnectToken, FlatPeakAPI, TokenExchange
from flatpeak_connect.engine.errors import (
    BackendError,
    ConnectError,
    SchemaViolation,
    ScriptError,
    ServerRejected,
    SessionClosed,
    TokenExpired,
    TransitionRefused,
    TransportError,
    UnknownVersion,
)
from flatpeak_connect.engine.events import EventBus
from flatpeak_connect.engine.flow import Flow, SessionState, Step
from flatpeak_connect.engine.inputs import ScriptedInput
from flatpeak_connect.engine.machine import SessionStatus
from flatpeak_connect.engine.models import (
    FieldError,
    Outcome,
    OutcomeStatus,
    Page,
    Rendered,
    Submission,
)
from flatpeak_connect.engine.registry import RendererRegistry
from flatpeak_connect.engine.spec import ProtocolPack, RouteSpec, available_versions, load_pack
from flatpeak_connect.engine.store import MemoryStore, RedisStore, SessionStore, SQLiteStore
from flatpeak_connect.engine.transcript import TranscriptRecorder
from flatpeak_connect.engine.transport import AiohttpTransport, ReplayTransport
from flatpeak_connect.engine.typing import InputSource, RenderContext, Renderer, Transport

__version__ = "0.1.0.dev0"

__all__ = [
    "AiohttpTransport",
    "BackendError",
    "ConnectError",
    "ConnectToken",
    "EventBus",
    "FieldError",
    "FlatPeakAPI",
    "Flow",
    "InputSource",
    "MemoryStore",
    "Outcome",
    "OutcomeStatus",
    "Page",
    "ProtocolPack",
    "RedisStore",
    "RenderContext",
    "Rendered",
    "Renderer",
    "RendererRegistry",
    "ReplayTransport",
    "RouteSpec",
    "SQLiteStore",
    "SchemaViolation",
    "ScriptError",
    "ScriptedInput",
    "ServerRejected",
    "SessionClosed",
    "SessionState",
    "SessionStatus",
    "SessionStore",
    "Step",
    "Submission",
    "TokenExchange",
    "TokenExpired",
    "TranscriptRecorder",
    "TransitionRefused",
    "Transport",
    "TransportError",
    "UnknownVersion",
    "__version__",
    "available_versions",
    "load_pack",
]

# Tracebacks and docs show `flatpeak_connect.Flow`, not a private path (as httpx does). Only
# for classes whose annotations nothing resolves at run time: cattrs evaluates the annotations
# of the attrs classes it structures (Page, SessionState ...) in their module's namespace, so
# their __module__ stays the real one.
for _public in (
    AiohttpTransport,
    BackendError,
    ConnectError,
    EventBus,
    FlatPeakAPI,
    Flow,
    InputSource,
    MemoryStore,
    OutcomeStatus,
    RedisStore,
    Renderer,
    RendererRegistry,
    ReplayTransport,
    SQLiteStore,
    SchemaViolation,
    ScriptError,
    ScriptedInput,
    ServerRejected,
    SessionClosed,
    SessionStatus,
    SessionStore,
    TokenExpired,
    TranscriptRecorder,
    TransitionRefused,
    Transport,
    TransportError,
    UnknownVersion,
):
    _public.__module__ = __name__
del _public
