"""Ingest: every fact Jira tells us, by webhook or by sync, stored once and classified.

The rules of which version wins live in the store's conditional writes (and in
``domain.worklogs.supersedes``, which the store implements); this service decides what
to store: classified issues of mapped projects, and worklogs.

An issue already stored that moves to a project no plan maps (or whose next snapshot
names one) is stored again, with its new key and project and no work type: the
store's usage reads drop it, so its worklogs stop counting for the old plan, and a
closed period that billed them is credited at the next close. An issue never stored
and of an unmapped project is ignored.

A worklog that is not plausible (``domain.plausibility``: dated 9999, lasting 10^12 s)
is held in quarantine instead of counted; the next plausible version releases it.

Whatever is stored queues its follow-up (write-back, alerts) in the same transaction;
``services.followup`` drains the queue once the transaction is committed.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, time
from enum import StrEnum

from oms_connector.domain.classification import Classifier, classify
from oms_connector.domain.plans import Plan
from oms_connector.domain.plausibility import Plausibility
from oms_connector.domain.worklogs import Worklog
from oms_connector.services.overrides import attribute_override
from oms_connector.services.ports import (
    Clock,
    EventFacts,
    HeldWorklog,
    IssueFact,
    StoredIssue,
    UnitOfWork,
)


class Outcome(StrEnum):
    STORED = "stored"
    """Written: new, newer, or a deletion."""
    HELD = "held"
    """A newer version, not plausible: held in quarantine, not counted."""
    KEPT = "kept"
    """The stored version wins (it is newer or deleted): nothing written."""
    IGNORED = "ignored"
    """An issue of a project no plan maps, and not stored before."""


UNMAPPED_REASON = "unmapped: project {project} belongs to no plan"


class Ingest:
    def __init__(
        self,
        plans: Sequence[Plan],
        classifier: Classifier,
        clock: Clock,
        plausibility: Plausibility | None = None,
    ) -> None:
        self._plan_of_project = {key: plan for plan in plans for key in plan.jira_projects}
        self._classifier = classifier
        self._clock = clock
        self._plausibility = plausibility or Plausibility()
        enrolments = sorted(_enrolment_start(plan) for plan in plans)
        self._enrolments = (enrolments[0], enrolments[-1]) if enrolments else None

    def plan_of_project(self, project_key: str) -> Plan | None:
        return self._plan_of_project.get(project_key)

    def apply_issue(self, uow: UnitOfWork, fact: IssueFact) -> Outcome:
        """Classify an issue of a mapped project and store it unless a newer version is stored.

        An issue of an unmapped project is stored, unclassified, only if it is stored
        already (it moved out of a mapped project): its work stops counting.
        """
        if fact.snapshot.project_key not in self._plan_of_project:
            return self._apply_unmapped(uow, fact)
        decision = attribute_override(
            classify(fact.snapshot, self._classifier),
            uow.issues.get(fact.snapshot.id),
            fact.changed_by,
        )
        issue = StoredIssue(
            snapshot=fact.snapshot,
            updated=fact.updated,
            work_type=decision.work_type,
            reason=decision.reason,
            overridden=decision.overridden,
            deleted=fact.deleted,
        )
        now = self._clock.now()
        stored = uow.issues.save_if_not_older(issue, now)
        if stored and not fact.deleted:
            uow.follow_ups.add(fact.snapshot.id, "", now)
        return Outcome.STORED if stored else Outcome.KEPT

    def _apply_unmapped(self, uow: UnitOfWork, fact: IssueFact) -> Outcome:
        if uow.issues.get(fact.snapshot.id) is None:
            return Outcome.IGNORED
        issue = StoredIssue(
            snapshot=fact.snapshot,
            updated=fact.updated,
            work_type=None,
            reason=UNMAPPED_REASON.format(project=fact.snapshot.project_key),
            overridden=False,
            deleted=fact.deleted,
        )
        stored = uow.issues.save_if_not_older(issue, self._clock.now())
        return Outcome.STORED if stored else Outcome.KEPT

    def apply_worklog(self, uow: UnitOfWork, worklog: Worklog) -> Outcome:
        """Store a worklog version unless the stored one supersedes it; hold it in
        quarantine instead when it is not plausible."""
        now = self._clock.now()
        reason = None
        if not worklog.deleted:
            reason = self._plausibility.reason(worklog, self._enrolled_at(uow, worklog), now)
        if reason is not None:
            return self._hold(uow, worklog, reason, now)
        stored = uow.worklogs.save_if_supersedes(worklog, now)
        if stored:
            # The issue's budget changed: write it back, and check the alerts it may cross.
            # A tombstone from Jira's deleted feed names no issue; the stored version does.
            kept = None if worklog.issue_id else uow.worklogs.get(worklog.id)
            issue_id = worklog.issue_id or (kept.issue_id if kept is not None else "")
            if issue_id:
                uow.follow_ups.add(issue_id, worklog.id, now)
        return Outcome.STORED if stored else Outcome.KEPT

    def _hold(self, uow: UnitOfWork, worklog: Worklog, reason: str, now: datetime) -> Outcome:
        version = self._plausibility.version(worklog, now)
        if not uow.quarantine.hold(HeldWorklog(worklog, reason, version, now)):
            return Outcome.KEPT
        # What the issue's tickets show changes (the last counted version stops counting);
        # no alert: nothing was added.
        uow.follow_ups.add(worklog.issue_id, "", now)
        return Outcome.HELD

    def _enrolled_at(self, uow: UnitOfWork, worklog: Worklog) -> datetime:
        """The enrolment of the worklog's plan (the earliest one when its issue is not
        known), read from the store only when the plans' enrolments disagree about it."""
        if self._enrolments is None:
            return worklog.started  # no plan: no lower bound
        earliest, latest = self._enrolments
        if worklog.started >= latest - self._plausibility.history or earliest == latest:
            return latest
        issue = uow.issues.get(worklog.issue_id)
        plan = self.plan_of_project(issue.snapshot.project_key) if issue is not None else None
        return _enrolment_start(plan) if plan is not None else earliest

    def apply(self, uow: UnitOfWork, facts: EventFacts) -> list[Outcome]:
        """Every fact of one event, issues first (a worklog counts once its issue is known)."""
        outcomes = [self.apply_issue(uow, fact) for fact in facts.issues]
        outcomes.extend(self.apply_worklog(uow, worklog) for worklog in facts.worklogs)
        return outcomes


def _enrolment_start(plan: Plan) -> datetime:
    return datetime.combine(plan.enrolled_on, time(), plan.timezone)
