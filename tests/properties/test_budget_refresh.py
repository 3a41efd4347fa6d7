"""The plan's budget on every unresolved ticket of the plan: one bulk call per window."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest

from oms_connector.domain.classification import Classifier, WorkType
from oms_connector.services.alerts import AlertService
from oms_connector.services.budget import load_budget
from oms_connector.services.budget_refresh import (
    BudgetRefresher,
    RefreshOptions,
    budget_property,
)
from oms_connector.services.followup import FollowUp
from oms_connector.services.ingest import Ingest
from oms_connector.services.writeback import WritebackOptions, WritebackService, property_value
from tests.properties.schema import errors
from tests.services.memory_store import MemoryStore
from tests.writeback.board import NOW, FixedClock, logged, plan, seed, stored_issue

KEY = "oms-connector-budget"


class RecordingJira:
    """The gateway's write side: every call kept, nothing sent."""

    def __init__(self) -> None:
        self.bulk: list[tuple[str, Any, list[str]]] = []
        self.writes: list[tuple[str, str, str]] = []

    def set_property_on_issues(self, key: str, value: Any, issue_ids: Sequence[str]) -> None:
        self.bulk.append((key, json.loads(json.dumps(value)), list(issue_ids)))

    def fields(self) -> list[Any]:
        return []

    def set_issue_property(self, issue: str, key: str, value: Any) -> None:
        self.writes.append(("property", issue, json.dumps(value, sort_keys=True)))

    def change_labels(
        self, issue: str, add: Sequence[str] = (), remove: Sequence[str] = ()
    ) -> None:
        self.writes.append(("labels", issue, ",".join(add)))

    def add_comment(self, issue: str, body: Any) -> None:
        self.writes.append(("comment", issue, json.dumps(body, sort_keys=True)))

    def set_fields(self, issue: str, fields: Any) -> None:
        self.writes.append(("fields", issue, json.dumps(fields, sort_keys=True)))


def refresher(store: MemoryStore, jira: RecordingJira, clock: FixedClock) -> BudgetRefresher:
    return BudgetRefresher(store, jira, [plan()], RefreshOptions(refresh_seconds=60), clock)


def test_the_budget_property_holds_the_period_hours_rates_and_overage_and_fits_the_schema() -> None:
    store = MemoryStore()
    seed(store, [stored_issue()], [logged("1", 660)])  # 11 h of 10: 1 h over
    with store.unit_of_work() as uow:
        value = budget_property(load_budget(uow, plan(), NOW), NOW)

    assert value == {
        "version": 1,
        "plan": "acme",
        "customer": "Acme Corp",
        "as_of": "2026-12-01T12:00:00-05:00",
        "period": {"start": "2026-11-15", "end": "2026-12-15", "last_day": "2026-12-14"},
        "in_term": True,
        "currency": "USD",
        "hours": {"included": "10.00", "used": "11.00", "remaining": "0.00", "over": "1.00"},
        "rates": {"oms": "35.00", "priority": "62.50"},
        "overage": {"amount": "62.50"},
        "search": {"hours_left": 0.0, "percent_used": 110.0},
    }
    assert errors("budget", value) == []


def test_the_ticket_property_fits_the_schema_and_names_who_overrode_it() -> None:
    issue = stored_issue(
        work_type=WorkType.PRIORITY, reason="override: label oms-override-priority, set by Jane"
    )
    store = MemoryStore()
    seed(store, [issue])
    with store.unit_of_work() as uow:
        budget = load_budget(uow, plan(), NOW)

    value = property_value(issue, WorkType.PRIORITY, budget)

    assert value == {
        "version": 1,
        "plan": "acme",
        "customer": "Acme Corp",
        "work_type": "priority",
        "reason_kind": "override",
        "reason": "override: label oms-override-priority",
        "override_by": "Jane",
    }
    assert errors("ticket", value) == []


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ({"version": 2}, "1 was expected"),  # a newer version is not read as this one
        (
            {"hours": {"included": 10, "used": "1.00", "remaining": "9.00", "over": "0.00"}},
            "10 is not of type 'string'",
        ),
    ],
)
def test_the_schema_refuses_what_a_reader_could_misread(
    value: dict[str, Any], problem: str
) -> None:
    store = MemoryStore()
    seed(store, [stored_issue()])
    with store.unit_of_work() as uow:
        good = budget_property(load_budget(uow, plan(), NOW), NOW)

    found = errors("budget", {**good, **value})

    assert any(problem in message for message in found), found


def test_a_burst_of_200_worklogs_costs_one_bulk_call_per_plan_per_window() -> None:
    store, jira, clock = MemoryStore(), RecordingJira(), FixedClock()
    tickets = [stored_issue(str(10001 + n), f"ACME-{n + 1}") for n in range(5)]
    seed(store, tickets)
    ingest = Ingest([plan()], Classifier(), clock)
    writeback = WritebackService(
        store, jira, [plan()], WritebackOptions(label=False, comment=False), clock
    )
    follow_up = FollowUp(
        store, writeback, AlertService(store, jira, [plan()], clock), refresher(store, jira, clock)
    )

    for n in range(200):  # one worklog every 0.25 s: 50 s, inside one 60 s window
        clock.instant = NOW + timedelta(seconds=n / 4)
        with store.unit_of_work() as uow:
            ingest.apply_worklog(uow, logged(str(n), 1, issue_id=str(10001 + n % 5)))
            uow.commit()
        follow_up()

    assert len(jira.bulk) == 1
    key, first, ids = jira.bulk[0]
    assert (key, ids, first["hours"]["used"]) == (KEY, [t.snapshot.id for t in tickets], "0.02")

    clock.instant = NOW + timedelta(seconds=61)  # the worker's next pass, after the window
    report = refresher(store, jira, clock).refresh()

    assert report.refreshed == [("acme", 5)]
    assert len(jira.bulk) == 2
    assert jira.bulk[1][1]["hours"]["used"] == "3.33"  # 200 min, every worklog counted
    assert refresher(store, jira, clock).refresh(force=True).unchanged == ["acme"]
    assert len(jira.bulk) == 2  # nothing changed: nothing sent


def test_a_resolved_ticket_is_not_refreshed_and_a_new_one_is_included() -> None:
    store, jira, clock = MemoryStore(), RecordingJira(), FixedClock()
    done = stored_issue("10002", "ACME-2")
    done = replace(done, snapshot=replace(done.snapshot, resolved=True))
    seed(store, [stored_issue(), done], [logged("1", 60)])

    refresher(store, jira, clock).refresh()
    seed(store, [stored_issue("10003", "ACME-3")])
    clock.instant = NOW + timedelta(seconds=60)
    refresher(store, jira, clock).refresh()

    assert [ids for _, _, ids in jira.bulk] == [["10001"], ["10001", "10003"]]


def test_a_plan_refreshed_within_its_window_waits_unless_forced() -> None:
    store, jira, clock = MemoryStore(), RecordingJira(), FixedClock()
    seed(store, [stored_issue()], [logged("1", 60)])
    refresher(store, jira, clock).refresh()
    seed(store, worklogs=[logged("2", 30)])
    clock.instant = NOW + timedelta(seconds=59)

    waiting = refresher(store, jira, clock).refresh()
    forced = refresher(store, jira, clock).refresh(force=True)

    assert (waiting.deferred, forced.refreshed) == (["acme"], [("acme", 1)])
    assert [value["hours"]["used"] for _, value, _ in jira.bulk] == ["1.00", "1.50"]


def test_switched_off_with_the_property_nothing_is_written() -> None:
    store, jira = MemoryStore(), RecordingJira()
    seed(store, [stored_issue()], [logged("1", 60)])
    options = RefreshOptions(enabled=False)

    BudgetRefresher(store, jira, [plan()], options, FixedClock()).refresh(force=True)

    assert jira.bulk == []


def test_a_deferred_refresh_is_sent_once_its_window_ends_and_the_loop_is_told_when() -> None:
    store, jira, clock = MemoryStore(), RecordingJira(), FixedClock()
    waits: list[float] = []
    budgets = BudgetRefresher(
        store, jira, [plan()], RefreshOptions(refresh_seconds=60), clock, on_deferred=waits.append
    )
    seed(store, [stored_issue()], [logged("1", 60)])
    budgets.refresh()
    seed(store, worklogs=[logged("2", 30)])
    clock.instant = NOW + timedelta(seconds=45)

    assert budgets.refresh().deferred == ["acme"]
    assert waits == [15.0]
    clock.instant = NOW + timedelta(seconds=59)
    assert budgets.refresh_due().refreshed == []  # not yet: nothing sent
    clock.instant = NOW + timedelta(seconds=60)
    assert budgets.refresh_due().refreshed == [("acme", 1)]
    assert budgets.refresh_due().refreshed == []  # sent once
    assert [value["hours"]["used"] for _, value, _ in jira.bulk] == ["1.00", "1.50"]


def test_a_burst_ends_with_its_last_worklog_on_the_tickets() -> None:
    store, jira, clock = MemoryStore(), RecordingJira(), FixedClock()
    seed(store, [stored_issue()])
    ingest = Ingest([plan()], Classifier(), clock)
    budgets = refresher(store, jira, clock)
    follow_up = FollowUp(store, None, None, budgets)

    for n in range(30):  # one worklog every 2 s: 58 s, inside one window
        clock.instant = NOW + timedelta(seconds=2 * n)
        with store.unit_of_work() as uow:
            ingest.apply_worklog(uow, logged(str(n), 6, issue_id="10001"))
            uow.commit()
        follow_up()
        budgets.refresh_due()
    clock.instant = NOW + timedelta(seconds=60)
    budgets.refresh_due()

    assert [value["hours"]["used"] for _, value, _ in jira.bulk] == ["0.10", "3.00"]
