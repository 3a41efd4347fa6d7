"""Numbers, booleans and dates as the configuration file reads them."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from oms_connector.config import ConfigError, load_settings, settings_from_mapping
from tests.config.files import VALID, write


def with_defaults(tmp_path: Path, defaults: str) -> Path:
    return write(tmp_path, VALID + f"defaults: {{{defaults}}}\n")


@pytest.mark.parametrize(
    ("written", "rate"),
    [
        ('"35.00"', "35.00"),
        ("35.00", "35.00"),
        ("35.5", "35.5"),
        ("0.1", "0.1"),
        ("40", "40"),
        ("1_000.25", "1000.25"),
    ],
)
def test_a_rate_is_read_exactly_as_written(tmp_path: Path, written: str, rate: str) -> None:
    settings = load_settings(with_defaults(tmp_path, f"oms_rate: {written}"))

    assert settings.defaults.oms_rate == Decimal(rate)
    assert str(settings.defaults.oms_rate) == rate


def test_a_float_given_in_code_is_refused_with_a_hint_to_quote_it() -> None:
    data = {
        "jira": {"url": "https://example.atlassian.net", "user": "bot@example.com"},
        "plans": [
            {
                "id": "acme",
                "customer": "Acme",
                "jira_projects": ["ACME"],
                "hours_per_month": 10.5,
                "term_months": 3,
                "enrolled_on": "2026-01-31",
            }
        ],
        "defaults": {"priority_rate": 62.5},
    }

    with pytest.raises(ConfigError) as error:
        settings_from_mapping(data)

    assert error.value.problems == [
        'defaults.priority_rate: must be written as a quoted decimal string such as "35.50", '
        "not a float",
        'plans[0].hours_per_month: must be written as a quoted decimal string such as "35.50", '
        "not a float",
    ]


def test_integers_are_decimal_even_with_a_leading_zero(tmp_path: Path) -> None:
    settings = load_settings(with_defaults(tmp_path, "close_grace_days: 010"))

    assert settings.defaults.close_grace_days == 10


def test_only_true_and_false_are_booleans(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        VALID.replace("[ACME]", "[NO, ON, YES]") + "webhook: {allow_unsigned: true}\n",
    )

    settings = load_settings(path)

    assert settings.plans[0].jira_projects == ["NO", "ON", "YES"]
    assert settings.webhook.allow_unsigned is True


def test_a_boolean_is_not_a_number(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as error:
        load_settings(with_defaults(tmp_path, "oms_rate: true"))

    assert error.value.problems == ["defaults.oms_rate: must be a number, not a boolean"]


@pytest.mark.parametrize(("written", "seconds"), [("7.5", 27000), ('"0.25"', 900), ("1", 3600)])
def test_bank_hours_are_whole_seconds(tmp_path: Path, written: str, seconds: int) -> None:
    bank = f"priority_bank: [{{purchased_on: 2026-01-31, hours: {written}}}]"
    path = write(tmp_path, VALID.replace("2026-01-31}", f"2026-01-31, {bank}}}"))

    bank = load_settings(path).domain_plans()[0].priority_bank

    assert [(p.purchased_on, p.seconds) for p in bank] == [(date(2026, 1, 31), seconds)]


def test_dates_may_be_quoted(tmp_path: Path) -> None:
    path = write(tmp_path, VALID.replace("enrolled_on: 2026-01-31", 'enrolled_on: "2028-02-29"'))

    assert load_settings(path).plans[0].enrolled_on == date(2028, 2, 29)


def test_an_empty_file_lacks_the_required_sections(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as error:
        load_settings(write(tmp_path, "# nothing yet\n"))

    assert error.value.problems == ["jira: field required", "plans: field required"]


def test_a_rounding_increment_must_be_positive(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as error:
        load_settings(with_defaults(tmp_path, 'rounding_increment_hours: "0"'))

    assert error.value.problems == [
        "defaults.rounding_increment_hours: input should be greater than 0"
    ]
