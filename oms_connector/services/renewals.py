"""Renewals: the agreements whose last term ends soon, and one reminder for each term.

A plan's last term ends where its own months end (``ends_on`` if sooner): the first
day that term no longer covers. Without ``auto_renew`` the agreement ends there; with
it, the term is carried on month by month, until ``ends_on`` when there is one, and
that ``ends_on`` is then the agreement's end. :func:`upcoming` answers, for one plan on
one of its local days, which of those ends falls within a number of days. Plans with
no terms (priority support only) have neither.

:class:`RenewalReminders` posts one message to the notification URL per plan and
term, the first time the term's end comes within ``alerts.renewal_reminder_days``.
An auto-renewing plan gets that one reminder for its last term (auto-renew carries
that term on, so its renewal months are no new terms); the agency adding a new last
term brings a new reminder before that term ends.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from oms_connector.domain.plans import Plan, Term
from oms_connector.services.alerts import Notifier
from oms_connector.services.jira_port import JsonValue
from oms_connector.services.ports import Clock, RenewalReminder, Store
from oms_connector.services.writeback import hours_text, rate_text

LOG = logging.getLogger(__name__)

DEFAULT_REMINDER_DAYS = 30


@dataclass(frozen=True)
class Renewal:
    """A plan's last term, and the day it stops covering, ``days_left`` days ahead."""

    plan: Plan
    term: Term
    ends_on: date
    """The first day the term no longer covers (a billing date)."""
    days_left: int
    renews: bool
    """Whether auto-renew carries the term on, month by month, past ``ends_on``."""

    @property
    def oms_rate(self) -> Decimal:
        return self.plan.oms_rate if self.term.oms_rate is None else self.term.oms_rate


def local_day(plan: Plan, now: datetime) -> date:
    """The date it is at ``now`` in the plan's timezone."""
    return now.astimezone(plan.timezone).date()


def upcoming(plan: Plan, day: date, within_days: int) -> Renewal | None:
    """The end of the plan's last term, or of its renewal, 0 to ``within_days`` days after ``day``.

    The last term's own end comes first; an auto-renewing plan whose ``ends_on`` lies
    beyond it is found again, as ending, when ``ends_on`` comes within the days.
    """
    standing = plan.calendar.standing(day)
    own_end = standing.last_term_ends
    if own_end is None:
        return None
    renews = standing.renews and (standing.ends is None or standing.ends > own_end)
    ends = [(own_end, renews)]
    if renews and standing.ends is not None:
        ends.append((standing.ends, False))
    for end, carries_on in ends:
        days_left = (end - day).days
        if 0 <= days_left <= within_days:
            return Renewal(plan, plan.terms[-1], end, days_left, carries_on)
    return None


def upcoming_renewals(
    plans: Iterable[Plan], within_days: int, day_of: Callable[[Plan], date]
) -> list[Renewal]:
    """:func:`upcoming` for each plan on its own day ``day_of(plan)``, soonest first."""
    found = [
        renewal
        for plan in plans
        if (renewal := upcoming(plan, day_of(plan), within_days)) is not None
    ]
    return sorted(found, key=lambda renewal: (renewal.ends_on, renewal.plan.id))


def after_text(renewal: Renewal) -> str:
    return "renews monthly on the same terms" if renewal.renews else "ends"


def reminder_text(renewal: Renewal) -> str:
    plan, term = renewal.plan, renewal.term
    days = {0: "today", 1: "tomorrow"}.get(renewal.days_left, f"in {renewal.days_left} days")
    then = "it then renews monthly on the same terms" if renewal.renews else "the agreement ends"
    return (
        f"Renewal: plan {plan.id} ({plan.customer}), its term from "
        f"{term.starts_on.isoformat()} ({hours_text(term.hours_per_month)} h a month at "
        f"{rate_text(renewal.oms_rate)} {plan.currency}/h) ends on "
        f"{renewal.ends_on.isoformat()}, {days}; {then}."
    )


def renewal_document(renewal: Renewal) -> dict[str, JsonValue]:
    """A renewal as JSON values (decimal strings, ISO dates): the command and the reminder."""
    plan, term = renewal.plan, renewal.term
    return {
        "plan_id": plan.id,
        "customer": plan.customer,
        "term": {
            "starts_on": term.starts_on.isoformat(),
            "hours_per_month": hours_text(term.hours_per_month),
            "oms_rate": rate_text(renewal.oms_rate),
        },
        "currency": plan.currency,
        "ends_on": renewal.ends_on.isoformat(),
        "renews": renewal.renews,
        "days_left": renewal.days_left,
    }


def reminder_message(renewal: Renewal) -> dict[str, JsonValue]:
    """The JSON posted to the notification URL (shaped like the budget alerts' messages)."""
    return {
        "event": "renewal_reminder",
        **renewal_document(renewal),
        "text": reminder_text(renewal),
    }


@dataclass(frozen=True)
class RemindersReport:
    sent: tuple[RenewalReminder, ...] = ()
    failed: tuple[RenewalReminder, ...] = ()
    """Not sent this pass: withdrawn, so the next pass tries again."""


class RenewalReminders:
    """Posts a renewal reminder once per plan and term, ``days`` days before its end.

    ``days`` 0, or no notifier, sends none.
    """

    def __init__(
        self,
        plans: Sequence[Plan],
        store: Store,
        clock: Clock,
        notifier: Notifier | None,
        days: int = DEFAULT_REMINDER_DAYS,
    ) -> None:
        if days < 0:
            raise ValueError(f"renewal reminder days must be 0 or more, got {days}")
        self._plans = [plan for plan in plans if plan.terms]
        self._store = store
        self._clock = clock
        self._notifier = notifier
        self._days = days

    def remind(self) -> RemindersReport:
        """Record, then send, the reminders due now; each once per plan and term.

        The records are committed before anything is posted, so that two workers, or a
        restart, never send one reminder twice, and no lock is held while the
        notification URL answers. A post that fails is logged and its record
        withdrawn: the next pass sends it again, and the other plans' reminders still go
        out. Recording first trades a rare lost reminder for never a routine repeated
        one: a worker killed between the commit and the post loses that reminder (the
        ``renewals`` command still lists the agreement); only a post that failed after
        the bridge took it (a timeout) is sent again.
        """
        notifier = self._notifier
        if notifier is None or self._days == 0:
            return RemindersReport()
        now = self._clock.now()
        due = upcoming_renewals(self._plans, self._days, lambda plan: local_day(plan, now))
        claimed = self._claim(due, now)
        sent, failed = [], []
        for renewal, reminder in claimed:
            try:
                notifier.notify(reminder_message(renewal))
            except Exception as error:  # one bridge failure must not hold up the other plans
                LOG.warning(  # the notifier's errors name the host only, never a token
                    "renewal reminder for plan %s not sent, retried next pass: %s",
                    reminder.plan_id,
                    error,
                )
                self._withdraw(reminder)
                failed.append(reminder)
            else:
                sent.append(reminder)
        return RemindersReport(tuple(sent), tuple(failed))

    def _claim(
        self, due: Sequence[Renewal], now: datetime
    ) -> list[tuple[Renewal, RenewalReminder]]:
        if not due:
            return []
        # A read first: on most passes every due reminder is recorded already, and a
        # read takes no write lock.
        with self._store.unit_of_work(read_only=True) as uow:
            recorded = {
                (reminder.plan_id, reminder.term_starts_on)
                for plan_id in {renewal.plan.id for renewal in due}
                for reminder in uow.renewal_reminders.recorded(plan_id)
            }
        pending = [r for r in due if (r.plan.id, r.term.starts_on) not in recorded]
        if not pending:
            return []
        with self._store.unit_of_work() as uow:
            claimed = [
                (renewal, reminder)
                for renewal in pending
                if uow.renewal_reminders.record(
                    reminder := RenewalReminder(renewal.plan.id, renewal.term.starts_on, now)
                )
            ]
            uow.commit()
        return claimed

    def _withdraw(self, reminder: RenewalReminder) -> None:
        try:
            with self._store.unit_of_work() as uow:
                uow.renewal_reminders.withdraw(reminder)
                uow.commit()
        except Exception:
            LOG.exception(
                "the renewal reminder for plan %s could not be withdrawn: it stays unsent",
                reminder.plan_id,
            )
