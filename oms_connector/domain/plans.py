"""An OMS plan as the billing rules see it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from zoneinfo import ZoneInfo

from oms_connector.domain.money import DEFAULT_INCREMENT, hours_to_seconds

OMS_RATE = Decimal("35.00")
PRIORITY_RATE = Decimal("62.50")


@dataclass(frozen=True)
class BankPurchase:
    """Prepaid priority hours bought on a date; they never expire."""

    purchased_on: date
    hours: Decimal

    @property
    def seconds(self) -> int:
        return hours_to_seconds(self.hours)


@dataclass(frozen=True)
class Plan:
    id: str
    customer: str
    hours_per_month: Decimal
    term_months: int
    enrolled_on: date
    timezone: ZoneInfo
    auto_renew: bool = False
    oms_rate: Decimal = OMS_RATE
    priority_rate: Decimal = PRIORITY_RATE
    currency: str = "USD"
    rounding_increment: Decimal = DEFAULT_INCREMENT
    priority_bank: tuple[BankPurchase, ...] = field(default=())
    overage_uses_priority_bank: bool = True
    jira_projects: tuple[str, ...] = field(default=())

    @property
    def seconds_per_month(self) -> int:
        return hours_to_seconds(self.hours_per_month)

    def in_term(self, index: int) -> bool:
        """Whether period ``index`` carries OMS hours (and a subscription)."""
        return index >= 0 and (self.auto_renew or index < self.term_months)
