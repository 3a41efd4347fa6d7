"""After an event's facts are stored: write-back of the touched issues, then budget alerts."""

from __future__ import annotations

import json

import pytest
import responses

from oms_connector.adapters.jira_gateway import JiraRestGateway
from oms_connector.services.alerts import AlertService
from oms_connector.services.followup import FollowUp
from oms_connector.services.writeback import WritebackOptions, WritebackService
from tests.gateway.jira_json import API
from tests.services.memory_store import MemoryStore
from tests.writeback.board import FixedClock, logged, plan, queue, seed, stored_issue


def follow_up(store: MemoryStore, gateway: JiraRestGateway) -> FollowUp:
    options = WritebackOptions(label=False, comment=False)
    return FollowUp(
        store,
        WritebackService(store, gateway, [plan()], options, FixedClock()),
        AlertService(store, gateway, [plan()], FixedClock()),
    )


@responses.activate
def test_a_stored_worklog_refreshes_its_ticket_and_fires_the_alert_it_crossed(
    gateway: JiraRestGateway,
) -> None:
    responses.put(f"{API}/issue/10001/properties/oms-connector", status=200)
    responses.post(f"{API}/issue/10001/comment", status=201, json={"id": "1"})
    store = MemoryStore()
    worklog = logged("1", 480)
    seed(store, [stored_issue()], [worklog])
    queue(store, worklog)

    report = follow_up(store, gateway)()

    calls = [(c.request.method, c.request.url) for c in responses.calls]
    assert calls == [
        ("PUT", f"{API}/issue/10001/properties/oms-connector"),
        ("POST", f"{API}/issue/10001/comment"),
    ]
    text = json.loads(responses.calls[1].request.body or b"")["body"]["content"][0]["content"]
    assert text[0]["text"].startswith("Budget alert (80 %): plan acme has used 8.00 h")
    assert (report.done, report.failed) == (1, 0)
    with store.unit_of_work() as uow:
        assert uow.follow_ups.count() == 0


@responses.activate
def test_a_jira_failure_after_the_facts_are_stored_is_logged_not_raised(
    gateway: JiraRestGateway, caplog: pytest.LogCaptureFixture
) -> None:
    responses.put(f"{API}/issue/10001/properties/oms-connector", status=400)
    responses.post(f"{API}/issue/10001/comment", status=400)
    store = MemoryStore()
    worklog = logged("1", 480)
    seed(store, [stored_issue()], [worklog])
    queue(store, worklog)

    report = follow_up(store, gateway)()

    assert [r.getMessage() for r in caplog.records] == [
        "write-back of issue 10001 failed",
        "write-back to Jira failed for issues ['10001']",
        "a budget alert could not be sent for issue 10001; it is tried again",
    ]
    assert (report.done, report.failed) == (0, 1)
    with store.unit_of_work() as uow:
        assert uow.writebacks.last("10001", "property") is None
        assert uow.alerts.fired("acme", 2) == []
        assert [(q.issue_id, q.worklog_id, q.attempts) for q in uow.follow_ups.pending(10)] == [
            ("10001", "1", 1)
        ]
