"""Received events written to PostgreSQL's inbox through the driver, on a connection of their own.

The webhook's only write is this insert, and it runs for every delivery: through the
engine, the connection checkout, the isolation level set and reset, and the statement's
execution context cost more CPU than the insert itself. Here one connection, held by the
writer in autocommit mode, runs one prepared ``INSERT … ON CONFLICT DO NOTHING RETURNING``
per batch (one statement per batch size, prepared on the server once): a round trip,
a statement that is its own transaction, durable once the server answers.

A connection the server dropped (a restart, an idle timeout, a terminated backend) fails
its insert; the writer then connects afresh and runs the insert once more. That stores
nothing twice: the insert skips a key already stored, even when the answer lost was
that of a commit (those events come back as repeats). A second failure, or a database
that cannot be reached, is ``StoreUnavailableError``.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

import psycopg
from psycopg import sql
from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError

from oms_connector.adapters.sql.schema import inbox
from oms_connector.services.ports import InboxStatus, ReceivedEvent, StoreUnavailableError

_INSERT = sql.SQL(
    "INSERT INTO {table} (dedup_key, event, body, received_at, status, attempts, available_at) "
    "VALUES {rows} ON CONFLICT (dedup_key) DO NOTHING RETURNING dedup_key"
)
_ROW = sql.SQL("(%s, %s, %s, %s, {pending}, 0, %s)").format(
    pending=sql.Literal(InboxStatus.PENDING.value)
)


def insert_sql(rows: int) -> str:
    """The insert of ``rows`` events: key, event name, body, received at (twice: also due)."""
    statement = _INSERT.format(
        table=sql.Identifier(inbox.name), rows=sql.SQL(", ").join([_ROW] * rows)
    )
    return statement.as_string()


class PostgresEventWriter:
    """Inserts batches of received events; thread-safe (one insert at a time)."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._lock = threading.Lock()
        self._connection: psycopg.Connection[Any] | None = None
        self._cursor: psycopg.Cursor[Any] | None = None
        self._statements: dict[int, str] = {}

    def add(self, events: Sequence[ReceivedEvent]) -> set[str]:
        """Store each event whose key is not stored, all committed or none; their keys."""
        if not events:
            return set()
        with self._lock:
            try:
                return self._insert(events)
            except psycopg.OperationalError as error:
                if not self._lost():
                    raise StoreUnavailableError(_reason(error)) from error
            try:
                return self._insert(events)
            except psycopg.OperationalError as error:
                self._lost()
                raise StoreUnavailableError(_reason(error)) from error

    def close(self) -> None:
        with self._lock:
            connection, self._connection, self._cursor = self._connection, None, None
            if connection is not None:
                connection.close()

    def _insert(self, events: Sequence[ReceivedEvent]) -> set[str]:
        cursor = self._connect()
        parameters: list[Any] = []
        for event in events:
            received_at = event.received_at
            parameters += (event.dedup_key, event.event, event.body, received_at, received_at)
        return self._execute(cursor, self._statement(len(events)), parameters)

    def _execute(
        self, cursor: psycopg.Cursor[Any], statement: str, parameters: Sequence[Any]
    ) -> set[str]:
        cursor.execute(statement, parameters, prepare=True)
        return {row[0] for row in cursor.fetchall()}

    def _statement(self, rows: int) -> str:
        statement = self._statements.get(rows)
        if statement is None:
            statement = self._statements[rows] = insert_sql(rows)
        return statement

    def _connect(self) -> psycopg.Cursor[Any]:
        """A cursor on the writer's connection: taken from the engine's pool, then its own."""
        connection, cursor = self._connection, self._cursor
        if connection is not None and cursor is not None and not connection.closed:
            return cursor
        try:
            pooled = self._engine.raw_connection()
        except DBAPIError as error:
            raise StoreUnavailableError(_reason(error.orig)) from error
        connection = pooled.driver_connection
        if not isinstance(connection, psycopg.Connection):
            pooled.close()
            raise TypeError("the PostgreSQL event writer needs the psycopg driver")
        pooled.detach()  # no longer the pool's: closed by the writer, never handed back
        connection.autocommit = True
        self._connection, self._cursor = connection, connection.cursor()
        return self._cursor

    def _lost(self) -> bool:
        """Drop the connection if the server ended it; whether it did."""
        connection = self._connection
        if connection is None or not (connection.closed or connection.broken):
            return False
        self._connection = self._cursor = None
        connection.close()
        return True


def _reason(error: BaseException | None) -> str:
    return f"the database is unavailable: {type(error).__name__}"
