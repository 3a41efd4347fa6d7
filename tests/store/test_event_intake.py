"""``SqlStore.add_event``: one received event, committed once, through dropped connections."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import psycopg
import pytest
from sqlalchemy import Engine, create_engine, event, select, text

from oms_connector.adapters.sql.engine import create_store_engine
from oms_connector.adapters.sql.schema import inbox
from oms_connector.adapters.sql.store import SqlStore
from oms_connector.services.inbox import InboxService
from oms_connector.services.ports import InboxStatus, StoreUnavailableError
from tests.conftest import migrated_store

NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)
BODY = b'{"webhookEvent": "worklog_created"}'


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
        sql_store.add_event("delivery:d2", "worklog_created", BODY, NOW),
    ]
    with sql_store.unit_of_work() as uow:
        counts = uow.inbox.counts()
    assert added == [True, False, True]
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


@pytest.mark.postgres
def test_a_connection_lost_under_the_insert_is_retried_once_and_the_event_stored_once(
    pg_store: SqlStore, admin: Engine
) -> None:
    ended: list[int] = []

    @event.listens_for(pg_store.engine, "before_cursor_execute")
    def end_the_session_first(connection: Any, *_: Any) -> None:
        if not ended:
            ended.append(backend_pid(connection))
            terminate(admin, ended[0])

    assert pg_store.add_event("delivery:d1", "worklog_created", BODY, NOW) is True
    assert len(ended) == 1
    assert stored_keys(pg_store) == ["delivery:d1"]


@pytest.mark.postgres
def test_an_insert_whose_answer_was_lost_is_not_stored_twice_by_the_retry(
    pg_store: SqlStore,
) -> None:
    lost: list[bool] = []

    @event.listens_for(pg_store.engine, "after_cursor_execute")
    def lose_the_first_answer(connection: Any, *_: Any) -> None:
        if not lost:
            lost.append(True)
            connection.connection.dbapi_connection.close()
            raise psycopg.OperationalError("server closed the connection unexpectedly")

    # Committed by the first attempt, found by the retry: a repeated delivery, not new.
    assert pg_store.add_event("delivery:d1", "worklog_created", BODY, NOW) is False
    assert lost == [True]
    assert stored_keys(pg_store) == ["delivery:d1"]


@pytest.mark.postgres
def test_a_second_lost_connection_makes_the_store_unavailable(
    pg_store: SqlStore, admin: Engine
) -> None:
    ended: list[int] = []

    @event.listens_for(pg_store.engine, "before_cursor_execute")
    def end_every_session(connection: Any, *_: Any) -> None:
        ended.append(backend_pid(connection))
        terminate(admin, ended[-1])

    with pytest.raises(StoreUnavailableError, match="the database is unavailable"):
        pg_store.add_event("delivery:d1", "worklog_created", BODY, NOW)
    assert len(ended) == 2
    event.remove(pg_store.engine, "before_cursor_execute", end_every_session)
    assert stored_keys(pg_store) == []


def test_an_unreachable_postgresql_makes_the_store_unavailable() -> None:
    store = SqlStore(
        create_store_engine("postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=2")
    )
    try:
        with pytest.raises(StoreUnavailableError, match="the database is unavailable"):
            store.add_event("delivery:d1", "worklog_created", BODY, NOW)
    finally:
        store.close()
