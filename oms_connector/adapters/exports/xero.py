"""The ``xero`` export: Xero's sales-invoice import CSV, one row per booked line.

Header names and order follow the sales invoice template that Xero offers for
download under Sales > Invoices > Import (Xero Central, "Import or create invoices
using a CSV file"): required columns carry a leading ``*``; Xero asks that no column
be renamed, removed or added, so the optional ones stay, empty. Dates are DD/MM/YYYY.
Rows with the same InvoiceNumber make one invoice. Checked against the template's
column list as quoted by Xero users (e.g. xero-help.caltrix.asia, "How to import
sales invoice into Xero"; the 27-column header reproduced in public importers).
"""

from __future__ import annotations

from collections.abc import Iterable

from oms_connector.adapters.exports.invoice_lines import (
    InvoiceLine,
    csv_text,
    invoices,
    money,
)
from oms_connector.adapters.exports.settings import ExportOptions
from oms_connector.domain.statements import Statement

HEADER = (
    "*ContactName",
    "EmailAddress",
    "POAddressLine1",
    "POAddressLine2",
    "POAddressLine3",
    "POAddressLine4",
    "POCity",
    "PORegion",
    "POPostalCode",
    "POCountry",
    "*InvoiceNumber",
    "Reference",
    "*InvoiceDate",
    "*DueDate",
    "InventoryItemCode",
    "*Description",
    "*Quantity",
    "*UnitAmount",
    "Discount",
    "*AccountCode",
    "*TaxType",
    "TrackingName1",
    "TrackingOption1",
    "TrackingName2",
    "TrackingOption2",
    "Currency",
    "BrandingTheme",
)

DATE_FORMAT = "%d/%m/%Y"


def write_xero(statements: Iterable[Statement], options: ExportOptions) -> str:
    rows = (
        _row(statement, item, options)
        for statement, lines in invoices(statements, "Xero")
        for item in lines
    )
    return csv_text(HEADER, rows)


def _row(statement: Statement, item: InvoiceLine, options: ExportOptions) -> tuple[str, ...]:
    booking = options.booking(item.line)
    values = {
        "*ContactName": statement.customer,
        "*InvoiceNumber": statement.number,
        "Reference": f"OMS plan {statement.plan_id}",
        "*InvoiceDate": statement.billing_date.strftime(DATE_FORMAT),
        "*DueDate": options.due_date(statement.billing_date).strftime(DATE_FORMAT),
        "*Description": item.description,
        "*Quantity": str(item.quantity),
        "*UnitAmount": money(item.unit_amount),
        "*AccountCode": booking.account_code,
        "*TaxType": booking.tax_type,
        "Currency": statement.currency,
    }
    return tuple(values.get(column, "") for column in HEADER)
