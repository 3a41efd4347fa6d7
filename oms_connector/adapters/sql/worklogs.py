"""Worklogs keyed by their Jira id; the newest version wins and a deletion is final."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import JSON, ColumnElement, Connection, Row, case, func, literal, select

from oms_connector.adapters.sql.schema import issues, worklogs
from oms_connector.adapters.sql.types import UtcInstant
from oms_connector.adapters.sql.upsert import insert_on_conflict
from oms_connector.domain.classification import WorkType
from oms_connector.domain.usage import LoggedWork
from oms_connector.domain.work_groups import WorkGroup
from oms_connector.domain.worklogs import Worklog

STREAM_BATCH = 10_000
_WORK_TYPES = {work_type.value: work_type for work_type in WorkType}


class SqlWorklogRepository:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def save_if_supersedes(self, worklog: Worklog, stored_at: datetime) -> bool:
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
        self, project_keys: Sequence[str], bounds: Sequence[datetime]
    ) -> Iterator[WorkGroup]:
        if not project_keys:
            return
        started = worklogs.c.started_utc
        period = case(
            *(
                (started < literal(bound, UtcInstant()), index - 1)
                for index, bound in enumerate(bounds)
            ),
            else_=len(bounds) - 1,
        ).label("period")
        ids = (
            func.json_agg(worklogs.c.id, type_=JSON)
            if self._connection.dialect.name == "postgresql"
            else func.json_group_array(worklogs.c.id, type_=JSON)
        )
        query = (
            select(
                issues.c.project_key,
                period,
                issues.c.work_type,
                issues.c.key,
                func.sum(worklogs.c.seconds),
                ids,
            )
            .select_from(worklogs.join(issues, worklogs.c.issue_id == issues.c.id))
            .where(*_counted(project_keys))
            .group_by(issues.c.project_key, period, issues.c.work_type, issues.c.key)
        )
        work_types = _WORK_TYPES
        for project, index, work_type, key, seconds, ids_ in self._connection.execute(query):
            yield WorkGroup(project, index, work_types[work_type], key, int(seconds), tuple(ids_))


def _counted(project_keys: Sequence[str]) -> tuple[ColumnElement[bool], ...]:
    """Live worklogs on live, classified issues of the projects."""
    return (
        issues.c.project_key.in_(list(project_keys)),
        issues.c.work_type.is_not(None),
        ~issues.c.deleted,
        ~worklogs.c.deleted,
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
