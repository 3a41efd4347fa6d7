"""A plan's calendar: its periods, the term covering each, its billing and close dates.

Every rule of time in the billing rules lives here: which period holds an instant,
which term covers a period (and so its hours and rates), when a statement is issued,
when a period closes, which statements are due, and when the agreement ends.
"""

from __future__ import annotations

import calendar as _months
from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import Decimal

from oms_connector.domain.plans import Plan, Term


def anniversary(enrolled_on: date, months: int) -> date:
    """The date ``months`` months after ``enrolled_on``, its day clamped to the month's end.

    Always counted from the enrolment date, so 01-31 gives 02-28 then 03-31, not 03-28.
    """
    month_index = enrolled_on.month - 1 + months
    year, month = enrolled_on.year + month_index // 12, month_index % 12 + 1
    day = min(enrolled_on.day, _months.monthrange(year, month)[1])
    return date(year, month, day)


@dataclass(frozen=True)
class Period:
    """Period ``index`` of a plan: ``[start, end)`` in the plan's local time."""

    index: int
    start_date: date
    end_date: date
    """Exclusive: the start date of the next period."""
    start: datetime
    end: datetime

    def contains(self, instant: datetime) -> bool:
        return self.start <= instant < self.end


@dataclass(frozen=True)
class Coverage:
    """The term covering one period, with the hours and rates it gives that period."""

    term_index: int
    """The term's position in the plan's list."""
    term: Term
    seconds: int
    """The period's OMS hours, in seconds."""
    oms_rate: Decimal
    priority_rate: Decimal
    renewed: bool
    """Covered by ``auto_renew``, past the term's own months."""

    @property
    def hours_per_month(self) -> Decimal:
        return self.term.hours_per_month


class PlanCalendar:
    """The time rules of one plan, computed once and kept (a plan never changes)."""

    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self._bounds: list[datetime] = []
        self._starts = [self.index_of_date(term.starts_on) for term in plan.terms]
        self._ends_at = None if plan.ends_on is None else self.index_of_date(plan.ends_on)
        self._coverage: dict[int, Coverage | None] = {}
        first = plan.billing_starts_on
        self.first_statement = 0 if first is None else max(0, self.index_of_date(first))
        """Index of the first statement the connector writes (``billing_starts_on``)."""

    # --- periods ----------------------------------------------------------------------

    def local_midnight(self, day: date) -> datetime:
        # Constructing the wall time with tzinfo resolves the offset of that very day,
        # so a DST change never moves a boundary off midnight.
        return datetime.combine(day, time(0), tzinfo=self.plan.timezone)

    def start_date(self, index: int) -> date:
        return anniversary(self.plan.enrolled_on, index)

    def period(self, index: int) -> Period:
        if index < 0:
            raise ValueError(f"period index must be 0 or more, got {index}")
        start_date, end_date = self.start_date(index), self.start_date(index + 1)
        return Period(
            index=index,
            start_date=start_date,
            end_date=end_date,
            start=self.local_midnight(start_date),
            end=self.local_midnight(end_date),
        )

    def bounds(self, count: int) -> list[datetime]:
        """UTC start instants of periods ``0 .. count - 1``."""
        self._extend_to(count)
        return self._bounds[:count]

    def _extend_to(self, count: int) -> None:
        while len(self._bounds) < count:
            day = self.start_date(len(self._bounds))
            self._bounds.append(self.local_midnight(day).astimezone(UTC))

    def index_at(self, instant: datetime) -> int:
        """Index of the period containing ``instant``; -1 before enrolment.

        Periods go on past every term (they carry no OMS hours there): the caller
        decides what a period outside the terms means.
        """
        if instant.tzinfo is None:
            raise ValueError("instant must be timezone-aware")
        self._extend_to(2)
        while instant >= self._bounds[-1]:
            self._extend_to(len(self._bounds) + 12)
        return bisect_right(self._bounds, instant) - 1

    def index_of_date(self, day: date) -> int:
        """Index of the period containing the local date ``day``; -1 before enrolment."""
        enrolled = self.plan.enrolled_on
        if day < enrolled:
            return -1
        months = (day.year - enrolled.year) * 12 + day.month - enrolled.month
        # The estimate is right or one too high (this month's anniversary may lie ahead).
        if anniversary(enrolled, months) > day:
            months -= 1
        return months

    def is_anniversary(self, day: date) -> bool:
        """Whether ``day`` is the start date of one of the plan's periods."""
        index = self.index_of_date(day)
        return index >= 0 and self.start_date(index) == day

    def nearest_anniversaries(self, day: date) -> tuple[date, ...]:
        """The billing dates on either side of ``day`` (one when it is before enrolment)."""
        index = self.index_of_date(day)
        if index < 0:
            return (self.plan.enrolled_on,)
        return self.start_date(index), self.start_date(index + 1)

    # --- terms ------------------------------------------------------------------------

    def coverage(self, index: int) -> Coverage | None:
        """The term covering period ``index``; ``None`` when no term does."""
        if index not in self._coverage:
            self._coverage[index] = self._covering(index)
        return self._coverage[index]

    def _covering(self, index: int) -> Coverage | None:
        if index < 0 or (self._ends_at is not None and index >= self._ends_at):
            return None
        position = bisect_right(self._starts, index) - 1
        if position < 0:
            return None
        term, start = self.plan.terms[position], self._starts[position]
        last = position == len(self._starts) - 1
        renewed = index >= start + term.term_months
        if renewed and not (last and self.plan.auto_renew):
            return None
        plan = self.plan
        return Coverage(
            term_index=position,
            term=term,
            seconds=term.seconds_per_month,
            oms_rate=plan.oms_rate if term.oms_rate is None else term.oms_rate,
            priority_rate=plan.priority_rate if term.priority_rate is None else term.priority_rate,
            renewed=renewed,
        )

    def covered(self, index: int) -> bool:
        return self.coverage(index) is not None

    def allotment(self, index: int) -> int:
        """The OMS hours of period ``index`` in seconds: none outside the terms."""
        covering = self.coverage(index)
        return 0 if covering is None else covering.seconds

    def priority_rate(self, index: int) -> Decimal:
        """The rate of priority work and overage in period ``index``."""
        covering = self.coverage(index)
        return self.plan.priority_rate if covering is None else covering.priority_rate

    def term_start(self, position: int) -> int:
        """The index of the first period of term ``position``."""
        return self._starts[position]

    def term_end(self, position: int) -> int:
        """The index of the first period after term ``position``'s own months."""
        return self._starts[position] + self.plan.terms[position].term_months

    def term_periods(self, position: int) -> tuple[int, int | None]:
        """The first and last periods term ``position`` covers (later terms replace it).

        The last is ``None`` while it renews without end; it is less than the first when
        a later term or ``ends_on`` leaves it nothing.
        """
        start = self._starts[position]
        renewing = position == len(self._starts) - 1 and self.plan.auto_renew
        if renewing and self._ends_at is None:
            return start, None
        last = self._last_of(position)
        return start, start - 1 if last is None else last

    def last_covered(self) -> int | None:
        """The last period any term covers; ``None`` without terms or when it renews on."""
        if not self._starts:
            return None
        if self.plan.auto_renew and self._ends_at is None:
            return None
        candidates = [
            index
            for position in range(len(self._starts))
            if (index := self._last_of(position)) is not None
        ]
        return max(candidates, default=None)

    def _last_of(self, position: int) -> int | None:
        """The last period term ``position`` covers (later terms replace it)."""
        end = self.term_end(position)
        if position < len(self._starts) - 1:
            end = min(end, self._starts[position + 1])
        elif self.plan.auto_renew:
            assert self._ends_at is not None  # last_covered checked it
            end = self._ends_at
        if self._ends_at is not None:
            end = min(end, self._ends_at)
        start = self._starts[position]
        return end - 1 if end > start else None

    def agreement_end(self) -> date | None:
        """The first day no term covers any more, for good.

        ``None`` while the agreement renews without end, and for a plan with no terms
        (priority support only).
        """
        last = self.last_covered()
        return None if last is None else self.start_date(last + 1)

    # --- statements -------------------------------------------------------------------

    def billing_date(self, index: int) -> date:
        """Statement ``index`` is issued on the start date of period ``index``."""
        return self.start_date(index)

    def statement_number(self, index: int) -> str:
        return f"{self.plan.id}-{self.billing_date(index):%Y%m%d}"

    def close_instant(self, index: int, grace_days: int) -> datetime:
        """When period ``index`` may close: its end plus the grace days, at local midnight."""
        end_day = self.start_date(index + 1)
        closes = self.local_midnight(date.fromordinal(end_day.toordinal() + grace_days))
        return closes.astimezone(UTC)

    def due_at(self, index: int, grace_days: int) -> datetime:
        """When statement ``index`` falls due: the enrolment for 0, else the close before it."""
        if index == 0:
            return self.local_midnight(self.plan.enrolled_on)
        return self.close_instant(index - 1, grace_days)

    def due(self, now: datetime, grace_days: int) -> Iterator[int]:
        """Indexes of the statements due at ``now``, in order, from ``billing_starts_on``."""
        index = self.first_statement
        while self.due_at(index, grace_days) <= now:
            yield index
            index += 1

    def always_issued(self, index: int) -> bool:
        """Whether statement ``index`` is written even with nothing to bill.

        A statement is when it carries a subscription (its period is covered) or the
        last arrears of a covered period (the final statement of a term); any other is
        written only when it has something to bill, and settled as skipped otherwise.
        """
        return self.covered(index) or (index >= 1 and self.covered(index - 1))

    def first_billed_period(self) -> int:
        """The first period whose work the connector bills.

        Statement ``first_statement`` bills the arrears of the period before it; work
        before that period was billed by other means.
        """
        return max(0, self.first_statement - 1)

    def purchase_statement(self, purchased_on: date) -> int:
        """The first statement whose billing date is on or after ``purchased_on``."""
        index = self.index_of_date(purchased_on)
        if index < 0:
            return 0
        return index if self.start_date(index) == purchased_on else index + 1

    # --- the agreement ----------------------------------------------------------------

    def standing(self, day: date) -> Standing:
        """Where the agreement stands on the local date ``day``."""
        index = self.index_of_date(day)
        last = len(self._starts) - 1
        return Standing(
            day=day,
            period_index=index,
            coverage=self.coverage(index),
            next_billing=self.start_date(index + 1) if index >= 0 else self.plan.enrolled_on,
            last_term_ends=None if last < 0 else self.start_date(self._last_of_own(last)),
            renews=self.plan.auto_renew and bool(self._starts),
            ends=self.agreement_end(),
        )

    def _last_of_own(self, position: int) -> int:
        """The end of term ``position``'s own months, cut short by ``ends_on``."""
        end = self.term_end(position)
        return end if self._ends_at is None else min(end, self._ends_at)


@dataclass(frozen=True)
class Standing:
    """A plan's agreement on one day: its term, its next bill, its end or renewal."""

    day: date
    period_index: int
    """-1 before enrolment."""
    coverage: Coverage | None
    """The term covering the day's period; ``None`` when none does."""
    next_billing: date
    last_term_ends: date | None
    """Where the last term's own months end (``ends_on`` if sooner); ``None`` without terms."""
    renews: bool
    """Whether ``auto_renew`` carries the last term on past its end."""
    ends: date | None
    """The first day no term covers any more; ``None`` while it renews without end."""
