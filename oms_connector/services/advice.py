"""Deferral advice: the open planned tickets of a plan against the OMS hours left.

Jira is asked for the open tickets of the plan's projects in rank order with their
remaining estimates; the planned (``oms``) ones go through ``domain.deferral.advise``
against what the period has left: what fits, the ticket to split between this period
and the next, what moves, and the overage with its cost if nothing moved.

A planned ticket whose remaining estimate alone exceeds what is left gets a comment
with that advice, once per period (recorded as a write-back of the ticket).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from oms_connector.domain.classification import Classifier, IssueSnapshot, WorkType, classify
from oms_connector.domain.deferral import Advice, PlannedTicket, advise
from oms_connector.domain.money import amount
from oms_connector.domain.plans import Plan
from oms_connector.services.budget import Budget, load_budget
from oms_connector.services.jira_port import JsonValue
from oms_connector.services.ports import Clock, Store
from oms_connector.services.writeback import rate_text

ADVICE_TARGET = "advice"
"""The write-back target under which an advice comment is recorded (value: the period)."""


class EstimatedTicket(Protocol):
    @property
    def snapshot(self) -> IssueSnapshot: ...

    @property
    def remaining_seconds(self) -> int | None: ...


class PlannedWork(Protocol):
    """The part of the Jira gateway the advice uses."""

    def search_estimates(self, jql: str) -> Iterator[Sequence[EstimatedTicket]]: ...

    def add_comment(self, issue: str, body: str | Mapping[str, JsonValue]) -> None: ...


def open_work_jql(projects: Sequence[str]) -> str:
    """Open tickets of these projects, in the board's rank order."""
    if not projects:
        raise ValueError("a plan needs at least one Jira project")
    quoted = ", ".join(
        '"' + key.replace("\\", "\\\\").replace('"', '\\"') + '"' for key in projects
    )
    return f"project in ({quoted}) AND statusCategory != Done ORDER BY Rank ASC"


@dataclass(frozen=True)
class PlanAdvice:
    budget: Budget
    advice: Advice
    tickets: tuple[PlannedTicket, ...]
    """The open planned tickets, in rank order."""
    issue_ids: Mapping[str, str] = field(default_factory=dict)
    """Issue id by key."""

    @property
    def plan(self) -> Plan:
        return self.budget.plan

    def oversized(self) -> list[PlannedTicket]:
        """Tickets whose remaining estimate alone exceeds the hours left."""
        left = self.budget.remaining_seconds
        return [
            t
            for t in self.tickets
            if t.remaining_seconds is not None and t.remaining_seconds > left
        ]


def advice_comment(budget: Budget, ticket: PlannedTicket) -> str:
    """What a ticket too big for the hours left is told."""
    plan = budget.plan
    needed = ticket.remaining_seconds or 0
    left = budget.remaining_seconds
    over = budget.hours(needed - left)
    cost = amount(over, budget.priority_rate)
    next_start = budget.period.end_date.isoformat()
    until = budget.last_day.isoformat()
    intro = (
        f"Deferral advice: the remaining estimate of {ticket.key} ({budget.hours(needed)} h) "
        f"exceeds the {budget.hours(left)} h of plan {plan.id} left until {until}."
    )
    if left > 0:
        plan_text = (
            f" Do {budget.hours(left)} h now and defer {over} h to the next period "
            f"(from {next_start})"
        )
    else:
        plan_text = f" Defer it to the next period (from {next_start})"
    return (
        f"{intro}{plan_text}; otherwise {over} h are billed at the priority rate, "
        f"{rate_text(budget.priority_rate)} {plan.currency}/h ({cost} {plan.currency})."
    )


class AdviceService:
    def __init__(
        self, store: Store, gateway: PlannedWork, classifier: Classifier, clock: Clock
    ) -> None:
        self._store = store
        self._gateway = gateway
        self._classifier = classifier
        self._clock = clock

    def advise(self, plan: Plan) -> PlanAdvice:
        tickets: list[PlannedTicket] = []
        ids: dict[str, str] = {}
        for page in self._gateway.search_estimates(open_work_jql(plan.jira_projects)):
            for item in page:
                snapshot = item.snapshot
                if classify(snapshot, self._classifier).work_type is not WorkType.OMS:
                    continue
                if snapshot.key not in ids:
                    ids[snapshot.key] = snapshot.id
                    tickets.append(PlannedTicket(snapshot.key, item.remaining_seconds))
        with self._store.unit_of_work() as uow:
            budget = load_budget(uow, plan, self._clock.now())
        advice = advise(
            tickets, budget.remaining_seconds, budget.priority_rate, plan.rounding_increment
        )
        return PlanAdvice(budget, advice, tuple(tickets), ids)

    def comment_oversized(self, advice: PlanAdvice) -> list[str]:
        """Comment once per period on each ticket too big for the hours left; their keys."""
        period = advice.budget.period.start_date.isoformat()
        commented = []
        for ticket in advice.oversized():
            issue_id = advice.issue_ids[ticket.key]
            with self._store.unit_of_work() as uow:
                last = uow.writebacks.last(issue_id, ADVICE_TARGET)
            if last is not None and last.value == period:
                continue
            self._gateway.add_comment(issue_id, advice_comment(advice.budget, ticket))
            with self._store.unit_of_work() as uow:
                uow.writebacks.record(issue_id, ADVICE_TARGET, period, self._clock.now())
                uow.commit()
            commented.append(ticket.key)
        return commented
