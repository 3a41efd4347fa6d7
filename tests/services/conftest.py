"""Service tests run on the in-memory fake store and on the SQL store of each backend."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from oms_connector.services.ports import Store
from tests.conftest import SQL_BACKENDS, backend_url, migrated_store
from tests.services.fakes import FakeClock
from tests.services.memory_store import MemoryStore


@pytest.fixture(params=[pytest.param("memory", id="memory"), *SQL_BACKENDS])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    if request.param == "memory":
        yield MemoryStore()
        return
    with migrated_store(backend_url(request, tmp_path)) as sql:
        yield sql


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2026, 3, 10, 12, 0, tzinfo=UTC))
