"""Reclassification: stored issues decided again when the classification settings change.

An issue is classified when a fact about it arrives, with the rules configured then.
When the agency changes a rule, the default or the override labels, the stored issues
keep their old decision until each is touched again; this service decides every stored
live issue of a mapped project again from its stored snapshot, and stores the decisions
that differ.

It runs beside a worker: each page of issues is one transaction, and a decision is
replaced only while the stored row is the version that was read (same ``updated``,
same decision), so a newer snapshot stored meanwhile is never overwritten (the worker
classified it itself). An override keeps who set it while it stands.

A canonical fingerprint of the settings is kept among the checkpoints; the worker and
``serve`` reclassify at start when it differs from the stored one.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from oms_connector.domain.classification import Classifier, Decision, Rule, WorkType, classify
from oms_connector.domain.plans import Plan
from oms_connector.services.overrides import attribute_override
from oms_connector.services.ports import (
    Clock,
    Store,
    StoredIssue,
    UnitOfWork,
)

FINGERPRINT_CHECKPOINT = "classification.fingerprint"
PAGE_SIZE = 500

ChangedIssues = Callable[[], object]
"""Called once the changed decisions are committed (and their follow-ups queued with
them): the follow-up that writes them back to Jira."""


@dataclass(frozen=True)
class Change:
    key: str
    old_work_type: WorkType | None
    old_reason: str
    new_work_type: WorkType
    new_reason: str


@dataclass
class ReclassifyReport:
    checked: int = 0
    changes: list[Change] = field(default_factory=list)
    superseded: int = 0
    """Changes not written: a newer version of the issue was stored meanwhile."""


def fingerprint(classifier: Classifier, override_field: str | None) -> str:
    """A digest of every setting classification reads, the same for the same settings."""
    settings = {
        "default": classifier.default.value,
        "override_labels": {
            work_type.value: label
            for work_type, label in sorted(classifier.override_labels.items())
        },
        "override_field": override_field or "",
        "rules": [_rule(rule) for rule in classifier.rules],
    }
    canonical = json.dumps(settings, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _rule(rule: Rule) -> dict[str, object]:
    return {
        "name": rule.name,
        "work_type": rule.work_type.value,
        "issue_types": sorted(rule.issue_types),
        "priorities": sorted(rule.priorities),
        "labels": sorted(rule.labels),
        "components": sorted(rule.components),
        "request_types": sorted(rule.request_types),
        "text": None if rule.text is None else [rule.text.pattern, rule.text.flags],
    }


class ReclassifyService:
    def __init__(
        self,
        store: Store,
        plans: Sequence[Plan],
        classifier: Classifier,
        clock: Clock,
        *,
        override_field: str | None = None,
        changed: ChangedIssues | None = None,
        page_size: int = PAGE_SIZE,
    ) -> None:
        self._store = store
        self._projects = sorted({key for plan in plans for key in plan.jira_projects})
        self._classifier = classifier
        self._clock = clock
        self._fingerprint = fingerprint(classifier, override_field)
        self._changed = changed
        self._page_size = page_size

    def reclassify(self, *, dry_run: bool = False) -> ReclassifyReport:
        """Decide every stored live issue of a mapped project again; store what differs.

        ``dry_run`` reports what would change and writes nothing.
        """
        report = ReclassifyReport()
        after: str | None = None
        while True:
            with self._store.unit_of_work(read_only=dry_run) as uow:
                page = uow.issues.live_page(self._projects, after_id=after, limit=self._page_size)
                written = self._page(uow, page, report, dry_run=dry_run)
                if written:
                    uow.commit()
            if written and self._changed is not None:
                self._changed()
            if len(page) < self._page_size:
                return report
            after = page[-1].snapshot.id

    def reclassify_if_settings_changed(self) -> ReclassifyReport | None:
        """Reclassify when the settings' fingerprint differs from the stored one, then
        store it; None when they are the ones stored."""
        with self._store.unit_of_work(read_only=True) as uow:
            stored = uow.checkpoints.get(FINGERPRINT_CHECKPOINT)
        if stored == self._fingerprint:
            return None
        report = self.reclassify()
        with self._store.unit_of_work() as uow:
            uow.checkpoints.set(FINGERPRINT_CHECKPOINT, self._fingerprint, self._clock.now())
            uow.commit()
        return report

    def _page(
        self,
        uow: UnitOfWork,
        page: Sequence[StoredIssue],
        report: ReclassifyReport,
        *,
        dry_run: bool,
    ) -> list[StoredIssue]:
        """Check one page; the issues whose new decision was stored."""
        written: list[StoredIssue] = []
        for issue in page:
            report.checked += 1
            decision = self._decide(issue)
            if (decision.work_type, decision.reason) == (issue.work_type, issue.reason):
                continue
            change = Change(
                issue.snapshot.key,
                issue.work_type,
                issue.reason,
                decision.work_type,
                decision.reason,
            )
            if dry_run:
                report.changes.append(change)
            elif uow.issues.redecide(
                issue, decision.work_type, decision.reason, decision.overridden
            ):
                uow.follow_ups.add(issue.snapshot.id, "", self._clock.now())
                report.changes.append(change)
                written.append(issue)
            else:
                report.superseded += 1
        return written

    def _decide(self, issue: StoredIssue) -> Decision:
        return attribute_override(classify(issue.snapshot, self._classifier), issue, None)


def summary(report: ReclassifyReport) -> str:
    """One line: how many issues were checked and changed."""
    line = f"reclassified: {report.checked:,} issues checked, {len(report.changes):,} changed"
    if report.superseded:
        line += f", {report.superseded:,} left to newer versions stored meanwhile"
    return line
