"""A statement selling prepaid priority hours and correcting an earlier sale, built by hand."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from oms_connector.domain.lines import Line, LineKind
from oms_connector.domain.statements import Statement

PERIOD_0 = (date(2026, 1, 31), date(2026, 2, 28))
PERIOD_1 = (date(2026, 2, 28), date(2026, 3, 31))
PERIOD_2 = (date(2026, 3, 31), date(2026, 4, 30))
SUBSCRIPTION_TEXT = "OMS plan acme: 10.00 h for the period, billed in advance"
PREPAID_TEXT = "Prepaid priority hours bought 2026-03-15"
CORRECTION_TEXT = "Adjustment to prepaid of the period 2026-01-31 to 2026-02-28: -2.00 h"


def line(
    kind: LineKind,
    period: tuple[date, date],
    hours: str,
    rate: str,
    amount: str,
    description: str,
    corrects: LineKind | None = None,
) -> Line:
    return Line(
        kind=kind,
        period_index=[PERIOD_0, PERIOD_1, PERIOD_2].index(period),
        period_start=period[0],
        period_end=period[1],
        hours=Decimal(hours),
        rate=Decimal(rate),
        amount=Decimal(amount),
        description=description,
        corrects=corrects,
    )


def prepaid_statement(price: str = "600.00", rate: str = "60.00") -> Statement:
    """acme-20260331: the subscription, 10 h bought on 2026-03-15, and 2 h taken off
    an earlier purchase of period 0."""
    lines = (
        line(LineKind.SUBSCRIPTION, PERIOD_2, "10.00", "35.00", "350.00", SUBSCRIPTION_TEXT),
        line(LineKind.PREPAID, PERIOD_1, "10.00", rate, price, PREPAID_TEXT),
        line(
            LineKind.ADJUSTMENT,
            PERIOD_0,
            "-2.00",
            "60.00",
            "-120.00",
            CORRECTION_TEXT,
            corrects=LineKind.PREPAID,
        ),
    )
    return Statement("acme-20260331", "acme", "Acme Corp", 2, date(2026, 3, 31), "USD", lines)
