"""Issues: edits with their changelog, custom fields, properties, comments, auth."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from oms_connector.sandbox.clock import SandboxClock
from oms_connector.sandbox.documents import text_document
from oms_connector.sandbox.state import Event, EventKind, SandboxState
from tests.sandbox.conftest import JiraClient, basic

API = "/rest/api/3"


@pytest.fixture
def events(state: SandboxState) -> list[Event]:
    seen: list[Event] = []
    state.subscribe(seen.append)
    return seen


def _item(field: str, kind: str, field_id: str, *values: str | None) -> dict[str, Any]:
    old, old_text, new, new_text = values
    return {
        "field": field,
        "fieldtype": kind,
        "fieldId": field_id,
        "from": old,
        "fromString": old_text,
        "to": new,
        "toString": new_text,
    }


@pytest.mark.parametrize(
    ("body", "items"),
    [
        (
            {"update": {"labels": [{"add": "oms-planned"}, {"remove": "maintenance"}]}},
            [_item("labels", "jira", "labels", None, "maintenance", None, "oms-planned")],
        ),
        (
            {"fields": {"labels": ["a", "b"]}},
            [_item("labels", "jira", "labels", None, "maintenance", None, "a b")],
        ),
        (
            {"fields": {"customfield_10050": {"value": "OMS"}}},
            [
                _item(
                    "Work type override", "custom", "customfield_10050", None, None, "10100", "OMS"
                )
            ],
        ),
        (
            {"fields": {"priority": {"name": "Highest"}, "summary": "Plugins"}},
            [
                _item(
                    "summary", "jira", "summary", None, "Monthly plugin updates", None, "Plugins"
                ),
                _item("priority", "jira", "priority", "3", "Medium", "1", "Highest"),
            ],
        ),
        (
            {"fields": {"components": [{"name": "Hosting"}]}},
            [
                _item("Component", "jira", "components", "100000", "Website", None, None),
                _item("Component", "jira", "components", None, None, "100001", "Hosting"),
            ],
        ),
        (
            {"fields": {"description": text_document("Only plugins.")}},
            [
                _item(
                    "description",
                    "jira",
                    "description",
                    None,
                    "Update every plugin.\nCheck the shop.",
                    None,
                    "Only plugins.",
                )
            ],
        ),
        (
            {"fields": {"customfield_10061": "oms", "customfield_10060": 6.5}},
            [
                _item(
                    "OMS hours remaining", "custom", "customfield_10060", None, None, None, "6.5"
                ),
                _item("OMS work type", "custom", "customfield_10061", None, None, None, "oms"),
            ],
        ),
    ],
    ids=[
        "label operations",
        "labels set",
        "select",
        "system fields",
        "components",
        "description",
        "text and number",
    ],
)
def test_an_edit_announces_its_changelog_and_moves_the_update_time(
    jira: JiraClient,
    clock: SandboxClock,
    events: list[Event],
    body: dict[str, Any],
    items: list[dict[str, Any]],
) -> None:
    clock.advance(timedelta(minutes=3))

    response = jira.put(f"{API}/issue/ACME-1", body)
    updated = jira.get(f"{API}/issue/ACME-1", fields="updated").json

    assert response.status_code == 204
    assert [(e.kind, list(e.changelog)) for e in events] == [(EventKind.ISSUE_UPDATED, items)]
    assert events[0].actor.account_id == "557058:bot"
    assert updated is not None
    assert updated["fields"]["updated"] == "2026-02-01T09:03:00.000+0000"


def test_an_edit_that_changes_nothing_announces_nothing(
    jira: JiraClient, events: list[Event]
) -> None:
    response = jira.put(f"{API}/issue/ACME-1", {"update": {"labels": [{"add": "maintenance"}]}})
    issue = jira.get(f"{API}/issue/ACME-1", fields="updated").json

    assert response.status_code == 204
    assert events == []
    assert issue is not None
    assert issue["fields"]["updated"] == "2026-01-20T10:00:00.000+0000"


def test_clearing_a_custom_field_removes_its_value(jira: JiraClient) -> None:
    jira.put(f"{API}/issue/ACME-2", {"fields": {"customfield_10050": None}})

    issue = jira.get(f"{API}/issue/ACME-2", fields="customfield_10050").json

    assert issue is not None
    assert issue["fields"] == {"customfield_10050": None}


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        (
            {"fields": {"customfield_10050": "oms"}},
            {
                "customfield_10050": (
                    "The value 'oms' is not valid for the field 'Work type override'."
                )
            },
        ),
        (
            {"fields": {"labels": ["two words"]}},
            {"labels": "The label 'two words' contains spaces which is invalid."},
        ),
        (
            {"fields": {"description": "plain text"}},
            {
                "description": (
                    "Operation value must be an Atlassian Document (see the Atlassian "
                    "Document Format)"
                )
            },
        ),
        (
            {"fields": {"status": {"name": "Done"}}},
            {
                "status": (
                    "Field 'status' cannot be set. It is not on the appropriate screen, or unknown."
                )
            },
        ),
        (
            {"update": {"components": [{"add": {"name": "Hosting"}}]}},
            {
                "components": (
                    "Field 'components' cannot be updated with operations in the sandbox "
                    "(only labels)."
                )
            },
        ),
        (
            {"fields": {"customfield_10060": "6.5", "summary": ""}},
            {
                "customfield_10060": (
                    "The value '6.5' is not valid for the field 'OMS hours remaining'."
                ),
                "summary": "The summary must be 1 to 255 characters.",
            },
        ),
    ],
    ids=[
        "select as a string",
        "label with a space",
        "text description",
        "status",
        "component operations",
        "two errors",
    ],
)
def test_a_bad_edit_is_refused_whole_naming_each_field(
    jira: JiraClient, events: list[Event], body: dict[str, Any], errors: dict[str, str]
) -> None:
    before = jira.get(f"{API}/issue/ACME-1").json

    response = jira.put(f"{API}/issue/ACME-1", body)

    assert response.status_code == 400
    assert response.json == {"errorMessages": [], "errors": errors}
    assert jira.get(f"{API}/issue/ACME-1").json == before
    assert events == []


def test_a_created_issue_gets_the_next_key_and_is_announced(
    jira: JiraClient, events: list[Event]
) -> None:
    body = {
        "fields": {
            "project": {"key": "ACME"},
            "summary": "Renew the certificate",
            "issuetype": {"name": "Task"},
            "labels": ["urgent"],
            "customfield_10010": "Emergency",
        }
    }

    created = jira.post(f"{API}/issue", body).json
    fetched = jira.get(f"{API}/issue/ACME-3", fields="labels,created,customfield_10010").json

    assert created == {
        "id": "10003",
        "key": "ACME-3",
        "self": "https://your-domain.atlassian.net/rest/api/3/issue/10003",
    }
    assert fetched is not None
    assert fetched["fields"]["labels"] == ["urgent"]
    assert fetched["fields"]["created"] == "2026-02-01T09:00:00.000+0000"
    assert fetched["fields"]["customfield_10010"]["requestType"]["name"] == "Emergency"
    assert [(e.kind, e.issue.key if e.issue else None) for e in events] == [
        (EventKind.ISSUE_CREATED, "ACME-3")
    ]


def test_bulk_fetch_returns_issues_by_id_or_key_and_an_error_for_each_missing_one(
    jira: JiraClient,
) -> None:
    body = {"issueIdsOrKeys": ["10001", "ACME-1", "ACME-99"], "fields": ["summary"]}

    page = jira.post(f"{API}/issue/bulkfetch", body).json

    assert page is not None
    assert [(i["key"], i["fields"]) for i in page["issues"]] == [
        ("ACME-2", {"summary": "Shop is down"}),
        ("ACME-1", {"summary": "Monthly plugin updates"}),
    ]
    assert page["issueErrors"] == [
        {
            "id": "ACME-99",
            "errorMessage": "Issue does not exist or you do not have permission to see it.",
        }
    ]


def test_a_property_is_stored_as_given_and_read_back(jira: JiraClient) -> None:
    value = {"plan": "acme", "work_type": "oms", "remaining_hours": "6.50", "nested": [1, None]}

    created = jira.put(f"{API}/issue/ACME-1/properties/oms.plan", value)
    read = jira.get(f"{API}/issue/ACME-1/properties/oms.plan").json

    assert (created.status_code, created.data) == (201, b"")
    assert read == {"key": "oms.plan", "value": value}


def test_a_property_over_32768_bytes_is_refused(jira: JiraClient) -> None:
    response = jira.put(f"{API}/issue/ACME-1/properties/big", {"text": "x" * 32768})

    assert response.status_code == 400
    assert response.json == {
        "errorMessages": ["The property value is 32780 bytes; the limit is 32768."],
        "errors": {},
    }


def test_comments_are_added_in_adf_and_listed(jira: JiraClient, clock: SandboxClock) -> None:
    body = text_document("Planned OMS work: 6.50 h left this month.")

    added = jira.post(f"{API}/issue/ACME-1/comment", {"body": body}).json
    clock.advance(timedelta(seconds=5))
    listed = jira.get(f"{API}/issue/ACME-1/comment").json

    assert added is not None
    assert listed is not None
    assert (listed["total"], listed["comments"][0]["id"]) == (1, added["id"])
    assert listed["comments"][0]["body"] == body
    assert listed["comments"][0]["created"] == "2026-02-01T09:00:00.000+0000"


@pytest.mark.parametrize(
    "authorization",
    [
        None,
        basic("bot@example.com", "wrong"),
        basic("nobody@example.com", "s3cret-token-0123456789"),
        "Bearer x",
        "Basic %%%",
    ],
    ids=["none", "wrong token", "unknown user", "bearer", "not base64"],
)
def test_requests_without_a_seeded_users_credentials_get_401(
    jira: JiraClient, authorization: str | None
) -> None:
    jira.auth = authorization or ""

    response = jira.call("GET", f"{API}/issue/ACME-1", validate=False)

    assert response.status_code == 401
    assert response.json == {
        "errorMessages": ["You are not authenticated. Authentication required."],
        "errors": {},
    }


def test_myself_answers_the_authenticated_user(jira: JiraClient) -> None:
    me = jira.get(f"{API}/myself").json

    assert me is not None
    assert (me["accountId"], me["emailAddress"], me["timeZone"]) == (
        "557058:bot",
        "bot@example.com",
        "UTC",
    )


def test_fields_list_the_custom_fields_with_their_clause_names(jira: JiraClient) -> None:
    fields = jira.get(f"{API}/field").json

    assert fields is not None
    override = next(f for f in fields if f["name"] == "Work type override")
    assert override == {
        "id": "customfield_10050",
        "key": "customfield_10050",
        "name": "Work type override",
        "custom": True,
        "orderable": True,
        "navigable": True,
        "searchable": True,
        "clauseNames": ["cf[10050]", "Work type override"],
        "schema": {
            "type": "option",
            "custom": "com.atlassian.jira.plugin.system.customfieldtypes:select",
            "customId": 10050,
        },
    }


def test_the_clock_control_moves_time_forward_only(jira: JiraClient) -> None:
    advanced = jira.call("POST", "/_sandbox/clock", body={"advanceSeconds": 90}).json
    moved = jira.call("POST", "/_sandbox/clock", body={"now": "2026-03-01T00:00:00Z"}).json
    backwards = jira.call("POST", "/_sandbox/clock", body={"now": "2026-01-01T00:00:00Z"})

    assert advanced == {"now": "2026-02-01T09:01:30.000+0000", "epochMillis": 1769936490000}
    assert moved is not None
    assert moved["now"] == "2026-03-01T00:00:00.000+0000"
    assert backwards.status_code == 400
    assert backwards.json == {
        "errorMessages": ["the sandbox clock only moves forward"],
        "errors": {},
    }


def test_the_state_hands_out_copies_not_its_own_objects(state: SandboxState) -> None:
    issue = state.issue("ACME-1")
    issue.labels.append("tampered")

    assert state.issue("ACME-1").labels == ["maintenance"]


def test_a_refused_creation_uses_up_no_id_or_key(jira: JiraClient) -> None:
    fields = {"project": {"key": "ACME"}, "summary": "Renew", "issuetype": {"name": "Task"}}

    refused = jira.post(f"{API}/issue", {"fields": {**fields, "labels": ["two words"]}})
    created = jira.post(f"{API}/issue", {"fields": fields}).json

    assert refused.status_code == 400
    assert created is not None
    assert (created["id"], created["key"]) == ("10003", "ACME-3")
