"""Which tickets are planned OMS work and which are reactive PRIORITY work, and why."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum


class WorkType(StrEnum):
    OMS = "oms"
    PRIORITY = "priority"


class ReasonKind(StrEnum):
    OVERRIDE = "override"
    RULE = "rule"
    DEFAULT = "default"


@dataclass(frozen=True)
class IssueSnapshot:
    """The fields of a Jira issue that classification reads."""

    id: str
    key: str
    project_key: str
    summary: str = ""
    description: str = ""
    issue_type: str = ""
    priority: str = ""
    labels: frozenset[str] = frozenset()
    components: frozenset[str] = frozenset()
    request_type: str = ""
    override_field: str = ""
    """Value of the configured manual-override field, if any ("oms" or "priority")."""
    resolved: bool = False
    """Whether Jira says the issue is resolved (its ``resolution`` is set); classification
    ignores it, the plan's budget is kept current on unresolved issues only."""


@dataclass(frozen=True)
class Rule:
    """Matches when every condition it sets holds; an unset condition matches anything.

    List conditions match when the issue's value (or one of its labels or
    components) is in the list, compared without regard to case.
    """

    name: str
    work_type: WorkType
    issue_types: frozenset[str] = frozenset()
    priorities: frozenset[str] = frozenset()
    labels: frozenset[str] = frozenset()
    components: frozenset[str] = frozenset()
    request_types: frozenset[str] = frozenset()
    text: re.Pattern[str] | None = None

    def matches(self, issue: IssueSnapshot) -> bool:
        return (
            _one_of(self.issue_types, {issue.issue_type})
            and _one_of(self.priorities, {issue.priority})
            and _one_of(self.labels, issue.labels)
            and _one_of(self.components, issue.components)
            and _one_of(self.request_types, {issue.request_type})
            and (self.text is None or _text_matches(self.text, issue))
        )


def _one_of(wanted: frozenset[str], values: frozenset[str] | set[str]) -> bool:
    if not wanted:
        return True
    folded = {w.casefold() for w in wanted}
    return any(v.casefold() in folded for v in values if v)


def _text_matches(pattern: re.Pattern[str], issue: IssueSnapshot) -> bool:
    return bool(pattern.search(issue.summary) or pattern.search(issue.description))


@dataclass(frozen=True)
class Classifier:
    default: WorkType = WorkType.OMS
    override_labels: dict[WorkType, str] = field(default_factory=dict)
    rules: Sequence[Rule] = ()


@dataclass(frozen=True)
class Decision:
    work_type: WorkType
    reason_kind: ReasonKind
    reason: str
    """Human text: ``override (label oms-override-priority)``, ``rule: urgent``, ``default``."""

    @property
    def overridden(self) -> bool:
        return self.reason_kind is ReasonKind.OVERRIDE


def classify(issue: IssueSnapshot, classifier: Classifier) -> Decision:
    """Override, then the first matching rule, then the default."""
    override = _override(issue, classifier)
    if override is not None:
        return override
    for rule in classifier.rules:
        if rule.matches(issue):
            return Decision(rule.work_type, ReasonKind.RULE, f"rule: {rule.name}")
    return Decision(classifier.default, ReasonKind.DEFAULT, "default")


def _override(issue: IssueSnapshot, classifier: Classifier) -> Decision | None:
    labels = {label.casefold() for label in issue.labels}
    found = [
        (work_type, label)
        for work_type, label in classifier.override_labels.items()
        if label.casefold() in labels
    ]
    if len(found) == 1:
        work_type, label = found[0]
        return Decision(work_type, ReasonKind.OVERRIDE, f"override: label {label}")
    if len(found) > 1:
        # Both override labels: the conservative choice bills nothing against the plan.
        return Decision(
            WorkType.PRIORITY, ReasonKind.OVERRIDE, "override: conflicting labels, priority wins"
        )
    value = issue.override_field.strip().casefold()
    if value in {WorkType.OMS.value, WorkType.PRIORITY.value}:
        return Decision(WorkType(value), ReasonKind.OVERRIDE, f"override: field set to {value}")
    return None
