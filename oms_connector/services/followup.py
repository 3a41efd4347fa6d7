"""What Jira is told once an event's facts are stored: write-back and budget alerts.

Runs after the facts are committed, outside their transaction. A failure here is
logged and never undoes or repeats the stored facts: write-back compares with what it
last recorded, so the next change of the issue sends what is missing, and an alert
whose sending failed is withdrawn and fires with a later worklog.
"""

from __future__ import annotations

import logging

from oms_connector.services.alerts import AlertService
from oms_connector.services.ports import EventFacts
from oms_connector.services.writeback import WritebackService

LOG = logging.getLogger(__name__)


class FollowUp:
    def __init__(
        self, writeback: WritebackService | None = None, alerts: AlertService | None = None
    ) -> None:
        self._writeback = writeback
        self._alerts = alerts

    def __call__(self, facts: EventFacts) -> None:
        issue_ids = [fact.snapshot.id for fact in facts.issues if not fact.deleted]
        issue_ids += [worklog.issue_id for worklog in facts.worklogs]
        if self._writeback is not None and issue_ids:
            try:
                self._writeback.write_back(issue_ids)
            except Exception:
                LOG.exception("write-back to Jira failed for issues %s", sorted(set(issue_ids)))
        if self._alerts is not None and facts.worklogs:
            try:
                self._alerts.after_worklogs(facts.worklogs)
            except Exception:
                LOG.exception("a budget alert could not be sent; it fires with a later worklog")
