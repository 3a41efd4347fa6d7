"""App, client and processor fixtures for the webhook tests, on SQLite and PostgreSQL.

The app gets its services built on the migrated ``sql_store`` of the shared conftest;
Jira is a small fake of the gateway port that answers from dictionaries.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from oms_connector import bootstrap
from oms_connector.adapters.sql.schema import inbox
from oms_connector.adapters.sql.store import SqlStore
from oms_connector.adapters.webhook_payloads import WebhookBodies
from oms_connector.config import Settings, settings_from_mapping
from oms_connector.domain.classification import IssueSnapshot
from oms_connector.domain.worklogs import Worklog
from oms_connector.services.events import JiraEvents
from oms_connector.services.inbox import InboxProcessor, InboxService
from oms_connector.services.intake import BatchedIntake
from webhook_app import create_app
from webhook_app.dependencies import AppServices, StoreProbe
from webhook_app.signature import sign

FIXTURES = Path(__file__).parent.parent / "fixtures" / "jira_webhooks"
SECRET = "it's a secret to everybody"
SECRET_ENV = "OMS_TEST_WEBHOOK_SECRET"
CONNECTOR_ACCOUNT = "oms-bot@example.com"
NOW = datetime(2026, 10, 1, 12, 0, tzinfo=UTC)

PROJECTS = ["TES", "KT", "TEST", "IDT", "PRJA", "BUG", "ABC", "INDEV", "SCRUM", "ZUL", "SP"]


def settings_mapping(**webhook: Any) -> dict[str, Any]:
    return {
        "jira": {"url": "https://example.atlassian.net", "user": CONNECTOR_ACCOUNT},
        "webhook": {"secret_env": SECRET_ENV, **webhook},
        "plans": [
            {
                "id": "acme",
                "customer": "Acme Corp",
                "jira_projects": PROJECTS,
                "hours_per_month": 10,
                "term_months": 3,
                "enrolled_on": "2026-01-31",
            }
        ],
        "classification": {
            "default": "oms",
            "rules": [
                {"name": "urgent", "work_type": "priority", "priority": ["Highest", "High"]},
                {"name": "incidents", "work_type": "priority", "issue_type": ["Bug", "Incident"]},
            ],
        },
        # The captured payloads log work from 2021 on, and up to 40 hours in one worklog.
        "quarantine": {"history_days": 3660, "max_worklog_hours": 48},
    }


def fixture_bytes(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def body_of(delivery: str, body: bytes) -> bytes:
    """``body`` with a ``timestamp`` of its own for ``delivery``: two events Jira sends
    differ at least by it, and one body sent again is a replay whatever its delivery id."""
    document = json.loads(body)
    document["timestamp"] = int(hashlib.sha256(delivery.encode()).hexdigest()[:12], 16)
    return json.dumps(document).encode()


def signed(body: bytes, secret: str = SECRET) -> dict[str, str]:
    return {"X-Hub-Signature": sign(secret.encode(), body), "Content-Type": "application/json"}


class FixedClock:
    def __init__(self, now: datetime = NOW) -> None:
        self.instant = now

    def now(self) -> datetime:
        return self.instant


@dataclass(frozen=True)
class FakeFetchedIssue:
    snapshot: IssueSnapshot
    updated: datetime | None


@dataclass
class FakeJira:
    """The gateway port, answering ``issues`` and ``worklogs`` from what the test put in."""

    issues_by_id: dict[str, FakeFetchedIssue] = field(default_factory=dict)
    worklogs_by_id: dict[str, Worklog] = field(default_factory=dict)
    calls: list[tuple[str, tuple[str, ...]]] = field(default_factory=list)

    def issues(self, ids: Sequence[str]) -> list[FakeFetchedIssue]:
        self.calls.append(("issues", tuple(ids)))
        return [self.issues_by_id[i] for i in ids if i in self.issues_by_id]

    def worklogs(self, ids: Sequence[str]) -> list[Worklog]:
        self.calls.append(("worklogs", tuple(ids)))
        return [self.worklogs_by_id[i] for i in ids if i in self.worklogs_by_id]

    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"the webhook path must not call gateway.{name}")


@pytest.fixture
def settings(monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.setenv(SECRET_ENV, SECRET)
    return settings_from_mapping(settings_mapping())


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock()


@pytest.fixture
def jira() -> FakeJira:
    return FakeJira()


@pytest.fixture
def app(settings: Settings, sql_store: SqlStore, clock: FixedClock) -> Iterator[Flask]:
    intake = BatchedIntake(sql_store)
    services = AppServices(
        inbox=InboxService(sql_store, clock, intake=intake),
        probe=StoreProbe(sql_store),
        now=clock.now,
        close=intake.close,
    )
    app = create_app(settings, services)
    app.config["TESTING"] = True
    yield app
    intake.close()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def processor(
    settings: Settings, sql_store: SqlStore, clock: FixedClock, jira: FakeJira
) -> InboxProcessor:
    events = JiraEvents(
        WebhookBodies(), sql_store, jira, clock, own_accounts=frozenset({settings.jira.user})
    )
    ingest = bootstrap.ingest(settings, clock)
    return InboxProcessor(sql_store, events, ingest, clock, worker="test-worker")


def inbox_rows(store: SqlStore) -> list[Mapping[str, Any]]:
    with store.engine.connect() as connection:
        rows = connection.execute(select(inbox).order_by(inbox.c.id)).mappings().all()
    return [dict(row) for row in rows]
