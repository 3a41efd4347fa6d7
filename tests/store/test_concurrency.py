"""Several processes on one PostgreSQL database: each statement once, each event once."""

from __future__ import annotations

import multiprocessing
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from multiprocessing.queues import SimpleQueue
from multiprocessing.synchronize import Barrier

import pytest
from sqlalchemy import func, select

from oms_connector.adapters.sql.engine import create_store_engine
from oms_connector.adapters.sql.schema import billing_lines, statements
from oms_connector.adapters.sql.store import SqlStore
from oms_connector.domain.plans import Plan
from oms_connector.services.close import CloseService
from oms_connector.services.ports import EventFacts
from tests.conftest import migrated_store
from tests.services.builders import acme_plan, ingest_for, issue, worklog
from tests.services.fakes import FakeClock

pytestmark = pytest.mark.postgres

PLANS = [
    acme_plan(id=f"plan{n}", jira_projects=(f"P{n}",), hours_per_month=Decimal(10 + n))
    for n in range(6)
]
AS_OF = date(2026, 7, 3)
NOW = datetime(2026, 7, 3, 12, tzinfo=UTC)


def _close_in_another_process(
    url: str, plans: list[Plan], barrier: Barrier, results: SimpleQueue[list[str]]
) -> None:
    store = SqlStore(create_store_engine(url))
    try:
        barrier.wait(timeout=60)
        results.put(CloseService(store, plans, 3, FakeClock(NOW)).close(as_of=AS_OF).written)
    finally:
        store.close()


def _load(store: SqlStore) -> None:
    clock = FakeClock(NOW)
    facts = EventFacts(
        issues=tuple(issue(f"{n}", f"P{n}-1") for n in range(6)),
        worklogs=tuple(
            worklog(
                f"{n}-{day}",
                issue_id=f"{n}",
                started=datetime(2026, 2, 1, tzinfo=UTC) + timedelta(days=day),
                hours=3,
            )
            for n in range(6)
            for day in range(0, 150, 5)
        ),
    )
    with store.unit_of_work() as uow:
        ingest_for(clock, *PLANS).apply(uow, facts)
        uow.commit()


def test_two_processes_closing_the_same_periods_write_each_statement_once(
    postgres_url: str,
) -> None:
    with migrated_store(postgres_url) as store:
        _load(store)
        context = multiprocessing.get_context("spawn")
        barrier = context.Barrier(2)
        results: SimpleQueue[list[str]] = context.SimpleQueue()
        workers = [
            context.Process(
                target=_close_in_another_process, args=(postgres_url, PLANS, barrier, results)
            )
            for _ in range(2)
        ]
        for process in workers:
            process.start()
        for process in workers:
            process.join(timeout=120)
        assert [process.exitcode for process in workers] == [0, 0]
        runs = [results.get(), results.get()]
        results.close()
        expected = CloseService(store, PLANS, 3, FakeClock(NOW))
        with store.engine.connect() as connection:
            headers = (
                connection.execute(select(statements.c.number).order_by(statements.c.number))
                .scalars()
                .all()
            )
            lines = connection.execute(select(func.count()).select_from(billing_lines)).scalar_one()
        written = sorted(runs[0] + runs[1])
        assert written == list(headers)
        assert len(headers) == len(PLANS) * 6  # statements 0..5 for each plan
        assert expected.close(as_of=AS_OF).written == []
        with store.unit_of_work() as uow:
            assert sum(len(s.lines) for s in uow.statements.list()) == lines
