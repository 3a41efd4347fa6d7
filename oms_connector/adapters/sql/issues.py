"""Issues: the snapshot classification reads and the decision taken on it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, or_, select, update

from oms_connector.adapters.sql.schema import issues
from oms_connector.adapters.sql.upsert import insert_on_conflict
from oms_connector.domain.classification import IssueSnapshot, WorkType
from oms_connector.services.ports import StoredIssue


class SqlIssueRepository:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def save_if_not_older(self, issue: StoredIssue, stored_at: datetime) -> bool:
        values = _row(issue, stored_at)
        statement = insert_on_conflict(self._connection, issues, values)
        newer_or_same = statement.excluded.updated >= issues.c.updated
        guard = ~issues.c.deleted & (or_(statement.excluded.deleted, newer_or_same))
        upsert = statement.on_conflict_do_update(
            index_elements=[issues.c.id],
            set_={name: statement.excluded[name] for name in values if name != "id"},
            where=guard,
        ).returning(issues.c.id)
        return self._connection.execute(upsert).first() is not None

    def get(self, issue_id: str) -> StoredIssue | None:
        row = self._connection.execute(select(issues).where(issues.c.id == issue_id)).first()
        return None if row is None else _issue(row)

    def live_ids(self, project_keys: Sequence[str]) -> list[str]:
        query = (
            select(issues.c.id)
            .where(
                issues.c.project_key.in_(list(project_keys)),
                issues.c.work_type.is_not(None),
                ~issues.c.deleted,
            )
            .order_by(issues.c.id)
        )
        return list(self._connection.execute(query).scalars())

    def unresolved_ids(self, project_keys: Sequence[str]) -> list[str]:
        query = (
            select(issues.c.id)
            .where(
                issues.c.project_key.in_(list(project_keys)),
                issues.c.work_type.is_not(None),
                ~issues.c.deleted,
                ~issues.c.resolved,
            )
            .order_by(issues.c.id)
        )
        return list(self._connection.execute(query).scalars())

    def live_page(
        self, project_keys: Sequence[str], *, after_id: str | None, limit: int
    ) -> list[StoredIssue]:
        query = select(issues).where(
            issues.c.project_key.in_(list(project_keys)), ~issues.c.deleted
        )
        if after_id is not None:
            query = query.where(issues.c.id > after_id)
        rows = self._connection.execute(query.order_by(issues.c.id).limit(limit))
        return [_issue(row) for row in rows]

    def redecide(
        self, read: StoredIssue, work_type: WorkType | None, reason: str, overridden: bool
    ) -> bool:
        old_type = issues.c.work_type
        same_decision = (
            old_type.is_(None) if read.work_type is None else old_type == read.work_type.value
        )
        statement = (
            update(issues)
            .where(
                issues.c.id == read.snapshot.id,
                issues.c.updated == read.updated,
                ~issues.c.deleted,
                same_decision,
                issues.c.reason == read.reason,
                issues.c.overridden == read.overridden,
            )
            .values(
                work_type=None if work_type is None else work_type.value,
                reason=reason,
                overridden=overridden,
            )
        )
        return self._connection.execute(statement).rowcount == 1


def _row(issue: StoredIssue, stored_at: datetime) -> dict[str, Any]:
    snapshot = issue.snapshot
    return {
        "id": snapshot.id,
        "key": snapshot.key,
        "project_key": snapshot.project_key,
        "summary": snapshot.summary,
        "description": snapshot.description,
        "issue_type": snapshot.issue_type,
        "priority": snapshot.priority,
        "labels": sorted(snapshot.labels),
        "components": sorted(snapshot.components),
        "request_type": snapshot.request_type,
        "override_field": snapshot.override_field,
        "resolved": snapshot.resolved,
        "work_type": None if issue.work_type is None else issue.work_type.value,
        "reason": issue.reason,
        "overridden": issue.overridden,
        "deleted": issue.deleted,
        "updated": issue.updated,
        "stored_at": stored_at,
    }


def _issue(row: Row[Any]) -> StoredIssue:
    snapshot = IssueSnapshot(
        id=row.id,
        key=row.key,
        project_key=row.project_key,
        summary=row.summary,
        description=row.description,
        issue_type=row.issue_type,
        priority=row.priority,
        labels=frozenset(row.labels),
        components=frozenset(row.components),
        request_type=row.request_type,
        override_field=row.override_field,
        resolved=row.resolved,
    )
    return StoredIssue(
        snapshot=snapshot,
        updated=row.updated,
        work_type=None if row.work_type is None else WorkType(row.work_type),
        reason=row.reason,
        overridden=row.overridden,
        deleted=row.deleted,
    )
