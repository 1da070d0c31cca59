"""``flatpeak-connect demo`` in a real pseudo-terminal, against its embedded simulator."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pytest
from cli_support import Terminal, type_address

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

pytestmark = pytest.mark.pty


@pytest.fixture
def demo() -> Iterator[Callable[..., Terminal]]:
    """Start ``flatpeak-connect demo`` in a pseudo-terminal; stop it after the test."""
    started: list[Terminal] = []

    def start(*args: str) -> Terminal:
        term = Terminal("demo", *args)
        started.append(term)
        return term

    yield start
    for term in started:
        term.close()


def assert_connected(term: Terminal) -> None:
    """The session completed and the exchanged ids were printed; exit status 0."""
    term.expect("customer_id: cus_")
    term.expect("location_id: loc_")
    assert term.finish() == 0
    assert "Traceback" not in term.output


def type_periods(term: Terminal, price_label: str) -> None:
    """Enter a night and a day rate: 00:00-07:00 at 9p, 07:00-24:00 at 30p."""
    term.answer("From (HH:MM) [00:00]: ", "0:00")
    term.answer("Until (HH:MM) [00:00]: ", "7")
    term.answer(f"{price_label} (in p): ", "9")
    term.answer("Add another period? [y/N]: ", "y")
    term.answer("From (HH:MM): ", "7")
    term.answer("Until (HH:MM): ", "24:00")
    term.answer(f"{price_label} (in p): ", "30")
    term.answer("Add another period? [y/N]: ", "")


class TestLibrary:
    """A supplier whose tariffs are in FlatPeak's library."""

    def test_zero(self, demo: Callable[..., Terminal]) -> None:
        """Zero: address, supplier, tariff from the list, save; the ids are printed."""
        term = demo("--version", "zero")
        type_address(term)
        term.expect("2. Northgrid Supply")
        term.answer("Energy supplier (1-6): ", "2")
        term.expect("1. Northgrid Standard")
        term.answer("Tariff (1-2): ", "1")
        term.expect("Price: 27.15p/kWh")
        term.answer("Your choice (1-3): ", "save")
        term.expect("Session complete (SAVE).")
        assert_connected(term)

    def test_anode(self, demo: Callable[..., Terminal]) -> None:
        """Anode: the same path, ended with CLOSE from the summary."""
        term = demo()
        type_address(term)
        term.answer("Energy supplier (1-6): ", "2")
        term.answer("Tariff (1-2): ", "2")
        term.expect("Today's rates")
        term.expect("Report a problem")
        term.answer("Your choice (1-5): ", "close")
        term.expect("Session complete (CLOSE).")
        assert_connected(term)


class TestManualTimeOfDay:
    """A supplier with no integration: the customer types a time-of-day tariff."""

    def test_zero(self, demo: Callable[..., Terminal]) -> None:
        """Zero: structure, two periods, a name, no contract dates, then the summary table."""
        term = demo("--version", "zero")
        type_address(term)
        term.answer("Energy supplier (1-6): ", "6")
        term.expect("2. Different prices at set times of day")
        term.answer("How your tariff is priced (1-3): ", "2")
        type_periods(term, "Price per kWh")
        term.answer("Tariff name: ", "Village Nights")
        term.answer("Contract start date (YYYY-MM-DD, optional): ", "")
        term.answer("Contract end date (YYYY-MM-DD, optional): ", "2026-09-30")
        term.expect("Tariff: Village Nights")
        term.expect("Contract: ends 30 Sept 2026")
        term.answer("Your choice (1-3): ", "1")
        assert_connected(term)
        assert re.search(r"00:00\s+07:00\s+9p/kWh", term.output)
        assert re.search(r"07:00\s+24:00\s+30p/kWh", term.output)

    def test_anode(self, demo: Callable[..., Terminal]) -> None:
        """Anode: structure, two periods, then the summary, closed."""
        term = demo()
        type_address(term)
        term.answer("Energy supplier (1-6): ", "6")
        term.answer("Kind of tariff (1-", "2")
        type_periods(term, "Unit rate")
        term.expect("Today's rates")
        term.answer("Your choice (1-5): ", "close")
        assert_connected(term)
        assert re.search(r"00:00\s+07:00\s+9p/kWh", term.output)


class TestCorrections:
    """Mistakes at the prompt, and going back."""

    def test_invalid_answer_corrected_at_the_prompt(self, demo: Callable[..., Terminal]) -> None:
        """An empty postcode and a bad country are refused with their messages, then fixed."""
        term = demo("--version", "zero")
        term.answer("Address line 1: ", "17 Orchard Row")
        term.answer("Address line 2 (optional): ", "")
        term.answer("Town or city: ", "Millbrook")
        term.answer("County, state or province (optional): ", "")
        term.answer("Postcode or ZIP code: ", "")
        term.expect("! Enter your postcode.")
        term.answer("Postcode or ZIP code: ", "MB4 7QT")
        term.answer("Country: ", "Britain")
        term.expect("! Enter a two-letter country code, such as GB.")
        term.answer("Country [Britain]: ", "GB")
        term.answer("Energy supplier (1-6): ", "9")
        term.expect("! Type a number from 1 to 6.")
        term.answer("Energy supplier (1-6): ", "2")
        term.answer("Tariff (1-2): ", "1")
        term.answer("Your choice (1-3): ", "save")
        assert_connected(term)

    def test_back_in_anode(self, demo: Callable[..., Terminal]) -> None:
        """BACK from the tariff list returns to the supplier list, asked again."""
        term = demo()
        type_address(term)
        term.answer("Energy supplier (1-6): ", "2")
        term.expect("Which tariff are you on?")
        term.answer("Tariff (1-2): ", "back")
        term.expect("Who supplies your electricity?")
        term.answer("Energy supplier (1-6): ", "2")
        term.answer("Tariff (1-2): ", "1")
        term.answer("Your choice (1-5): ", "close")
        assert_connected(term)


class TestDirect:
    """A supplier with a direct integration: a sign-in page, approved from the terminal."""

    def test_login_approved(self, demo: Callable[..., Terminal]) -> None:
        """The sign-in URL is shown; approve does the browser's part; the session resumes."""
        term = demo()
        type_address(term)
        term.answer("Energy supplier (1-6): ", "1")
        term.expect("/provider/prv_0ee44aecb5a0efde07780b11/login?fp_cot=cot_")
        term.answer("Approve or deny? [approve/deny]: ", "maybe")
        term.expect("! Type approve or deny.")
        term.answer("Approve or deny? [approve/deny]: ", "approve")
        term.expect("You approved the sign-in")
        term.expect("Connected through: Direct")
        term.answer("Your choice (1-5): ", "close")
        assert_connected(term)


class TestLeaving:
    """Ending the session from the keyboard."""

    def test_ctrl_d(self, demo: Callable[..., Terminal]) -> None:
        """Ctrl-D at a prompt closes the session cleanly: a message, exit 1, no traceback."""
        term = demo()
        term.expect("Address line 1: ")
        term.child.sendeof()
        term.expect("Session closed: The session was closed: input ended (Ctrl-D).")
        assert term.finish() == 1
        assert "Traceback" not in term.output

    def test_ctrl_c(self, demo: Callable[..., Terminal]) -> None:
        """Ctrl-C at a prompt closes the session the same way."""
        term = demo("--version", "zero")
        type_address(term)
        term.expect("Energy supplier (1-6): ")
        term.child.sendintr()
        term.expect("interrupted (Ctrl-C)")
        assert term.finish() == 1
        assert "Traceback" not in term.output
