"""Small hand-written fakes of our own ports: the store (issues, worklogs, checkpoints),
the clock and the Jira gateway."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from decimal import Decimal
from types import TracebackType
from typing import Any, Self
from zoneinfo import ZoneInfo

from oms_connector.domain.classification import Classifier, IssueSnapshot
from oms_connector.domain.plans import Plan
from oms_connector.domain.worklogs import Worklog, supersedes
from oms_connector.services.ingest import Ingest
from oms_connector.services.ports import StoredIssue

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


class FixedClock:
    def __init__(self, now: datetime = NOW) -> None:
        self.instant = now

    def now(self) -> datetime:
        return self.instant


@dataclass
class State:
    issues: dict[str, StoredIssue] = field(default_factory=dict)
    worklogs: dict[str, Worklog] = field(default_factory=dict)
    checkpoints: dict[str, str] = field(default_factory=dict)

    def copy(self) -> State:
        return State(dict(self.issues), dict(self.worklogs), dict(self.checkpoints))


class FakeIssues:
    def __init__(self, state: State) -> None:
        self._state = state

    def save_if_not_older(self, issue: StoredIssue, stored_at: datetime) -> bool:
        old = self._state.issues.get(issue.snapshot.id)
        if old is not None and (old.deleted or old.updated > issue.updated):
            return False
        self._state.issues[issue.snapshot.id] = issue
        return True

    def get(self, issue_id: str) -> StoredIssue | None:
        return self._state.issues.get(issue_id)

    def live_ids(self, project_keys: Sequence[str]) -> list[str]:
        return sorted(
            issue_id
            for issue_id, issue in self._state.issues.items()
            if issue.snapshot.project_key in project_keys
            and issue.work_type is not None
            and not issue.deleted
        )


class FakeWorklogs:
    def __init__(self, state: State) -> None:
        self._state = state

    def save_if_supersedes(self, worklog: Worklog, stored_at: datetime) -> bool:
        old = self._state.worklogs.get(worklog.id)
        if old is not None and not supersedes(worklog, old):
            return False
        if old is not None and worklog.deleted:
            worklog = replace(old, deleted=True, updated=worklog.updated)
        self._state.worklogs[worklog.id] = worklog
        return True

    def get(self, worklog_id: str) -> Worklog | None:
        return self._state.worklogs.get(worklog_id)


class FakeCheckpoints:
    def __init__(self, state: State) -> None:
        self._state = state

    def get(self, name: str) -> str | None:
        return self._state.checkpoints.get(name)

    def set(self, name: str, checkpoint: str, now: datetime) -> None:
        self._state.checkpoints[name] = checkpoint


class FakeUnitOfWork:
    """Works on a copy of the committed state; only ``commit`` publishes it."""

    def __init__(self, store: FakeStore) -> None:
        self._store = store
        self._state = store.state.copy()
        self.issues = FakeIssues(self._state)
        self.worklogs = FakeWorklogs(self._state)
        self.checkpoints = FakeCheckpoints(self._state)

    @property
    def inbox(self) -> Any:
        raise NotImplementedError

    statements = writebacks = inbox

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        return None

    def commit(self) -> None:
        self._store.state = self._state.copy()
        self._store.commits += 1

    def rollback(self) -> None:
        self._state = self._store.state.copy()


class FakeStore:
    def __init__(self) -> None:
        self.state = State()
        self.commits = 0

    def unit_of_work(self, *, read_only: bool = False) -> FakeUnitOfWork:
        return FakeUnitOfWork(self)


def plan(*projects: str) -> Plan:
    return Plan(
        id="acme",
        customer="Acme Corp",
        hours_per_month=Decimal(10),
        term_months=3,
        enrolled_on=date(2026, 1, 31),
        timezone=ZoneInfo("America/New_York"),
        jira_projects=tuple(projects),
    )


def ingest(clock: FixedClock, *projects: str) -> Ingest:
    return Ingest([plan(*projects)], Classifier(), clock)


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
