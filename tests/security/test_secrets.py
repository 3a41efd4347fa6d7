"""Secrets stay secret: not in logs or error pages, not accepted in configuration files.

The statement pages, on the app built from the settings alone, refuse a request
without the admin token.
"""

from __future__ import annotations

import logging
import random
from pathlib import Path

import pytest
import yaml

from oms_connector import cli
from oms_connector.adapters.jira_gateway import (
    JiraConnection,
    JiraRestGateway,
    JiraUnavailable,
    RetryPolicy,
)
from oms_connector.bootstrap import open_gateway
from oms_connector.config import load_settings
from oms_connector.sandbox.faults import FaultKind, FaultPlan
from tests.drills.connector import (
    ADMIN_TOKEN,
    SECRETS,
    WEBHOOK_SECRET,
    config,
    worker,
    write_config,
)
from tests.drills.site import EMAIL, JIRA_TOKEN, Activity, sandbox
from webhook_app import create_app

SECRET_VALUES = [*SECRETS.values()]


def assert_no_secret(text: str) -> None:
    for value in SECRET_VALUES:
        assert value not in text


def test_no_secret_is_logged_or_shown_across_failing_runs(
    tmp_path: Path,
    secrets: None,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    caplog.set_level(logging.DEBUG)
    database_url = f"sqlite:///{tmp_path / 'oms.sqlite3'}"
    shown: list[str] = []
    faults = FaultPlan(rate=0, kinds=(FaultKind.SERVER_ERROR,))
    with sandbox(faults=faults) as site:
        Activity(site, random.Random(3)).run(20)
        site.settle()
        config_path = write_config(tmp_path, site.url, database_url)
        settings = load_settings(config_path)

        # Jira answering 500 to everything: the worker's steps fail and say so.
        faults.rate = 1.0
        connection = JiraConnection(site.url, EMAIL, JIRA_TOKEN, timeout_seconds=1)
        retry = RetryPolicy(attempts=2, backoff_base_seconds=0.001, backoff_cap_seconds=0.001)
        gateway = JiraRestGateway(connection, retry=retry)
        with (
            worker(settings, gateway) as steps,
            pytest.raises(JiraUnavailable, match="did not answer") as failed,
        ):
            steps.sync()
        shown.append(str(failed.value))
        faults.rate = 0

        # Bad credentials: sync --once stops with a message.
        monkeypatch.setenv("OMS_JIRA_TOKEN", "wrong-" + JIRA_TOKEN[::-1])
        SECRET_VALUES.append("wrong-" + JIRA_TOKEN[::-1])
        assert cli.main(["--config", str(config_path), "sync", "--once"]) == 1
        monkeypatch.setenv("OMS_JIRA_TOKEN", JIRA_TOKEN)
        with worker(settings, open_gateway(settings)) as steps:
            steps.sync()

    # The app's refusals and error pages.
    app = create_app(settings)
    try:
        client = app.test_client()
        for path, method in [
            ("/webhooks/jira", "post"),
            ("/plans", "get"),
            ("/statements/acme-20270115", "get"),
            ("/metrics", "get"),
            ("/readyz", "get"),
            ("/no-such-page", "get"),
        ]:
            response = getattr(client, method)(path, data=b"{", headers={"X-Hub-Signature": "x"})
            shown.append(response.get_data(as_text=True))
            shown.append(str(response.headers))
    finally:
        app.extensions["oms_connector"].services.close()

    # A bad configuration: the problems are listed, the secrets are not.
    bad = config(site.url, database_url)
    bad["jira"]["token"] = JIRA_TOKEN
    bad_path = tmp_path / "bad.yaml"
    bad_path.write_text(yaml.safe_dump(bad))
    assert cli.main(["--config", str(bad_path), "check-config"]) == 2

    captured = capsys.readouterr()
    assert "refused the credentials" in captured.err
    assert "jira.token: secrets must not be written" in captured.err
    everything = "\n".join([*shown, captured.out, captured.err, caplog.text])
    assert "Jira" in caplog.text
    assert_no_secret(everything)


@pytest.mark.parametrize(
    ("section", "key", "value"),
    [
        ("jira", "token", JIRA_TOKEN),
        ("jira", "api_token", JIRA_TOKEN),
        ("jira", "password", JIRA_TOKEN),
        ("webhook", "secret", WEBHOOK_SECRET),
        ("pages", "admin_token", ADMIN_TOKEN),
        ("database", "password", "hunter2-db"),
    ],
)
def test_a_configuration_file_with_a_secret_in_it_is_refused(
    tmp_path: Path,
    secrets: None,
    capsys: pytest.CaptureFixture[str],
    section: str,
    key: str,
    value: str,
) -> None:
    data = config("https://example.atlassian.net", f"sqlite:///{tmp_path / 'oms.sqlite3'}")
    data[section][key] = value
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(data))
    assert cli.main(["--config", str(path), "check-config"]) == 2
    err = capsys.readouterr().err
    assert f"{section}.{key}: secrets must not be written in the configuration file" in err
    assert value not in err


@pytest.mark.parametrize(
    ("section", "key", "value", "problem"),
    [
        (
            "database",
            "url",
            "postgresql+psycopg://oms:hunter2-db@db.example.com/oms",
            "database.url: a password must not be written in the configuration file",
        ),
        (
            "jira",
            "url",
            f"https://bot:{JIRA_TOKEN}@example.atlassian.net",
            "jira.url: must not carry credentials or a query",
        ),
    ],
)
def test_a_configuration_file_with_a_credential_in_a_url_is_refused(
    tmp_path: Path,
    secrets: None,
    capsys: pytest.CaptureFixture[str],
    section: str,
    key: str,
    value: str,
    problem: str,
) -> None:
    data = config("https://example.atlassian.net", f"sqlite:///{tmp_path / 'oms.sqlite3'}")
    data[section][key] = value
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(data))
    assert cli.main(["--config", str(path), "check-config"]) == 2
    err = capsys.readouterr().err
    assert problem in err
    assert "hunter2-db" not in err
    assert JIRA_TOKEN not in err


def test_the_statement_pages_of_the_configured_app_need_the_admin_token(
    tmp_path: Path, secrets: None
) -> None:
    database_url = f"sqlite:///{tmp_path / 'oms.sqlite3'}"
    settings = load_settings(write_config(tmp_path, "https://example.atlassian.net", database_url))
    app = create_app(settings)
    try:
        client = app.test_client()
        for path in ["/plans", "/statements/acme-20270115"]:
            assert client.get(path).status_code == 401
            wrong = {"Authorization": f"Bearer {WEBHOOK_SECRET}"}
            assert client.get(path, headers=wrong).status_code == 401
        right = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
        assert client.get("/plans", headers=right).status_code == 200
    finally:
        app.extensions["oms_connector"].services.close()
