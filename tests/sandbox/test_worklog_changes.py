"""``worklog/updated``, ``worklog/deleted`` and ``worklog/list``: lag, paging, deletions."""

from __future__ import annotations

from datetime import timedelta

import pytest

from oms_connector.sandbox.clock import SandboxClock
from oms_connector.sandbox.state import SandboxState
from oms_connector.sandbox.times import epoch_ms
from tests.sandbox.conftest import START, JiraClient

API = "/rest/api/3"
START_MS = epoch_ms(START)
SEEDED = [(20001, 1767693600000), (20002, 1768215600000)]
"""The seed's worklogs and their ``updated`` times (2026-01-06 10:00 and 2026-01-12 11:00 UTC)."""


def _ids(jira: JiraClient, kind: str, since: int) -> list[tuple[int, int]]:
    page = jira.get(f"{API}/worklog/{kind}", since=str(since)).json
    assert page is not None
    return [(v["worklogId"], v["updatedTime"]) for v in page["values"]]


def _log(jira: JiraClient, seconds: int = 1800) -> int:
    body = {"started": "2026-02-01T08:00:00.000+0000", "timeSpentSeconds": seconds}
    created = jira.post(f"{API}/issue/ACME-1/worklog", body).json
    assert created is not None
    return int(created["id"])


def test_seeded_worklogs_are_listed_oldest_first_with_their_update_times(
    jira: JiraClient,
) -> None:
    page = jira.get(f"{API}/worklog/updated", since="0").json

    assert page == {
        "values": [{"worklogId": i, "updatedTime": ms, "properties": []} for i, ms in SEEDED],
        "since": 0,
        "until": SEEDED[-1][1],
        "self": "https://your-domain.atlassian.net/rest/api/3/worklog/updated?since=0",
        "lastPage": True,
    }


@pytest.mark.parametrize(
    ("seconds_later", "listed"),
    [(0, False), (30, False), (59, False), (60, True), (61, True)],
)
def test_a_change_is_listed_only_once_it_is_a_minute_old(
    jira: JiraClient, clock: SandboxClock, seconds_later: int, listed: bool
) -> None:
    worklog_id = _log(jira)
    clock.advance(timedelta(seconds=seconds_later))

    assert _ids(jira, "updated", START_MS) == ([(worklog_id, START_MS)] if listed else [])


def test_an_edit_moves_the_worklog_to_its_new_update_time(
    jira: JiraClient, clock: SandboxClock
) -> None:
    clock.advance(timedelta(minutes=5))
    jira.put(f"{API}/issue/ACME-1/worklog/20001", {"timeSpentSeconds": 7200})
    clock.advance(timedelta(minutes=1))

    assert _ids(jira, "updated", 0) == [SEEDED[1], (20001, START_MS + 300_000)]


def test_since_is_inclusive_so_resuming_from_until_repeats_the_boundary_change(
    jira: JiraClient,
) -> None:
    assert _ids(jira, "updated", SEEDED[1][1]) == [SEEDED[1]]
    assert _ids(jira, "updated", SEEDED[1][1] + 1) == []


def test_an_empty_page_is_the_last_and_ends_where_it_started(jira: JiraClient) -> None:
    page = jira.get(f"{API}/worklog/updated", since=str(START_MS)).json

    assert page is not None
    assert (page["values"], page["since"], page["until"], page["lastPage"]) == (
        [],
        START_MS,
        START_MS,
        True,
    )
    assert "nextPage" not in page


def test_more_than_a_thousand_changes_come_in_pages_linked_by_next_page(
    jira: JiraClient, state: SandboxState, clock: SandboxClock
) -> None:
    bot = state.users()[0]
    for _ in range(1001):
        clock.advance(timedelta(milliseconds=1))
        state.add_worklog("ACME-2", bot, START, 60)
    clock.advance(timedelta(minutes=1))

    first = jira.get(f"{API}/worklog/updated", since=str(START_MS)).json
    assert first is not None
    until = first["until"]
    second = jira.get(f"{API}/worklog/updated", since=str(until)).json
    assert second is not None

    assert len(first["values"]) == 1000
    assert (first["lastPage"], until) == (False, START_MS + 1000)
    assert first["nextPage"] == (
        f"https://your-domain.atlassian.net/rest/api/3/worklog/updated?since={until}"
    )
    assert [v["updatedTime"] for v in second["values"]] == [START_MS + 1000, START_MS + 1001]
    assert second["lastPage"] is True


def test_a_deleted_worklog_is_listed_as_deleted_after_the_lag_and_no_longer_returned(
    jira: JiraClient, clock: SandboxClock
) -> None:
    jira.delete(f"{API}/issue/ACME-1/worklog/20001")

    before_lag = _ids(jira, "deleted", 0)
    clock.advance(timedelta(minutes=1))
    after_lag = _ids(jira, "deleted", 0)
    listed = jira.post(f"{API}/worklog/list", {"ids": [20001, 20002]}).json

    assert before_lag == []
    assert after_lag == [(20001, START_MS)]
    assert listed is not None
    assert [w["id"] for w in listed] == ["20002"]
    assert _ids(jira, "updated", 0) == [SEEDED[1]]


def test_deleting_an_issue_deletes_its_worklogs(jira: JiraClient, clock: SandboxClock) -> None:
    jira.delete(f"{API}/issue/ACME-2")
    clock.advance(timedelta(minutes=1))

    assert _ids(jira, "deleted", 0) == [(20002, START_MS)]


def test_worklog_list_returns_full_worklogs_with_issue_ids_and_skips_unknown_ids(
    jira: JiraClient,
) -> None:
    listed = jira.post(f"{API}/worklog/list", {"ids": [20002, 5, 20001]}).json

    assert listed is not None
    assert [(w["id"], w["issueId"], w["timeSpentSeconds"], w["started"]) for w in listed] == [
        ("20002", "10001", 5400, "2026-01-10T09:00:00.000+0000"),
        ("20001", "10000", 3600, "2026-01-06T08:00:00.000+0000"),
    ]
    assert listed[1]["comment"]["content"][0]["content"][0]["text"] == "Updated WooCommerce."


@pytest.mark.parametrize(
    "ids",
    [[], list(range(1, 1002)), ["20001"], [True]],
    ids=["empty", "1001 ids", "strings", "booleans"],
)
def test_worklog_list_refuses_what_jira_refuses(jira: JiraClient, ids: list[object]) -> None:
    response = jira.call("POST", f"{API}/worklog/list", body={"ids": ids}, validate=False)

    assert response.status_code == 400
    assert response.json == {
        "errorMessages": ["The request must contain between 1 and 1000 worklog ids."],
        "errors": {},
    }


def test_issue_worklogs_page_by_start_at_and_filter_by_start_time(jira: JiraClient) -> None:
    first, second = _log(jira, 600), _log(jira, 900)

    page = jira.get(f"{API}/issue/ACME-1/worklog", startAt="1", maxResults="1").json
    started_after = jira.get(
        f"{API}/issue/ACME-1/worklog", startedAfter=str(START_MS - 3_600_000)
    ).json

    assert page is not None
    assert (page["startAt"], page["maxResults"], page["total"]) == (1, 1, 3)
    assert [w["id"] for w in page["worklogs"]] == [str(first)]
    assert started_after is not None
    assert [w["id"] for w in started_after["worklogs"]] == [str(first), str(second)]


@pytest.mark.parametrize(
    ("query", "remaining"),
    [
        ({}, 1800),
        ({"adjustEstimate": "leave"}, 3600),
        ({"adjustEstimate": "new", "newEstimate": "2h"}, 7200),
        ({"adjustEstimate": "manual", "reduceBy": "15m"}, 2700),
    ],
    ids=["auto", "leave", "new", "manual"],
)
def test_logging_work_adjusts_the_remaining_estimate_as_asked(
    jira: JiraClient, query: dict[str, str], remaining: int
) -> None:
    body = {"started": "2026-02-01T08:00:00.000+0000", "timeSpentSeconds": 1800}
    jira.post(f"{API}/issue/ACME-1/worklog", body, **query)

    tracking = jira.get(f"{API}/issue/ACME-1", fields="timetracking").json

    assert tracking is not None
    assert tracking["fields"]["timetracking"]["remainingEstimateSeconds"] == remaining
    assert tracking["fields"]["timetracking"]["timeSpentSeconds"] == 3600 + 1800
