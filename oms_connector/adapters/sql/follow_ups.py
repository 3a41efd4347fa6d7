"""The follow-up queue: one row per issue (and worklog) Jira has still to be told about."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, Connection, and_, delete, func, or_, select, update

from oms_connector.adapters.sql.schema import follow_ups
from oms_connector.adapters.sql.upsert import insert_on_conflict
from oms_connector.services.ports import QueuedFollowUp

MAX_ATTEMPTS = 5
"""A follow-up failing this many times is dropped (it is logged each time)."""


class SqlFollowUpQueue:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def add(self, issue_id: str, worklog_id: str, queued_at: datetime) -> None:
        statement = insert_on_conflict(
            self._connection,
            follow_ups,
            {"issue_id": issue_id, "worklog_id": worklog_id, "queued_at": queued_at, "attempts": 0},
        ).on_conflict_do_nothing(index_elements=["issue_id", "worklog_id"])
        self._connection.execute(statement)

    def pending(self, limit: int) -> list[QueuedFollowUp]:
        query = (
            select(follow_ups)
            .order_by(follow_ups.c.queued_at, follow_ups.c.issue_id, follow_ups.c.worklog_id)
            .limit(limit)
        )
        return [
            QueuedFollowUp(
                issue_id=row.issue_id,
                worklog_id=row.worklog_id,
                queued_at=row.queued_at,
                attempts=row.attempts,
            )
            for row in self._connection.execute(query)
        ]

    def done(self, items: Sequence[QueuedFollowUp]) -> None:
        if items:
            self._connection.execute(delete(follow_ups).where(_any_of(items)))

    def failed(self, items: Sequence[QueuedFollowUp]) -> None:
        if not items:
            return
        self._connection.execute(
            update(follow_ups).where(_any_of(items)).values(attempts=follow_ups.c.attempts + 1)
        )
        self._connection.execute(delete(follow_ups).where(follow_ups.c.attempts >= MAX_ATTEMPTS))

    def count(self) -> int:
        return int(
            self._connection.execute(select(func.count()).select_from(follow_ups)).scalar_one()
        )


def _any_of(items: Sequence[QueuedFollowUp]) -> ColumnElement[bool]:
    return or_(
        *(
            and_(follow_ups.c.issue_id == item.issue_id, follow_ups.c.worklog_id == item.worklog_id)
            for item in items
        )
    )
