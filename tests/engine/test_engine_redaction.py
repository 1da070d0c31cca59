"""Redaction: tokens, keys and bearers replaced consistently, in text, JSON and log records."""

from __future__ import annotations

import logging

import pytest

from flatpeak_connect.engine.redaction import (
    TOKEN_PLACEHOLDER,
    get_logger,
    redact,
    redact_json,
)

TOKEN = "cot_5f1e2d3c4b5a69788796a5b4"


class TestRedact:
    """redact() and redact_json()."""

    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            (f"token {TOKEN} used", f"token {TOKEN_PLACEHOLDER} used"),
            (
                "https://x.example/?a=1&fp_cot=opaque123&b=2",
                f"https://x.example/?a=1&fp_cot={TOKEN_PLACEHOLDER}&b=2",
            ),
            ("key sk_test_abcDEF123 here", "key sk_[redacted] here"),
            ("Authorization: Bearer abc.def-ghi", "Authorization: Bearer [redacted]"),
            ("basic Zm9vOmJhcg==", "basic [redacted]"),
            ("jwt eyJhbGciOi.eyJzdWIiOjF9.sig", "jwt [redacted-jwt]"),
            ("mascot_team is fine", "mascot_team is fine"),
        ],
    )
    def test_secrets_in_text_are_replaced(self, text: str, expected: str) -> None:
        """Each kind of secret in a string becomes its placeholder; other text is untouched."""
        assert redact(text) == expected

    def test_redaction_is_idempotent(self) -> None:
        """Redacting twice gives the same as once (a placeholder is not redacted again)."""
        once = redact(f"{TOKEN} sk_live_abc fp_cot={TOKEN}")
        assert redact(once) == once

    def test_json_members_are_redacted_by_key_and_value(self) -> None:
        """connect_token becomes the placeholder; secret keys are hidden; strings are redacted."""
        document = {
            "connect_token": "tok-without-prefix",
            "api_key": "anything",
            "data": {"redirect_url": f"https://l.example/?fp_cot={TOKEN}", "items": [TOKEN, 3]},
        }
        assert redact_json(document) == {
            "connect_token": TOKEN_PLACEHOLDER,
            "api_key": "[redacted]",
            "data": {
                "redirect_url": f"https://l.example/?fp_cot={TOKEN_PLACEHOLDER}",
                "items": [TOKEN_PLACEHOLDER, 3],
            },
        }


class TestLogFilter:
    """The redacting log filter."""

    def test_log_records_are_redacted_before_any_handler(
        self, caplog: pytest.LogCaptureFixture
    ) -> None:
        """A message and its arguments are redacted by the engine's loggers."""
        logger = get_logger("flatpeak_connect.engine.test_redaction")
        with caplog.at_level(logging.INFO, logger=logger.name):
            logger.info("posting %s with key %s", TOKEN, "sk_live_secret99")
        assert TOKEN not in caplog.text
        assert "sk_live_secret99" not in caplog.text
        assert TOKEN_PLACEHOLDER in caplog.text

    def test_tracebacks_are_redacted(self, caplog: pytest.LogCaptureFixture) -> None:
        """An exception's text in a logged traceback is redacted too."""
        logger = get_logger("flatpeak_connect.engine.test_redaction")

        def fail() -> None:
            raise RuntimeError(f"failed for {TOKEN}")

        with caplog.at_level(logging.ERROR, logger=logger.name):
            try:
                fail()
            except RuntimeError:
                logger.exception("it broke")
        assert TOKEN not in caplog.text
        assert "RuntimeError: failed for cot_[redacted]" in caplog.text

    def test_the_filter_is_attached_once(self) -> None:
        """Asking for the same logger twice does not stack filters."""
        name = "flatpeak_connect.engine.test_redaction.once"
        get_logger(name)
        assert len(get_logger(name).filters) == 1
