"""Every read endpoint the gateway uses, and the pagination of each."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
import responses
from responses import matchers

from oms_connector.adapters.jira_gateway import (
    CLASSIFICATION_FIELDS,
    Change,
    ChangePage,
    Deployment,
    JiraRequestError,
    JiraResponseError,
    JiraRestGateway,
    resolve_field_id,
)
from oms_connector.adapters.jira_payloads import FieldPayload, IssueFieldIds
from oms_connector.domain.classification import IssueSnapshot
from oms_connector.domain.worklogs import Worklog
from tests.gateway.conftest import TOKEN, GatewayFactory
from tests.gateway.jira_json import API, API_V2, adf, changed, issue, worklog

SINCE = datetime(2015, 7, 27, 16, 14, 31, 562000, tzinfo=UTC)
SINCE_MS = 1438013671562
UNTIL_MS = 1438013693136


def _bodies(http: responses.RequestsMock) -> list[object]:
    return [json.loads(call.request.body or b"null") for call in http.calls]


def test_changed_worklogs_follow_next_page_until_the_last_page(
    http: responses.RequestsMock, gateway: JiraRestGateway
) -> None:
    http.get(
        f"{API}/worklog/updated",
        json=changed([101, 102], since=SINCE_MS, until=UNTIL_MS, last=False),
        match=[matchers.query_param_matcher({"since": str(SINCE_MS)})],
    )
    http.get(
        f"{API}/worklog/updated",
        json=changed([103], since=UNTIL_MS, until=UNTIL_MS + 5000),
        match=[matchers.query_param_matcher({"since": str(UNTIL_MS)})],
    )

    pages = list(gateway.worklog_changes(SINCE))

    until = datetime(2015, 7, 27, 16, 14, 53, 136000, tzinfo=UTC)
    assert pages == [
        ChangePage((Change("101", until), Change("102", until)), until),
        ChangePage((Change("103", until + timedelta(seconds=5)),), until + timedelta(seconds=5)),
    ]
    assert len(http.calls) == 2


def test_deleted_worklogs_follow_next_page_until_the_last_page(
    http: responses.RequestsMock, gateway: JiraRestGateway
) -> None:
    path = "worklog/deleted"
    http.get(
        f"{API}/{path}",
        json=changed([7], since=SINCE_MS, until=UNTIL_MS, last=False, path=path),
        match=[matchers.query_param_matcher({"since": str(SINCE_MS)})],
    )
    http.get(
        f"{API}/{path}",
        json=changed([], since=UNTIL_MS, until=UNTIL_MS, path=path),
        match=[matchers.query_param_matcher({"since": str(UNTIL_MS)})],
    )

    pages = list(gateway.worklog_deletions(SINCE))

    assert [[c.worklog_id for c in p.changes] for p in pages] == [["7"], []]


def test_a_changed_worklog_page_that_does_not_move_on_is_an_error(
    http: responses.RequestsMock, gateway: JiraRestGateway
) -> None:
    page = changed([1], since=SINCE_MS, until=SINCE_MS, last=False)
    http.get(f"{API}/worklog/updated", json=page)

    with pytest.raises(JiraResponseError, match="is not the last page but does not move on"):
        list(gateway.worklog_changes(SINCE))
    assert len(http.calls) == 1


def test_worklogs_by_id_are_fetched_a_thousand_at_a_time(
    http: responses.RequestsMock, gateway: JiraRestGateway
) -> None:
    http.post(
        f"{API}/worklog/list",
        json=[worklog(1, 10002), worklog(2, 10002)],
    )

    found = gateway.worklogs([str(i) for i in range(1, 2501)] + ["1"])

    assert [[*sorted(b["ids"])[:2], len(b["ids"])] for b in _bodies(http)] == [  # type: ignore[index]
        [1, 2, 1000],
        [1001, 1002, 1000],
        [2001, 2002, 500],
    ]
    assert len(found) == 6


def test_a_worklog_from_rest_v3_becomes_the_domain_value(
    http: responses.RequestsMock, gateway: JiraRestGateway
) -> None:
    body = worklog(100028, 10002, comment=adf("I did some work here."))
    http.post(f"{API}/worklog/list", json=[body])

    assert gateway.worklogs(["100028"]) == [
        Worklog(
            id="100028",
            issue_id="10002",
            started=datetime(2021, 1, 17, 12, 34, tzinfo=UTC),
            seconds=12000,
            updated=datetime(2021, 1, 18, 23, 45, tzinfo=UTC),
            author="5b10a2844c20165700ede21g",
        )
    ]


def test_a_worklog_id_that_is_not_a_number_is_refused_before_any_call(
    http: responses.RequestsMock, gateway: JiraRestGateway
) -> None:
    with pytest.raises(ValueError, match="worklog id 'x1' is not a Jira worklog id"):
        gateway.worklogs(["x1"])
    assert len(http.calls) == 0


def test_an_issues_worklogs_are_read_page_by_page_until_the_total(
    http: responses.RequestsMock, gateway: JiraRestGateway
) -> None:
    page = {"maxResults": 5000, "total": 3}
    http.get(
        f"{API}/issue/10002/worklog",
        json={**page, "startAt": 0, "worklogs": [worklog(1), worklog(2)]},
        match=[matchers.query_param_matcher({"startAt": "0", "maxResults": "5000"})],
    )
    http.get(
        f"{API}/issue/10002/worklog",
        json={**page, "startAt": 2, "worklogs": [worklog(3, seconds=60)]},
        match=[matchers.query_param_matcher({"startAt": "2", "maxResults": "5000"})],
    )

    found = gateway.issue_worklogs("10002")

    assert [(w.id, w.issue_id, w.seconds) for w in found] == [
        ("1", "10002", 12000),
        ("2", "10002", 12000),
        ("3", "10002", 60),
    ]
    assert len(http.calls) == 2


def test_an_issue_worklog_page_without_worklogs_ends_the_read(
    http: responses.RequestsMock, gateway: JiraRestGateway
) -> None:
    http.get(f"{API}/issue/10002/worklog", json={"startAt": 0, "total": 7, "worklogs": []})

    assert gateway.issue_worklogs("10002") == []
    assert len(http.calls) == 1


def test_a_malformed_issue_worklog_page_names_what_is_wrong(
    http: responses.RequestsMock, gateway: JiraRestGateway
) -> None:
    http.get(f"{API}/issue/10002/worklog", json={"startAt": 0, "total": 1, "worklogs": [{}]})

    with pytest.raises(JiraResponseError, match=r"issue/10002/worklog page: worklogs\.0\.id"):
        gateway.issue_worklogs("10002")


def test_search_follows_next_page_token_and_asks_only_for_the_fields_classification_reads(
    http: responses.RequestsMock, make_gateway: GatewayFactory
) -> None:
    gateway = make_gateway(field_ids=IssueFieldIds("customfield_10010", "customfield_10020"))
    http.post(f"{API}/search", status=410)
    http.post(f"{API}/search/jql", json={"issues": [issue(1, "ACME-1")], "nextPageToken": "t2"})
    http.post(f"{API}/search/jql", json={"issues": [issue(2, "ACME-2")], "isLast": True})

    pages = list(gateway.search_issues('project in ("ACME") ORDER BY updated ASC'))

    assert [[r.snapshot.key for r in page] for page in pages] == [["ACME-1"], ["ACME-2"]]
    fields = [*CLASSIFICATION_FIELDS, "customfield_10010", "customfield_10020"]
    assert _bodies(http) == [
        {"jql": 'project in ("ACME") ORDER BY updated ASC', "fields": fields, "maxResults": 100},
        {
            "jql": 'project in ("ACME") ORDER BY updated ASC',
            "fields": fields,
            "maxResults": 100,
            "nextPageToken": "t2",
        },
    ]
    assert [c.request.url for c in http.calls] == [f"{API}/search/jql"] * 2


def test_an_issue_from_search_carries_its_snapshot_and_updated_time(
    http: responses.RequestsMock, make_gateway: GatewayFactory
) -> None:
    gateway = make_gateway(field_ids=IssueFieldIds("customfield_10010", "customfield_10020"))
    found = issue(
        10001,
        "ACME-7",
        description=adf("The shop is down.", "Customers cannot pay."),
        labels=["urgent"],
        components=["Checkout"],
        updated="2026-02-03T10:15:00.000+0530",
        customfield_10010={"requestType": {"id": "5", "name": "Report an incident"}},
        customfield_10020={"id": "1", "value": "priority"},
    )
    http.post(f"{API}/search/jql", json={"issues": [found]})

    (page,) = gateway.search_issues("project = ACME")

    (record,) = page
    assert record.snapshot == IssueSnapshot(
        id="10001",
        key="ACME-7",
        project_key="ACME",
        summary="Checkout is down",
        description="The shop is down.\nCustomers cannot pay.",
        issue_type="Bug",
        priority="High",
        labels=frozenset({"urgent"}),
        components=frozenset({"Checkout"}),
        request_type="Report an incident",
        override_field="priority",
    )
    assert record.updated == datetime(2026, 2, 3, 10, 15, tzinfo=timezone(timedelta(minutes=330)))


def test_an_issue_without_its_updated_time_is_a_malformed_answer(
    http: responses.RequestsMock, gateway: JiraRestGateway
) -> None:
    body = issue(1, "ACME-1")
    del body["fields"]["updated"]
    http.post(f"{API}/search/jql", json={"issues": [body]})

    with pytest.raises(JiraResponseError, match="issue ACME-1 without its updated time"):
        list(gateway.search_issues("project = ACME"))


def test_a_malformed_search_page_names_the_field(
    http: responses.RequestsMock, gateway: JiraRestGateway
) -> None:
    body = issue(1, "ACME-1")
    del body["fields"]["project"]
    http.post(f"{API}/search/jql", json={"issues": [body]})

    with pytest.raises(
        JiraResponseError, match=r"^malformed Jira search/jql page: issues.0.fields.project:"
    ):
        list(gateway.search_issues("project = ACME"))


def test_issues_are_fetched_in_bulk_a_hundred_at_a_time(
    http: responses.RequestsMock, gateway: JiraRestGateway
) -> None:
    http.post(
        f"{API}/issue/bulkfetch",
        json={
            "issues": [issue(1, "ACME-1")],
            "issueErrors": [{"id": "999", "errorMessage": "Issue does not exist", "status": 404}],
        },
    )

    found = gateway.issues([str(i) for i in range(1, 251)])

    bodies = _bodies(http)
    assert [len(b["issueIdsOrKeys"]) for b in bodies] == [100, 100, 50]  # type: ignore[index]
    assert bodies[0] == {
        "issueIdsOrKeys": [str(i) for i in range(1, 101)],
        "fields": list(CLASSIFICATION_FIELDS),
    }
    assert [r.snapshot.key for r in found] == ["ACME-1"] * 3


def test_data_center_searches_by_offset_on_rest_v2(
    http: responses.RequestsMock, make_gateway: GatewayFactory
) -> None:
    gateway = make_gateway(Deployment.DATA_CENTER)
    http.post(
        f"{API_V2}/search",
        json={"startAt": 0, "total": 3, "issues": [issue(1, "A-1"), issue(2, "A-2")]},
    )
    http.post(f"{API_V2}/search", json={"startAt": 2, "total": 3, "issues": [issue(3, "A-3")]})

    pages = list(gateway.search_issues("project = A"))

    assert [[r.snapshot.key for r in p] for p in pages] == [["A-1", "A-2"], ["A-3"]]
    assert [b["startAt"] for b in _bodies(http)] == [0, 2]  # type: ignore[index]
    assert http.calls[0].request.headers["Authorization"] == f"Bearer {TOKEN}"


def test_data_center_fetches_issues_by_id_through_a_lenient_search(
    http: responses.RequestsMock, make_gateway: GatewayFactory
) -> None:
    gateway = make_gateway(Deployment.DATA_CENTER)
    http.post(f"{API_V2}/search", json={"startAt": 0, "total": 1, "issues": [issue(5, "A-5")]})

    found = gateway.issues(["5", "6"])

    assert [r.snapshot.id for r in found] == ["5"]
    assert _bodies(http) == [
        {
            "jql": 'issue in ("5", "6")',
            "fields": list(CLASSIFICATION_FIELDS),
            "startAt": 0,
            "maxResults": 100,
            "validateQuery": "warn",
        }
    ]


def test_cloud_uses_basic_auth_with_the_user_and_token(
    http: responses.RequestsMock, gateway: JiraRestGateway
) -> None:
    http.get(f"{API}/field", json=[])

    gateway.fields()

    assert http.calls[0].request.headers["Authorization"] == (
        "Basic Ym90QGV4YW1wbGUuY29tOnMzY3JldC1hcGktdG9rZW4="
    )


def test_the_field_list_resolves_a_configured_field_by_id_key_or_name(
    http: responses.RequestsMock, gateway: JiraRestGateway
) -> None:
    http.get(
        f"{API}/field",
        json=[
            {"id": "summary", "key": "summary", "name": "Summary", "custom": False},
            {
                "id": "customfield_10010",
                "key": "customfield_10010",
                "name": "Request Type",
                "custom": True,
                "clauseNames": ["cf[10010]", "Request Type"],
            },
        ],
    )

    fields = gateway.fields()

    assert [(f.id, f.name, f.custom) for f in fields] == [
        ("summary", "Summary", False),
        ("customfield_10010", "Request Type", True),
    ]
    assert resolve_field_id(fields, "request type") == "customfield_10010"
    assert resolve_field_id(fields, "customfield_10010") == "customfield_10010"


def test_the_account_time_zone_is_asked_once(
    http: responses.RequestsMock, gateway: JiraRestGateway
) -> None:
    http.get(f"{API}/myself", json={"accountId": "abc", "timeZone": "Asia/Kolkata"})

    assert gateway.user_timezone() == ZoneInfo("Asia/Kolkata")
    assert gateway.user_timezone() == ZoneInfo("Asia/Kolkata")
    assert len(http.calls) == 1


@pytest.mark.parametrize("zone", [None, "", "Mars/Olympus_Mons"])
def test_an_unknown_account_time_zone_is_none(
    http: responses.RequestsMock, gateway: JiraRestGateway, zone: str | None
) -> None:
    http.get(f"{API}/myself", json={"accountId": "abc", "timeZone": zone})

    assert gateway.user_timezone() is None


@pytest.mark.parametrize(
    ("wanted", "message"),
    [
        ("Customer Tier", "Jira has no field named 'Customer Tier'"),
        (
            "Team",
            "Jira has several fields named 'Team' (customfield_1, customfield_2): configure the id",
        ),
    ],
)
def test_a_field_name_that_is_missing_or_ambiguous_is_refused(wanted: str, message: str) -> None:
    fields = [
        FieldPayload(id="customfield_1", name="Team"),
        FieldPayload(id="customfield_2", name="team"),
    ]

    with pytest.raises(JiraRequestError) as raised:
        resolve_field_id(fields, wanted)
    assert str(raised.value) == message
