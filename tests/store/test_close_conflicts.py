"""A closer that finds a statement written by another, between its reads and its write."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime
from types import TracebackType
from typing import Self

from oms_connector.adapters.sql.store import SqlStore, SqlUnitOfWork
from oms_connector.domain.lines import Line
from oms_connector.domain.statements import Statement
from oms_connector.domain.terms import BilledTerms
from oms_connector.services.close import CloseService
from oms_connector.services.ports import (
    AlertRepository,
    CheckpointRepository,
    InboxRepository,
    IssueRepository,
    RecordedTerms,
    RenewalReminderRepository,
    StatementRepository,
    WorklogRepository,
    WritebackRepository,
)
from tests.services.builders import acme_plan, later, worklog
from tests.services.fakes import FakeClock
from tests.services.test_close import ACME_WORK, OMS, load, ny, statements, summary

NOW = datetime.fromisoformat("2026-04-03T12:00:00+00:00")


class _Statements:
    """A unit of work's statement repository; the race's rival runs before the first write."""

    def __init__(self, inner: StatementRepository, race: RacedStore) -> None:
        self._inner = inner
        self._race = race

    def add(self, statement: Statement, created_at: datetime, *, terms: BilledTerms) -> bool:
        self._race.run_rival()
        return self._inner.add(statement, created_at, terms=terms)

    def skip(
        self,
        plan_id: str,
        index: int,
        billing_date: date,
        skipped_at: datetime,
        *,
        sales_from: int,
    ) -> bool:
        self._race.run_rival()
        return self._inner.skip(plan_id, index, billing_date, skipped_at, sales_from=sales_from)

    def skipped_sales_from(self, plan_ids: Sequence[str]) -> dict[str, int]:
        return self._inner.skipped_sales_from(plan_ids)

    def is_skipped(self, plan_id: str, index: int) -> bool:
        self._race.run_rival()
        return self._inner.is_skipped(plan_id, index)

    def latest_terms(self, plan_ids: Sequence[str]) -> dict[str, RecordedTerms]:
        return self._inner.latest_terms(plan_ids)

    def written_indexes(self, plan_id: str) -> set[int]:
        return self._inner.written_indexes(plan_id)

    def written_by_plan(self) -> dict[str, set[int]]:
        return self._inner.written_by_plan()

    def billed_lines(self, plan_id: str) -> list[Line]:
        return self._inner.billed_lines(plan_id)

    def billed_lines_by_plan(self, plan_ids: Sequence[str]) -> dict[str, list[Line]]:
        return self._inner.billed_lines_by_plan(plan_ids)

    def list(self, plan_id: str | None = None) -> list[Statement]:
        return self._inner.list(plan_id)


class _UnitOfWork:
    def __init__(self, inner: SqlUnitOfWork, race: RacedStore) -> None:
        self._inner = inner
        self._race = race

    def __enter__(self) -> Self:
        self._inner.__enter__()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._inner.__exit__(exc_type, exc, traceback)

    @property
    def statements(self) -> StatementRepository:
        return _Statements(self._inner.statements, self._race)

    @property
    def issues(self) -> IssueRepository:
        return self._inner.issues

    @property
    def worklogs(self) -> WorklogRepository:
        return self._inner.worklogs

    @property
    def inbox(self) -> InboxRepository:
        return self._inner.inbox

    @property
    def checkpoints(self) -> CheckpointRepository:
        return self._inner.checkpoints

    @property
    def writebacks(self) -> WritebackRepository:
        return self._inner.writebacks

    @property
    def alerts(self) -> AlertRepository:
        return self._inner.alerts

    @property
    def renewal_reminders(self) -> RenewalReminderRepository:
        return self._inner.renewal_reminders

    def commit(self) -> None:
        self._inner.commit()

    def rollback(self) -> None:
        self._inner.rollback()


class RacedStore:
    """The SQL store, on which ``rival`` runs once, just before the first statement is settled."""

    def __init__(self, store: SqlStore, rival: Callable[[], object]) -> None:
        self._store = store
        self._rival: Callable[[], object] | None = rival

    def unit_of_work(self, *, read_only: bool = False) -> _UnitOfWork:
        return _UnitOfWork(self._store.unit_of_work(read_only=read_only), self)

    def run_rival(self) -> None:
        rival, self._rival = self._rival, None
        if rival is not None:
            rival()


def test_a_statement_written_meanwhile_stops_the_plan_and_the_next_close_builds_on_it(
    sql_store: SqlStore,
) -> None:
    clock = FakeClock(NOW)
    load(sql_store, clock, *ACME_WORK)
    plans = [acme_plan()]
    CloseService(sql_store, plans, 3, clock).close(as_of=date(2026, 1, 31))
    # After this run has read what is billed (statement 0), another closer writes statement 1.
    rival = CloseService(sql_store, plans, 3, clock)
    raced = RacedStore(sql_store, lambda: rival.close(as_of=date(2026, 3, 3)))

    report = CloseService(raced, plans, 3, clock).close(as_of=date(2026, 4, 3))

    # The rival may have run another configuration or read later usage: nothing more is
    # written for the plan from this run's reads.
    assert (report.already_written, report.written) == (["acme-20260228"], [])
    again = CloseService(sql_store, plans, 3, clock).close(as_of=date(2026, 4, 3))
    assert again.written == ["acme-20260331"]
    # Built on the rival's statement 1: period 0 billed once, no adjustment for it.
    written = statements(sql_store)
    assert summary(written["acme-20260331"]) == [
        ("subscription", 2, "10.00", "350.00", None),
        ("overage", 1, "2.25", "140.63", None),
        ("priority", 1, "1.33", "83.13", None),
        ("expired", 1, "0.00", "0.00", None),
    ]
    assert sorted(written) == ["acme-20260131", "acme-20260228", "acme-20260331"]


AFTER_TERM = datetime.fromisoformat("2026-06-10T12:00:00+00:00")


def _late_work(store: SqlStore, clock: FakeClock) -> None:
    """2 h of OMS work in period 3, after the term: acme-20260531 bills it as priority."""
    late = worklog("p3-oms", issue_id=OMS, started=ny(2026, 5, 10), hours=2, updated=later(5))
    load(store, clock, late)


def test_a_closer_on_another_configuration_stops_where_the_rival_wrote(
    sql_store: SqlStore,
) -> None:
    # The rival runs a longer term (the file was changed); this run still has the old one.
    clock = FakeClock(AFTER_TERM)
    load(sql_store, clock, *ACME_WORK)
    CloseService(sql_store, [acme_plan()], 3, clock).close(as_of=date(2026, 4, 3))
    _late_work(sql_store, clock)
    rival = CloseService(sql_store, [acme_plan(term_months=6)], 3, clock)
    raced = RacedStore(sql_store, lambda: rival.close(as_of=date(2026, 5, 3)))

    report = CloseService(raced, [acme_plan()], 3, clock).close(as_of=date(2026, 6, 3))

    assert (report.already_written, report.written) == (["acme-20260430"], [])
    # Period 3 is not billed as uncovered beside the rival's subscription of it ...
    assert sorted(statements(sql_store)) == [
        "acme-20260131",
        "acme-20260228",
        "acme-20260331",
        "acme-20260430",
    ]
    # ... and the old configuration is refused from now on.
    refused = CloseService(sql_store, [acme_plan()], 3, clock).close(as_of=date(2026, 6, 3))
    assert refused.refused[0].startswith("plan acme: period 3 (2026-04-30 to 2026-05-31)")


def test_a_statement_skipped_meanwhile_is_not_written_over(sql_store: SqlStore) -> None:
    clock = FakeClock(AFTER_TERM)
    load(sql_store, clock, *ACME_WORK)
    plans = [acme_plan()]
    CloseService(sql_store, plans, 3, clock).close(as_of=date(2026, 5, 3))
    # This run reads period 3 empty and skips acme-20260531; a rival that read the late
    # work first writes it.
    rival = CloseService(sql_store, plans, 3, clock)

    def rival_writes() -> None:
        _late_work(sql_store, clock)
        rival.close(as_of=date(2026, 6, 3))

    report = CloseService(RacedStore(sql_store, rival_writes), plans, 3, clock).close(
        as_of=date(2026, 6, 3)
    )

    assert (report.skipped, report.already_written) == ([], ["acme-20260531"])
    with sql_store.unit_of_work() as uow:
        assert not uow.statements.is_skipped("acme", 4)
    assert summary(statements(sql_store)["acme-20260531"]) == [
        ("priority", 3, "2.00", "125.00", None)
    ]


def test_a_statement_found_skipped_meanwhile_is_not_written(sql_store: SqlStore) -> None:
    clock = FakeClock(AFTER_TERM)
    load(sql_store, clock, *ACME_WORK)
    plans = [acme_plan()]
    CloseService(sql_store, plans, 3, clock).close(as_of=date(2026, 5, 3))
    _late_work(sql_store, clock)

    def rival_skips() -> None:
        # A rival that read period 3 before the late work came skipped acme-20260531.
        with sql_store.unit_of_work() as uow:
            assert uow.statements.skip("acme", 4, date(2026, 5, 31), clock.now(), sales_from=0)
            uow.commit()

    raced = RacedStore(sql_store, rival_skips)
    # The rival runs after this run's reads, before it writes.
    report = CloseService(raced, plans, 3, clock).close(as_of=date(2026, 6, 3))

    assert (report.written, report.already_written) == ([], ["acme-20260531"])
    assert "acme-20260531" not in statements(sql_store)
