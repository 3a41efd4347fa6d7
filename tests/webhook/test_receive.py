"""``POST /webhooks/jira``: what is stored, and every way a delivery is refused."""

from __future__ import annotations

import io
import json
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Response

from oms_connector.adapters.sql.engine import create_store_engine
from oms_connector.adapters.sql.store import SqlStore
from oms_connector.config import Settings, settings_from_mapping
from oms_connector.services.inbox import InboxService
from oms_connector.services.ports import StoreUnavailableError
from tests.conftest import migrated_store
from tests.services.fakes import RecordingInbox
from webhook_app import create_app
from webhook_app.dependencies import AppServices, StoreProbe
from webhook_app.signature import sign

from .conftest import (
    SECRET,
    SECRET_ENV,
    FixedClock,
    body_of,
    fixture_bytes,
    inbox_rows,
    settings_mapping,
    signed,
)

WORKLOG = "zulip/worklog_created.json"


def test_a_signed_event_is_stored_raw_and_acknowledged_with_204(
    client: FlaskClient, sql_store: SqlStore
) -> None:
    body = fixture_bytes(WORKLOG)
    headers = {**signed(body), "X-Atlassian-Webhook-Identifier": "delivery-1"}

    response = client.post("/webhooks/jira", data=body, headers=headers)

    assert (response.status_code, response.data) == (204, b"")
    [row] = inbox_rows(sql_store)
    assert row["dedup_key"] == "delivery:delivery-1"
    assert row["event"] == "worklog_created"
    assert bytes(row["body"]) == body
    assert row["status"] == "pending"
    assert row["attempts"] == 0
    assert row["received_at"] == datetime(2026, 10, 1, 12, 0, tzinfo=UTC)


def test_the_same_delivery_again_is_acknowledged_and_stored_once(
    client: FlaskClient, sql_store: SqlStore
) -> None:
    body = fixture_bytes(WORKLOG)
    headers = {**signed(body), "X-Atlassian-Webhook-Identifier": "delivery-1"}

    statuses = [
        client.post("/webhooks/jira", data=body, headers=headers).status_code for _ in "abc"
    ]

    assert statuses == [204, 204, 204]
    assert [row["dedup_key"] for row in inbox_rows(sql_store)] == ["delivery:delivery-1"]


def test_without_a_delivery_id_the_same_body_is_stored_once(
    client: FlaskClient, sql_store: SqlStore
) -> None:
    body = fixture_bytes(WORKLOG)
    for _ in range(2):
        assert client.post("/webhooks/jira", data=body, headers=signed(body)).status_code == 204
    [row] = inbox_rows(sql_store)
    assert row["dedup_key"].startswith("sha256:")


def test_a_signed_body_replayed_under_a_thousand_fresh_delivery_ids_is_stored_once(
    client: FlaskClient, sql_store: SqlStore
) -> None:
    body = fixture_bytes(WORKLOG)
    statuses = set()
    for n in range(1_000):
        headers = {**signed(body), "X-Atlassian-Webhook-Identifier": f"replay-{n}"}
        statuses.add(client.post("/webhooks/jira", data=body, headers=headers).status_code)
    # Acknowledged, as a retry of a stored delivery is: the sender has nothing to send again.
    assert statuses == {204}
    assert [row["dedup_key"] for row in inbox_rows(sql_store)] == ["delivery:replay-0"]


def test_two_events_with_their_own_bodies_are_two_events(
    client: FlaskClient, sql_store: SqlStore
) -> None:
    for delivery in ("a", "b"):
        body = body_of(delivery, fixture_bytes(WORKLOG))
        headers = {**signed(body), "X-Atlassian-Webhook-Identifier": delivery}
        assert client.post("/webhooks/jira", data=body, headers=headers).status_code == 204
    assert [row["dedup_key"] for row in inbox_rows(sql_store)] == ["delivery:a", "delivery:b"]


def _headers_with(signature: str | None) -> dict[str, str]:
    return {} if signature is None else {"X-Hub-Signature": signature}


BODY = fixture_bytes(WORKLOG)
GOOD = sign(SECRET.encode(), BODY)


@pytest.mark.parametrize(
    ("signature", "reason"),
    [
        (None, "signature_missing"),
        ("", "signature_missing"),
        ("sha256=", "signature_malformed"),
        (GOOD.removeprefix("sha256="), "signature_malformed"),
        ("sha1=" + GOOD.removeprefix("sha256=")[:40], "signature_malformed"),
        (GOOD[:-1], "signature_malformed"),
        (GOOD + "0", "signature_malformed"),
        (GOOD.replace("sha256=", "sha256:"), "signature_malformed"),
        (GOOD[:-1] + ("0" if GOOD[-1] != "0" else "1"), "signature_mismatch"),
        (sign(b"another secret", BODY), "signature_mismatch"),
        (sign(SECRET.encode(), BODY + b" "), "signature_mismatch"),
    ],
)
def test_a_missing_malformed_or_wrong_signature_is_401_and_nothing_is_stored(
    client: FlaskClient, sql_store: SqlStore, signature: str | None, reason: str
) -> None:
    response = client.post("/webhooks/jira", data=BODY, headers=_headers_with(signature))

    assert response.status_code == 401
    assert response.json is not None
    assert response.json["error"] == reason
    assert inbox_rows(sql_store) == []


def test_an_upper_case_signature_is_accepted(client: FlaskClient, sql_store: SqlStore) -> None:
    response = client.post("/webhooks/jira", data=BODY, headers={"X-Hub-Signature": GOOD.upper()})
    assert response.status_code == 204
    assert len(inbox_rows(sql_store)) == 1


def _post(client: FlaskClient, body: bytes, **headers: str) -> Any:
    return client.post("/webhooks/jira", data=body, headers={**signed(body), **headers})


@pytest.mark.parametrize(
    ("body", "reason", "message"),
    [
        (b"", "not_json", "the body is not JSON (UTF-8)"),
        (b"{", "not_json", "the body is not JSON (UTF-8)"),
        (b"\xff\xfe{}", "not_json", "the body is not JSON (UTF-8)"),
        (b"[" * 100_000, "not_json", "the body is not JSON (UTF-8)"),
        (b"[]", "not_object", "the body is not a JSON object"),
        (b'"jira:issue_created"', "not_object", "the body is not a JSON object"),
        (b"null", "not_object", "the body is not a JSON object"),
        (b"{}", "no_event", "the body has no webhookEvent string"),
        (b'{"webhookEvent": 3}', "no_event", "the body has no webhookEvent string"),
        (b'{"webhookEvent": ""}', "no_event", "the body has no webhookEvent string"),
        (b'{"webhookEvent": null}', "no_event", "the body has no webhookEvent string"),
    ],
)
def test_a_signed_body_that_is_not_an_event_is_400_with_the_reason_and_nothing_is_stored(
    client: FlaskClient, sql_store: SqlStore, body: bytes, reason: str, message: str
) -> None:
    response = _post(client, body)

    assert response.status_code == 400
    assert response.json == {"error": reason, "message": message}
    assert inbox_rows(sql_store) == []


@pytest.mark.parametrize(("size", "status"), [(1000, 204), (1001, 413), (5000, 413)])
def test_a_body_over_the_limit_is_413_and_nothing_is_stored(
    monkeypatch: pytest.MonkeyPatch, sql_store: SqlStore, size: int, status: int
) -> None:
    monkeypatch.setenv(SECRET_ENV, SECRET)
    settings = settings_from_mapping(settings_mapping(max_body_bytes=1000))
    clock = FixedClock()
    app = create_app(
        settings, AppServices(InboxService(sql_store, clock), StoreProbe(sql_store), clock.now)
    )
    body = _padded(size)

    response = app.test_client().post("/webhooks/jira", data=body, headers=signed(body))

    assert response.status_code == status
    assert len(inbox_rows(sql_store)) == (1 if status == 204 else 0)


def _padded(size: int) -> bytes:
    body = json.dumps({"webhookEvent": "worklog_created", "pad": ""}).encode()
    return body[:-2] + b"x" * (size - len(body)) + body[-2:]


def test_a_streamed_body_over_the_limit_is_413_and_nothing_is_stored(
    monkeypatch: pytest.MonkeyPatch, sql_store: SqlStore
) -> None:
    monkeypatch.setenv(SECRET_ENV, SECRET)
    settings = settings_from_mapping(settings_mapping(max_body_bytes=1000))
    clock = FixedClock()
    app = create_app(
        settings, AppServices(InboxService(sql_store, clock), StoreProbe(sql_store), clock.now)
    )
    body = _padded(1001)
    builder = EnvironBuilder(path="/webhooks/jira", method="POST", headers=signed(body))
    environ = builder.get_environ()
    builder.close()
    # What a server gives for chunked transfer encoding: no length, a terminated stream.
    environ.pop("CONTENT_LENGTH", None)
    environ["wsgi.input"] = io.BytesIO(body)
    environ["wsgi.input_terminated"] = True

    response = Response.from_app(app.wsgi_app, environ)

    assert response.status_code == 413
    assert inbox_rows(sql_store) == []


@pytest.mark.parametrize(
    "fixture",
    [
        "zulip/comment_created.json",
        "zulip/comment_deleted.json",
        "mattermost-plugin-jira/webhook-cloud-comment-created.json",
        "mattermost-plugin-jira/webhook-cloud-comment-updated.json",
        "mattermost-plugin-jira/webhook-cloud-comment-deleted.json",
        "mattermost-plugin-jira/webhook-server-comment-created.json",
        "jira-to-matrix/test/fixtures/webhooks/comment/updated.json",
        "jira-to-matrix/test/fixtures/webhooks/issuelink/created.json",
    ],
)
def test_a_known_event_the_connector_does_not_use_is_204_and_not_stored(
    app: Flask, client: FlaskClient, sql_store: SqlStore, fixture: str
) -> None:
    body = fixture_bytes(fixture)
    event = json.loads(body)["webhookEvent"]

    response = _post(client, body)

    assert (response.status_code, response.data) == (204, b"")
    assert inbox_rows(sql_store) == []
    metrics = client.get("/metrics").get_data(as_text=True)
    assert f'oms_webhook_ignored_total{{event="{event}"}} 1' in metrics


def test_an_unknown_event_is_204_not_stored_and_counted_apart(
    client: FlaskClient, sql_store: SqlStore
) -> None:
    response = _post(client, b'{"webhookEvent": "jira:something_new"}')

    assert response.status_code == 204
    assert inbox_rows(sql_store) == []
    metrics = client.get("/metrics").get_data(as_text=True)
    assert "oms_webhook_unknown_total 1" in metrics
    assert "oms_webhook_ignored_total{" not in metrics


@pytest.mark.parametrize("delivery", ["x" * 129, "tab\there", "caf\u00e9"])
def test_an_implausible_delivery_id_is_400_and_nothing_is_stored(
    client: FlaskClient, sql_store: SqlStore, delivery: str
) -> None:
    response = _post(client, BODY, **{"X-Atlassian-Webhook-Identifier": delivery})
    assert response.status_code == 400
    assert response.json is not None
    assert response.json["error"] == "bad_delivery_id"
    assert inbox_rows(sql_store) == []


class DownInbox:
    def receive(
        self, body: bytes, delivery_id: str | None = None, event: str | None = None
    ) -> bool:
        raise StoreUnavailableError("the database is unavailable: OperationalError")

    def counts(self) -> dict[str, int]:
        raise StoreUnavailableError("the database is unavailable: OperationalError")


class DownProbe:
    def check(self) -> None:
        raise StoreUnavailableError("the database is unavailable: OperationalError")

    def last_sync(self) -> None:
        raise StoreUnavailableError("the database is unavailable: OperationalError")


@pytest.fixture
def down_client(monkeypatch: pytest.MonkeyPatch) -> FlaskClient:
    monkeypatch.setenv(SECRET_ENV, SECRET)
    services = AppServices(DownInbox(), DownProbe(), FixedClock().now)  # type: ignore[arg-type]
    return create_app(settings_from_mapping(settings_mapping()), services).test_client()


def test_an_unavailable_database_is_503_with_retry_after(down_client: FlaskClient) -> None:
    response = _post(down_client, BODY)
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "30"
    assert response.json is not None
    assert response.json["error"] == "store_unavailable"


@pytest.mark.parametrize("path", ["/readyz", "/metrics"])
def test_readiness_and_metrics_are_503_while_the_database_is_unavailable(
    down_client: FlaskClient, path: str
) -> None:
    assert down_client.get(path).status_code == 503


def test_a_real_unreachable_postgresql_is_503(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(SECRET_ENV, SECRET)
    store = SqlStore(
        create_store_engine("postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=2")
    )
    clock = FixedClock()
    services = AppServices(InboxService(store, clock, intake=store), StoreProbe(store), clock.now)
    client = create_app(settings_from_mapping(settings_mapping()), services).test_client()
    try:
        assert _post(client, BODY).status_code == 503
        assert client.get("/readyz").status_code == 503
    finally:
        store.close()


@pytest.mark.postgres
def test_a_database_restart_between_deliveries_is_no_reason_for_jira_to_retry(
    postgres_url: str, settings: Settings, clock: FixedClock
) -> None:
    name = f"webhook-test-{uuid.uuid4().hex[:12]}"
    url = make_url(postgres_url).update_query_dict({"application_name": name})
    admin = create_engine(postgres_url)
    try:
        with migrated_store(url.render_as_string(hide_password=False)) as store:
            services = AppServices(
                InboxService(store, clock, intake=store), StoreProbe(store), clock.now
            )
            client = create_app(settings, services).test_client()
            first = _post(client, BODY, **{"X-Atlassian-Webhook-Identifier": "d1"}).status_code
            with admin.connect() as connection:
                ended = connection.scalars(
                    text(
                        "SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity "
                        "WHERE application_name = :name"
                    ),
                    {"name": name},
                ).all()
            again = body_of("d2", BODY)
            second = _post(client, again, **{"X-Atlassian-Webhook-Identifier": "d2"}).status_code
            keys = [row["dedup_key"] for row in inbox_rows(store)]
    finally:
        admin.dispose()
    assert ended == [True]
    assert (first, second) == (204, 204)
    assert keys == ["delivery:d1", "delivery:d2"]


def test_readiness_is_200_when_the_database_answers(client: FlaskClient) -> None:
    response = client.get("/readyz")
    assert (response.status_code, response.json) == (200, {"status": "ready"})


def test_a_get_on_the_webhook_is_405(client: FlaskClient, sql_store: SqlStore) -> None:
    assert client.get("/webhooks/jira").status_code == 405
    assert inbox_rows(sql_store) == []


def test_the_view_hands_the_event_name_it_read_to_the_inbox(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(SECRET_ENV, SECRET)
    inbox = RecordingInbox()
    services = AppServices(inbox, DownProbe(), FixedClock().now)  # type: ignore[arg-type]
    client = create_app(settings_from_mapping(settings_mapping()), services).test_client()
    response = _post(client, BODY, **{"X-Atlassian-Webhook-Identifier": "d-1"})
    assert response.status_code == 204
    assert inbox.received == [(BODY, "d-1", json.loads(BODY)["webhookEvent"])]
