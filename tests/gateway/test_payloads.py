"""Parsing Jira JSON (REST v2 and v3, webhook members) into domain values."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from oms_connector.adapters.jira_payloads import (
    ChangedWorklogsPayload,
    IssueFieldIds,
    IssuePayload,
    PayloadError,
    WorklogPayload,
    document_text,
    parse,
)
from oms_connector.domain.classification import IssueSnapshot
from oms_connector.domain.worklogs import Worklog
from tests.gateway.jira_json import adf, issue, worklog

IST = timezone(timedelta(hours=5, minutes=30))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2021-01-17T12:34:00.000+0000", datetime(2021, 1, 17, 12, 34, tzinfo=UTC)),
        ("2026-09-21T08:16:58.108+0530", datetime(2026, 9, 21, 8, 16, 58, 108000, tzinfo=IST)),
        ("2026-09-21T08:16:58.108+05:30", datetime(2026, 9, 21, 8, 16, 58, 108000, tzinfo=IST)),
        (
            "2019-08-27T12:43:24.193-0700",
            datetime(2019, 8, 27, 12, 43, 24, 193000, tzinfo=timezone(timedelta(hours=-7))),
        ),
        ("2021-01-17T12:34:00Z", datetime(2021, 1, 17, 12, 34, tzinfo=UTC)),
    ],
)
def test_jira_times_keep_their_offset(text: str, expected: datetime) -> None:
    parsed = parse(WorklogPayload, worklog(1, started=text), "worklog").started

    assert parsed == expected
    assert parsed.utcoffset() == expected.utcoffset()


@pytest.mark.parametrize(
    ("raw", "worklog_id"),
    [("10066", "10066"), (10066, "10066"), (" 7 ", "7")],
)
def test_ids_given_as_strings_or_integers_become_strings(raw: object, worklog_id: str) -> None:
    body = worklog(1, issue_id=10014)
    body["id"] = raw

    parsed = parse(WorklogPayload, body, "worklog").to_worklog()

    assert (parsed.id, parsed.issue_id) == (worklog_id, "10014")


@pytest.mark.parametrize(
    ("comment", "text"),
    [
        ("plain v2 comment", "plain v2 comment"),
        (adf("I did some work here.", "And more."), "I did some work here.\nAnd more."),
        (None, ""),
    ],
)
def test_a_worklog_comment_is_read_from_a_string_or_a_document(comment: object, text: str) -> None:
    body = worklog(1)
    body["comment"] = comment

    assert parse(WorklogPayload, body, "worklog").comment_text == text


def test_a_data_center_worklog_author_is_its_user_name() -> None:
    body = worklog(1)
    body["author"] = {"name": "jsmith", "key": "JIRAUSER10100", "displayName": "J Smith"}

    assert parse(WorklogPayload, body, "worklog").to_worklog().author == "jsmith"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"started": "yesterday"}, "started: expected a time like 2021-01-17T12:34:00.000+0000"),
        ({"started": "2021-01-17T12:34:00.000"}, "started: time '2021-01-17T12:34:00.000' has no"),
        ({"timeSpentSeconds": "3600"}, "timeSpentSeconds: Input should be a valid integer"),
        ({"timeSpentSeconds": -1}, "timeSpentSeconds: Input should be greater than or equal to 0"),
        ({"id": True}, "id: expected an id (string or integer)"),
        ({"id": "10,11"}, "id: expected a worklog id made of decimal digits, got '10,11'"),
        ({"id": "w-1"}, "id: expected a worklog id made of decimal digits, got 'w-1'"),
        ({"id": -5}, "id: expected a worklog id made of decimal digits, got '-5'"),
        (
            {"id": "\u0661\u0662"},
            "id: expected a worklog id made of decimal digits, got '\u0661\u0662'",
        ),
        ({"issueId": ""}, "issueId: expected a non-empty id"),
        ({"updated": None}, "updated: expected a time like"),
    ],
)
def test_a_malformed_worklog_names_the_field(change: dict[str, Any], message: str) -> None:
    body = worklog(1) | change

    with pytest.raises(PayloadError, match=r"^malformed Jira worklog: ") as raised:
        parse(WorklogPayload, body, "worklog")
    assert message in str(raised.value)


def test_a_worklog_missing_a_field_says_which() -> None:
    body = worklog(1)
    del body["timeSpentSeconds"]

    with pytest.raises(PayloadError) as raised:
        parse(WorklogPayload, body, "worklog")
    assert str(raised.value) == "malformed Jira worklog: timeSpentSeconds: Field required"


@pytest.mark.parametrize(
    ("description", "text"),
    [
        ("v2 plain text", "v2 plain text"),
        (None, ""),
        (adf("First.", "Second."), "First.\nSecond."),
        (
            {
                "type": "doc",
                "version": 1,
                "content": [
                    {
                        "type": "paragraph",
                        "content": [
                            {"type": "text", "text": "Ping "},
                            {"type": "mention", "attrs": {"id": "1", "text": "@Ana"}},
                            {"type": "hardBreak"},
                            {"type": "text", "text": "see ", "marks": [{"type": "strong"}]},
                            {"type": "inlineCard", "attrs": {"url": "https://x.test/1"}},
                        ],
                    },
                    {
                        "type": "bulletList",
                        "content": [
                            {
                                "type": "listItem",
                                "content": [
                                    {
                                        "type": "paragraph",
                                        "content": [{"type": "text", "text": "a"}],
                                    }
                                ],
                            }
                        ],
                    },
                ],
            },
            "Ping @Ana\nsee https://x.test/1\na",
        ),
    ],
)
def test_a_description_is_plain_text_from_a_string_or_a_document(
    description: object, text: str
) -> None:
    body = issue(1, "ACME-1", description=description)

    assert parse(IssuePayload, body, "issue").to_snapshot().description == text


@pytest.mark.parametrize(
    ("value", "request_type", "override"),
    [
        ({"requestType": {"name": "Report an incident"}}, "Report an incident", ""),
        ("Get IT help", "Get IT help", "Get IT help"),
        ({"value": "priority", "id": "10001"}, "priority", "priority"),
        ([{"value": "oms", "id": "10002"}], "oms", "oms"),
        ([{"value": "oms"}, {"value": "priority"}], "", ""),
        (None, "", ""),
        (42, "", ""),
    ],
)
def test_configured_custom_fields_are_read_as_text(
    value: object, request_type: str, override: str
) -> None:
    body = issue(1, "ACME-1", customfield_10010=value)
    payload = parse(IssuePayload, body, "issue")

    assert payload.to_snapshot(IssueFieldIds(request_type="customfield_10010")).request_type == (
        request_type
    )
    assert payload.to_snapshot(IssueFieldIds(override="customfield_10010")).override_field == (
        override
    )


def test_unconfigured_custom_fields_are_ignored() -> None:
    body = issue(1, "ACME-1", customfield_10010={"requestType": {"name": "x"}})

    snapshot = parse(IssuePayload, body, "issue").to_snapshot()

    assert (snapshot.request_type, snapshot.override_field) == ("", "")


def test_an_issue_with_only_a_project_has_empty_classification_fields() -> None:
    body = {"id": 10013, "key": "ACME-9", "fields": {"project": {"key": "ACME"}}}

    snapshot = parse(IssuePayload, body, "issue").to_snapshot()

    assert (snapshot.id, snapshot.summary, snapshot.labels, snapshot.components) == (
        "10013",
        "",
        frozenset(),
        frozenset(),
    )


def test_a_changed_worklog_list_is_parsed_with_its_paging() -> None:
    body = {
        "lastPage": False,
        "nextPage": "https://your-domain.atlassian.net/api/~ver~/worklog/updated?since=1438013693136",
        "self": "https://your-domain.atlassian.net/api/~ver~/worklog/updated?since=1438013671562",
        "since": 1438013671562,
        "until": 1438013693136,
        "values": [
            {"properties": [], "updatedTime": 1438013671562, "worklogId": 103},
            {"properties": [], "updatedTime": 1438013693136, "worklogId": "104"},
        ],
    }

    page = parse(ChangedWorklogsPayload, body, "changed worklogs")

    assert page.worklog_ids == ["103", "104"]
    assert page.until_time == datetime(2015, 7, 27, 16, 14, 53, 136000, tzinfo=UTC)
    assert (page.last_page, page.values[0].updated) == (
        False,
        datetime(2015, 7, 27, 16, 14, 31, 562000, tzinfo=UTC),
    )


def test_a_changed_worklog_list_without_values_is_malformed() -> None:
    with pytest.raises(PayloadError) as raised:
        parse(ChangedWorklogsPayload, {"lastPage": True}, "worklog/deleted page")
    assert str(raised.value) == "malformed Jira worklog/deleted page: values: Field required"


def test_a_changed_worklog_id_that_is_not_decimal_digits_is_malformed() -> None:
    body = {"values": [{"updatedTime": 1438013671562, "worklogId": "103,104"}]}
    with pytest.raises(PayloadError) as raised:
        parse(ChangedWorklogsPayload, body, "worklog/updated page")
    assert str(raised.value) == (
        "malformed Jira worklog/updated page: values.0.worklogId: "
        "expected a worklog id made of decimal digits, got '103,104'"
    )


def test_document_text_ignores_nodes_it_does_not_know() -> None:
    assert document_text({"type": "doc", "content": [{"type": "media", "attrs": {}}, 7]}) == ""


FIXTURES = Path(__file__).parent.parent / "fixtures" / "jira_webhooks"


def _fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    ("name", "seconds", "updated"),
    [
        (
            "zulip/worklog_created.json",
            144000,
            datetime(2026, 9, 23, 0, 18, 35, 652000, tzinfo=IST),
        ),
        (
            "zulip/worklog_updated.json",
            115200,
            datetime(2026, 9, 23, 0, 19, 13, 744000, tzinfo=IST),
        ),
    ],
)
def test_the_worklog_member_of_a_captured_webhook_parses(
    name: str, seconds: int, updated: datetime
) -> None:
    parsed = parse(WorklogPayload, _fixture(name)["worklog"], "worklog").to_worklog()

    assert parsed == Worklog(
        id="10066",
        issue_id="10014",
        started=datetime(2026, 9, 21, 8, 16, 58, 108000, tzinfo=IST),
        seconds=seconds,
        updated=updated,
        author="99:27935d01-92a7-4687-8272-a9b8d3b2ae2e",
    )


def test_the_issue_member_of_a_captured_server_webhook_parses() -> None:
    payload = parse(IssuePayload, _fixture("zulip/issue_created.json")["issue"], "issue")

    assert payload.to_snapshot() == IssueSnapshot(
        id="10400",
        key="BUG-15",
        project_key="BUG",
        summary="New bug with hook",
        description="Fix me please",
        issue_type="Bug",
        priority="Major",
    )
    assert payload.updated == datetime(2013, 3, 27, 16, 53, 58, 301000, tzinfo=UTC)


def test_a_captured_cloud_issue_with_many_custom_fields_reads_the_configured_one() -> None:
    body = _fixture("mattermost-plugin-jira/webhook-cloud-issue-created-many-fields.json")

    snapshot = parse(IssuePayload, body["issue"], "issue").to_snapshot(
        IssueFieldIds(override="customfield_10074")
    )

    assert (snapshot.key, snapshot.labels, snapshot.override_field) == (
        "KT-22",
        frozenset({"Label1", "Label2"}),
        "A",
    )
