"""Whole Connect sessions in Chromium, clicked through as a person would, checked by axe-core."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from browser_support import AxeCheck, Customer, run_session, screenshot_dir

if TYPE_CHECKING:
    from pathlib import Path

    from playwright.sync_api import Browser, Page

pytestmark = pytest.mark.browser


class TestFullSessions:
    """A session for each connection type and each version, from Start to the ids."""

    @pytest.mark.parametrize("kind", ["DIRECT", "LIBRARY", "MARKET", "MANUAL"])
    @pytest.mark.parametrize("version", ["zero", "anode"])
    def test_session_completes_with_customer_and_location_ids(
        self,
        page: Page,
        app_urls: dict[str, str],
        check_axe: AxeCheck,
        version: str,
        kind: str,
    ) -> None:
        """Clicking through by labels and roles ends on the ids; axe finds nothing on any page."""
        customer = Customer(page, version, check_axe)
        ids = run_session(customer, app_urls[version], kind)
        assert ids["location"].startswith("loc_")
        assert customer.seen[0] == "start"
        assert customer.seen[-1] == "complete"

    def test_screenshots_of_each_page_of_one_session(
        self,
        page: Page,
        app_urls: dict[str, str],
        check_axe: AxeCheck,
        tmp_path: Path,
    ) -> None:
        """The manual time-of-day session's pages are saved as PNGs (docs/screenshots/)."""
        shots = screenshot_dir(tmp_path)
        customer = Customer(page, "anode", check_axe, shots)
        run_session(customer, app_urls["anode"], "MANUAL")
        saved = sorted(shots.glob("anode-*.png"))
        assert len(saved) == len(customer.seen)
        for path in saved:
            assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


class TestWithoutJavaScript:
    """The flow needs no JavaScript."""

    def test_a_whole_session_works_with_javascript_off(
        self, browser: Browser, app_urls: dict[str, str]
    ) -> None:
        """With JavaScript disabled, a manual time-of-day session (add a row too) completes."""
        context = browser.new_context(java_script_enabled=False)
        try:
            customer = Customer(context.new_page(), "anode", None)
            run_session(customer, app_urls["anode"], "MANUAL")
        finally:
            context.close()
