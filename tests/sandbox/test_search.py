"""``search/jql``: the JQL subset, ordering, fields and ``nextPageToken`` paging."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from oms_connector.sandbox.jql import Direction, JqlError, TimeBound, ValueFilter, parse
from tests.sandbox.conftest import JiraClient

API = "/rest/api/3"
UTC_ZONE = ZoneInfo("UTC")


def _keys(jira: JiraClient, jql: str, **extra: Any) -> list[str]:
    page = jira.post(f"{API}/search/jql", {"jql": jql, "fields": ["summary"], **extra}).json
    assert page is not None
    return [issue["key"] for issue in page["issues"]]


@pytest.mark.parametrize(
    ("jql", "keys"),
    [
        ("project = ACME", ["ACME-2", "ACME-1"]),
        ("project in (ACME, BETA) ORDER BY key ASC", ["ACME-1", "ACME-2", "BETA-1"]),
        ('project = "Beta GmbH"', ["BETA-1"]),
        ("project = 10000 order by key desc", ["ACME-2", "ACME-1"]),
        ('updated >= "2026/01/20 10:00" ORDER BY updated ASC', ["ACME-1", "ACME-2"]),
        ('updated > "2026-01-20 10:00" order by updated desc', ["ACME-2"]),
        ('project = ACME AND updated < "2026/01/21"', ["ACME-1"]),
        ('project in ("ACME") AND updated >= "2026/01/25 12:30"', ["ACME-2"]),
        ('created >= "2026-01-10" ORDER BY created ASC', ["ACME-2", "BETA-1"]),
        ("issue in (ACME-2, 10002) ORDER BY id", ["ACME-2", "BETA-1"]),
        ("key = ACME-1", ["ACME-1"]),
        ("project = ACME AND project = BETA", []),
        ("project = acme AND statusCategory != Done ORDER BY Rank ASC", ["ACME-1", "ACME-2"]),
        ('status = "In Progress"', ["ACME-2"]),
        ('statusCategory in ("To Do") ORDER BY key', ["ACME-1", "BETA-1"]),
        ("project not in (BETA) AND status != 3", ["ACME-1"]),
        ("issue != ACME-1 AND project = ACME", ["ACME-2"]),
    ],
)
def test_the_jql_subset_selects_and_orders_issues(
    jira: JiraClient, jql: str, keys: list[str]
) -> None:
    assert _keys(jira, jql) == keys


@pytest.mark.parametrize(
    ("jql", "message"),
    [
        (
            "",
            (
                "Unbounded JQL queries are not allowed here. Please add a search "
                "restriction to your query."
            ),
        ),
        (
            "ORDER BY key",
            (
                "Unbounded JQL queries are not allowed here. Please add a search "
                "restriction to your query."
            ),
        ),
        ("project = NOPE", "The value 'NOPE' does not exist for the field 'project'."),
        (
            "assignee = currentUser()",
            "Error in the JQL Query: Field 'assignee' is not supported by the sandbox.",
        ),
        (
            "project = ACME OR project = BETA",
            (
                "Error in the JQL Query: 'OR' is not supported by the sandbox (only "
                "AND, project, issue/key/id, status, statusCategory, updated, created and "
                "ORDER BY)."
            ),
        ),
        (
            'updated >= "yesterday"',
            (
                "Date value 'yesterday' for field 'updated' is invalid. Valid formats "
                "include: 'yyyy/MM/dd HH:mm', 'yyyy-MM-dd HH:mm', 'yyyy/MM/dd', "
                "'yyyy-MM-dd'."
            ),
        ),
        (
            "project = ACME ORDER BY summary",
            "Error in the JQL Query: Ordering by 'summary' is not supported by the sandbox.",
        ),
        ("project in (ACME", "Error in the JQL Query: Expecting ')' but reached the end."),
        (
            "statusCategory = Finished",
            "The value 'Finished' does not exist for the field 'statusCategory'.",
        ),
        ("status not = Done", "Error in the JQL Query: Expecting 'in' after 'status not'."),
    ],
)
def test_a_query_outside_the_subset_is_refused_with_jiras_error_shape(
    jira: JiraClient, jql: str, message: str
) -> None:
    response = jira.post(f"{API}/search/jql", {"jql": jql})

    assert response.status_code == 400
    assert response.json == {"errorMessages": [message], "errors": {}}


def test_dates_are_read_in_the_searching_users_time_zone() -> None:
    query = parse('updated >= "2026/01/20 11:00"', ZoneInfo("Europe/Paris"))

    assert query.times == (TimeBound("updated", ">=", datetime(2026, 1, 20, 10, 0, tzinfo=UTC)),)


def test_a_parsed_query_keeps_every_clause_and_the_order() -> None:
    query = parse(
        'project in (ACME, "Beta GmbH") and updated >= "2026/02/01" order by updated, key desc',
        UTC_ZONE,
    )

    assert query.filters == (ValueFilter("project", frozenset({"ACME", "Beta GmbH"})),)
    assert query.times == (TimeBound("updated", ">=", datetime(2026, 2, 1, tzinfo=UTC)),)
    assert query.order == (("updated", Direction.ASC), ("key", Direction.DESC))


def test_an_invalid_calendar_date_is_refused() -> None:
    with pytest.raises(JqlError, match="Date value '2026/02/30' for field 'updated' is invalid"):
        parse('updated >= "2026/02/30"', UTC_ZONE)


def test_pages_follow_next_page_tokens_until_the_last_page(jira: JiraClient) -> None:
    jql = "project in (ACME, BETA) ORDER BY key"
    first = jira.post(f"{API}/search/jql", {"jql": jql, "maxResults": 2}).json
    assert first is not None
    second = jira.post(
        f"{API}/search/jql", {"jql": jql, "maxResults": 2, "nextPageToken": first["nextPageToken"]}
    ).json
    assert second is not None

    assert ([i["key"] for i in first["issues"]], first["isLast"]) == (["ACME-1", "ACME-2"], False)
    assert ([i["key"] for i in second["issues"]], second["isLast"]) == (["BETA-1"], True)
    assert "nextPageToken" not in second


def test_get_search_pages_the_same_way(jira: JiraClient) -> None:
    jql = "project in (ACME, BETA) ORDER BY key"
    first = jira.get(f"{API}/search/jql", jql=jql, maxResults="2").json
    assert first is not None
    second = jira.get(
        f"{API}/search/jql", jql=jql, maxResults="2", nextPageToken=first["nextPageToken"]
    ).json
    assert second is not None

    assert [i["key"] for i in first["issues"] + second["issues"]] == ["ACME-1", "ACME-2", "BETA-1"]


@pytest.mark.parametrize(
    "token", ["garbage", "eyJxIjogIngiLCAicyI6IDF9"], ids=["garbage", "other query"]
)
def test_a_token_that_is_not_from_this_query_is_refused(jira: JiraClient, token: str) -> None:
    response = jira.post(f"{API}/search/jql", {"jql": "project = ACME", "nextPageToken": token})

    assert response.status_code == 400
    assert response.json == {
        "errorMessages": ["The provided next page token is invalid or expired."],
        "errors": {},
    }


def test_only_the_requested_fields_are_returned(jira: JiraClient) -> None:
    page = jira.post(
        f"{API}/search/jql",
        {"jql": "key = ACME-2", "fields": ["summary", "customfield_10010", "customfield_10050"]},
    ).json

    assert page is not None
    assert page["issues"][0]["fields"] == {
        "summary": "Shop is down",
        "customfield_10010": {
            "requestType": {"id": "3", "name": "Emergency", "serviceDeskId": "1"},
            "currentStatus": {"status": "In Progress"},
        },
        "customfield_10050": {
            "self": "https://your-domain.atlassian.net/rest/api/3/customFieldOption/10101",
            "value": "PRIORITY",
            "id": "10101",
        },
    }


def test_without_fields_a_search_returns_ids_and_keys_only(jira: JiraClient) -> None:
    page = jira.post(f"{API}/search/jql", {"jql": "key = ACME-1"}).json

    assert page is not None
    assert {k: v for k, v in page["issues"][0].items() if k != "expand"} == {
        "id": "10000",
        "self": "https://your-domain.atlassian.net/rest/api/3/issue/10000",
        "key": "ACME-1",
        "fields": {},
    }


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        (["*all", "-description", "-customfield_10019"], 15),
        (["*navigable"], 16),
        (["summary", "nonsense"], 1),
    ],
)
def test_field_selectors_follow_jira(jira: JiraClient, fields: list[str], expected: int) -> None:
    page = jira.post(f"{API}/search/jql", {"jql": "key = ACME-1", "fields": fields}).json

    assert page is not None
    assert len(page["issues"][0]["fields"]) == expected


def test_the_issue_representation_carries_what_classification_reads(jira: JiraClient) -> None:
    issue = jira.get(f"{API}/issue/ACME-1").json

    assert issue is not None
    fields = issue["fields"]
    assert fields["project"]["key"] == "ACME"
    assert fields["issuetype"]["name"] == "Task"
    assert fields["priority"]["name"] == "Medium"
    assert fields["status"]["statusCategory"]["key"] == "new"
    assert fields["labels"] == ["maintenance"]
    assert [c["name"] for c in fields["components"]] == ["Website"]
    assert fields["description"]["content"][1]["content"][0]["text"] == "Check the shop."
    assert fields["updated"] == "2026-01-20T10:00:00.000+0000"
    assert fields["timetracking"] == {
        "originalEstimate": "2h",
        "originalEstimateSeconds": 7200,
        "remainingEstimate": "1h",
        "remainingEstimateSeconds": 3600,
        "timeSpent": "1h",
        "timeSpentSeconds": 3600,
    }
    assert fields["customfield_10019"] == "0|i00001:"
