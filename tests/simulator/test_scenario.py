"""Scenario files: the shipped default, a user's own, and clear errors for bad ones."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest

from flatpeak_connect.simulator import (
    ScenarioError,
    create_app,
    default_scenario,
    load_scenario,
    parse_scenario,
)

if TYPE_CHECKING:
    from pathlib import Path


def _minimal() -> dict[str, Any]:
    return {
        "name": "tiny",
        "addresses": [
            {
                "id": "home",
                "match": {"country_code": "GB", "post_code": "MB4", "city": "Millbrook"},
                "timezone": "Europe/London",
                "currency_code": "GBP",
                "providers": ["prv_a"],
            }
        ],
        "providers": [{"id": "prv_a", "display_name": "A Power", "connection_types": ["MANUAL"]}],
    }


class TestDefaultScenario:
    """The scenario shipped with the simulator."""

    def test_default_covers_the_three_regions(self) -> None:
        """The shipped scenario has a GB address, a US one needing a state, and a euro market."""
        scenario = default_scenario()
        by_id = {a.id: a for a in scenario.addresses}
        assert by_id["gb"].currency_code == "GBP"
        assert by_id["us"].requires_state is True
        assert by_id["nl"].currency_code == "EUR"
        assert by_id["nl"].market is not None
        assert by_id["nl"].market.needs_region_choice is True
        kinds = {kind for p in scenario.providers for kind in p.connection_types}
        assert kinds == {"DIRECT", "LIBRARY", "MARKET", "MANUAL"}
        assert {p.outcome for p in scenario.providers} == {"connected", "pending", "failed"}


class TestAddressMatching:
    """How a posted address finds its address rule."""

    @pytest.mark.parametrize(
        ("post_code", "city", "matches"),
        [
            ("MB4 7QT", "Millbrook", True),
            ("mb47qt", " millbrook ", True),
            ("MB5 1AA", "Millbrook", False),
            ("MB4 7QT", "Elsewhere", False),
        ],
    )
    def test_post_code_prefix_and_city(self, post_code: str, city: str, matches: bool) -> None:
        """A rule matches by country, post-code prefix (case and spaces ignored) and city."""
        scenario = parse_scenario(_minimal())
        posted = {"country_code": "gb", "post_code": post_code, "city": city}
        assert (scenario.match_address(posted) is not None) is matches


class TestLoading:
    """Reading scenario files, and the errors for bad ones."""

    def test_a_users_file_is_used(self, tmp_path: Path) -> None:
        """create_app takes a scenario file path and serves that world."""
        path = tmp_path / "tiny.json"
        path.write_text(json.dumps(_minimal()), encoding="utf-8")
        assert load_scenario(path).name == "tiny"
        assert create_app(path) is not None

    def test_unreadable_file(self, tmp_path: Path) -> None:
        """A missing file is a ScenarioError naming the file."""
        with pytest.raises(ScenarioError, match=r"(?s)nope\.json.*cannot read the file"):
            load_scenario(tmp_path / "nope.json")

    def test_not_json(self, tmp_path: Path) -> None:
        """A file that is not JSON is a ScenarioError with the line and column."""
        path = tmp_path / "broken.json"
        path.write_text('{\n  "addresses": [,]\n}', encoding="utf-8")
        with pytest.raises(ScenarioError, match="line 2, column 17"):
            load_scenario(path)

    def test_schema_problems_name_their_place(self) -> None:
        """Every schema problem is listed with its place in the file."""
        document = _minimal()
        document["providers"][0]["connection_types"] = ["CARRIER_PIGEON"]
        document["addresses"][0]["currency_code"] = "pounds"
        with pytest.raises(ScenarioError) as caught:
            parse_scenario(document)
        problems = "\n".join(caught.value.problems)
        assert "$.providers[0].connection_types[0]" in problems
        assert "$.addresses[0].currency_code" in problems

    def test_dangling_references_are_all_listed(self) -> None:
        """Unknown ids, unknown time zones and unusable providers are all reported at once."""
        document = _minimal()
        document["addresses"][0]["providers"].append("prv_ghost")
        document["addresses"][0]["timezone"] = "Mars/Olympus"
        document["providers"].append(
            {"id": "prv_b", "display_name": "B", "connection_types": ["LIBRARY", "MARKET"]}
        )
        document["addresses"][0]["providers"].append("prv_b")
        with pytest.raises(ScenarioError) as caught:
            parse_scenario(document)
        problems = "\n".join(caught.value.problems)
        assert "prv_ghost" in problems
        assert "Mars/Olympus" in problems
        assert "a LIBRARY provider needs at least one tariff" in problems
        assert "connects through MARKET, but this address has no market" in problems

    def test_tariff_periods_must_cover_the_day(self) -> None:
        """A library tariff whose periods leave a gap is refused, with the Connect code."""
        document = _minimal()
        document["tariffs"] = [
            {
                "id": "trt_a",
                "name": "Gappy",
                "structure": "TIME_OF_DAY",
                "hours": [
                    {"cost": 0.2, "valid_from": "00:00:00", "valid_to": "06:00:00"},
                    {"cost": 0.3, "valid_from": "07:00:00", "valid_to": "00:00:00"},
                ],
            }
        ]
        with pytest.raises(ScenarioError, match="gap_in_time_period"):
            parse_scenario(document)

    def test_expires_in_must_be_positive(self) -> None:
        """create_app refuses a token lifetime that is not positive."""
        with pytest.raises(ValueError, match="expires_in"):
            create_app(expires_in=0)
