"""Hand-written fakes for the service ports: a clock, an event parser, an inbox."""

from __future__ import annotations

import json
from collections import Counter
from datetime import datetime, timedelta
from typing import Any

from oms_connector.domain.classification import IssueSnapshot
from oms_connector.domain.worklogs import Worklog
from oms_connector.services.ports import EventFacts, IssueFact, UnusableEventError


class FakeClock:
    def __init__(self, now: datetime) -> None:
        self.current = now

    def now(self) -> datetime:
        return self.current

    def advance(self, delta: timedelta) -> None:
        self.current += delta


class FakeParser:
    """Reads a test-only JSON shape: ``{"worklogs": [...], "issues": [...]}``.

    ``{"fail": "message"}`` raises a RuntimeError (a transient failure); a body that is
    not JSON is unusable. ``seen`` counts the bodies parsed.
    """

    def __init__(self) -> None:
        self.seen: Counter[bytes] = Counter()

    def parse(self, body: bytes) -> EventFacts:
        self.seen[body] += 1
        try:
            document = json.loads(body)
        except ValueError as error:
            raise UnusableEventError("body is not JSON") from error
        if "fail" in document:
            raise RuntimeError(document["fail"])
        return EventFacts(
            issues=tuple(_issue(item) for item in document.get("issues", [])),
            worklogs=tuple(_worklog(item) for item in document.get("worklogs", [])),
        )


class RecordingInbox:
    """An inbox (as the webhook app uses it) recording each delivery; a repeated delivery
    id is not new."""

    def __init__(self) -> None:
        self.received: list[tuple[bytes, str | None, str | None]] = []

    def receive(
        self, body: bytes, delivery_id: str | None = None, event: str | None = None
    ) -> bool:
        new = all(seen != delivery_id for _, seen, _ in self.received)
        self.received.append((body, delivery_id, event))
        return new

    def counts(self) -> dict[str, int]:
        return {}


def _issue(item: dict[str, Any]) -> IssueFact:
    snapshot = IssueSnapshot(
        id=item["id"],
        key=item["key"],
        project_key=item["key"].split("-")[0],
        labels=frozenset(item.get("labels", [])),
    )
    return IssueFact(snapshot, datetime.fromisoformat(item["updated"]))


def _worklog(item: dict[str, Any]) -> Worklog:
    return Worklog(
        id=item["id"],
        issue_id=item["issue_id"],
        started=datetime.fromisoformat(item["started"]),
        seconds=item["seconds"],
        updated=datetime.fromisoformat(item["updated"]),
        deleted=item.get("deleted", False),
    )


def body(**document: Any) -> bytes:
    return json.dumps(document).encode()
