"""Work logged within the minute Jira's worklog feed leaves out, read from the issue itself."""

from __future__ import annotations

from datetime import datetime, timedelta

from oms_connector.domain.classification import IssueSnapshot
from oms_connector.domain.worklogs import Worklog
from oms_connector.services.sync import RECENT_ISSUES_READ, SyncReport
from tests.services.memory_store import MemoryStore
from tests.sync.fakes import NOW, Change, FakeGateway, Fetched, Page, sync_service

LEFT_OUT_AFTER = NOW - timedelta(seconds=90)
"""The feed's minute plus the clocks' margin, before the fake clock's now."""


def fetched(issue_id: str, updated: datetime) -> Fetched:
    snapshot = IssueSnapshot(issue_id, f"ACME-{issue_id}", "ACME", summary="Work")
    return Fetched(snapshot, updated)


def worklog(worklog_id: str, issue_id: str, updated: datetime, seconds: int = 3600) -> Worklog:
    return Worklog(worklog_id, issue_id, updated - timedelta(hours=1), seconds, updated, "ana")


def run(
    gateway: FakeGateway, store: MemoryStore, follow_ups: list[int] | None = None
) -> SyncReport:
    calls = follow_ups if follow_ups is not None else []
    follow_up = lambda: calls.append(len(store.state.worklogs))  # noqa: E731
    return sync_service(gateway, store, follow_up=follow_up).run_once()


def test_a_worklog_logged_in_the_last_minute_counts_in_this_pass() -> None:
    older = worklog("11", "2", NOW - timedelta(minutes=10))
    just_now = worklog("12", "1", NOW - timedelta(seconds=20), seconds=900)
    gateway = FakeGateway(
        issue_pages=[
            [fetched("2", NOW - timedelta(minutes=10)), fetched("1", NOW - timedelta(seconds=20))]
        ],
        change_pages=[Page((Change("11", older.updated),), older.updated)],
        worklogs_by_id={"11": older, "12": just_now},
    )
    store = MemoryStore()
    follow_ups: list[int] = []

    report = run(gateway, store, follow_ups)

    assert {i: w.seconds for i, w in store.state.worklogs.items()} == {"11": 3600, "12": 900}
    assert [c for c in gateway.calls if c[0] == "issue_worklogs"] == [("issue_worklogs", "1")]
    assert (report.recent_issues_read, report.recent_worklogs_read) == (1, 1)
    assert (report.worklogs_stored, report.recent_worklogs_stored) == (1, 1)
    # Worklogs stored when each follow-up ran: after the issue page, the feed page, the read.
    assert follow_ups == [0, 1, 2]


def test_the_boundary_is_the_feeds_minute_plus_the_clocks_margin() -> None:
    gateway = FakeGateway(
        issue_pages=[
            [
                fetched("1", LEFT_OUT_AFTER - timedelta(milliseconds=1)),
                fetched("2", LEFT_OUT_AFTER),
            ]
        ],
    )

    report = run(gateway, MemoryStore())

    assert [c for c in gateway.calls if c[0] == "issue_worklogs"] == [("issue_worklogs", "2")]
    assert report.recent_issues_read == 1


def test_the_feed_returning_the_same_worklog_later_stores_nothing_twice() -> None:
    just_now = worklog("12", "1", NOW - timedelta(seconds=20), seconds=900)
    store = MemoryStore()
    run(
        FakeGateway(
            issue_pages=[[fetched("1", just_now.updated)]], worklogs_by_id={"12": just_now}
        ),
        store,
    )

    later = run(
        FakeGateway(
            change_pages=[Page((Change("12", just_now.updated),), just_now.updated)],
            worklogs_by_id={"12": just_now},
        ),
        store,
    )

    assert (later.worklogs_read, later.worklogs_stored) == (1, 0)
    assert {i: w.seconds for i, w in store.state.worklogs.items()} == {"12": 900}


def test_at_most_a_bounded_number_of_issues_are_read_directly_in_one_pass() -> None:
    recent = [fetched(str(n), NOW - timedelta(seconds=5)) for n in range(1, 61)]
    gateway = FakeGateway(issue_pages=[recent])

    report = run(gateway, MemoryStore())

    read = [c[1] for c in gateway.calls if c[0] == "issue_worklogs"]
    assert RECENT_ISSUES_READ == 50
    assert read == [str(n) for n in range(1, 51)]
    assert report.recent_issues_read == 50


def test_an_issue_seen_on_two_search_pages_is_read_once() -> None:
    gateway = FakeGateway(
        issue_pages=[[fetched("1", NOW - timedelta(seconds=30))], [fetched("1", NOW)]],
    )

    run(gateway, MemoryStore())

    assert [c for c in gateway.calls if c[0] == "issue_worklogs"] == [("issue_worklogs", "1")]
