"""Prepaid priority hours sold, and their corrections, in every export format."""

from __future__ import annotations

import csv
import io
import json

from oms_connector.adapters.exports.beancount import write_beancount
from oms_connector.adapters.exports.csv_lines import write_csv
from oms_connector.adapters.exports.formats import write_json
from oms_connector.adapters.exports.quickbooks import write_quickbooks
from oms_connector.adapters.exports.settings import ExportOptions, KindBooking
from oms_connector.adapters.exports.xero import write_xero
from oms_connector.domain.lines import LineKind

from .prepaid_example import CORRECTION_TEXT, PREPAID_TEXT, SUBSCRIPTION_TEXT, prepaid_statement


def rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_json_has_the_prepaid_line_and_its_correction() -> None:
    document = json.loads(write_json([prepaid_statement()], ExportOptions()))

    assert document[0]["total"] == "830.00"
    assert document[0]["lines"][1:] == [
        {
            "kind": "prepaid",
            "corrects": None,
            "period_start": "2026-02-28",
            "period_end": "2026-03-31",
            "hours": "10.00",
            "rate": "60.00",
            "amount": "600.00",
            "description": PREPAID_TEXT,
            "issue_keys": [],
            "worklog_ids": [],
        },
        {
            "kind": "adjustment",
            "corrects": "prepaid",
            "period_start": "2026-01-31",
            "period_end": "2026-02-28",
            "hours": "-2.00",
            "rate": "60.00",
            "amount": "-120.00",
            "description": CORRECTION_TEXT,
            "issue_keys": [],
            "worklog_ids": [],
        },
    ]


def test_csv_has_a_row_for_the_prepaid_line_and_its_correction() -> None:
    written = rows(write_csv([prepaid_statement()], ExportOptions()))

    statement = {
        "number": "acme-20260331",
        "plan_id": "acme",
        "customer": "Acme Corp",
        "billing_date": "2026-03-31",
        "currency": "USD",
        "issue_keys": "",
        "worklog_ids": "",
    }
    assert written[1:] == [
        {
            **statement,
            "kind": "prepaid",
            "corrects": "",
            "period_start": "2026-02-28",
            "period_end": "2026-03-31",
            "hours": "10.00",
            "rate": "60.00",
            "amount": "600.00",
            "description": PREPAID_TEXT,
        },
        {
            **statement,
            "kind": "adjustment",
            "corrects": "prepaid",
            "period_start": "2026-01-31",
            "period_end": "2026-02-28",
            "hours": "-2.00",
            "rate": "60.00",
            "amount": "-120.00",
            "description": CORRECTION_TEXT,
        },
    ]


def test_xero_books_the_prepaid_line_and_its_correction_on_the_prepaid_account() -> None:
    options = ExportOptions(
        bookings={
            **ExportOptions().bookings,
            LineKind.PREPAID: KindBooking(
                "260", "GST on Income", "Priority hours bundle", "Income:Support:Prepaid"
            ),
        }
    )

    written = rows(write_xero([prepaid_statement()], options))

    invoice = {
        "*ContactName": "Acme Corp",
        "*InvoiceNumber": "acme-20260331",
        "Reference": "OMS plan acme",
        "*InvoiceDate": "31/03/2026",
        "*DueDate": "30/04/2026",
        "Currency": "USD",
    }
    assert [{column: value for column, value in row.items() if value} for row in written] == [
        {
            **invoice,
            "*Description": f"{SUBSCRIPTION_TEXT} (2026-03-31 to 2026-04-29: 10.00 h at 35.00)",
            "*Quantity": "10.00",
            "*UnitAmount": "35.00",
            "*AccountCode": "200",
            "*TaxType": "Tax Exempt",
        },
        {
            **invoice,
            "*Description": f"{PREPAID_TEXT} (2026-02-28 to 2026-03-30: 10.00 h at 60.00)",
            "*Quantity": "10.00",
            "*UnitAmount": "60.00",
            "*AccountCode": "260",
            "*TaxType": "GST on Income",
        },
        {
            **invoice,
            "*Description": f"{CORRECTION_TEXT} (2026-01-31 to 2026-02-27: -2.00 h at 60.00)",
            "*Quantity": "2.00",
            "*UnitAmount": "-60.00",
            "*AccountCode": "260",
            "*TaxType": "GST on Income",
        },
    ]


def test_quickbooks_books_the_prepaid_line_and_its_correction_on_the_prepaid_item() -> None:
    written = rows(write_quickbooks([prepaid_statement()], ExportOptions()))

    invoice = {
        "Invoice number": "acme-20260331",
        "Customer": "Acme Corp",
        "Invoice date": "03/31/2026",
        "Due date": "04/30/2026",
        "Terms": "Net 30",
        "Memo": "OMS plan acme, statement acme-20260331",
    }
    assert written[1:] == [
        {
            **invoice,
            "Item (Product/Service)": "Prepaid priority hours",
            "Item Description": f"{PREPAID_TEXT} (2026-02-28 to 2026-03-30: 10.00 h at 60.00)",
            "Item Quantity": "10.00",
            "Item Rate": "60.00",
            "Item Amount": "600.00",
            "Service Date": "02/28/2026",
        },
        {
            **invoice,
            "Item (Product/Service)": "Prepaid priority hours",
            "Item Description": f"{CORRECTION_TEXT} (2026-01-31 to 2026-02-27: -2.00 h at 60.00)",
            "Item Quantity": "2.00",
            "Item Rate": "-60.00",
            "Item Amount": "-120.00",
            "Service Date": "01/31/2026",
        },
    ]


def test_a_price_that_is_not_hours_times_the_rounded_rate_is_booked_as_one_unit() -> None:
    # 626.25 for 10 h shows a rate of 62.63 (62.625 rounded half-up); 10 x 62.63 is 626.30.
    written = rows(write_quickbooks([prepaid_statement("626.25", "62.63")], ExportOptions()))

    prepaid = written[1]
    assert (
        prepaid["Item Description"],
        prepaid["Item Quantity"],
        prepaid["Item Rate"],
        prepaid["Item Amount"],
    ) == (f"{PREPAID_TEXT} (2026-02-28 to 2026-03-30: 10.00 h at 62.63)", "1", "626.25", "626.25")


def test_beancount_credits_the_prepaid_income_account_with_the_sale_and_its_correction() -> None:
    text = write_beancount([prepaid_statement()], ExportOptions())

    assert text == (
        'option "title" "OMS statements"\n'
        'option "operating_currency" "USD"\n'
        "\n"
        "2026-03-31 commodity USD\n"
        "\n"
        "2026-03-31 open Assets:Receivable:Acme-Corp USD\n"
        "2026-03-31 open Income:OMS:Prepaid USD\n"
        "2026-03-31 open Income:OMS:Subscription USD\n"
        "\n"
        '2026-03-31 * "Acme Corp" "OMS statement acme-20260331" ^acme-20260331\n'
        '  statement: "acme-20260331"\n'
        '  plan: "acme"\n'
        "  Assets:Receivable:Acme-Corp  830.00 USD\n"
        "  Income:OMS:Subscription  -350.00 USD\n"
        '    kind: "subscription"\n'
        f'    description: "{SUBSCRIPTION_TEXT}"\n'
        '    period: "2026-03-31/2026-04-30"\n'
        '    hours: "10.00"\n'
        '    rate: "35.00"\n'
        "  Income:OMS:Prepaid  -600.00 USD\n"
        '    kind: "prepaid"\n'
        f'    description: "{PREPAID_TEXT}"\n'
        '    period: "2026-02-28/2026-03-31"\n'
        '    hours: "10.00"\n'
        '    rate: "60.00"\n'
        "  Income:OMS:Prepaid  120.00 USD\n"
        '    kind: "adjustment"\n'
        '    corrects: "prepaid"\n'
        f'    description: "{CORRECTION_TEXT}"\n'
        '    period: "2026-01-31/2026-02-28"\n'
        '    hours: "-2.00"\n'
        '    rate: "60.00"\n'
    )
