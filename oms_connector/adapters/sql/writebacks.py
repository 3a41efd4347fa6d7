"""What was written to Jira, per issue and target: to write only when a value changes."""

from __future__ import annotations

import hashlib
from datetime import datetime

from sqlalchemy import Connection, insert, select

from oms_connector.adapters.sql.schema import writebacks
from oms_connector.services.ports import Writeback


class SqlWritebackRepository:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def last(self, issue_id: str, target: str) -> Writeback | None:
        query = (
            select(writebacks)
            .where(writebacks.c.issue_id == issue_id, writebacks.c.target == target)
            .order_by(writebacks.c.id.desc())
            .limit(1)
        )
        row = self._connection.execute(query).first()
        if row is None:
            return None
        return Writeback(row.issue_id, row.target, row.value, row.value_hash, row.sent_at)

    def record(self, issue_id: str, target: str, value: str, sent_at: datetime) -> Writeback:
        digest = hashlib.sha256(value.encode()).hexdigest()
        self._connection.execute(
            insert(writebacks).values(
                issue_id=issue_id, target=target, value=value, value_hash=digest, sent_at=sent_at
            )
        )
        return Writeback(issue_id, target, value, digest, sent_at)
