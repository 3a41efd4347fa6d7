"""The worked example behind the statement pages, served by a bare Flask app."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from flask import Flask
from flask.testing import FlaskClient

from oms_connector.config import Settings, settings_from_mapping
from oms_connector.domain.plans import BankPurchase, Plan
from oms_connector.services.reports import StatementReports
from tests.domain.builders import acme, ny, written_statements
from tests.exports.worked_example import section_7_work
from webhook_app.pages import register_pages

from .fakes import FixedClock, ReadOnlyStore

TOKEN = "pages-token-5d1f0c"
TOKEN_ENV = "OMS_TEST_PAGES_TOKEN"
JIRA_URL = "https://acme.atlassian.net"


def acme_plan(**changes: object) -> Plan:
    return acme(jira_projects=("ACME",), **changes)


def banked_plan() -> Plan:
    """Acme's plan under another id, with 5 prepaid priority hours bought on 2026-02-01."""
    return acme_plan(id="acme-bank", priority_bank=(BankPurchase(date(2026, 2, 1), Decimal(5)),))


def worked_store(*plans: Plan) -> ReadOnlyStore:
    """Each plan's four statements of section 7, and the work logged against it."""
    store = ReadOnlyStore()
    for plan in plans:
        store.statements.extend(written_statements(plan, section_7_work(), count=4))
        for key in plan.jira_projects:
            store.work[key] = section_7_work()
    return store


def page_settings(token_env: str = TOKEN_ENV) -> Settings:
    return settings_from_mapping(
        {
            "jira": {"url": JIRA_URL, "user": "billing@example.com"},
            "pages": {"admin_token_env": token_env},
            "plans": [
                {
                    "id": "acme",
                    "customer": "Acme Corp",
                    "jira_projects": ["ACME"],
                    "hours_per_month": 10,
                    "term_months": 3,
                    "enrolled_on": date(2026, 1, 31),
                    "timezone": "America/New_York",
                }
            ],
        }
    )


def pages_app(reports: StatementReports, settings: Settings) -> Flask:
    app = Flask(__name__)
    app.config["TESTING"] = True
    register_pages(app, reports, settings)
    return app


@pytest.fixture
def reports() -> StatementReports:
    """Acme (no bank) and acme-bank (a bank), seen on 2026-02-15 at noon in New York."""
    plans = [acme_plan(), banked_plan()]
    # Both plans log to the same project key here; the store serves it to each.
    return StatementReports(worked_store(*plans), plans, FixedClock(ny(2026, 2, 15)))


@pytest.fixture
def client(reports: StatementReports, monkeypatch: pytest.MonkeyPatch) -> FlaskClient:
    monkeypatch.setenv(TOKEN_ENV, TOKEN)
    return pages_app(reports, page_settings()).test_client()
