"""JSON Pointer helpers: only ASCII digits name array elements."""

from __future__ import annotations

import pytest

from flatpeak_connect.engine.answers import set_pointer
from flatpeak_connect.engine.models import is_array_index, resolve_pointer


class TestArrayIndex:
    """A pointer token is an array index only when it is ASCII digits."""

    @pytest.mark.parametrize(
        ("token", "expected"),
        [("0", True), ("12", True), ("²", False), ("٣", False), ("", False), ("1a", False)],
    )
    def test_is_array_index(self, token: str, expected: bool) -> None:
        """Superscript and non-Latin digits are not indexes, whatever str.isdigit says."""
        assert is_array_index(token) is expected

    def test_resolve_pointer_with_a_superscript_digit_is_absent(self) -> None:
        """A hostile "²" step into a list resolves to the default instead of raising."""
        assert resolve_pointer({"hours": [{"cost": 1}]}, "/hours/²/cost", "none") == "none"

    def test_set_pointer_refuses_a_superscript_digit_clearly(self) -> None:
        """Setting through a "²" step into a list is a ValueError that names the token."""
        with pytest.raises(ValueError, match="not an array index"):
            set_pointer({"hours": []}, "/hours/²/cost", 1)
