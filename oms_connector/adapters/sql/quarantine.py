"""Worklog versions held out of every sum, kept as Jira sent them.

A held version's values are kept as text: a start in the year 9999 or a duration of
10^30 seconds is shown as it came, and no column that the sums read ever holds it. The
worklog's row keeps its last counted values, marked ``quarantined``, and takes the held
version's ``updated`` so that only a newer version replaces it.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Row, Select, func, select, update

from oms_connector.adapters.sql.schema import issues, quarantine, worklogs
from oms_connector.adapters.sql.upsert import insert_on_conflict
from oms_connector.domain.worklogs import Worklog
from oms_connector.services.ports import HeldWorklog


class SqlQuarantineRepository:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def hold(self, held: HeldWorklog) -> bool:
        if not self._mark(held):
            return False
        worklog = held.worklog
        values = {
            "worklog_id": worklog.id,
            "issue_id": worklog.issue_id,
            "author": worklog.author,
            "started": worklog.started.isoformat(),
            "seconds": str(worklog.seconds),
            "updated": worklog.updated.isoformat(),
            "reason": held.reason,
            "version": held.version,
            "held_at": held.held_at,
            "accepted_at": None,
        }
        statement = insert_on_conflict(self._connection, quarantine, values)
        self._connection.execute(
            statement.on_conflict_do_update(
                index_elements=[quarantine.c.worklog_id],
                set_={name: statement.excluded[name] for name in values if name != "worklog_id"},
            )
        )
        return True

    def _mark(self, held: HeldWorklog) -> bool:
        """The worklog's row marked held, if the held version is newer than the stored one.

        A worklog never counted gets a row of no time (it is not counted either way), so
        that the newer-wins rule has a version to compare the next one with.
        """
        worklog = held.worklog
        values = {
            "id": worklog.id,
            "issue_id": worklog.issue_id,
            "author": worklog.author,
            "started_utc": held.version,
            "started_offset_minutes": 0,
            "seconds": 0,
            "jira_updated": held.version,
            "deleted": False,
            "stored_at": held.held_at,
            "quarantined": True,
        }
        statement = insert_on_conflict(self._connection, worklogs, values)
        upsert = statement.on_conflict_do_update(
            index_elements=[worklogs.c.id],
            set_={
                name: statement.excluded[name]
                for name in ("quarantined", "jira_updated", "stored_at")
            },
            where=~worklogs.c.deleted & (statement.excluded.jira_updated > worklogs.c.jira_updated),
        ).returning(worklogs.c.id)
        return self._connection.execute(upsert).first() is not None

    def held(self) -> list[HeldWorklog]:
        query = _held().order_by(quarantine.c.held_at, quarantine.c.worklog_id)
        return [_held_worklog(row) for row in self._connection.execute(query)]

    def find(self, worklog_id: str) -> HeldWorklog | None:
        row = self._connection.execute(_held().where(quarantine.c.worklog_id == worklog_id)).first()
        return None if row is None else _held_worklog(row)

    def counts(self) -> dict[str | None, int]:
        held = _held().subquery()
        query = select(held.c.project_key, func.count().label("held")).group_by(held.c.project_key)
        return {row.project_key: row.held for row in self._connection.execute(query)}

    def accept(self, held: HeldWorklog, accepted_at: datetime) -> bool:
        worklog = held.worklog
        offset = worklog.started.utcoffset() or timedelta(0)
        accepted = self._connection.execute(
            update(worklogs)
            .where(worklogs.c.id == worklog.id, worklogs.c.quarantined, ~worklogs.c.deleted)
            .values(
                author=worklog.author,
                started_utc=worklog.started,
                started_offset_minutes=offset // timedelta(minutes=1),
                seconds=worklog.seconds,
                quarantined=False,
                stored_at=accepted_at,
            )
        )
        if accepted.rowcount != 1:
            return False
        self._connection.execute(
            update(quarantine)
            .where(quarantine.c.worklog_id == worklog.id)
            .values(accepted_at=accepted_at)
        )
        return True


def _held() -> Select[Any]:
    """Held versions: the worklog is still marked, not deleted since."""
    return (
        select(quarantine, issues.c.project_key)
        .select_from(
            quarantine.join(worklogs, worklogs.c.id == quarantine.c.worklog_id).outerjoin(
                issues, issues.c.id == quarantine.c.issue_id
            )
        )
        .where(worklogs.c.quarantined, ~worklogs.c.deleted)
    )


def _held_worklog(row: Row[Any]) -> HeldWorklog:
    worklog = Worklog(
        id=row.worklog_id,
        issue_id=row.issue_id,
        started=datetime.fromisoformat(row.started),
        seconds=int(row.seconds),
        updated=datetime.fromisoformat(row.updated),
        author=row.author,
    )
    return HeldWorklog(
        worklog=worklog,
        reason=row.reason,
        version=row.version,
        held_at=row.held_at,
        project_key=row.project_key,
    )
