"""Shared fixtures of the validation tests."""

from __future__ import annotations

import pytest
from validation_support import minipack_documents, minipack_pack

from flatpeak_connect.engine.validation import PackValidator


@pytest.fixture(scope="session")
def mini() -> PackValidator:
    """The validator of the mini pack (tests/validation/minipack), independent of the real ones."""
    return PackValidator(minipack_pack(), minipack_documents())
