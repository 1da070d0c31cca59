"""The JSON renderer and JSON input, for apps that draw their own UI.

:class:`JsonRenderer` turns a page into the view model of ``schemas/viewmodel.json``
(:func:`view_model`); :func:`read_answer` and :class:`JsonInput` turn an app's answer to it into
a checked Submission. See ``docs/json.md``.
"""

from __future__ import annotations

from flatpeak_connect.renderers.json.inputs import AnswerResult, JsonInput, read_answer
from flatpeak_connect.renderers.json.renderer import JsonRenderer
from flatpeak_connect.renderers.json.viewmodel import (
    SCHEMA_ID,
    outcome_view_model,
    view_model,
)

__all__ = [
    "SCHEMA_ID",
    "AnswerResult",
    "JsonInput",
    "JsonRenderer",
    "outcome_view_model",
    "read_answer",
    "view_model",
]
