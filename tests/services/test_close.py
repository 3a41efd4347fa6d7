from __future__ import annotations

import threading
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from oms_connector.domain.lines import LineKind
from oms_connector.domain.statements import Statement
from oms_connector.domain.worklogs import Worklog
from oms_connector.services.close import CloseService
from oms_connector.services.ports import EventFacts, Store, StoreUnavailableError
from tests.domain.builders import NEW_YORK
from tests.services.builders import acme_plan, ingest_for, issue, later, worklog
from tests.services.fakes import FakeClock
from tests.services.memory_store import MemoryStore, MemoryUnitOfWork

OMS, URGENT = "10001", "10002"


def ny(year: int, month: int, day: int, hour: int = 10) -> datetime:
    return datetime(year, month, day, hour, tzinfo=NEW_YORK)


# BILLING_RULES.md section 7: acme's three periods.
ACME_WORK = (
    worklog("p0-oms", issue_id=OMS, started=ny(2026, 2, 10), hours=8.5),
    worklog("p1-oms-a", issue_id=OMS, started=ny(2026, 3, 10), hours=10),
    worklog("p1-oms-b", issue_id=OMS, started=ny(2026, 3, 11), hours=2.25),
    worklog("p1-urgent", issue_id=URGENT, started=ny(2026, 3, 12), hours=1, minutes=20),
    worklog("p2-oms", issue_id=OMS, started=ny(2026, 4, 10), hours=10),
)


def load(store: Store, clock: FakeClock, *worklogs: Worklog) -> None:
    facts = EventFacts(
        issues=(issue(OMS, "ACME-1"), issue(URGENT, "ACME-2", labels=frozenset({"urgent"}))),
        worklogs=worklogs,
    )
    with store.unit_of_work() as uow:
        ingest_for(clock).apply(uow, facts)
        uow.commit()


def closer(store: Store, clock: FakeClock) -> CloseService:
    return CloseService(store, [acme_plan()], grace_days=3, clock=clock)


def summary(statement: Statement) -> list[tuple[str, int, str, str, str | None]]:
    return [
        (line.kind.value, line.period_index, str(line.hours), str(line.amount), line.corrects)
        for line in statement.lines
    ]


def statements(store: Store) -> dict[str, Statement]:
    with store.unit_of_work() as uow:
        return {s.number: s for s in uow.statements.list("acme")}


@pytest.mark.parametrize(
    ("as_of", "indexes"),
    [
        (date(2026, 1, 30), []),
        (date(2026, 1, 31), [0]),
        (date(2026, 3, 2), [0]),
        (date(2026, 3, 3), [0, 1]),
        (date(2026, 4, 2), [0, 1]),
        (date(2026, 4, 3), [0, 1, 2]),
        (date(2026, 5, 3), [0, 1, 2, 3]),
        (date(2026, 7, 3), [0, 1, 2, 3, 4, 5]),
    ],
)
def test_statements_are_due_once_the_period_and_its_grace_days_are_over(
    as_of: date, indexes: list[int]
) -> None:
    plan = acme_plan()
    now = datetime.combine(as_of, datetime.min.time(), tzinfo=NEW_YORK)
    assert list(plan.calendar.due(now, grace_days=3)) == indexes


def test_closing_acme_writes_the_worked_example_statements(store: Store, clock: FakeClock) -> None:
    load(store, clock, *ACME_WORK)
    report = closer(store, clock).close(as_of=date(2026, 5, 3))
    written = statements(store)
    assert report.written == ["acme-20260131", "acme-20260228", "acme-20260331", "acme-20260430"]
    assert {number: str(s.total) for number, s in written.items()} == {
        "acme-20260131": "350.00",
        "acme-20260228": "350.00",
        "acme-20260331": "573.76",
        "acme-20260430": "0.00",
    }
    assert summary(written["acme-20260331"]) == [
        ("subscription", 2, "10.00", "350.00", None),
        ("overage", 1, "2.25", "140.63", None),
        ("priority", 1, "1.33", "83.13", None),
        ("expired", 1, "0.00", "0.00", None),
    ]
    assert summary(written["acme-20260228"])[1] == ("expired", 0, "1.50", "0.00", None)
    overage = written["acme-20260331"].lines[1]
    assert (overage.issue_keys, overage.worklog_ids) == (("ACME-1",), ("p1-oms-a", "p1-oms-b"))


def test_closing_month_by_month_gives_the_same_statements_as_at_once(
    store: Store, clock: FakeClock
) -> None:
    load(store, clock, *ACME_WORK)
    service = closer(store, clock)
    runs = [
        service.close(as_of=day).written
        for day in (date(2026, 1, 31), date(2026, 3, 3), date(2026, 4, 3), date(2026, 5, 3))
    ]
    assert runs == [["acme-20260131"], ["acme-20260228"], ["acme-20260331"], ["acme-20260430"]]
    assert str(statements(store)["acme-20260331"].total) == "573.76"


def test_closing_again_writes_nothing(store: Store, clock: FakeClock) -> None:
    load(store, clock, *ACME_WORK)
    service = closer(store, clock)
    service.close(as_of=date(2026, 5, 3))
    before = statements(store)
    again = service.close(as_of=date(2026, 5, 3))
    assert (again.written, again.already_written) == ([], [])
    assert statements(store) == before


def test_without_as_of_the_clock_decides(store: Store, clock: FakeClock) -> None:
    load(store, clock, *ACME_WORK)
    clock.current = datetime(2026, 3, 3, 5, 0, tzinfo=UTC)  # 00:00 in New York
    assert closer(store, clock).close().written == ["acme-20260131", "acme-20260228"]


# Changes stored after acme-20260331 (periods 0 and 1 closed), and the adjustment lines
# they put on acme-20260430 next to period 2's own lines.
ADJUSTMENT_CASES = [
    (
        "a worklog added to the overage of period 1",
        [worklog("late", issue_id=OMS, started=ny(2026, 3, 20), hours=1)],
        [("adjustment", 1, "1.00", "62.50", LineKind.OVERAGE)],
        "62.50",
    ),
    (
        "a priority worklog changed from 1 h 20 m to 2 h",
        [
            worklog(
                "p1-urgent", issue_id=URGENT, started=ny(2026, 3, 12), hours=2, updated=later(60)
            )
        ],
        [("adjustment", 1, "0.67", "41.87", LineKind.PRIORITY)],
        "41.87",
    ),
    (
        "the worklog behind the overage deleted",
        [worklog("p1-oms-b", issue_id=OMS, updated=later(60), deleted=True)],
        [("adjustment", 1, "-2.25", "-140.63", LineKind.OVERAGE)],
        "-140.63",
    ),
    (
        "a worklog added to period 0 uses hours that had expired",
        [worklog("late", issue_id=OMS, started=ny(2026, 2, 20), hours=1)],
        [("adjustment", 0, "-1.00", "0.00", LineKind.EXPIRED)],
        "0.00",
    ),
    (
        "a worklog started before enrolment is billed as priority work",
        [worklog("early", issue_id=OMS, started=ny(2026, 1, 30), hours=2)],
        [("adjustment", 0, "2.00", "125.00", LineKind.PRIORITY)],
        "125.00",
    ),
]


@pytest.mark.parametrize(
    ("changes", "adjustments", "total"),
    [pytest.param(*case[1:], id=case[0]) for case in ADJUSTMENT_CASES],
)
def test_a_change_to_a_closed_period_is_adjusted_on_the_next_statement(
    store: Store,
    clock: FakeClock,
    changes: list[Worklog],
    adjustments: list[tuple[str, int, str, str, LineKind]],
    total: str,
) -> None:
    load(store, clock, *ACME_WORK)
    service = closer(store, clock)
    service.close(as_of=date(2026, 4, 3))
    before = statements(store)
    load(store, clock, *changes)
    assert service.close(as_of=date(2026, 5, 3)).written == ["acme-20260430"]
    after = statements(store)
    final = after.pop("acme-20260430")
    assert after == before
    assert summary(final) == [("expired", 2, "0.00", "0.00", None), *adjustments]
    assert final.total == Decimal(total)


def test_a_reclassified_issue_is_adjusted_on_the_next_statement(
    store: Store, clock: FakeClock
) -> None:
    load(store, clock, *ACME_WORK)
    service = closer(store, clock)
    service.close(as_of=date(2026, 4, 3))
    with store.unit_of_work() as uow:
        urgent_no_more = issue(URGENT, "ACME-2", updated=later(60))
        ingest_for(clock).apply_issue(uow, urgent_no_more)
        uow.commit()
    service.close(as_of=date(2026, 5, 3))
    final = statements(store)["acme-20260430"]
    # 1 h 20 m more OMS work in period 1: overage 2.25 h -> 3.58 h, no priority work.
    assert summary(final)[1:] == [
        ("adjustment", 1, "1.33", "83.12", LineKind.OVERAGE),
        ("adjustment", 1, "-1.33", "-83.13", LineKind.PRIORITY),
    ]
    assert final.total == Decimal("-0.01")


def test_closing_plans_in_batches_gives_the_same_statements_as_all_at_once(
    store: Store, clock: FakeClock
) -> None:
    plans = [
        acme_plan(id=f"plan{n}", jira_projects=(f"P{n}",), hours_per_month=Decimal(2 + n))
        for n in range(5)
    ]
    facts = EventFacts(
        issues=tuple(issue(f"{n}", f"P{n}-1") for n in range(5)),
        worklogs=tuple(
            worklog(f"{n}-{day}", issue_id=f"{n}", started=ny(2026, 2, 1 + day), hours=1 + n)
            for n in range(5)
            for day in range(0, 28, 3)
        ),
    )
    with store.unit_of_work() as uow:
        ingest_for(clock, *plans).apply(uow, facts)
        uow.commit()
    batched = CloseService(store, plans, 3, clock, plans_per_batch=2).close(as_of=date(2026, 4, 3))
    with store.unit_of_work() as uow:
        written = uow.statements.list()
    other = MemoryStore()
    with other.unit_of_work() as uow:
        ingest_for(clock, *plans).apply(uow, facts)
        uow.commit()
    CloseService(other, plans, 3, clock).close(as_of=date(2026, 4, 3))
    with other.unit_of_work() as uow:
        assert written == uow.statements.list()
    assert len(batched.written) == 15  # statements 0, 1 and 2 of five plans
    # Plan n: nine worklogs of 1 + n h in period 0, against 2 + n h included.
    overage = [
        str(line.hours)
        for statement in written
        if statement.index == 1
        for line in statement.lines
        if line.kind is LineKind.OVERAGE
    ]
    assert overage == ["7.00", "15.00", "23.00", "31.00", "39.00"]


def test_a_batch_holds_at_least_one_plan(store: Store, clock: FakeClock) -> None:
    with pytest.raises(ValueError, match="plans per batch must be 1 or more, got 0"):
        CloseService(store, [acme_plan()], 3, clock, plans_per_batch=0)


class FailingSecondRead(MemoryStore):
    """The in-memory store, on which the second read-only unit of work cannot open."""

    def __init__(self) -> None:
        super().__init__()
        self.reads = 0

    def unit_of_work(self, *, read_only: bool = False) -> MemoryUnitOfWork:
        if read_only:
            self.reads += 1
            if self.reads == 2:
                raise StoreUnavailableError("the database is unavailable: gone")
        return super().unit_of_work(read_only=read_only)


def test_a_failed_read_of_a_batch_is_the_close_s_error_and_writes_nothing_of_it_or_after(
    clock: FakeClock,
) -> None:
    store = FailingSecondRead()
    plans = [acme_plan(id=f"plan{n}", jira_projects=(f"P{n}",)) for n in range(3)]
    with store.unit_of_work() as uow:
        ingest_for(clock, *plans).apply(uow, EventFacts(issues=(), worklogs=()))
        uow.commit()

    with pytest.raises(StoreUnavailableError, match="the database is unavailable: gone"):
        CloseService(store, plans, 3, clock, plans_per_batch=1).close(as_of=date(2026, 3, 3))

    with store.unit_of_work() as uow:
        numbers = [statement.number for statement in uow.statements.list()]
    assert numbers == ["plan0-20260131", "plan0-20260228"]
    assert store.reads == 2  # the third batch was never read
    assert [t.name for t in threading.enumerate() if t.name.startswith("close-read")] == []
