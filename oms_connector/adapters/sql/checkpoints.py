"""Sync checkpoints: one opaque value per name, replaced as the sync advances."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, select

from oms_connector.adapters.sql.schema import sync_state
from oms_connector.adapters.sql.upsert import insert_on_conflict


class SqlCheckpointRepository:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def get(self, name: str) -> str | None:
        query = select(sync_state.c.checkpoint).where(sync_state.c.name == name)
        value: str | None = self._connection.execute(query).scalar_one_or_none()
        return value

    def set(self, name: str, checkpoint: str, now: datetime) -> None:
        values = {"name": name, "checkpoint": checkpoint, "updated_at": now}
        statement = insert_on_conflict(self._connection, sync_state, values)
        self._connection.execute(
            statement.on_conflict_do_update(
                index_elements=[sync_state.c.name],
                set_={
                    "checkpoint": statement.excluded.checkpoint,
                    "updated_at": statement.excluded.updated_at,
                },
            )
        )
