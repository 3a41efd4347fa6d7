"""A backfill killed at any point and started again tells Jira each value once."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest

from oms_connector.domain.classification import Classifier, IssueSnapshot
from oms_connector.services.ingest import Ingest
from oms_connector.services.ports import StoredIssue
from oms_connector.services.sync import SyncService
from oms_connector.services.writeback import WritebackOptions, WritebackService
from tests.properties.test_budget_refresh import RecordingJira
from tests.properties.test_every_path import follow_up
from tests.services.memory_store import MemoryStore
from tests.sync.fakes import Change, FakeGateway, Fetched, Page
from tests.writeback.board import IN_PERIOD, NOW, FixedClock, logged, plan, seed, stored_issue

TICKETS = 30
SINCE = NOW - timedelta(days=60)


class Killed(BaseException):
    """The process dying: nothing after it runs, no handler catches it."""


class DyingJira(RecordingJira):
    """Jira as seen by a process killed just before its ``dies_at``-th write is sent."""

    def __init__(self, dies_at: int | None) -> None:
        super().__init__()
        self._dies_at = dies_at
        self._count = 0

    def _maybe_die(self) -> None:
        self._count += 1
        if self._count == self._dies_at:
            raise Killed

    def set_issue_property(self, issue: str, key: str, value: Any) -> None:
        self._maybe_die()
        super().set_issue_property(issue, key, value)

    def change_labels(
        self, issue: str, add: Sequence[str] = (), remove: Sequence[str] = ()
    ) -> None:
        self._maybe_die()
        super().change_labels(issue, add, remove)

    def add_comment(self, issue: str, body: Any) -> None:
        self._maybe_die()
        super().add_comment(issue, body)

    def set_property_on_issues(self, key: str, value: Any, issue_ids: Sequence[str]) -> None:
        self._maybe_die()
        super().set_property_on_issues(key, value, issue_ids)


def jira_pages() -> FakeGateway:
    issues = [
        Fetched(IssueSnapshot(str(10001 + n), f"ACME-{n + 1}", "ACME"), IN_PERIOD)
        for n in range(TICKETS)
    ]
    worklogs = {str(n): logged(str(n), 30, issue_id=str(10001 + n)) for n in range(TICKETS)}
    changes = tuple(Change(str(n), IN_PERIOD) for n in range(TICKETS))
    return FakeGateway(
        issue_pages=[issues[start : start + 10] for start in range(0, TICKETS, 10)],
        change_pages=[Page(changes[:15], IN_PERIOD), Page(changes[15:], IN_PERIOD)],
        worklogs_by_id=worklogs,
    )


def backfill(store: MemoryStore, jira: RecordingJira) -> None:
    clock = FixedClock()
    service = SyncService(
        jira_pages(),
        store,
        Ingest([plan()], Classifier(), clock),
        clock,
        ["ACME"],
        start=SINCE,
        follow_up=follow_up(store, jira, clock),
    )
    service.run_once(since=SINCE)


@pytest.mark.parametrize("dies_at", [1, 2, 7, 16, 30, 31, 45, 58, 77, 89, 90])
def test_a_backfill_killed_and_restarted_writes_each_ticket_value_once(dies_at: int) -> None:
    store = MemoryStore()
    first = DyingJira(dies_at)
    with pytest.raises(Killed):
        backfill(store, first)
    second = RecordingJira()

    backfill(store, second)

    sent = Counter(first.writes + second.writes)
    assert max(sent.values()) == 1
    assert sorted({(kind, issue) for kind, issue, _ in sent}) == sorted(
        (kind, str(10001 + n)) for n in range(TICKETS) for kind in ("comment", "labels", "property")
    )
    with store.unit_of_work() as uow:
        assert uow.follow_ups.count() == 0


def test_without_a_kill_the_backfill_writes_three_values_a_ticket_and_one_alert() -> None:
    jira = RecordingJira()

    backfill(MemoryStore(), jira)

    alerts = [text for kind, _, text in jira.writes if "Budget alert" in text]
    assert len(jira.writes) == 3 * TICKETS + 1
    assert [text[:30] for text in alerts] == ['"Budget alert (100 %): plan ac']  # 15 h of 10


def resolved(issue_id: str, key: str) -> StoredIssue:
    issue = stored_issue(issue_id, key)
    return replace(issue, snapshot=replace(issue.snapshot, resolved=True))


@pytest.mark.parametrize(
    ("recent_only", "written", "left_out"),
    [(True, ["10002", "10003"], ["10001"]), (False, ["10001", "10002", "10003"], [])],
)
def test_a_backfill_leaves_out_resolved_tickets_without_recent_work(
    recent_only: bool, written: list[str], left_out: list[str]
) -> None:
    store, jira = MemoryStore(), RecordingJira()
    old = logged("1", 60, issue_id="10001", started=IN_PERIOD - timedelta(days=70))
    seed(
        store,
        [resolved("10001", "ACME-1"), resolved("10002", "ACME-2"), stored_issue("10003", "ACME-3")],
        [old, logged("2", 60, issue_id="10002")],
    )
    service = WritebackService(store, jira, [plan()], WritebackOptions(), FixedClock())

    report = service.write_back(["10001", "10002", "10003"], recent_only=recent_only)

    assert sorted({issue for _, issue, _ in jira.writes}) == written
    assert report.out_of_scope == left_out
