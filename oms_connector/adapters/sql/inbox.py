"""The event inbox: raw bodies stored first, claimed under a lease, finished or parked."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    BindParameter,
    Connection,
    Executable,
    Row,
    bindparam,
    delete,
    func,
    literal,
    or_,
    select,
    update,
)

from oms_connector.adapters.sql.schema import inbox
from oms_connector.adapters.sql.types import UtcInstant
from oms_connector.adapters.sql.upsert import insert_on_conflict
from oms_connector.services.ports import InboxEvent, InboxStatus, ReceivedEvent


def body_digest(body: bytes) -> str:
    """What tells a replayed body from a new one, whatever delivery id it comes with."""
    return hashlib.sha256(body).hexdigest()


_ADD_STATEMENTS: dict[str, Executable] = {}
"""The insert of a new event, by dialect name."""


class SqlInboxRepository:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def add(self, dedup_key: str, event: str, body: bytes, received_at: datetime) -> bool:
        return dedup_key in self.add_many([ReceivedEvent(dedup_key, event, body, received_at)])

    def add_many(self, events: Sequence[ReceivedEvent]) -> set[str]:
        """Insert each event whose key and whose body are not stored; the keys inserted.

        A body stored before is a replay even under a fresh delivery id (the id is an
        unsigned header): ``body_digest`` is unique too. One statement: the rows, except
        those whose key or body is stored, which ``ON CONFLICT DO NOTHING`` skips;
        ``RETURNING`` names the others. Several events go through SQLAlchemy's
        "insertmanyvalues", which renders one multi-row ``VALUES`` for up to 1,000 rows
        (more than an intake batch). Built once per dialect. The webhook's own writes on
        PostgreSQL go through ``event_writer`` instead.
        """
        parameters = [
            {
                "dedup_key": event.dedup_key,
                "event": event.event,
                "body": event.body,
                "received_at": event.received_at,
                "body_digest": body_digest(event.body),
            }
            for event in events
        ]
        if not parameters:
            return set()
        added = self._connection.execute(self._add_statement(), parameters)
        return set(added.scalars())

    def _add_statement(self) -> Executable:
        dialect = self._connection.dialect.name
        statement = _ADD_STATEMENTS.get(dialect)
        if statement is None:
            received_at: BindParameter[datetime] = bindparam("received_at")
            values = {
                "dedup_key": bindparam("dedup_key"),
                "event": bindparam("event"),
                "body": bindparam("body"),
                "received_at": received_at,
                "status": InboxStatus.PENDING.value,
                "attempts": 0,
                "available_at": received_at,
                "body_digest": bindparam("body_digest"),
            }
            insert = insert_on_conflict(self._connection, inbox, values)
            # No conflict target: a row whose key or whose body is stored is skipped.
            statement = insert.on_conflict_do_nothing()
            statement = _ADD_STATEMENTS[dialect] = statement.returning(inbox.c.dedup_key)
        return statement

    def claim(self, worker: str, now: datetime, lease: timedelta, limit: int) -> list[InboxEvent]:
        # SKIP LOCKED lets PostgreSQL workers pass over rows another worker is claiming;
        # SQLite renders no FOR UPDATE and relies on BEGIN IMMEDIATE (one writer).
        due = (
            select(inbox.c.id)
            .where(
                inbox.c.status == InboxStatus.PENDING.value,
                inbox.c.available_at <= now,
                or_(inbox.c.claimed_at.is_(None), inbox.c.claimed_at <= now - lease),
            )
            .order_by(inbox.c.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        claim = (
            update(inbox)
            .where(inbox.c.id.in_(due.scalar_subquery()))
            .values(claimed_at=now, claimed_by=worker, attempts=inbox.c.attempts + 1)
            .returning(*inbox.c)
        )
        rows = self._connection.execute(claim).all()
        return sorted((_event(row) for row in rows), key=lambda event: event.id)

    def finish(self, event_id: int, worker: str, now: datetime) -> bool:
        done = (
            update(inbox)
            .where(*self._held(event_id, worker))
            .values(status=InboxStatus.DONE.value, processed_at=now, last_error=None)
        )
        return self._connection.execute(done).rowcount == 1

    def fail(
        self, event_id: int, worker: str, error: str, now: datetime, retry_at: datetime | None
    ) -> None:
        status = InboxStatus.PENDING if retry_at is not None else InboxStatus.FAILED
        failed = (
            update(inbox)
            .where(*self._held(event_id, worker))
            .values(
                status=status.value,
                last_error=error,
                available_at=retry_at or now,
                claimed_at=None,
                claimed_by=None,
            )
        )
        self._connection.execute(failed)

    @staticmethod
    def _held(event_id: int, worker: str) -> tuple[Any, ...]:
        return (
            inbox.c.id == event_id,
            inbox.c.claimed_by == worker,
            inbox.c.status == InboxStatus.PENDING.value,
        )

    def get(self, event_id: int) -> InboxEvent | None:
        row = self._connection.execute(select(inbox).where(inbox.c.id == event_id)).first()
        return None if row is None else _event(row)

    def parked(self) -> list[InboxEvent]:
        query = select(inbox).where(inbox.c.status == InboxStatus.FAILED.value).order_by(inbox.c.id)
        return [_event(row) for row in self._connection.execute(query)]

    def requeue(self, event_id: int, now: datetime) -> bool:
        again = (
            update(inbox)
            .where(inbox.c.id == event_id, inbox.c.status == InboxStatus.FAILED.value)
            .values(
                status=InboxStatus.PENDING.value,
                attempts=0,
                available_at=now,
                claimed_at=None,
                claimed_by=None,
            )
        )
        return self._connection.execute(again).rowcount == 1

    def prune(self, processed_before: datetime) -> int:
        statement = delete(inbox).where(
            inbox.c.status == InboxStatus.DONE.value,
            inbox.c.processed_at < literal(processed_before, UtcInstant()),
        )
        return self._connection.execute(statement).rowcount

    def counts(self) -> dict[InboxStatus, int]:
        query = select(inbox.c.status, func.count()).group_by(inbox.c.status)
        found = {InboxStatus(status): count for status, count in self._connection.execute(query)}
        return {status: found.get(status, 0) for status in InboxStatus}


def _event(row: Row[Any]) -> InboxEvent:
    return InboxEvent(
        id=row.id,
        dedup_key=row.dedup_key,
        event=row.event,
        body=bytes(row.body),
        received_at=row.received_at,
        status=InboxStatus(row.status),
        attempts=row.attempts,
        last_error=row.last_error,
        processed_at=row.processed_at,
    )
