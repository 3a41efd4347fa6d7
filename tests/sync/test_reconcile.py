"""Reconciliation: stored live issues read back from Jira by id, catching moves the search misses.

Also: worklogs ``worklog/list`` does not return are counted, never deleted. The
reconciliation runs on the fake store and on the SQL store of each backend (the
stored live ids are a SQL read).
"""

from __future__ import annotations

import logging

import pytest

from oms_connector.commands.sync import summary
from oms_connector.domain.classification import IssueSnapshot, WorkType
from oms_connector.services.ports import Store, StoredIssue
from oms_connector.services.sync import SyncReport, SyncService
from tests.services.memory_store import MemoryStore
from tests.sync.fakes import FakeGateway, sync_service
from tests.sync.test_sync_service import at, fetched, page, worklog


def service(gateway: FakeGateway, store: Store, reconcile_every: int = 0) -> SyncService:
    return sync_service(gateway, store, reconcile_every=reconcile_every)


def stored(store: Store, issue_id: str) -> StoredIssue | None:
    with store.unit_of_work() as uow:
        return uow.issues.get(issue_id)


def store_issues(store: Store, *issues: tuple[str, int]) -> None:
    """Stores ``ACME-<id>`` issues, each at the given minute."""
    gateway = FakeGateway(issue_pages=[[fetched(i, f"ACME-{i}", m) for i, m in issues]])
    service(gateway, store).run_once()


def reads_back(gateway: FakeGateway) -> list[object]:
    return [argument for name, argument in gateway.calls if name == "issues"]


def test_a_reconciliation_stores_moves_and_leaves_issues_jira_does_not_return(
    store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    store_issues(store, ("1", 1), ("2", 2), ("3", 3))
    gateway = FakeGateway(
        issues_by_id={
            "1": fetched("1", "OTHER-7", 60, project="OTHER"),
            "2": fetched("2", "ACME-2", 2),
        }
    )

    report = service(gateway, store).run_once(reconcile=True)

    assert reads_back(gateway) == [["1", "2", "3"]]
    moved = stored(store, "1")
    assert moved is not None
    assert (moved.snapshot.key, moved.snapshot.project_key, moved.work_type) == (
        "OTHER-7",
        "OTHER",
        None,
    )
    untouched = stored(store, "3")
    assert untouched is not None
    assert (untouched.snapshot.key, untouched.work_type, untouched.deleted) == (
        "ACME-3",
        WorkType.OMS,
        False,
    )
    assert (
        report.reconciled,
        report.issues_reconciled,
        report.issues_reconciled_stored,
        report.issues_not_returned,
    ) == (True, 3, 1, 1)
    assert [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING] == [
        "sync reconciliation: Jira did not return 1 stored issues (deleted, or no longer "
        "visible to the connector's account); they are left as stored"
    ]


def test_an_issue_moved_out_is_not_read_back_again(store: Store) -> None:
    store_issues(store, ("1", 1), ("2", 2))
    jira = {"1": fetched("1", "OTHER-7", 60, project="OTHER"), "2": fetched("2", "ACME-2", 2)}
    service(FakeGateway(issues_by_id=jira), store).run_once(reconcile=True)
    gateway = FakeGateway(issues_by_id=jira)

    report = service(gateway, store).run_once(reconcile=True)

    assert reads_back(gateway) == [["2"]]
    assert (report.issues_reconciled, report.issues_reconciled_stored) == (1, 0)


def test_issues_seen_by_the_pass_are_not_read_back(store: Store) -> None:
    store_issues(store, ("1", 1), ("2", 2))
    gateway = FakeGateway(issue_pages=[[fetched("1", "ACME-1", 5)]])

    service(gateway, store).run_once(reconcile=True)

    assert reads_back(gateway) == [["2"]]


def test_issues_are_read_back_a_hundred_a_call(store: Store) -> None:
    ids = [f"{n:03d}" for n in range(250)]
    store_issues(store, *((i, 1) for i in ids))
    gateway = FakeGateway()

    report = service(gateway, store).run_once(reconcile=True)

    assert reads_back(gateway) == [ids[:100], ids[100:200], ids[200:]]
    assert (report.issues_reconciled, report.issues_not_returned) == (250, 250)


def test_without_reconcile_every_a_pass_reads_no_issue_back(store: Store) -> None:
    store_issues(store, ("1", 1))
    gateway = FakeGateway()

    report = service(gateway, store).run_once()

    assert reads_back(gateway) == []
    assert report.reconciled is False


def test_every_nth_pass_reconciles(store: Store) -> None:
    store_issues(store, ("1", 1))
    gateway = FakeGateway()
    sync = service(gateway, store, reconcile_every=3)

    reconciled = [sync.run_once().reconciled for _ in range(6)]

    assert reconciled == [False, False, True, False, False, True]
    assert reads_back(gateway) == [["1"], ["1"]]


def test_a_negative_reconcile_interval_is_refused() -> None:
    with pytest.raises(ValueError, match="reconcile_every must be 0 or more, not -1"):
        service(FakeGateway(), MemoryStore(), reconcile_every=-1)


def test_worklogs_that_worklog_list_does_not_return_are_counted_and_left_as_stored(
    store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    store_issues(store, ("1", 1))
    restricted = worklog("12", "1", 4, seconds=5 * 3600)
    first = FakeGateway(change_pages=[page(("12", 4), until=4)], worklogs_by_id={"12": restricted})
    service(first, store).run_once()
    gateway = FakeGateway(
        change_pages=[page(("11", 5), ("12", 6), ("12", 6), until=6)],
        worklogs_by_id={"11": worklog("11", "1", 5)},
    )

    report = service(gateway, store).run_once()

    assert (report.worklogs_read, report.worklogs_stored, report.worklogs_not_returned) == (1, 1, 1)
    with store.unit_of_work() as uow:
        assert uow.worklogs.get("12") == restricted
    assert [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING] == [
        "sync: worklog/list did not return 1 changed worklogs (deleted since, or not visible "
        "to the connector's account); they are left as stored"
    ]


def test_the_live_ids_of_a_store_are_its_classified_undeleted_issues_of_the_projects(
    store: Store,
) -> None:
    def issue(issue_id: str, project: str, work_type: WorkType | None, **kw: bool) -> StoredIssue:
        snapshot = IssueSnapshot(issue_id, f"{project}-{issue_id}", project)
        return StoredIssue(snapshot, at(0), work_type, "default", False, **kw)

    with store.unit_of_work() as uow:
        for row in (
            issue("4", "ACME", WorkType.OMS),
            issue("2", "ACME", WorkType.PRIORITY),
            issue("3", "ACME", WorkType.OMS, deleted=True),
            issue("5", "OTHER", None),
            issue("6", "ZETA", WorkType.OMS),
            issue("1", "ZETA", WorkType.OMS),
        ):
            uow.issues.save_if_not_older(row, at(0))
        uow.commit()

    with store.unit_of_work() as uow:
        assert uow.issues.live_ids(["ACME", "ZETA"]) == ["1", "2", "4", "6"]
        assert uow.issues.live_ids(["OTHER"]) == []


def test_the_sync_summary_names_what_was_not_returned_and_the_reconciliation() -> None:
    report = SyncReport(
        issues_read=2,
        issues_stored=1,
        worklogs_read=3,
        worklogs_stored=3,
        worklogs_not_returned=2,
        reconciled=True,
        issues_reconciled=1200,
        issues_reconciled_stored=4,
        issues_not_returned=1,
    )

    assert summary(report).splitlines() == [
        "issues:    2 read, 1 stored",
        "worklogs:  3 read, 3 stored (0 issues fetched for them)",
        "deletions: 0 read, 0 stored",
        "not returned by worklog/list: 2 worklogs (deleted since, or not visible to the "
        "connector's account; left as stored)",
        "reconciled: 1,200 stored issues read back, 4 changed and stored, 1 not returned "
        "(left as stored)",
    ]
