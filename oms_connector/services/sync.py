"""The incremental sync: what changed in Jira since the checkpoints, stored through ingest.

Webhooks are the fast path; this pass makes the store right anyway. One pass reads
issues of the mapped projects updated since their checkpoint (``search/jql``), then
worklogs changed since theirs (ids from ``worklog/updated``, bodies from
``worklog/list``, unknown issues fetched in bulk), then worklog deletions. Every page
is applied and its checkpoint moved in one transaction, so a checkpoint never passes
a fact that is not stored; a failure keeps everything before it and the next pass
reads again from there. What a page stored queues its follow-up (write-back, alerts)
in the same transaction, drained after the commit. Reads start an overlap before each
checkpoint (Jira leaves out the last minute and its search index lags), and ingest
makes repeats harmless.

Because the feed leaves out the last minute, the worklogs of issues the search saw
updated within it (``FEED_LAG`` plus a margin for the two clocks) are read from the
issue itself (``issue/{id}/worklog``), at most ``RECENT_ISSUES_READ`` issues a pass:
work logged a moment ago counts in this pass, not a minute later. The feed returns the
same worklogs on a later pass, and ingest makes that repeat harmless; deletions still
wait for the deleted feed.

Worklogs that ``worklog/list`` does not return (deleted since, or not visible to the
connector's account) are counted and logged, never taken for deletions: only the
``worklog/deleted`` feed and ``worklog_deleted`` webhooks delete.

The search reads mapped projects only, so an issue moved out of them is never seen
there. Every ``reconcile_every`` passes (or when asked), a reconciliation reads the
stored live issues not seen in the pass back from Jira by id (``issue/bulkfetch``,
100 a call): an issue that moved comes back with its new project and is ingested
(out of an unmapped project, it stops counting). An issue Jira does not return is
left as stored and counted: Jira answers the same for a deleted issue and for one the
account may no longer browse, and says neither in ``issueErrors`` (which lists only
retriable failures), so its absence is no evidence of a deletion.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from oms_connector.domain.worklogs import Worklog
from oms_connector.services.ingest import Ingest, Outcome
from oms_connector.services.jira_port import FetchedIssue, JiraGateway, WorklogChangePage
from oms_connector.services.ports import Clock, IssueFact, Store, UnitOfWork

LOG = logging.getLogger(__name__)

MIN_OVERLAP = timedelta(seconds=60)
FEED_LAG = timedelta(seconds=60)
"""What ``worklog/updated`` leaves out: the changes of the minute before the request."""
CLOCK_MARGIN = timedelta(seconds=30)
"""Allowed difference between Jira's clock and ours when telling what the feed left out."""
RECENT_ISSUES_READ = 50
"""Issues whose worklogs one pass reads directly; more wait for the feed, a minute later."""
RECONCILE_BATCH = 100
"""Issue ids read back per call, the most ``issue/bulkfetch`` takes."""
WIDEST_UTC_OFFSET = timedelta(hours=14)
"""Used when Jira does not say the account's time zone: read from early enough for any."""


class Stage(StrEnum):
    ISSUES = "issues"
    WORKLOGS = "worklogs"
    DELETIONS = "deletions"


CHECKPOINTS = {
    Stage.ISSUES: "jira.issues.updated",
    Stage.WORKLOGS: "jira.worklogs.updated",
    Stage.DELETIONS: "jira.worklogs.deleted",
}


@dataclass
class SyncReport:
    """What one pass read and stored."""

    issues_read: int = 0
    issues_stored: int = 0
    issues_fetched_for_worklogs: int = 0
    worklogs_read: int = 0
    worklogs_stored: int = 0
    worklogs_held: int = 0
    """Read worklogs not plausible, held in quarantine (``oms-connector quarantine``)."""
    worklogs_not_returned: int = 0
    """Changed worklogs ``worklog/list`` did not return: deleted since, or not visible."""
    recent_issues_read: int = 0
    """Issues changed within the feed's lag whose worklogs were read from the issue."""
    recent_worklogs_read: int = 0
    recent_worklogs_stored: int = 0
    deletions_read: int = 0
    deletions_stored: int = 0
    reconciled: bool = False
    issues_reconciled: int = 0
    """Stored live issues read back by id in the reconciliation."""
    issues_reconciled_stored: int = 0
    """Of those, the ones Jira had changed (moved out, or a change the search missed)."""
    issues_not_returned: int = 0
    """Of those, the ones Jira did not return: deleted, or no longer visible; left as stored."""
    checkpoints: dict[Stage, datetime] = field(default_factory=dict)


ProgressCallback = Callable[[Stage, datetime, SyncReport], None]
"""Told, after each committed page, the stage and the time the stage has reached."""


def jql_time(instant: datetime, zone: ZoneInfo | None) -> str:
    """``yyyy/MM/dd HH:mm`` in the zone Jira reads JQL dates in, rounded down to the minute.

    Without a zone, the UTC time less the widest offset: early enough wherever Jira reads it.
    """
    if zone is not None:
        local = instant.astimezone(zone)
    else:
        local = (instant - WIDEST_UTC_OFFSET).astimezone(UTC)
    return local.strftime("%Y/%m/%d %H:%M")


def issues_jql(project_keys: Sequence[str], since: str) -> str:
    projects = ", ".join(_jql_string(key) for key in project_keys)
    return f'project in ({projects}) AND updated >= "{since}" ORDER BY updated ASC'


def _jql_string(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _format_checkpoint(instant: datetime) -> str:
    return instant.astimezone(UTC).isoformat(timespec="milliseconds")


def _parse_checkpoint(name: str, value: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(f"sync checkpoint {name} holds {value!r}, not a time") from None
    if parsed.tzinfo is None:
        raise ValueError(f"sync checkpoint {name} holds {value!r}, a time without offset")
    return parsed


class SyncService:
    def __init__(
        self,
        gateway: JiraGateway,
        store: Store,
        ingest: Ingest,
        clock: Clock,
        project_keys: Sequence[str],
        *,
        start: datetime,
        overlap: timedelta = timedelta(minutes=2),
        reconcile_every: int = 0,
        follow_up: Callable[[], object] | None = None,
    ) -> None:
        """``start`` is where a stage without a checkpoint begins (the earliest enrolment);
        ``reconcile_every`` passes, one reconciles the stored issues (0: only when asked);
        ``follow_up`` runs after each committed page (write-back and alerts of what it stored)."""
        if overlap < MIN_OVERLAP:
            raise ValueError(f"the sync overlap must be at least 60 s, not {overlap}")
        if start.tzinfo is None:
            raise ValueError("the sync start must be timezone-aware")
        if reconcile_every < 0:
            raise ValueError(f"reconcile_every must be 0 or more, not {reconcile_every}")
        self._gateway = gateway
        self._store = store
        self._ingest = ingest
        self._clock = clock
        self._projects = list(dict.fromkeys(project_keys))
        self._start = start
        self._overlap = overlap
        self._reconcile_every = reconcile_every
        self._passes = 0
        self._follow_up = follow_up or _silent

    def run_once(
        self,
        since: datetime | None = None,
        progress: ProgressCallback | None = None,
        *,
        reconcile: bool = False,
    ) -> SyncReport:
        """One pass; ``since`` reads every stage again from that time (a backfill).

        ``reconcile`` reads the stored live issues back from Jira after the pass, as
        every ``reconcile_every``-th pass does anyway.
        """
        progress = progress or _silent
        self._passes += 1
        report = SyncReport()
        known_issues: set[str] = set()
        recent: list[str] = []
        if self._projects:
            self._sync_issues(
                self._from(Stage.ISSUES, since), report, known_issues, recent, progress
            )
        self._sync_worklogs(self._from(Stage.WORKLOGS, since), report, known_issues, progress)
        self._sync_recent_worklogs(recent, report)
        self._sync_deletions(self._from(Stage.DELETIONS, since), report, progress)
        if self._projects and (reconcile or self._reconcile_due()):
            self._reconcile(report, known_issues)
        return report

    def checkpoint(self, stage: Stage) -> datetime | None:
        with self._store.unit_of_work() as uow:
            return self._stored_checkpoint(uow, stage)

    # -- stages -----------------------------------------------------------------------------

    def _from(self, stage: Stage, since: datetime | None) -> datetime:
        if since is not None:
            if since.tzinfo is None:
                raise ValueError("the sync --since time must be timezone-aware")
            return since
        return self.checkpoint(stage) or self._start

    def _sync_issues(
        self,
        checkpoint: datetime,
        report: SyncReport,
        known: set[str],
        recent: list[str],
        progress: ProgressCallback,
    ) -> None:
        jql = issues_jql(
            self._projects, jql_time(checkpoint - self._overlap, self._gateway.user_timezone())
        )
        reached = checkpoint
        left_out_after = self._clock.now() - FEED_LAG - CLOCK_MARGIN
        for page in self._gateway.search_issues(jql):
            with self._store.unit_of_work() as uow:
                for issue in page:
                    report.issues_stored += self._apply_issue(uow, issue)
                    known.add(issue.snapshot.id)
                    if issue.updated >= left_out_after:
                        recent.append(issue.snapshot.id)
                report.issues_read += len(page)
                reached = max([reached, *(issue.updated for issue in page)])
                self._advance(uow, Stage.ISSUES, reached, report)
                uow.commit()
            self._follow_up()
            progress(Stage.ISSUES, reached, report)

    def _sync_worklogs(
        self,
        checkpoint: datetime,
        report: SyncReport,
        known: set[str],
        progress: ProgressCallback,
    ) -> None:
        reached = checkpoint
        for page in self._gateway.worklog_changes(checkpoint - self._overlap):
            wanted = list(dict.fromkeys(c.worklog_id for c in page.changes))
            worklogs = self._gateway.worklogs(wanted)
            self._count_not_returned(wanted, worklogs, report)
            missing = self._unknown_issues(worklogs, known)
            fetched = self._gateway.issues(missing) if missing else []
            with self._store.unit_of_work() as uow:
                for issue in fetched:
                    self._apply_issue(uow, issue)
                known.update(missing)
                report.issues_fetched_for_worklogs += len(fetched)
                for worklog in worklogs:
                    outcome = self._ingest.apply_worklog(uow, worklog)
                    report.worklogs_stored += outcome is Outcome.STORED
                    report.worklogs_held += outcome is Outcome.HELD
                report.worklogs_read += len(worklogs)
                reached = _reached(reached, page)
                self._advance(uow, Stage.WORKLOGS, reached, report)
                uow.commit()
            self._follow_up()
            progress(Stage.WORKLOGS, reached, report)

    def _sync_recent_worklogs(self, recent: Sequence[str], report: SyncReport) -> None:
        """Worklogs of issues changed within the feed's lag, read from each issue."""
        wanted = list(dict.fromkeys(recent))
        if len(wanted) > RECENT_ISSUES_READ:
            LOG.info(
                "sync: %d issues changed in the last minute; the worklogs of %d are read "
                "now, the rest come with the worklog feed on a later pass",
                len(wanted),
                RECENT_ISSUES_READ,
            )
        for issue_id in wanted[:RECENT_ISSUES_READ]:
            worklogs = self._gateway.issue_worklogs(issue_id)
            with self._store.unit_of_work() as uow:
                for worklog in worklogs:
                    outcome = self._ingest.apply_worklog(uow, worklog)
                    report.recent_worklogs_stored += outcome is Outcome.STORED
                    report.worklogs_held += outcome is Outcome.HELD
                report.recent_worklogs_read += len(worklogs)
                uow.commit()
            self._follow_up()
        report.recent_issues_read += min(len(wanted), RECENT_ISSUES_READ)

    def _sync_deletions(
        self, checkpoint: datetime, report: SyncReport, progress: ProgressCallback
    ) -> None:
        reached = checkpoint
        for page in self._gateway.worklog_deletions(checkpoint - self._overlap):
            with self._store.unit_of_work() as uow:
                for change in page.changes:
                    tombstone = _tombstone(change.worklog_id, change.updated)
                    stored = self._ingest.apply_worklog(uow, tombstone) is Outcome.STORED
                    report.deletions_stored += stored
                report.deletions_read += len(page.changes)
                reached = _reached(reached, page)
                self._advance(uow, Stage.DELETIONS, reached, report)
                uow.commit()
            self._follow_up()
            progress(Stage.DELETIONS, reached, report)

    def _reconcile_due(self) -> bool:
        return self._reconcile_every > 0 and self._passes % self._reconcile_every == 0

    def _reconcile(self, report: SyncReport, seen: set[str]) -> None:
        """Read back the stored live issues this pass did not see; ingest the changed ones."""
        report.reconciled = True
        with self._store.unit_of_work(read_only=True) as uow:
            ids = [i for i in uow.issues.live_ids(self._projects) if i not in seen]
        for start in range(0, len(ids), RECONCILE_BATCH):
            chunk = ids[start : start + RECONCILE_BATCH]
            fetched = self._gateway.issues(chunk)
            returned = {issue.snapshot.id for issue in fetched}
            with self._store.unit_of_work() as uow:
                for issue in fetched:
                    stored = uow.issues.get(issue.snapshot.id)
                    if stored is not None and issue.updated > stored.updated:
                        report.issues_reconciled_stored += self._apply_issue(uow, issue)
                uow.commit()
            self._follow_up()
            report.issues_reconciled += len(chunk)
            report.issues_not_returned += sum(1 for i in chunk if i not in returned)
        if report.issues_not_returned:
            LOG.warning(
                "sync reconciliation: Jira did not return %d stored issues (deleted, or no "
                "longer visible to the connector's account); they are left as stored",
                report.issues_not_returned,
            )

    # -- helpers ----------------------------------------------------------------------------

    def _count_not_returned(
        self, wanted: Sequence[str], worklogs: Sequence[Worklog], report: SyncReport
    ) -> None:
        returned = {worklog.id for worklog in worklogs}
        missing = sum(1 for worklog_id in wanted if worklog_id not in returned)
        if missing:
            report.worklogs_not_returned += missing
            LOG.warning(
                "sync: worklog/list did not return %d changed worklogs (deleted since, or not "
                "visible to the connector's account); they are left as stored",
                missing,
            )

    def _apply_issue(self, uow: UnitOfWork, issue: FetchedIssue) -> bool:
        fact = IssueFact(snapshot=issue.snapshot, updated=issue.updated)
        return self._ingest.apply_issue(uow, fact) is Outcome.STORED

    def _unknown_issues(self, worklogs: Sequence[Worklog], known: set[str]) -> list[str]:
        referenced = [i for i in dict.fromkeys(w.issue_id for w in worklogs) if i not in known]
        if not referenced:
            return []
        with self._store.unit_of_work() as uow:
            return [i for i in referenced if uow.issues.get(i) is None]

    def _stored_checkpoint(self, uow: UnitOfWork, stage: Stage) -> datetime | None:
        name = CHECKPOINTS[stage]
        value = uow.checkpoints.get(name)
        return None if value is None else _parse_checkpoint(name, value)

    def _advance(
        self, uow: UnitOfWork, stage: Stage, reached: datetime, report: SyncReport
    ) -> None:
        stored = self._stored_checkpoint(uow, stage)
        if stored is not None and stored >= reached:
            report.checkpoints[stage] = stored
            return
        uow.checkpoints.set(CHECKPOINTS[stage], _format_checkpoint(reached), self._clock.now())
        report.checkpoints[stage] = reached


def _silent(*_: object) -> None:
    return None


def _reached(reached: datetime, page: WorklogChangePage) -> datetime:
    """Jira's ``until`` of the page: the youngest change on it."""
    return reached if page.until is None else max(reached, page.until)


def _tombstone(worklog_id: str, deleted_at: datetime) -> Worklog:
    # Jira's deleted list gives only the id and the time. A tombstone keeps the stored
    # version's values (the store's contract); for a worklog never seen these zeros
    # count nothing, and the tombstone still stops a late webhook resurrecting it.
    return Worklog(
        id=worklog_id,
        issue_id="",
        started=deleted_at,
        seconds=0,
        updated=deleted_at,
        deleted=True,
    )


def backfill_fraction(start: datetime, reached: datetime, now: datetime) -> float:
    """How far a stage has come from ``start`` towards ``now``, between 0 and 1."""
    total = (now - start).total_seconds()
    if total <= 0:
        return 1.0
    return min(1.0, max(0.0, (reached - start).total_seconds() / total))
