"""The JSON shape of statements: the schema every export and the CLI share.

A document is an array of statements; amounts and hours are strings with their
exact decimals (amounts always with two), dates are ISO 8601, period ends are
exclusive.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from oms_connector.domain.lines import Line
from oms_connector.domain.statements import Statement

CENT = Decimal("0.01")


def money(value: Decimal) -> str:
    return str(value.quantize(CENT))


def line_to_dict(line: Line) -> dict[str, Any]:
    return {
        "kind": line.kind.value,
        "corrects": line.corrects.value if line.corrects else None,
        "period_start": line.period_start.isoformat(),
        "period_end": line.period_end.isoformat(),
        "hours": str(line.hours),
        "rate": money(line.rate),
        "amount": money(line.amount),
        "description": line.description,
        "issue_keys": list(line.issue_keys),
        "worklog_ids": list(line.worklog_ids),
    }


def statement_to_dict(statement: Statement) -> dict[str, Any]:
    return {
        "number": statement.number,
        "plan_id": statement.plan_id,
        "customer": statement.customer,
        "billing_date": statement.billing_date.isoformat(),
        "currency": statement.currency,
        "total": money(statement.total),
        "lines": [line_to_dict(line) for line in statement.lines],
    }


def dumps(statements: Iterable[Statement]) -> str:
    """Deterministic text: the same statements always give the same bytes."""
    document = [statement_to_dict(s) for s in statements]
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
