"""Fixtures of the browser tests: the stage, Debian's Chromium, axe-core, fresh contexts.

One Chromium serves each test module; each test gets a fresh browser context (no cookies).
Nothing here lives longer than a module: Playwright's sync API keeps an event loop running in
the main thread while it is open, and the async tests of other folders need that thread free.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from browser_support import AXE, CHROMIUM, AxeCheck, Stage, axe_violations
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, sync_playwright

if TYPE_CHECKING:
    from collections.abc import Iterator


@pytest.fixture(scope="module")
def stage() -> Iterator[Stage]:
    """The simulator (and the apps started on it) for one test module."""
    running = Stage()
    yield running
    running.close()


@pytest.fixture(scope="module")
def app_urls(stage: Stage) -> dict[str, str]:
    """One web app per protocol version, with the optional anode pages switched on."""
    anode_options = {"route_options": {"tariff_name_capture": True, "contract_term_capture": True}}
    return {
        "zero": stage.start_app("zero"),
        "anode": stage.start_app("anode", token_options=anode_options),
    }


@pytest.fixture(scope="module")
def playwright() -> Iterator[Playwright]:
    """Playwright, for one test module."""
    with sync_playwright() as running:
        yield running


@pytest.fixture(scope="module")
def browser(playwright: Playwright) -> Iterator[Browser]:
    """Debian's Chromium, headless, shared by the browser tests of one module."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make test-deps` (apt-get install chromium)")
    launched = playwright.chromium.launch(
        executable_path=CHROMIUM,
        headless=True,
        args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
    )
    yield launched
    launched.close()


@pytest.fixture(scope="session")
def axe_source() -> str:
    """axe-core's script (installed from npm by ``make test-deps``)."""
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run `make test-deps` (npm install)")
    return AXE.read_text(encoding="utf-8")


@pytest.fixture
def context(browser: Browser, axe_source: str) -> Iterator[BrowserContext]:
    """A fresh browser context (no cookies) with axe-core loaded into every page."""
    made = browser.new_context(viewport={"width": 800, "height": 900}, locale="en-GB")
    # An init script is added by the browser itself, so the page's CSP (no inline script)
    # does not stop it, and the page under test is served exactly as a customer gets it.
    made.add_init_script(script=axe_source)
    made.set_default_timeout(15_000)
    yield made
    made.close()


@pytest.fixture
def page(context: BrowserContext) -> Page:
    """A new tab in the test's context."""
    return context.new_page()


@pytest.fixture
def check_axe() -> AxeCheck:
    """Assert that axe-core finds no violation on a page."""

    def check(page: Page) -> None:
        violations = axe_violations(page)
        assert violations == [], json.dumps(
            {"url": page.url, "title": page.title(), "violations": violations}, indent=2
        )

    return check
