"""Worklogs keyed by their Jira id; the newest version wins and a deletion is final."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime, timedelta, timezone
from itertools import chain, pairwise
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Row,
    Select,
    Text,
    and_,
    func,
    literal,
    literal_column,
    select,
    true,
)

from oms_connector.adapters.sql.schema import issues, worklogs
from oms_connector.adapters.sql.types import UtcInstant
from oms_connector.adapters.sql.upsert import insert_on_conflict
from oms_connector.domain.classification import WorkType
from oms_connector.domain.usage import LoggedWork
from oms_connector.domain.work_groups import WorkGroup
from oms_connector.domain.worklogs import Worklog

STREAM_BATCH = 10_000
SQLITE_MAX_FUNCTION_ARGS = 100
"""Arguments given to one SQLite function call at most (SQLite's own limit is 127)."""
ID_SEPARATOR = ","
"""Joins a group's worklog ids in one text column; no stored worklog id contains it."""
_WORK_TYPES = {work_type.value: work_type for work_type in WorkType}


class SqlWorklogRepository:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def save_if_supersedes(self, worklog: Worklog, stored_at: datetime) -> bool:
        if ID_SEPARATOR in worklog.id:
            # work_groups splits id lists on it: such an id would come back as two.
            raise ValueError(f"worklog id {worklog.id!r} contains {ID_SEPARATOR!r}")
        values = _row(worklog, stored_at)
        statement = insert_on_conflict(self._connection, worklogs, values)
        # The same rule as domain.worklogs.supersedes, decided by the database in the
        # write itself so that two writers cannot interleave a read and a write.
        if worklog.deleted:
            changed: tuple[str, ...] = ("deleted", "jira_updated", "stored_at")
            guard = ~worklogs.c.deleted
        else:
            changed = tuple(name for name in values if name != "id")
            guard = ~worklogs.c.deleted & (
                statement.excluded.jira_updated > worklogs.c.jira_updated
            )
        upsert = statement.on_conflict_do_update(
            index_elements=[worklogs.c.id],
            set_={name: statement.excluded[name] for name in changed},
            where=guard,
        ).returning(worklogs.c.id)
        return self._connection.execute(upsert).first() is not None

    def get(self, worklog_id: str) -> Worklog | None:
        query = select(worklogs).where(worklogs.c.id == worklog_id)
        row = self._connection.execute(query).first()
        return None if row is None else _worklog(row)

    def logged_work(self, project_keys: Sequence[str]) -> Iterator[LoggedWork]:
        if not project_keys:
            return
        query = (
            select(
                worklogs.c.id,
                issues.c.key,
                issues.c.work_type,
                worklogs.c.started_utc,
                worklogs.c.seconds,
            )
            .select_from(worklogs.join(issues, worklogs.c.issue_id == issues.c.id))
            .where(*_counted(project_keys))
        )
        result = self._connection.execution_options(yield_per=STREAM_BATCH).execute(query)
        work_types = _WORK_TYPES
        for worklog_id, key, work_type, started, seconds in result:
            yield LoggedWork(worklog_id, key, work_types[work_type], started, seconds)

    def work_groups(
        self,
        project_keys: Sequence[str],
        bounds: Sequence[datetime],
        *,
        until: datetime | None = None,
    ) -> Iterator[WorkGroup]:
        if not project_keys:
            return
        # One row per issue, with a sum and a list of worklog ids per period: grouping by
        # the issue alone lets SQLite aggregate the worklogs as they stream out of the
        # issue and worklog indexes, where grouping by period too would sort every row.
        periods = _periods(bounds)
        columns: list[ColumnElement[Any]] = []
        for in_period in periods.values():
            columns.append(func.sum(worklogs.c.seconds).filter(in_period))
            columns.append(self._id_list(in_period))
        query = (
            select(issues.c.project_key, issues.c.work_type, issues.c.key, *columns)
            .select_from(worklogs.join(issues, worklogs.c.issue_id == issues.c.id))
            .where(*_counted(project_keys))
            .group_by(issues.c.project_key, self._issue_row())
        )
        if until is not None:
            query = query.where(worklogs.c.started_utc < literal(until, UtcInstant()))
        work_types = _WORK_TYPES
        indexes = list(periods)
        for project, work_type, key, *per_period in self._rows(query):
            for position, index in enumerate(indexes):
                seconds, ids = per_period[2 * position], per_period[2 * position + 1]
                # No worklog of the issue in the period: the sum and the list are NULL.
                if seconds is not None:
                    yield WorkGroup(
                        project, index, work_types[work_type], key, int(seconds), _sorted_ids(ids)
                    )

    def _rows(self, query: Select[Any]) -> Iterable[Sequence[Any]]:
        """The rows of ``query``; on SQLite, all of them read in one step, as one JSON text.

        The sqlite3 module lets go of the GIL during each step and must take it back
        after it. Row by row, every row is a wait for the GIL, which another thread
        running Python (the close writes statements meanwhile) holds for up to the
        switch interval: reading 10,000 groups took seconds beside a busy thread. One
        row holding every group as a JSON array is computed whole without the GIL and
        parsed by one ``json.loads``. PostgreSQL's driver receives the whole result in
        one call that lets go of the GIL, so its rows are read as they are.
        """
        if self._connection.dialect.name != "sqlite":
            return self._connection.execute(query)
        columns = list(query.subquery("work_groups").c)
        if len(columns) <= SQLITE_MAX_FUNCTION_ARGS:
            row = func.json_array(*columns)
            text = self._connection.scalar(select(func.json_group_array(row)))
            rows: list[list[Any]] = json.loads(text or "[]")
            return rows
        # More columns than a function takes (a plan with many periods): in parts.
        parts = [
            func.json_array(*columns[start : start + SQLITE_MAX_FUNCTION_ARGS])
            for start in range(0, len(columns), SQLITE_MAX_FUNCTION_ARGS)
        ]
        text = self._connection.scalar(select(func.json_group_array(func.json_array(*parts))))
        return [list(chain.from_iterable(row)) for row in json.loads(text or "[]")]

    def _id_list(self, in_period: ColumnElement[bool]) -> ColumnElement[str]:
        """The ids of a group's worklogs in the period, joined by ``ID_SEPARATOR``.

        One text per group, split by one ``str.split`` call: no per-id work in Python
        (a JSON array costs more to build and to parse, for the same ids).
        """
        if self._connection.dialect.name == "postgresql":
            aggregate = func.string_agg(worklogs.c.id, literal(ID_SEPARATOR), type_=Text)
        else:
            aggregate = func.group_concat(worklogs.c.id, literal(ID_SEPARATOR), type_=Text)
        return aggregate.filter(in_period)

    def _issue_row(self) -> ColumnElement[Any]:
        """What tells issues apart in the GROUP BY.

        On SQLite the rowid: the project key index lists an issue's rowid after its key,
        so ``(project_key, rowid)`` is the order in which the join produces the rows and
        no sort is needed. PostgreSQL hashes the groups and takes the primary key.
        """
        if self._connection.dialect.name == "sqlite":
            return literal_column("issues.rowid")
        return issues.c.id


def _sorted_ids(joined: str) -> tuple[str, ...]:
    """A group's ids, sorted as ``WorkGroup`` wants them (in Python's string order).

    SQLite 3.40 has no ORDER BY inside an aggregate, and sorting the rows in SQL
    before grouping costs a sort of every worklog (three times the whole read). On
    SQLite the ids come in the order of the issue index instead: rowid order, the
    order worklogs were stored in, nearly always already sorted, which Timsort only
    checks (one comparison per id). A group holds one issue's worklogs of one period,
    so even an unsorted list (PostgreSQL's, from a hash aggregate) is short.
    """
    ids = joined.split(ID_SEPARATOR)
    ids.sort()
    return tuple(ids)


def _periods(bounds: Sequence[datetime]) -> dict[int, ColumnElement[bool]]:
    """For each period index, whether a worklog started in it.

    Period ``-1`` is before the first bound, period ``len(bounds) - 1`` from the last on.
    """
    started = worklogs.c.started_utc
    instants = [literal(bound, UtcInstant()) for bound in bounds]
    if not instants:
        return {-1: true()}
    periods: dict[int, ColumnElement[bool]] = {-1: started < instants[0]}
    for index, (start, end) in enumerate(pairwise(instants)):
        periods[index] = and_(started >= start, started < end)
    periods[len(instants) - 1] = started >= instants[-1]
    return periods


def _counted(project_keys: Sequence[str]) -> tuple[ColumnElement[bool], ...]:
    """Live worklogs on live, classified issues of the projects, none held in quarantine."""
    return (
        issues.c.project_key.in_(list(project_keys)),
        issues.c.work_type.is_not(None),
        ~issues.c.deleted,
        ~worklogs.c.deleted,
        ~worklogs.c.quarantined,
    )


def _row(worklog: Worklog, stored_at: datetime) -> dict[str, Any]:
    offset = worklog.started.utcoffset() or timedelta(0)
    return {
        "id": worklog.id,
        "issue_id": worklog.issue_id,
        "author": worklog.author,
        "started_utc": worklog.started,
        "started_offset_minutes": offset // timedelta(minutes=1),
        "seconds": worklog.seconds,
        "jira_updated": worklog.updated,
        "deleted": worklog.deleted,
        "stored_at": stored_at,
        "quarantined": False,
    }


def _worklog(row: Row[Any]) -> Worklog:
    offset = timezone(timedelta(minutes=row.started_offset_minutes))
    return Worklog(
        id=row.id,
        issue_id=row.issue_id,
        started=row.started_utc.astimezone(offset),
        seconds=row.seconds,
        updated=row.jira_updated,
        author=row.author,
        deleted=row.deleted,
    )
