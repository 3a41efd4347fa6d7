"""``SqlStore.add_event``: one received event, committed once, through dropped connections."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
import pytest
from sqlalchemy import Engine, create_engine, select, text

from oms_connector.adapters.sql import event_writer
from oms_connector.adapters.sql.engine import create_store_engine
from oms_connector.adapters.sql.event_writer import PostgresEventWriter
from oms_connector.adapters.sql.schema import inbox
from oms_connector.adapters.sql.store import SqlStore
from oms_connector.services.inbox import InboxService
from oms_connector.services.ports import InboxStatus, ReceivedEvent, StoreUnavailableError
from tests.conftest import migrated_store

NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)
BODY = b'{"webhookEvent": "worklog_created"}'
OTHER_BODY = b'{"webhookEvent": "worklog_created", "timestamp": 1}'


class FixedClock:
    def now(self) -> datetime:
        return NOW


def stored_keys(store: SqlStore) -> list[str]:
    with store.engine.connect() as connection:
        return list(connection.scalars(select(inbox.c.dedup_key).order_by(inbox.c.id)))


@pytest.fixture
def admin(postgres_url: str) -> Iterator[Engine]:
    engine = create_engine(postgres_url)
    yield engine
    engine.dispose()


@pytest.fixture
def pg_store(postgres_url: str) -> Iterator[SqlStore]:
    with migrated_store(postgres_url) as store:
        yield store


def terminate(admin: Engine, backend_pid: int) -> None:
    """End a server session as a restart would, and wait until it is gone."""
    with admin.connect() as connection:
        ended = connection.scalar(
            text("SELECT pg_terminate_backend(:pid, 5000)"), {"pid": backend_pid}
        )
    assert ended is True


def backend_pid(connection: Any) -> int:
    pid = connection.connection.dbapi_connection.info.backend_pid
    assert isinstance(pid, int)
    return pid


def test_an_event_is_stored_once_however_often_it_arrives(sql_store: SqlStore) -> None:
    added = [
        sql_store.add_event("delivery:d1", "worklog_created", BODY, NOW),
        sql_store.add_event("delivery:d1", "worklog_created", BODY, NOW),
        sql_store.add_event("delivery:d2", "worklog_created", OTHER_BODY, NOW),
        sql_store.add_event("delivery:d3", "worklog_created", BODY, NOW),
    ]
    with sql_store.unit_of_work() as uow:
        counts = uow.inbox.counts()
    assert added == [True, False, True, False]  # d3: the body of d1 replayed
    assert stored_keys(sql_store) == ["delivery:d1", "delivery:d2"]
    assert counts == {InboxStatus.PENDING: 2, InboxStatus.DONE: 0, InboxStatus.FAILED: 0}


def test_the_inbox_service_receives_through_the_store_intake(sql_store: SqlStore) -> None:
    inbox_service = InboxService(sql_store, FixedClock(), intake=sql_store)
    assert [inbox_service.receive(BODY, "d1"), inbox_service.receive(BODY, "d1")] == [True, False]
    with sql_store.unit_of_work() as uow:
        stored = uow.inbox.get(1)
    assert stored is not None
    assert (stored.dedup_key, stored.event, stored.body, stored.received_at) == (
        "delivery:d1",
        "worklog_created",
        BODY,
        NOW,
    )


def numbered_event(n: int) -> ReceivedEvent:
    return ReceivedEvent(
        f"delivery:e{n:02}", f"event-{n}", f'{{"n": {n}}}'.encode(), NOW + timedelta(seconds=n)
    )


def test_a_batch_of_many_events_stores_each_one_s_own_values(sql_store: SqlStore) -> None:
    sql_store.add_event("delivery:e07", "old", b"{}", NOW)
    events = [numbered_event(n) for n in range(64)]
    added = sql_store.add_events(events)
    with sql_store.engine.connect() as connection:
        columns = [inbox.c.dedup_key, inbox.c.event, inbox.c.body, inbox.c.received_at]
        rows = connection.execute(
            select(*columns, inbox.c.available_at, inbox.c.status, inbox.c.attempts).order_by(
                inbox.c.dedup_key
            )
        ).all()
    old = ReceivedEvent("delivery:e07", "old", b"{}", NOW)
    expected = [old if n == 7 else event for n, event in enumerate(events)]
    assert added == {event.dedup_key for event in events} - {"delivery:e07"}
    assert [tuple(row) for row in rows] == [
        (e.dedup_key, e.event, e.body, e.received_at, e.received_at, "pending", 0) for e in expected
    ]


@pytest.mark.postgres
def test_a_pooled_connection_the_server_ended_is_replaced_on_checkout(
    pg_store: SqlStore, admin: Engine
) -> None:
    with pg_store.engine.connect() as connection:
        pooled = backend_pid(connection)
    terminate(admin, pooled)
    # A unit of work is not retried: it works only if the pool replaced the connection.
    with pg_store.unit_of_work() as uow:
        assert uow.inbox.add("delivery:d1", "worklog_created", BODY, NOW) is True
        uow.commit()
    with pg_store.engine.connect() as connection:
        assert backend_pid(connection) != pooled
    assert stored_keys(pg_store) == ["delivery:d1"]


def backend_alive(admin: Engine, pid: int) -> bool:
    with admin.connect() as connection:
        found = connection.scalar(
            text("SELECT count(*) FROM pg_stat_activity WHERE pid = :pid"), {"pid": pid}
        )
    return found == 1


def backend_ends(admin: Engine, pid: int) -> bool:
    """Whether a session closed by its client is gone within 5 s (its end is asynchronous)."""
    deadline = time.monotonic() + 5
    while backend_alive(admin, pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def watch_inserts(
    monkeypatch: pytest.MonkeyPatch, end_session: Callable[[int, int], None] | None = None
) -> list[int]:
    """The backend of each insert the event writer sends, from now on.

    ``end_session``, given the attempt's number (from 1) and backend, may end that session
    just before the insert is sent.
    """
    execute = PostgresEventWriter._execute
    seen: list[int] = []

    def watched(
        writer: PostgresEventWriter, cursor: Any, statement: str, parameters: Any
    ) -> set[str]:
        seen.append(cursor.connection.info.backend_pid)
        if end_session is not None:
            end_session(len(seen), seen[-1])
        return execute(writer, cursor, statement, parameters)

    monkeypatch.setattr(PostgresEventWriter, "_execute", watched)
    return seen


@pytest.fixture
def executes(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    return watch_inserts(monkeypatch)


@pytest.mark.postgres
def test_a_connection_the_server_closed_is_replaced_before_the_insert(
    pg_store: SqlStore, admin: Engine, executes: list[int]
) -> None:
    assert pg_store.add_event("delivery:d1", "worklog_created", BODY, NOW) is True
    terminate(admin, executes[0])
    assert pg_store.add_event("delivery:d2", "worklog_created", OTHER_BODY, NOW) is True
    # No failed attempt: the closed connection was noticed before sending.
    assert len(executes) == 2
    assert executes[1] != executes[0]
    assert stored_keys(pg_store) == ["delivery:d1", "delivery:d2"]


@pytest.mark.postgres
def test_a_connection_lost_during_the_insert_is_retried_once_and_the_event_stored_once(
    pg_store: SqlStore, admin: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    def end_the_first_session(attempt: int, backend: int) -> None:
        if attempt == 1:
            terminate(admin, backend)

    attempts = watch_inserts(monkeypatch, end_the_first_session)
    assert pg_store.add_event("delivery:d1", "worklog_created", BODY, NOW) is True
    assert len(attempts) == 2
    assert attempts[1] != attempts[0]
    assert stored_keys(pg_store) == ["delivery:d1"]


@pytest.mark.postgres
def test_a_connection_older_than_the_pool_s_recycle_age_is_replaced(
    pg_store: SqlStore, admin: Engine, executes: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert pg_store.add_event("delivery:d1", "worklog_created", BODY, NOW) is True
    monkeypatch.setattr(event_writer, "POSTGRES_POOL_RECYCLE_SECONDS", -1)
    assert pg_store.add_event("delivery:d2", "worklog_created", OTHER_BODY, NOW) is True
    assert executes[1] != executes[0]
    assert backend_ends(admin, executes[0])  # closed, not left behind


@pytest.mark.postgres
def test_after_a_fork_the_child_opens_its_own_connection_and_leaves_the_parent_s_alone(
    pg_store: SqlStore, admin: Engine, executes: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert pg_store.add_event("delivery:d1", "worklog_created", BODY, NOW) is True
    parent = os.getpid()
    monkeypatch.setattr(event_writer.os, "getpid", lambda: parent + 1)
    assert pg_store.add_event("delivery:d2", "worklog_created", OTHER_BODY, NOW) is True
    assert executes[1] != executes[0]
    assert backend_alive(admin, executes[0])  # the parent's session, untouched
    pg_store.close()  # in the "child": closes the child's session only
    assert backend_ends(admin, executes[1])
    assert backend_alive(admin, executes[0])  # still there once the child's has ended
    monkeypatch.undo()
    pg_store.close()  # back in the process that opened it
    assert backend_ends(admin, executes[0])


@pytest.mark.postgres
def test_a_closed_writer_refuses_deliveries(pg_store: SqlStore) -> None:
    assert pg_store.add_event("delivery:d1", "worklog_created", BODY, NOW) is True
    pg_store.close()
    with pytest.raises(StoreUnavailableError, match="the event writer is closed"):
        pg_store.add_event("delivery:d2", "worklog_created", BODY, NOW)


@pytest.mark.postgres
def test_a_naive_instant_and_an_oversized_batch_are_refused_before_anything_is_sent(
    pg_store: SqlStore, executes: list[int]
) -> None:
    naive = ReceivedEvent("delivery:d1", "worklog_created", BODY, datetime(2026, 3, 1, 12))
    with pytest.raises(ValueError, match="is not timezone-aware"):
        pg_store.add_events([naive])
    too_many = [
        ReceivedEvent(f"delivery:{n}", "worklog_created", BODY, NOW)
        for n in range(event_writer.MAX_EVENTS + 1)
    ]
    with pytest.raises(ValueError, match="1001 events in one insert; at most 1000"):
        pg_store.add_events(too_many)
    assert executes == []


@pytest.mark.postgres
def test_an_insert_whose_answer_was_lost_is_not_stored_twice_by_the_retry(
    pg_store: SqlStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    execute = PostgresEventWriter._execute
    lost: list[bool] = []

    def lose_the_first_answer(
        writer: PostgresEventWriter, cursor: Any, statement: str, parameters: Any
    ) -> set[str]:
        added = execute(writer, cursor, statement, parameters)
        if not lost:
            lost.append(True)
            cursor.connection.close()
            raise psycopg.OperationalError("server closed the connection unexpectedly")
        return added

    monkeypatch.setattr(PostgresEventWriter, "_execute", lose_the_first_answer)
    # Committed by the first attempt, found by the retry: a repeated delivery, not new.
    assert pg_store.add_event("delivery:d1", "worklog_created", BODY, NOW) is False
    assert lost == [True]
    assert stored_keys(pg_store) == ["delivery:d1"]


@pytest.mark.postgres
def test_a_second_lost_connection_makes_the_store_unavailable(
    pg_store: SqlStore, admin: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    ended = watch_inserts(monkeypatch, lambda _attempt, backend: terminate(admin, backend))
    with pytest.raises(StoreUnavailableError, match="the database is unavailable"):
        pg_store.add_event("delivery:d1", "worklog_created", BODY, NOW)
    assert len(set(ended)) == 2
    monkeypatch.undo()
    assert stored_keys(pg_store) == []
    # The writer connects afresh for the next delivery.
    assert pg_store.add_event("delivery:d1", "worklog_created", BODY, NOW) is True


@pytest.mark.postgres
def test_an_error_that_leaves_the_connection_up_is_not_retried(
    pg_store: SqlStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[int] = []

    def time_out(*_: Any) -> set[str]:
        calls.append(1)
        raise psycopg.errors.QueryCanceled("canceling statement due to statement timeout")

    assert pg_store.add_event("delivery:d1", "worklog_created", BODY, NOW) is True
    monkeypatch.setattr(PostgresEventWriter, "_execute", time_out)
    with pytest.raises(StoreUnavailableError, match="the database is unavailable: QueryCanceled"):
        pg_store.add_event("delivery:d2", "worklog_created", BODY, NOW)
    assert calls == [1]


def test_an_unreachable_postgresql_makes_the_store_unavailable() -> None:
    store = SqlStore(
        create_store_engine("postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=2")
    )
    try:
        with pytest.raises(StoreUnavailableError, match="the database is unavailable"):
            store.add_event("delivery:d1", "worklog_created", BODY, NOW)
    finally:
        store.close()


POOL_BUSY = "the database is unavailable: TimeoutError"


@contextmanager
def exhausted_pool_store(url: str) -> Iterator[SqlStore]:
    """A store on a migrated database whose one pooled connection is held: the next
    checkout times out."""
    with migrated_store(url):
        pass
    store = SqlStore(create_engine(url, pool_size=1, max_overflow=0, pool_timeout=0.05))
    held = store.engine.connect()
    try:
        yield store
    finally:
        held.close()
        store.close()


def test_a_unit_of_work_with_every_pooled_connection_busy_makes_the_store_unavailable(
    database_url: str,
) -> None:
    with (
        exhausted_pool_store(database_url) as store,
        pytest.raises(StoreUnavailableError, match=POOL_BUSY),
        store.unit_of_work(),
    ):
        pass


@pytest.mark.postgres
def test_the_event_writer_with_every_pooled_connection_busy_makes_the_store_unavailable(
    postgres_url: str,
) -> None:
    with (
        exhausted_pool_store(postgres_url) as store,
        pytest.raises(StoreUnavailableError, match=POOL_BUSY),
    ):
        store.add_event("delivery:d1", "worklog_created", BODY, NOW)
    with migrated_store(postgres_url) as fresh:
        assert stored_keys(fresh) == []
