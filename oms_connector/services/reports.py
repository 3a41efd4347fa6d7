"""What the statement pages and the exports show: closed statements and the figures behind them.

Figures are computed by the domain from the stored worklogs (``period_totals``,
``bank_balance_after``), never summed from SQL: a statement page shows the usage of
the period it bills in arrears, the prepaid bank left after it, and what the OMS
hours saved against the priority rate. The lines are the statement's own, as written.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from oms_connector.domain.calendar import Coverage, Standing
from oms_connector.domain.ledger import bank_balance_after, period_totals
from oms_connector.domain.money import amount, round_hours
from oms_connector.domain.plans import Plan
from oms_connector.domain.statements import Statement
from oms_connector.domain.usage import PeriodUsage, usage_by_period
from oms_connector.services.ports import Clock, Store, UnitOfWork

_NUMBER = re.compile(r"(?P<plan>[A-Za-z0-9][A-Za-z0-9_-]{0,63})-(?P<day>[0-9]{8})")


class UnknownStatementError(LookupError):
    """No statement with this number (or not a statement number at all)."""


@dataclass(frozen=True)
class PeriodHours:
    """One period's hours, rounded as lines are."""

    index: int
    start: date
    end: date
    """Exclusive."""
    allotment: Decimal
    oms_used: Decimal
    included: Decimal
    overage: Decimal
    expired: Decimal
    priority: Decimal

    @property
    def last_day(self) -> date:
        return date.fromordinal(self.end.toordinal() - 1)

    @property
    def hours_left(self) -> Decimal:
        return self.allotment - self.included


@dataclass(frozen=True)
class Saving:
    """The OMS hours used within the plan, at the OMS rate and at the priority rate."""

    hours: Decimal
    oms_rate: Decimal
    priority_rate: Decimal

    @property
    def at_oms_rate(self) -> Decimal:
        return amount(self.hours, self.oms_rate)

    @property
    def at_priority_rate(self) -> Decimal:
        return amount(self.hours, self.priority_rate)

    @property
    def saved(self) -> Decimal:
        return self.at_priority_rate - self.at_oms_rate


@dataclass(frozen=True)
class StatementView:
    statement: Statement
    plan: Plan | None
    """``None`` when the plan is no longer configured: the lines are shown alone."""
    usage: PeriodHours | None
    """The period billed in arrears (the one before the statement's); none on the first."""
    bank_hours: Decimal | None
    """Prepaid priority hours left after that period; ``None`` without a bank."""
    saving: Saving | None
    history: tuple[PeriodHours, ...]
    """Every period up to the one billed in arrears, for the chart."""
    coverage: Coverage | None = None
    """The term covering the statement's own period (its subscription)."""


@dataclass(frozen=True)
class PlanView:
    plan: Plan
    today: date
    """Today in the plan's time zone."""
    current: PeriodHours | None
    """The period containing today; ``None`` before enrolment."""
    in_term: bool
    bank_hours: Decimal | None
    statements: tuple[Statement, ...]
    standing: Standing
    """The current term, the next billing date, the agreement's end or renewal."""
    held: int = 0
    """Worklogs of the plan held in quarantine (not plausible, not counted)."""


class StatementReports:
    def __init__(self, store: Store, plans: Sequence[Plan], clock: Clock) -> None:
        self._store = store
        self._plans: Mapping[str, Plan] = {plan.id: plan for plan in plans}
        self._clock = clock

    def statements(
        self,
        plan_id: str | None = None,
        since: date | None = None,
        until: date | None = None,
    ) -> list[Statement]:
        """Closed statements billed from ``since`` to ``until`` (both included), in order."""
        with self._store.unit_of_work() as uow:
            found = uow.statements.list(plan_id)
        return sorted(
            (
                s
                for s in found
                if (since is None or s.billing_date >= since)
                and (until is None or s.billing_date <= until)
            ),
            key=_order,
        )

    def statement(self, number: str) -> StatementView:
        match = _NUMBER.fullmatch(number)
        if match is None:
            raise UnknownStatementError(f"{number!r} is not a statement number")
        plan_id = match["plan"]
        with self._store.unit_of_work() as uow:
            found = [s for s in uow.statements.list(plan_id) if s.number == number]
            plan = self._plans.get(plan_id)
            usage = _usage(uow, plan)
        if not found:
            raise UnknownStatementError(f"no statement {number}")
        return statement_view(found[0], plan, usage)

    def plans(self) -> list[PlanView]:
        now = self._clock.now()
        with self._store.unit_of_work() as uow:
            written = uow.statements.list(None)
            usages = {plan.id: _usage(uow, plan) for plan in self._plans.values()}
            held = uow.quarantine.counts()
        views = []
        for plan in self._plans.values():
            today = now.astimezone(plan.timezone).date()
            standing = plan.calendar.standing(today)
            index = standing.period_index
            own = tuple(sorted((s for s in written if s.plan_id == plan.id), key=_order))
            usage = usages[plan.id]
            views.append(
                PlanView(
                    plan=plan,
                    today=today,
                    current=period_hours(plan, usage, index) if index >= 0 else None,
                    in_term=standing.coverage is not None,
                    bank_hours=_bank(plan, usage, index) if index >= 0 else None,
                    statements=own,
                    standing=standing,
                    held=sum(held.get(key, 0) for key in plan.jira_projects),
                )
            )
        return views


def _usage(uow: UnitOfWork, plan: Plan | None) -> dict[int, PeriodUsage]:
    if plan is None:
        return {}
    return usage_by_period(plan, uow.worklogs.logged_work(plan.jira_projects))


def _order(statement: Statement) -> tuple[date, str]:
    return statement.billing_date, statement.number


def period_hours(plan: Plan, usage: Mapping[int, PeriodUsage], index: int) -> PeriodHours:
    totals = period_totals(plan, usage.get(index, PeriodUsage(index)))
    current = plan.calendar.period(index)

    def hours(seconds: int) -> Decimal:
        return round_hours(seconds, plan.rounding_increment)

    return PeriodHours(
        index=index,
        start=current.start_date,
        end=current.end_date,
        allotment=hours(totals.allotment),
        oms_used=hours(totals.oms_used),
        included=hours(totals.included),
        overage=hours(totals.overage),
        expired=hours(totals.expired),
        priority=hours(totals.priority),
    )


def _bank(plan: Plan, usage: Mapping[int, PeriodUsage], index: int) -> Decimal | None:
    if not plan.priority_bank:
        return None
    return round_hours(bank_balance_after(plan, usage, index), plan.rounding_increment)


def statement_view(
    statement: Statement, plan: Plan | None, usage: Mapping[int, PeriodUsage]
) -> StatementView:
    """The figures of ``statement``: those of the period it bills in arrears."""
    if plan is None:
        return StatementView(statement, plan, None, None, None, ())
    calendar = plan.calendar
    coverage = calendar.coverage(statement.index)
    if statement.index == 0:
        return StatementView(statement, plan, None, None, None, (), coverage)
    billed = statement.index - 1
    first = calendar.first_billed_period()
    history = tuple(period_hours(plan, usage, index) for index in range(first, billed + 1))
    arrears = history[-1]
    billed_coverage = calendar.coverage(billed)
    saving = None
    if billed_coverage is not None:
        saving = Saving(arrears.included, billed_coverage.oms_rate, billed_coverage.priority_rate)
    return StatementView(
        statement=statement,
        plan=plan,
        usage=arrears,
        bank_hours=_bank(plan, usage, billed),
        saving=saving,
        history=history,
        coverage=coverage,
    )
