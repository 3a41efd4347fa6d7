"""Stored issues decided again after the classification settings changed."""

from __future__ import annotations

from dataclasses import replace

import pytest

from oms_connector.domain.classification import Classifier, IssueSnapshot, Rule, WorkType
from oms_connector.services.ingest import Ingest
from oms_connector.services.ports import EventFacts, IssueFact, Store, StoredIssue
from oms_connector.services.reclassify import Change, ReclassifyService, summary
from tests.reclassify.writes import recorded_writes
from tests.services.builders import CLASSIFIER, T0, acme_plan, later
from tests.services.fakes import FakeClock

BLOCKER = Rule("blocker", WorkType.PRIORITY, priorities=frozenset({"Blocker"}))
OMS, PRIORITY = WorkType.OMS, WorkType.PRIORITY


def snapshot(
    issue_id: str, *, labels: tuple[str, ...] = (), priority: str = "", key: str = ""
) -> IssueSnapshot:
    return IssueSnapshot(
        id=issue_id,
        key=key or f"ACME-{issue_id}",
        project_key=(key or "ACME-").split("-", 1)[0],
        priority=priority,
        labels=frozenset(labels),
    )


def store_issues(
    store: Store, clock: FakeClock, *snapshots: IssueSnapshot, changed_by: str | None = None
) -> None:
    facts = tuple(IssueFact(s, T0, changed_by=changed_by) for s in snapshots)
    with store.unit_of_work() as uow:
        Ingest([acme_plan()], CLASSIFIER, clock).apply(uow, EventFacts(issues=facts))
        uow.commit()


def service(
    store: Store, clock: FakeClock, classifier: Classifier, *, page_size: int = 500
) -> ReclassifyService:
    return ReclassifyService(store, [acme_plan()], classifier, clock, page_size=page_size)


def decision(store: Store, issue_id: str) -> tuple[WorkType | None, str, bool]:
    with store.unit_of_work(read_only=True) as uow:
        stored = uow.issues.get(issue_id)
    assert stored is not None
    return stored.work_type, stored.reason, stored.overridden


@pytest.mark.parametrize(
    ("issue", "changed_by", "classifier", "before", "after"),
    [
        pytest.param(
            snapshot("1", priority="Blocker"),
            None,
            replace(CLASSIFIER, rules=(*CLASSIFIER.rules, BLOCKER)),
            (OMS, "default", False),
            (PRIORITY, "rule: blocker", False),
            id="rule added",
        ),
        pytest.param(
            snapshot("1", labels=("urgent",)),
            None,
            replace(CLASSIFIER, rules=()),
            (PRIORITY, "rule: urgent-label", False),
            (OMS, "default", False),
            id="rule removed",
        ),
        pytest.param(
            snapshot("1"),
            None,
            replace(CLASSIFIER, default=PRIORITY),
            (OMS, "default", False),
            (PRIORITY, "default", False),
            id="default changed",
        ),
        pytest.param(
            snapshot("1", labels=("plan-priority",)),
            None,
            replace(CLASSIFIER, override_labels={OMS: "plan-oms", PRIORITY: "plan-priority"}),
            (OMS, "default", False),
            (PRIORITY, "override: label plan-priority", True),
            id="override label renamed",
        ),
        pytest.param(
            snapshot("1", labels=("oms-override-oms",)),
            "Jane Doe",
            replace(CLASSIFIER, override_labels={OMS: "plan-oms", PRIORITY: "plan-priority"}),
            (OMS, "override: label oms-override-oms, set by Jane Doe", True),
            (OMS, "default", False),
            id="override label no longer configured",
        ),
    ],
)
def test_a_settings_change_stores_the_new_decision_of_each_stored_issue(
    store: Store,
    clock: FakeClock,
    issue: IssueSnapshot,
    changed_by: str | None,
    classifier: Classifier,
    before: tuple[WorkType, str, bool],
    after: tuple[WorkType, str, bool],
) -> None:
    store_issues(store, clock, issue, changed_by=changed_by)
    assert decision(store, "1") == before

    report = service(store, clock, classifier).reclassify()

    assert decision(store, "1") == after
    assert (report.checked, report.superseded) == (1, 0)
    assert report.changes == [Change("ACME-1", before[0], before[1], after[0], after[1])]


def test_an_override_that_still_wins_keeps_who_set_it_and_nothing_is_written(
    store: Store, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    store_issues(
        store, clock, snapshot("1", labels=("oms-override-oms", "urgent")), changed_by="Jane Doe"
    )
    changed = Classifier(
        default=PRIORITY, override_labels=CLASSIFIER.override_labels, rules=(BLOCKER,)
    )

    with recorded_writes(store, monkeypatch) as writes:
        report = service(store, clock, changed).reclassify()

    assert (report.checked, report.changes, writes) == (1, [], [])
    assert decision(store, "1") == (OMS, "override: label oms-override-oms, set by Jane Doe", True)


def test_unchanged_settings_change_nothing_and_write_nothing(
    store: Store, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    store_issues(store, clock, snapshot("1"), snapshot("2", labels=("urgent",)))

    with recorded_writes(store, monkeypatch) as writes:
        report = service(store, clock, CLASSIFIER).reclassify()

    assert (report.checked, report.changes, report.superseded, writes) == (2, [], 0, [])
    assert summary(report) == "reclassified: 2 issues checked, 0 changed"


def test_a_dry_run_reports_what_would_change_and_writes_nothing(
    store: Store, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    store_issues(store, clock, snapshot("1"))

    with recorded_writes(store, monkeypatch) as writes:
        report = service(store, clock, replace(CLASSIFIER, default=PRIORITY)).reclassify(
            dry_run=True
        )

    assert report.changes == [Change("ACME-1", OMS, "default", PRIORITY, "default")]
    assert writes == []
    assert decision(store, "1") == (OMS, "default", False)


def test_every_page_is_checked_and_deleted_issues_and_other_projects_are_left_alone(
    store: Store, clock: FakeClock
) -> None:
    store_issues(store, clock, *(snapshot(str(n)) for n in range(1, 6)))
    with store.unit_of_work() as uow:
        uow.issues.save_if_not_older(
            StoredIssue(snapshot("9"), later(5), OMS, "default", False, deleted=True), T0
        )
        uow.issues.save_if_not_older(
            StoredIssue(snapshot("8", key="OTHER-8"), later(5), OMS, "default", False), T0
        )
        uow.commit()

    report = service(store, clock, replace(CLASSIFIER, default=PRIORITY), page_size=2).reclassify()

    assert report.checked == 5
    assert [change.key for change in report.changes] == [f"ACME-{n}" for n in range(1, 6)]
    assert decision(store, "9") == (OMS, "default", False)
    assert decision(store, "8") == (OMS, "default", False)


def test_a_newer_snapshot_stored_after_the_read_is_never_overwritten(
    store: Store, clock: FakeClock
) -> None:
    store_issues(store, clock, snapshot("1"))
    with store.unit_of_work(read_only=True) as uow:
        read = uow.issues.get("1")
    assert read is not None
    newer = StoredIssue(snapshot("1", labels=("urgent",)), later(5), PRIORITY, "rule: x", False)
    with store.unit_of_work() as uow:
        assert uow.issues.save_if_not_older(newer, later(5))
        uow.commit()

    with store.unit_of_work() as uow:
        written = uow.issues.redecide(read, PRIORITY, "default", False)
        uow.commit()

    assert written is False
    with store.unit_of_work(read_only=True) as uow:
        assert uow.issues.get("1") == newer


def test_the_decision_of_the_version_read_is_replaced_and_nothing_else(
    store: Store, clock: FakeClock
) -> None:
    store_issues(store, clock, snapshot("1", priority="Blocker"))
    with store.unit_of_work(read_only=True) as uow:
        read = uow.issues.get("1")
    assert read is not None

    with store.unit_of_work() as uow:
        assert uow.issues.redecide(read, PRIORITY, "rule: blocker", False)
        uow.commit()

    with store.unit_of_work(read_only=True) as uow:
        assert uow.issues.get("1") == replace(read, work_type=PRIORITY, reason="rule: blocker")


def test_the_changed_issues_are_handed_on_after_their_commit(
    store: Store, clock: FakeClock
) -> None:
    store_issues(store, clock, snapshot("1"), snapshot("2", labels=("urgent",)))
    with store.unit_of_work() as uow:  # the ingest's own follow-ups, done
        uow.follow_ups.done(uow.follow_ups.pending(10))
        uow.commit()
    told: list[list[str]] = []

    def changed() -> None:
        with store.unit_of_work(read_only=True) as uow:
            queued = [item.issue_id for item in uow.follow_ups.pending(10)]
        told.append(queued)
        assert decision(store, queued[0])[0] is PRIORITY

    ReclassifyService(
        store, [acme_plan()], replace(CLASSIFIER, default=PRIORITY), clock, changed=changed
    ).reclassify()

    assert told == [["1"]]
