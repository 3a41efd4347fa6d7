"""Budget alerts: a plan's OMS hours crossing a threshold of the month, told once a period.

Thresholds are percentages of the period's included hours (80 and 100 by default,
per plan if configured). When a worklog brings the plan's OMS usage of the current
period to a threshold, the ticket that worklog belongs to gets a comment and, when a
notification URL is configured, a JSON message is posted there. Each channel fires
each threshold once per period: the store records it under a unique key before the
alert goes out, in the same transaction, so repeated or concurrent events never send
it twice. Several thresholds crossed by one worklog make one message (the highest),
and all of them are recorded.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Protocol

from oms_connector.domain.classification import WorkType
from oms_connector.domain.plans import Plan
from oms_connector.domain.worklogs import Worklog
from oms_connector.services.budget import Budget, load_budget
from oms_connector.services.jira_port import JsonValue
from oms_connector.services.ports import Clock, FiredAlert, Store, UnitOfWork
from oms_connector.services.writeback import hours_text, rate_text

DEFAULT_THRESHOLDS: tuple[int, ...] = (80, 100)


class Channel(StrEnum):
    COMMENT = "comment"
    NOTIFY = "notify"


class Notifier(Protocol):
    """Where alert messages are posted (a chat or e-mail bridge)."""

    def notify(self, message: Mapping[str, JsonValue]) -> None: ...


class Commenter(Protocol):
    def add_comment(self, issue: str, body: str | Mapping[str, JsonValue]) -> None: ...


@dataclass(frozen=True)
class AlertOptions:
    thresholds: tuple[int, ...] = DEFAULT_THRESHOLDS
    """Percentages of the month's hours, for plans without their own."""
    plan_thresholds: Mapping[str, tuple[int, ...]] = field(default_factory=dict)
    comment: bool = True

    def __post_init__(self) -> None:
        for where, values in [("alerts", self.thresholds), *self.plan_thresholds.items()]:
            bad = [v for v in values if not 0 < v <= 1000]
            if bad:
                raise ValueError(f"{where}: thresholds must be percentages above 0, got {bad}")

    def thresholds_of(self, plan_id: str) -> tuple[int, ...]:
        return tuple(sorted(set(self.plan_thresholds.get(plan_id, self.thresholds))))


def percent_used(budget: Budget) -> Decimal:
    """Used hours as a percentage of the included ones, to two decimals."""
    share = budget.percent_used() or Decimal(0)
    return share.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def crossed(budget: Budget, thresholds: Sequence[int]) -> list[int]:
    """The thresholds the period's OMS usage has reached (none without included hours)."""
    if budget.included_seconds == 0:
        return []
    return [t for t in thresholds if budget.used_seconds * 100 >= t * budget.included_seconds]


def alert_text(budget: Budget, threshold: int) -> str:
    plan = budget.plan
    percent = percent_used(budget).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    text = (
        f"Budget alert ({threshold} %): plan {plan.id} has used "
        f"{budget.hours(budget.used_seconds)} h of its {hours_text(budget.hours_per_month)} h "
        f"for the period until {budget.last_day.isoformat()} ({percent} %)"
    )
    if budget.remaining_seconds > 0:
        return f"{text}; {budget.hours(budget.remaining_seconds)} h left."
    return (
        f"{text}; no OMS hours left. Further OMS work is billed at the priority rate, "
        f"{rate_text(budget.priority_rate)} {plan.currency}/h."
    )


def alert_message(budget: Budget, threshold: int, issue_key: str) -> dict[str, JsonValue]:
    """The JSON posted to the notification URL."""
    plan = budget.plan
    return {
        "event": "budget_alert",
        "plan_id": plan.id,
        "customer": plan.customer,
        "threshold": threshold,
        "percent_used": str(percent_used(budget)),
        "issue_key": issue_key,
        **budget.summary(),
        "text": alert_text(budget, threshold),
    }


class AlertService:
    def __init__(
        self,
        store: Store,
        gateway: Commenter,
        plans: Sequence[Plan],
        clock: Clock,
        *,
        options: AlertOptions | None = None,
        notifier: Notifier | None = None,
    ) -> None:
        self._store = store
        self._gateway = gateway
        self._plan_of_project = {key: plan for plan in plans for key in plan.jira_projects}
        self._clock = clock
        self._options = options or AlertOptions()
        self._notifier = notifier

    def after_worklogs(self, worklogs: Iterable[Worklog]) -> list[FiredAlert]:
        """Fire what these stored worklogs made the budget of their current period cross."""
        fired: list[FiredAlert] = []
        for worklog in worklogs:
            if not worklog.deleted:
                fired.extend(self.after_worklog(worklog))
        return fired

    def after_worklog(self, worklog: Worklog) -> list[FiredAlert]:
        """Record, then send, the alerts this worklog's budget reached; each once a period.

        The records are committed before anything is sent, so no database lock is held
        while Jira or the notification URL answers; a send that fails withdraws its
        records (and raises), so the alert goes out on a later event.
        """
        now = self._clock.now()
        with self._store.unit_of_work() as uow:
            pending = self._claim(uow, worklog, now)
            uow.commit()
        fired: list[FiredAlert] = []
        for channel, budget, issue_id, alerts in pending:
            try:
                self._send(channel, budget, issue_id, alerts)
            except Exception:
                self._withdraw(alerts)
                raise
            fired.extend(alerts)
        return fired

    def _claim(
        self, uow: UnitOfWork, worklog: Worklog, now: datetime
    ) -> list[tuple[Channel, Budget, str, list[FiredAlert]]]:
        issue = uow.issues.get(worklog.issue_id)
        if issue is None or issue.deleted or issue.work_type is not WorkType.OMS:
            return []
        plan = self._plan_of_project.get(issue.snapshot.project_key)
        if plan is None:
            return []
        budget = load_budget(uow, plan, now)
        if not budget.period.contains(worklog.started):
            return []  # work in another period moved no threshold of this one
        reached = crossed(budget, self._options.thresholds_of(plan.id))
        pending = []
        for channel in self._channels():
            new = [
                alert
                for alert in self._alerts(budget, reached, channel, issue.snapshot.key, now)
                if uow.alerts.fire(alert)
            ]
            if new:
                pending.append((channel, budget, issue.snapshot.id, new))
        return pending

    def _channels(self) -> list[Channel]:
        channels = [Channel.COMMENT] if self._options.comment else []
        if self._notifier is not None:
            channels.append(Channel.NOTIFY)
        return channels

    @staticmethod
    def _alerts(
        budget: Budget, reached: Sequence[int], channel: Channel, issue_key: str, now: datetime
    ) -> list[FiredAlert]:
        return [
            FiredAlert(
                plan_id=budget.plan.id,
                period_index=budget.period.index,
                period_start=budget.period.start_date,
                threshold=threshold,
                channel=channel.value,
                issue_key=issue_key,
                fired_at=now,
            )
            for threshold in reached
        ]

    def _send(
        self, channel: Channel, budget: Budget, issue_id: str, alerts: Sequence[FiredAlert]
    ) -> None:
        highest = max(alert.threshold for alert in alerts)
        if channel is Channel.COMMENT:
            self._gateway.add_comment(issue_id, alert_text(budget, highest))
        elif self._notifier is not None:
            self._notifier.notify(alert_message(budget, highest, alerts[0].issue_key))

    def _withdraw(self, alerts: Sequence[FiredAlert]) -> None:
        with self._store.unit_of_work() as uow:
            for alert in alerts:
                uow.alerts.withdraw(alert)
            uow.commit()
