"""Every endpoint the sandbox serves, answered as Atlassian's OpenAPI description says.

Each row is one exchange through the validating client (see conftest): the request
and the response are both checked against the description, error answers included.
"""

from __future__ import annotations

from typing import Any

import pytest
from openapi_core.exceptions import OpenAPIError

from oms_connector.sandbox import representation
from oms_connector.sandbox.documents import text_document
from tests.sandbox.conftest import JiraClient

API = "/rest/api/3"
ADF = text_document("Classified as planned OMS work.")
STARTED = "2026-01-17T12:34:00.000+0000"

EXCHANGES: list[tuple[str, str, str, Any, dict[str, Any], int]] = [
    ("server info", "GET", f"{API}/serverInfo", None, {}, 200),
    ("myself", "GET", f"{API}/myself", None, {}, 200),
    ("fields", "GET", f"{API}/field", None, {}, 200),
    ("projects", "GET", f"{API}/project", None, {}, 200),
    ("project search", "GET", f"{API}/project/search", None, {"maxResults": "1"}, 200),
    (
        "search by POST",
        "POST",
        f"{API}/search/jql",
        {"jql": "project = ACME", "fields": ["*all"], "maxResults": 1},
        {},
        200,
    ),
    (
        "search by GET",
        "GET",
        f"{API}/search/jql",
        None,
        {"jql": 'updated >= "2026/01/01 00:00"', "fields": "summary,labels,updated"},
        200,
    ),
    ("search without fields", "POST", f"{API}/search/jql", {"jql": "project = BETA"}, {}, 200),
    ("unbounded search", "POST", f"{API}/search/jql", {"jql": "order by key"}, {}, 400),
    (
        "bulk fetch",
        "POST",
        f"{API}/issue/bulkfetch",
        {
            "issueIdsOrKeys": ["ACME-1", "10001", "NOPE-9"],
            "fields": ["summary", "customfield_10010"],
        },
        {},
        200,
    ),
    ("get issue", "GET", f"{API}/issue/ACME-2", None, {}, 200),
    ("get issue, some fields", "GET", f"{API}/issue/10000", None, {"fields": "labels"}, 200),
    ("missing issue", "GET", f"{API}/issue/ACME-99", None, {}, 404),
    (
        "create issue",
        "POST",
        f"{API}/issue",
        {
            "fields": {
                "project": {"key": "BETA"},
                "summary": "Add a form",
                "issuetype": {"id": "10001"},
            }
        },
        {},
        201,
    ),
    ("create issue without summary", "POST", f"{API}/issue", {"fields": {}}, {}, 400),
    (
        "edit labels and fields",
        "PUT",
        f"{API}/issue/ACME-1",
        {
            "update": {"labels": [{"add": "oms-planned"}, {"remove": "maintenance"}]},
            "fields": {"customfield_10050": {"value": "OMS"}, "customfield_10060": 6.5},
        },
        {},
        204,
    ),
    ("edit unknown field", "PUT", f"{API}/issue/ACME-1", {"fields": {"nope": 1}}, {}, 400),
    ("delete issue", "DELETE", f"{API}/issue/BETA-1", None, {}, 204),
    ("issue worklogs", "GET", f"{API}/issue/ACME-1/worklog", None, {"maxResults": "10"}, 200),
    (
        "add worklog",
        "POST",
        f"{API}/issue/ACME-1/worklog",
        {"started": STARTED, "timeSpentSeconds": 12000, "comment": ADF},
        {"adjustEstimate": "auto"},
        201,
    ),
    (
        "add worklog by duration",
        "POST",
        f"{API}/issue/ACME-1/worklog",
        {"started": STARTED, "timeSpent": "3h 20m"},
        {},
        201,
    ),
    (
        "add worklog without time",
        "POST",
        f"{API}/issue/ACME-1/worklog",
        {"started": STARTED},
        {},
        400,
    ),
    ("get worklog", "GET", f"{API}/issue/ACME-1/worklog/20001", None, {}, 200),
    (
        "update worklog",
        "PUT",
        f"{API}/issue/ACME-1/worklog/20001",
        {"timeSpentSeconds": 5400},
        {},
        200,
    ),
    ("delete worklog", "DELETE", f"{API}/issue/ACME-1/worklog/20001", None, {}, 204),
    ("missing worklog", "GET", f"{API}/issue/ACME-2/worklog/20001", None, {}, 404),
    ("worklogs updated", "GET", f"{API}/worklog/updated", None, {"since": "0"}, 200),
    ("worklogs deleted", "GET", f"{API}/worklog/deleted", None, {"since": "0"}, 200),
    ("worklog list", "POST", f"{API}/worklog/list", {"ids": [20001, 20002, 1]}, {}, 200),
    ("empty worklog list", "POST", f"{API}/worklog/list", {"ids": []}, {}, 400),
    (
        "set property",
        "PUT",
        f"{API}/issue/ACME-1/properties/oms.plan",
        {"plan": "acme", "remaining_hours": "6.50"},
        {},
        201,
    ),
    ("missing property", "GET", f"{API}/issue/ACME-1/properties/oms.plan", None, {}, 404),
    ("add comment", "POST", f"{API}/issue/ACME-1/comment", {"body": ADF}, {}, 201),
    ("comment as text", "POST", f"{API}/issue/ACME-1/comment", {"body": "plain"}, {}, 400),
    ("comments", "GET", f"{API}/issue/ACME-1/comment", None, {}, 200),
]


@pytest.mark.parametrize(
    ("method", "path", "body", "query", "status"),
    [pytest.param(*row[1:], id=row[0]) for row in EXCHANGES],
)
def test_the_exchange_is_valid_against_the_description(
    jira: JiraClient,
    method: str,
    path: str,
    body: Any,
    query: dict[str, Any],
    status: int,
) -> None:
    response = jira.call(method, path, body=body, query=query)

    assert response.status_code == status, response.get_data(as_text=True)


def test_a_property_read_back_is_valid_and_replacing_it_answers_200(jira: JiraClient) -> None:
    path = f"{API}/issue/ACME-1/properties/oms.plan"
    assert jira.put(path, {"hours": "1.00"}).status_code == 201

    replaced = jira.put(path, {"hours": "2.00"})
    read = jira.get(path)

    assert replaced.status_code == 200
    assert read.json == {"key": "oms.plan", "value": {"hours": "2.00"}}


def test_the_validating_client_rejects_a_response_that_drifts_from_the_description(
    jira: JiraClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    original = representation.Representation.worklog

    def drifted(self: representation.Representation, worklog: Any) -> dict[str, Any]:
        return {**original(self, worklog), "timeSpentSeconds": "3600"}

    monkeypatch.setattr(representation.Representation, "worklog", drifted)

    with pytest.raises(OpenAPIError):
        jira.post(f"{API}/worklog/list", {"ids": [20001]})


def test_the_removed_search_endpoint_answers_410_like_jira_cloud(jira: JiraClient) -> None:
    # Not validated: the description still lists the endpoint, without its 410.
    response = jira.call("GET", f"{API}/search", query={"jql": "project = ACME"}, validate=False)

    assert response.status_code == 410
    assert response.json is not None
    assert response.json["errorMessages"][0].startswith("The requested API has been removed.")
