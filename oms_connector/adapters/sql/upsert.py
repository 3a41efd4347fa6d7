"""``INSERT ... ON CONFLICT`` for the dialect of a connection (SQLite and PostgreSQL share it)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Table
from sqlalchemy.dialects import postgresql, sqlite


def insert_on_conflict(
    connection: Connection, table: Table, values: dict[str, Any]
) -> postgresql.Insert | sqlite.Insert:
    if connection.dialect.name == "postgresql":
        return postgresql.insert(table).values(**values)
    if connection.dialect.name == "sqlite":
        return sqlite.insert(table).values(**values)
    raise NotImplementedError(f"no upsert for the {connection.dialect.name} dialect")
