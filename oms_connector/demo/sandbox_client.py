"""The demo's hands in the sandbox Jira: its REST API, as a person at the agency uses Jira."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import requests

from oms_connector.demo.scenario import Drill, Ticket, WorkEntry
from oms_connector.sandbox.documents import document_text

TIMEOUT_SECONDS = 15.0


class DemoError(RuntimeError):
    """The demo could not go on; the message says where it stopped."""


def document(text: str) -> dict[str, Any]:
    """``text`` as an Atlassian Document, the body Jira Cloud takes for rich text."""
    paragraph = {"type": "paragraph", "content": [{"type": "text", "text": text}]}
    return {"type": "doc", "version": 1, "content": [paragraph]}


def jira_time(instant: datetime) -> str:
    """``2026-02-03T10:00:00.000-0500``: Jira's format for ``started``."""
    return instant.strftime("%Y-%m-%dT%H:%M:%S.000%z")


class SandboxClient:
    def __init__(self, url: str, email: str, token: str) -> None:
        self._url = url.rstrip("/")
        self._session = requests.Session()
        self._session.auth = (email, token)

    def close(self) -> None:
        self._session.close()

    def _call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        response = self._session.request(
            method, f"{self._url}{path}", json=body, timeout=TIMEOUT_SECONDS
        )
        if response.status_code >= 400:
            raise DemoError(
                f"sandbox Jira answered {response.status_code} to {method} {path}: "
                f"{response.text[:300]}"
            )
        return response.json() if response.content else None

    # -- Jira --------------------------------------------------------------------------------

    def create_issue(self, ticket: Ticket) -> str:
        fields: dict[str, Any] = {
            "project": {"key": ticket.project},
            "summary": ticket.summary,
            "issuetype": {"name": ticket.issue_type},
            "priority": {"name": ticket.priority},
            "labels": list(ticket.labels),
            "description": document(ticket.summary + "."),
        }
        created = self._call("POST", "/rest/api/3/issue", {"fields": fields})
        key = str(created["key"])
        if key != ticket.key:
            raise DemoError(f"the sandbox created {key} where the story expects {ticket.key}")
        return key

    def log_work(self, entry: WorkEntry) -> str:
        body = {
            "started": jira_time(entry.started),
            "timeSpentSeconds": entry.seconds,
            "comment": document(entry.comment),
        }
        worklog = self._call("POST", f"/rest/api/3/issue/{entry.ticket}/worklog", body)
        return str(worklog["id"])

    def labels(self, key: str) -> list[str]:
        issue = self._call("GET", f"/rest/api/3/issue/{key}?fields=labels")
        return [str(label) for label in issue["fields"]["labels"]]

    def issue_property(self, key: str, name: str) -> Any:
        """The value of the issue's entity property ``name``; ``None`` when it has none."""
        path = f"/rest/api/3/issue/{key}/properties/{name}"
        response = self._session.get(f"{self._url}{path}", timeout=TIMEOUT_SECONDS)
        if response.status_code == 404:
            return None
        if response.status_code >= 400:
            raise DemoError(f"sandbox Jira answered {response.status_code} to GET {path}")
        return response.json()["value"]

    def comment_texts(self, key: str) -> list[str]:
        """The issue's comments as plain text, oldest first."""
        page = self._call("GET", f"/rest/api/3/issue/{key}/comment")
        return [document_text(comment["body"]) for comment in page["comments"]]

    # -- the sandbox's own controls ------------------------------------------------------------

    def clock(self) -> datetime:
        millis = int(self._call("GET", "/_sandbox/clock")["epochMillis"])
        return datetime.fromtimestamp(millis / 1000, UTC)

    def move_clock(self, instant: datetime) -> None:
        """Jump the sandbox's clock forward to ``instant`` (never back)."""
        if instant > self.clock():
            self._call("POST", "/_sandbox/clock", {"now": jira_time(instant)})

    def drill(self, drill: Drill, count: int = 1) -> None:
        """Lose, or deliver twice, the next ``count`` webhooks."""
        key = "drop_next" if drill is Drill.DROP else "duplicate_next"
        self._call("POST", "/_sandbox/webhooks", {key: count})

    def wait_for_deliveries(self) -> dict[str, Any]:
        """Return once every queued webhook is delivered (or given up), with the delivery log."""
        status: dict[str, Any] = self._call("POST", "/_sandbox/webhooks", {"wait": True})
        return status

    def deliveries(self) -> dict[str, Any]:
        status: dict[str, Any] = self._call("GET", "/_sandbox/webhooks")
        return status
