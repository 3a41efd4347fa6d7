"""Environment overrides, secrets from the environment, and where the file is looked for."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from operator import attrgetter
from pathlib import Path

import pytest
from pydantic import SecretStr

from oms_connector.config import ConfigError, config_path, load_settings
from tests.config.files import VALID, write


@pytest.fixture
def config_file(tmp_path: Path) -> Path:
    return write(tmp_path, VALID + "database: {url: 'sqlite:///from-file.sqlite3'}\n")


def test_the_file_values_apply_without_overrides(config_file: Path) -> None:
    settings = load_settings(config_file)

    assert settings.database.url == "sqlite:///from-file.sqlite3"
    assert settings.webhook.allow_unsigned is False
    assert settings.worker.interval_seconds == 60


@pytest.mark.parametrize(
    ("variable", "value", "key", "expected"),
    [
        (
            "OMS_DATABASE__URL",
            "postgresql+psycopg://oms:pw@db/oms",
            "database.url",
            "postgresql+psycopg://oms:pw@db/oms",
        ),
        ("OMS_WEBHOOK__ALLOW_UNSIGNED", "true", "webhook.allow_unsigned", True),
        ("OMS_WORKER__INTERVAL_SECONDS", "15", "worker.interval_seconds", 15),
        ("oms_defaults__close_grace_days", "5", "defaults.close_grace_days", 5),
        ("OMS_DEFAULTS__OMS_RATE", "36.25", "defaults.oms_rate", Decimal("36.25")),
        ("OMS_JIRA__DEPLOYMENT", "datacenter", "jira.deployment", "datacenter"),
    ],
)
def test_an_environment_variable_overrides_the_file(
    config_file: Path,
    monkeypatch: pytest.MonkeyPatch,
    variable: str,
    value: str,
    key: str,
    expected: object,
) -> None:
    monkeypatch.setenv(variable, value)

    settings = load_settings(config_file)

    assert attrgetter(key)(settings) == expected


def test_an_override_keeps_the_other_keys_of_its_section(
    config_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OMS_JIRA__USER", "other@example.com")

    settings = load_settings(config_file)

    assert settings.jira.user == "other@example.com"
    assert settings.jira.url == "https://example.atlassian.net"


def test_a_list_can_be_replaced_with_json(
    config_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(
        "OMS_PLANS",
        '[{"id": "solo", "customer": "Solo", "jira_projects": ["SOLO"], '
        '"hours_per_month": "12.5", "term_months": 3, "enrolled_on": "2026-05-31"}]',
    )

    plans = load_settings(config_file).domain_plans()

    assert [(p.id, p.terms[0].hours_per_month, p.enrolled_on) for p in plans] == [
        ("solo", Decimal("12.5"), date(2026, 5, 31))
    ]


def test_secrets_are_read_from_the_variables_the_file_names(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(
        tmp_path,
        VALID.replace("user: bot@example.com", "user: bot@example.com, token_env: ACME_JIRA_PAT")
        + "webhook: {secret_env: HOOK_SECRET}\npages: {admin_token_env: PAGES_TOKEN}\n",
    )
    monkeypatch.setenv("ACME_JIRA_PAT", "jira-secret-0123456")
    monkeypatch.setenv("HOOK_SECRET", "hook-secret-0123456")
    monkeypatch.setenv("PAGES_TOKEN", "pages-secret-0123456")
    monkeypatch.setenv("OMS_JIRA_TOKEN", "not-this-one")

    settings = load_settings(path)

    assert settings.jira.require_token().get_secret_value() == "jira-secret-0123456"
    assert settings.webhook.require_secret().get_secret_value() == "hook-secret-0123456"
    assert settings.pages.require_admin_token().get_secret_value() == "pages-secret-0123456"
    assert isinstance(settings.jira.token, SecretStr)


def test_secrets_default_to_the_documented_variables(
    config_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OMS_JIRA_TOKEN", "t" * 16)
    monkeypatch.setenv("OMS_WEBHOOK_SECRET", "w" * 16)
    monkeypatch.setenv("OMS_ADMIN_TOKEN", "a" * 16)

    settings = load_settings(config_file)

    assert settings.jira.token is not None
    assert settings.jira.token.get_secret_value() == "t" * 16
    assert settings.webhook.secret is not None
    assert settings.webhook.secret.get_secret_value() == "w" * 16
    assert settings.pages.admin_token is not None
    assert settings.pages.admin_token.get_secret_value() == "a" * 16


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        (
            " ",
            "the environment variable OMS_ADMIN_TOKEN is blank (it holds the statement "
            "pages' admin token)",
        ),
        (
            "\t\n  ",
            "the environment variable OMS_ADMIN_TOKEN is blank (it holds the statement "
            "pages' admin token)",
        ),
        (
            "a" * 15,
            "the environment variable OMS_ADMIN_TOKEN holds 15 characters; the "
            "statement pages' admin token must have at least 16",
        ),
    ],
)
def test_a_blank_or_short_secret_is_refused_naming_its_variable(
    config_file: Path, monkeypatch: pytest.MonkeyPatch, value: str, problem: str
) -> None:
    monkeypatch.setenv("OMS_ADMIN_TOKEN", value)
    settings = load_settings(config_file)

    assert settings.pages.admin_token is None
    with pytest.raises(ConfigError) as error:
        settings.pages.require_admin_token()
    assert error.value.problems == [f"pages.admin_token_env: {problem}"]


def test_a_short_jira_token_or_webhook_secret_is_refused_where_required(
    config_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OMS_JIRA_TOKEN", "short")
    monkeypatch.setenv("OMS_WEBHOOK_SECRET", "x" * 16)
    settings = load_settings(config_file)

    with pytest.raises(ConfigError) as error:
        settings.jira.require_token()
    assert error.value.problems == [
        "jira.token_env: the environment variable OMS_JIRA_TOKEN holds 5 characters; "
        "the Jira token must have at least 16"
    ]
    assert settings.webhook.require_secret().get_secret_value() == "x" * 16


def test_secrets_never_show_in_the_settings_repr_or_dump(
    config_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OMS_JIRA_TOKEN", "ATATT-very-secret")
    monkeypatch.setenv("OMS_WEBHOOK_SECRET", "hook-very-secret")

    settings = load_settings(config_file)

    for text in (repr(settings), str(settings.model_dump()), settings.model_dump_json()):
        assert "very-secret" not in text


@pytest.mark.parametrize("value", [None, ""])
def test_an_unset_or_empty_secret_is_absent_and_required_with_a_clear_message(
    config_file: Path, monkeypatch: pytest.MonkeyPatch, value: str | None
) -> None:
    if value is not None:
        monkeypatch.setenv("OMS_WEBHOOK_SECRET", value)
    settings = load_settings(config_file)

    assert settings.webhook.secret is None
    with pytest.raises(ConfigError) as error:
        settings.webhook.require_secret()
    assert error.value.problems == [
        "webhook.secret_env: the environment variable OMS_WEBHOOK_SECRET is not set "
        "(it holds the webhook secret)"
    ]


def test_missing_admin_token_is_named(config_file: Path) -> None:
    with pytest.raises(ConfigError) as error:
        load_settings(config_file).pages.require_admin_token()

    assert error.value.problems == [
        "pages.admin_token_env: the environment variable OMS_ADMIN_TOKEN is not set "
        "(it holds the statement pages' admin token)"
    ]


@pytest.mark.parametrize(
    ("option", "environ", "expected"),
    [
        ("given.yaml", {"OMS_CONFIG": "env.yaml"}, Path("given.yaml")),
        (None, {"OMS_CONFIG": "/etc/oms/env.yaml"}, Path("/etc/oms/env.yaml")),
        (None, {"OMS_CONFIG": ""}, Path("config.yaml")),
        (None, {}, Path("config.yaml")),
    ],
)
def test_the_file_is_the_option_then_oms_config_then_config_yaml(
    option: str | None, environ: dict[str, str], expected: Path
) -> None:
    assert config_path(option, environ) == expected
