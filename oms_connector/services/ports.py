"""What the services need from the outside world: the store, the clock, the event parser.

Services depend on these protocols only; ``bootstrap`` plugs in the concrete adapters
(the SQL store, the payload parser) and tests plug in small fakes.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from types import TracebackType
from typing import Protocol, Self

from oms_connector.domain.classification import IssueSnapshot, WorkType
from oms_connector.domain.lines import Line
from oms_connector.domain.statements import Statement
from oms_connector.domain.terms import BilledTerms
from oms_connector.domain.usage import LoggedWork
from oms_connector.domain.work_groups import WorkGroup
from oms_connector.domain.worklogs import Worklog


class Clock(Protocol):
    def now(self) -> datetime:
        """The current instant, timezone-aware."""
        ...


# --- facts -----------------------------------------------------------------------------


@dataclass(frozen=True)
class IssueFact:
    """What Jira says about an issue at its ``updated`` time (``deleted`` for a deletion)."""

    snapshot: IssueSnapshot
    updated: datetime
    deleted: bool = False
    changed_by: str | None = None
    """Who made this change (a display name), when Jira says: it names who set an override."""


@dataclass(frozen=True)
class StoredIssue:
    """An issue as stored: its snapshot and the classification decided for it.

    ``work_type`` is ``None`` for an issue that left the mapped projects (ingest stores it
    with its new project so that its work stops counting) or one kept without a plan.
    """

    snapshot: IssueSnapshot
    updated: datetime
    work_type: WorkType | None
    reason: str
    overridden: bool
    deleted: bool = False


@dataclass(frozen=True)
class EventFacts:
    """The facts one webhook body carries; empty for an event the connector does not use."""

    issues: tuple[IssueFact, ...] = ()
    worklogs: tuple[Worklog, ...] = ()


class StoreUnavailableError(Exception):
    """The database cannot be reached or is not answering: a transient failure, retry later."""


class UnusableEventError(ValueError):
    """A stored body that no retry will ever make usable (not JSON, unknown shape)."""


class EventParser(Protocol):
    def parse(self, body: bytes) -> EventFacts:
        """The facts in a raw webhook body.

        Raises ``UnusableEventError`` for a body that it can never use.
        """
        ...


# --- inbox -----------------------------------------------------------------------------


class InboxStatus(StrEnum):
    PENDING = "pending"
    DONE = "done"
    FAILED = "failed"
    """Parked after the maximum number of attempts; replayed only on request."""


@dataclass(frozen=True)
class InboxEvent:
    id: int
    dedup_key: str
    event: str
    body: bytes
    received_at: datetime
    status: InboxStatus
    attempts: int
    last_error: str | None = None
    processed_at: datetime | None = None


# --- repositories ----------------------------------------------------------------------


class IssueRepository(Protocol):
    def save_if_not_older(self, issue: StoredIssue, stored_at: datetime) -> bool:
        """Store ``issue`` unless the stored version is newer or deleted; atomically.

        Returns whether it was written. The same fact twice writes the same values.
        """
        ...

    def get(self, issue_id: str) -> StoredIssue | None: ...

    def live_ids(self, project_keys: Sequence[str]) -> list[str]:
        """The ids of the stored, not deleted, classified issues of these projects, sorted."""
        ...

    def unresolved_ids(self, project_keys: Sequence[str]) -> list[str]:
        """The live classified issues of these projects that Jira does not say are resolved."""
        ...

    def live_page(
        self, project_keys: Sequence[str], *, after_id: str | None, limit: int
    ) -> list[StoredIssue]:
        """Up to ``limit`` stored, not deleted issues of these projects (classified or not),
        in id order, those after ``after_id`` when given: one page of a walk over them."""
        ...

    def redecide(
        self, read: StoredIssue, work_type: WorkType | None, reason: str, overridden: bool
    ) -> bool:
        """Replace only the decision of the issue ``read`` describes, and only while the
        stored row is still that version (same ``updated``, same decision, not deleted).

        Returns whether it was written; a newer snapshot stored since is never touched.
        """
        ...


class WorklogRepository(Protocol):
    def save_if_supersedes(self, worklog: Worklog, stored_at: datetime) -> bool:
        """Store ``worklog`` when nothing is stored under its id or when it supersedes
        the stored version (``domain.worklogs.supersedes``); atomically, race-safe.

        A tombstone keeps the last live values and only marks them deleted.
        Returns whether anything was written.
        """
        ...

    def get(self, worklog_id: str) -> Worklog | None: ...

    def logged_work(self, project_keys: Sequence[str]) -> Iterator[LoggedWork]:
        """Live worklogs on live, classified issues of these projects, with their work type."""
        ...

    def work_groups(
        self,
        project_keys: Sequence[str],
        bounds: Sequence[datetime],
        *,
        until: datetime | None = None,
    ) -> Iterator[WorkGroup]:
        """The same worklogs as ``logged_work``, summed per project, period, work type and issue.

        A worklog's period is the number of ``bounds`` (ascending instants) at or before
        its start, minus one. Worklogs started at or after ``until`` are left out.
        """
        ...


@dataclass(frozen=True)
class HeldWorklog:
    """A worklog version that is not counted: implausible, until Jira corrects it or the
    agency accepts it (``domain.plausibility``)."""

    worklog: Worklog
    """The version as Jira sent it."""
    reason: str
    version: datetime
    """Its ``updated`` in the newer-wins rule (``Plausibility.version``)."""
    held_at: datetime
    project_key: str | None = None
    """The project of its issue, when the issue is stored."""


class QuarantineRepository(Protocol):
    def hold(self, held: HeldWorklog) -> bool:
        """Keep ``held`` out of every sum, when its version supersedes the stored one
        (newer ``version``; nothing follows a deletion); the last counted values are kept
        but no longer counted. Returns whether anything was written.

        The next version stored by ``WorklogRepository.save_if_supersedes`` releases it.
        """
        ...

    def held(self) -> list[HeldWorklog]:
        """The versions held now (not released by a later version, accepted or deleted),
        oldest first."""
        ...

    def find(self, worklog_id: str) -> HeldWorklog | None:
        """The version of ``worklog_id`` held now, if any."""
        ...

    def counts(self) -> dict[str | None, int]:
        """How many versions are held now, by the project of their issue (``None``: the
        issue is not stored)."""
        ...

    def accept(self, held: HeldWorklog, accepted_at: datetime) -> bool:
        """Count ``held`` as it is; ``False`` when it is no longer held."""
        ...


class InboxRepository(Protocol):
    def add(self, dedup_key: str, event: str, body: bytes, received_at: datetime) -> bool:
        """Store a raw event unless one with the same key is stored; whether it was new."""
        ...

    def claim(self, worker: str, now: datetime, lease: timedelta, limit: int) -> list[InboxEvent]:
        """Pending events that are due and not held by a live lease, now held by ``worker``.

        Each claim counts as an attempt, so an event that keeps crashing its worker
        is parked in the end too.
        """
        ...

    def finish(self, event_id: int, worker: str, now: datetime) -> bool:
        """Mark a claimed event done; False if ``worker`` no longer holds it."""
        ...

    def fail(
        self, event_id: int, worker: str, error: str, now: datetime, retry_at: datetime | None
    ) -> None:
        """Record a failure; the event is due again at ``retry_at``, or parked when None."""
        ...

    def get(self, event_id: int) -> InboxEvent | None: ...

    def parked(self) -> list[InboxEvent]: ...

    def requeue(self, event_id: int, now: datetime) -> bool:
        """Make a parked event pending again with fresh attempts; whether it was parked."""
        ...

    def counts(self) -> dict[InboxStatus, int]: ...

    def prune(self, processed_before: datetime) -> int:
        """Delete the events processed (done) before ``processed_before``; how many.

        Parked events stay until an operator replays them.
        """
        ...


class CheckpointRepository(Protocol):
    def get(self, name: str) -> str | None: ...

    def set(self, name: str, checkpoint: str, now: datetime) -> None: ...


@dataclass(frozen=True)
class RecordedTerms:
    """The plan terms recorded on a plan's latest statement that has them."""

    number: str
    index: int
    terms: str
    """Canonical JSON text (``BilledTerms.to_json``)."""


class StatementRepository(Protocol):
    def add(self, statement: Statement, created_at: datetime, *, terms: BilledTerms) -> bool:
        """Write a statement, its lines and the plan terms it was computed with.

        False (and nothing written) if it exists already.
        """
        ...

    def skip(
        self,
        plan_id: str,
        index: int,
        billing_date: date,
        skipped_at: datetime,
        *,
        sales_from: int,
    ) -> bool:
        """Settle a statement that had nothing on it, so that it is never built again.

        ``sales_from`` is recorded with it (``BilledTerms.sales_from``). False (and nothing
        recorded) if it is settled already, written or skipped.
        """
        ...

    def skipped_sales_from(self, plan_ids: Sequence[str]) -> dict[str, int]:
        """Per plan, the ``sales_from`` its skipped statements recorded, where any did."""
        ...

    def is_skipped(self, plan_id: str, index: int) -> bool: ...

    def written_indexes(self, plan_id: str) -> set[int]: ...

    def written_by_plan(self) -> dict[str, set[int]]:
        """The indexes of the statements settled (written or skipped), for every plan with any."""
        ...

    def latest_terms(self, plan_ids: Sequence[str]) -> dict[str, RecordedTerms]:
        """Per plan, the terms recorded on its latest statement that has them, in one read."""
        ...

    def billed_lines(self, plan_id: str) -> list[Line]:
        """Every line of every statement written for the plan, in statement order."""
        ...

    def billed_lines_by_plan(self, plan_ids: Sequence[str]) -> dict[str, list[Line]]:
        """``billed_lines`` of each of these plans that has any, in one read."""
        ...

    def list(self, plan_id: str | None = None) -> list[Statement]: ...


@dataclass(frozen=True)
class Writeback:
    issue_id: str
    target: str
    value: str
    value_hash: str
    sent_at: datetime


class WritebackRepository(Protocol):
    def last(self, issue_id: str, target: str) -> Writeback | None: ...

    def record(self, issue_id: str, target: str, value: str, sent_at: datetime) -> Writeback: ...


@dataclass(frozen=True)
class QueuedFollowUp:
    """A stored change Jira has not been told about yet: write back the issue, check alerts.

    ``worklog_id`` is empty when the issue itself changed; otherwise the worklog whose
    storing may have moved the plan's budget across an alert threshold.
    """

    issue_id: str
    worklog_id: str
    queued_at: datetime
    attempts: int = 0


class FollowUpQueue(Protocol):
    """Written in the transaction that stores a fact, so no path can forget to follow up."""

    def add(self, issue_id: str, worklog_id: str, queued_at: datetime) -> None:
        """Queue a follow-up; queuing the same issue and worklog again changes nothing."""
        ...

    def pending(self, limit: int) -> list[QueuedFollowUp]:
        """The oldest queued follow-ups, at most ``limit``."""
        ...

    def done(self, items: Sequence[QueuedFollowUp]) -> None: ...

    def failed(self, items: Sequence[QueuedFollowUp]) -> None:
        """Count one more failed attempt for each of these."""
        ...

    def count(self) -> int: ...


@dataclass(frozen=True)
class FiredAlert:
    """A budget alert sent once for a plan's period, threshold (percent) and channel."""

    plan_id: str
    period_index: int
    period_start: date
    threshold: int
    channel: str
    issue_key: str
    fired_at: datetime


class AlertRepository(Protocol):
    def fire(self, alert: FiredAlert) -> bool:
        """Record the alert unless its plan, period, threshold and channel are recorded.

        Whether this call recorded it: only then is the alert sent. Enforced by a unique
        constraint, so two workers never both record the same alert.
        """
        ...

    def withdraw(self, alert: FiredAlert) -> None:
        """Forget a recorded alert whose sending failed, so that it can fire again."""
        ...

    def fired(self, plan_id: str, period_index: int) -> list[FiredAlert]: ...


@dataclass(frozen=True)
class RenewalReminder:
    """A renewal reminder recorded once for a plan's term (named by its ``starts_on``)."""

    plan_id: str
    term_starts_on: date
    sent_at: datetime


class RenewalReminderRepository(Protocol):
    def record(self, reminder: RenewalReminder) -> bool:
        """Record the reminder unless one is recorded for its plan and term.

        Whether this call recorded it: only then is the reminder sent. Enforced by the
        primary key, so two workers never both record the same reminder.
        """
        ...

    def withdraw(self, reminder: RenewalReminder) -> None:
        """Forget a recorded reminder whose sending failed, so that it is sent again."""
        ...

    def recorded(self, plan_id: str) -> list[RenewalReminder]:
        """The plan's recorded reminders, in term order."""
        ...


# --- unit of work ----------------------------------------------------------------------


class UnitOfWork(Protocol):
    """One transaction over every repository; rolled back on exit unless committed."""

    @property
    def issues(self) -> IssueRepository: ...

    @property
    def worklogs(self) -> WorklogRepository: ...

    @property
    def inbox(self) -> InboxRepository: ...

    @property
    def checkpoints(self) -> CheckpointRepository: ...

    @property
    def statements(self) -> StatementRepository: ...

    @property
    def writebacks(self) -> WritebackRepository: ...

    @property
    def alerts(self) -> AlertRepository: ...

    @property
    def renewal_reminders(self) -> RenewalReminderRepository: ...

    @property
    def follow_ups(self) -> FollowUpQueue: ...

    @property
    def quarantine(self) -> QuarantineRepository: ...

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None: ...

    def commit(self) -> None: ...

    def rollback(self) -> None: ...


class Store(Protocol):
    def unit_of_work(self, *, read_only: bool = False) -> UnitOfWork:
        """A unit of work; ``read_only`` for one that only reads.

        A read-only unit of work takes no write lock, so it runs beside a writer (on
        another thread or process) without waiting for it or holding it up; it reads one
        consistent snapshot. Nothing may be written through it (PostgreSQL refuses it).
        """
        ...


@dataclass(frozen=True, slots=True)
class ReceivedEvent:
    dedup_key: str
    event: str
    body: bytes
    received_at: datetime


class EventBatches(Protocol):
    def add_events(self, events: Sequence[ReceivedEvent]) -> set[str]:
        """Store each event whose key is not stored yet, all committed or none; their keys.

        ``events`` have distinct keys. Raises ``StoreUnavailableError`` when the
        database cannot be reached.
        """
        ...
