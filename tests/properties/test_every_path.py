"""Whatever path stored the facts, Jira is told the same: write-back, alerts, the budget.

A table of paths (a webhook event, a sync pass, the reconciliation, a reclassification)
each stores one ticket of plan acme (and, where the path carries one, a worklog of
8 h: 80 % of the month's hours); each ends with the same follow-up.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta

import pytest

from oms_connector.domain.classification import Classifier, WorkType
from oms_connector.services.alerts import AlertService
from oms_connector.services.followup import FollowUp
from oms_connector.services.inbox import InboxProcessor
from oms_connector.services.ingest import Ingest
from oms_connector.services.ports import EventFacts, IssueFact
from oms_connector.services.reclassify import ReclassifyService
from oms_connector.services.sync import SyncService
from oms_connector.services.writeback import WritebackOptions, WritebackService
from tests.properties.test_budget_refresh import RecordingJira, refresher
from tests.services.memory_store import MemoryStore
from tests.sync.fakes import Change, FakeGateway, Fetched, Page
from tests.writeback.board import IN_PERIOD, NOW, FixedClock, logged, plan, seed, stored_issue

WORKLOG = logged("501", 480)
ISSUE = stored_issue()
UPDATED = NOW - timedelta(hours=1)


class OneEvent:
    """The inbox's parser: every body is the same event, a ticket and its worklog."""

    def parse(self, body: bytes) -> EventFacts:
        return EventFacts(issues=(IssueFact(ISSUE.snapshot, UPDATED),), worklogs=(WORKLOG,))


def follow_up(store: MemoryStore, jira: RecordingJira, clock: FixedClock) -> FollowUp:
    plans = [plan()]
    writeback = WritebackService(store, jira, plans, WritebackOptions(), clock)
    return FollowUp(
        store, writeback, AlertService(store, jira, plans, clock), refresher(store, jira, clock)
    )


def by_webhook(store: MemoryStore, jira: RecordingJira, clock: FixedClock) -> None:
    with store.unit_of_work() as uow:  # a new delivery each time: Jira sent the event again
        delivery = len(store.state.inbox) + 1
        body = b'{"timestamp": %d}' % delivery  # a body of its own, not a replay
        uow.inbox.add(f"delivery-{delivery}", "worklog_created", body, NOW)
        uow.commit()
    ingest = Ingest([plan()], Classifier(), clock)
    processor = InboxProcessor(
        store, OneEvent(), ingest, clock, worker="w", follow_up=follow_up(store, jira, clock)
    )
    assert len(processor.run_once().done) == 1


def sync_service(
    store: MemoryStore, jira: RecordingJira, clock: FixedClock, gateway: FakeGateway
) -> SyncService:
    return SyncService(
        gateway,
        store,
        Ingest([plan()], Classifier(), clock),
        clock,
        ["ACME"],
        start=NOW - timedelta(days=60),
        follow_up=follow_up(store, jira, clock),
    )


def by_sync(store: MemoryStore, jira: RecordingJira, clock: FixedClock) -> None:
    gateway = FakeGateway(
        issue_pages=[[Fetched(ISSUE.snapshot, UPDATED)]],
        change_pages=[Page((Change("501", IN_PERIOD),), until=IN_PERIOD)],
        worklogs_by_id={"501": WORKLOG},
    )
    sync_service(store, jira, clock, gateway).run_once()


def by_reconciliation(store: MemoryStore, jira: RecordingJira, clock: FixedClock) -> None:
    # Stored before, never shown in Jira; the reconciliation reads a newer version back.
    seed(store, [ISSUE])
    gateway = FakeGateway(issues_by_id={"10001": Fetched(ISSUE.snapshot, UPDATED)})
    sync_service(store, jira, clock, gateway).run_once(reconcile=True)


def by_reclassification(store: MemoryStore, jira: RecordingJira, clock: FixedClock) -> None:
    seed(store, [stored_issue(work_type=WorkType.PRIORITY, reason="rule: urgent")])
    service = ReclassifyService(
        store, [plan()], Classifier(), clock, changed=follow_up(store, jira, clock)
    )
    service.reclassify()


TICKET = [("labels", "10001"), ("property", "10001"), ("comment", "10001")]
ALERT = [("comment", "10001")]

PATHS: dict[
    str, tuple[Callable[[MemoryStore, RecordingJira, FixedClock], None], list[tuple[str, str]]]
] = {
    "webhook event": (by_webhook, TICKET + ALERT),
    "sync pass": (by_sync, TICKET + ALERT),
    "reconciliation": (by_reconciliation, TICKET),
    "reclassification": (by_reclassification, TICKET),
}


@pytest.mark.parametrize("path", PATHS)
def test_every_path_ends_with_the_same_write_back_alerts_and_budget(path: str) -> None:
    store, jira, clock = MemoryStore(), RecordingJira(), FixedClock()
    run, expected = PATHS[path]

    run(store, jira, clock)
    refresher(store, jira, clock).refresh(force=True)  # what sync --once and the worker end with

    assert [(kind, issue) for kind, issue, _ in jira.writes] == expected
    label, ticket = jira.writes[0][2], json.loads(jira.writes[1][2])
    assert (label, ticket["work_type"], ticket["plan"]) == ("oms-planned", "oms", "acme")
    if expected == TICKET + ALERT:
        assert "Budget alert (80 %): plan acme has used 8.00 h" in jira.writes[3][2]
    key, budget, ids = jira.bulk[-1]
    used = "8.00" if expected == TICKET + ALERT else "0.00"
    assert (key, ids, budget["hours"]["used"]) == ("oms-connector-budget", ["10001"], used)
    with store.unit_of_work() as uow:
        assert uow.follow_ups.count() == 0


@pytest.mark.parametrize("path", PATHS)
def test_a_path_run_twice_tells_jira_nothing_more(path: str) -> None:
    store, jira, clock = MemoryStore(), RecordingJira(), FixedClock()
    run, _ = PATHS[path]
    run(store, jira, clock)
    refresher(store, jira, clock).refresh(force=True)
    writes, bulk = list(jira.writes), list(jira.bulk)
    clock.instant = NOW + timedelta(minutes=5)  # past the budget's refresh window

    run(store, jira, clock)
    refresher(store, jira, clock).refresh(force=True)

    assert (jira.writes, jira.bulk) == (writes, bulk)
