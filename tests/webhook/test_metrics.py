"""``/metrics``: Prometheus text with the inbox counts from the database and the rejections."""

from __future__ import annotations

from datetime import UTC, datetime

from flask.testing import FlaskClient

from oms_connector.adapters.sql.store import SqlStore
from oms_connector.domain.classification import IssueSnapshot
from oms_connector.services.inbox import InboxProcessor
from webhook_app.dependencies import StoreProbe

from .conftest import FakeFetchedIssue, FakeJira, fixture_bytes, signed


def _lines(client: FlaskClient) -> set[str]:
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.content_type == "text/plain; version=0.0.4; charset=utf-8"
    return set(response.get_data(as_text=True).splitlines())


def test_metrics_count_received_processed_rejected_ignored_and_the_sync_age(
    client: FlaskClient, sql_store: SqlStore, processor: InboxProcessor, jira: FakeJira
) -> None:
    jira.issues_by_id["10014"] = FakeFetchedIssue(
        IssueSnapshot(id="10014", key="SCRUM-14", project_key="SCRUM"), None
    )
    worklog, issue = (
        fixture_bytes("zulip/worklog_created.json"),
        fixture_bytes("zulip/issue_created.json"),
    )
    comment = fixture_bytes("zulip/comment_created.json")
    client.post("/webhooks/jira", data=worklog, headers=signed(worklog))
    client.post("/webhooks/jira", data=worklog, headers=signed(worklog))
    client.post("/webhooks/jira", data=comment, headers=signed(comment))
    client.post("/webhooks/jira", data=issue, headers={"X-Hub-Signature": "sha256=00"})
    client.post("/webhooks/jira", data=issue)
    client.post("/webhooks/jira", data=b"[]", headers=signed(b"[]"))
    processor.run_once()
    client.post("/webhooks/jira", data=issue, headers=signed(issue))
    StoreProbe(sql_store).record_sync(datetime(2026, 10, 1, 11, 58, 30, tzinfo=UTC))

    lines = _lines(client)

    assert {
        "oms_webhook_events_received_total 2",
        "oms_webhook_events_processed_total 1",
        "oms_webhook_events_failed_total 0",
        "oms_inbox_depth 1",
        'oms_inbox_events{status="pending"} 1',
        'oms_inbox_events{status="done"} 1',
        'oms_inbox_events{status="failed"} 0',
        'oms_webhook_rejected_total{reason="signature_malformed"} 1',
        'oms_webhook_rejected_total{reason="signature_missing"} 1',
        'oms_webhook_rejected_total{reason="not_object"} 1',
        'oms_webhook_ignored_total{event="comment_created"} 1',
        "oms_webhook_unknown_total 0",
        "oms_webhook_duplicates_total 1",
        "oms_sync_last_success_age_seconds 90.0",
        "# TYPE oms_webhook_rejected_total counter",
    } <= lines


def test_without_a_completed_sync_the_sync_age_is_absent(client: FlaskClient) -> None:
    assert not any(line.startswith("oms_sync_last_success_age") for line in _lines(client))
