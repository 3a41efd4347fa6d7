"""The SQLite database and its WAL hold clients' tickets and webhook bodies: owner only."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from oms_connector.adapters.sql.engine import create_store_engine, upgrade


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def usual_umask() -> Iterator[None]:
    previous = os.umask(0o022)
    yield
    os.umask(previous)


@pytest.mark.usefixtures("usual_umask")
def test_a_new_database_and_its_wal_are_readable_by_the_owner_only(tmp_path: Path) -> None:
    database = tmp_path / "oms.sqlite3"
    engine = create_store_engine(f"sqlite:///{database}")
    upgrade(engine)
    with engine.connect() as connection:
        connection.execute(text("CREATE TABLE probe (x INTEGER)"))
        connection.execute(text("INSERT INTO probe VALUES (1)"))
        modes = {p.name: mode(p) for p in sorted(tmp_path.iterdir())}
    engine.dispose()

    assert modes == {"oms.sqlite3": 0o600, "oms.sqlite3-shm": 0o600, "oms.sqlite3-wal": 0o600}


def test_an_existing_database_keeps_its_mode(tmp_path: Path) -> None:
    database = tmp_path / "shared.sqlite3"
    database.touch(mode=0o640)
    database.chmod(0o640)

    create_store_engine(f"sqlite:///{database}").dispose()

    assert mode(database) == 0o640
