"""Statements and their lines: append-only; each is written once, enforced by the database."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    ColumnElement,
    Connection,
    Row,
    Text,
    and_,
    bindparam,
    cast,
    exists,
    func,
    insert,
    select,
    union,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql.dml import ReturningInsert

from oms_connector.adapters.sql.schema import billing_lines, skipped_statements, statements
from oms_connector.domain.lines import Line, LineKind
from oms_connector.domain.statements import Statement
from oms_connector.domain.terms import BilledTerms
from oms_connector.services.ports import RecordedTerms

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


def _json_text(name: str, dialect: str) -> ColumnElement[Any]:
    """A parameter carrying JSON already encoded (see ``_json_list``).

    SQLite keeps JSON as text, so the text goes in as it is; PostgreSQL casts it to json.
    """
    text = bindparam(name, type_=Text)
    return cast(text, JSON) if dialect == "postgresql" else text


# The lines' id lists arrive encoded: the JSON column type would encode them again.
_INSERT_LINES = {
    dialect: insert(billing_lines).values(
        issue_keys=_json_text("issue_keys_json", dialect),
        worklog_ids=_json_text("worklog_ids_json", dialect),
    )
    for dialect in ("sqlite", "postgresql")
}
_BILLED_LINES = (
    select(statements.c.plan_id, billing_lines)
    .join(statements, billing_lines.c.statement_number == statements.c.number)
    .order_by(statements.c.plan_id, statements.c.period_index, billing_lines.c.position)
)
_BILLED_LINES_OF_PLAN = _BILLED_LINES.where(statements.c.plan_id == bindparam("plan_id"))
_BILLED_LINES_OF_PLANS = _BILLED_LINES.where(
    statements.c.plan_id.in_(bindparam("plan_ids", expanding=True))
)
_INSERT_SKIPPED = {
    "sqlite": sqlite.insert(skipped_statements)
    .on_conflict_do_nothing()
    .returning(skipped_statements.c.plan_id),
    "postgresql": postgresql.insert(skipped_statements)
    .on_conflict_do_nothing()
    .returning(skipped_statements.c.plan_id),
}
_SETTLED = union(
    select(statements.c.plan_id, statements.c.period_index),
    select(skipped_statements.c.plan_id, skipped_statements.c.period_index),
)


# Per plan, its latest statement with recorded terms: one read for a batch of plans,
# through the unique (plan_id, period_index) index.
_LATEST = (
    select(statements.c.plan_id, func.max(statements.c.period_index).label("period_index"))
    .where(
        statements.c.plan_id.in_(bindparam("plan_ids", expanding=True)),
        statements.c.terms.is_not(None),
    )
    .group_by(statements.c.plan_id)
    .subquery()
)
_LATEST_TERMS = select(
    statements.c.plan_id, statements.c.number, statements.c.period_index, statements.c.terms
).join(
    _LATEST,
    and_(
        statements.c.plan_id == _LATEST.c.plan_id,
        statements.c.period_index == _LATEST.c.period_index,
    ),
)


class SqlStatementRepository:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def add(self, statement: Statement, created_at: datetime, *, terms: BilledTerms) -> bool:
        header = {
            "number": statement.number,
            "plan_id": statement.plan_id,
            "customer": statement.customer,
            "billing_date": statement.billing_date,
            "period_index": statement.index,
            "currency": statement.currency,
            "total": statement.total,
            "created_at": created_at,
            "terms": terms.to_json(),
        }
        lines = [
            _line_row(statement.number, position, line)
            for position, line in enumerate(statement.lines)
        ]
        if self._connection.execute(self._insert_statement, header).first() is None:
            return False
        if lines:
            self._connection.execute(_INSERT_LINES[self._connection.dialect.name], lines)
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
        """Settled indexes: statements written and statements skipped."""
        written: dict[str, set[int]] = defaultdict(set)
        for plan_id, index in self._connection.execute(_SETTLED):
            written[plan_id].add(index)
        return dict(written)

    def skip(
        self,
        plan_id: str,
        index: int,
        billing_date: date,
        skipped_at: datetime,
        *,
        sales_from: int,
    ) -> bool:
        written = exists().where(
            statements.c.plan_id == plan_id, statements.c.period_index == index
        )
        if self._connection.execute(select(written)).scalar():
            return False
        row = {
            "plan_id": plan_id,
            "period_index": index,
            "billing_date": billing_date,
            "skipped_at": skipped_at,
            "sales_from": sales_from,
        }
        insert_skipped = _INSERT_SKIPPED[self._connection.dialect.name]
        return self._connection.execute(insert_skipped, row).first() is not None

    def is_skipped(self, plan_id: str, index: int) -> bool:
        found = exists().where(
            skipped_statements.c.plan_id == plan_id, skipped_statements.c.period_index == index
        )
        return bool(self._connection.execute(select(found)).scalar())

    def skipped_sales_from(self, plan_ids: Sequence[str]) -> dict[str, int]:
        if not plan_ids:
            return {}
        query = (
            select(skipped_statements.c.plan_id, func.max(skipped_statements.c.sales_from))
            .where(
                skipped_statements.c.plan_id.in_(list(plan_ids)),
                skipped_statements.c.sales_from.is_not(None),
            )
            .group_by(skipped_statements.c.plan_id)
        )
        return {plan_id: int(value) for plan_id, value in self._connection.execute(query)}

    def latest_terms(self, plan_ids: Sequence[str]) -> dict[str, RecordedTerms]:
        if not plan_ids:
            return {}
        rows = self._connection.execute(_LATEST_TERMS, {"plan_ids": list(plan_ids)})
        return {row.plan_id: RecordedTerms(row.number, row.period_index, row.terms) for row in rows}

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
        "issue_keys_json": _json_list(line.issue_keys),
        "worklog_ids_json": _json_list(line.worklog_ids),
        "corrects": None if line.corrects is None else line.corrects.value,
    }


def _json_list(values: tuple[str, ...]) -> str:
    """``json.dumps(list(values))``, the same text, with no per-value work in Python.

    A line lists up to every worklog of a period. Values made of printable ASCII
    other than ``"`` and ``\\`` (Jira ids and keys) are written as they are by
    ``json.dumps``, so one ``str.join`` and a few scans of its result, all in C, give
    the same text; anything else goes through ``json.dumps``.
    """
    if not values:
        return "[]"
    joined = '", "'.join(values)
    if (
        joined.isascii()
        and joined.isprintable()
        and "\\" not in joined
        and joined.count('"') == 2 * (len(values) - 1)
    ):
        return f'["{joined}"]'
    return json.dumps(list(values))


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
