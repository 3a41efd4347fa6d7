"""Anniversary periods: local midnight of the enrolment day, clamped to short months."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from oms_connector.domain.plans import Plan


def anniversary(enrolled_on: date, months: int) -> date:
    """The date ``months`` months after ``enrolled_on``, its day clamped to the month's end.

    Always counted from the enrolment date, so 01-31 gives 02-28 then 03-31, not 03-28.
    """
    month_index = enrolled_on.month - 1 + months
    year, month = enrolled_on.year + month_index // 12, month_index % 12 + 1
    day = min(enrolled_on.day, calendar.monthrange(year, month)[1])
    return date(year, month, day)


@dataclass(frozen=True)
class Period:
    """Period ``index`` of a plan: ``[start, end)`` in the plan's local time."""

    index: int
    start_date: date
    end_date: date
    start: datetime
    end: datetime

    def contains(self, instant: datetime) -> bool:
        return self.start <= instant < self.end


def local_midnight(plan: Plan, day: date) -> datetime:
    # Constructing the wall time with tzinfo resolves the offset of that very day,
    # so a DST change never moves a boundary off midnight.
    return datetime.combine(day, time(0), tzinfo=plan.timezone)


def period(plan: Plan, index: int) -> Period:
    if index < 0:
        raise ValueError(f"period index must be 0 or more, got {index}")
    start_date = anniversary(plan.enrolled_on, index)
    end_date = anniversary(plan.enrolled_on, index + 1)
    return Period(
        index=index,
        start_date=start_date,
        end_date=end_date,
        start=local_midnight(plan, start_date),
        end=local_midnight(plan, end_date),
    )


def term_periods(plan: Plan) -> list[Period]:
    """The periods of the plan's term (without renewal)."""
    return [period(plan, k) for k in range(plan.term_months)]


def period_index_at(plan: Plan, instant: datetime) -> int:
    """Index of the period containing ``instant``; -1 before enrolment.

    Periods go on past the term (they carry no OMS hours there): the caller decides
    what a period outside the term means.
    """
    if instant.tzinfo is None:
        raise ValueError("instant must be timezone-aware")
    local_day = instant.astimezone(plan.timezone).date()
    if local_day < plan.enrolled_on:
        return -1
    months = (
        (local_day.year - plan.enrolled_on.year) * 12 + local_day.month - plan.enrolled_on.month
    )
    # The estimate is right or one too high (the anniversary of this month may lie ahead).
    if anniversary(plan.enrolled_on, months) > local_day:
        months -= 1
    return months


def billing_date(plan: Plan, index: int) -> date:
    """Statement ``index`` is issued on the start date of period ``index``."""
    return anniversary(plan.enrolled_on, index)


def close_instant(plan: Plan, index: int, grace_days: int) -> datetime:
    """When period ``index`` may close: its end plus the grace days, at local midnight."""
    end_day = anniversary(plan.enrolled_on, index + 1)
    closes = local_midnight(plan, date.fromordinal(end_day.toordinal() + grace_days))
    return closes.astimezone(UTC)
