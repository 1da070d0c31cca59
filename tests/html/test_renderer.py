"""The HTML renderer's parts: theme, template overrides, field values, errors, prices, charts."""

from __future__ import annotations

import copy
import re
from typing import TYPE_CHECKING, Any

import pytest
from html_support import fixture_pages, render, structure

from flatpeak_connect.engine.models import FieldError, Page
from flatpeak_connect.engine.spec import load_pack
from flatpeak_connect.renderers.html import (
    HtmlConfig,
    HtmlRenderer,
    Theme,
    read_form,
    safe_url,
    write_form,
)
from flatpeak_connect.renderers.html.formatting import (
    contract_date,
    input_unit,
    price_text,
    rate_chart,
    rate_rows,
)

if TYPE_CHECKING:
    from pathlib import Path

PAGES = {(v, s): d for v, s, d in fixture_pages()}


def _page(version: str, stem: str) -> dict[str, Any]:
    return copy.deepcopy(PAGES[(version, stem)])


class TestTheme:
    """Branding is configuration, checked so it cannot break out of its CSS declaration."""

    def test_the_theme_is_written_as_custom_properties(self) -> None:
        """Colours and font become --fp-* properties on :root."""
        css = Theme(brand_colour="#00703c", font_family='"Inter", Arial, sans-serif').css()
        assert ":root {" in css
        assert "--fp-brand: #00703c;" in css
        assert '--fp-font: "Inter", Arial, sans-serif;' in css

    @pytest.mark.parametrize(
        "options",
        [
            {"brand_colour": "red; } body { display: none"},
            {"brand_colour": "url(https://evil.example/x)"},
            {"font_family": "Arial; } * { color: red"},
            {"logo_url": "javascript:alert(1)"},
            {"logo_url": "//evil.example/logo.png"},
        ],
    )
    def test_values_that_could_break_out_are_refused(self, options: dict[str, str]) -> None:
        """A value with ';', '}' or a script URL is a ValueError that names the setting."""
        with pytest.raises(ValueError, match=next(iter(options))):
            Theme(**options)

    def test_the_logo_replaces_the_service_name_in_the_header(self) -> None:
        """With a logo the header shows it, its alt text the service name."""
        renderer = HtmlRenderer(
            HtmlConfig(theme=Theme(logo_url="/brand/logo.svg", service_name="Acme Energy"))
        )
        html = render(renderer, _page("anode", "tariff_name_capture"), "anode")
        assert '<img class="header__logo" src="/brand/logo.svg" alt="Acme Energy">' in html
        assert "\N{EN DASH} Acme Energy</title>" in html


class TestTemplates:
    """A host's template folders come first: one page, or the layout, overridden alone."""

    def test_a_host_template_replaces_one_page_only(self, tmp_path: Path) -> None:
        """provider_select.html in the host's folder is used; other pages keep the built-ins."""
        (tmp_path / "provider_select.html").write_text(
            '{% extends "_question.html" %}{% block before_form %}<p id="host">Ours</p>'
            "{% endblock %}",
            encoding="utf-8",
        )
        renderer = HtmlRenderer(HtmlConfig(template_dirs=[tmp_path]))
        assert 'id="host"' in render(renderer, _page("anode", "provider_select"), "anode")
        assert 'id="host"' not in render(renderer, _page("anode", "tariff_select"), "anode")

    def test_a_host_layout_wraps_every_page(self, tmp_path: Path) -> None:
        """base.html in the host's folder is the layout of every page, escaping still on."""
        (tmp_path / "base.html").write_text(
            "<!DOCTYPE html><title>{% block title %}{% endblock %}</title>"
            '<main id="host-layout">{% block main %}{% endblock %}</main>',
            encoding="utf-8",
        )
        renderer = HtmlRenderer(HtmlConfig(template_dirs=[tmp_path]))
        page = _page("anode", "tariff_name_capture")
        page["data"]["provider"]["display_name"] = "<b>Bold</b>"
        html = render(renderer, page, "anode")
        assert '<main id="host-layout">' in html
        assert "&lt;b&gt;Bold&lt;/b&gt;" in html

    def test_a_version_folder_overrides_for_that_version_only(self, tmp_path: Path) -> None:
        """anode/region_select.html is used for anode pages of that route."""
        (tmp_path / "anode").mkdir()
        (tmp_path / "anode" / "tariff_name_capture.html").write_text(
            "<h1>anode only</h1>", encoding="utf-8"
        )
        renderer = HtmlRenderer(HtmlConfig(template_dirs=[tmp_path]))
        assert render(renderer, _page("anode", "tariff_name_capture"), "anode").startswith(
            "<h1>anode only"
        )
        assert "anode only" not in render(renderer, _page("zero", "tariff_name_capture"), "zero")

    def test_autoescape_is_on_for_every_template(self, renderer: HtmlRenderer) -> None:
        """The environment escapes whatever the template's file name."""
        template = renderer.environment.from_string("{{ value }}")
        assert template.render(value="<i>") == "&lt;i&gt;"


class TestFieldValues:
    """A field shows what the customer typed, else their last answer, else Connect's value."""

    def test_typed_text_wins_over_the_last_answer_and_connect(self, renderer: HtmlRenderer) -> None:
        """The typed form wins over the last answer, which wins over Connect's value."""
        page = _page("anode", "postal_address_capture.prefilled")
        values = {"postal_address": {"city": "Answered"}}
        html = render(renderer, page, "anode", values=values)
        assert 'name="city" type="text" value="Answered"' in html
        html = render(renderer, page, "anode", values=values, extra={"form": {"city": "Typed"}})
        assert 'name="city" type="text" value="Typed"' in html

    @pytest.mark.parametrize(
        ("currency", "shown", "unit"),
        [("GBP", "24.5", "p per kWh"), ("EUR", "24.5", "c per kWh"), ("USD", "24.5", "¢ per kWh")],
    )
    def test_prices_are_shown_in_minor_units_where_people_expect_them(
        self, renderer: HtmlRenderer, currency: str, shown: str, unit: str
    ) -> None:
        """0.245 from Connect is 24.5 in the box, with the minor unit beside it."""
        page = _page("anode", "rate_fixed_capture")
        page["data"].update(currency_code=currency, cost=0.245)
        html = render(renderer, page, "anode")
        assert 'name="cost" type="text" inputmode="decimal"' in html
        assert f'value="{shown}"' in html
        assert re.search(rf'id="f-cost-unit">\s*{re.escape(unit)}', html)

    def test_a_currency_quoted_in_major_units_shows_its_symbol_first(self) -> None:
        """Swedish kronor have no minor-unit custom here: the symbol comes from CLDR."""
        unit = input_unit("SEK", "en_GB")
        assert unit.symbol == "SEK"
        assert unit.prefix is True
        assert input_unit(None, "en_GB").symbol == ""

    def test_countries_come_from_cldr_with_the_current_one_selected(
        self, renderer: HtmlRenderer
    ) -> None:
        """The country select lists countries by name; Connect's code is selected."""
        page = _page("anode", "postal_address_capture.prefilled")
        html = render(renderer, page, "anode")
        code = page["data"]["postal_address"]["country_code"]
        assert re.search(rf'<option value="{code}" selected>', html)
        assert '<option value="FR">France</option>' in html
        assert 'value="EU"' not in html


class TestErrors:
    """Each error sits beside the input it concerns and is listed, linked, in the summary."""

    def test_an_error_on_an_object_goes_beside_its_first_input(
        self, renderer: HtmlRenderer
    ) -> None:
        """geo_location_not_found at /postal_address is shown at Address line 1."""
        errors = [
            FieldError("/postal_address/post_code", "post_code_missing", "Enter a postcode."),
            FieldError("/postal_address", "geo_location_not_found", "We cannot find it."),
        ]
        html = render(renderer, _page("anode", "postal_address_capture"), "anode", errors)
        summary = re.findall(r'<li><a href="#([^"]+)">([^<]+)</a></li>', html)
        assert summary == [
            ("f-address_line1", "We cannot find it."),
            ("f-post_code", "Enter a postcode."),
        ]
        assert 'id="f-address_line1-error"' in html
        assert html.startswith("<!DOCTYPE html>")
        assert "<title>Error: " in html

    def test_errors_in_a_group_of_periods_go_to_their_row_or_the_group(
        self, renderer: HtmlRenderer
    ) -> None:
        """/hours/1/cost beside row 2's price; /hours (a gap) at the group's first input."""
        page = _page("anode", "rate_tod_capture.prefilled")
        errors = [
            FieldError("/hours/1/cost", "cost_value_zero", "Enter a price above zero."),
            FieldError("/hours", "gap_in_time_period", "The periods leave a gap."),
        ]
        html = render(renderer, page, "anode", errors)
        assert 'id="f-hours-1-cost-error"' in html
        assert 'id="f-hours-error"' in html
        assert '<a href="#f-hours-1-cost">Enter a price above zero.</a>' in html
        assert '<a href="#f-hours-0-valid_from">The periods leave a gap.</a>' in html

    def test_an_error_about_the_whole_answer_is_listed_without_a_link(
        self, renderer: HtmlRenderer
    ) -> None:
        """Pointer "" (an action refused, say): in the summary, first, as plain text."""
        errors = [FieldError("", "action_invalid", "That is not possible here.")]
        html = render(renderer, _page("anode", "tariffs_summary"), "anode", errors)
        assert "<li>That is not possible here.</li>" in html


class TestForms:
    """Reading a posted form back into field values."""

    def test_rows_of_a_group_are_read_and_blank_rows_dropped(self) -> None:
        """hours-N-item keys make rows; a row left blank is not an answer."""
        spec = load_pack("anode").route("rate_tod_capture")
        assert spec is not None
        values = read_form(
            spec,
            {
                "hours-0-valid_from": "07:00",
                "hours-0-valid_to": "23:00",
                "hours-0-cost": "30",
                "hours-1-valid_from": "",
                "hours-1-valid_to": " ",
                "hours-1-cost": "",
                "hours-2-cost": "9",
                "hours-99-cost": "1",
            },
        )
        assert values == {
            "hours": [
                {"valid_from": "07:00", "valid_to": "23:00", "cost": "30"},
                {"cost": "9"},
            ]
        }

    def test_writing_values_back_renumbers_rows(self) -> None:
        """write_form is read_form's inverse, with rows numbered as in the answer."""
        spec = load_pack("anode").route("rate_tod_capture")
        assert spec is not None
        form = write_form(spec, {"hours": [{"cost": "30"}, {"cost": "9", "valid_from": "23:00"}]})
        assert form == {"hours-0-cost": "30", "hours-1-cost": "9", "hours-1-valid_from": "23:00"}
        assert read_form(spec, form) == {
            "hours": [{"cost": "30"}, {"cost": "9", "valid_from": "23:00"}]
        }

    @pytest.mark.parametrize(
        ("url", "safe"),
        [
            ("https://login.example/x?y=1", True),
            ("http://127.0.0.1:8080/p", True),
            ("javascript:alert(1)", False),
            ("data:text/html,x", False),
            ("//evil.example", False),
            ("/relative", False),
            (42, False),
        ],
    )
    def test_only_absolute_http_urls_are_safe(self, url: object, *, safe: bool) -> None:
        """safe_url keeps http(s) URLs with a host and drops everything else."""
        assert (safe_url(url) is not None) is safe


class TestPrices:
    """Prices, dates and today's rates for reading."""

    @pytest.mark.parametrize(
        ("value", "currency", "locale", "text"),
        [
            (0.245, "GBP", "en_GB", "24.5p"),
            (0.1234, "EUR", "de_DE", "12,34c"),
            (0.2, "USD", "en_US", "20¢"),
            (1.25, "SEK", "sv_SE", "1,25\xa0kr"),
            ("x", "GBP", "en_GB", ""),
        ],
    )
    def test_price_text_uses_the_minor_unit_or_cldr(
        self, value: object, currency: str, locale: str, text: str
    ) -> None:
        """Minor units where the custom is; CLDR's currency format elsewhere."""
        assert price_text(value, currency, locale) == text

    def test_a_contract_date_is_the_day_sent_and_year_one_is_none(self) -> None:
        """Midnight UTC stays that day; FlatPeak's 0001-01-01 means no date."""
        assert contract_date("2026-01-31T00:00:00Z", "en_GB") == "31 January 2026"
        assert contract_date("0001-01-01T00:00:00Z", "en_GB") is None
        assert contract_date(None, "en_GB") is None

    def test_rates_keep_the_offset_they_were_sent_in(self) -> None:
        """Times read on the location's clock; the last period ends at 24:00."""
        rows = rate_rows(
            [
                {
                    "valid_from": "2025-06-01T00:00:00+02:00",
                    "valid_to": "2025-06-01T06:30:00+02:00",
                    "tariff": {"cost": -0.01},
                },
                {
                    "valid_from": "2025-06-01T06:30:00+02:00",
                    "valid_to": "2025-06-02T00:00:00+02:00",
                    "tariff": {"cost": 0.312},
                },
                {"valid_from": "bad", "valid_to": None, "tariff": {}},
            ],
            "GBP",
            "en_GB",
        )
        assert [(r.start, r.end, r.price) for r in rows] == [
            ("00:00", "06:30", "-1p"),
            ("06:30", "24:00", "31.2p"),
        ]
        chart = rate_chart(rows)
        assert chart is not None
        negative, positive = chart.bars
        assert negative.negative
        assert negative.y == chart.baseline
        assert positive.y + positive.height == chart.baseline
        assert positive.width > negative.width
        assert chart.description == (
            "From 00:00 to 06:30, -1p per kWh. From 06:30 to 24:00, 31.2p per kWh."
        )
        assert rate_chart(()) is None

    def test_the_summary_shows_a_table_and_a_chart_with_a_text_alternative(
        self, renderer: HtmlRenderer
    ) -> None:
        """Today's rates: an svg role=img named by its title and described in words, and a table."""
        html = render(renderer, _page("anode", "tariffs_summary"), "anode")
        parsed = structure(html)
        svg = next(a for tag, a in parsed.tags if tag == "svg")
        assert svg["role"] == "img"
        title_id, desc_id = svg["aria-labelledby"].split()
        assert title_id in parsed.ids
        assert desc_id in parsed.ids
        assert re.search(r'<desc id="[^"]+">From \d\d:\d\d to \d\d:\d\d, ', html)
        assert '<table class="table">' in html
        assert sum(1 for tag, _ in parsed.tags if tag == "rect") >= 1

    def test_an_unknown_route_page_is_fully_described(self) -> None:
        """The fallback lists nested data: keys humanised, values escaped."""
        page = Page.from_json(
            {"connect_token": "cot_1", "route": "consent", "data": {"required_consents": ["A"]}},
            "anode",
        )
        assert page.route == "consent"
        html = render(HtmlRenderer(), dict(page.raw), "anode")
        assert "<dt>Required consents</dt>" in html
