"""Rates in whole cents and rounding increments of at most 4 places: what the store keeps."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from oms_connector.config import ConfigError, settings_from_mapping


def settings(plan: dict[str, Any], defaults: dict[str, Any]) -> dict[str, Any]:
    acme = {
        "id": "acme",
        "customer": "Acme",
        "jira_projects": ["ACME"],
        "hours_per_month": "10",
        "term_months": 3,
        "enrolled_on": "2026-01-31",
    }
    return {
        "jira": {"url": "https://example.atlassian.net", "user": "bot@example.com"},
        "plans": [{**acme, **plan}],
        "defaults": defaults,
    }


@pytest.mark.parametrize(
    ("plan", "defaults", "problem"),
    [
        (
            {"oms_rate": "33.33333"},
            {},
            "plans[0].oms_rate: 33.33333 has more than 2 decimal places",
        ),
        (
            {"priority_rate": "62.505"},
            {},
            "plans[0].priority_rate: 62.505 has more than 2 decimal places",
        ),
        ({}, {"oms_rate": "35.001"}, "defaults.oms_rate: 35.001 has more than 2 decimal places"),
        (
            {},
            {"rounding_increment_hours": "0.00025"},
            # Whole seconds are multiples of 0.0025 h: never more than 4 decimal places.
            "defaults.rounding_increment_hours: 0.00025 h is not a whole number of seconds",
        ),
    ],
)
def test_more_decimal_places_than_the_store_keeps_are_refused(
    plan: dict[str, Any], defaults: dict[str, Any], problem: str
) -> None:
    with pytest.raises(ConfigError) as error:
        settings_from_mapping(settings(plan, defaults))
    assert error.value.problems == [problem]


@pytest.mark.parametrize(
    ("plan", "defaults"),
    [
        ({"oms_rate": "33.33", "priority_rate": "62.5"}, {}),
        ({"oms_rate": "35.000"}, {"rounding_increment_hours": "0.0025"}),
        ({}, {"oms_rate": "40", "rounding_increment_hours": "0.25"}),
    ],
)
def test_rates_in_cents_and_increments_of_up_to_4_places_are_accepted(
    plan: dict[str, Any], defaults: dict[str, Any]
) -> None:
    loaded = settings_from_mapping(settings(plan, defaults))
    [domain_plan] = loaded.domain_plans()
    expected_rate = Decimal(plan.get("oms_rate", defaults.get("oms_rate", "35.00")))
    assert domain_plan.oms_rate == expected_rate
