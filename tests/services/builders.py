"""Builders for service tests: the acme plan mapped to project ACME, issues and worklogs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from oms_connector.domain.classification import Classifier, IssueSnapshot, Rule, WorkType
from oms_connector.domain.plans import Plan
from oms_connector.domain.plausibility import Plausibility
from oms_connector.domain.worklogs import Worklog
from oms_connector.services.ingest import Ingest
from oms_connector.services.ports import Clock, IssueFact
from tests.domain.builders import NEW_YORK, acme

T0 = datetime(2026, 2, 1, 9, 0, tzinfo=UTC)

CLASSIFIER = Classifier(
    default=WorkType.OMS,
    override_labels={WorkType.OMS: "oms-override-oms", WorkType.PRIORITY: "oms-override-priority"},
    rules=(Rule("urgent-label", WorkType.PRIORITY, labels=frozenset({"urgent"})),),
)


def acme_plan(**changes: object) -> Plan:
    return acme(**{"jira_projects": ("ACME",), **changes})


ANY_WORK = Plausibility(
    history=timedelta(days=3660),
    ahead=timedelta(days=3660),
    max_seconds=366 * 86_400,
    clock_skew=timedelta(days=3660),
)
"""Bounds wide enough for every service test: their clocks stop before the work they log
(a close in March reads work logged at a clock of 1 February), some log a month in one
worklog. The quarantine's own tests use the default bounds."""


def ingest_for(clock: Clock, *plans: Plan) -> Ingest:
    return Ingest(plans or (acme_plan(),), CLASSIFIER, clock, ANY_WORK)


def issue(
    issue_id: str = "10001",
    key: str = "ACME-1",
    *,
    labels: frozenset[str] = frozenset(),
    updated: datetime = T0,
    deleted: bool = False,
) -> IssueFact:
    project = key.split("-", maxsplit=1)[0]
    snapshot = IssueSnapshot(id=issue_id, key=key, project_key=project, labels=labels)
    return IssueFact(snapshot, updated, deleted)


def worklog(
    worklog_id: str = "20001",
    *,
    issue_id: str = "10001",
    started: datetime = datetime(2026, 2, 10, 10, 0, tzinfo=NEW_YORK),
    hours: float = 0,
    minutes: int = 0,
    updated: datetime = T0,
    deleted: bool = False,
) -> Worklog:
    return Worklog(
        id=worklog_id,
        issue_id=issue_id,
        started=started,
        seconds=int(hours * 3600) + minutes * 60,
        updated=updated,
        author="ana",
        deleted=deleted,
    )


def later(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)
