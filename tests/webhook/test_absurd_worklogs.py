"""A signed webhook carrying an absurd worklog is accepted and held, never counted, and
nothing it stored makes a read fail; Jira's corrected version releases it."""

from __future__ import annotations

import json
from typing import Any

import pytest
from flask.testing import FlaskClient

from oms_connector.adapters.sql.store import SqlStore
from oms_connector.services.inbox import InboxProcessor
from oms_connector.services.reports import StatementReports
from tests.webhook.conftest import FakeJira, FixedClock, fixture_bytes, signed
from tests.webhook.test_fixtures import _fetched

CREATED = "zulip/worklog_created.json"


def send(client: FlaskClient, delivery: str, **worklog: Any) -> None:
    document = json.loads(fixture_bytes(CREATED))
    document["worklog"].update(worklog)
    body = json.dumps(document).encode()
    headers = {**signed(body), "X-Atlassian-Webhook-Identifier": delivery}
    assert client.post("/webhooks/jira", data=body, headers=headers).status_code == 204


@pytest.mark.parametrize(
    ("worklog", "reason"),
    [
        (
            {"started": "9999-12-31T23:30:00.000-0500"},
            "started 9999-12-31T23:30:00-05:00 is after 2026-10-02T12:00:00+00:00",
        ),
        (
            {"started": "0001-01-01T00:30:00.000+0100"},
            "started 0001-01-01T00:30:00+01:00 is before 2016-01-24, "
            "3660 days before its plan's enrolment",
        ),
        (
            {"timeSpentSeconds": 10**12},
            "lasts 1000000000000 s, more than the 172800 s a worklog may last",
        ),
        (
            {"updated": "9999-01-01T00:00:00.000+0000"},
            "updated 9999-01-01T00:00:00+00:00 is in the future",
        ),
    ],
    ids=["year-9999", "year-1", "10^12-seconds", "updated-9999"],
)
def test_an_absurd_worklog_is_held_and_the_corrected_one_counts(
    client: FlaskClient,
    sql_store: SqlStore,
    processor: InboxProcessor,
    jira: FakeJira,
    clock: FixedClock,
    settings: Any,
    worklog: dict[str, Any],
    reason: str,
) -> None:
    jira.issues_by_id["10014"] = _fetched("10014", "SCRUM-14")
    send(client, "absurd", **worklog)
    processor.run_once()

    with sql_store.unit_of_work() as uow:
        assert [h.reason for h in uow.quarantine.held()] == [reason]
        assert list(uow.worklogs.logged_work(["SCRUM"])) == []
    [view] = StatementReports(sql_store, settings.domain_plans(), clock).plans()
    assert view.held == 1

    send(client, "corrected", timeSpentSeconds=7200, updated="2026-10-01T11:59:00.000+0000")
    processor.run_once()

    with sql_store.unit_of_work() as uow:
        assert uow.quarantine.held() == []
        assert [w.seconds for w in uow.worklogs.logged_work(["SCRUM"])] == [7200]
