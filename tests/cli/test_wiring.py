"""The settings reach what the entry points build: gateway, sync, events, alerts, exports."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import responses

from oms_connector import bootstrap
from oms_connector.adapters.exports.settings import ExportOptions, KindBooking
from oms_connector.adapters.jira_gateway import JiraRequestError, JiraRestGateway, JiraUnavailable
from oms_connector.adapters.jira_payloads import IssueFieldIds
from oms_connector.bootstrap import open_gateway, sync_service
from oms_connector.commands.export import export_options
from oms_connector.config import Settings, settings_from_mapping
from oms_connector.domain.lines import LineKind
from oms_connector.services.alerts import AlertOptions
from oms_connector.services.ports import EventFacts
from oms_connector.services.writeback import FieldValue
from tests.gateway.jira_json import API, SITE
from tests.services.memory_store import MemoryStore
from tests.sync.fakes import FakeGateway
from tests.sync.fakes import FixedClock as SyncClock
from tests.webhook.conftest import fixture_bytes
from tests.writeback.board import FixedClock, logged, queue, seed, stored_issue

NOTIFY_URL = "https://hooks.example.com/services/T000/B000/s3cr3t"
LABELS_BY_ADMIN = "mattermost-plugin-jira/webhook-issue-updated-labels.json"
ADMIN_ACCOUNT_ID = "5c5f880629be9642ba529340"
"""The accountId of the ``user`` who made the change in LABELS_BY_ADMIN."""


def settings(**sections: Any) -> Settings:
    """Plan acme as on the write-back board: 10 h a month from 2026-09-15, project ACME."""
    jira = {"url": SITE, "user": "bot@example.com", "token_env": "OMS_TEST_JIRA"}
    data: dict[str, Any] = {
        "jira": {**jira, **sections.pop("jira", {})},
        "plans": [
            {
                "id": "acme",
                "customer": "Acme Corp",
                "jira_projects": ["ACME"],
                "hours_per_month": 10,
                "term_months": 12,
                "enrolled_on": "2026-09-15",
                "timezone": "America/New_York",
                **sections.pop("plan", {}),
            }
        ],
        **sections,
    }
    return settings_from_mapping(data)


@pytest.fixture(autouse=True)
def _jira_token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OMS_TEST_JIRA", "token-value-0123456789")


@pytest.fixture
def http() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock() as mock:
        yield mock


# --- alerts ------------------------------------------------------------------------------


def test_the_alert_options_take_the_thresholds_overall_and_per_plan() -> None:
    configured = settings(
        alerts={"thresholds": [100, 75], "comment": True}, plan={"alerts": {"thresholds": [50]}}
    )

    assert bootstrap.alert_options(configured) == AlertOptions(
        thresholds=(75, 100), plan_thresholds={"acme": (50,)}, comment=True
    )


@pytest.mark.parametrize(
    ("alerts", "writeback", "comment"),
    [
        ({}, {}, True),
        ({"comment": False}, {}, False),
        ({}, {"enabled": False}, False),
        ({}, {"comment": False}, True),
    ],
)
def test_alert_comments_need_their_switch_and_write_back_enabled(
    alerts: dict[str, bool], writeback: dict[str, bool], comment: bool
) -> None:
    configured = settings(alerts=alerts, writeback=writeback)

    assert bootstrap.alert_options(configured).comment is comment


def test_no_notifier_without_a_notify_url() -> None:
    assert bootstrap.notifier(settings()) is None


def test_the_follow_up_posts_the_plans_own_threshold_to_the_notify_url(
    http: responses.RequestsMock,
) -> None:
    http.put(f"{API}/issue/10001/properties/oms-connector", status=200)
    http.post(f"{API}/issue/10001/comment", status=201, json={"id": "1"})
    http.post(NOTIFY_URL, status=200)
    http.put(
        f"{API}/issue/properties/oms-connector-budget",
        status=303,
        headers={"Location": f"{API}/task/10000"},
    )
    http.get(f"{API}/task/10000", json={"id": "10000", "status": "COMPLETE"})
    configured = settings(
        alerts={"thresholds": [80, 100], "notify_url": NOTIFY_URL},
        plan={"alerts": {"thresholds": [50]}},
        writeback={"label": False, "comment": False},
    )
    store = MemoryStore()
    worklog = logged("1", 480)
    seed(store, [stored_issue()], [worklog])
    queue(store, worklog)
    gateway = open_gateway(configured)

    try:
        bootstrap.follow_up(configured, store, gateway, FixedClock())()
    finally:
        gateway.close()

    posted = [c for c in http.calls if c.request.url == NOTIFY_URL]
    assert [json.loads(c.request.body or b"")["threshold"] for c in posted] == [50]


# --- write-back and exports ----------------------------------------------------------------


def test_the_write_back_field_names_are_keyed_by_value() -> None:
    configured = settings(
        writeback={
            "fields": True,
            "field_names": {"hours_remaining": "OMS hours left", "work_type": "customfield_10060"},
        }
    )

    assert bootstrap.writeback_options(configured).field_names == {
        FieldValue.HOURS_REMAINING: "OMS hours left",
        FieldValue.WORK_TYPE: "customfield_10060",
    }


def test_without_an_exports_section_the_options_are_the_exports_defaults() -> None:
    assert export_options(settings()) == ExportOptions()


def test_the_exports_section_becomes_the_export_options() -> None:
    configured = settings(
        exports={
            "due_days": 14,
            "quickbooks_terms": "Net 14 days",
            "quickbooks_date_format": "DD/MM/YYYY",
            "receivable_account": "Assets:Clients",
            "bookings": {
                "overage": {"account_code": 4010, "income_account": "Income:Support:Overage"},
                "priority": {"tax_type": "GST on Income", "item": "Urgent support"},
                "prepaid": {"account_code": "4020", "income_account": "Income:Support:Prepaid"},
            },
        }
    )

    assert export_options(configured) == ExportOptions(
        bookings={
            LineKind.SUBSCRIPTION: KindBooking(
                "200", "Tax Exempt", "OMS plan", "Income:OMS:Subscription"
            ),
            LineKind.OVERAGE: KindBooking(
                "4010", "Tax Exempt", "OMS overage", "Income:Support:Overage"
            ),
            LineKind.PRIORITY: KindBooking(
                "200", "GST on Income", "Urgent support", "Income:OMS:Priority"
            ),
            LineKind.PREPAID: KindBooking(
                "4020", "Tax Exempt", "Prepaid priority hours", "Income:Support:Prepaid"
            ),
        },
        due_days=14,
        quickbooks_terms="Net 14 days",
        quickbooks_date_format="DD/MM/YYYY",
        receivable_account="Assets:Clients",
    )


# --- sync and the gateway -------------------------------------------------------------------


@pytest.mark.parametrize(("sync", "overlap"), [({}, 120), ({"overlap_seconds": 300}, 300)])
def test_sync_reads_from_the_configured_overlap_before_its_start(
    sync: dict[str, int], overlap: int
) -> None:
    gateway = FakeGateway()
    since = datetime(2026, 10, 1, tzinfo=UTC)

    sync_service(settings(sync=sync), gateway, MemoryStore(), SyncClock()).run_once(since=since)

    assert ("worklog_changes", since - timedelta(seconds=overlap)) in gateway.calls


FIELDS = [
    {"id": "customfield_10010", "key": "customfield_10010", "name": "Request Type", "custom": True},
    {
        "id": "customfield_10300",
        "key": "customfield_10300",
        "name": "OMS work type",
        "custom": True,
    },
    {"id": "summary", "key": "summary", "name": "Summary", "custom": False},
]


def test_fields_configured_by_name_are_resolved_with_one_read_of_the_field_list(
    http: responses.RequestsMock,
) -> None:
    http.get(f"{API}/field", json=FIELDS)
    configured = settings(
        jira={"request_type_field": "request type"},
        classification={"override_field": "OMS Work Type"},
    )

    gateway = open_gateway(configured)
    gateway.close()

    assert gateway.field_ids == IssueFieldIds(
        request_type="customfield_10010", override="customfield_10300"
    )
    assert len(http.calls) == 1


def test_fields_configured_by_id_need_no_read_of_jira() -> None:
    with responses.RequestsMock():  # any request would fail the test
        gateway = open_gateway(settings(jira={"request_type_field": "customfield_10010"}))
        gateway.close()

    assert gateway.field_ids == IssueFieldIds(request_type="customfield_10010")


def test_a_request_type_field_jira_does_not_have_stops_the_start(
    http: responses.RequestsMock,
) -> None:
    http.get(f"{API}/field", json=FIELDS)

    with pytest.raises(JiraRequestError, match="Jira has no field named 'Customer Request Type'"):
        open_gateway(settings(jira={"request_type_field": "Customer Request Type"}))


@pytest.mark.parametrize("attempts", [1, 3])
def test_the_configured_number_of_tries_is_made_before_jira_counts_as_unavailable(
    http: responses.RequestsMock, attempts: int
) -> None:
    http.get(f"{API}/field", status=503, headers={"Retry-After": "0"})
    gateway = open_gateway(settings(jira={"retry_attempts": attempts, "timeout_seconds": 5}))

    with pytest.raises(JiraUnavailable):
        gateway.fields()
    gateway.close()

    assert len(http.calls) == attempts


# --- the connector's own account ------------------------------------------------------------


def parse_twice(configured: Settings, gateway: JiraRestGateway) -> list[EventFacts]:
    events = bootstrap.jira_events(configured, MemoryStore(), gateway, FixedClock())
    body = fixture_bytes(LABELS_BY_ADMIN)
    return [events.parse(body), events.parse(body)]


def test_a_change_by_the_configured_account_id_is_the_connectors_own(
    http: responses.RequestsMock,
) -> None:
    gateway = open_gateway(settings(jira={"account_id": ADMIN_ACCOUNT_ID}))

    facts = parse_twice(settings(jira={"account_id": ADMIN_ACCOUNT_ID}), gateway)
    gateway.close()

    assert facts == [EventFacts(), EventFacts()]
    assert len(http.calls) == 0  # configured: Jira is not asked


def test_without_a_configured_account_id_it_is_asked_from_jira_once(
    http: responses.RequestsMock,
) -> None:
    http.get(f"{API}/myself", json={"accountId": ADMIN_ACCOUNT_ID, "timeZone": "UTC"})
    gateway = open_gateway(settings())

    facts = parse_twice(settings(), gateway)
    gateway.close()

    assert facts == [EventFacts(), EventFacts()]
    assert [c.request.url for c in http.calls] == [f"{API}/myself"]


def test_a_change_by_another_account_is_ingested_after_asking_jira_once(
    http: responses.RequestsMock,
) -> None:
    http.get(f"{API}/myself", json={"accountId": "712020:0e4d1b2c", "timeZone": "UTC"})
    gateway = open_gateway(settings())

    facts = parse_twice(settings(), gateway)
    gateway.close()

    assert [[fact.snapshot.key for fact in f.issues] for f in facts] == [["TES-41"], ["TES-41"]]
    assert len(http.calls) == 1


def test_data_center_has_no_account_id_to_ask_for(http: responses.RequestsMock) -> None:
    configured = settings(jira={"deployment": "datacenter"})
    gateway = open_gateway(configured)

    facts = parse_twice(configured, gateway)
    gateway.close()

    assert [len(f.issues) for f in facts] == [1, 1]
    assert len(http.calls) == 0
