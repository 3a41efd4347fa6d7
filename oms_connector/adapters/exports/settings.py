"""What the export writers need beyond the statements: accounts, items, taxes, terms.

Each billed line kind (subscription, overage, priority, prepaid) has its own Xero
account code and tax type, QuickBooks item and Beancount income account. An adjustment is
booked like the kind it corrects. Expired hours are never booked (amount 0).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Literal

from oms_connector.domain.lines import Line, LineKind

BOOKED_KINDS = (LineKind.SUBSCRIPTION, LineKind.OVERAGE, LineKind.PRIORITY, LineKind.PREPAID)

# Beancount: "Root:Component:..." where a component starts with a capital letter or a
# digit and goes on with letters, digits and dashes.
_ACCOUNT = re.compile(r"[A-Z][A-Za-z0-9-]*(:[A-Z0-9][A-Za-z0-9-]*)+")

QuickBooksDateFormat = Literal["MM/DD/YYYY", "DD/MM/YYYY", "YYYY-MM-DD"]
_QUICKBOOKS_DATE_PATTERNS: Mapping[str, str] = {
    "MM/DD/YYYY": "%m/%d/%Y",
    "DD/MM/YYYY": "%d/%m/%Y",
    "YYYY-MM-DD": "%Y-%m-%d",
}


class ExportSettingsError(ValueError):
    """Export settings that cannot produce a valid file; the message names the key."""


@dataclass(frozen=True)
class KindBooking:
    """Where the lines of one kind are booked in each accounting format."""

    account_code: str
    """Xero ``AccountCode``: the revenue account in the chart of accounts."""
    tax_type: str
    """Xero ``TaxType``: the tax rate's display name as Xero shows it."""
    item: str
    """QuickBooks ``Item (Product/Service)``: a service item that exists in the company."""
    income_account: str
    """Beancount account credited by the line."""

    def __post_init__(self) -> None:
        for name in ("account_code", "tax_type", "item"):
            if not getattr(self, name).strip():
                raise ExportSettingsError(f"{name}: must not be empty")
        _check_account("income_account", self.income_account, root="Income")


def _default_bookings() -> dict[LineKind, KindBooking]:
    return {
        LineKind.SUBSCRIPTION: KindBooking(
            account_code="200",
            tax_type="Tax Exempt",
            item="OMS plan",
            income_account="Income:OMS:Subscription",
        ),
        LineKind.OVERAGE: KindBooking(
            account_code="200",
            tax_type="Tax Exempt",
            item="OMS overage",
            income_account="Income:OMS:Overage",
        ),
        LineKind.PRIORITY: KindBooking(
            account_code="200",
            tax_type="Tax Exempt",
            item="Priority support",
            income_account="Income:OMS:Priority",
        ),
        LineKind.PREPAID: KindBooking(
            account_code="200",
            tax_type="Tax Exempt",
            item="Prepaid priority hours",
            income_account="Income:OMS:Prepaid",
        ),
    }


@dataclass(frozen=True)
class ExportOptions:
    """Settings shared by every writer; the defaults suit a US agency without sales tax."""

    bookings: Mapping[LineKind, KindBooking] = field(default_factory=_default_bookings)
    due_days: int = 30
    """Days from the billing date to the due date."""
    quickbooks_terms: str | None = None
    """QuickBooks ``Terms`` name; by default ``Net <due_days>`` (``Due on receipt`` for 0)."""
    quickbooks_date_format: QuickBooksDateFormat = "MM/DD/YYYY"
    receivable_account: str = "Assets:Receivable"
    """Beancount parent account; each customer gets a sub-account of it."""

    def __post_init__(self) -> None:
        missing = [kind.value for kind in BOOKED_KINDS if kind not in self.bookings]
        if missing:
            raise ExportSettingsError(f"bookings: no booking for {', '.join(missing)}")
        if self.due_days < 0:
            raise ExportSettingsError(f"due_days: must be 0 or more, got {self.due_days}")
        if self.quickbooks_date_format not in _QUICKBOOKS_DATE_PATTERNS:
            raise ExportSettingsError(
                f"quickbooks_date_format: must be one of "
                f"{', '.join(_QUICKBOOKS_DATE_PATTERNS)}, got {self.quickbooks_date_format!r}"
            )
        _check_account("receivable_account", self.receivable_account, root="Assets")

    def booking(self, line: Line) -> KindBooking:
        """Where ``line`` is booked: an adjustment goes where the line it corrects went."""
        kind = line.billed_kind
        if kind not in self.bookings:
            raise ExportSettingsError(f"bookings: no booking for {kind.value} lines")
        return self.bookings[kind]

    def due_date(self, billing_date: date) -> date:
        return billing_date + timedelta(days=self.due_days)

    @property
    def terms(self) -> str:
        if self.quickbooks_terms is not None:
            return self.quickbooks_terms
        return "Due on receipt" if self.due_days == 0 else f"Net {self.due_days}"

    def quickbooks_date(self, day: date) -> str:
        return day.strftime(_QUICKBOOKS_DATE_PATTERNS[self.quickbooks_date_format])


def _check_account(key: str, account: str, root: str) -> None:
    if not _ACCOUNT.fullmatch(account) or account.split(":", 1)[0] != root:
        raise ExportSettingsError(
            f"{key}: {account!r} is not a Beancount account under {root} "
            f"(such as {root}:Example, components starting with a capital letter or a digit)"
        )
