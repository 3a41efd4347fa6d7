"""Statements: issued per plan on each billing date, immutable once written."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from oms_connector.domain.adjustments import adjustments
from oms_connector.domain.ledger import ledger
from oms_connector.domain.lines import ZERO, Line, LineKind
from oms_connector.domain.money import amount, round_hours
from oms_connector.domain.periods import Period, billing_date, period
from oms_connector.domain.plans import Plan
from oms_connector.domain.usage import PeriodUsage


@dataclass(frozen=True)
class Statement:
    number: str
    plan_id: str
    customer: str
    index: int
    billing_date: date
    currency: str
    lines: tuple[Line, ...]

    @property
    def total(self) -> Decimal:
        return sum((line.amount for line in self.lines), ZERO)


def statement_number(plan: Plan, index: int) -> str:
    return f"{plan.id}-{billing_date(plan, index):%Y%m%d}"


def build_statement(
    plan: Plan,
    index: int,
    usage: Mapping[int, PeriodUsage],
    billed: Iterable[Line] = (),
) -> Statement | None:
    """Statement ``index``, issued on the start of period ``index``.

    ``usage`` holds the usage of periods before ``index`` (later ones are ignored);
    ``billed`` the lines of the statements already written for this plan. Returns
    ``None`` for a statement after the term that would have nothing on it.
    """
    lines: list[Line] = []
    if plan.in_term(index):
        lines.append(_subscription(plan, period(plan, index)))
    if index >= 1:
        should = ledger(plan, usage, through=index - 1)
        lines.extend(should[index - 1])
        lines.extend(adjustments(should, billed, before=index - 1))
    if not _issued(plan, index, lines):
        return None
    return Statement(
        number=statement_number(plan, index),
        plan_id=plan.id,
        customer=plan.customer,
        index=index,
        billing_date=billing_date(plan, index),
        currency=plan.currency,
        lines=tuple(lines),
    )


def _issued(plan: Plan, index: int, lines: Sequence[Line]) -> bool:
    # Up to the final statement of the term every statement is issued; after it only
    # when there is something to bill.
    if plan.auto_renew or index <= plan.term_months:
        return True
    return any(line.hours or line.amount for line in lines)


def _subscription(plan: Plan, current: Period) -> Line:
    hours = round_hours(plan.seconds_per_month, plan.rounding_increment)
    return Line(
        kind=LineKind.SUBSCRIPTION,
        period_index=current.index,
        period_start=current.start_date,
        period_end=current.end_date,
        hours=hours,
        rate=plan.oms_rate,
        amount=amount(hours, plan.oms_rate),
        description=f"OMS plan {plan.id}: {hours} h for the period, billed in advance",
    )
