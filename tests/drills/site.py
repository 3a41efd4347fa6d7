"""The Jira side of a drill: a seeded sandbox, random work done on it, and its webhook bodies.

The sandbox runs on a frozen clock that every change moves one second on, so that
each version of an issue or a worklog has a time of its own (Jira's ``updated`` has
millisecond precision; two versions in the same instant would make "newest wins"
a coin toss that no connector could get right). Every change's webhook body is
captured, rendered the way the sandbox's own sender renders it, so a drill decides
itself how each one is delivered: dropped, repeated, shuffled, or through the
sandbox's sender with its retries.
"""

from __future__ import annotations

import json
import random
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from oms_connector.sandbox.clock import SandboxClock
from oms_connector.sandbox.faults import FaultPlan
from oms_connector.sandbox.representation import Representation
from oms_connector.sandbox.seed import parse_seed
from oms_connector.sandbox.server import SandboxServer
from oms_connector.sandbox.state import Event, SandboxState, User
from oms_connector.sandbox.webhooks import DeliveryPolicy

EMAIL = "connector@example.com"
JIRA_TOKEN = "drill-jira-token-7f3a9c"
START = datetime(2027, 1, 20, 9, 0, tzinfo=UTC)
"""The sandbox's clock at the start: after every plan's enrolment (see ``connector.PLANS``)."""
WORK_FROM = datetime(2027, 1, 8, tzinfo=UTC)
WORK_UNTIL = datetime(2027, 5, 12, tzinfo=UTC)
"""Work is logged from before the first enrolment to after the last term ends."""
PROJECTS = ("ACME", "GLX", "OTHER")
"""ACME and GLX are mapped to plans; OTHER to none (its work must count for nothing)."""
ISSUE_TYPES = ("Task", "Story", "Bug", "Incident")


def _seed() -> dict[str, Any]:
    return {
        "now": START.isoformat(),
        "users": [
            {
                "accountId": "557058:connector",
                "displayName": "OMS Connector",
                "email": EMAIL,
                "apiToken": JIRA_TOKEN,
            },
            {"accountId": "557058:alice", "displayName": "Alice Able", "timeZone": "Europe/Paris"},
        ],
        "projects": [{"key": key, "name": f"{key.title()} project"} for key in PROJECTS],
    }


@dataclass(frozen=True)
class Captured:
    """One webhook as the sandbox would send it: its event and raw body, and a delivery id."""

    identifier: str
    event: str
    body: bytes


@dataclass
class Site:
    """A running sandbox and the webhook bodies of every change made on it so far."""

    server: SandboxServer
    captured: list[Captured] = field(default_factory=list)
    issue_keys: list[str] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def state(self) -> SandboxState:
        return self.server.state

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def actor(self) -> User:
        return self.state.user("557058:alice")

    def capture(self, event: Event) -> None:
        body = Representation(self.state.catalogue, self.url, version="2").event(event)
        raw = json.dumps(body, ensure_ascii=False).encode()
        with self._lock:
            self.captured.append(Captured(str(uuid.uuid4()), str(event.kind), raw))

    def tick(self) -> None:
        self.state.clock.advance(timedelta(seconds=1))

    def settle(self) -> None:
        """Move past Jira's one-minute lag, so that the incremental endpoints list everything."""
        self.state.clock.advance(timedelta(minutes=5))


@contextmanager
def sandbox(
    *,
    webhook_url: str | None = None,
    webhook_secret: str | None = None,
    policy: DeliveryPolicy | None = None,
    faults: FaultPlan | None = None,
) -> Iterator[Site]:
    """A started sandbox on a frozen clock; with ``webhook_url`` its sender posts every change."""
    server = SandboxServer(
        parse_seed(_seed()),
        webhook_url=webhook_url,
        webhook_secret=webhook_secret,
        policy=policy,
        clock=SandboxClock(START, frozen=True),
        faults=faults,
    )
    site = Site(server)
    server.state.subscribe(site.capture)
    with server:
        yield site


# --- random work -------------------------------------------------------------------------


class Activity:
    """Random but reproducible work on the site: what agency staff do in Jira all month.

    Issues are created, their type or labels changed (which reclassifies them), and work
    is logged, edited (length and start) and deleted. Each change moves the clock on.
    """

    def __init__(self, site: Site, rng: random.Random) -> None:
        self._site = site
        self._rng = rng
        self._worklogs: dict[int, str] = {}
        """Live worklog id -> issue key."""

    def run(self, changes: int) -> None:
        for _ in range(changes):
            self.step()

    def step(self) -> None:
        roll = self._rng.random()
        if not self._site.issue_keys or roll < 0.08:
            self.create_issue()
        elif roll < 0.55 or not self._worklogs:
            self.log_work()
        elif roll < 0.75:
            self.edit_worklog()
        elif roll < 0.85:
            self.delete_worklog()
        else:
            self.edit_issue()
        self._site.tick()

    def create_issue(self) -> None:
        project = self._rng.choices(PROJECTS, weights=(5, 4, 1))[0]
        fields = {
            "project": {"key": project},
            "summary": f"Work item {len(self._site.issue_keys) + 1}",
            "issuetype": {"name": self._rng.choice(ISSUE_TYPES)},
            "labels": ["urgent"] if self._rng.random() < 0.15 else [],
        }
        issue = self._site.state.create_issue(fields, self._site.actor)
        self._site.issue_keys.append(issue.key)

    def log_work(self) -> None:
        key = self._rng.choice(self._site.issue_keys)
        worklog = self._site.state.add_worklog(
            key, self._site.actor, self._started(), self._seconds()
        )
        self._worklogs[worklog.id] = key

    def edit_worklog(self) -> None:
        worklog_id, key = self._rng.choice(sorted(self._worklogs.items()))
        moved = self._rng.random() < 0.3
        self._site.state.update_worklog(
            key,
            str(worklog_id),
            self._site.actor,
            seconds=self._seconds(),
            started=self._started() if moved else None,
        )

    def delete_worklog(self) -> None:
        worklog_id, key = self._rng.choice(sorted(self._worklogs.items()))
        self._site.state.delete_worklog(key, str(worklog_id), self._site.actor)
        del self._worklogs[worklog_id]

    def edit_issue(self) -> None:
        key = self._rng.choice(self._site.issue_keys)
        if self._rng.random() < 0.6:
            fields: dict[str, Any] = {"issuetype": {"name": self._rng.choice(ISSUE_TYPES)}}
        else:
            labels = self._site.state.issue(key).labels
            fields = {"labels": [] if "urgent" in labels else ["urgent"]}
        self._site.state.edit_issue(key, fields, {}, self._site.actor)

    def _started(self) -> datetime:
        span = int((WORK_UNTIL - WORK_FROM).total_seconds() // 60)
        return WORK_FROM + timedelta(minutes=self._rng.randrange(span))

    def _seconds(self) -> int:
        return 60 * self._rng.randrange(15, 240)
