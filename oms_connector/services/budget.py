"""A plan's OMS budget in the period containing an instant: what Jira tickets are shown.

Write-back, budget alerts and deferral advice all read the same figures: the hours
the period includes, the OMS hours used so far, and what is left, in exact seconds.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from oms_connector.domain.calendar import Coverage, Period
from oms_connector.domain.money import CENT, round_hours
from oms_connector.domain.plans import Plan
from oms_connector.domain.usage import PeriodUsage, usage_by_period
from oms_connector.services.jira_port import JsonValue
from oms_connector.services.ports import UnitOfWork


@dataclass(frozen=True)
class Budget:
    plan: Plan
    period: Period
    included_seconds: int
    """The period's OMS hours: its term's monthly hours, none when no term covers it."""
    used_seconds: int
    """OMS work logged in the period."""

    @property
    def coverage(self) -> Coverage | None:
        return self.plan.calendar.coverage(self.period.index)

    @property
    def priority_rate(self) -> Decimal:
        return self.plan.calendar.priority_rate(self.period.index)

    @property
    def hours_per_month(self) -> Decimal:
        """The covering term's monthly hours; 0 when no term covers the period."""
        covering = self.coverage
        return Decimal(0) if covering is None else covering.hours_per_month

    @property
    def oms_rate(self) -> Decimal:
        covering = self.coverage
        return self.plan.oms_rate if covering is None else covering.oms_rate

    @property
    def remaining_seconds(self) -> int:
        return max(0, self.included_seconds - self.used_seconds)

    @property
    def in_term(self) -> bool:
        return self.coverage is not None

    @property
    def last_day(self) -> date:
        """The period's last day (its exclusive end is the next day's local midnight)."""
        return self.period.end_date - timedelta(days=1)

    def hours(self, seconds: int) -> Decimal:
        return round_hours(seconds, self.plan.rounding_increment)

    def summary(self) -> dict[str, JsonValue]:
        """The period, its hours and the plan's rates as JSON values (decimal strings).

        ``period.end`` is exclusive, as in the statement JSON. Write-back and alerts both
        send it, so a ticket's property and a notification read alike.
        """
        plan = self.plan
        return {
            "period": {
                "start": self.period.start_date.isoformat(),
                "end": self.period.end_date.isoformat(),
            },
            "hours": {
                "included": str(self.hours(self.included_seconds)),
                "used": str(self.hours(self.used_seconds)),
                "remaining": str(self.hours(self.remaining_seconds)),
            },
            "rates": {
                "oms": str(self.oms_rate.quantize(CENT)),
                "priority": str(self.priority_rate.quantize(CENT)),
            },
            "currency": plan.currency,
        }

    def percent_used(self) -> Decimal | None:
        """OMS hours used as a share of the included hours; ``None`` when none are included."""
        if self.included_seconds == 0:
            return None
        return Decimal(self.used_seconds * 100) / Decimal(self.included_seconds)


def budget_at(plan: Plan, usage: Mapping[int, PeriodUsage], instant: datetime) -> Budget:
    """The budget of the period containing ``instant`` (period 0 before the enrolment)."""
    calendar = plan.calendar
    index = max(0, calendar.index_at(instant))
    used = usage.get(index, PeriodUsage(index))
    return Budget(
        plan=plan,
        period=calendar.period(index),
        included_seconds=calendar.allotment(index),
        used_seconds=used.oms.seconds,
    )


def load_budget(uow: UnitOfWork, plan: Plan, instant: datetime) -> Budget:
    """The budget at ``instant``, recomputed from the stored worklogs (never accumulated)."""
    usage = usage_by_period(plan, uow.worklogs.logged_work(plan.jira_projects))
    return budget_at(plan, usage, instant)
