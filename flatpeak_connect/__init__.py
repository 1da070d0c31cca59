"""flatpeak-connect: a declarative flow engine with pluggable renderers for FlatPeak Connect."""

from __future__ import annotations

from flatpeak_connect.engine.errors import (
    ConnectError,
    SchemaViolation,
    ServerRejected,
    SessionClosed,
    TokenExpired,
    TransitionRefused,
    TransportError,
    UnknownVersion,
)
from flatpeak_connect.engine.models import (
    FieldError,
    Outcome,
    OutcomeStatus,
    Page,
    Rendered,
    Submission,
)
from flatpeak_connect.engine.spec import ProtocolPack, RouteSpec, available_versions, load_pack
from flatpeak_connect.engine.typing import InputSource, RenderContext, Renderer, Transport

__version__ = "0.1.0.dev0"

__all__ = [
    "ConnectError",
    "FieldError",
    "InputSource",
    "Outcome",
    "OutcomeStatus",
    "Page",
    "ProtocolPack",
    "RenderContext",
    "Rendered",
    "Renderer",
    "RouteSpec",
    "SchemaViolation",
    "ServerRejected",
    "SessionClosed",
    "Submission",
    "TokenExpired",
    "TransitionRefused",
    "Transport",
    "TransportError",
    "UnknownVersion",
    "__version__",
    "available_versions",
    "load_pack",
]
