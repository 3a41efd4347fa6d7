from __future__ import annotations

import pytest

from oms_connector.domain.classification import WorkType
from oms_connector.domain.worklogs import Worklog
from oms_connector.services.ingest import Outcome
from oms_connector.services.ports import EventFacts, Store
from tests.services.builders import ingest_for, issue, later, worklog
from tests.services.fakes import FakeClock

V1 = worklog(hours=1, updated=later(0))
V2 = worklog(hours=2, updated=later(10))
V3 = worklog(hours=3, updated=later(20))
GONE_EARLY = worklog(hours=1, updated=later(5), deleted=True)
GONE_LATE = worklog(hours=2, updated=later(15), deleted=True)

# (case, versions applied in this order, outcomes, stored hours, stored deleted)
WORKLOG_CASES = [
    ("first version is stored", [V1], ["stored"], 1, False),
    ("the same fact twice changes nothing", [V1, V1], ["stored", "kept"], 1, False),
    ("a newer update wins", [V1, V2], ["stored", "stored"], 2, False),
    ("an older update after a newer one is ignored", [V2, V1], ["stored", "kept"], 2, False),
    ("updates in any order end on the newest", [V3, V1, V2], ["stored", "kept", "kept"], 3, False),
    ("a deletion removes the live version", [V1, GONE_EARLY], ["stored", "stored"], 1, True),
    (
        "an update after a delete cannot resurrect it",
        [V1, GONE_EARLY, V3],
        ["stored"] * 2 + ["kept"],
        1,
        True,
    ),
    (
        "a deletion older than the stored update still deletes",
        [V2, GONE_EARLY],
        ["stored", "stored"],
        2,
        True,
    ),
    ("a deletion seen first stays final", [GONE_LATE, V3], ["stored", "kept"], 2, True),
    (
        "the same deletion twice changes nothing",
        [V2, GONE_LATE, GONE_LATE],
        ["stored", "stored", "kept"],
        2,
        True,
    ),
]


@pytest.mark.parametrize(
    ("versions", "outcomes", "hours", "deleted"),
    [pytest.param(*case[1:], id=case[0]) for case in WORKLOG_CASES],
)
def test_worklog_versions_leave_the_right_state(
    store: Store,
    clock: FakeClock,
    versions: list[Worklog],
    outcomes: list[str],
    hours: int,
    deleted: bool,
) -> None:
    ingest = ingest_for(clock)
    seen = []
    for version in versions:
        with store.unit_of_work() as uow:
            seen.append(ingest.apply_worklog(uow, version).value)
            uow.commit()
    with store.unit_of_work() as uow:
        stored = uow.worklogs.get("20001")
    assert seen == outcomes
    assert stored is not None
    assert (stored.seconds, stored.deleted) == (hours * 3600, deleted)


def test_a_stored_worklog_keeps_its_started_offset(store: Store, clock: FakeClock) -> None:
    with store.unit_of_work() as uow:
        ingest_for(clock).apply_worklog(uow, V1)
        uow.commit()
    with store.unit_of_work() as uow:
        stored = uow.worklogs.get("20001")
    assert stored == V1
    assert stored is not None
    assert stored.started.isoformat() == "2026-02-10T10:00:00-05:00"


def test_an_uncommitted_unit_of_work_leaves_nothing(store: Store, clock: FakeClock) -> None:
    with store.unit_of_work() as uow:
        ingest_for(clock).apply_worklog(uow, V1)
    with store.unit_of_work() as uow:
        assert uow.worklogs.get("20001") is None


@pytest.mark.parametrize(
    ("labels", "work_type", "reason", "overridden"),
    [
        (frozenset(), WorkType.OMS, "default", False),
        (frozenset({"urgent"}), WorkType.PRIORITY, "rule: urgent-label", False),
        (
            frozenset({"urgent", "oms-override-oms"}),
            WorkType.OMS,
            "override: label oms-override-oms",
            True,
        ),
    ],
)
def test_an_issue_is_stored_with_its_classification(
    store: Store,
    clock: FakeClock,
    labels: frozenset[str],
    work_type: WorkType,
    reason: str,
    overridden: bool,
) -> None:
    with store.unit_of_work() as uow:
        outcome = ingest_for(clock).apply_issue(uow, issue(labels=labels))
        uow.commit()
    with store.unit_of_work() as uow:
        stored = uow.issues.get("10001")
    assert outcome is Outcome.STORED
    assert stored is not None
    assert (stored.work_type, stored.reason, stored.overridden) == (work_type, reason, overridden)
    assert stored.snapshot.labels == labels


def test_an_issue_of_an_unmapped_project_is_ignored(store: Store, clock: FakeClock) -> None:
    with store.unit_of_work() as uow:
        outcome = ingest_for(clock).apply_issue(uow, issue("10009", "OTHER-1"))
        uow.commit()
    with store.unit_of_work() as uow:
        assert uow.issues.get("10009") is None
    assert outcome is Outcome.IGNORED


def test_an_older_issue_snapshot_does_not_undo_a_reclassification(
    store: Store, clock: FakeClock
) -> None:
    ingest = ingest_for(clock)
    newer = issue(labels=frozenset({"urgent"}), updated=later(30))
    older = issue(updated=later(0))
    with store.unit_of_work() as uow:
        outcomes = [ingest.apply_issue(uow, newer), ingest.apply_issue(uow, older)]
        uow.commit()
    with store.unit_of_work() as uow:
        stored = uow.issues.get("10001")
    assert outcomes == [Outcome.STORED, Outcome.KEPT]
    assert stored is not None
    assert stored.work_type is WorkType.PRIORITY


def test_a_deleted_issue_stays_deleted(store: Store, clock: FakeClock) -> None:
    ingest = ingest_for(clock)
    with store.unit_of_work() as uow:
        ingest.apply_issue(uow, issue(updated=later(10), deleted=True))
        outcome = ingest.apply_issue(uow, issue(updated=later(20)))
        uow.commit()
    with store.unit_of_work() as uow:
        stored = uow.issues.get("10001")
    assert outcome is Outcome.KEPT
    assert stored is not None
    assert stored.deleted


def test_logged_work_counts_live_worklogs_of_live_issues_of_the_plan(
    store: Store, clock: FakeClock
) -> None:
    ingest = ingest_for(clock)
    facts = EventFacts(
        issues=(issue(), issue("10002", "ACME-2", labels=frozenset({"urgent"})), issue("3", "X-1")),
        worklogs=(
            worklog("1", hours=1),
            worklog("2", issue_id="10002", hours=2),
            worklog("3", hours=4, deleted=True),
            worklog("4", issue_id="3", hours=8),
            worklog("5", issue_id="unknown", hours=16),
        ),
    )
    with store.unit_of_work() as uow:
        ingest.apply(uow, facts)
        uow.commit()
    with store.unit_of_work() as uow:
        work = sorted(uow.worklogs.logged_work(["ACME"]))
    assert [(w.worklog_id, w.issue_key, w.work_type, w.seconds) for w in work] == [
        ("1", "ACME-1", WorkType.OMS, 3600),
        ("2", "ACME-2", WorkType.PRIORITY, 7200),
    ]
