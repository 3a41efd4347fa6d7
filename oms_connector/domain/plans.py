"""An OMS plan as the billing rules see it: one enrolment date, a list of terms."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import cached_property
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from oms_connector.domain.money import DEFAULT_INCREMENT, hours_to_seconds

if TYPE_CHECKING:
    from oms_connector.domain.calendar import PlanCalendar

OMS_RATE = Decimal("35.00")
PRIORITY_RATE = Decimal("62.50")


@dataclass(frozen=True)
class BankPurchase:
    """Prepaid priority hours bought on a date; they never expire.

    ``price`` is what the client pays for them (``None``: the hours at the priority
    rate in force on the purchase date). ``invoice`` is false for a purchase invoiced
    outside the connector: its hours count, but no statement bills it.
    """

    purchased_on: date
    hours: Decimal
    price: Decimal | None = None
    invoice: bool = True

    @property
    def seconds(self) -> int:
        return hours_to_seconds(self.hours)


@dataclass(frozen=True)
class Term:
    """A run of ``term_months`` periods from the anniversary ``starts_on``.

    Rates left ``None`` are the plan's.
    """

    starts_on: date
    hours_per_month: Decimal
    term_months: int
    oms_rate: Decimal | None = None
    priority_rate: Decimal | None = None

    @property
    def seconds_per_month(self) -> int:
        return hours_to_seconds(self.hours_per_month)


@dataclass(frozen=True)
class Plan:
    """A client's agreement: its terms over time, on the enrolment date's schedule.

    A plan with no terms is priority support only. ``oms_rate`` and ``priority_rate``
    are what a term without rates of its own uses, and what every period no term
    covers bills its work at. ``billing_starts_on`` is the first statement the
    connector writes (``None``: the enrolment date).
    """

    id: str
    customer: str
    enrolled_on: date
    timezone: ZoneInfo
    terms: tuple[Term, ...] = ()
    auto_renew: bool = False
    ends_on: date | None = None
    billing_starts_on: date | None = None
    oms_rate: Decimal = OMS_RATE
    priority_rate: Decimal = PRIORITY_RATE
    currency: str = "USD"
    rounding_increment: Decimal = DEFAULT_INCREMENT
    priority_bank: tuple[BankPurchase, ...] = field(default=())
    overage_uses_priority_bank: bool = True
    jira_projects: tuple[str, ...] = field(default=())

    @cached_property
    def calendar(self) -> PlanCalendar:
        """The plan's periods, the term covering each, and its billing dates."""
        from oms_connector.domain.calendar import PlanCalendar  # noqa: PLC0415 - a cycle

        return PlanCalendar(self)


def single_term(
    *,
    hours_per_month: Decimal,
    term_months: int,
    enrolled_on: date,
    **plan: object,
) -> Plan:
    """The shorthand of one term from the enrolment date, with the plan's rates."""
    term = Term(starts_on=enrolled_on, hours_per_month=hours_per_month, term_months=term_months)
    return Plan(enrolled_on=enrolled_on, terms=(term,), **plan)  # type: ignore[arg-type]
