"""Implausible worklogs are held out of every sum, listed with their reason, and released
by a plausible version or by the agency's acceptance; on each store."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from oms_connector.domain.classification import Classifier, WorkType
from oms_connector.domain.plausibility import Plausibility
from oms_connector.domain.worklogs import Worklog
from oms_connector.services.ingest import Ingest, Outcome
from oms_connector.services.ports import EventFacts, Store
from oms_connector.services.quarantine import QuarantineError, QuarantineService
from oms_connector.services.reports import StatementReports
from tests.services.builders import acme_plan, issue
from tests.services.fakes import FakeClock

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
STARTED = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def logged(
    seconds: int = 7200,
    *,
    started: datetime = STARTED,
    updated: datetime = NOW - timedelta(hours=1),
    deleted: bool = False,
) -> Worklog:
    return Worklog(
        id="30001",
        issue_id="10001",
        started=started,
        seconds=seconds,
        updated=updated,
        author="mallory",
        deleted=deleted,
    )


def ingest(clock: FakeClock) -> Ingest:
    return Ingest([acme_plan()], Classifier(default=WorkType.OMS), clock, Plausibility())


def apply(store: Store, clock: FakeClock, *worklogs: Worklog) -> list[Outcome]:
    with store.unit_of_work() as uow:
        outcomes = ingest(clock).apply(uow, EventFacts(issues=(issue(),), worklogs=worklogs))
        uow.commit()
    return outcomes[1:]


def counted(store: Store) -> list[tuple[str, int]]:
    with store.unit_of_work(read_only=True) as uow:
        return [(w.worklog_id, w.seconds) for w in uow.worklogs.logged_work(["ACME"])]


def held(store: Store) -> list[tuple[str, str, int, str]]:
    with store.unit_of_work(read_only=True) as uow:
        return [
            (h.worklog.id, h.worklog.started.isoformat(), h.worklog.seconds, h.reason)
            for h in uow.quarantine.held()
        ]


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(NOW)


@pytest.mark.parametrize(
    ("version", "shown", "reason"),
    [
        (
            logged(started=datetime.fromisoformat("9999-12-31T23:30:00-05:00")),
            "9999-12-31T23:30:00-05:00",
            "started 9999-12-31T23:30:00-05:00 is after 2026-03-11T12:00:00+00:00",
        ),
        (
            logged(started=datetime.fromisoformat("0001-01-01T00:30:00+01:00")),
            "0001-01-01T00:30:00+01:00",
            "started 0001-01-01T00:30:00+01:00 is before 2025-01-31, "
            "365 days before its plan's enrolment",
        ),
        (
            logged(10**12),
            "2026-03-02T09:00:00+00:00",
            "lasts 1000000000000 s, more than the 86400 s a worklog may last",
        ),
        (logged(0), "2026-03-02T09:00:00+00:00", "lasts 0 s, less than 1 s"),
        (
            logged(updated=datetime(9999, 1, 1, tzinfo=UTC)),
            "2026-03-02T09:00:00+00:00",
            "updated 9999-01-01T00:00:00+00:00 is in the future",
        ),
    ],
    ids=["year-9999", "year-1", "10^12-seconds", "no-time", "updated-9999"],
)
def test_an_implausible_worklog_is_held_with_its_reason_and_counts_nothing(
    store: Store, clock: FakeClock, version: Worklog, shown: str, reason: str
) -> None:
    assert apply(store, clock, version) == [Outcome.HELD]

    assert counted(store) == []
    assert held(store) == [("30001", shown, version.seconds, reason)]
    # The plan's pages read as if the worklog were not there.
    view = StatementReports(store, [acme_plan()], clock).plans()[0]
    assert (view.current.oms_used, view.held) == (0, 1)  # type: ignore[union-attr]


def test_a_held_version_stops_the_last_counted_one_and_a_later_plausible_one_releases_it(
    store: Store, clock: FakeClock
) -> None:
    apply(store, clock, logged(7200, updated=NOW - timedelta(hours=3)))
    assert counted(store) == [("30001", 7200)]

    assert apply(store, clock, logged(10**12, updated=NOW - timedelta(hours=2))) == [Outcome.HELD]
    assert counted(store) == []
    # The same held version again changes nothing; an older plausible one does not release it.
    assert apply(store, clock, logged(10**12, updated=NOW - timedelta(hours=2))) == [Outcome.KEPT]
    assert apply(store, clock, logged(3600, updated=NOW - timedelta(hours=2, minutes=30))) == [
        Outcome.KEPT
    ]
    assert counted(store) == []

    assert apply(store, clock, logged(10_800, updated=NOW - timedelta(hours=1))) == [Outcome.STORED]
    assert counted(store) == [("30001", 10_800)]
    assert held(store) == []


def test_an_update_dated_in_the_future_does_not_win_over_the_next_real_edit(
    store: Store, clock: FakeClock
) -> None:
    apply(store, clock, logged(7200, updated=datetime(9999, 1, 1, tzinfo=UTC)))
    clock.advance(timedelta(minutes=1))

    real_edit = logged(5400, updated=clock.now())
    assert apply(store, clock, real_edit) == [Outcome.STORED]
    assert counted(store) == [("30001", 5400)]


def test_a_deleted_held_worklog_is_no_longer_held(store: Store, clock: FakeClock) -> None:
    apply(store, clock, logged(10**12))

    assert apply(store, clock, logged(10**12, updated=NOW, deleted=True)) == [Outcome.STORED]
    assert (counted(store), held(store)) == ([], [])


def test_the_agency_accepts_a_long_worklog_and_it_counts_as_jira_sent_it(
    store: Store, clock: FakeClock
) -> None:
    apply(store, clock, logged(30 * 3600))
    service = QuarantineService(store, [acme_plan()], Plausibility(), clock)

    accepted = service.accept("30001")

    assert (accepted.worklog.seconds, service.plan_of(accepted)) == (30 * 3600, "acme")
    assert counted(store) == [("30001", 30 * 3600)]
    assert held(store) == []
    with store.unit_of_work(read_only=True) as uow:
        assert [(f.issue_id, f.worklog_id) for f in uow.follow_ups.pending(10)] == [
            ("10001", ""),
            ("10001", "30001"),
        ]
    with pytest.raises(QuarantineError, match=r"^no worklog '30001' is held in quarantine$"):
        service.accept("30001")


def test_work_that_has_not_happened_cannot_be_accepted(store: Store, clock: FakeClock) -> None:
    apply(store, clock, logged(started=datetime(9999, 12, 31, tzinfo=UTC)))
    service = QuarantineService(store, [acme_plan()], Plausibility(), clock)

    with pytest.raises(QuarantineError) as refused:
        service.accept("30001")

    assert str(refused.value) == (
        "worklog 30001 cannot be counted: started 9999-12-31T00:00:00+00:00 is in the future: "
        "correct it in Jira"
    )
    assert len(held(store)) == 1


def test_the_window_opens_a_year_before_the_enrolment_of_the_worklog_s_own_plan(
    store: Store, clock: FakeClock
) -> None:
    """acme enrolled on 2026-01-31, newer on 2026-03-10: work of 2025-02-15 is within a year
    of acme's enrolment only. An unknown issue is given the benefit of the earliest."""
    plans = [acme_plan(), acme_plan(id="newer", jira_projects=("NEW",), enrolled_on=NOW.date())]
    service = Ingest(plans, Classifier(default=WorkType.OMS), clock, Plausibility())
    started = datetime(2025, 2, 15, tzinfo=UTC)
    work = [
        Worklog(f"w-{key}", issue_id, started, 3600, NOW)
        for key, issue_id in (("acme", "10001"), ("new", "10002"), ("unknown", "10003"))
    ]

    with store.unit_of_work() as uow:
        facts = EventFacts(issues=(issue(), issue("10002", "NEW-1")), worklogs=tuple(work))
        outcomes = service.apply(uow, facts)
        uow.commit()

    assert outcomes[2:] == [Outcome.STORED, Outcome.HELD, Outcome.STORED]
    assert [one[0] for one in held(store)] == ["w-new"]
