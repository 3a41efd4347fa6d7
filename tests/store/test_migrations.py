from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from oms_connector.adapters.sql.engine import create_store_engine, is_current, upgrade
from oms_connector.adapters.sql.schema import metadata


def test_upgrade_creates_every_table_and_marks_the_database_current(database_url: str) -> None:
    engine = create_store_engine(database_url)
    try:
        assert not is_current(engine)
        upgrade(engine)
        assert is_current(engine)
        tables = set(inspect(engine).get_table_names())
        assert tables == {*metadata.tables, "alembic_version"}
    finally:
        engine.dispose()


def test_upgrade_twice_changes_nothing(database_url: str) -> None:
    engine = create_store_engine(database_url)
    try:
        upgrade(engine)
        upgrade(engine)
        assert is_current(engine)
    finally:
        engine.dispose()


def test_migrated_schema_matches_the_tables_the_code_uses(database_url: str) -> None:
    engine = create_store_engine(database_url)
    try:
        upgrade(engine)
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            differences: list[Any] = compare_metadata(context, metadata)
        assert differences == []
    finally:
        engine.dispose()
