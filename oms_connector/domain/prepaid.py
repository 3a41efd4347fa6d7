"""Prepaid priority hours sold: the ``prepaid`` line of each invoiced purchase.

A purchase is billed once, on the first statement whose billing date is on or after
its purchase date, and names the period that contains that date. Its price is the
configured one, else its hours at the priority rate in force on the purchase date.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

from oms_connector.domain.lines import Line, LineKind
from oms_connector.domain.money import CENT, amount
from oms_connector.domain.plans import BankPurchase, Plan


def price_of(plan: Plan, purchase: BankPurchase) -> Decimal:
    """What the purchase costs: its price, else its hours at the rate of its day."""
    if purchase.price is not None:
        return purchase.price.quantize(CENT)
    calendar = plan.calendar
    rate = calendar.priority_rate(calendar.index_of_date(purchase.purchased_on))
    return amount(purchase.hours, rate)


def sales(plan: Plan, sales_from: int = 0) -> dict[int, list[Line]]:
    """The ``prepaid`` lines of the plan's invoiced purchases, by the statement billing them.

    Purchases whose statement comes before the first one the connector writes were
    invoiced by other means, as were those with ``invoice: false``, and those whose
    statement comes before ``sales_from``: statements written before the connector
    sold prepaid hours (see ``BilledTerms.sales_from``).
    """
    if not plan.priority_bank:
        return {}
    calendar = plan.calendar
    result: dict[int, list[Line]] = defaultdict(list)
    ordered = sorted(plan.priority_bank, key=lambda purchase: purchase.purchased_on)
    for purchase in ordered:
        statement = calendar.purchase_statement(purchase.purchased_on)
        if purchase.invoice and statement >= max(calendar.first_statement, sales_from):
            result[statement].append(_line(plan, purchase))
    return dict(result)


def _line(plan: Plan, purchase: BankPurchase) -> Line:
    calendar = plan.calendar
    bought_in = calendar.period(max(0, calendar.index_of_date(purchase.purchased_on)))
    price = price_of(plan, purchase)
    rate = (price / purchase.hours).quantize(CENT, rounding=ROUND_HALF_UP)
    return Line(
        kind=LineKind.PREPAID,
        period_index=bought_in.index,
        period_start=bought_in.start_date,
        period_end=bought_in.end_date,
        hours=_hours(purchase.hours),
        rate=rate,
        amount=price,
        description=(
            f"Prepaid priority hours bought on {purchase.purchased_on.isoformat()} "
            "(they never expire)"
        ),
    )


def _hours(hours: Decimal) -> Decimal:
    """The purchase's hours with two places, as lines show hours (more when it has them)."""
    shown = hours.quantize(CENT)
    return shown if shown == hours else hours
