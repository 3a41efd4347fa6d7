"""The ``beancount`` export: a double-entry journal that ``bean-check`` accepts.

One transaction per statement with something to book, on its billing date: the
customer's receivable (``<receivable_account>:<Customer>``) is debited with the
statement total, and each booked line credits the income account of its kind. The
transaction is linked by the statement number (``^acme-20260331``) and each posting
carries the line's kind, period, hours, rate, issue keys and worklog ids as metadata.
Accounts and commodities are opened on the first date that uses them.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from oms_connector.adapters.exports.invoice_lines import InvoiceLine, booked, money
from oms_connector.adapters.exports.settings import ExportOptions
from oms_connector.domain.statements import Statement

INDENT = "  "
ZERO = Decimal("0.00")


def write_beancount(statements: Iterable[Statement], options: ExportOptions) -> str:
    entries = list(booked(statements))
    transactions = [_transaction(statement, lines, options) for statement, lines in entries]
    currencies = sorted({statement.currency for statement, _ in entries})
    blocks = [_options(currencies), *_openings(entries, options), *transactions]
    return "\n".join(blocks)


def customer_account(options: ExportOptions, statement: Statement) -> str:
    """The customer's receivable sub-account, its name folded to what Beancount accepts."""
    folded = unicodedata.normalize("NFKD", statement.customer).encode("ascii", "ignore").decode()
    component = re.sub(r"[^A-Za-z0-9]+", "-", folded).strip("-")
    if not component:
        component = "Plan-" + re.sub(r"[^A-Za-z0-9]+", "-", statement.plan_id).strip("-")
    return f"{options.receivable_account}:{component[0].upper()}{component[1:]}"


def _options(currencies: list[str]) -> str:
    lines = ['option "title" "OMS statements"']
    lines.extend(f'option "operating_currency" "{currency}"' for currency in currencies)
    return "\n".join(lines) + "\n"


def _openings(
    entries: list[tuple[Statement, list[InvoiceLine]]], options: ExportOptions
) -> list[str]:
    commodities: dict[str, date] = {}
    accounts: dict[str, tuple[date, set[str]]] = {}

    def use(account: str, statement: Statement) -> None:
        accounts.setdefault(account, (statement.billing_date, set()))[1].add(statement.currency)

    for statement, lines in entries:
        commodities.setdefault(statement.currency, statement.billing_date)
        use(customer_account(options, statement), statement)
        for item in lines:
            use(options.booking(item.line).income_account, statement)
    blocks = []
    if commodities:
        blocks.append(
            "\n".join(f"{day.isoformat()} commodity {c}" for c, day in sorted(commodities.items()))
            + "\n"
        )
    if accounts:
        openings = sorted(accounts.items(), key=lambda item: (item[1][0], item[0]))
        blocks.append(
            "\n".join(
                f"{day.isoformat()} open {account} {','.join(sorted(currencies))}"
                for account, (day, currencies) in openings
            )
            + "\n"
        )
    return blocks


def _transaction(statement: Statement, lines: list[InvoiceLine], options: ExportOptions) -> str:
    total = sum((item.amount for item in lines), ZERO)
    out = [
        f"{statement.billing_date.isoformat()} * {_string(statement.customer)} "
        f"{_string(f'OMS statement {statement.number}')} ^{statement.number}",
        f"{INDENT}statement: {_string(statement.number)}",
        f"{INDENT}plan: {_string(statement.plan_id)}",
        f"{INDENT}{customer_account(options, statement)}  {money(total)} {statement.currency}",
    ]
    for item in lines:
        out.extend(_posting(item, options))
    return "\n".join(out) + "\n"


def _posting(item: InvoiceLine, options: ExportOptions) -> list[str]:
    line, currency = item.line, item.statement.currency
    meta = {
        "kind": line.kind.value,
        "corrects": line.corrects.value if line.corrects else "",
        "description": line.description,
        "period": f"{line.period_start.isoformat()}/{line.period_end.isoformat()}",
        "hours": str(line.hours),
        "rate": money(line.rate),
        "issue_keys": " ".join(line.issue_keys),
        "worklog_ids": " ".join(line.worklog_ids),
    }
    account = options.booking(line).income_account
    return [
        f"{INDENT}{account}  {money(-line.amount)} {currency}",
        *(f"{INDENT * 2}{key}: {_string(value)}" for key, value in meta.items() if value),
    ]


def _string(text: str) -> str:
    """A Beancount string literal: backslashes and quotes escaped, on one line."""
    flat = " ".join(text.split())
    return '"' + flat.replace("\\", "\\\\").replace('"', '\\"') + '"'
