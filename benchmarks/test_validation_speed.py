"""How long validating one ``provider_select`` page takes: validate fast, explain slow.

Run with ``make bench`` (pytest-benchmark). Figures measured on the project machine are in
benchmarks/README.md.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest
import referencing
from jsonschema import Draft202012Validator
from referencing.jsonschema import DRAFT202012

from flatpeak_connect import schemas
from flatpeak_connect.engine.validation import get_validator

VERSION = "anode"

# CONNECT.md §3.3's example page: an ordinary provider_select page with two providers.
PAGE: dict[str, Any] = {
    "connect_token": "cot_5f1e2d3c4b5a69788796a5b4",
    "route": "provider_select",
    "tariff_direction": "IMPORT",
    "tariff_type": "COMMODITY",
    "live_mode": False,
    "actions": ["ADDRESS_CHANGE", "PROVIDER_MISSING", "BACK"],
    "data": {
        "postal_address": {
            "address_line1": "17 Orchard Row",
            "address_line2": "Unit 4",
            "city": "Millbrook",
            "state": "Westshire",
            "post_code": "MB4 7QT",
            "country_code": "GB",
        },
        "providers": [
            {
                "id": "prv_7a6b5c4d3e2f1a0b9c8d7e6f",
                "display_name": "Brightwave Energy",
                "logo_url": "https://cdn.example.com/logos/brightwave.png",
            },
            {
                "id": "prv_1c2d3e4f5a6b7c8d9e0f1a2b",
                "display_name": "Northgrid Supply",
                "logo_url": "https://cdn.example.com/logos/northgrid.png",
            },
        ],
    },
}


def rejected_page() -> dict[str, Any]:
    """Return the same page with one provider's id missing."""
    page = copy.deepcopy(PAGE)
    del page["data"]["providers"][1]["id"]
    return page


def jsonschema_alone() -> Draft202012Validator:
    """Return a plain jsonschema validator for the page, compiled once, as a baseline."""
    base = f"{schemas.SCHEMA_BASE_URI}{VERSION}/"
    registry: referencing.Registry[Any] = referencing.Registry().with_resources(
        (base + path, DRAFT202012.create_resource(schemas.read_json(resource)))
        for path, resource in schemas.iter_schema_files(VERSION)
    )
    return Draft202012Validator({"$ref": base + "pages/provider_select.json"}, registry=registry)


@pytest.mark.benchmark(group="provider_select page")
def test_fast_path_valid_page(benchmark: Any) -> None:
    """validate_page on a valid page: the jsonschema-rs verdict, nothing else."""
    validator = get_validator(VERSION)
    assert benchmark(validator.validate_page, PAGE) == []


@pytest.mark.benchmark(group="provider_select page")
def test_fast_verdict_only(benchmark: Any) -> None:
    """is_valid_page: the verdict alone."""
    validator = get_validator(VERSION)
    assert benchmark(validator.is_valid_page, PAGE)


@pytest.mark.benchmark(group="provider_select page")
def test_jsonschema_alone_valid_page(benchmark: Any) -> None:
    """The plain jsonschema Draft202012Validator deciding the same valid page (the baseline)."""
    validator = jsonschema_alone()
    assert benchmark(validator.is_valid, PAGE)


@pytest.mark.benchmark(group="provider_select page")
def test_explain_path_rejected_page(benchmark: Any) -> None:
    """validate_page on a rejected page: the verdict, then jsonschema's pointer-precise errors."""
    validator = get_validator(VERSION)
    errors = benchmark(validator.validate_page, rejected_page())
    assert [e.pointer for e in errors] == ["/data/providers/1/id"]
