"""How the close's bulk read reaches SQLite: one statement, answered by one row."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import event

from oms_connector.services.ports import EventFacts
from tests.conftest import migrated_store, sqlite_url
from tests.services.builders import acme_plan, ingest_for, issue, worklog
from tests.services.fakes import FakeClock

BOUNDS = acme_plan().calendar.bounds(3)
DAY = timedelta(days=1)


def test_on_sqlite_every_group_comes_in_one_row_of_one_statement(tmp_path: Path) -> None:
    """Read row by row, each row would wait for the GIL while the close's writer holds it."""
    facts = EventFacts(
        issues=(issue("1", "ACME-1"), issue("2", "ACME-2"), issue("3", "ACME-3")),
        worklogs=(
            worklog("a", issue_id="1", started=BOUNDS[0] - DAY, minutes=5),
            worklog("b", issue_id="1", started=BOUNDS[0], minutes=10),
            worklog("c", issue_id="2", started=BOUNDS[0] + DAY, minutes=20),
            worklog("d", issue_id="2", started=BOUNDS[1], minutes=30),
            worklog("e", issue_id="3", started=BOUNDS[2], minutes=40),  # from until on
        ),
    )
    statements: list[str] = []

    def note(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        statements.append(statement)

    with migrated_store(sqlite_url(tmp_path)) as store:
        with store.unit_of_work() as uow:
            ingest_for(FakeClock(datetime(2026, 3, 10, tzinfo=UTC))).apply(uow, facts)
            uow.commit()
        with store.unit_of_work(read_only=True) as uow:
            event.listen(store.engine, "before_cursor_execute", note)
            try:
                groups = list(uow.worklogs.work_groups(["ACME"], BOUNDS[:2], until=BOUNDS[2]))
            finally:
                event.remove(store.engine, "before_cursor_execute", note)
    queries = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert len(queries) == 1
    assert queries[0].startswith("SELECT json_group_array(json_array(")
    assert sorted((g.issue_key, g.period_index, g.seconds, g.worklog_ids) for g in groups) == [
        ("ACME-1", -1, 300, ("a",)),
        ("ACME-1", 0, 600, ("b",)),
        ("ACME-2", 0, 1200, ("c",)),
        ("ACME-2", 1, 1800, ("d",)),
    ]
