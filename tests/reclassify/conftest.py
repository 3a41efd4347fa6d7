"""Reclassification runs on the in-memory store and on the SQL store of each backend
(the backends of ``database_url``: a SQLite file, then a PostgreSQL schema)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from oms_connector.services.ports import Store
from tests.conftest import migrated_store, sqlite_url
from tests.services.fakes import FakeClock
from tests.services.memory_store import MemoryStore


@pytest.fixture(
    params=[
        pytest.param("memory", id="memory"),
        pytest.param("sqlite", id="sqlite"),
        pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgres),
    ]
)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    if request.param == "memory":
        yield MemoryStore()
        return
    url = (
        sqlite_url(tmp_path)
        if request.param == "sqlite"
        else request.getfixturevalue("postgres_url")
    )
    with migrated_store(url) as sql:
        yield sql


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2026, 3, 10, 12, 0, tzinfo=UTC))
