"""Statements: issued per plan on each billing date, immutable once written."""

from __future__ import annotations

import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from oms_connector.domain.adjustments import adjustments
from oms_connector.domain.calendar import Coverage, Period
from oms_connector.domain.ledger import ledger
from oms_connector.domain.lines import ZERO, Line, LineKind
from oms_connector.domain.money import amount, round_hours
from oms_connector.domain.plans import Plan
from oms_connector.domain.prepaid import sales
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


def build_statement(
    plan: Plan,
    index: int,
    usage: Mapping[int, PeriodUsage],
    billed: Iterable[Line] = (),
    *,
    sales_from: int = 0,
) -> Statement | None:
    """Statement ``index``, issued on the start of period ``index``.

    Prepaid purchases are sold from statement ``sales_from`` on (``prepaid.sales``).

    ``usage`` holds the usage of periods before ``index`` (later ones are ignored);
    ``billed`` the lines of the statements already written for this plan. Returns
    ``None`` for a statement that is not always issued (see
    ``PlanCalendar.always_issued``) and has nothing to bill.
    """
    calendar = plan.calendar
    if index < calendar.first_statement:
        raise ValueError(
            f"plan {plan.id}: statement {calendar.statement_number(index)} is before "
            f"billing_starts_on ({calendar.statement_number(calendar.first_statement)})"
        )
    sold, other = _split(billed)
    lines: list[Line] = []
    covering = calendar.coverage(index)
    if covering is not None:
        lines.append(_subscription(plan, calendar.period(index), covering))
    sales_by_statement = sales(plan, sales_from)
    lines.extend(sales_by_statement.get(index, ()))
    if index >= 1:
        should = ledger(plan, usage, through=index - 1)
        lines.extend(should[index - 1])
        lines.extend(adjustments(should, other, before=index - 1))
    earlier_sales = [line for k, found in sales_by_statement.items() if k < index for line in found]
    if earlier_sales or sold:
        lines.extend(adjustments({0: earlier_sales}, sold, before=sys.maxsize))
    if not calendar.always_issued(index) and not _has_something_to_bill(lines):
        return None
    return Statement(
        number=calendar.statement_number(index),
        plan_id=plan.id,
        customer=plan.customer,
        index=index,
        billing_date=calendar.billing_date(index),
        currency=plan.currency,
        lines=tuple(lines),
    )


def _split(billed: Iterable[Line]) -> tuple[list[Line], list[Line]]:
    """The billed lines of prepaid sales (and their adjustments), and the others."""
    sold: list[Line] = []
    other: list[Line] = []
    for line in billed:
        (sold if line.billed_kind is LineKind.PREPAID else other).append(line)
    return sold, other


def _has_something_to_bill(lines: Sequence[Line]) -> bool:
    """A charged line, a sale or an adjustment; bank draws at 0.00 alone are not."""
    return any(
        line.amount or line.kind in (LineKind.ADJUSTMENT, LineKind.PREPAID) for line in lines
    )


def _subscription(plan: Plan, current: Period, covering: Coverage) -> Line:
    hours = round_hours(covering.seconds, plan.rounding_increment)
    return Line(
        kind=LineKind.SUBSCRIPTION,
        period_index=current.index,
        period_start=current.start_date,
        period_end=current.end_date,
        hours=hours,
        rate=covering.oms_rate,
        amount=amount(hours, covering.oms_rate),
        description=f"OMS plan {plan.id}: {hours} h for the period, billed in advance",
    )
