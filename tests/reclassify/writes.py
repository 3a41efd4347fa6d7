"""Counting what a store writes: SQL statements on the SQL store, commits on the fake."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import event

from oms_connector.adapters.sql.store import SqlStore
from oms_connector.services.ports import Store
from tests.services.memory_store import MemoryUnitOfWork

WRITES = ("insert", "update", "delete")


@contextmanager
def recorded_writes(store: Store, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Every write made through ``store`` inside the block (statements, or commits)."""
    writes: list[str] = []
    if isinstance(store, SqlStore):

        def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
            if statement.lstrip().lower().startswith(WRITES):
                writes.append(statement)

        event.listen(store.engine, "before_cursor_execute", record)
        try:
            yield writes
        finally:
            event.remove(store.engine, "before_cursor_execute", record)
        return
    commit = MemoryUnitOfWork.commit

    def counted(uow: MemoryUnitOfWork) -> None:
        writes.append("commit")
        commit(uow)

    monkeypatch.setattr(MemoryUnitOfWork, "commit", counted)
    yield writes
