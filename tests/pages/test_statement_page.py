"""The statement page shows the worked example's figures, and its lines linked to Jira."""

from __future__ import annotations

import re
from dataclasses import replace
from html import unescape

import pytest
from flask.testing import FlaskClient

from oms_connector.services.reports import StatementReports
from webhook_app.pages import render_statement

from .conftest import JIRA_URL, TOKEN

BEARER = {"Authorization": f"Bearer {TOKEN}"}


def text_of(html: str, element_id: str) -> str:
    """The visible text of the element with this id, whitespace collapsed."""
    match = re.search(rf'<(\w+)[^>]*\bid="{element_id}"[^>]*>(.*?)</\1>', html, re.S)
    assert match is not None, f"no element {element_id}"
    return " ".join(unescape(re.sub(r"<[^>]+>", "", match[2])).split())


def page(client: FlaskClient, number: str) -> str:
    response = client.get(f"/statements/{number}", headers=BEARER)
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    return response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("element_id", "shown"),
    [
        ("plan", "acme"),
        ("billing-date", "2026-03-31"),
        ("plan-hours", "10.00 h a month"),
        ("allotment", "10.00 h"),
        ("used", "12.25 h"),
        ("expired", "0.00 h"),
        ("overage", "2.25 h"),
        ("priority", "1.33 h"),
        ("bank", "none"),
        ("saved", "275.00 USD"),
        ("total", "573.76 USD"),
    ],
)
def test_third_statement_shows_the_figures_of_period_1(
    client: FlaskClient, element_id: str, shown: str
) -> None:
    assert text_of(page(client, "acme-20260331"), element_id) == shown


def test_saving_compares_the_oms_rate_with_the_priority_rate(client: FlaskClient) -> None:
    assert text_of(page(client, "acme-20260331"), "saving") == (
        "10.00 h of planned work at the OMS rate of 35.00: 350.00 USD, instead of "
        "625.00 USD at the priority rate of 62.50. You saved 275.00 USD."
    )


def test_second_statement_shows_the_hours_that_expired_in_period_0(client: FlaskClient) -> None:
    html = page(client, "acme-20260228")
    shown = {key: text_of(html, key) for key in ("used", "expired", "overage", "saved", "total")}
    assert shown == {
        "used": "8.50 h",
        "expired": "1.50 h",
        "overage": "0.00 h",
        "saved": "233.75 USD",
        "total": "350.00 USD",
    }


def test_bank_balance_is_what_is_left_after_the_billed_period(client: FlaskClient) -> None:
    # 5 h bought; period 1 draws 1 h 20 m of priority and 2 h 15 m of overage: 1 h 25 m left.
    assert text_of(page(client, "acme-bank-20260331"), "bank") == "1.42 h left"


def test_lines_are_listed_with_their_amounts_and_issue_links(client: FlaskClient) -> None:
    html = page(client, "acme-20260331")
    rows = re.findall(r'<tr class="line (\w+)">(.*?)</tr>', html, re.S)
    amounts = [(kind, re.findall(r'class="num">([^<]*)<', row)) for kind, row in rows]
    assert amounts == [
        ("subscription", ["10.00", "35.00", "350.00"]),
        ("overage", ["2.25", "62.50", "140.63"]),
        ("priority", ["1.33", "62.50", "83.13"]),
        ("expired", ["0.00", "0.00", "0.00"]),
    ]
    assert re.findall(r'<a href="([^"]+)">(ACME-\d)</a>', html) == [
        (f"{JIRA_URL}/browse/ACME-2", "ACME-2"),
        (f"{JIRA_URL}/browse/ACME-3", "ACME-3"),
    ]


def test_chart_draws_a_group_of_bars_per_billed_period(client: FlaskClient) -> None:
    html = page(client, "acme-20260430")
    assert re.findall(r'<g class="period" data-period="(\d+)">', html) == ["0", "1", "2"]
    assert "<script" not in html
    assert not re.search(r'(src|href)="(https?:)?//(?!acme\.atlassian\.net/browse/)', html)


def test_first_statement_has_no_usage_yet(client: FlaskClient) -> None:
    html = page(client, "acme-20260131")
    assert 'id="used"' not in html
    assert "its usage is billed on the next statement" in html
    assert text_of(html, "total") == "350.00 USD"


@pytest.mark.parametrize("number", ["acme-20260101", "nobody-20260131", "acme", "..%2Fsecret"])
def test_unknown_statement_is_not_found(client: FlaskClient, number: str) -> None:
    assert client.get(f"/statements/{number}", headers=BEARER).status_code == 404


def test_customer_and_issue_keys_are_escaped(reports: StatementReports) -> None:
    view = reports.statement("acme-20260331")
    hostile = replace(view.statement.lines[1], issue_keys=('X"><script>1</script>',))
    statement = replace(view.statement, customer="<b>Evil</b> & Co", lines=(hostile,))
    html = render_statement(replace(view, statement=statement), JIRA_URL)
    assert "<b>Evil</b>" not in html
    assert "&lt;b&gt;Evil&lt;/b&gt; &amp; Co" in html
    assert "<script>" not in html
    assert f'href="{JIRA_URL}/browse/X%22%3E%3Cscript%3E1%3C%2Fscript%3E"' in html


def test_standalone_page_is_the_served_page(client: FlaskClient, reports: StatementReports) -> None:
    served = page(client, "acme-20260331")
    assert render_statement(reports.statement("acme-20260331"), JIRA_URL) == served
