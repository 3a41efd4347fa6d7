"""Deferral advice: which open planned work fits the hours left, and what to move."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from oms_connector.domain.money import amount, round_hours


@dataclass(frozen=True)
class PlannedTicket:
    key: str
    remaining_seconds: int | None
    """The remaining estimate; ``None`` when the ticket has none."""


@dataclass(frozen=True)
class Split:
    key: str
    now_seconds: int
    next_seconds: int


@dataclass(frozen=True)
class Advice:
    left_seconds: int
    fits: tuple[PlannedTicket, ...]
    split: Split | None
    deferred: tuple[PlannedTicket, ...]
    unestimated: tuple[str, ...]
    overage_seconds: int
    """The overage if nothing were deferred."""
    overage_hours: Decimal
    overage_cost: Decimal

    @property
    def needs_deferral(self) -> bool:
        return self.overage_seconds > 0


def advise(
    tickets: Iterable[PlannedTicket],
    left_seconds: int,
    priority_rate: Decimal,
    increment: Decimal = Decimal("0.01"),
) -> Advice:
    """Walk the open planned tickets in rank order against the OMS hours left.

    Tickets fit while the hours last; the first that does not fit whole is split
    between this period and the next, and the rest move to the next period. Rank
    order is kept: a smaller ticket further down never jumps the queue. Tickets
    without an estimate cannot be planned and are listed apart.
    """
    available = max(0, left_seconds)
    fits: list[PlannedTicket] = []
    deferred: list[PlannedTicket] = []
    unestimated: list[str] = []
    split: Split | None = None
    total = 0
    for ticket in tickets:
        if ticket.remaining_seconds is None:
            unestimated.append(ticket.key)
            continue
        needed = ticket.remaining_seconds
        if needed < 0:
            raise ValueError(f"{ticket.key}: remaining estimate must not be negative")
        total += needed
        if split is None and not deferred and needed <= available:
            fits.append(ticket)
            available -= needed
        elif split is None and not deferred and available > 0:
            split = Split(ticket.key, available, needed - available)
            available = 0
        else:
            deferred.append(ticket)
    overage = max(0, total - max(0, left_seconds))
    hours = round_hours(overage, increment)
    return Advice(
        left_seconds=left_seconds,
        fits=tuple(fits),
        split=split,
        deferred=tuple(deferred),
        unestimated=tuple(unestimated),
        overage_seconds=overage,
        overage_hours=hours,
        overage_cost=amount(hours, priority_rate),
    )
