"""Write-back: the plan and budget shown inside every Jira ticket, written only when changed.

Each target is switchable: the work type label, an issue entity property holding the
machine-readable plan and budget, a comment when a ticket is first classified or its
work type changes, and optional custom fields resolved by name. What was last sent per
issue and target is recorded in the store; a value equal to the recorded one is never
sent again, so a busy board causes no write storm and a replayed event writes nothing.

The property written here holds what belongs to the ticket (work type, reason, who
overrode it), so it changes only when the classification does. The plan's budget,
which changes with every worklog of the plan, is a second property kept current on
all the plan's unresolved tickets in bulk (``services.budget_refresh``).

A write is recorded (and committed) right after Jira accepted it. A crash between the
two sends that one value again on the next pass: harmless for labels, the property
and fields, and at worst one repeated comment.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Protocol

from oms_connector.domain.classification import IssueSnapshot, WorkType
from oms_connector.domain.money import CENT
from oms_connector.domain.plans import Plan
from oms_connector.services.budget import Budget, load_budget
from oms_connector.services.jira_port import JiraField, JsonValue
from oms_connector.services.overrides import SET_BY
from oms_connector.services.ports import Clock, Store, StoredIssue, UnitOfWork

LOG = logging.getLogger(__name__)


class Target(StrEnum):
    LABEL = "label"
    PROPERTY = "property"
    COMMENT = "comment"
    FIELDS = "fields"


class FieldValue(StrEnum):
    """What a configured custom field is filled with (always as text)."""

    WORK_TYPE = "work_type"
    REASON = "reason"
    PLAN_ID = "plan_id"
    HOURS_INCLUDED = "hours_included"
    HOURS_USED = "hours_used"
    HOURS_REMAINING = "hours_remaining"


@dataclass(frozen=True)
class WritebackOptions:
    enabled: bool = True
    label: bool = True
    property: bool = True
    comment: bool = True
    fields: bool = False
    oms_label: str = "oms-planned"
    priority_label: str = "priority-support"
    property_key: str = "oms-connector"
    field_names: Mapping[FieldValue, str] = field(default_factory=dict)
    """Which Jira field (by name or id) holds which value."""

    def label_of(self, work_type: WorkType) -> str:
        return self.oms_label if work_type is WorkType.OMS else self.priority_label

    def own_labels(self) -> frozenset[str]:
        return frozenset({self.oms_label, self.priority_label})


class IssueWriter(Protocol):
    """The part of the Jira gateway write-back uses."""

    def fields(self) -> Sequence[JiraField]: ...

    def set_issue_property(self, issue: str, key: str, value: JsonValue) -> None: ...

    def change_labels(
        self, issue: str, add: Sequence[str] = (), remove: Sequence[str] = ()
    ) -> None: ...

    def add_comment(self, issue: str, body: str | Mapping[str, JsonValue]) -> None: ...

    def set_fields(self, issue: str, fields: Mapping[str, JsonValue]) -> None: ...


class UnknownFieldError(ValueError):
    """A configured custom field that Jira does not know (or knows several of)."""


# --- the values ------------------------------------------------------------------------


def hours_text(value: Decimal) -> str:
    """``10`` for 10 h, ``12.5`` for 12.5 h: the plan's size as people write it."""
    return format(value.normalize(), "f")


def rate_text(rate: Decimal) -> str:
    return str(rate.quantize(CENT))


def reason_text(reason: str) -> str:
    """The stored reason as a ticket shows it: ``default`` reads ``rule: default``."""
    return "rule: default" if reason == "default" else reason


def classification_comment(work_type: WorkType, reason: str, budget: Budget) -> str:
    """The comment posted when a ticket is first classified or changes work type."""
    plan = budget.plan
    why = reason_text(reason)
    if work_type is WorkType.PRIORITY:
        return (
            f"Reactive PRIORITY work ({why}), billed at "
            f"{rate_text(budget.priority_rate)} {plan.currency}/h."
        )
    if not budget.in_term:
        return (
            f"Planned OMS work ({why}). Plan {plan.id} has no OMS hours in the period "
            f"from {budget.period.start_date.isoformat()} (no term covers it): OMS work is "
            f"billed at {rate_text(budget.priority_rate)} {plan.currency}/h."
        )
    text = (
        f"Planned OMS work ({why}). Plan {plan.id}: {hours_text(budget.hours_per_month)} h a "
        f"month; {budget.hours(budget.remaining_seconds)} h left until "
        f"{budget.last_day.isoformat()}."
    )
    if budget.remaining_seconds == 0:
        text += (
            f" Further OMS work is billed at the priority rate, "
            f"{rate_text(budget.priority_rate)} {plan.currency}/h."
        )
    return text


TICKET_SCHEMA_VERSION = 1


def property_value(issue: StoredIssue, work_type: WorkType, budget: Budget) -> dict[str, JsonValue]:
    """The ticket's own property (schemas/issue-properties.schema.json, ``ticket``).

    It changes only with the ticket's classification; the plan's budget is the other
    property, refreshed on all the plan's tickets by ``services.budget_refresh``.
    """
    plan = budget.plan
    base, _, by = issue.reason.partition(SET_BY)
    if issue.overridden:
        kind = "override"
    elif issue.reason == "default":
        kind = "default"
    else:
        kind = "rule"
    return {
        "version": TICKET_SCHEMA_VERSION,
        "plan": plan.id,
        "customer": plan.customer,
        "work_type": work_type.value,
        "reason_kind": kind,
        "reason": reason_text(issue.reason) if kind != "override" else base,
        "override_by": (by or None) if issue.overridden else None,
    }


def field_values(issue: StoredIssue, work_type: WorkType, budget: Budget) -> dict[FieldValue, str]:
    return {
        FieldValue.WORK_TYPE: work_type.value,
        FieldValue.REASON: issue.reason,
        FieldValue.PLAN_ID: budget.plan.id,
        FieldValue.HOURS_INCLUDED: str(budget.hours(budget.included_seconds)),
        FieldValue.HOURS_USED: str(budget.hours(budget.used_seconds)),
        FieldValue.HOURS_REMAINING: str(budget.hours(budget.remaining_seconds)),
    }


def only_own_labels_changed(
    new: IssueSnapshot, stored: IssueSnapshot, own_labels: frozenset[str]
) -> bool:
    """Whether an issue differs from its stored snapshot only by the connector's labels.

    Such a change is the connector's own label write coming back as
    ``jira:issue_updated`` (or a person touching only those labels): nothing to
    reclassify and nothing to write back.
    """
    if new.labels == stored.labels:
        return False
    return replace(new, labels=new.labels - own_labels) == replace(
        stored, labels=stored.labels - own_labels
    )


def canonical(value: JsonValue) -> str:
    """One text per JSON value, so that equal values compare equal when recorded."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def resolve_field_ids(
    fields: Sequence[JiraField], wanted: Mapping[FieldValue, str]
) -> dict[FieldValue, str]:
    """Each configured field (an id such as ``customfield_10050``, or a name) as its id."""
    resolved = {}
    for what, name in wanted.items():
        by_id = [f.id for f in fields if f.id == name]
        by_name = [f.id for f in fields if f.name.casefold() == name.casefold()]
        found = by_id or by_name
        if len(found) != 1:
            problem = "no field" if not found else f"several fields ({', '.join(found)})"
            raise UnknownFieldError(
                f"writeback field for {what.value}: Jira has {problem} named {name!r}"
            )
        resolved[what] = found[0]
    return resolved


# --- the service -----------------------------------------------------------------------


@dataclass(frozen=True)
class _Write:
    target: Target
    value: str
    """The value recorded (and compared with the last recorded one)."""
    send: Callable[[], None]


@dataclass
class WritebackReport:
    sent: list[tuple[str, Target]] = field(default_factory=list)
    """(issue key, target) of every value sent to Jira."""
    unchanged: list[tuple[str, Target]] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    """Issue ids with nothing to show: unknown, deleted, unclassified or of no plan."""
    problems: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    """Issue ids a Jira write failed for (logged); what they still need is sent next time."""
    out_of_scope: list[str] = field(default_factory=list)
    """Resolved issues without work in the current or previous period, left out of a backfill."""


class WritebackService:
    def __init__(
        self,
        store: Store,
        gateway: IssueWriter,
        plans: Sequence[Plan],
        options: WritebackOptions,
        clock: Clock,
    ) -> None:
        self._store = store
        self._gateway = gateway
        self._plan_of_project = {key: plan for plan in plans for key in plan.jira_projects}
        self._options = options
        self._clock = clock
        self._field_ids: dict[FieldValue, str] | None = None

    @property
    def options(self) -> WritebackOptions:
        return self._options

    def write_back(self, issue_ids: Iterable[str], *, recent_only: bool = False) -> WritebackReport:
        """Bring these issues' labels, property, comment and fields up to date in Jira.

        What to send is decided in one read; each value is recorded in its own short
        transaction once Jira accepted it, so no database lock is held while Jira answers.
        ``recent_only`` (a backfill) leaves out resolved issues without work in the
        current or previous period: years of closed tickets are not rewritten.
        """
        report = WritebackReport()
        if not self._options.enabled:
            return report
        now = self._clock.now()
        budgets: dict[str, Budget] = {}
        ids = list(dict.fromkeys(issue_ids))
        if recent_only:
            ids = self._recent(ids, now, report)
        for issue_id in ids:
            try:
                self._write_issue(issue_id, now, budgets, report)
            except Exception:
                LOG.exception("write-back of issue %s failed", issue_id)
                report.failed.append(issue_id)
        return report

    def _recent(
        self, issue_ids: Sequence[str], now: datetime, report: WritebackReport
    ) -> list[str]:
        """The issues a backfill writes back: unresolved, or worked on lately."""
        recent_keys: dict[str, set[str]] = {}
        kept = []
        with self._store.unit_of_work(read_only=True) as uow:
            for issue_id in issue_ids:
                issue = uow.issues.get(issue_id)
                plan = (
                    None if issue is None else self._plan_of_project.get(issue.snapshot.project_key)
                )
                if issue is None or plan is None or not issue.snapshot.resolved:
                    kept.append(issue_id)
                    continue
                if plan.id not in recent_keys:
                    recent_keys[plan.id] = _worked_on_since(uow, plan, now)
                if issue.snapshot.key in recent_keys[plan.id]:
                    kept.append(issue_id)
                else:
                    report.out_of_scope.append(issue_id)
        return kept

    def _write_issue(
        self, issue_id: str, now: datetime, budgets: dict[str, Budget], report: WritebackReport
    ) -> None:
        with self._store.unit_of_work() as uow:
            key, pending = self._pending(uow, issue_id, now, budgets, report)
        for write in pending:
            write.send()
            with self._store.unit_of_work() as uow:
                uow.writebacks.record(issue_id, write.target, write.value, now)
                uow.commit()
            report.sent.append((key, write.target))

    def _pending(
        self,
        uow: UnitOfWork,
        issue_id: str,
        now: datetime,
        budgets: dict[str, Budget],
        report: WritebackReport,
    ) -> tuple[str, list[_Write]]:
        """The issue's key and the writes whose value differs from the one last recorded."""
        issue = uow.issues.get(issue_id)
        plan = None if issue is None else self._plan_of_project.get(issue.snapshot.project_key)
        if issue is None or plan is None or issue.deleted or issue.work_type is None:
            report.skipped.append(issue_id)
            return issue_id, []
        budget = budgets.get(plan.id)
        if budget is None:
            budget = budgets[plan.id] = load_budget(uow, plan, now)
        key = issue.snapshot.key
        pending = []
        for write in self._writes(issue, issue.work_type, budget, report):
            last = uow.writebacks.last(issue_id, write.target)
            if last is not None and last.value == write.value:
                report.unchanged.append((key, write.target))
            else:
                pending.append(write)
        return key, pending

    def _writes(
        self, issue: StoredIssue, work_type: WorkType, budget: Budget, report: WritebackReport
    ) -> list[_Write]:
        options = self._options
        writes = []
        if options.label:
            writes.append(self._label_write(issue, work_type))
        if options.property:
            value = property_value(issue, work_type, budget)
            writes.append(
                _Write(
                    Target.PROPERTY,
                    canonical(value),
                    lambda: self._gateway.set_issue_property(
                        issue.snapshot.id, options.property_key, value
                    ),
                )
            )
        if options.comment:
            text = classification_comment(work_type, issue.reason, budget)
            writes.append(
                _Write(
                    Target.COMMENT,
                    work_type.value,
                    lambda: self._gateway.add_comment(issue.snapshot.id, text),
                )
            )
        if options.fields and options.field_names:
            fields_write = self._fields_write(issue, work_type, budget, report)
            if fields_write is not None:
                writes.append(fields_write)
        return writes

    def _label_write(self, issue: StoredIssue, work_type: WorkType) -> _Write:
        wanted = self._options.label_of(work_type)
        other = self._options.label_of(
            WorkType.PRIORITY if work_type is WorkType.OMS else WorkType.OMS
        )
        labels = issue.snapshot.labels
        if wanted in labels and other not in labels:
            # Jira shows it already (set by hand, or by an earlier run): record, send nothing.
            return _Write(Target.LABEL, wanted, lambda: None)
        return _Write(
            Target.LABEL,
            wanted,
            lambda: self._gateway.change_labels(issue.snapshot.id, add=[wanted], remove=[other]),
        )

    def _fields_write(
        self, issue: StoredIssue, work_type: WorkType, budget: Budget, report: WritebackReport
    ) -> _Write | None:
        try:
            ids = self._resolved_field_ids()
        except UnknownFieldError as error:
            LOG.warning("custom fields not written: %s", error)
            report.problems.append(str(error))
            return None
        values = field_values(issue, work_type, budget)
        body: dict[str, JsonValue] = {ids[what]: values[what] for what in sorted(ids)}
        return _Write(
            Target.FIELDS,
            canonical(body),
            lambda: self._gateway.set_fields(issue.snapshot.id, body),
        )

    def _resolved_field_ids(self) -> dict[FieldValue, str]:
        """Field ids by name, looked up once through Jira's field list and then cached."""
        if self._field_ids is None:
            self._field_ids = resolve_field_ids(self._gateway.fields(), self._options.field_names)
        return self._field_ids


def _worked_on_since(uow: UnitOfWork, plan: Plan, now: datetime) -> set[str]:
    """Keys of the plan's issues with work in the period before the current one, or since."""
    index = max(0, plan.calendar.index_at(now) - 1)
    since = plan.calendar.period(index).start
    return {
        work.issue_key
        for work in uow.worklogs.logged_work(plan.jira_projects)
        if work.started >= since
    }
