"""A small Jira board for write-back, alert and advice tests: plan acme on project ACME.

Plan acme here: 10 h a month from 2026-09-15 (America/New_York), for a year. At
``NOW`` (2026-12-01) the period runs from 2026-11-15 to 2026-12-15 (exclusive), so its
last day is 2026-12-14.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from oms_connector.adapters.jira_gateway import JiraConnection, JiraRestGateway
from oms_connector.domain.classification import IssueSnapshot, WorkType
from oms_connector.domain.plans import Plan
from oms_connector.domain.worklogs import Worklog
from oms_connector.services.ports import Store, StoredIssue
from tests.domain.builders import NEW_YORK, acme
from tests.gateway.jira_json import SITE

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=NEW_YORK)
IN_PERIOD = datetime(2026, 11, 20, 9, 0, tzinfo=NEW_YORK)


class FixedClock:
    def __init__(self, now: datetime = NOW) -> None:
        self.instant = now

    def now(self) -> datetime:
        return self.instant


def plan(**changes: object) -> Plan:
    fields: dict[str, object] = {
        "jira_projects": ("ACME",),
        "enrolled_on": date(2026, 9, 15),
        "term_months": 12,
    }
    fields.update(changes)
    return acme(**fields)


def stored_issue(
    issue_id: str = "10001",
    key: str = "ACME-1",
    work_type: WorkType | None = WorkType.OMS,
    reason: str = "default",
    *,
    labels: Iterable[str] = (),
    deleted: bool = False,
) -> StoredIssue:
    snapshot = IssueSnapshot(
        id=issue_id, key=key, project_key=key.partition("-")[0], labels=frozenset(labels)
    )
    return StoredIssue(
        snapshot=snapshot,
        updated=datetime(2026, 11, 16, 8, 0, tzinfo=NEW_YORK),
        work_type=work_type,
        reason=reason,
        overridden=reason.startswith("override"),
        deleted=deleted,
    )


def logged(
    worklog_id: str,
    minutes: int,
    *,
    issue_id: str = "10001",
    started: datetime = IN_PERIOD,
) -> Worklog:
    return Worklog(
        id=worklog_id,
        issue_id=issue_id,
        started=started,
        seconds=minutes * 60,
        updated=started,
        author="ana",
    )


def seed(
    store: Store, issues: Iterable[StoredIssue] = (), worklogs: Iterable[Worklog] = ()
) -> None:
    with store.unit_of_work() as uow:
        for issue in issues:
            uow.issues.save_if_not_older(issue, NOW)
        for worklog in worklogs:
            uow.worklogs.save_if_supersedes(worklog, NOW)
        uow.commit()


def queue(store: Store, *worklogs: Worklog) -> None:
    """Queue the follow-ups these stored worklogs owe, as ingesting them does."""
    with store.unit_of_work() as uow:
        for worklog in worklogs:
            uow.follow_ups.add(worklog.issue_id, worklog.id, NOW)
        uow.commit()


def open_gateway() -> JiraRestGateway:
    """The real gateway on Jira Cloud (REST v3); tests answer it with ``responses``."""
    return JiraRestGateway(
        JiraConnection(SITE, "bot@example.com", "token"), sleep=lambda seconds: None
    )
