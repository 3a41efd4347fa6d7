"""Shared fixtures: a database URL for each backend, a migrated store on it, and a store
of every kind (in memory, SQLite, PostgreSQL) for the tests of services.

PostgreSQL variants run when ``OMS_TEST_DATABASE_URL`` is set. Without it they are
skipped on a workstation but fail under CI (env ``CI`` set): CI must never skip them.
Each PostgreSQL test gets a schema of its own, dropped afterwards, so tests running
side by side in the same database never see each other's rows.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from hypothesis import settings
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from oms_connector.adapters.sql.engine import create_store_engine, upgrade
from oms_connector.adapters.sql.store import SqlStore
from oms_connector.services.ports import Store
from tests.services.memory_store import MemoryStore

POSTGRES_URL_ENV = "OMS_TEST_DATABASE_URL"

# CI draws the same examples every run, so that a red build can be replayed; a
# workstation keeps exploring new ones.
settings.register_profile("ci", derandomize=True, database=None)
if os.environ.get("CI"):
    settings.load_profile("ci")


def _postgres_base_url() -> str:
    url = os.environ.get(POSTGRES_URL_ENV)
    if url:
        return url
    if os.environ.get("CI"):
        pytest.fail(f"{POSTGRES_URL_ENV} is not set: PostgreSQL tests must run in CI")
    pytest.skip(f"{POSTGRES_URL_ENV} is not set")


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A PostgreSQL URL whose ``search_path`` is a fresh, empty schema."""
    base = _postgres_base_url()
    schema = f"test_{uuid.uuid4().hex[:16]}"
    admin = create_engine(base)
    try:
        with admin.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        url = make_url(base).update_query_dict({"options": f"-csearch_path={schema}"})
        yield url.render_as_string(hide_password=False)
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    finally:
        admin.dispose()


def sqlite_url(directory: Path) -> str:
    return f"sqlite:///{directory / 'oms.sqlite3'}"


SQL_BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgres),
]
"""Parameters of a fixture run on each SQL backend (``backend_url`` reads them)."""


def backend_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database for the fixture's parameter: a SQLite file or a PostgreSQL schema."""
    if request.param == "sqlite":
        return sqlite_url(tmp_path)
    return str(request.getfixturevalue("postgres_url"))


@pytest.fixture(params=SQL_BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database: a SQLite file, then (as a second parameter) a PostgreSQL schema."""
    return backend_url(request, tmp_path)


@contextmanager
def migrated_store(url: str) -> Iterator[SqlStore]:
    """The SQL store on ``url``, migrated to the newest schema; disposed afterwards."""
    engine = create_store_engine(url)
    store = SqlStore(engine)
    try:
        upgrade(engine)
        yield store
    finally:
        store.close()


@pytest.fixture
def sql_store(database_url: str) -> Iterator[SqlStore]:
    """The SQL store on a freshly migrated database of each backend."""
    with migrated_store(database_url) as store:
        yield store


@pytest.fixture(params=[pytest.param("memory", id="memory"), *SQL_BACKENDS])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """The in-memory store, then the SQL store of each backend, freshly migrated."""
    if request.param == "memory":
        yield MemoryStore()
        return
    with migrated_store(backend_url(request, tmp_path)) as sql:
        yield sql
