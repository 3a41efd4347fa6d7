"""Statements and their lines: append-only; each is written once, enforced by the database."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, bindparam, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql.dml import ReturningInsert

from oms_connector.adapters.sql.schema import billing_lines, statements
from oms_connector.domain.lines import Line, LineKind
from oms_connector.domain.statements import Statement

# Built once: the close runs these for every statement it writes.
# A statement that exists already (any of its unique constraints) inserts no row
# instead of raising, so no savepoint is needed to keep the transaction usable; the
# returned number tells whether the row went in (psycopg gives no rowcount here).
_INSERT_STATEMENT = {
    "sqlite": sqlite.insert(statements).on_conflict_do_nothing().returning(statements.c.number),
    "postgresql": postgresql.insert(statements)
    .on_conflict_do_nothing()
    .returning(statements.c.number),
}
_INSERT_LINES = insert(billing_lines)
_BILLED_LINES = (
    select(statements.c.plan_id, billing_lines)
    .join(statements, billing_lines.c.statement_number == statements.c.number)
    .order_by(statements.c.plan_id, statements.c.period_index, billing_lines.c.position)
)
_BILLED_LINES_OF_PLAN = _BILLED_LINES.where(statements.c.plan_id == bindparam("plan_id"))
_BILLED_LINES_OF_PLANS = _BILLED_LINES.where(
    statements.c.plan_id.in_(bindparam("plan_ids", expanding=True))
)


class SqlStatementRepository:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def add(self, statement: Statement, created_at: datetime) -> bool:
        header = {
            "number": statement.number,
            "plan_id": statement.plan_id,
            "customer": statement.customer,
            "billing_date": statement.billing_date,
            "period_index": statement.index,
            "currency": statement.currency,
            "total": statement.total,
            "created_at": created_at,
        }
        lines = [
            _line_row(statement.number, position, line)
            for position, line in enumerate(statement.lines)
        ]
        if self._connection.execute(self._insert_statement, header).first() is None:
            return False
        if lines:
            self._connection.execute(_INSERT_LINES, lines)
        return True

    @property
    def _insert_statement(self) -> ReturningInsert[tuple[str]]:
        try:
            return _INSERT_STATEMENT[self._connection.dialect.name]
        except KeyError:
            raise NotImplementedError(
                f"no statement insert for the {self._connection.dialect.name} dialect"
            ) from None

    def written_indexes(self, plan_id: str) -> set[int]:
        query = select(statements.c.period_index).where(statements.c.plan_id == plan_id)
        return set(self._connection.execute(query).scalars())

    def written_by_plan(self) -> dict[str, set[int]]:
        query = select(statements.c.plan_id, statements.c.period_index)
        written: dict[str, set[int]] = defaultdict(set)
        for plan_id, index in self._connection.execute(query):
            written[plan_id].add(index)
        return dict(written)

    def billed_lines(self, plan_id: str) -> list[Line]:
        rows = self._connection.execute(_BILLED_LINES_OF_PLAN, {"plan_id": plan_id})
        return [_line(row) for row in rows]

    def billed_lines_by_plan(self, plan_ids: Sequence[str]) -> dict[str, list[Line]]:
        if not plan_ids:
            return {}
        billed: dict[str, list[Line]] = defaultdict(list)
        rows = self._connection.execute(_BILLED_LINES_OF_PLANS, {"plan_ids": list(plan_ids)})
        for row in rows:
            billed[row.plan_id].append(_line(row))
        return dict(billed)

    def list(self, plan_id: str | None = None) -> list[Statement]:
        headers = select(statements).order_by(statements.c.plan_id, statements.c.period_index)
        lines = (
            select(billing_lines)
            .join(statements, billing_lines.c.statement_number == statements.c.number)
            .order_by(billing_lines.c.statement_number, billing_lines.c.position)
        )
        if plan_id is not None:
            headers = headers.where(statements.c.plan_id == plan_id)
            lines = lines.where(statements.c.plan_id == plan_id)
        by_number: dict[str, list[Line]] = defaultdict(list)
        for row in self._connection.execute(lines):
            by_number[row.statement_number].append(_line(row))
        return [
            Statement(
                number=row.number,
                plan_id=row.plan_id,
                customer=row.customer,
                index=row.period_index,
                billing_date=row.billing_date,
                currency=row.currency,
                lines=tuple(by_number[row.number]),
            )
            for row in self._connection.execute(headers)
        ]


def _line_row(number: str, position: int, line: Line) -> dict[str, Any]:
    return {
        "statement_number": number,
        "position": position,
        "kind": line.kind.value,
        "period_index": line.period_index,
        "period_start": line.period_start,
        "period_end": line.period_end,
        "hours": line.hours,
        "rate": line.rate,
        "amount": line.amount,
        "description": line.description,
        "issue_keys": list(line.issue_keys),
        "worklog_ids": list(line.worklog_ids),
        "corrects": None if line.corrects is None else line.corrects.value,
    }


def _line(row: Row[Any]) -> Line:
    return Line(
        kind=LineKind(row.kind),
        period_index=row.period_index,
        period_start=row.period_start,
        period_end=row.period_end,
        hours=row.hours,
        rate=row.rate,
        amount=row.amount,
        description=row.description,
        issue_keys=tuple(row.issue_keys),
        worklog_ids=tuple(row.worklog_ids),
        corrects=None if row.corrects is None else LineKind(row.corrects),
    )
