"""The plan's budget on every unresolved ticket of the plan, kept current at a bounded cost.

What a ticket shows is split in two issue properties: the ticket's own classification
(written per ticket by ``services.writeback``) and the plan's budget, which is the
same value on every unresolved ticket of the plan and so is written in one bulk call
(``PUT issue/properties/{key}`` with the tickets' ids; per ticket on Data Center).

A burst of worklogs on one plan costs one bulk call per ``refresh_seconds``: a plan
refreshed less than that long ago is deferred, unless the refresh is forced. A deferred
plan is refreshed by ``refresh_due`` once its window has passed (the trailing edge of
the burst); ``on_deferred`` is told how many seconds that is, so that a loop can wake
for it. A process stopped with a deferred plan leaves it to the worker's next pass,
which refreshes every plan. What was last sent per plan is
recorded (as a write-back of ``plan:<id>``): an unchanged budget on the same tickets
is not sent again; a new or resolved ticket, or any change of figures, is.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Protocol

from oms_connector.domain.money import CENT, amount
from oms_connector.domain.plans import Plan
from oms_connector.services.budget import Budget, load_budget
from oms_connector.services.jira_port import JsonValue
from oms_connector.services.ports import Clock, Store
from oms_connector.services.writeback import canonical

LOG = logging.getLogger(__name__)

SCHEMA_VERSION = 1
BUDGET_TARGET = "budget"


class PropertyWriter(Protocol):
    """The part of the Jira gateway the refresh uses."""

    def set_property_on_issues(
        self, key: str, value: JsonValue, issue_ids: Sequence[str]
    ) -> None: ...


@dataclass(frozen=True)
class RefreshOptions:
    enabled: bool = True
    property_key: str = "oms-connector-budget"
    refresh_seconds: int = 60


@dataclass
class RefreshReport:
    refreshed: list[tuple[str, int]] = field(default_factory=list)
    """(plan id, tickets written) of every bulk write sent."""
    unchanged: list[str] = field(default_factory=list)
    deferred: list[str] = field(default_factory=list)
    """Plans refreshed less than ``refresh_seconds`` ago: left for a later pass."""
    failed: list[str] = field(default_factory=list)


def hours_text(value: Decimal) -> str:
    return str(value.quantize(CENT))


def budget_property(budget: Budget, as_of: datetime) -> dict[str, JsonValue]:
    """The ``oms-connector-budget`` value (schemas/issue-properties.schema.json, budget)."""
    plan = budget.plan
    over_seconds = max(0, budget.used_seconds - budget.included_seconds)
    over = budget.hours(over_seconds)
    percent = budget.percent_used()
    return {
        "version": SCHEMA_VERSION,
        "plan": plan.id,
        "customer": plan.customer,
        "as_of": as_of.isoformat(timespec="seconds"),
        "period": {
            "start": budget.period.start_date.isoformat(),
            "end": budget.period.end_date.isoformat(),
            "last_day": budget.last_day.isoformat(),
        },
        "in_term": budget.in_term,
        "currency": plan.currency,
        "hours": {
            "included": hours_text(budget.hours(budget.included_seconds)),
            "used": hours_text(budget.hours(budget.used_seconds)),
            "remaining": hours_text(budget.hours(budget.remaining_seconds)),
            "over": hours_text(over),
        },
        "rates": {
            "oms": str(budget.oms_rate.quantize(CENT)),
            "priority": str(budget.priority_rate.quantize(CENT)),
        },
        "overage": {"amount": str(amount(over, budget.priority_rate))},
        "search": {
            # JSON numbers for JQL only; exact: two decimals at most, from the strings above.
            "hours_left": float(budget.hours(budget.remaining_seconds).quantize(CENT)),
            "percent_used": None if percent is None else float(percent.quantize(Decimal("0.1"))),
        },
    }


def recorded_value(value: dict[str, JsonValue], issue_ids: Sequence[str]) -> str:
    """What is compared with the last refresh: the figures (not their time) and the tickets."""
    figures = {name: item for name, item in value.items() if name != "as_of"}
    tickets = hashlib.sha256(",".join(sorted(issue_ids)).encode()).hexdigest()
    return canonical({"budget": figures, "tickets": tickets})


class BudgetRefresher:
    def __init__(
        self,
        store: Store,
        gateway: PropertyWriter,
        plans: Sequence[Plan],
        options: RefreshOptions,
        clock: Clock,
        *,
        on_deferred: Callable[[float], None] = lambda _seconds: None,
    ) -> None:
        self._store = store
        self._gateway = gateway
        self._plans = {plan.id: plan for plan in plans}
        self._plan_of_project = {key: plan for plan in plans for key in plan.jira_projects}
        self._options = options
        self._clock = clock
        self._on_deferred = on_deferred
        self._due: dict[str, datetime] = {}
        """Deferred plans, with the instant their window ends."""

    def plans_of_issues(self, issue_ids: Iterable[str]) -> list[str]:
        """The plans these stored issues belong to."""
        found: dict[str, None] = {}
        with self._store.unit_of_work(read_only=True) as uow:
            for issue_id in dict.fromkeys(issue_ids):
                issue = uow.issues.get(issue_id)
                plan = (
                    None if issue is None else self._plan_of_project.get(issue.snapshot.project_key)
                )
                if plan is not None:
                    found[plan.id] = None
        return list(found)

    def refresh(
        self, plan_ids: Iterable[str] | None = None, *, force: bool = False
    ) -> RefreshReport:
        """Bring the budget property of these plans (all when ``None``) up to date."""
        report = RefreshReport()
        if not self._options.enabled:
            return report
        chosen = self._plans if plan_ids is None else dict.fromkeys(plan_ids)
        for plan_id in chosen:
            plan = self._plans.get(plan_id)
            if plan is None:
                continue
            try:
                self._refresh_plan(plan, report, force=force)
            except Exception:
                LOG.exception("the budget of plan %s could not be written to Jira", plan.id)
                report.failed.append(plan.id)
        return report

    def refresh_due(self) -> RefreshReport:
        """The deferred plans whose window has ended."""
        now = self._clock.now()
        due = [plan_id for plan_id, at in self._due.items() if at <= now]
        return self.refresh(due) if due else RefreshReport()

    def _defer(self, plan_id: str, until: datetime, now: datetime) -> None:
        self._due[plan_id] = until
        self._on_deferred(max((until - now).total_seconds(), 0.0))

    def _refresh_plan(self, plan: Plan, report: RefreshReport, *, force: bool) -> None:
        now = self._clock.now()
        record_id = f"plan:{plan.id}"
        with self._store.unit_of_work(read_only=True) as uow:
            last = uow.writebacks.last(record_id, BUDGET_TARGET)
            if not force and last is not None and now - last.sent_at < self._window:
                self._defer(plan.id, last.sent_at + self._window, now)
                report.deferred.append(plan.id)
                return
            self._due.pop(plan.id, None)  # a failure below waits for the next full pass
            tickets = uow.issues.unresolved_ids(plan.jira_projects)
            value = budget_property(load_budget(uow, plan, now), now)
        recorded = recorded_value(value, tickets)
        if (last is not None and last.value == recorded) or not tickets:
            report.unchanged.append(plan.id)
            return
        self._gateway.set_property_on_issues(self._options.property_key, value, tickets)
        with self._store.unit_of_work() as uow:
            uow.writebacks.record(record_id, BUDGET_TARGET, recorded, now)
            uow.commit()
        report.refreshed.append((plan.id, len(tickets)))

    @property
    def _window(self) -> timedelta:
        return timedelta(seconds=self._options.refresh_seconds)
