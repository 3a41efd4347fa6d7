"""Webhook deliveries to a local receiver: signature, identifier, retries, drills, bodies."""

from __future__ import annotations

import hashlib
import hmac
import json
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from oms_connector.adapters.jira_payloads import IssuePayload, WorklogPayload, parse
from oms_connector.sandbox.app import create_sandbox_app
from oms_connector.sandbox.state import SandboxState
from oms_connector.sandbox.webhooks import (
    DeliveryPolicy,
    WebhookSender,
    announce_changes,
    signature,
)
from tests.openapi_spec import jira_openapi
from tests.sandbox.conftest import JiraClient

API = "/rest/api/3"
SECRET = "webhook-secret"
SITE = "http://sandbox.test"
FIXTURES = Path(__file__).parent.parent / "fixtures" / "jira_webhooks"
FAST = DeliveryPolicy(retries=3, backoff_seconds=0.01, timeout_seconds=2.0)


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Receiver:
    """A local webhook endpoint answering the scripted statuses, then 200."""

    url: str = ""
    statuses: list[int] = field(default_factory=list)
    received: list[Received] = field(default_factory=list)

    def __call__(self, environ: Any, start_response: Any) -> Any:
        request = Request(environ)
        self.received.append(Received(dict(request.headers), request.get_data()))
        status = self.statuses.pop(0) if self.statuses else 200
        return Response(b"", status)(environ, start_response)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    receiver = Receiver()
    server = make_server("127.0.0.1", 0, receiver, threaded=True)
    receiver.url = f"http://127.0.0.1:{server.port}/webhooks/jira"
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield receiver
    server.shutdown()
    thread.join()
    server.server_close()


@pytest.fixture
def sender(receiver: Receiver, state: SandboxState) -> Iterator[WebhookSender]:
    with WebhookSender(receiver.url, SECRET, FAST) as sender:
        announce_changes(state, sender, SITE)
        yield sender


@pytest.fixture
def driven(state: SandboxState, sender: WebhookSender) -> JiraClient:
    return JiraClient(create_sandbox_app(state, sender), jira_openapi())


def _log_work(jira: JiraClient, seconds: int = 1800) -> None:
    body = {"started": "2026-02-01T08:00:00.000+0000", "timeSpentSeconds": seconds}
    assert jira.post(f"{API}/issue/ACME-1/worklog", body).status_code == 201


def test_a_delivery_is_signed_over_the_raw_body_and_identified(
    driven: JiraClient, sender: WebhookSender, receiver: Receiver
) -> None:
    _log_work(driven)
    assert sender.wait_until_idle()

    (delivery,) = receiver.received
    expected = "sha256=" + hmac.new(SECRET.encode(), delivery.body, hashlib.sha256).hexdigest()
    assert delivery.headers["X-Hub-Signature"] == expected
    assert signature(SECRET, delivery.body) == expected
    assert delivery.headers["Content-Type"] == "application/json; charset=UTF-8"
    assert len(delivery.headers["X-Atlassian-Webhook-Identifier"]) == 36
    assert "X-Atlassian-Webhook-Retry" not in delivery.headers


def test_an_unsigned_sender_sends_no_signature(state: SandboxState, receiver: Receiver) -> None:
    with WebhookSender(receiver.url, None, FAST) as sender:
        sender.publish({"webhookEvent": "worklog_created"})
        assert sender.wait_until_idle()

    assert "X-Hub-Signature" not in receiver.received[0].headers


@pytest.mark.parametrize(
    ("statuses", "retry_headers", "outcome"),
    [
        ([503], [None, "1"], "delivered"),
        ([500, 429, 408], [None, "1", "2", "3"], "delivered"),
        ([500, 500, 500, 500], [None, "1", "2", "3"], "failed"),
        ([409, 425], [None, "1", "2"], "delivered"),
        ([400], [None], "failed"),
        ([404], [None], "failed"),
        ([204], [None], "delivered"),
    ],
    ids=[
        "503 then ok",
        "three retries",
        "gives up",
        "409 and 425",
        "400 not retried",
        "404 not retried",
        "204",
    ],
)
def test_failed_deliveries_are_retried_with_the_same_identifier_and_a_retry_count(
    driven: JiraClient,
    sender: WebhookSender,
    receiver: Receiver,
    statuses: list[int],
    retry_headers: list[str | None],
    outcome: str,
) -> None:
    receiver.statuses = list(statuses)

    _log_work(driven)
    assert sender.wait_until_idle()

    assert [r.headers.get("X-Atlassian-Webhook-Retry") for r in receiver.received] == retry_headers
    assert len({r.headers["X-Atlassian-Webhook-Identifier"] for r in receiver.received}) == 1
    assert len({r.body for r in receiver.received}) == 1
    assert [d["outcome"] for d in sender.deliveries()] == [outcome]


def test_a_connection_failure_is_retried_then_given_up() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with WebhookSender(f"http://127.0.0.1:{port}/", SECRET, FAST) as sender:
        sender.publish({"webhookEvent": "worklog_created"})
        assert sender.wait_until_idle()
        (delivery,) = sender.deliveries()

    assert delivery["outcome"] == "failed"
    assert delivery["attempts"] == ["ConnectionError"] * 4


def test_a_dropped_delivery_is_never_sent_and_the_next_one_is(
    driven: JiraClient, sender: WebhookSender, receiver: Receiver
) -> None:
    sender.drop_next(1)

    _log_work(driven, 600)
    _log_work(driven, 900)
    assert sender.wait_until_idle()

    assert [r.json["worklog"]["timeSpentSeconds"] for r in receiver.received] == [900]
    assert [d["outcome"] for d in sender.deliveries()] == ["dropped", "delivered"]


def test_a_duplicated_delivery_arrives_twice_as_a_retry_of_the_same_identifier(
    driven: JiraClient, sender: WebhookSender, receiver: Receiver
) -> None:
    sender.duplicate_next(1)

    _log_work(driven)
    assert sender.wait_until_idle()

    first, second = receiver.received
    assert first.body == second.body
    assert (
        first.headers["X-Atlassian-Webhook-Identifier"]
        == second.headers["X-Atlassian-Webhook-Identifier"]
    )
    assert (
        first.headers.get("X-Atlassian-Webhook-Retry"),
        second.headers["X-Atlassian-Webhook-Retry"],
    ) == (None, "1")


def test_a_duplicate_can_come_under_a_new_identifier(
    driven: JiraClient, sender: WebhookSender, receiver: Receiver
) -> None:
    sender.duplicate_next(1, new_identifier=True)

    _log_work(driven)
    assert sender.wait_until_idle()

    first, second = receiver.received
    assert first.body == second.body
    assert (
        first.headers["X-Atlassian-Webhook-Identifier"]
        != second.headers["X-Atlassian-Webhook-Identifier"]
    )
    assert "X-Atlassian-Webhook-Retry" not in second.headers


def test_the_control_endpoint_sets_drills_and_reports_deliveries(
    driven: JiraClient, receiver: Receiver
) -> None:
    set_up = driven.call("POST", "/_sandbox/webhooks", body={"drop_next": 1, "duplicate_next": 1})
    _log_work(driven, 600)
    _log_work(driven, 900)
    status = driven.call("POST", "/_sandbox/webhooks", body={"wait": True}).json

    assert set_up.json is not None
    assert (set_up.json["dropNext"], set_up.json["duplicateNext"]) == (1, 1)
    assert status is not None
    assert [d["outcome"] for d in status["deliveries"]] == ["dropped", "delivered", "delivered"]
    assert (status["pending"], status["dropNext"], status["duplicateNext"]) == (0, 0, 0)
    assert len(receiver.received) == 2


@pytest.mark.parametrize(
    "body",
    [{"drop_next": -1}, {"duplicate_next": "2"}, {"drop_next": True}],
)
def test_the_control_endpoint_refuses_bad_counts(driven: JiraClient, body: dict[str, Any]) -> None:
    response = driven.call("POST", "/_sandbox/webhooks", body=body)

    assert response.status_code == 400


def test_a_worklog_body_has_the_shape_of_a_captured_one(
    driven: JiraClient, sender: WebhookSender, receiver: Receiver
) -> None:
    captured = json.loads((FIXTURES / "zulip" / "worklog_created.json").read_text())

    _log_work(driven)
    assert sender.wait_until_idle()
    body = receiver.received[0].json

    assert set(body) == set(captured)
    assert set(body["worklog"]) == set(captured["worklog"])
    assert body["worklog"]["self"] == f"{SITE}/rest/api/2/issue/10000/worklog/20003"
    assert (body["webhookEvent"], body["timestamp"]) == ("worklog_created", 1769936400000)
    worklog = parse(WorklogPayload, body["worklog"], "webhook worklog").to_worklog()
    assert (worklog.id, worklog.issue_id, worklog.seconds) == ("20003", "10000", 1800)


def test_worklog_updates_and_deletions_are_announced_with_the_worklog(
    driven: JiraClient, sender: WebhookSender, receiver: Receiver
) -> None:
    driven.put(f"{API}/issue/ACME-1/worklog/20001", {"timeSpentSeconds": 7200})
    driven.delete(f"{API}/issue/ACME-1/worklog/20001")
    assert sender.wait_until_idle()

    bodies = [r.json for r in receiver.received]
    assert [
        (b["webhookEvent"], b["worklog"]["id"], b["worklog"]["timeSpentSeconds"]) for b in bodies
    ] == [
        ("worklog_updated", "20001", 7200),
        ("worklog_deleted", "20001", 7200),
    ]
    assert "isFromIssueLimitTransformation" not in bodies[0]


def test_an_issue_update_body_has_the_shape_of_a_captured_one(
    driven: JiraClient, sender: WebhookSender, receiver: Receiver
) -> None:
    captured_path = FIXTURES / "mattermost-plugin-jira" / "webhook-issue-updated-labels.json"
    captured = json.loads(captured_path.read_text())

    driven.put(f"{API}/issue/ACME-1", {"update": {"labels": [{"add": "oms-planned"}]}})
    assert sender.wait_until_idle()
    body = receiver.received[0].json

    assert set(body) == set(captured)
    assert set(body["changelog"]) == set(captured["changelog"])
    assert set(body["changelog"]["items"][0]) == set(captured["changelog"]["items"][0])
    assert body["issue_event_type_name"] == "issue_updated"
    assert body["user"]["accountId"] == "557058:bot"
    assert body["issue"]["fields"]["description"] == "Update every plugin.\nCheck the shop."
    snapshot = parse(IssuePayload, body["issue"], "webhook issue").to_snapshot()
    assert (snapshot.key, snapshot.labels) == ("ACME-1", frozenset({"maintenance", "oms-planned"}))


def test_issue_creation_and_deletion_are_announced_with_the_whole_issue(
    driven: JiraClient, sender: WebhookSender, receiver: Receiver
) -> None:
    fields = {"project": {"key": "BETA"}, "summary": "Form", "issuetype": {"name": "Task"}}
    driven.post(f"{API}/issue", {"fields": fields})
    driven.delete(f"{API}/issue/BETA-2")
    assert sender.wait_until_idle()

    bodies = [r.json for r in receiver.received]
    assert [(b["webhookEvent"], b["issue_event_type_name"], b["issue"]["key"]) for b in bodies] == [
        ("jira:issue_created", "issue_created", "BETA-2"),
        ("jira:issue_deleted", "issue_deleted", "BETA-2"),
    ]
    assert "changelog" not in bodies[0]


def test_without_a_webhook_url_deliveries_are_recorded_not_sent(state: SandboxState) -> None:
    with WebhookSender(None) as sender:
        announce_changes(state, sender, SITE)
        state.edit_issue("ACME-1", {"labels": ["x"]}, {}, state.users()[0])

        assert [d["outcome"] for d in sender.deliveries()] == ["no target"]
