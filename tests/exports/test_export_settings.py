"""Export settings refuse what would produce a file the accounting system rejects."""

from __future__ import annotations

from datetime import date

import pytest

from oms_connector.adapters.exports.settings import (
    ExportOptions,
    ExportSettingsError,
    KindBooking,
)
from oms_connector.domain.lines import LineKind


def booking(**changes: str) -> KindBooking:
    fields = {
        "account_code": "200",
        "tax_type": "Tax Exempt",
        "item": "OMS plan",
        "income_account": "Income:OMS:Subscription",
    }
    fields.update(changes)
    return KindBooking(**fields)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"income_account": "Revenue:OMS"},
            "income_account: 'Revenue:OMS' is not a Beancount account under Income",
        ),
        ({"income_account": "Income"}, "income_account: 'Income' is not a Beancount account"),
        (
            {"income_account": "Income:oms"},
            "income_account: 'Income:oms' is not a Beancount account",
        ),
        ({"account_code": " "}, "account_code: must not be empty"),
        ({"item": ""}, "item: must not be empty"),
    ],
)
def test_bad_booking_is_refused_naming_the_key(changes: dict[str, str], message: str) -> None:
    with pytest.raises(ExportSettingsError, match=message):
        booking(**changes)


def test_every_billed_kind_needs_a_booking() -> None:
    with pytest.raises(
        ExportSettingsError, match=r"^bookings: no booking for overage, priority, prepaid$"
    ):
        ExportOptions(bookings={LineKind.SUBSCRIPTION: booking()})


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"due_days": -1}, "due_days: must be 0 or more, got -1"),
        (
            {"receivable_account": "Income:Receivable"},
            "receivable_account: 'Income:Receivable' is not a Beancount account under Assets",
        ),
        (
            {"quickbooks_date_format": "D.M.Y"},
            "quickbooks_date_format: must be one of MM/DD/YYYY, DD/MM/YYYY, YYYY-MM-DD, "
            "got 'D.M.Y'",
        ),
    ],
)
def test_bad_options_are_refused_naming_the_key(changes: dict[str, object], message: str) -> None:
    with pytest.raises(ExportSettingsError, match=message):
        ExportOptions(**changes)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("due_days", "terms", "due"),
    [
        (30, "Net 30", date(2026, 4, 30)),
        (0, "Due on receipt", date(2026, 3, 31)),
        (15, "Net 15", date(2026, 4, 15)),
    ],
)
def test_terms_and_due_date_follow_the_due_days(due_days: int, terms: str, due: date) -> None:
    options = ExportOptions(due_days=due_days)
    assert (options.terms, options.due_date(date(2026, 3, 31))) == (terms, due)


def test_quickbooks_terms_can_be_named_explicitly() -> None:
    assert ExportOptions(quickbooks_terms="Net 30 EOM").terms == "Net 30 EOM"
