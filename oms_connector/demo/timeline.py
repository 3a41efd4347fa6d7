"""The story in time order: tickets opened, work logged, periods closed, a sync pass."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from oms_connector.demo.scenario import RECOVERY_SYNC_AT, TICKETS, WORK, Ticket, WorkEntry
from oms_connector.domain.plans import Plan

STATEMENTS_PER_PLAN = 4
"""Statement 0 (the first subscription) and the three that bill the demo's three months."""


@dataclass(frozen=True)
class OpenTicket:
    at: datetime
    ticket: Ticket


@dataclass(frozen=True)
class LogWork:
    at: datetime
    entry: WorkEntry


@dataclass(frozen=True)
class Close:
    at: datetime
    as_of: date


@dataclass(frozen=True)
class Sync:
    at: datetime


Event = OpenTicket | LogWork | Close | Sync
_RANK = {OpenTicket: 0, LogWork: 1, Sync: 2, Close: 3}


def close_dates(plans: Sequence[Plan], grace_days: int) -> dict[date, datetime]:
    """Each day a statement falls due, with the earliest instant it is due at.

    Statement 0 is due on the enrolment date, statement k once period k - 1 has ended
    and the grace days have passed.
    """
    due: dict[date, datetime] = {}
    for plan in plans:
        calendar = plan.calendar
        for index in range(STATEMENTS_PER_PLAN):
            at = calendar.due_at(index, grace_days).astimezone(plan.timezone)
            day = at.date()
            due[day] = min(due.get(day, at), at)
    return due


def timeline(plans: Sequence[Plan], grace_days: int) -> list[Event]:
    events: list[Event] = [OpenTicket(ticket.opened, ticket) for ticket in TICKETS]
    events += [LogWork(entry.logged_at, entry) for entry in WORK]
    events += [Close(at, day) for day, at in close_dates(plans, grace_days).items()]
    events.append(Sync(RECOVERY_SYNC_AT))
    return sorted(events, key=lambda event: (event.at, _RANK[type(event)]))
