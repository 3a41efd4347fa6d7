"""Xero, QuickBooks and Beancount book exactly what the statements bill."""

from __future__ import annotations

import csv
import dataclasses
import io
from collections import defaultdict
from collections.abc import Callable
from datetime import date
from decimal import Decimal

import pytest
from beancount import loader
from beancount.core.data import Transaction

from oms_connector.adapters.exports.beancount import write_beancount
from oms_connector.adapters.exports.csv_lines import write_csv
from oms_connector.adapters.exports.formats import Writer
from oms_connector.adapters.exports.invoice_lines import InvoiceExportError
from oms_connector.adapters.exports.quickbooks import write_quickbooks
from oms_connector.adapters.exports.settings import ExportOptions
from oms_connector.adapters.exports.xero import write_xero
from oms_connector.domain.lines import Line, LineKind
from oms_connector.domain.statements import Statement

from .worked_example import section_7_statements, statements_with_late_changes

SCENARIOS = {
    "worked example": section_7_statements,
    "late changes": statements_with_late_changes,
}


def nonzero_totals(statements: list[Statement]) -> dict[str, Decimal]:
    """Statement totals, without the statements that book nothing (only amount-0 lines)."""
    return {s.number: s.total for s in statements if any(line.amount for line in s.lines)}


def rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def xero_totals(text: str) -> dict[str, Decimal]:
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for row in rows(text):
        totals[row["*InvoiceNumber"]] += Decimal(row["*Quantity"]) * Decimal(row["*UnitAmount"])
    return dict(totals)


def quickbooks_totals(text: str) -> dict[str, Decimal]:
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for row in rows(text):
        amount = Decimal(row["Item Amount"])
        assert Decimal(row["Item Quantity"]) * Decimal(row["Item Rate"]) == amount
        totals[row["Invoice number"]] += amount
    return dict(totals)


def beancount_totals(text: str) -> dict[str, Decimal]:
    entries, errors, _ = loader.load_string(text)
    assert errors == []
    totals: dict[str, Decimal] = {}
    for entry in entries:
        if isinstance(entry, Transaction):
            income = [p.units.number for p in entry.postings if p.account.startswith("Income:")]
            totals[entry.meta["statement"]] = -sum(income, Decimal(0))
    return totals


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
@pytest.mark.parametrize(
    ("write", "totals"),
    [
        (write_xero, xero_totals),
        (write_quickbooks, quickbooks_totals),
        (write_beancount, beancount_totals),
    ],
    ids=["xero", "quickbooks", "beancount"],
)
def test_each_invoice_totals_its_statement(
    scenario: str, write: Writer, totals: Callable[[str], dict[str, Decimal]]
) -> None:
    statements = SCENARIOS[scenario]()
    text = write(statements, ExportOptions())
    assert totals(text) == nonzero_totals(statements)


def test_worked_example_invoice_totals_are_the_billing_rules_figures() -> None:
    assert xero_totals(write_xero(section_7_statements(), ExportOptions())) == {
        "acme-20260131": Decimal("350.00"),
        "acme-20260228": Decimal("350.00"),
        "acme-20260331": Decimal("573.76"),
    }


def test_xero_books_rounded_amounts_as_one_unit_and_exact_ones_as_hours() -> None:
    text = write_xero(statements_with_late_changes(), ExportOptions())
    booked = [
        (row["*InvoiceNumber"], row["*Quantity"], row["*UnitAmount"], row["*AccountCode"])
        for row in rows(text)
    ]
    assert booked == [
        ("acme-20260131", "10.00", "35.00", "200"),
        ("acme-20260228", "10.00", "35.00", "200"),
        ("acme-20260331", "10.00", "35.00", "200"),
        ("acme-20260331", "1", "140.63", "200"),
        ("acme-20260331", "1", "83.13", "200"),
        ("acme-20260430", "2.00", "62.50", "200"),
        ("acme-20260430", "1", "-83.13", "200"),
    ]


def test_adjustments_are_booked_on_the_account_of_the_kind_they_correct() -> None:
    text = write_beancount(statements_with_late_changes(), ExportOptions())
    last = text[text.index("^acme-20260430") :]
    assert "Income:OMS:Overage  -125.00 USD" in last
    assert "Income:OMS:Priority  83.13 USD" in last
    assert "Assets:Receivable:Acme-Corp  41.87 USD" in last


def test_expired_hours_are_kept_in_csv_and_left_out_of_invoices() -> None:
    statements = section_7_statements()
    kinds_in_csv = [row["kind"] for row in rows(write_csv(statements, ExportOptions()))]
    assert kinds_in_csv.count("expired") == 3
    descriptions = [
        row["Item Description"] for row in rows(write_quickbooks(statements, ExportOptions()))
    ]
    assert not any("expired" in text for text in descriptions)


def credit_statement(number: str = "acme-20260531") -> Statement:
    credit = Line(
        kind=LineKind.ADJUSTMENT,
        period_index=3,
        period_start=date(2026, 4, 30),
        period_end=date(2026, 5, 31),
        hours=Decimal("-2.00"),
        rate=Decimal("62.50"),
        amount=Decimal("-125.00"),
        description="Adjustment to priority: -2.00 h",
        corrects=LineKind.PRIORITY,
    )
    return Statement(number, "acme", "Acme Corp", 4, date(2026, 5, 31), "USD", (credit,))


@pytest.mark.parametrize(
    ("write", "system"), [(write_xero, "Xero"), (write_quickbooks, "QuickBooks Online")]
)
def test_a_statement_that_is_a_credit_is_refused_by_invoice_imports(
    write: Writer, system: str
) -> None:
    with pytest.raises(
        InvoiceExportError, match=f"acme-20260531 totals -125.00 USD, a credit, which {system}"
    ):
        write([credit_statement()], ExportOptions())


def test_a_credit_statement_is_a_credit_to_the_receivable_in_beancount() -> None:
    text = write_beancount([credit_statement()], ExportOptions())
    assert beancount_totals(text) == {"acme-20260531": Decimal("-125.00")}
    assert "Assets:Receivable:Acme-Corp  -125.00 USD" in text


def test_quickbooks_refuses_an_invoice_number_longer_than_21_characters() -> None:
    long_number = "a-very-long-plan-id-20260531"
    statement = section_7_statements()[0]
    renamed = dataclasses.replace(statement, number=long_number)
    with pytest.raises(
        InvoiceExportError,
        match=r"a-very-long-plan-id-20260531: .* at most 21 characters \(this one has 28\)",
    ):
        write_quickbooks([renamed], ExportOptions())
