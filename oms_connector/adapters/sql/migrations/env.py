"""Alembic environment: runs on the connection handed over by ``engine.upgrade``."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from oms_connector.adapters.sql.schema import metadata


def run_migrations(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = context.config.attributes.get("connection")
if not isinstance(connection, Connection):
    raise TypeError("migrations run through oms_connector.adapters.sql.engine.upgrade only")
run_migrations(connection)
