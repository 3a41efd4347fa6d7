"""The SQL store: a unit of work is one connection and one transaction over every repository."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from types import TracebackType
from typing import Self

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

from oms_connector.adapters.sql.alerts import SqlAlertRepository
from oms_connector.adapters.sql.checkpoints import SqlCheckpointRepository
from oms_connector.adapters.sql.engine import database_unavailable
from oms_connector.adapters.sql.engine import read_only as read_only_connection
from oms_connector.adapters.sql.event_writer import PostgresEventWriter
from oms_connector.adapters.sql.follow_ups import SqlFollowUpQueue
from oms_connector.adapters.sql.inbox import SqlInboxRepository
from oms_connector.adapters.sql.issues import SqlIssueRepository
from oms_connector.adapters.sql.quarantine import SqlQuarantineRepository
from oms_connector.adapters.sql.renewals import SqlRenewalReminderRepository
from oms_connector.adapters.sql.statements import SqlStatementRepository
from oms_connector.adapters.sql.worklogs import SqlWorklogRepository
from oms_connector.adapters.sql.writebacks import SqlWritebackRepository
from oms_connector.services.ports import ReceivedEvent


class SqlUnitOfWork:
    def __init__(self, engine: Engine, *, read_only: bool = False) -> None:
        self._engine = engine
        self._read_only = read_only
        self._connection: Connection | None = None

    def __enter__(self) -> Self:
        try:
            connection = self._engine.connect()
        except OperationalError as error:
            raise database_unavailable(error.orig) from error
        except PoolTimeoutError as error:  # every pooled connection busy: a 503, not a 500
            raise database_unavailable(error) from error
        if self._read_only:
            connection = read_only_connection(connection)
        self._connection = connection
        self.issues = SqlIssueRepository(connection)
        self.worklogs = SqlWorklogRepository(connection)
        self.inbox = SqlInboxRepository(connection)
        self.checkpoints = SqlCheckpointRepository(connection)
        self.statements = SqlStatementRepository(connection)
        self.writebacks = SqlWritebackRepository(connection)
        self.alerts = SqlAlertRepository(connection)
        self.renewal_reminders = SqlRenewalReminderRepository(connection)
        self.follow_ups = SqlFollowUpQueue(connection)
        self.quarantine = SqlQuarantineRepository(connection)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        connection, self._connection = self._connection, None
        try:
            if connection is not None:
                connection.rollback()
                connection.close()
        except OperationalError as error:
            if exc is None:
                raise database_unavailable(error.orig) from error
        # The database going away mid-transaction is a transient failure, not a bug.
        if isinstance(exc, OperationalError):
            raise database_unavailable(exc.orig) from exc

    def commit(self) -> None:
        self._active().commit()

    def rollback(self) -> None:
        self._active().rollback()

    def _active(self) -> Connection:
        if self._connection is None:
            raise RuntimeError("the unit of work is not open (use it in a with block)")
        return self._connection


class SqlStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._event_writer = (
            PostgresEventWriter(engine) if engine.dialect.name == "postgresql" else None
        )

    def unit_of_work(self, *, read_only: bool = False) -> SqlUnitOfWork:
        return SqlUnitOfWork(self.engine, read_only=read_only)

    def add_event(self, dedup_key: str, event: str, body: bytes, received_at: datetime) -> bool:
        """Store a raw event unless its key is stored, committed; whether it was new."""
        return dedup_key in self.add_events([ReceivedEvent(dedup_key, event, body, received_at)])

    def add_events(self, events: Sequence[ReceivedEvent]) -> set[str]:
        """Store each event whose key is not stored, all committed or none; their keys.

        PostgreSQL: through the driver, on a connection the writer holds (see
        ``event_writer``), retried once on a fresh connection when the server dropped
        it. SQLite takes a unit of work (``BEGIN IMMEDIATE``, the insert, the commit).
        """
        if self._event_writer is not None:
            return self._event_writer.add(events)
        with self.unit_of_work() as uow:
            added = uow.inbox.add_many(events)
            uow.commit()
        return added

    def close(self) -> None:
        if self._event_writer is not None:
            self._event_writer.close()
        self.engine.dispose()
