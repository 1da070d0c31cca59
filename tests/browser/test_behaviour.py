"""The flow in Chromium: keyboard use, errors, provider login, restarts, CSRF, expiry."""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

import pytest
from browser_support import AxeCheck, Customer, Stage
from playwright.sync_api import Page, expect

from flatpeak_connect.engine.store import MemoryStore, SQLiteStore

if TYPE_CHECKING:
    from pathlib import Path

pytestmark = pytest.mark.browser


def _focused(page: Page) -> dict[str, str]:
    described: dict[str, str] = page.evaluate(
        """() => {
            const e = document.activeElement;
            const label = e.labels && e.labels.length ? e.labels[0].innerText : "";
            return {tag: e.tagName.toLowerCase(), type: e.type || "", id: e.id || "",
                    name: (label || e.innerText || e.value || "").trim()};
        }"""
    )
    return described


def tab_to(page: Page, name: str, *, tag: str | None = None, limit: int = 80) -> None:
    """Press Tab until the focused control is called ``name`` (and is a ``tag``, if given)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = _focused(page)
        if focused["name"] == name and (tag is None or focused["tag"] == tag):
            return
    raise AssertionError(f"Tab never reached {name!r}")


def _tokens(store: MemoryStore) -> list[str]:
    """The connect tokens of the sessions a store keeps (read as a support engineer would)."""
    states = [json.loads(text) for text in store._states.values()]
    return [state["token"] for state in states if state.get("token")]


class TestKeyboardOnly:
    """A customer who uses only the keyboard can connect a tariff."""

    def test_a_session_with_the_keyboard_alone(
        self, page: Page, app_urls: dict[str, str], check_axe: AxeCheck
    ) -> None:
        """Tab, typing, arrow keys, Space and Enter take a session from Start to the ids."""
        customer = Customer(page, "anode", check_axe)
        page.goto(app_urls["anode"])
        tab_to(page, "Start now", tag="button")
        page.keyboard.press("Enter")
        customer.on("postal_address_capture")
        for label, text in (
            ("Address line 1", "17 Orchard Row"),
            ("Town or city", "Millbrook"),
            ("Postcode or ZIP code", "MB4 7QT"),
        ):
            tab_to(page, label, tag="input")
            page.keyboard.type(text)
        tab_to(page, "Country", tag="select")
        page.keyboard.type("United Kingdom")
        tab_to(page, "Continue", tag="button")
        page.keyboard.press("Enter")
        customer.on("provider_select")
        tab_to(page, "Brightwave Energy", tag="input")  # the first radio of the group
        page.keyboard.press("ArrowDown")  # arrows move the choice: Northgrid Supply
        assert _focused(page)["name"] == "Northgrid Supply"
        tab_to(page, "Continue", tag="button")
        page.keyboard.press("Enter")
        customer.on("tariff_select")
        tab_to(page, "Northgrid Standard", tag="input")
        page.keyboard.press("Space")
        tab_to(page, "Continue", tag="button")
        page.keyboard.press("Enter")
        customer.summary()
        tab_to(page, "Yes, finish", tag="button")
        page.keyboard.press("Enter")
        customer.arrive("Tariff connected", "complete")
        expect(page.locator("#location-id")).to_have_text(re.compile("^loc_"))


class TestErrors:
    """Errors are shown beside their field, the customer's answers kept."""

    @pytest.mark.parametrize("version", ["zero", "anode"])
    def test_a_server_validation_error_is_shown_beside_its_field(
        self, page: Page, app_urls: dict[str, str], check_axe: AxeCheck, version: str
    ) -> None:
        """An address Connect cannot place (a server-only check) errs beside the address."""
        customer = Customer(page, version, check_axe)
        customer.start(app_urls[version])
        customer.on("postal_address_capture")
        page.get_by_label("Address line 1").fill("1 Rue de Rivoli")
        page.get_by_label("Town or city").fill("Paris")
        page.get_by_label("Postcode or ZIP code").fill("75001")
        page.get_by_label("Country").select_option("FR")
        customer.press("Continue")
        expect(page).to_have_title(re.compile("^Error: "))
        summary = page.get_by_role("alert")
        expect(summary).to_be_focused()
        message = summary.get_by_role("link").first
        text = message.inner_text()
        field = page.get_by_label("Address line 1")
        expect(field).to_have_attribute("aria-invalid", "true")
        error_id = (field.get_attribute("aria-describedby") or "").split()[-1]
        expect(page.locator(f"#{error_id}")).to_contain_text(text)
        # What the customer typed is still there.
        expect(field).to_have_value("1 Rue de Rivoli")
        expect(page.get_by_label("Country")).to_have_value("FR")
        check_axe(page)
        message.click()
        expect(field).to_be_focused()

    def test_client_side_errors_need_no_round_trip_and_link_to_each_field(
        self, page: Page, app_urls: dict[str, str], check_axe: AxeCheck
    ) -> None:
        """Empty required fields: one summary line per field, each linking to its input."""
        customer = Customer(page, "anode", check_axe)
        customer.start(app_urls["anode"])
        customer.on("postal_address_capture")
        page.get_by_label("Town or city").fill("Millbrook")
        customer.press("Continue")
        links = page.get_by_role("alert").get_by_role("link")
        expect(links).to_have_count(3)  # line 1, postcode, country
        for index in range(3):
            href = links.nth(index).get_attribute("href") or ""
            target = page.locator(href)
            expect(target).to_have_attribute("aria-invalid", "true")
        expect(page.get_by_label("Town or city")).to_have_value("Millbrook")
        check_axe(page)


class TestProviderLogin:
    """A DIRECT provider's login: out to the provider's page and back into the session."""

    def test_the_provider_login_round_trip_resumes_the_session(
        self, page: Page, app_urls: dict[str, str], stage: Stage, check_axe: AxeCheck
    ) -> None:
        """The browser goes to Connect's login URL with fp_cot, comes back, and carries on."""
        customer = Customer(page, "zero", check_axe)
        customer.start(app_urls["zero"])
        customer.give_address("GB")
        customer.choose("provider_select", "Brightwave Energy")
        expect(page).to_have_url(re.compile(re.escape(stage.sim.url) + r"/provider/prv_\w+/login"))
        token = re.search(r"fp_cot=(cot_\w+)", page.url)
        assert token is not None
        assert stage.session(token.group(1))["provider_login"]["decision"] is None
        page.get_by_role("button", name="Approve and share my tariff").click()
        # Back on the app, at its own URL (the token is not left in the address bar).
        expect(page).to_have_url(app_urls["zero"])
        customer.summary()
        # Connect resumed on the summary: the login was consumed, the tariff connected.
        resumed = stage.session(token.group(1))
        assert resumed["step"] == "summary"
        assert resumed["provider_login"] is None
        customer.finish()


class TestRestart:
    """Sessions kept in SQLite survive a restart of the app."""

    def test_a_restart_mid_session_resumes_where_the_customer_was(
        self, page: Page, stage: Stage, tmp_path: Path, check_axe: AxeCheck
    ) -> None:
        """A form shown before the restart is accepted after it, and the session goes on."""
        database = tmp_path / "sessions.sqlite3"
        url = stage.start_app("anode", store=SQLiteStore(database))
        port = int(url.split(":")[2].split("/")[0])
        customer = Customer(page, "anode", check_axe)
        customer.start(url)
        customer.give_address("GB")
        customer.on("provider_select")
        page.get_by_label("Northgrid Supply").check()
        stage.stop_app(url)
        stage.start_app("anode", store=SQLiteStore(database), port=port)
        customer.press("Continue")  # the form rendered by the app before its restart
        customer.choose("tariff_select", "Northgrid Economy 7")
        customer.summary()  # the form post's navigation has landed before the reload
        page.reload()  # a reload after the restart shows the same page, nothing is sent
        customer.summary()
        customer.finish()
        stage.stop_app(url)


class TestCsrf:
    """A form post without the session's CSRF token is refused and changes nothing."""

    def test_a_post_without_a_valid_csrf_token_is_refused(
        self, page: Page, app_urls: dict[str, str], check_axe: AxeCheck
    ) -> None:
        """A forged post (the cookie, but a wrong or missing token) gets 403; the page stays."""
        customer = Customer(page, "anode", check_axe)
        customer.start(app_urls["anode"])
        customer.on("postal_address_capture")
        form_id = page.locator("form.form input[name=fp_form]").get_attribute("value") or ""
        forged: dict[str, Any] = {
            "fp_form": form_id,
            "address_line1": "1 Forged Street",
            "city": "Nowhere",
            "post_code": "NW1",
            "country_code": "GB",
        }
        for token in (None, "0" * 64):
            form = forged if token is None else {**forged, "fp_csrf": token}
            response = page.request.post(app_urls["anode"], form=form, max_redirects=0)
            assert response.status == 403
            assert "This form could not be sent" in response.text()
        page.reload()
        customer.on("postal_address_capture")
        expect(page.get_by_label("Address line 1")).to_have_value("")


class TestExpiry:
    """An expired token gets a page that says so, and a way to start again."""

    def test_an_expired_token_offers_to_start_again(
        self, page: Page, stage: Stage, check_axe: AxeCheck
    ) -> None:
        """After expiry the next step explains it; Start again opens a fresh session."""
        store = MemoryStore()
        url = stage.start_app("anode", store=store)
        customer = Customer(page, "anode", check_axe)
        customer.start(url)
        customer.give_address("GB")
        customer.on("provider_select")
        for token in _tokens(store):
            stage.sim.expire_token(token)
        page.get_by_label("Northgrid Supply").check()
        customer.press("Continue")
        customer.arrive("Your session has expired", "expired")
        customer.press("Start again")
        customer.on("postal_address_capture")
        stage.stop_app(url)


class TestEveryPageIsAccessible:
    """The pages the full sessions do not reach are checked by axe-core too."""

    def test_supplier_by_name_fixed_price_pending_and_failed_pages(
        self, page: Page, app_urls: dict[str, str], check_axe: AxeCheck
    ) -> None:
        """provider_name_capture, rate_fixed_capture, pending and failed have no violations."""
        customer = Customer(page, "anode", check_axe)
        customer.start(app_urls["anode"])
        customer.give_address("GB")
        customer.on("provider_select")
        customer.press("My supplier is not listed")
        customer.on("provider_name_capture")
        page.get_by_label(customer.title_of("provider_name_capture")).fill("Hilltop Power")
        customer.press("Continue")
        customer.choose("tariff_structure_select", "One price at all times of day")
        customer.on("rate_fixed_capture")
        page.get_by_label(customer.title_of("rate_fixed_capture")).fill("24.5")
        customer.press("Continue")
        customer.on("tariff_name_capture")
        for outcome, route in (
            ("Hilltop Power", "tariff_connection_pending"),
            ("Stonebridge Electric", "tariff_connection_failed"),
        ):
            page.goto(app_urls["anode"])
            page.context.clear_cookies()
            customer.start(app_urls["anode"])
            customer.give_address("GB")
            customer.choose("provider_select", outcome)
            page.get_by_role("button", name="Approve and share my tariff").click()
            customer.on(route)

    def test_zero_fixed_summary_interstitial_error_unknown_and_forbidden_pages(
        self, page: Page, app_urls: dict[str, str], stage: Stage, check_axe: AxeCheck
    ) -> None:
        """The fixed-price summary, the sign-in step, the error, fallback and 403 pages pass."""
        url = app_urls["zero"]
        customer = Customer(page, "zero", check_axe)
        customer.start(url)
        customer.give_address("GB")
        customer.choose("provider_select", "Brightwave Energy")
        # The provider's sign-in page has loaded (the post has landed) before going back.
        expect(page.get_by_role("button", name="Deny")).to_be_visible()
        page.goto(url)  # back at the app while the provider's sign-in is pending
        customer.on("session_redirect")
        page.get_by_role("link", name=re.compile("^Continue to sign in")).click()
        page.get_by_role("button", name="Deny").click()
        customer.choose("provider_select", "Northgrid Supply")
        stage.sim.add_fault("server_error", times=1, route="tariff_select")
        customer.choose("tariff_select", "Northgrid Standard")
        customer.arrive("Sorry, there is a problem", "error")
        expect(page.locator(".reference")).to_have_text(re.compile(r"^req_[0-9a-f]{16}$"))
        page.get_by_role("link", name="Try again").click()
        customer.on("tariff_select")
        expect(page.get_by_label("Northgrid Standard")).to_be_checked()  # the answer was kept
        customer.press("Continue")
        customer.on("summary_fixed_confirm")
        stage.sim.add_fault("unknown_route", times=1, route="summary_fixed_confirm")
        customer.press("Change tariff")
        customer.arrive("Simulator unknown route", "generic")
        response = page.request.post(url, form={"fp_action": "BACK"})
        assert response.status == 403
        page.set_content(response.text())
        check_axe(page)
