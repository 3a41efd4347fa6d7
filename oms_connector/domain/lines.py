"""Billing lines: one quantity at one rate, for one period, with what lies behind it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

ZERO = Decimal("0.00")


class LineKind(StrEnum):
    SUBSCRIPTION = "subscription"
    OVERAGE = "overage"
    PRIORITY = "priority"
    EXPIRED = "expired"
    PREPAID = "prepaid"
    """Prepaid priority hours sold."""
    ADJUSTMENT = "adjustment"


@dataclass(frozen=True)
class Line:
    kind: LineKind
    period_index: int
    period_start: date
    period_end: date
    """Exclusive: the start date of the next period."""
    hours: Decimal
    rate: Decimal
    amount: Decimal
    description: str
    issue_keys: tuple[str, ...] = ()
    worklog_ids: tuple[str, ...] = ()
    corrects: LineKind | None = None
    """For an adjustment, the kind of line it corrects."""

    @property
    def billed_kind(self) -> LineKind:
        return self.corrects or self.kind
