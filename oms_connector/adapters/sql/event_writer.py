"""Received events written to PostgreSQL's inbox through the driver, on a connection of their own.

The webhook's only write is this insert, and it runs for every delivery: through the
engine, the connection checkout, the isolation level set and reset, and the statement's
execution context cost more CPU than the insert itself. Here one connection, held by the
writer in autocommit mode, runs one ``INSERT … ON CONFLICT DO NOTHING RETURNING`` per
batch, prepared on the server once per connection and batch size: a round trip, a
statement that is its own transaction, durable once the server answers.

The connection gets what the pool gives its own: before each insert it is replaced when
the server has closed it (its socket is readable while it should be silent; no round
trip), when it is older than ``POSTGRES_POOL_RECYCLE_SECONDS``, or when the process is
not the one that opened it (a fork). A connection lost during the insert fails it; the
writer then connects afresh and runs the insert once more. That stores nothing twice:
the insert skips a key already stored, even when the answer lost was that of a commit
(those events come back as repeats). A second failure, an error that leaves the
connection up, or a database that cannot be reached, is ``StoreUnavailableError``.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg import sql
from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

from oms_connector.adapters.sql.engine import (
    POSTGRES_POOL_RECYCLE_SECONDS,
    closed_by_server,
    database_unavailable,
)
from oms_connector.adapters.sql.inbox import body_digest
from oms_connector.adapters.sql.schema import inbox
from oms_connector.services.ports import InboxStatus, ReceivedEvent, StoreUnavailableError

MAX_EVENTS = 1_000
"""Events in one insert at most (five parameters each; PostgreSQL takes 65,535)."""
PARAMETERS_PER_EVENT = 5
"""Key, event name, body, received at (which is also when the event is first due), the
body's digest."""

_INSERT = sql.SQL(
    "INSERT INTO {table} (dedup_key, event, body, received_at, status, attempts, available_at,"
    " body_digest) VALUES {rows} ON CONFLICT DO NOTHING RETURNING dedup_key"
)
_PENDING = sql.Literal(InboxStatus.PENDING.value)


def _row(first: int) -> sql.Composable:
    """One event's values, its parameters numbered from ``first`` (received at used twice)."""
    key, event, body, received_at, digest = (
        sql.SQL(f"${first + n}") for n in range(PARAMETERS_PER_EVENT)
    )
    return sql.SQL("({}, {}, {}, {}, {}, 0, {}, {})").format(
        key, event, body, received_at, _PENDING, received_at, digest
    )


def insert_sql(rows: int) -> str:
    """The insert of ``rows`` events, with PostgreSQL's own ``$n`` placeholders.

    Native placeholders (a ``RawCursor``) spare the driver from rewriting ``%s`` on every
    execution: it caches that rewrite only for statements of up to 50 parameters and
    4,096 bytes, and for a larger batch the rewrite cost more than the insert.
    """
    starts = range(1, rows * PARAMETERS_PER_EVENT + 1, PARAMETERS_PER_EVENT)
    rows_sql = sql.SQL(", ").join([_row(first) for first in starts])
    return _INSERT.format(table=sql.Identifier(inbox.name), rows=rows_sql).as_string()


@dataclass(frozen=True)
class _Session:
    connection: psycopg.Connection[Any]
    cursor: psycopg.RawCursor[Any]
    pid: int
    opened: float


class PostgresEventWriter:
    """Inserts batches of received events; thread-safe (one insert at a time)."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._lock = threading.Lock()
        self._session: _Session | None = None
        self._inherited: list[_Session] = []
        self._statements: dict[int, str] = {}
        self._closed = False

    def add(self, events: Sequence[ReceivedEvent]) -> set[str]:
        """Store each event whose key is not stored, all committed or none; their keys."""
        if not events:
            return set()
        parameters = _parameters(events)
        statement = self._statement(len(events))
        with self._lock:
            try:
                return self._insert(statement, parameters)
            except psycopg.OperationalError as error:
                if not self._drop_if_lost():
                    raise database_unavailable(error) from error
            try:
                return self._insert(statement, parameters)
            except psycopg.OperationalError as error:
                self._drop_if_lost()
                raise database_unavailable(error) from error

    def close(self) -> None:
        """Close the connections this process opened; later inserts are refused."""
        with self._lock:
            self._closed = True
            sessions = [*self._inherited, *([self._session] if self._session else [])]
            self._session, self._inherited = None, []
            for session in sessions:
                if session.pid == os.getpid():
                    session.connection.close()
                else:
                    self._inherited.append(session)

    def _insert(self, statement: str, parameters: list[Any]) -> set[str]:
        return self._execute(self._cursor(), statement, parameters)

    def _execute(
        self, cursor: psycopg.RawCursor[Any], statement: str, parameters: Sequence[Any]
    ) -> set[str]:
        cursor.execute(statement, parameters, prepare=True)
        return {row[0] for row in cursor.fetchall()}

    def _statement(self, rows: int) -> str:
        if rows > MAX_EVENTS:
            raise ValueError(f"{rows} events in one insert; at most {MAX_EVENTS}")
        statement = self._statements.get(rows)
        if statement is None:
            statement = self._statements[rows] = insert_sql(rows)
        return statement

    def _cursor(self) -> psycopg.RawCursor[Any]:
        """The cursor of a usable connection: the one held, or a new one."""
        if self._closed:
            raise StoreUnavailableError("the event writer is closed")
        session = self._session
        if session is not None:
            if session.pid != os.getpid():
                # Inherited through a fork: the parent's session, never to be used or closed
                # here (kept, so that it is not even collected).
                self._inherited.append(session)
                self._session = session = None
            elif (
                time.monotonic() - session.opened > POSTGRES_POOL_RECYCLE_SECONDS
                or closed_by_server(session.connection)
            ):
                self._session = None
                session.connection.close()
                session = None
        if session is None:
            session = self._session = self._connect()
        return session.cursor

    def _connect(self) -> _Session:
        """A connection taken from the engine's pool, then the writer's own."""
        try:
            pooled = self._engine.raw_connection()
        except DBAPIError as error:
            raise database_unavailable(error.orig) from error
        except PoolTimeoutError as error:
            raise database_unavailable(error) from error
        connection = pooled.driver_connection
        if not isinstance(connection, psycopg.Connection):
            pooled.close()
            raise TypeError("the PostgreSQL event writer needs the psycopg driver")
        pooled.detach()  # no longer the pool's: closed by the writer, never handed back
        try:
            connection.autocommit = True
            cursor = psycopg.RawCursor(connection)
        except BaseException:
            connection.close()
            raise
        return _Session(connection, cursor, os.getpid(), time.monotonic())

    def _drop_if_lost(self) -> bool:
        """Drop the connection if the server ended it; whether it did."""
        session = self._session
        if session is None or not (session.connection.closed or session.connection.broken):
            return False
        self._session = None
        session.connection.close()
        return True


def _parameters(events: Sequence[ReceivedEvent]) -> list[Any]:
    parameters: list[Any] = []
    for event in events:
        received_at = event.received_at
        if received_at.tzinfo is None:
            raise ValueError(f"instant {received_at.isoformat()} is not timezone-aware")
        parameters += (
            event.dedup_key,
            event.event,
            event.body,
            received_at,
            body_digest(event.body),
        )
    return parameters
