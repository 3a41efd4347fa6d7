"""Small hand-written fakes of our own ports: the clock and the Jira gateway (the store
is the in-memory one of the service tests, ``tests.services.memory_store``)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from oms_connector.domain.classification import Classifier, IssueSnapshot
from oms_connector.domain.plans import Plan, single_term
from oms_connector.domain.worklogs import Worklog
from oms_connector.services.ingest import Ingest
from oms_connector.services.jira_port import JiraGateway
from oms_connector.services.ports import Store
from oms_connector.services.sync import SyncService
from tests.services.builders import ANY_WORK

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
START = datetime(2026, 1, 31, 5, 0, tzinfo=UTC)
"""Where the sync of project ACME starts without a checkpoint (acme's enrolment)."""


class FixedClock:
    def __init__(self, now: datetime = NOW) -> None:
        self.instant = now

    def now(self) -> datetime:
        return self.instant


def plan(*projects: str) -> Plan:
    return single_term(
        id="acme",
        customer="Acme Corp",
        hours_per_month=Decimal(10),
        term_months=3,
        enrolled_on=date(2026, 1, 31),
        timezone=ZoneInfo("America/New_York"),
        jira_projects=tuple(projects),
    )


def ingest(clock: FixedClock, *projects: str) -> Ingest:
    return Ingest([plan(*projects)], Classifier(), clock, ANY_WORK)


def sync_service(
    gateway: JiraGateway,
    store: Store,
    *,
    reconcile_every: int = 0,
    follow_up: Callable[[], object] | None = None,
) -> SyncService:
    """The sync of project ACME from ``START``, on the fixed clock."""
    clock = FixedClock()
    return SyncService(
        gateway,
        store,
        ingest(clock, "ACME"),
        clock,
        ["ACME"],
        start=START,
        reconcile_every=reconcile_every,
        follow_up=follow_up,
    )


# --- the gateway ------------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    worklog_id: str
    updated: datetime


@dataclass(frozen=True)
class Page:
    changes: tuple[Change, ...]
    until: datetime | None


@dataclass(frozen=True)
class Fetched:
    snapshot: IssueSnapshot
    updated: datetime


class JiraDownError(Exception):
    pass


@dataclass
class FakeGateway:
    """Jira as lists of pages; ``fail_on`` makes the named call fail the given time it is made."""

    issue_pages: list[list[Fetched]] = field(default_factory=list)
    change_pages: list[Page] = field(default_factory=list)
    deletion_pages: list[Page] = field(default_factory=list)
    worklogs_by_id: dict[str, Worklog] = field(default_factory=dict)
    issues_by_id: dict[str, Fetched] = field(default_factory=dict)
    zone: ZoneInfo | None = None
    fail_on: dict[str, int] = field(default_factory=dict)
    calls: list[tuple[str, object]] = field(default_factory=list)

    def _call(self, name: str, argument: object) -> None:
        self.calls.append((name, argument))
        if self.fail_on.get(name) == sum(1 for n, _ in self.calls if n == name):
            raise JiraDownError(f"{name} failed")

    def worklog_changes(self, since: datetime) -> Iterator[Page]:
        self._call("worklog_changes", since)
        yield from self.change_pages

    def worklog_deletions(self, since: datetime) -> Iterator[Page]:
        self._call("worklog_deletions", since)
        yield from self.deletion_pages

    def worklogs(self, ids: Sequence[str]) -> list[Worklog]:
        self._call("worklogs", list(ids))
        return [self.worklogs_by_id[i] for i in ids if i in self.worklogs_by_id]

    def issue_worklogs(self, issue_id: str) -> list[Worklog]:
        self._call("issue_worklogs", issue_id)
        return [w for w in self.worklogs_by_id.values() if w.issue_id == issue_id]

    def search_issues(self, jql: str) -> Iterator[list[Fetched]]:
        self._call("search_issues", jql)
        for number, page in enumerate(self.issue_pages, start=1):
            self._call("search_page", number)
            yield page

    def issues(self, ids: Sequence[str]) -> list[Fetched]:
        self._call("issues", list(ids))
        return [self.issues_by_id[i] for i in ids if i in self.issues_by_id]

    def user_timezone(self) -> ZoneInfo | None:
        self._call("user_timezone", None)
        return self.zone

    def fields(self) -> list[Any]:
        return []

    def set_issue_property(self, issue: str, key: str, value: object) -> None:
        raise NotImplementedError

    def change_labels(
        self, issue: str, add: Sequence[str] = (), remove: Sequence[str] = ()
    ) -> None:
        raise NotImplementedError

    def add_comment(self, issue: str, body: str | Mapping[str, Any]) -> None:
        raise NotImplementedError

    def set_fields(self, issue: str, fields: Mapping[str, Any]) -> None:
        raise NotImplementedError

    def names(self) -> list[str]:
        return [name for name, _ in self.calls]
