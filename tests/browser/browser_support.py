"""The browser tests' helpers: the stage (simulator and web apps), axe-core, a customer.

Playwright's sync API blocks the test's thread, so the servers run in an event loop on a thread
of their own (:class:`Stage`); the tests talk to them over HTTP on 127.0.0.1 like a browser
would. :class:`Customer` goes through the flow as a person does: by headings, labels and
buttons.
"""

from __future__ import annotations

import asyncio
import os
import re
import threading
from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from aiohttp import web
from playwright.sync_api import Page, expect

from flatpeak_connect.engine.backend import FlatPeakAPI
from flatpeak_connect.engine.spec import load_pack
from flatpeak_connect.simulator import SimulatorServer
from flatpeak_connect.web import WebConfig, create_app

if TYPE_CHECKING:
    from flatpeak_connect.engine.store import SessionStore

T = TypeVar("T")

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
SECRET = b"browser-tests-secret-0123456789abcdef"
PREFIX = "/connect/"

AxeCheck = Callable[[Page], None]


class Stage:
    """The simulator and any number of web apps, served from a background event loop."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self._thread.start()
        self.sim = SimulatorServer()
        self.call(self.sim.start())
        self._apps: dict[str, tuple[web.AppRunner, FlatPeakAPI]] = {}

    def call(self, awaitable: Awaitable[T]) -> T:
        """Run ``awaitable`` on the stage's loop and return its result."""

        async def wrapped() -> T:
            return await awaitable

        return asyncio.run_coroutine_threadsafe(wrapped(), self.loop).result(timeout=60)

    def start_app(
        self,
        version: str,
        *,
        store: SessionStore | None = None,
        port: int = 0,
        token_options: Mapping[str, Any] | None = None,
    ) -> str:
        """Serve a web app for ``version`` mounted at ``/connect/``; return its URL."""
        return self.call(self._start_app(version, store, port, token_options or {}))

    async def _start_app(
        self,
        version: str,
        store: SessionStore | None,
        port: int,
        token_options: Mapping[str, Any],
    ) -> str:
        api = FlatPeakAPI(self.sim.account_id, self.sim.api_key, self.sim.url)
        options: dict[str, Any] = {"connect_url": self.sim.url + "/", "version": version}
        if store is not None:
            options["store"] = store
        config = WebConfig(**options, secret=SECRET, api=api, token_options=token_options)
        root = web.Application()
        root.add_subapp(PREFIX, create_app(config))
        runner = web.AppRunner(root, handle_signals=False)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", port)
        await site.start()
        bound = runner.addresses[0][1]
        url = f"http://127.0.0.1:{bound}{PREFIX}"
        self._apps[url] = (runner, api)
        return url

    def stop_app(self, url: str) -> None:
        """Stop the web app serving ``url`` (its port is freed)."""
        runner, api = self._apps.pop(url)

        async def stop() -> None:
            await runner.cleanup()
            await api.close()

        self.call(stop())

    def session(self, token: str) -> dict[str, Any]:
        """Where the simulator says a session stands."""
        described = self.sim.simulator.describe_session(token)
        assert described is not None
        return described

    def close(self) -> None:
        """Stop every app and the simulator, then the loop."""
        for url in list(self._apps):
            self.stop_app(url)
        self.call(self.sim.stop())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(timeout=10)
        self.loop.close()


def axe_violations(page: Page) -> list[dict[str, Any]]:
    """Run axe-core on the page and return its violations (id, impact, help, targets)."""
    found: list[dict[str, Any]] = page.evaluate(
        """async () => {
            const result = await axe.run(document, {resultTypes: ["violations"]});
            return result.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                targets: v.nodes.map(n => n.target.join(" ")),
            }));
        }"""
    )
    return found


def screenshot_dir(tmp_path: Path) -> Path:
    """Where the screenshot session writes: docs/screenshots with UPDATE_SCREENSHOTS=1."""
    if os.environ.get("UPDATE_SCREENSHOTS") == "1":
        target = ROOT / "docs" / "screenshots"
        target.mkdir(parents=True, exist_ok=True)
        return target
    return tmp_path


ADDRESSES = {
    "GB": ("17 Orchard Row", "Millbrook", "MB4 7QT"),
    "NL": ("Grachtstraat 8", "Utrecht", "3511 AB"),
}


class Customer:
    """A person going through the flow: reads headings, uses labels and buttons, nothing else.

    Every page they reach is checked by axe-core (unless JavaScript is off, when axe cannot
    run) and, when ``shots`` is set, saved as a numbered PNG.
    """

    def __init__(
        self,
        page: Page,
        version: str,
        check_axe: AxeCheck | None,
        shots: Path | None = None,
    ) -> None:
        self.page = page
        self.version = version
        self.pack = load_pack(version)
        self.check_axe = check_axe
        self.shots = shots
        self.seen: list[str] = []

    def title_of(self, route: str) -> str:
        """The heading the route's page shows."""
        spec = self.pack.route(route)
        assert spec is not None, route
        return spec.title

    def on(self, route: str) -> None:
        """Check the customer is on ``route``'s page, and that the page is accessible."""
        self.arrive(self.title_of(route), route)

    def arrive(self, heading: str, name: str) -> None:
        """Check the page's one heading, run axe, and keep a screenshot."""
        expect(self.page.get_by_role("heading", level=1)).to_have_text(heading)
        self.seen.append(name)
        if self.check_axe is not None:
            self.check_axe(self.page)
        if self.shots is not None:
            path = self.shots / f"{self.version}-{len(self.seen):02d}-{name}.png"
            self.page.screenshot(path=str(path), full_page=True)

    def press(self, name: str) -> None:
        """Press the button called ``name``."""
        self.page.get_by_role("button", name=name, exact=True).click()

    def start(self, url: str) -> None:
        """Open the service and press Start now."""
        self.page.goto(url)
        self.arrive("Connect your energy tariff", "start")
        self.press("Start now")

    def give_address(self, country: str) -> None:
        """Fill in the address form and continue."""
        self.on("postal_address_capture")
        line1, city, post_code = ADDRESSES[country]
        self.page.get_by_label("Address line 1").fill(line1)
        self.page.get_by_label("Town or city").fill(city)
        self.page.get_by_label("Postcode or ZIP code").fill(post_code)
        self.page.get_by_label("Country").select_option(country)
        self.press("Continue")

    def choose(self, route: str, label: str) -> None:
        """Pick ``label`` on a page of choices and continue."""
        self.on(route)
        self.page.get_by_label(label, exact=True).check()
        self.press("Continue")

    def summary(self) -> None:
        """Check the summary shows today's prices as a table and a chart with a text alternative."""
        route = "summary_tou_confirm" if self.version == "zero" else "tariffs_summary"
        heading = self.title_of(route)
        expect(self.page.get_by_role("heading", level=1)).to_have_text(heading)
        expect(self.page.get_by_role("table")).to_be_visible()
        chart = self.page.get_by_role("img", name=re.compile("Today's prices"))
        expect(chart).to_be_visible()
        self.arrive(heading, "summary")

    def finish(self) -> dict[str, str]:
        """Confirm the tariff and return the ids on the completion page."""
        self.press("Save and finish" if self.version == "zero" else "Yes, finish")
        self.arrive("Tariff connected", "complete")
        ids = {
            "customer": self.page.locator("#customer-id").inner_text(),
            "location": self.page.locator("#location-id").inner_text(),
        }
        assert ids["customer"].startswith("cus_"), ids
        assert ids["location"].startswith("loc_"), ids
        return ids


def _manual_time_of_day(customer: Customer) -> None:
    page = customer.page
    customer.choose(
        "tariff_structure_select",
        "Different prices at set times of day"
        if customer.version == "zero"
        else "Different prices at different times of day",
    )
    customer.on("rate_tod_capture")
    page.get_by_role("button", name="Add another period").click()
    customer.on("rate_tod_capture")
    rows = (("07:00", "23:00", "30.5"), ("23:00", "07:00", "9.5"))
    for index, (start, end, price) in enumerate(rows):
        period = page.get_by_role("group", name=f"Period {index + 1}")
        period.get_by_label("From").fill(start)
        period.get_by_label("Until").fill(end)
        period.get_by_label(re.compile("Price per kWh|Unit rate")).fill(price)
    customer.press("Continue")
    customer.on("tariff_name_capture")
    page.get_by_label(customer.title_of("tariff_name_capture")).fill("Night Saver")
    customer.press("Continue")
    customer.on("contract_term_capture")
    page.get_by_label(re.compile(r"^(Contract )?[Ss]tart date")).fill("2025-02-01")
    page.get_by_label(re.compile(r"^(Contract )?[Ee]nd date")).fill("2026-01-31")
    customer.press("Continue")


def _market(customer: Customer) -> None:
    page = customer.page
    if customer.version == "anode":
        customer.choose("region_select", "NL-ZUID")
        customer.on("surcharge_capture")
    else:
        customer.on("market_surcharge_capture")
        page.get_by_label("NL-ZUID", exact=True).check()
    page.get_by_label(re.compile("^Fixed")).fill("1.5")
    page.get_by_label("Percentage added").fill("5")
    customer.press("Continue")


def _direct(customer: Customer) -> None:
    page = customer.page
    expect(page).to_have_url(re.compile(r"/provider/prv_\w+/login\?fp_cot=cot_"))
    page.get_by_role("button", name="Approve and share my tariff").click()
    expect(page).to_have_url(re.compile(r"/connect/$"))


PROVIDERS = {
    "DIRECT": ("GB", "Brightwave Energy"),
    "LIBRARY": ("GB", "Northgrid Supply"),
    "MARKET": ("NL", "Polder Stroom"),
    "MANUAL": ("GB", "Village Power Co-op"),
}


def run_session(customer: Customer, url: str, kind: str) -> dict[str, str]:
    """Go from the start to the completion page through a provider of ``kind``."""
    country, provider = PROVIDERS[kind]
    customer.start(url)
    customer.give_address(country)
    customer.choose("provider_select", provider)
    if kind == "DIRECT":
        _direct(customer)
    elif kind == "LIBRARY":
        customer.choose("tariff_select", "Northgrid Economy 7")
    elif kind == "MARKET":
        _market(customer)
    else:
        _manual_time_of_day(customer)
    customer.summary()
    return customer.finish()
