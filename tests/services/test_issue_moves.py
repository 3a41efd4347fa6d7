"""Issues that move: out of the mapped projects they stop counting; between plans, work follows.

Run on the in-memory store and on the SQL store of each backend, since the SQL store's
usage reads decide what counts.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from oms_connector.domain.classification import IssueSnapshot, WorkType
from oms_connector.domain.plans import Plan
from oms_connector.domain.worklogs import Worklog
from oms_connector.services.close import CloseService
from oms_connector.services.ingest import Ingest, Outcome
from oms_connector.services.ports import EventFacts, IssueFact, Store, StoredIssue
from tests.domain.builders import NEW_YORK
from tests.services.builders import acme_plan, ingest_for, issue, later, worklog
from tests.services.fakes import FakeClock

FEB_10 = datetime(2026, 2, 10, 10, 0, tzinfo=NEW_YORK)
"""In period 0 of acme (enrolled 2026-01-31)."""


def plans() -> list[Plan]:
    return [acme_plan(), acme_plan(id="zeta", jira_projects=("ZETA",))]


def apply(
    store: Store, ingest: Ingest, *facts: IssueFact, worklogs: tuple[Worklog, ...] = ()
) -> list[Outcome]:
    with store.unit_of_work() as uow:
        outcomes = ingest.apply(uow, EventFacts(issues=facts, worklogs=worklogs))
        uow.commit()
    return outcomes


def moved(key: str, minutes: int, *, deleted: bool = False) -> IssueFact:
    project = key.split("-", maxsplit=1)[0]
    return IssueFact(IssueSnapshot(id="1", key=key, project_key=project), later(minutes), deleted)


def stored_issue(store: Store, issue_id: str = "1") -> StoredIssue | None:
    with store.unit_of_work() as uow:
        return uow.issues.get(issue_id)


def logged(store: Store, *projects: str) -> list[tuple[str, str, WorkType]]:
    with store.unit_of_work() as uow:
        return sorted(
            (w.worklog_id, w.issue_key, w.work_type) for w in uow.worklogs.logged_work(projects)
        )


def adjustment_lines(
    store: Store, number: str
) -> list[tuple[str, str | None, int, Decimal, Decimal]]:
    with store.unit_of_work() as uow:
        statement = next(s for s in uow.statements.list("acme") if s.number == number)
    return [
        (
            line.kind.value,
            line.corrects and line.corrects.value,
            line.period_index,
            line.hours,
            line.amount,
        )
        for line in statement.lines
        if line.kind.value == "adjustment"
    ]


def test_a_stored_issue_moved_to_an_unmapped_project_is_stored_unclassified(
    store: Store, clock: FakeClock
) -> None:
    ingest = ingest_for(clock, *plans())
    apply(store, ingest, issue("1", "ACME-1"))

    assert apply(store, ingest, moved("OTHER-7", 60)) == [Outcome.STORED]

    assert stored_issue(store) == StoredIssue(
        snapshot=IssueSnapshot(id="1", key="OTHER-7", project_key="OTHER"),
        updated=later(60),
        work_type=None,
        reason="unmapped: project OTHER belongs to no plan",
        overridden=False,
    )


def test_an_older_unmapped_snapshot_does_not_undo_a_newer_stored_one(
    store: Store, clock: FakeClock
) -> None:
    ingest = ingest_for(clock, *plans())
    apply(store, ingest, issue("1", "ACME-1", updated=later(60)))

    assert apply(store, ingest, moved("OTHER-7", 30)) == [Outcome.KEPT]

    stored = stored_issue(store)
    assert stored is not None
    assert (stored.snapshot.key, stored.work_type) == ("ACME-1", WorkType.OMS)


def test_an_issue_never_stored_of_an_unmapped_project_stays_ignored(
    store: Store, clock: FakeClock
) -> None:
    ingest = ingest_for(clock, *plans())

    assert apply(store, ingest, moved("OTHER-7", 60)) == [Outcome.IGNORED]

    assert stored_issue(store) is None


def test_a_stored_issue_deleted_after_moving_to_an_unmapped_project_is_stored_deleted(
    store: Store, clock: FakeClock
) -> None:
    ingest = ingest_for(clock, *plans())
    apply(store, ingest, issue("1", "ACME-1"))

    assert apply(store, ingest, moved("OTHER-7", 60, deleted=True)) == [Outcome.STORED]

    stored = stored_issue(store)
    assert stored is not None
    assert (stored.snapshot.key, stored.work_type, stored.deleted) == ("OTHER-7", None, True)


def test_worklogs_of_an_issue_moved_out_stop_counting_including_later_ones(
    store: Store, clock: FakeClock
) -> None:
    ingest = ingest_for(clock, *plans())
    apply(store, ingest, issue("1", "ACME-1"), worklogs=(worklog("w1", issue_id="1", hours=12),))
    apply(store, ingest, moved("OTHER-7", 60))

    apply(store, ingest, worklogs=(worklog("w2", issue_id="1", hours=3, updated=later(90)),))

    assert logged(store, "ACME") == []
    assert logged(store, "ACME", "ZETA") == []


def test_worklogs_follow_an_issue_moved_between_two_mapped_plans(
    store: Store, clock: FakeClock
) -> None:
    ingest = ingest_for(clock, *plans())
    apply(store, ingest, issue("1", "ACME-1"), worklogs=(worklog("w1", issue_id="1", hours=12),))
    assert logged(store, "ACME") == [("w1", "ACME-1", WorkType.OMS)]

    assert apply(store, ingest, moved("ZETA-3", 60)) == [Outcome.STORED]

    assert logged(store, "ACME") == []
    assert logged(store, "ZETA") == [("w1", "ZETA-3", WorkType.OMS)]


def test_an_issue_moved_out_after_a_close_is_credited_at_the_next_close(
    store: Store, clock: FakeClock
) -> None:
    # 12 h of OMS work in period 0: 10 h included, 2 h of overage (125.00) billed in March.
    ingest = ingest_for(clock, *plans())
    close = CloseService(store, plans(), grace_days=3, clock=clock)
    apply(
        store,
        ingest,
        issue("1", "ACME-1"),
        worklogs=(worklog("w1", issue_id="1", started=FEB_10, hours=12),),
    )
    close.close(as_of=date(2026, 3, 10))
    assert adjustment_lines(store, "acme-20260228") == []

    apply(store, ingest, moved("OTHER-7", 60 * 24 * 30))
    close.close(as_of=date(2026, 4, 10))

    assert adjustment_lines(store, "acme-20260331") == [
        ("adjustment", "expired", 0, Decimal("10.00"), Decimal("0.00")),
        ("adjustment", "overage", 0, Decimal("-2.00"), Decimal("-125.00")),
    ]
