"""What Jira is told once facts are stored: write-back, budget alerts, whatever the path.

Every path that stores a fact (a webhook event, a sync pass or backfill, the
reconciliation, a reclassification) queues its follow-up in the same transaction
(``UnitOfWork.follow_ups``): the issue to write back and, for a worklog, the alert
check it owes. The follow-up drains that queue after the commit, outside the facts'
transaction. A process killed between the two leaves the queue as it was, and the
next drain (any path, any process) does the work; nothing is lost and, because
write-back compares with what it last recorded and an alert is recorded before it is
sent, nothing is sent twice. A failure is logged and retried at the next drain, and
dropped after a few attempts (the next change of the issue queues it again).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from oms_connector.domain.worklogs import Worklog
from oms_connector.services.alerts import AlertService
from oms_connector.services.budget_refresh import BudgetRefresher
from oms_connector.services.ports import QueuedFollowUp, Store
from oms_connector.services.writeback import WritebackService

LOG = logging.getLogger(__name__)

BATCH = 200
"""Queued follow-ups taken per round: one budget read per plan serves the whole batch."""


@dataclass
class FollowUpReport:
    done: int = 0
    failed: int = 0


class FollowUp:
    def __init__(
        self,
        store: Store,
        writeback: WritebackService | None = None,
        alerts: AlertService | None = None,
        budgets: BudgetRefresher | None = None,
        *,
        batch: int = BATCH,
        recent_only: bool = False,
    ) -> None:
        """``recent_only``: a backfill's follow-up, leaving out resolved tickets without
        recent work (``WritebackService.write_back``)."""
        self._store = store
        self._writeback = writeback
        self._alerts = alerts
        self._budgets = budgets
        self._batch = batch
        self._recent_only = recent_only

    def __call__(self) -> FollowUpReport:
        """Drain the queue: every queued follow-up done, or counted as failed."""
        report = FollowUpReport()
        while True:
            with self._store.unit_of_work(read_only=True) as uow:
                batch = uow.follow_ups.pending(self._batch)
                worklogs = {
                    item.worklog_id: uow.worklogs.get(item.worklog_id)
                    for item in batch
                    if item.worklog_id
                }
            if not batch:
                return report
            failed_issues = self._write_back(batch)
            failed_issues |= self._alert(batch, worklogs)
            self._refresh_budgets(batch)
            failed = [item for item in batch if item.issue_id in failed_issues]
            done = [item for item in batch if item.issue_id not in failed_issues]
            with self._store.unit_of_work() as uow:
                uow.follow_ups.done(done)
                uow.follow_ups.failed(failed)
                uow.commit()
            report.done += len(done)
            report.failed += len(failed)
            if failed or len(batch) < self._batch:
                return report  # a failure waits for the next drain, not a busy loop

    def _write_back(self, batch: Sequence[QueuedFollowUp]) -> set[str]:
        if self._writeback is None:
            return set()
        issue_ids = list(dict.fromkeys(item.issue_id for item in batch))
        report = self._writeback.write_back(issue_ids, recent_only=self._recent_only)
        if report.failed:
            LOG.warning("write-back to Jira failed for issues %s", sorted(report.failed))
        return set(report.failed)

    def _refresh_budgets(self, batch: Sequence[QueuedFollowUp]) -> None:
        """The plans' budgets on their tickets; a plan refreshed within its window waits
        for the worker's next pass (``BudgetRefresher.refresh``), so a burst costs one call."""
        if self._budgets is not None:
            self._budgets.refresh(self._budgets.plans_of_issues(item.issue_id for item in batch))

    def _alert(
        self, batch: Sequence[QueuedFollowUp], worklogs: dict[str, Worklog | None]
    ) -> set[str]:
        failed: set[str] = set()
        if self._alerts is None:
            return failed
        for item in batch:
            worklog = worklogs.get(item.worklog_id)
            if worklog is None or worklog.deleted:
                continue
            try:
                self._alerts.after_worklog(worklog)
            except Exception:
                LOG.exception(
                    "a budget alert could not be sent for issue %s; it is tried again",
                    item.issue_id,
                )
                failed.add(item.issue_id)
        return failed
