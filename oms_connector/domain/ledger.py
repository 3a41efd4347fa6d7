"""What each period should bill in arrears, with the prepaid priority bank carried along.

Billing is computed, never accumulated: the lines of a period are derived from the
usage of every period up to it, so the same facts always give the same lines.
Statements are assembled from these lines by ``statements.build_statement``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from oms_connector.domain.calendar import Period
from oms_connector.domain.lines import ZERO, Line, LineKind
from oms_connector.domain.money import amount, round_hours
from oms_connector.domain.plans import Plan
from oms_connector.domain.usage import Bucket, PeriodUsage

OUTSIDE_THE_TERM = "OMS-classified work outside the plan's term, billed as priority support"


class _Bank:
    """The prepaid priority hours, drawn in period order; purchases never expire."""

    def __init__(self, plan: Plan) -> None:
        self._pending = sorted(plan.priority_bank, key=lambda purchase: purchase.purchased_on)
        self.seconds = 0

    def top_up(self, until: date) -> None:
        """Add the purchases made before ``until`` (a period's exclusive end)."""
        while self._pending and self._pending[0].purchased_on < until:
            self.seconds += self._pending.pop(0).seconds

    def draw(self, wanted: int) -> int:
        drawn = min(self.seconds, wanted)
        self.seconds -= drawn
        return drawn


@dataclass(frozen=True)
class PeriodTotals:
    """The section 4 quantities of one period, in seconds."""

    allotment: int
    oms_used: int
    included: int
    overage: int
    expired: int
    priority: int
    """Priority work plus OMS-classified work outside the term."""


def period_totals(plan: Plan, used: PeriodUsage) -> PeriodTotals:
    allotment = plan.calendar.allotment(used.index)
    oms_used = used.oms.seconds
    return PeriodTotals(
        allotment=allotment,
        oms_used=oms_used,
        included=min(oms_used, allotment),
        overage=max(0, oms_used - allotment),
        expired=max(0, allotment - oms_used),
        priority=used.priority.seconds + used.out_of_term.seconds,
    )


def ledger(plan: Plan, usage: Mapping[int, PeriodUsage], through: int) -> dict[int, list[Line]]:
    """The arrears lines that each period billed, up to ``through``, should carry.

    Periods are computed in order because the prepaid bank carries from one to the
    next: within a period it pays priority work first, then out-of-term work, then
    the overage (unless the plan keeps the bank for priority work only). Periods
    before the first one the connector bills (``billing_starts_on``) have no lines.
    """
    return _walk(plan, usage, through)[0]


def bank_balance_after(plan: Plan, usage: Mapping[int, PeriodUsage], index: int) -> int:
    """Seconds left in the prepaid bank once period ``index``'s usage so far is drawn."""
    return _walk(plan, usage, index)[1].seconds


def _walk(
    plan: Plan, usage: Mapping[int, PeriodUsage], through: int
) -> tuple[dict[int, list[Line]], _Bank]:
    bank = _Bank(plan)
    calendar = plan.calendar
    result: dict[int, list[Line]] = {}
    for index in range(calendar.first_billed_period(), through + 1):
        current = calendar.period(index)
        bank.top_up(current.end_date)
        result[index] = _arrears(plan, current, usage.get(index, PeriodUsage(index)), bank)
    return result, bank


def _arrears(plan: Plan, current: Period, used: PeriodUsage, bank: _Bank) -> list[Line]:
    totals = period_totals(plan, used)
    overage_bank = bank if plan.overage_uses_priority_bank else None
    priority = _charged(
        plan,
        current,
        kind=LineKind.PRIORITY,
        bucket=used.priority,
        seconds=used.priority.seconds,
        bank=bank,
        description="Priority support",
    )
    outside = _charged(
        plan,
        current,
        kind=LineKind.PRIORITY,
        bucket=used.out_of_term,
        seconds=used.out_of_term.seconds,
        bank=bank,
        description=OUTSIDE_THE_TERM,
    )
    beyond = _charged(
        plan,
        current,
        kind=LineKind.OVERAGE,
        bucket=used.oms,
        seconds=totals.overage,
        bank=overage_bank,
        description=f"OMS work beyond the {round_hours(totals.allotment)} h of the period",
    )
    lines = beyond + priority + outside
    if plan.calendar.covered(current.index):
        lines.append(_expired(plan, current, totals.expired))
    return lines


def _charged(
    plan: Plan,
    current: Period,
    *,
    kind: LineKind,
    bucket: Bucket,
    seconds: int,
    bank: _Bank | None,
    description: str,
) -> list[Line]:
    drawn = bank.draw(seconds) if bank is not None else 0
    parts = [
        (drawn, ZERO, f"{description}, drawn from the prepaid priority bank"),
        (seconds - drawn, plan.calendar.priority_rate(current.index), description),
    ]
    lines = []
    for part_seconds, rate, text in parts:
        if part_seconds <= 0:
            continue
        hours = round_hours(part_seconds, plan.rounding_increment)
        lines.append(
            Line(
                kind=kind,
                period_index=current.index,
                period_start=current.start_date,
                period_end=current.end_date,
                hours=hours,
                rate=rate,
                amount=amount(hours, rate),
                description=text,
                # Already sorted tuples (see Bucket): shared by the lines, not copied.
                issue_keys=bucket.issue_keys,
                worklog_ids=bucket.worklog_ids,
            )
        )
    return lines


def _expired(plan: Plan, current: Period, seconds: int) -> Line:
    return Line(
        kind=LineKind.EXPIRED,
        period_index=current.index,
        period_start=current.start_date,
        period_end=current.end_date,
        hours=round_hours(seconds, plan.rounding_increment),
        rate=ZERO,
        amount=ZERO,
        description="Unused OMS hours of the period, expired (not charged)",
    )
