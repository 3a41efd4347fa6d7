"""One sync pass over a fake Jira and a fake store: what is read, stored and checkpointed."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from oms_connector.domain.classification import IssueSnapshot, WorkType
from oms_connector.domain.worklogs import Worklog
from oms_connector.services.sync import (
    CHECKPOINTS,
    Stage,
    SyncReport,
    SyncService,
    issues_jql,
    jql_time,
)
from tests.services.memory_store import MemoryStore
from tests.sync.fakes import (
    Change,
    FakeGateway,
    Fetched,
    FixedClock,
    JiraDownError,
    Page,
    ingest,
)

START = datetime(2026, 1, 31, 5, 0, tzinfo=UTC)
T0 = datetime(2026, 2, 10, 9, 0, tzinfo=UTC)


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def fetched(issue_id: str, key: str, minutes: int, project: str = "ACME") -> Fetched:
    return Fetched(IssueSnapshot(issue_id, key, project, summary=key), at(minutes))


def worklog(worklog_id: str, issue_id: str, minutes: int, seconds: int = 3600) -> Worklog:
    return Worklog(worklog_id, issue_id, at(minutes - 30), seconds, at(minutes), "ana")


def page(*changes: tuple[str, int], until: int | None = None) -> Page:
    until_time = None if until is None else at(until)
    return Page(tuple(Change(i, at(m)) for i, m in changes), until_time)


def service(
    gateway: FakeGateway, store: MemoryStore, overlap: timedelta = timedelta(minutes=2)
) -> SyncService:
    clock = FixedClock()
    return SyncService(
        gateway, store, ingest(clock, "ACME"), clock, ["ACME"], start=START, overlap=overlap
    )


def jira_with_two_pages() -> FakeGateway:
    return FakeGateway(
        issue_pages=[[fetched("1", "ACME-1", 1)], [fetched("2", "ACME-2", 3)]],
        change_pages=[page(("11", 5), ("12", 6), until=6), page(("13", 8), until=8)],
        deletion_pages=[page(("14", 9), until=9)],
        worklogs_by_id={
            "11": worklog("11", "1", 5),
            "12": worklog("12", "2", 6, seconds=1800),
            "13": worklog("13", "1", 8),
        },
    )


def test_a_first_pass_reads_from_the_start_and_stores_every_fact() -> None:
    gateway, store = jira_with_two_pages(), MemoryStore()

    report = service(gateway, store).run_once()

    assert sorted(store.state.issues) == ["1", "2"]
    assert store.state.issues["1"].work_type is WorkType.OMS
    assert {i: (w.seconds, w.deleted) for i, w in store.state.worklogs.items()} == {
        "11": (3600, False),
        "12": (1800, False),
        "13": (3600, False),
        "14": (0, True),
    }
    assert report == SyncReport(
        issues_read=2,
        issues_stored=2,
        worklogs_read=3,
        worklogs_stored=3,
        deletions_read=1,
        deletions_stored=1,
        checkpoints={Stage.ISSUES: at(3), Stage.WORKLOGS: at(8), Stage.DELETIONS: at(9)},
    )
    assert store.state.checkpoints == {
        "jira.issues.updated": "2026-02-10T09:03:00.000+00:00",
        "jira.worklogs.updated": "2026-02-10T09:08:00.000+00:00",
        "jira.worklogs.deleted": "2026-02-10T09:09:00.000+00:00",
    }
    assert gateway.calls[:2] == [
        ("user_timezone", None),
        (
            "search_issues",
            'project in ("ACME") AND updated >= "2026/01/30 14:58" ORDER BY updated ASC',
        ),
    ]
    assert ("worklog_changes", START - timedelta(minutes=2)) in gateway.calls


def test_the_next_pass_reads_from_each_checkpoint_less_the_overlap() -> None:
    store = MemoryStore()
    service(jira_with_two_pages(), store).run_once()
    gateway = FakeGateway(zone=ZoneInfo("Asia/Kolkata"))

    service(gateway, store, overlap=timedelta(seconds=90)).run_once()

    assert gateway.calls == [
        ("user_timezone", None),
        (
            "search_issues",
            'project in ("ACME") AND updated >= "2026/02/10 14:31" ORDER BY updated ASC',
        ),
        ("worklog_changes", at(8) - timedelta(seconds=90)),
        ("worklog_deletions", at(9) - timedelta(seconds=90)),
    ]


def test_facts_read_again_in_the_overlap_are_stored_once() -> None:
    store = MemoryStore()
    service(jira_with_two_pages(), store).run_once()
    before = copy.deepcopy(store.state)

    report = service(jira_with_two_pages(), store).run_once()

    assert (report.worklogs_read, report.worklogs_stored, report.deletions_stored) == (3, 0, 0)
    assert store.state.worklogs == before.worklogs
    assert store.state.checkpoints == before.checkpoints


def test_worklogs_on_issues_unknown_to_the_store_fetch_those_issues_in_bulk_once() -> None:
    store = MemoryStore()
    gateway = FakeGateway(
        change_pages=[page(("21", 5), ("22", 6), until=6), page(("23", 7), until=7)],
        worklogs_by_id={
            "21": worklog("21", "7", 5),
            "22": worklog("22", "8", 6),
            "23": worklog("23", "7", 7),
        },
        issues_by_id={"7": fetched("7", "ACME-7", 4), "8": fetched("8", "OTHER-8", 4, "OTHER")},
    )

    report = service(gateway, store).run_once()

    assert [a for n, a in gateway.calls if n == "issues"] == [["7", "8"]]
    assert sorted(store.state.issues) == ["7"]  # OTHER is no plan's project
    assert sorted(store.state.worklogs) == ["21", "22", "23"]
    assert report.issues_fetched_for_worklogs == 2


def test_issues_already_stored_are_not_fetched_again() -> None:
    store = MemoryStore()
    service(FakeGateway(issue_pages=[[fetched("7", "ACME-7", 1)]]), store).run_once()
    gateway = FakeGateway(
        change_pages=[page(("21", 5), until=5)], worklogs_by_id={"21": worklog("21", "7", 5)}
    )

    service(gateway, store).run_once()

    assert "issues" not in gateway.names()


def test_a_deletion_keeps_the_stored_values_and_a_late_update_cannot_resurrect_it() -> None:
    store = MemoryStore()
    service(jira_with_two_pages(), store).run_once()
    service(FakeGateway(deletion_pages=[page(("11", 20), until=20)]), store).run_once()
    late = FakeGateway(
        change_pages=[page(("11", 30), until=30)],
        worklogs_by_id={"11": worklog("11", "1", 30, seconds=60)},
    )

    report = service(late, store).run_once()

    assert store.state.worklogs["11"] == Worklog(
        "11", "1", at(-25), 3600, at(20), "ana", deleted=True
    )
    assert (report.worklogs_read, report.worklogs_stored) == (1, 0)


def test_a_failure_in_the_middle_of_a_pass_keeps_the_checkpoint_of_what_was_committed() -> None:
    store = MemoryStore()
    failing = jira_with_two_pages()
    failing.fail_on = {"worklogs": 2}

    with pytest.raises(JiraDownError):
        service(failing, store).run_once()

    assert store.state.checkpoints[CHECKPOINTS[Stage.WORKLOGS]] == "2026-02-10T09:06:00.000+00:00"
    assert CHECKPOINTS[Stage.DELETIONS] not in store.state.checkpoints
    assert sorted(store.state.worklogs) == ["11", "12"]

    report = service(jira_with_two_pages(), store).run_once()

    assert sorted(store.state.worklogs) == ["11", "12", "13", "14"]
    assert (report.worklogs_stored, report.deletions_stored) == (1, 1)
    assert store.state.checkpoints[CHECKPOINTS[Stage.WORKLOGS]] == "2026-02-10T09:08:00.000+00:00"


def test_a_failure_on_the_first_page_leaves_the_checkpoint_where_it_was() -> None:
    store = MemoryStore()
    service(jira_with_two_pages(), store).run_once()
    before = copy.deepcopy(store.state)
    failing = FakeGateway(
        issue_pages=[[fetched("1", "ACME-1", 50)], [fetched("2", "ACME-2", 51)]],
        fail_on={"search_page": 2},
    )

    with pytest.raises(JiraDownError):
        service(failing, store).run_once()

    assert store.state.checkpoints[CHECKPOINTS[Stage.ISSUES]] == "2026-02-10T09:50:00.000+00:00"
    assert (
        store.state.checkpoints[CHECKPOINTS[Stage.WORKLOGS]]
        == (before.checkpoints[CHECKPOINTS[Stage.WORKLOGS]])
    )
    assert store.state.issues["2"] == before.issues["2"]


def test_a_backfill_reads_every_stage_from_the_given_time() -> None:
    store = MemoryStore()
    service(jira_with_two_pages(), store).run_once()
    gateway = FakeGateway(zone=ZoneInfo("UTC"))
    since = datetime(2026, 2, 1, tzinfo=UTC)

    service(gateway, store).run_once(since=since)

    assert gateway.calls[1:] == [
        (
            "search_issues",
            'project in ("ACME") AND updated >= "2026/01/31 23:58" ORDER BY updated ASC',
        ),
        ("worklog_changes", since - timedelta(minutes=2)),
        ("worklog_deletions", since - timedelta(minutes=2)),
    ]
    assert store.state.checkpoints[CHECKPOINTS[Stage.WORKLOGS]] == "2026-02-10T09:08:00.000+00:00"


def test_a_page_without_until_keeps_the_checkpoint() -> None:
    store = MemoryStore()
    gateway = FakeGateway(change_pages=[page(until=None)])

    report = service(gateway, store).run_once()

    assert store.state.checkpoints[CHECKPOINTS[Stage.WORKLOGS]] == "2026-01-31T05:00:00.000+00:00"
    assert report.checkpoints[Stage.WORKLOGS] == START


def test_progress_is_told_after_every_committed_page() -> None:
    seen: list[tuple[Stage, datetime, int]] = []

    service(jira_with_two_pages(), MemoryStore()).run_once(
        progress=lambda stage, reached, report: seen.append(
            (stage, reached, report.worklogs_stored)
        )
    )

    assert seen == [
        (Stage.ISSUES, at(1), 0),
        (Stage.ISSUES, at(3), 0),
        (Stage.WORKLOGS, at(6), 2),
        (Stage.WORKLOGS, at(8), 3),
        (Stage.DELETIONS, at(9), 3),
    ]


def test_without_mapped_projects_no_issue_search_is_made() -> None:
    clock = FixedClock()
    gateway = FakeGateway()
    sync = SyncService(gateway, MemoryStore(), ingest(clock), clock, [], start=START)

    sync.run_once()

    assert gateway.names() == ["worklog_changes", "worklog_deletions"]


@pytest.mark.parametrize("overlap", [timedelta(0), timedelta(seconds=59)])
def test_an_overlap_under_a_minute_is_refused(overlap: timedelta) -> None:
    with pytest.raises(ValueError, match="the sync overlap must be at least 60 s"):
        service(FakeGateway(), MemoryStore(), overlap=overlap)


def test_a_corrupt_checkpoint_names_itself() -> None:
    store = MemoryStore()
    store.state.checkpoints["jira.issues.updated"] = "last tuesday"

    with pytest.raises(ValueError, match=r"^sync checkpoint jira.issues.updated holds 'last"):
        service(FakeGateway(), store).run_once()


@pytest.mark.parametrize(
    ("instant", "zone", "text"),
    [
        (datetime(2026, 2, 10, 9, 0, 59, tzinfo=UTC), ZoneInfo("UTC"), "2026/02/10 09:00"),
        (datetime(2026, 2, 10, 9, 0, tzinfo=UTC), ZoneInfo("Asia/Kolkata"), "2026/02/10 14:30"),
        (datetime(2026, 2, 10, 3, 0, tzinfo=UTC), ZoneInfo("America/New_York"), "2026/02/09 22:00"),
        (datetime(2026, 7, 10, 3, 0, tzinfo=UTC), ZoneInfo("America/New_York"), "2026/07/09 23:00"),
        (datetime(2026, 2, 10, 9, 0, tzinfo=UTC), None, "2026/02/09 19:00"),
    ],
)
def test_jql_times_are_written_in_the_accounts_zone_to_the_minute(
    instant: datetime, zone: ZoneInfo | None, text: str
) -> None:
    assert jql_time(instant, zone) == text


def test_project_keys_are_quoted_in_jql() -> None:
    assert issues_jql(["ACME", 'B"X'], "2026/02/10 09:00") == (
        'project in ("ACME", "B\\"X") AND updated >= "2026/02/10 09:00" ORDER BY updated ASC'
    )
