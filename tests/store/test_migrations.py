from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from importlib.resources import files
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, Date, Engine, Integer, String, column, inspect, table

from oms_connector.adapters.sql.engine import create_store_engine, is_current, upgrade
from oms_connector.adapters.sql.schema import metadata
from oms_connector.adapters.sql.store import SqlStore
from oms_connector.adapters.sql.types import UtcInstant
from oms_connector.services.ports import FiredAlert, RenewalReminder

AT = datetime(2026, 3, 31, 4, 0, tzinfo=UTC)


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


@contextmanager
def _alembic(engine: Engine) -> Iterator[tuple[Config, Connection]]:
    """Alembic's configuration for the store's migrations, on a connection to ``engine``."""
    config = Config()
    config.set_main_option(
        "script_location", str(files("oms_connector.adapters.sql") / "migrations")
    )
    with engine.connect() as connection:
        config.attributes["connection"] = connection
        yield config, connection


def _renewal_reminders_key(engine: Engine) -> list[str] | None:
    inspector = inspect(engine)
    if "renewal_reminders" not in inspector.get_table_names():
        return None
    return list(inspector.get_pk_constraint("renewal_reminders")["constrained_columns"])


def test_revision_0004_adds_the_renewal_reminders_and_keeps_what_was_stored(
    database_url: str,
) -> None:
    engine = create_store_engine(database_url)
    store = SqlStore(engine)
    alert = FiredAlert("acme", 2, date(2026, 3, 31), 80, "notify", "ACME-1", AT)
    try:
        upgrade(engine, "0003")
        assert _renewal_reminders_key(engine) is None
        with store.unit_of_work() as uow:
            uow.alerts.fire(alert)
            uow.commit()

        upgrade(engine)

        assert _renewal_reminders_key(engine) == ["plan_id", "term_starts_on"]
        with store.unit_of_work() as uow:
            assert uow.alerts.fired("acme", 2) == [alert]
            assert uow.renewal_reminders.record(RenewalReminder("acme", date(2026, 1, 31), AT))
            uow.commit()
    finally:
        store.close()


def test_revision_0004_downgrades_to_0003(database_url: str) -> None:
    engine = create_store_engine(database_url)
    try:
        upgrade(engine)
        with _alembic(engine) as (config, connection):
            command.downgrade(config, "0003")
            connection.commit()

        assert _renewal_reminders_key(engine) is None
        assert not is_current(engine)
        upgrade(engine)
        assert is_current(engine)
    finally:
        engine.dispose()


def _skipped_columns(engine: Engine) -> list[str]:
    return [column["name"] for column in inspect(engine).get_columns("skipped_statements")]


def test_revision_0005_records_sales_from_on_skipped_statements_and_keeps_older_ones(
    database_url: str,
) -> None:
    engine = create_store_engine(database_url)
    store = SqlStore(engine)
    try:
        upgrade(engine, "0004")
        before = table(
            "skipped_statements",
            column("plan_id", String()),
            column("period_index", Integer()),
            column("billing_date", Date()),
            column("skipped_at", UtcInstant()),
        )
        with engine.begin() as connection:
            row = {"plan_id": "old", "period_index": 4, "billing_date": date(2026, 5, 31)}
            connection.execute(before.insert().values(**row, skipped_at=AT))
        assert "sales_from" not in _skipped_columns(engine)

        upgrade(engine)

        assert _skipped_columns(engine)[-1] == "sales_from"
        with store.unit_of_work() as uow:
            assert uow.statements.is_skipped("old", 4)
            assert uow.statements.skip("new", 0, date(2026, 3, 5), AT, sales_from=0)
            uow.commit()
        with store.unit_of_work() as uow:
            # The statement skipped before the revision recorded none.
            assert uow.statements.skipped_sales_from(["old", "new"]) == {"new": 0}
        with _alembic(engine) as (config, connection):
            command.downgrade(config, "0004")
            connection.commit()
        assert "sales_from" not in _skipped_columns(engine)
    finally:
        store.close()


def _stored_before_checks(connection: Connection) -> None:
    """Worklogs that an earlier version stored: one dated beyond the year 9999 in UTC,
    one of 10^12 seconds, one plausible."""
    sqlite = connection.dialect.name == "sqlite"
    # SQLite holds microseconds since 1970: 10000-01-01T05:00Z, which no datetime holds.
    beyond = "253402318800000000" if sqlite else "'9999-12-31 23:30:00+00'"
    at = "1772352000000000" if sqlite else "'2026-03-01 08:00:00+00'"
    rows = [
        f"('far', '10001', 'mallory', {beyond}, -300, 3600, {at}, false, {at})",
        f"('long', '10001', 'mallory', {at}, 0, 1000000000000, {at}, false, {at})",
        f"('fine', '10001', 'ann', {at}, 0, 3600, {at}, false, {at})",
    ]
    connection.exec_driver_sql(
        "INSERT INTO worklogs (id, issue_id, author, started_utc, started_offset_minutes,"
        " seconds, jira_updated, deleted, stored_at) VALUES " + ", ".join(rows)
    )
    connection.commit()


def test_revision_0007_holds_the_worklogs_stored_before_they_were_checked(
    database_url: str,
) -> None:
    engine = create_store_engine(database_url)
    store = SqlStore(engine)
    try:
        upgrade(engine, "0006")
        with engine.connect() as connection:
            _stored_before_checks(connection)

        upgrade(engine)

        with store.unit_of_work(read_only=True) as uow:
            held = [(h.worklog.id, h.worklog.seconds, h.reason) for h in uow.quarantine.held()]
            # Every row reads: the held ones with readable placeholders.
            readable = [uow.worklogs.get(i) for i in ("far", "long", "fine")]
        assert sorted(held) == [
            ("far", 3600, "started outside any calendar (stored before worklogs were checked)"),
            (
                "long",
                10**12,
                "lasts 1000000000000 s, more than 366 days (stored before worklogs were checked)",
            ),
        ]
        assert [None if w is None else w.seconds for w in readable] == [3600, 10**12, 3600]
    finally:
        store.close()
