"""alerts.renewal_reminder_days, and the worker's renewals step posting to alerts.notify_url."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import responses

from oms_connector.bootstrap import open_gateway
from oms_connector.commands.sync import worker_steps
from oms_connector.config import ConfigError, Settings, load_settings, settings_from_mapping
from tests.config.files import VALID, clear_oms_environment, write
from tests.services.fakes import FakeClock
from tests.services.memory_store import MemoryStore

NOTIFY_URL = "https://hooks.example.com/services/T000/B000/s3cr3t"
# Midnight in New York on 2026-03-31: 30 days before acme's term ends.
WINDOW_OPENS = datetime(2026, 3, 31, 4, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _jira_token(monkeypatch: pytest.MonkeyPatch) -> None:
    clear_oms_environment(monkeypatch)
    monkeypatch.setenv("OMS_TEST_JIRA", "token-value-0123456789")


@pytest.fixture
def http() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.post(NOTIFY_URL, status=200)
        yield mock


def settings(**alerts: Any) -> Settings:
    return settings_from_mapping(
        {
            "jira": {
                "url": "https://example.atlassian.net",
                "user": "bot@example.com",
                "token_env": "OMS_TEST_JIRA",
            },
            "plans": [
                {
                    "id": "acme",
                    "customer": "Acme Corp",
                    "jira_projects": ["ACME"],
                    "hours_per_month": 10,
                    "term_months": 3,
                    "enrolled_on": "2026-01-31",
                    "timezone": "America/New_York",
                }
            ],
            "alerts": {"notify_url": NOTIFY_URL, **alerts},
        }
    )


def run_renewals_step(configured: Settings, store: MemoryStore, passes: int = 1) -> None:
    gateway = open_gateway(configured)
    try:
        steps = dict(worker_steps(configured, gateway, store, FakeClock(WINDOW_OPENS)))
        for _ in range(passes):
            steps["renewals"]()
    finally:
        gateway.close()


def posted(http: responses.RequestsMock) -> list[dict[str, Any]]:
    return [json.loads(call.request.body or b"") for call in http.calls]


def test_the_worker_s_renewals_step_posts_each_reminder_once(
    http: responses.RequestsMock,
) -> None:
    run_renewals_step(settings(), MemoryStore(), passes=2)

    assert [(m["event"], m["plan_id"], m["ends_on"], m["days_left"]) for m in posted(http)] == [
        ("renewal_reminder", "acme", "2026-04-30", 30)
    ]


def test_the_reminder_days_come_from_the_configuration(http: responses.RequestsMock) -> None:
    run_renewals_step(settings(renewal_reminder_days=29), MemoryStore())
    run_renewals_step(settings(renewal_reminder_days=0), MemoryStore())

    assert posted(http) == []


def test_reminders_default_to_thirty_days(tmp_path: Path) -> None:
    assert load_settings(write(tmp_path, VALID)).alerts.renewal_reminder_days == 30


@pytest.mark.parametrize(
    ("days", "problem"),
    [
        ("-1", "alerts.renewal_reminder_days: input should be greater than or equal to 0"),
        ("367", "alerts.renewal_reminder_days: input should be less than or equal to 366"),
        (
            "2.5",
            "alerts.renewal_reminder_days: input should be a valid integer, got a number with "
            "a fractional part",
        ),
    ],
)
def test_reminder_days_out_of_range_are_refused(tmp_path: Path, days: str, problem: str) -> None:
    path = write(tmp_path, VALID + f"alerts: {{renewal_reminder_days: {days}}}\n")

    with pytest.raises(ConfigError) as error:
        load_settings(path)

    assert error.value.problems == [problem]
