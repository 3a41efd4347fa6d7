"""The ``csv`` export: one row per statement line, every line kept (amount 0 too)."""

from __future__ import annotations

from collections.abc import Iterable

from oms_connector.adapters.exports.invoice_lines import csv_text, money, ordered
from oms_connector.adapters.exports.settings import ExportOptions
from oms_connector.domain.lines import Line
from oms_connector.domain.statements import Statement

HEADER = (
    "number",
    "plan_id",
    "customer",
    "billing_date",
    "kind",
    "corrects",
    "period_start",
    "period_end",
    "hours",
    "rate",
    "amount",
    "currency",
    "description",
    "issue_keys",
    "worklog_ids",
)


def write_csv(statements: Iterable[Statement], options: ExportOptions) -> str:
    """Rows in export order; period ends are exclusive, as in the JSON schema."""
    del options  # the plain export books nothing
    rows = (_row(s, line) for s in ordered(statements) for line in s.lines)
    return csv_text(HEADER, rows)


def _row(statement: Statement, line: Line) -> tuple[str, ...]:
    return (
        statement.number,
        statement.plan_id,
        statement.customer,
        statement.billing_date.isoformat(),
        line.kind.value,
        line.corrects.value if line.corrects else "",
        line.period_start.isoformat(),
        line.period_end.isoformat(),
        str(line.hours),
        money(line.rate),
        money(line.amount),
        statement.currency,
        line.description,
        " ".join(line.issue_keys),
        " ".join(line.worklog_ids),
    )
