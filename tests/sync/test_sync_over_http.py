"""A sync pass through the real gateway against Jira's HTTP answers (``responses``)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
import responses
from responses import matchers

from oms_connector.adapters.jira_gateway import (
    JiraConnection,
    JiraRestGateway,
    JiraUnavailable,
    RetryPolicy,
)
from oms_connector.services.sync import SyncService
from tests.gateway.jira_json import API, SITE, changed, issue, worklog
from tests.services.memory_store import MemoryStore
from tests.sync.fakes import FixedClock, ingest

START = datetime(2026, 2, 1, tzinfo=UTC)
START_MS = 1769904000000
OVERLAP_MS = 120_000
PAGE_1_UNTIL = START_MS + 3_600_000
PAGE_2_UNTIL = START_MS + 7_200_000


@pytest.fixture
def http() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.post(f"{API}/search", status=410, json={"message": "removed"})
        mock.get(f"{API}/search", status=410, json={"message": "removed"})
        yield mock


@pytest.fixture
def gateway() -> Iterator[JiraRestGateway]:
    gateway = JiraRestGateway(
        JiraConnection(SITE, "bot@example.com", "token"),
        retry=RetryPolicy(attempts=3),
        sleep=lambda seconds: None,
        random=lambda: 0.5,
    )
    yield gateway
    gateway.close()


def jira(http: responses.RequestsMock, *, list_fails_on_second_call: bool) -> None:
    http.get(f"{API}/myself", json={"accountId": "bot", "timeZone": "Europe/Paris"})
    http.post(
        f"{API}/search/jql",
        json={
            "issues": [
                issue(10001, "ACME-1", updated="2026-02-01T09:00:00.000+0000"),
                issue(10002, "ACME-2", updated="2026-02-01T10:00:00.000+0000"),
            ]
        },
    )
    since = {"since": str(START_MS - OVERLAP_MS)}
    http.get(
        f"{API}/worklog/updated",
        json=changed([1, 2], since=START_MS, until=PAGE_1_UNTIL, last=False),
        match=[matchers.query_param_matcher(since)],
    )
    http.get(
        f"{API}/worklog/updated",
        json=changed([3], since=PAGE_1_UNTIL, until=PAGE_2_UNTIL),
        match=[matchers.query_param_matcher({"since": str(PAGE_1_UNTIL)})],
    )
    http.post(
        f"{API}/worklog/list",
        json=[worklog(1, 10001), worklog(2, 10002)],
        match=[matchers.json_params_matcher({"ids": [1, 2]})],
    )
    third = [matchers.json_params_matcher({"ids": [3]})]
    if list_fails_on_second_call:
        http.post(f"{API}/worklog/list", status=500, match=third)
    else:
        http.post(f"{API}/worklog/list", json=[worklog(3, 10001)], match=third)
    http.get(
        f"{API}/worklog/deleted",
        json=changed([], since=START_MS, until=PAGE_2_UNTIL, path="worklog/deleted"),
    )


def sync(gateway: JiraRestGateway, store: MemoryStore) -> SyncService:
    clock = FixedClock()
    return SyncService(gateway, store, ingest(clock, "ACME"), clock, ["ACME"], start=START)


def test_a_pass_reads_each_endpoint_and_never_the_removed_search(
    http: responses.RequestsMock, gateway: JiraRestGateway
) -> None:
    jira(http, list_fails_on_second_call=False)
    store = MemoryStore()

    report = sync(gateway, store).run_once()

    assert [(c.request.method, c.request.path_url.split("?")[0]) for c in http.calls] == [
        ("GET", "/rest/api/3/myself"),
        ("POST", "/rest/api/3/search/jql"),
        ("GET", "/rest/api/3/worklog/updated"),
        ("POST", "/rest/api/3/worklog/list"),
        ("GET", "/rest/api/3/worklog/updated"),
        ("POST", "/rest/api/3/worklog/list"),
        ("GET", "/rest/api/3/worklog/deleted"),
    ]
    assert json.loads(http.calls[1].request.body or b"")["jql"] == (
        'project in ("ACME") AND updated >= "2026/02/01 00:58" ORDER BY updated ASC'
    )
    assert sorted(store.state.worklogs) == ["1", "2", "3"]
    assert (report.issues_stored, report.worklogs_stored) == (2, 3)


def test_a_failure_in_the_middle_of_a_pass_keeps_the_checkpoint_and_the_next_pass_stores_all_once(
    http: responses.RequestsMock, gateway: JiraRestGateway
) -> None:
    jira(http, list_fails_on_second_call=True)
    store = MemoryStore()

    with pytest.raises(JiraUnavailable, match="did not answer POST worklog/list after 3 attempts"):
        sync(gateway, store).run_once()

    assert sorted(store.state.worklogs) == ["1", "2"]
    assert store.state.checkpoints["jira.worklogs.updated"] == "2026-02-01T01:00:00.000+00:00"
    assert "jira.worklogs.deleted" not in store.state.checkpoints

    http.reset()
    jira(http, list_fails_on_second_call=False)
    http.replace(
        responses.GET,
        f"{API}/worklog/updated",
        json=changed([3], since=PAGE_1_UNTIL, until=PAGE_2_UNTIL),
        match=[matchers.query_param_matcher({"since": str(PAGE_1_UNTIL - OVERLAP_MS)})],
    )
    report = sync(gateway, store).run_once()

    assert sorted(store.state.worklogs) == ["1", "2", "3"]
    assert (report.worklogs_read, report.worklogs_stored) == (1, 1)
    assert store.state.checkpoints["jira.worklogs.updated"] == "2026-02-01T02:00:00.000+00:00"
    assert store.state.checkpoints["jira.worklogs.deleted"] == "2026-02-01T02:00:00.000+00:00"
    assert "/rest/api/3/search" not in {c.request.path_url.split("?")[0] for c in http.calls}
