"""Read-only units of work: beside a writer on SQLite, refusing writes on PostgreSQL."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy.exc import InternalError

from tests.conftest import migrated_store, sqlite_url

NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)


def _write_checkpoint_elsewhere(path: Path, checkpoint: str) -> None:
    """Another process's write: ``BEGIN IMMEDIATE``, waiting at most 0.1 s for the lock."""
    writer = sqlite3.connect(path, timeout=0.1, isolation_level=None)
    try:
        writer.execute("BEGIN IMMEDIATE")
        writer.execute("UPDATE sync_state SET checkpoint = ? WHERE name = 'issues'", [checkpoint])
        writer.execute("COMMIT")
    finally:
        writer.close()


def test_a_read_only_unit_of_work_on_sqlite_lets_a_writer_commit_while_it_reads(
    tmp_path: Path,
) -> None:
    with migrated_store(sqlite_url(tmp_path)) as store:
        with store.unit_of_work() as uow:
            uow.checkpoints.set("issues", "first", NOW)
            uow.commit()
        with store.unit_of_work(read_only=True) as reader:
            assert reader.checkpoints.get("issues") == "first"
            _write_checkpoint_elsewhere(tmp_path / "oms.sqlite3", "second")
            # The reader keeps the snapshot of its first read.
            assert reader.checkpoints.get("issues") == "first"
        with store.unit_of_work(read_only=True) as reader:
            assert reader.checkpoints.get("issues") == "second"


def test_a_unit_of_work_on_sqlite_that_may_write_holds_the_writer_off_while_it_reads(
    tmp_path: Path,
) -> None:
    with migrated_store(sqlite_url(tmp_path)) as store:
        with store.unit_of_work() as uow:
            uow.checkpoints.set("issues", "first", NOW)
            uow.commit()
        with store.unit_of_work() as uow:
            assert uow.checkpoints.get("issues") == "first"
            with pytest.raises(sqlite3.OperationalError, match="database is locked"):
                _write_checkpoint_elsewhere(tmp_path / "oms.sqlite3", "second")


@pytest.mark.postgres
def test_a_read_only_unit_of_work_on_postgresql_refuses_writes_and_leaves_the_next_writable(
    postgres_url: str,
) -> None:
    with migrated_store(postgres_url) as store:
        with store.unit_of_work(read_only=True) as reader:
            assert reader.checkpoints.get("issues") is None
            with pytest.raises(InternalError, match="read-only transaction"):
                reader.checkpoints.set("issues", "first", NOW)
        # The pool hands the same connection out again, writable.
        with store.unit_of_work() as uow:
            uow.checkpoints.set("issues", "first", NOW)
            uow.commit()
        with store.unit_of_work(read_only=True) as reader:
            assert reader.checkpoints.get("issues") == "first"
