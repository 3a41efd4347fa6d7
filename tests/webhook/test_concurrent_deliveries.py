"""Deliveries posted at once from many threads: each stored once, every one acknowledged."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from flask import Flask
from flask.testing import FlaskClient

from oms_connector.adapters.sql.store import SqlStore
from webhook_app.state import EXTENSION, AppState

from .conftest import body_of, fixture_bytes, inbox_rows, signed

BODY = fixture_bytes("zulip/worklog_created.json")


def post(client: FlaskClient, delivery: str) -> int:
    body = body_of(delivery, BODY)
    headers = {**signed(body), "X-Atlassian-Webhook-Identifier": delivery}
    return client.post("/webhooks/jira", data=body, headers=headers).status_code


def test_concurrent_deliveries_are_each_stored_once_and_repeats_counted(
    app: Flask, sql_store: SqlStore
) -> None:
    deliveries = [f"delivery-{n:02}" for n in range(30)] * 3
    with ThreadPoolExecutor(8) as pool:
        statuses = list(pool.map(lambda delivery: post(app.test_client(), delivery), deliveries))
    state = app.extensions[EXTENSION]
    assert isinstance(state, AppState)
    assert statuses == [204] * 90
    assert sorted(row["dedup_key"] for row in inbox_rows(sql_store)) == sorted(
        f"delivery:{delivery}" for delivery in set(deliveries)
    )
    assert state.counters.snapshot()[3] == 60


def test_a_delivery_after_the_services_are_closed_is_503_and_not_stored(
    app: Flask, client: FlaskClient, sql_store: SqlStore
) -> None:
    state = app.extensions[EXTENSION]
    assert isinstance(state, AppState)
    state.services.close()
    response = client.post(
        "/webhooks/jira",
        data=BODY,
        headers={**signed(BODY), "X-Atlassian-Webhook-Identifier": "late"},
    )
    assert (response.status_code, response.headers["Retry-After"]) == (503, "30")
    assert inbox_rows(sql_store) == []
