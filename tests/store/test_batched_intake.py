"""Group commit on the SQL store: ``SqlStore.add_events`` under ``BatchedIntake``, each backend."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import psycopg
import pytest
from sqlalchemy import event, select
from sqlalchemy.exc import IntegrityError

from oms_connector.adapters.sql.event_writer import PARAMETERS_PER_EVENT, PostgresEventWriter
from oms_connector.adapters.sql.schema import inbox
from oms_connector.adapters.sql.store import SqlStore
from oms_connector.services.intake import BatchedIntake
from oms_connector.services.ports import ReceivedEvent, StoreUnavailableError

NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)


def body_of(key: str) -> bytes:
    """A body of its own for each delivery, as Jira's carry their timestamp."""
    return b'{"webhookEvent": "worklog_created", "timestamp": "%s"}' % key.encode()


def received(key: str, body: bytes | None = None) -> ReceivedEvent:
    return ReceivedEvent(key, "worklog_created", body_of(key) if body is None else body, NOW)


def stored_keys(store: SqlStore) -> list[str]:
    with store.engine.connect() as connection:
        return sorted(connection.scalars(select(inbox.c.dedup_key)))


@dataclass
class Inserts:
    """The inbox inserts the store runs; the first can be held, a later one can fail.

    SQLite's go through the engine (its events see them); PostgreSQL's through the
    event writer's driver connection (its ``_execute`` is wrapped).
    """

    hold_first: bool = False
    fail_insert: int = 0
    multi_row: list[bool] = field(default_factory=list)
    writing: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)

    def seen(self, *, multi_row: bool, down: type[Exception]) -> None:
        self.multi_row.append(multi_row)
        if self.hold_first and len(self.multi_row) == 1:
            self.writing.set()
            assert self.release.wait(5), "the test never released the first insert"
        if len(self.multi_row) == self.fail_insert:
            raise down("the database is down")

    def before(
        self,
        connection: Any,
        _cursor: Any,
        statement: str,
        _parameters: Any,
        _context: Any,
        executemany: bool,
    ) -> None:
        if statement.startswith("INSERT INTO inbox"):
            self.seen(multi_row=executemany, down=connection.dialect.loaded_dbapi.OperationalError)


@pytest.fixture
def inserts(sql_store: SqlStore, monkeypatch: pytest.MonkeyPatch) -> Iterator[Inserts]:
    watched = Inserts()
    if sql_store.engine.dialect.name == "postgresql":
        execute = PostgresEventWriter._execute

        def watched_execute(
            writer: PostgresEventWriter, cursor: Any, statement: str, parameters: Any
        ) -> set[str]:
            rows = len(parameters) // PARAMETERS_PER_EVENT
            watched.seen(multi_row=rows > 1, down=psycopg.OperationalError)
            return execute(writer, cursor, statement, parameters)

        monkeypatch.setattr(PostgresEventWriter, "_execute", watched_execute)
        yield watched
        return
    event.listen(sql_store.engine, "before_cursor_execute", watched.before)
    yield watched
    event.remove(sql_store.engine, "before_cursor_execute", watched.before)


@pytest.fixture
def intake(sql_store: SqlStore) -> Iterator[BatchedIntake]:
    batched = BatchedIntake(sql_store)
    yield batched
    batched.close()


def add(intake: BatchedIntake, key: str) -> bool:
    return intake.add_event(key, "worklog_created", body_of(key), NOW)


def queue_behind_a_held_insert(
    inserts: Inserts, intake: BatchedIntake, pool: ThreadPoolExecutor, keys: list[str]
) -> list[Any]:
    """``d1`` inserted first and held; ``keys`` queued behind it; then the insert released."""
    first = pool.submit(add, intake, "d1")
    assert inserts.writing.wait(5)
    rest = [pool.submit(add, intake, key) for key in keys]
    deadline = time.monotonic() + 5
    while intake.queued < len(keys):
        assert time.monotonic() < deadline, "the deliveries never queued"
        time.sleep(0.001)
    inserts.release.set()
    return [first, *rest]


def test_deliveries_one_at_a_time_each_take_one_single_row_insert(
    sql_store: SqlStore, intake: BatchedIntake, inserts: Inserts
) -> None:
    assert [add(intake, "d1"), add(intake, "d2"), add(intake, "d1")] == [True, True, False]
    assert inserts.multi_row == [False, False, False]
    assert stored_keys(sql_store) == ["d1", "d2"]


def test_deliveries_queued_during_an_insert_are_stored_by_one_multi_row_insert(
    sql_store: SqlStore, intake: BatchedIntake, inserts: Inserts
) -> None:
    inserts.hold_first = True
    with ThreadPoolExecutor(5) as pool:
        futures = queue_behind_a_held_insert(inserts, intake, pool, ["d2", "d3", "d3", "d1"])
        outcomes = [future.result() for future in futures]
    assert outcomes[0] is True
    assert outcomes[1] is True
    assert sorted(outcomes[2:4]) == [False, True]
    assert outcomes[4] is False
    assert inserts.multi_row == [False, True]
    assert stored_keys(sql_store) == ["d1", "d2", "d3"]


def test_a_failing_batch_fails_every_waiting_delivery_and_stores_none_of_them(
    sql_store: SqlStore, intake: BatchedIntake, inserts: Inserts
) -> None:
    inserts.hold_first = True
    inserts.fail_insert = 2
    with ThreadPoolExecutor(4) as pool:
        first, *rest = queue_behind_a_held_insert(inserts, intake, pool, ["d2", "d3", "d4"])
        errors = [future.exception() for future in rest]
    assert first.result() is True
    assert [type(error) for error in errors] == [StoreUnavailableError] * 3
    assert all(str(error).startswith("the database is unavailable") for error in errors)
    assert stored_keys(sql_store) == ["d1"]


def test_many_threads_store_each_event_once_and_tell_exactly_one_caller_it_is_new(
    sql_store: SqlStore, intake: BatchedIntake
) -> None:
    keys = [f"d{n:03}" for n in range(60)]
    with ThreadPoolExecutor(8) as pool:
        futures = [(key, pool.submit(add, intake, key)) for key in keys * 4]
        outcomes = [(key, future.result()) for key, future in futures]
    assert sorted(key for key, new in outcomes if new) == keys
    assert stored_keys(sql_store) == keys


def test_a_multi_row_insert_with_a_bad_row_stores_none_of_the_rows(sql_store: SqlStore) -> None:
    bad = ReceivedEvent("d3", None, body_of("d3"), NOW)  # type: ignore[arg-type]  # NOT NULL
    with pytest.raises((IntegrityError, psycopg.IntegrityError)):  # engine's, driver's
        sql_store.add_events([received("d1"), received("d2"), bad])
    assert stored_keys(sql_store) == []


def test_the_same_key_twice_in_one_insert_is_stored_once(sql_store: SqlStore) -> None:
    assert sql_store.add_events([received("d1"), received("d2"), received("d1")]) == {"d1", "d2"}
    assert sql_store.add_events([received("d2"), received("d3")]) == {"d3"}
    assert sql_store.add_events([]) == set()
    assert stored_keys(sql_store) == ["d1", "d2", "d3"]


def test_a_closed_intake_refuses_deliveries_and_stores_nothing(
    sql_store: SqlStore, intake: BatchedIntake
) -> None:
    intake.close()
    with pytest.raises(StoreUnavailableError, match="the event intake is closed"):
        add(intake, "d1")
    assert stored_keys(sql_store) == []
