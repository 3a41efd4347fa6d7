"""Builders of Jira JSON in the shapes of the platform REST API (v3 unless told)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

SITE = "https://your-domain.atlassian.net"
"""The server named in Atlassian's OpenAPI description, so recorded requests validate."""

API = f"{SITE}/rest/api/3"
API_V2 = f"{SITE}/rest/api/2"


def adf(*paragraphs: str) -> dict[str, Any]:
    return {
        "type": "doc",
        "version": 1,
        "content": [
            {"type": "paragraph", "content": [{"type": "text", "text": text}]}
            for text in paragraphs
        ],
    }


def worklog(
    worklog_id: int | str,
    issue_id: int | str = "10002",
    *,
    seconds: int = 12000,
    started: str = "2021-01-17T12:34:00.000+0000",
    updated: str = "2021-01-18T23:45:00.000+0000",
    comment: object = None,
    account_id: str = "5b10a2844c20165700ede21g",
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "self": f"{API}/issue/{issue_id}/worklog/{worklog_id}",
        "author": {"accountId": account_id, "displayName": "Mia Krystof", "active": False},
        "id": str(worklog_id),
        "issueId": str(issue_id),
        "started": started,
        "timeSpent": "3h 20m",
        "timeSpentSeconds": seconds,
        "updated": updated,
        "created": updated,
    }
    if comment is not None:
        body["comment"] = comment
    return body


def issue(
    issue_id: int | str,
    key: str,
    *,
    project: str = "ACME",
    summary: str = "Checkout is down",
    description: object = None,
    issue_type: str = "Bug",
    priority: str = "High",
    labels: Iterable[str] = (),
    components: Iterable[str] = (),
    updated: str = "2026-02-03T10:15:00.000+0000",
    **custom: object,
) -> dict[str, Any]:
    return {
        "id": str(issue_id),
        "key": key,
        "self": f"{API}/issue/{issue_id}",
        "fields": {
            "project": {"id": "10000", "key": project, "name": project.title()},
            "summary": summary,
            "description": description,
            "issuetype": {"id": "1", "name": issue_type},
            "priority": {"id": "2", "name": priority},
            "labels": list(labels),
            "components": [{"id": "3", "name": c} for c in components],
            "updated": updated,
            **custom,
        },
    }


def changed(
    ids: Iterable[int],
    *,
    since: int,
    until: int,
    last: bool = True,
    path: str = "worklog/updated",
) -> dict[str, Any]:
    values = [{"worklogId": i, "updatedTime": until, "properties": []} for i in ids]
    page: dict[str, Any] = {
        "self": f"{API}/{path}?since={since}",
        "since": since,
        "until": until,
        "lastPage": last,
        "values": values,
    }
    if not last:
        page["nextPage"] = f"{API}/{path}?since={until}"
    return page
