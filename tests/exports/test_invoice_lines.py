"""Quantity times unit amount is always exactly the line's amount."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from oms_connector.adapters.exports.invoice_lines import invoice_line
from oms_connector.domain.lines import Line, LineKind

from .worked_example import section_7_statements


def line(hours: str, rate: str, amount: str, kind: LineKind = LineKind.ADJUSTMENT) -> Line:
    return Line(
        kind=kind,
        period_index=1,
        period_start=date(2026, 2, 28),
        period_end=date(2026, 3, 31),
        hours=Decimal(hours),
        rate=Decimal(rate),
        amount=Decimal(amount),
        description="Adjustment",
        issue_keys=("ACME-2", "ACME-5"),
        corrects=None if kind is not LineKind.ADJUSTMENT else LineKind.OVERAGE,
    )


@pytest.mark.parametrize(
    ("hours", "rate", "amount", "quantity", "unit"),
    [
        ("10.00", "35.00", "350.00", "10.00", "35.00"),  # exact: hours at the rate
        ("2.25", "62.50", "140.63", "1", "140.63"),  # 140.625 rounded: one unit
        ("1.33", "62.50", "83.13", "1", "83.13"),
        ("2.00", "62.50", "125.00", "2.00", "62.50"),
        ("-2.00", "62.50", "-125.00", "2.00", "-62.50"),  # exact credit: negative price
        ("-1.33", "62.50", "-83.13", "1", "-83.13"),  # rounded credit
        ("0.00", "62.50", "-0.01", "1", "-0.01"),  # a cent of rounding, no hours
        ("0.75", "62.50", "46.87", "1", "46.87"),  # difference of rounded amounts
    ],
)
def test_quantity_and_unit_amount_multiply_to_the_amount(
    hours: str, rate: str, amount: str, quantity: str, unit: str
) -> None:
    item = invoice_line(section_7_statements()[2], line(hours, rate, amount))
    assert (str(item.quantity), str(item.unit_amount)) == (quantity, unit)
    assert item.quantity * item.unit_amount == Decimal(amount)


def test_description_states_the_period_hours_rate_and_issues() -> None:
    item = invoice_line(section_7_statements()[2], line("0.75", "62.50", "46.87"))
    assert item.description == (
        "Adjustment (2026-02-28 to 2026-03-30: 0.75 h at 62.50); issues ACME-2, ACME-5"
    )
