"""A plan's balance for the period containing a date: the hours and what they cost so far."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from oms_connector.domain.ledger import bank_balance_after, ledger
from oms_connector.domain.lines import ZERO, LineKind
from oms_connector.domain.money import round_hours
from oms_connector.domain.plans import Plan
from oms_connector.domain.usage import PeriodUsage, usage_by_period
from oms_connector.services.ports import Store


class BeforeEnrolmentError(ValueError):
    """The date lies before the plan's enrolment: it belongs to no period."""


@dataclass(frozen=True)
class Balance:
    plan_id: str
    currency: str
    period_index: int
    period_start: date
    period_end: date
    """Exclusive."""
    in_term: bool
    hours_included: Decimal
    hours_used: Decimal
    hours_remaining: Decimal
    overage_hours: Decimal
    overage_amount: Decimal
    priority_hours: Decimal
    priority_amount: Decimal
    bank_hours: Decimal
    """Prepaid priority hours left once this period's usage so far is drawn."""


def balance_of(plan: Plan, usage: dict[int, PeriodUsage], day: date) -> Balance:
    if day < plan.enrolled_on:
        raise BeforeEnrolmentError(
            f"{day.isoformat()} is before plan {plan.id}'s enrolment on "
            f"{plan.enrolled_on.isoformat()}"
        )
    calendar = plan.calendar
    index = calendar.index_of_date(day)
    current = calendar.period(index)
    used = usage.get(index, PeriodUsage(index))
    included = calendar.allotment(index)
    lines = ledger(plan, usage, through=index).get(index, [])

    def hours(seconds: int) -> Decimal:
        return round_hours(seconds, plan.rounding_increment)

    def charged(kind: LineKind) -> Decimal:
        return sum((line.amount for line in lines if line.kind is kind), ZERO)

    return Balance(
        plan_id=plan.id,
        currency=plan.currency,
        period_index=index,
        period_start=current.start_date,
        period_end=current.end_date,
        in_term=calendar.covered(index),
        hours_included=hours(included),
        hours_used=hours(used.oms.seconds),
        hours_remaining=hours(max(0, included - used.oms.seconds)),
        overage_hours=hours(max(0, used.oms.seconds - included)),
        overage_amount=charged(LineKind.OVERAGE),
        priority_hours=hours(used.priority.seconds + used.out_of_term.seconds),
        priority_amount=charged(LineKind.PRIORITY),
        bank_hours=hours(bank_balance_after(plan, usage, index)),
    )


class BalanceService:
    def __init__(self, store: Store) -> None:
        self._store = store

    def balance(self, plan: Plan, day: date) -> Balance:
        with self._store.unit_of_work() as uow:
            usage = usage_by_period(plan, uow.worklogs.logged_work(plan.jira_projects))
        return balance_of(plan, usage, day)
