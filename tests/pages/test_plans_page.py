"""/plans: each plan's current period, its usage bar and the hours left."""

from __future__ import annotations

import re

from flask.testing import FlaskClient

from oms_connector.services.reports import StatementReports
from tests.domain.builders import ny
from webhook_app.pages import render_plans

from .conftest import TOKEN, acme_plan, worked_store
from .fakes import FixedClock


def plan_row(html: str, plan_id: str) -> str:
    match = re.search(rf'<tr class="plan" id="plan-{plan_id}">(.*?)</tr>', html, re.S)
    assert match is not None
    return match[1]


def test_plans_show_the_current_period_usage_and_hours_left(client: FlaskClient) -> None:
    response = client.get("/plans", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200
    row = plan_row(response.get_data(as_text=True), "acme")
    assert '2026-01-31</span> to <span class="nowrap">2026-02-27' in row
    assert '<span class="used-text">8.50 of 10.00 h</span>' in row
    assert '<td class="num hours-left">1.50 h</td>' in row
    # The bar: 8.50 of 10 hours is 170 of 200 units, nothing beyond.
    assert '<rect class="used" x="0" y="0" width="170.0" height="14"/>' in row
    assert '<rect class="over" x="170.0" y="0" width="0.0" height="14"/>' in row


def test_a_plan_in_its_term_shows_the_term_the_next_bill_and_the_end() -> None:
    plan = acme_plan()
    reports = StatementReports(worked_store(plan), [plan], FixedClock(ny(2026, 3, 10)))
    row = plan_row(render_plans(reports.plans()), "acme")
    assert "10.00 h a month at 35.00" in row
    assert '<span class="muted">next bill 2026-03-31</span>' in row
    assert '<span class="muted">ends 2026-04-30</span>' in row


def test_plans_show_the_bank_and_link_every_statement(client: FlaskClient) -> None:
    html = client.get("/plans", headers={"Authorization": f"Bearer {TOKEN}"}).get_data(as_text=True)
    row = plan_row(html, "acme-bank")
    assert '<td class="num">5.00 h</td>' in row
    assert re.findall(r'<a href="statements/([\w-]+)">', row) == [
        "acme-bank-20260131",
        "acme-bank-20260228",
        "acme-bank-20260331",
        "acme-bank-20260430",
    ]


def test_a_plan_after_its_term_shows_an_empty_bar() -> None:
    plan = acme_plan()
    reports = StatementReports(worked_store(plan), [plan], FixedClock(ny(2026, 5, 2)))
    row = plan_row(render_plans(reports.plans()), "acme")
    assert '<span class="muted">no term</span>' in row
    assert "no term covers today" in row
    assert '<span class="muted">next bill 2026-05-31</span>' in row
    assert '<span class="muted">ends 2026-04-30</span>' in row
    assert '<rect class="used" x="0" y="0" width="0" height="14"/>' in row
    assert '<td class="num hours-left">0.00 h</td>' in row
