"""An in-memory store for service tests: the ports' contracts, without a database.

A unit of work edits a copy of the state and publishes it on commit, so an
uncommitted unit of work leaves nothing behind, as with the SQL store.
"""

from __future__ import annotations

import hashlib
from bisect import bisect_right
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, fields, replace
from datetime import date, datetime, timedelta
from types import TracebackType
from typing import Self

from oms_connector.domain.classification import WorkType
from oms_connector.domain.lines import Line
from oms_connector.domain.statements import Statement
from oms_connector.domain.terms import BilledTerms
from oms_connector.domain.usage import LoggedWork
from oms_connector.domain.work_groups import WorkGroup
from oms_connector.domain.worklogs import Worklog, supersedes
from oms_connector.services.ports import (
    FiredAlert,
    HeldWorklog,
    InboxEvent,
    InboxStatus,
    QueuedFollowUp,
    RecordedTerms,
    RenewalReminder,
    StoredIssue,
    Writeback,
)


@dataclass
class _InboxRow:
    event: InboxEvent
    available_at: datetime
    claimed_at: datetime | None = None
    claimed_by: str | None = None


@dataclass
class State:
    issues: dict[str, StoredIssue] = field(default_factory=dict)
    worklogs: dict[str, Worklog] = field(default_factory=dict)
    inbox: dict[int, _InboxRow] = field(default_factory=dict)
    checkpoints: dict[str, str] = field(default_factory=dict)
    statements: dict[str, Statement] = field(default_factory=dict)
    terms: dict[str, str] = field(default_factory=dict)
    skipped: set[tuple[str, int]] = field(default_factory=set)
    skipped_sales_from: dict[str, int] = field(default_factory=dict)
    writebacks: list[Writeback] = field(default_factory=list)
    alerts: list[FiredAlert] = field(default_factory=list)
    renewal_reminders: dict[tuple[str, date], RenewalReminder] = field(default_factory=dict)
    follow_ups: dict[tuple[str, str], QueuedFollowUp] = field(default_factory=dict)
    held: dict[str, HeldWorklog] = field(default_factory=dict)
    """Held versions by worklog id; a worklog is held while its id is in ``quarantined``."""
    quarantined: set[str] = field(default_factory=set)

    def copied(self) -> State:
        """A copy a unit of work may change: every container copied; the values are frozen,
        except the inbox rows, which are copied too."""
        copy_of = State(**{f.name: getattr(self, f.name).copy() for f in fields(self)})
        copy_of.inbox = {key: replace(row) for key, row in self.inbox.items()}
        return copy_of


class MemoryIssues:
    def __init__(self, state: State) -> None:
        self._state = state

    def save_if_not_older(self, issue: StoredIssue, stored_at: datetime) -> bool:
        old = self._state.issues.get(issue.snapshot.id)
        if old is not None and (old.deleted or (not issue.deleted and issue.updated < old.updated)):
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

    def unresolved_ids(self, project_keys: Sequence[str]) -> list[str]:
        return [
            i for i in self.live_ids(project_keys) if not self._state.issues[i].snapshot.resolved
        ]

    def live_page(
        self, project_keys: Sequence[str], *, after_id: str | None, limit: int
    ) -> list[StoredIssue]:
        chosen = sorted(
            (issue_id, issue)
            for issue_id, issue in self._state.issues.items()
            if issue.snapshot.project_key in project_keys
            and not issue.deleted
            and (after_id is None or issue_id > after_id)
        )
        return [issue for _, issue in chosen[:limit]]

    def redecide(
        self, read: StoredIssue, work_type: WorkType | None, reason: str, overridden: bool
    ) -> bool:
        if self._state.issues.get(read.snapshot.id) != read:
            return False
        self._state.issues[read.snapshot.id] = replace(
            read, work_type=work_type, reason=reason, overridden=overridden
        )
        return True


class MemoryWorklogs:
    def __init__(self, state: State) -> None:
        self._state = state

    def save_if_supersedes(self, worklog: Worklog, stored_at: datetime) -> bool:
        old = self._state.worklogs.get(worklog.id)
        if old is None:
            self._state.worklogs[worklog.id] = worklog
            return True
        if not supersedes(worklog, old):
            return False
        if worklog.deleted:
            worklog = replace(old, deleted=True, updated=worklog.updated)
        else:
            self._state.quarantined.discard(worklog.id)
        self._state.worklogs[worklog.id] = worklog
        return True

    def get(self, worklog_id: str) -> Worklog | None:
        return self._state.worklogs.get(worklog_id)

    def logged_work(self, project_keys: Sequence[str]) -> Iterator[LoggedWork]:
        for worklog in self._state.worklogs.values():
            issue = self._state.issues.get(worklog.issue_id)
            if (
                worklog.deleted
                or worklog.id in self._state.quarantined
                or issue is None
                or issue.deleted
                or issue.work_type is None
                or issue.snapshot.project_key not in project_keys
            ):
                continue
            yield LoggedWork(
                worklog.id, issue.snapshot.key, issue.work_type, worklog.started, worklog.seconds
            )

    def work_groups(
        self,
        project_keys: Sequence[str],
        bounds: Sequence[datetime],
        *,
        until: datetime | None = None,
    ) -> Iterator[WorkGroup]:
        groups: dict[tuple[int, WorkType, str], list[LoggedWork]] = {}
        for work in self.logged_work(project_keys):
            if until is not None and work.started >= until:
                continue
            index = bisect_right(bounds, work.started) - 1
            groups.setdefault((index, work.work_type, work.issue_key), []).append(work)
        for (index, work_type, key), items in groups.items():
            seconds = sum(item.seconds for item in items)
            project = key.rsplit("-", 1)[0]
            ids = tuple(sorted(i.worklog_id for i in items))
            yield WorkGroup(project, index, work_type, key, seconds, ids)


class MemoryQuarantine:
    def __init__(self, state: State) -> None:
        self._state = state

    def hold(self, held: HeldWorklog) -> bool:
        worklog = held.worklog
        old = self._state.worklogs.get(worklog.id)
        if old is not None and (old.deleted or held.version <= old.updated):
            return False
        if old is None:  # a row of no time, as in the SQL store
            old = replace(worklog, started=held.version, seconds=0)
        self._state.worklogs[worklog.id] = replace(old, updated=held.version)
        self._state.held[worklog.id] = held
        self._state.quarantined.add(worklog.id)
        return True

    def held(self) -> list[HeldWorklog]:
        return sorted(
            (self._with_project(held) for held in self._held()),
            key=lambda held: (held.held_at, held.worklog.id),
        )

    def find(self, worklog_id: str) -> HeldWorklog | None:
        found = [held for held in self._held() if held.worklog.id == worklog_id]
        return self._with_project(found[0]) if found else None

    def counts(self) -> dict[str | None, int]:
        counts: dict[str | None, int] = {}
        for held in self.held():
            counts[held.project_key] = counts.get(held.project_key, 0) + 1
        return counts

    def accept(self, held: HeldWorklog, accepted_at: datetime) -> bool:
        accepted = held.worklog
        if self.find(accepted.id) is None:
            return False
        stored = self._state.worklogs[accepted.id]
        self._state.worklogs[accepted.id] = replace(
            stored, started=accepted.started, seconds=accepted.seconds, author=accepted.author
        )
        self._state.quarantined.discard(accepted.id)
        return True

    def _held(self) -> Iterator[HeldWorklog]:
        for worklog_id in self._state.quarantined:
            if not self._state.worklogs[worklog_id].deleted:
                yield self._state.held[worklog_id]

    def _with_project(self, held: HeldWorklog) -> HeldWorklog:
        issue = self._state.issues.get(held.worklog.issue_id)
        return replace(held, project_key=issue.snapshot.project_key if issue else None)


class MemoryInbox:
    def __init__(self, state: State) -> None:
        self._state = state

    def add(self, dedup_key: str, event: str, body: bytes, received_at: datetime) -> bool:
        if any(
            row.event.dedup_key == dedup_key or row.event.body == body
            for row in self._state.inbox.values()
        ):
            return False
        event_id = max(self._state.inbox, default=0) + 1
        stored = InboxEvent(event_id, dedup_key, event, body, received_at, InboxStatus.PENDING, 0)
        self._state.inbox[event_id] = _InboxRow(stored, available_at=received_at)
        return True

    def prune(self, processed_before: datetime) -> int:
        pruned = [
            event_id
            for event_id, row in self._state.inbox.items()
            if row.event.status is InboxStatus.DONE
            and row.event.processed_at is not None
            and row.event.processed_at < processed_before
        ]
        for event_id in pruned:
            del self._state.inbox[event_id]
        return len(pruned)

    def claim(self, worker: str, now: datetime, lease: timedelta, limit: int) -> list[InboxEvent]:
        claimed = []
        for row in sorted(self._state.inbox.values(), key=lambda r: r.event.id):
            if len(claimed) == limit:
                break
            if (
                row.event.status is InboxStatus.PENDING
                and row.available_at <= now
                and (row.claimed_at is None or row.claimed_at <= now - lease)
            ):
                row.event = replace(row.event, attempts=row.event.attempts + 1)
                row.claimed_at, row.claimed_by = now, worker
                claimed.append(row.event)
        return claimed

    def _held(self, event_id: int, worker: str) -> _InboxRow | None:
        row = self._state.inbox.get(event_id)
        if row is None or row.claimed_by != worker or row.event.status is not InboxStatus.PENDING:
            return None
        return row

    def finish(self, event_id: int, worker: str, now: datetime) -> bool:
        row = self._held(event_id, worker)
        if row is None:
            return False
        row.event = replace(row.event, status=InboxStatus.DONE, processed_at=now, last_error=None)
        return True

    def fail(
        self, event_id: int, worker: str, error: str, now: datetime, retry_at: datetime | None
    ) -> None:
        row = self._held(event_id, worker)
        if row is None:
            return
        status = InboxStatus.PENDING if retry_at is not None else InboxStatus.FAILED
        row.event = replace(row.event, status=status, last_error=error)
        row.available_at = retry_at or now
        row.claimed_at = row.claimed_by = None

    def get(self, event_id: int) -> InboxEvent | None:
        row = self._state.inbox.get(event_id)
        return None if row is None else row.event

    def parked(self) -> list[InboxEvent]:
        return [
            row.event
            for _, row in sorted(self._state.inbox.items())
            if row.event.status is InboxStatus.FAILED
        ]

    def requeue(self, event_id: int, now: datetime) -> bool:
        row = self._state.inbox.get(event_id)
        if row is None or row.event.status is not InboxStatus.FAILED:
            return False
        row.event = replace(row.event, status=InboxStatus.PENDING, attempts=0)
        row.available_at = now
        return True

    def counts(self) -> dict[InboxStatus, int]:
        return {
            status: sum(1 for row in self._state.inbox.values() if row.event.status is status)
            for status in InboxStatus
        }


class MemoryCheckpoints:
    def __init__(self, state: State) -> None:
        self._state = state

    def get(self, name: str) -> str | None:
        return self._state.checkpoints.get(name)

    def set(self, name: str, checkpoint: str, now: datetime) -> None:
        self._state.checkpoints[name] = checkpoint


class MemoryStatements:
    def __init__(self, state: State) -> None:
        self._state = state

    def add(self, statement: Statement, created_at: datetime, *, terms: BilledTerms) -> bool:
        if statement.number in self._state.statements or statement.index in self.written_indexes(
            statement.plan_id
        ):
            return False
        self._state.statements[statement.number] = statement
        self._state.terms[statement.number] = terms.to_json()
        return True

    def skip(
        self,
        plan_id: str,
        index: int,
        billing_date: date,
        skipped_at: datetime,
        *,
        sales_from: int,
    ) -> bool:
        if index in self.written_by_plan().get(plan_id, set()):
            return False
        self._state.skipped.add((plan_id, index))
        self._state.skipped_sales_from[plan_id] = sales_from
        return True

    def skipped_sales_from(self, plan_ids: Sequence[str]) -> dict[str, int]:
        found = self._state.skipped_sales_from
        return {plan_id: found[plan_id] for plan_id in plan_ids if plan_id in found}

    def is_skipped(self, plan_id: str, index: int) -> bool:
        return (plan_id, index) in self._state.skipped

    def latest_terms(self, plan_ids: Sequence[str]) -> dict[str, RecordedTerms]:
        latest: dict[str, RecordedTerms] = {}
        for statement in self.list():
            if statement.plan_id in plan_ids and statement.number in self._state.terms:
                terms = self._state.terms[statement.number]
                latest[statement.plan_id] = RecordedTerms(statement.number, statement.index, terms)
        return latest

    def written_indexes(self, plan_id: str) -> set[int]:
        return {s.index for s in self._state.statements.values() if s.plan_id == plan_id}

    def written_by_plan(self) -> dict[str, set[int]]:
        written: dict[str, set[int]] = {}
        for statement in self._state.statements.values():
            written.setdefault(statement.plan_id, set()).add(statement.index)
        for plan_id, index in self._state.skipped:
            written.setdefault(plan_id, set()).add(index)
        return written

    def billed_lines(self, plan_id: str) -> list[Line]:
        return [line for statement in self.list(plan_id) for line in statement.lines]

    def billed_lines_by_plan(self, plan_ids: Sequence[str]) -> dict[str, list[Line]]:
        billed: dict[str, list[Line]] = {}
        for statement in self.list():
            if statement.plan_id in plan_ids:
                billed.setdefault(statement.plan_id, []).extend(statement.lines)
        return billed

    def list(self, plan_id: str | None = None) -> list[Statement]:
        chosen = [s for s in self._state.statements.values() if plan_id in (None, s.plan_id)]
        return sorted(chosen, key=lambda s: (s.plan_id, s.index))


class MemoryWritebacks:
    def __init__(self, state: State) -> None:
        self._state = state

    def last(self, issue_id: str, target: str) -> Writeback | None:
        found = [w for w in self._state.writebacks if (w.issue_id, w.target) == (issue_id, target)]
        return found[-1] if found else None

    def record(self, issue_id: str, target: str, value: str, sent_at: datetime) -> Writeback:
        digest = hashlib.sha256(value.encode()).hexdigest()
        written = Writeback(issue_id, target, value, digest, sent_at)
        self._state.writebacks.append(written)
        return written


class MemoryAlerts:
    def __init__(self, state: State) -> None:
        self._state = state

    def fire(self, alert: FiredAlert) -> bool:
        key = (alert.plan_id, alert.period_index, alert.threshold, alert.channel)
        if any(
            (a.plan_id, a.period_index, a.threshold, a.channel) == key for a in self._state.alerts
        ):
            return False
        self._state.alerts.append(alert)
        return True

    def withdraw(self, alert: FiredAlert) -> None:
        key = (alert.plan_id, alert.period_index, alert.threshold, alert.channel)
        self._state.alerts = [
            a
            for a in self._state.alerts
            if (a.plan_id, a.period_index, a.threshold, a.channel) != key
        ]

    def fired(self, plan_id: str, period_index: int) -> list[FiredAlert]:
        chosen = [
            a for a in self._state.alerts if (a.plan_id, a.period_index) == (plan_id, period_index)
        ]
        return sorted(chosen, key=lambda a: (a.threshold, a.channel))


class MemoryRenewalReminders:
    def __init__(self, state: State) -> None:
        self._state = state

    def record(self, reminder: RenewalReminder) -> bool:
        key = (reminder.plan_id, reminder.term_starts_on)
        if key in self._state.renewal_reminders:
            return False
        self._state.renewal_reminders[key] = reminder
        return True

    def withdraw(self, reminder: RenewalReminder) -> None:
        self._state.renewal_reminders.pop((reminder.plan_id, reminder.term_starts_on), None)

    def recorded(self, plan_id: str) -> list[RenewalReminder]:
        return [
            reminder
            for (recorded_plan, _), reminder in sorted(self._state.renewal_reminders.items())
            if recorded_plan == plan_id
        ]


class MemoryFollowUps:
    """The SQL queue's contract: one entry per issue and worklog, dropped after 5 failures."""

    def __init__(self, state: State) -> None:
        self._state = state

    def add(self, issue_id: str, worklog_id: str, queued_at: datetime) -> None:
        self._state.follow_ups.setdefault(
            (issue_id, worklog_id), QueuedFollowUp(issue_id, worklog_id, queued_at)
        )

    def pending(self, limit: int) -> list[QueuedFollowUp]:
        ordered = sorted(
            self._state.follow_ups.values(), key=lambda q: (q.queued_at, q.issue_id, q.worklog_id)
        )
        return ordered[:limit]

    def done(self, items: Sequence[QueuedFollowUp]) -> None:
        for item in items:
            self._state.follow_ups.pop((item.issue_id, item.worklog_id), None)

    def failed(self, items: Sequence[QueuedFollowUp]) -> None:
        for item in items:
            key = (item.issue_id, item.worklog_id)
            queued = self._state.follow_ups.get(key)
            if queued is None:
                continue
            if queued.attempts + 1 >= 5:
                del self._state.follow_ups[key]
            else:
                self._state.follow_ups[key] = replace(queued, attempts=queued.attempts + 1)

    def count(self) -> int:
        return len(self._state.follow_ups)


class MemoryUnitOfWork:
    def __init__(self, store: MemoryStore, *, read_only: bool = False) -> None:
        self._store = store
        self._read_only = read_only
        self._open(store.state.copied())

    def _open(self, state: State) -> None:
        self._state = state
        self.issues = MemoryIssues(state)
        self.worklogs = MemoryWorklogs(state)
        self.inbox = MemoryInbox(state)
        self.checkpoints = MemoryCheckpoints(state)
        self.statements = MemoryStatements(state)
        self.writebacks = MemoryWritebacks(state)
        self.alerts = MemoryAlerts(state)
        self.renewal_reminders = MemoryRenewalReminders(state)
        self.follow_ups = MemoryFollowUps(state)
        self.quarantine = MemoryQuarantine(state)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._open(State())  # ended: what it did not commit is gone (no copy needed)

    def commit(self) -> None:
        if self._read_only:
            raise RuntimeError("a read-only unit of work cannot commit")
        self._store.state = self._state.copied()

    def rollback(self) -> None:
        self._open(self._store.state.copied())


class MemoryStore:
    def __init__(self) -> None:
        self.state = State()

    def unit_of_work(self, *, read_only: bool = False) -> MemoryUnitOfWork:
        return MemoryUnitOfWork(self, read_only=read_only)
