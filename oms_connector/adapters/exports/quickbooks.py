"""The ``quickbooks`` export: QuickBooks Online's invoice import CSV, one row per booked line.

The header names are the ones QuickBooks Online maps by itself when importing
invoices (Intuit, "Import invoices in batches", and the QuickBooks community answer
listing the default columns: Invoice number, Customer, Invoice date, Due date, Terms,
Memo, Item (Product/Service), Item Description, Item Quantity, Item Rate, Item Amount,
Service Date). Rows with the same invoice number make one invoice; the import asks
for the date format, given here by ``quickbooks_date_format``. QuickBooks keeps at
most 21 characters of an invoice number, so a longer statement number is refused.
"""

from __future__ import annotations

from collections.abc import Iterable

from oms_connector.adapters.exports.invoice_lines import (
    InvoiceExportError,
    InvoiceLine,
    csv_text,
    invoices,
    money,
)
from oms_connector.adapters.exports.settings import ExportOptions
from oms_connector.domain.statements import Statement

HEADER = (
    "Invoice number",
    "Customer",
    "Invoice date",
    "Due date",
    "Terms",
    "Memo",
    "Item (Product/Service)",
    "Item Description",
    "Item Quantity",
    "Item Rate",
    "Item Amount",
    "Service Date",
)

MAX_INVOICE_NUMBER = 21


def write_quickbooks(statements: Iterable[Statement], options: ExportOptions) -> str:
    rows: list[tuple[str, ...]] = []
    for statement, lines in invoices(statements, "QuickBooks Online"):
        _check_number(statement)
        rows.extend(_row(statement, item, options) for item in lines)
    return csv_text(HEADER, rows)


def _check_number(statement: Statement) -> None:
    if len(statement.number) > MAX_INVOICE_NUMBER:
        raise InvoiceExportError(
            f"statement {statement.number}: QuickBooks Online takes invoice numbers of at most "
            f"{MAX_INVOICE_NUMBER} characters (this one has {len(statement.number)}); "
            "use a shorter plan id"
        )


def _row(statement: Statement, item: InvoiceLine, options: ExportOptions) -> tuple[str, ...]:
    return (
        statement.number,
        statement.customer,
        options.quickbooks_date(statement.billing_date),
        options.quickbooks_date(options.due_date(statement.billing_date)),
        options.terms,
        f"OMS plan {statement.plan_id}, statement {statement.number}",
        options.booking(item.line).item,
        item.description,
        str(item.quantity),
        money(item.unit_amount),
        money(item.amount),
        options.quickbooks_date(item.line.period_start),
    )
