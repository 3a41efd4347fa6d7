"""The ``exports`` section: how statements are booked in each accounting format.

Its defaults are those of the export writers' options (a US agency without sales
tax); a booking only overrides the keys it sets.
"""

from __future__ import annotations

from pydantic import Field

from oms_connector.config.sections import Section
from oms_connector.config.values import (
    AccountCode,
    IncomeAccount,
    QuickBooksDateFormat,
    ReceivableAccount,
    Text,
)


class BookingSettings(Section):
    """Where one kind of billed line is booked; the defaults suit a US agency without sales tax."""

    account_code: AccountCode = "200"
    tax_type: Text = "Tax Exempt"
    item: Text
    income_account: IncomeAccount


class SubscriptionBooking(BookingSettings):
    item: Text = "OMS plan"
    income_account: IncomeAccount = "Income:OMS:Subscription"


class OverageBooking(BookingSettings):
    item: Text = "OMS overage"
    income_account: IncomeAccount = "Income:OMS:Overage"


class PriorityBooking(BookingSettings):
    item: Text = "Priority support"
    income_account: IncomeAccount = "Income:OMS:Priority"


class PrepaidBooking(BookingSettings):
    item: Text = "Prepaid priority hours"
    income_account: IncomeAccount = "Income:OMS:Prepaid"


class BookingsSettings(Section):
    subscription: SubscriptionBooking = Field(default_factory=SubscriptionBooking)
    overage: OverageBooking = Field(default_factory=OverageBooking)
    priority: PriorityBooking = Field(default_factory=PriorityBooking)
    prepaid: PrepaidBooking = Field(default_factory=PrepaidBooking)


class ExportsSettings(Section):
    due_days: int = Field(default=30, ge=0)
    quickbooks_terms: Text | None = None
    quickbooks_date_format: QuickBooksDateFormat = "MM/DD/YYYY"
    receivable_account: ReceivableAccount = "Assets:Receivable"
    bookings: BookingsSettings = Field(default_factory=BookingsSettings)
