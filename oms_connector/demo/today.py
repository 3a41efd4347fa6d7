"""The demo's last act, on today's date: what people see inside Jira, whatever path a ticket took.

The connector runs on the real clock, so the budget it writes to tickets is the one of
today's period. acme renews itself (``auto_renew``), so today is in its term, 20 h a
month. The sandbox clock moves to now and two tickets are worked:

- ``ACME-5`` arrives by webhook, as usual: label, properties and budget follow at once;
- ``ACME-6``'s webhooks are lost, so the connector learns of it only from a sync pass,
  which writes it back all the same (label, classification, budget) and fires the
  80 % budget alert its 15 hours crossed; the budget on ``ACME-5`` changes with them.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from oms_connector.demo.sandbox_client import DemoError, SandboxClient
from oms_connector.demo.scenario import Drill, Ticket, WorkEntry, hours
from oms_connector.domain.plans import Plan
from oms_connector.services.ports import Clock

PLAN_ID = "acme"
PROPERTY_KEY = "oms-connector"
BUDGET_KEY = "oms-connector-budget"
BUDGET_TIMEOUT_SECONDS = 20.0
POLL_SECONDS = 0.1
BY_WEBHOOK = "ACME-5"
BY_SYNC = "ACME-6"


@dataclass(frozen=True)
class Stage:
    """What the act uses of the running demo."""

    sandbox: SandboxClient
    say: Callable[[str], None]
    command: Callable[..., None]
    settle: Callable[[], None]


def play_today(stage: Stage, plans: list[Plan], clock: Clock) -> None:
    """Jira's clock is set to now: the sync pass finds work logged a moment ago (Jira's
    worklog feed leaves out the last minute; the connector reads those issues directly)."""
    plan = next(plan for plan in plans if plan.id == PLAN_ID)
    now = clock.now()
    period = plan.calendar.period(plan.calendar.index_at(now))
    begin = max(period.start + timedelta(hours=1), now - timedelta(hours=18))
    stage.sandbox.move_clock(now)
    last_day = period.end_date - timedelta(days=1)
    stage.say(
        f"\nToday, {now.astimezone(plan.timezone):%Y-%m-%d %H:%M %Z}: acme has renewed itself "
        f"(auto_renew); its period runs from {period.start_date} to {last_day}."
    )
    _by_webhook(stage, begin)
    _by_sync(stage, begin + timedelta(hours=2))


def _by_webhook(stage: Stage, begin: datetime) -> None:
    ticket = Ticket(BY_WEBHOOK, "Holiday sale banner", begin, issue_type="Story")
    stage.sandbox.create_issue(ticket)
    stage.sandbox.log_work(WorkEntry(BY_WEBHOOK, begin, hours(2), "Banner design"))
    stage.say(f"{BY_WEBHOOK} opened: {ticket.summary}; 2h00m logged. Its webhooks arrive.")
    stage.settle()
    budget = _wait_for_budget(stage.sandbox, BY_WEBHOOK, used="2.00")
    _show_ticket(stage, BY_WEBHOOK)
    stage.say(f"  budget:   {_budget_text(budget)}")


def _by_sync(stage: Stage, begin: datetime) -> None:
    ticket = Ticket(BY_SYNC, "Gift card landing page", begin, issue_type="Story")
    stage.sandbox.drill(Drill.DROP, count=2)
    stage.sandbox.create_issue(ticket)
    stage.sandbox.log_work(WorkEntry(BY_SYNC, begin, hours(15), "Page build"))
    stage.settle()
    labels = stage.sandbox.labels(BY_SYNC)
    stage.say(
        f"\n{BY_SYNC} opened: {ticket.summary}; 15h00m logged. Both webhooks are lost: "
        f"the connector has not written to it (labels {labels})."
    )
    stage.command("sync", "--once")
    stage.settle()
    stage.say(f"\n{BY_SYNC}, learned by the sync pass only:")
    _show_ticket(stage, BY_SYNC)
    stage.say(f"  budget:   {_budget_text(_budget(stage.sandbox, BY_SYNC))}")
    for text in stage.sandbox.comment_texts(BY_SYNC):
        stage.say(f"  comment:  {text}")
    budget = _budget(stage.sandbox, BY_WEBHOOK)
    if budget["hours"]["used"] != "17.00":
        raise DemoError(f"the budget on {BY_WEBHOOK} was not refreshed: {budget}")
    stage.say(f"{BY_WEBHOOK}'s budget, changed by the work on {BY_SYNC}: {_budget_text(budget)}")


def _show_ticket(stage: Stage, key: str) -> None:
    labels = stage.sandbox.labels(key)
    value = stage.sandbox.issue_property(key, PROPERTY_KEY)
    if value is None or not labels:
        raise DemoError(f"the connector did not write {key} back to Jira")
    stage.say(f"  labels:   {', '.join(labels)}")
    stage.say(f"  {PROPERTY_KEY}: work type {value['work_type']} ({value['reason']})")


def _budget(sandbox: SandboxClient, key: str) -> dict[str, Any]:
    value = sandbox.issue_property(key, BUDGET_KEY)
    if not isinstance(value, dict):
        raise DemoError(f"{key} has no {BUDGET_KEY} property")
    return value


def _wait_for_budget(sandbox: SandboxClient, key: str, *, used: str) -> dict[str, Any]:
    """The budget on ``key`` once it shows ``used`` hours (it is written at most every
    ``writeback.refresh_seconds``)."""
    deadline = time.monotonic() + BUDGET_TIMEOUT_SECONDS
    while True:
        value = sandbox.issue_property(key, BUDGET_KEY)
        if isinstance(value, dict) and value["hours"]["used"] == used:
            return value
        if time.monotonic() > deadline:
            raise DemoError(f"the budget on {key} did not reach {used} h: {value}")
        time.sleep(POLL_SECONDS)


def _budget_text(value: dict[str, Any]) -> str:
    figures = value["hours"]
    return (
        f"{figures['used']} of {figures['included']} h used, {figures['remaining']} h left "
        f"(as of {value['as_of']})"
    )
