"""The text renderer: every route of both versions, prices, tables, width, colour, safety."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from typing import Any

import pytest

from flatpeak_connect.engine.models import FieldError, Page
from flatpeak_connect.engine.spec import load_pack
from flatpeak_connect.engine.typing import RenderContext
from flatpeak_connect.renderers.text import Style, TextRenderer, clean
from flatpeak_connect.renderers.text.formatting import format_price
from flatpeak_connect.renderers.text.style import wants_colour

FIXTURES = Path(__file__).parents[1] / "fixtures"
CORPUS = sorted(FIXTURES.glob("*/pages/*.json"))
PAYLOAD = "<script>alert(1)</script>\x1b[2J\x1b]0;owned\x07\x9b31m\u202eevil\r\nx"


def load(path: Path) -> Page:
    """Load a fixture page; its version is its folder."""
    return Page.from_json(json.loads(path.read_text()), path.parts[-3])


def render(shown: Page, errors: tuple[FieldError, ...] = (), **style: Any) -> str:
    """Render a page as plain text, 80 columns unless told."""
    pack = load_pack(shown.version)
    context = RenderContext(pack=pack, spec=pack.route(shown.route))
    renderer = TextRenderer(style=Style(**{"colour": False, "width": 80, **style}))
    return renderer.render(shown, errors, context).body


def fixture(version: str, name: str) -> Page:
    """Load a named fixture page."""
    return load(FIXTURES / version / "pages" / f"{name}.json")


def poison(value: Any) -> Any:
    """Append the payload to every string of a JSON value (URLs and ids included)."""
    if isinstance(value, str):
        return value + PAYLOAD
    if isinstance(value, dict):
        return {key: poison(item) for key, item in value.items()}
    if isinstance(value, list):
        return [poison(item) for item in value]
    return value


class TestClean:
    """clean: Connect strings made safe for a terminal."""

    def test_escape_sequences_are_removed_whole(self) -> None:
        """CSI, OSC (window title) and 8-bit CSI sequences leave nothing behind."""
        assert clean("a\x1b[2Jb\x1b]0;title\x07c\x9b31md") == "abcd"

    def test_control_and_bidi_characters(self) -> None:
        """Controls and direction overrides go; line breaks and tabs become spaces."""
        assert clean("x\x00y\x7fz\u202e!\ta\r\nb") == "xyz! a  b"

    def test_text_is_kept(self) -> None:
        """Markup and non-ASCII letters are text to a terminal and are kept."""
        assert clean("<b>Énergie</b> £ ⚡") == "<b>Énergie</b> £ ⚡"
        assert clean(None) == ""
        assert clean(12.5) == "12.5"


class TestEveryRoute:
    """Every page of the fixture corpus renders."""

    @pytest.mark.parametrize("path", CORPUS, ids=lambda p: f"{p.parts[-3]}/{p.stem}")
    def test_renders_with_its_title(self, path: Path) -> None:
        """The page renders, headed by its route's title, with no escape sequence."""
        shown = load(path)
        spec = load_pack(shown.version).route(shown.route)
        assert spec is not None
        body = render(shown)
        assert spec.title in body
        assert "\x1b" not in body

    @pytest.mark.parametrize("path", CORPUS, ids=lambda p: f"{p.parts[-3]}/{p.stem}")
    def test_hostile_strings_are_neutralised(self, path: Path) -> None:
        """A script/escape payload in every Connect string cannot reach the terminal."""
        document = json.loads(path.read_text())
        document["data"] = poison(document.get("data", {}))
        shown = Page.from_json(document, path.parts[-3])
        body = render(shown, colour=True)
        assert "owned" not in re.sub(r"\x1b\[[0-9;]*m", "", body).replace("alert", "")
        assert not re.search(r"\x1b(?!\[[0-9;]*m)", body), "only our own colour sequences"
        assert not any(c in body for c in "\x07\x9b\u202e\r\x00")

    def test_every_field_of_every_route_is_asked(self) -> None:
        """Each field label of a page route appears on its page."""
        for path in CORPUS:
            shown = load(path)
            spec = load_pack(shown.version).route(shown.route)
            assert spec is not None
            body = render(shown)
            for item in spec.fields:
                if item.type == "choice" and not item.required and not shown.data.get("regions"):
                    continue
                assert item.label in body, (path.name, item.name)


class TestRouteTouches:
    """What particular pages show."""

    def test_provider_header_and_numbered_choices(self) -> None:
        """provider_select numbers the providers and lists actions to type."""
        shown = fixture("anode", "provider_select")
        body = render(shown)
        names = [p["display_name"] for p in shown.data["providers"]]
        for number, name in enumerate(names, start=1):
            assert f"{number}. {name}" in body
        assert "provider_missing" in body
        assert "My supplier is not listed" in body
        assert "Address:" in body

    def test_tariff_summary_table(self) -> None:
        """The summary shows today's periods as a table with prices in pence."""
        body = render(fixture("zero", "summary_tou_confirm"))
        assert "Today's rates" in body
        assert re.search(r"From\s+To\s+Price", body)
        assert re.search(r"00:00\s+06:30\s+9\.5p/kWh", body)
        assert re.search(r"06:30\s+24:00\s+31\.2p/kWh", body)
        assert "1. save" in body

    def test_fixed_summary_price(self) -> None:
        """A fixed summary shows its single price."""
        shown = fixture("zero", "summary_fixed_confirm")
        assert format_price(shown.data["cost"], shown.data["currency_code"]) in render(shown)

    def test_redirect_shows_where_to_sign_in(self) -> None:
        """A provider login page shows its URL."""
        shown = fixture("anode", "session_redirect")
        assert shown.data["redirect_url"] in render(shown)

    def test_errors_beside_their_field_and_in_a_summary(self) -> None:
        """A field error is listed at the top and under its field."""
        shown = fixture("zero", "postal_address_capture")
        error = FieldError("/postal_address/post_code", "post_code_missing", "Enter your postcode.")
        body = render(shown, (error,))
        assert "There is a problem:" in body
        assert "- Postcode or ZIP code: Enter your postcode." in body
        lines = body.splitlines()
        label = next(i for i, line in enumerate(lines) if line.strip().startswith("Postcode or"))
        assert "! Enter your postcode." in "\n".join(lines[label : label + 4])

    def test_unknown_route_fallback(self) -> None:
        """A route no pack knows shows its data and its actions."""
        document = {
            "connect_token": "cot_x",
            "route": "vpp_landing",
            "actions": ["CONNECT_TARIFF"],
            "data": {"programmes": [{"programme_display_name": "Neighbourhood Boost"}]},
        }
        shown = Page.from_json(document, "anode")
        context = RenderContext(pack=load_pack("anode"), spec=None)
        body = TextRenderer(style=Style(width=80)).render(shown, (), context).body
        assert "Page: Vpp landing" in body
        assert "programmes 1.programme_display_name: Neighbourhood Boost" in body
        assert "1. connect_tariff" in body
        assert "close" in body


class TestLayout:
    """Width and colour."""

    @pytest.mark.parametrize("width", [40, 60, 100])
    def test_lines_fit_the_width(self, width: int) -> None:
        """No line is wider than the width laid out to."""
        for name in ("postal_address_capture", "rate_tod_capture", "tariffs_summary"):
            body = render(fixture("anode", name), width=width)
            assert max(len(line) for line in body.splitlines()) <= width

    def test_colour_only_when_asked(self) -> None:
        """Colour adds ANSI styling; without it the text is plain."""
        shown = fixture("anode", "tariffs_summary")
        assert "\x1b[1m" in render(shown, colour=True)
        assert "\x1b" not in render(shown, colour=False)

    def test_wants_colour(self) -> None:
        """Colour needs a terminal, no NO_COLOR, and a TERM that is not dumb."""

        class Tty(io.StringIO):
            def isatty(self) -> bool:
                return True

        assert wants_colour(Tty(), {"TERM": "xterm"})
        assert not wants_colour(Tty(), {"TERM": "xterm", "NO_COLOR": "1"})
        assert not wants_colour(Tty(), {"TERM": "dumb"})
        assert not wants_colour(io.StringIO(), {"TERM": "xterm"})


class TestPrices:
    """format_price: major units on the wire, minor units where people expect them."""

    @pytest.mark.parametrize(
        ("amount", "currency", "text"),
        [
            (0.245, "GBP", "24.5p/kWh"),
            (0.1432, "EUR", "14.32c/kWh"),
            (0.3, "USD", "30¢/kWh"),
            (30, "JPY", "JP¥30/kWh"),
            (0.2, "CHF", "CHF0.20/kWh"),
            (0.245, None, "0.245/kWh"),
            (-0.0125, "EUR", "-1.25c/kWh"),
        ],
    )
    def test_formats(self, amount: float, currency: str | None, text: str) -> None:
        """Each currency is written the way its customers read prices."""
        assert format_price(amount, currency) == text

    def test_not_a_number(self) -> None:
        """A missing price is shown as nothing, not as an error."""
        assert format_price(None, "GBP") == ""
