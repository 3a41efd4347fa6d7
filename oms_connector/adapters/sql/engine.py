"""Engines for the store's database URL, and the migrations that bring a database up to date.

SQLite: one writer at a time. Every transaction starts with ``BEGIN IMMEDIATE`` so that
a claim or a close takes the write lock up front instead of failing half-way; a
connection marked ``read_only`` begins with a deferred ``BEGIN`` instead, which in WAL
mode reads a snapshot without blocking the writer. On PostgreSQL a ``read_only``
connection's transactions are ``READ ONLY``.

PostgreSQL: no ping per checkout (a round trip on every request). A pooled connection
is recycled after ``POSTGRES_POOL_RECYCLE_SECONDS``, and one the server has closed
(a restart, an idle timeout, a terminated backend) is noticed on checkout without a
round trip: its socket is readable while it should be silent; the pool then opens a
fresh one. A connection lost after checkout fails its statement; SQLAlchemy invalidates
the pool, so the next unit of work connects afresh. The webhook's write does not go
through the pool (see ``event_writer``); its connection gets the same checks.
"""

from __future__ import annotations

import os
import re
import select
from importlib.resources import files
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from psycopg.pq import ConnStatus
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DisconnectionError

from oms_connector.services.ports import StoreUnavailableError

SQLITE_BUSY_TIMEOUT_MS = 30_000
SQLITE_WAL_AUTOCHECKPOINT_PAGES = 10_000
POSTGRES_POOL_RECYCLE_SECONDS = 1_800
_SQLITE_READ_ONLY = "oms_sqlite_read_only"
"""Execution option telling the SQLite ``begin`` listener not to take the write lock."""


_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*")


class DatabaseUrlError(ValueError):
    """The configured database URL is not one the store can use.

    The message never holds the URL itself, which may carry a password.
    """


def create_store_engine(url: str) -> Engine:
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):
        # Neither the URL nor the parser's message (which can quote a part of it, such as
        # a port that is really a password) is repeated, and the cause is not chained.
        raise DatabaseUrlError(_unparsable(url)) from None
    if parsed.get_backend_name() == "sqlite":
        in_memory = parsed.database in (None, "", ":memory:")
        if not in_memory and not parsed.query.get("uri"):
            _create_private(Path(str(parsed.database)))
        engine = create_engine(parsed)
        _configure_sqlite(engine, in_memory=in_memory)
        return engine
    if parsed.get_backend_name() == "postgresql":
        engine = create_engine(parsed, pool_recycle=POSTGRES_POOL_RECYCLE_SECONDS)
        event.listen(engine, "checkout", _refuse_closed_by_server)
        return engine
    raise DatabaseUrlError(
        f"database.url: {parsed.get_backend_name()!r} is not supported (use sqlite or postgresql)"
    )


def _create_private(path: Path) -> None:
    """Create the database file readable by its owner only, if it does not exist yet.

    It holds summaries, descriptions and whole webhook bodies; SQLite gives its WAL and
    shared-memory files the database file's permissions.
    """
    try:
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    except FileExistsError:
        return
    except OSError:
        return  # SQLite's own open then names the problem


def _unparsable(url: str) -> str:
    scheme, separator, _ = url.partition("://")
    named = f"the {scheme} URL" if separator and _SCHEME.fullmatch(scheme) else "the URL"
    return (
        f"database.url: cannot parse {named} (not shown: it may hold a password); write it as "
        "sqlite:///PATH or postgresql+psycopg://USER:PASSWORD@HOST:PORT/NAME"
    )


def _configure_sqlite(engine: Engine, *, in_memory: bool) -> None:
    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event issue BEGIN, not the sqlite3 module.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys = ON")
        if not in_memory:
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = NORMAL")
            # A checkpoint (copying the WAL into the database, with an fsync of each) runs
            # inside whichever commit pushes the WAL past this many pages. SQLite's 1,000
            # pages (4 MB) put one in every hundredth statement a close writes; 10,000
            # checkpoint ten times less often, for a WAL of up to 40 MB. Durability stays
            # that of WAL with synchronous=NORMAL: a commit survives a crash of the
            # process; a power loss can undo the commits not yet synced (more of them
            # with a longer WAL), never corrupt the database.
            cursor.execute(f"PRAGMA wal_autocheckpoint = {SQLITE_WAL_AUTOCHECKPOINT_PAGES}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection: Connection) -> None:
        read_only = connection.get_execution_options().get(_SQLITE_READ_ONLY, False)
        connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


def read_only(connection: Connection) -> Connection:
    """``connection``, its transactions from now on read-only.

    SQLite: a deferred ``BEGIN``, so the write lock is not taken; WAL lets the reader
    and a writer run at once, the reader on the snapshot of its first read. PostgreSQL:
    ``READ ONLY`` transactions, which refuse writes (reset when the pool takes the
    connection back).
    """
    if connection.dialect.name == "postgresql":
        return connection.execution_options(postgresql_readonly=True)
    return connection.execution_options(**{_SQLITE_READ_ONLY: True})


def database_unavailable(driver_error: BaseException | None) -> StoreUnavailableError:
    """The port's error for a database that cannot be used, naming the driver's error."""
    return StoreUnavailableError(f"the database is unavailable: {type(driver_error).__name__}")


def _refuse_closed_by_server(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
    """Make the pool replace a connection the server has closed; no round trip."""
    if closed_by_server(dbapi_connection):
        raise DisconnectionError("the server closed the connection, or is closing it")


def closed_by_server(connection: Any) -> bool:
    """Whether an idle psycopg connection is closed or being closed; no round trip.

    The connector never listens for notifications, so an idle connection's socket has
    nothing to read unless the server wrote to it: nearly always the error it sends as it
    ends the session (a restart, an idle timeout, a terminated backend), then the end of
    the stream. Such a connection is replaced; a live one that merely got a notice costs
    a reconnection, nothing else.
    """
    pgconn = connection.pgconn
    if pgconn.status != ConnStatus.OK:
        return True
    poll = select.poll()
    poll.register(pgconn.socket, select.POLLIN)
    return bool(poll.poll(0))


def _alembic_config() -> Config:
    config = Config()
    config.set_main_option(
        "script_location", str(files("oms_connector.adapters.sql") / "migrations")
    )
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Apply the migrations up to ``revision`` (idempotent)."""
    config = _alembic_config()
    with engine.connect() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
        connection.commit()


def is_current(engine: Engine) -> bool:
    """Whether the database is at the newest migration."""
    head = ScriptDirectory.from_config(_alembic_config()).get_current_head()
    with engine.connect() as connection:
        current = MigrationContext.configure(connection).get_current_revision()
    return current == head
