"""The app factory: configuration in, nothing built at import, refusal without a secret."""

from __future__ import annotations

import logging

import pytest

import webhook_app
from oms_connector.config import ConfigError, settings_from_mapping
from webhook_app import create_app
from webhook_app.dependencies import AppServices

from .conftest import SECRET, SECRET_ENV, settings_mapping


class NoInbox:
    def receive(
        self, body: bytes, delivery_id: str | None = None, event: str | None = None
    ) -> bool:
        raise AssertionError("not called")

    def counts(self) -> dict[str, int]:
        raise AssertionError("not called")


class NoProbe:
    def check(self) -> None:
        raise AssertionError("not called")

    def last_sync(self) -> None:
        raise AssertionError("not called")


def services() -> AppServices:
    return AppServices(inbox=NoInbox(), probe=NoProbe(), now=lambda: None)  # type: ignore[arg-type,return-value]


def test_werkzeug_reads_one_byte_past_the_configured_limit_so_the_view_can_refuse_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(SECRET_ENV, SECRET)
    app = create_app(settings_from_mapping(settings_mapping(max_body_bytes=2048)), services())
    assert app.config["MAX_CONTENT_LENGTH"] == 2049


def test_the_default_body_limit_is_one_mebibyte(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(SECRET_ENV, SECRET)
    app = create_app(settings_from_mapping(settings_mapping()), services())
    assert app.config["MAX_CONTENT_LENGTH"] == 1_048_576 + 1


def test_the_app_refuses_to_start_without_a_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(SECRET_ENV, raising=False)
    with pytest.raises(ConfigError) as raised:
        create_app(settings_from_mapping(settings_mapping()), services())
    assert raised.value.problems == [
        f"webhook.secret_env: the environment variable {SECRET_ENV} is not set "
        "(it holds the webhook secret)"
    ]


def test_unsigned_webhooks_when_allowed_log_a_warning_at_every_start(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.delenv(SECRET_ENV, raising=False)
    settings = settings_from_mapping(settings_mapping(allow_unsigned=True))
    with caplog.at_level(logging.WARNING, logger="webhook_app"):
        create_app(settings, services())
        create_app(settings, services())
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 2
    assert "UNSIGNED" in warnings[0].getMessage()
    assert SECRET_ENV in warnings[0].getMessage()


def test_the_health_check_answers_without_touching_the_database(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(SECRET_ENV, SECRET)
    client = create_app(settings_from_mapping(settings_mapping()), services()).test_client()
    response = client.get("/healthz")
    assert (response.status_code, response.json) == (200, {"status": "ok"})


def test_importing_the_package_builds_no_app() -> None:
    assert not hasattr(webhook_app, "app")


def test_the_app_built_from_settings_serves_the_statement_pages_to_the_admin_only(
    monkeypatch: pytest.MonkeyPatch, tmp_path: object
) -> None:
    monkeypatch.setenv(SECRET_ENV, SECRET)
    monkeypatch.setenv("OMS_ADMIN_TOKEN", "admin-token-for-tests")
    mapping = settings_mapping()
    mapping["database"] = {"url": f"sqlite:///{tmp_path}/oms.sqlite3"}
    app = create_app(settings_from_mapping(mapping))
    client = app.test_client()
    refused = client.get("/plans")
    allowed = client.get("/plans", headers={"Authorization": "Bearer admin-token-for-tests"})
    assert (refused.status_code, allowed.status_code) == (401, 200)
    assert b"Acme Corp" in allowed.data


@pytest.mark.parametrize(
    ("variable", "value", "problem"),
    [
        (
            "OMS_ADMIN_TOKEN",
            " ",
            "pages.admin_token_env: the environment variable OMS_ADMIN_TOKEN is blank "
            "(it holds the statement pages' admin token)",
        ),
        (
            SECRET_ENV,
            "short",
            f"webhook.secret_env: the environment variable {SECRET_ENV} holds 5 characters; "
            "the webhook secret must have at least 16",
        ),
    ],
)
def test_the_app_refuses_to_start_with_a_blank_or_short_secret(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, problem: str
) -> None:
    monkeypatch.setenv(SECRET_ENV, SECRET)
    monkeypatch.setenv(variable, value)

    with pytest.raises(ConfigError) as error:
        create_app(settings_from_mapping(settings_mapping()), services())
    assert error.value.problems == [problem]
