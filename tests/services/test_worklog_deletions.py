"""A worklog is deleted only on positive evidence, never because ``worklog/list`` left it out.

``worklog/list`` returns only the worklogs the connector's account may view, so a
``jira:worklog_updated`` naming a restricted worklog must not delete it.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pytest

from oms_connector.adapters.webhook_payloads import WebhookBodies
from oms_connector.domain.worklogs import Worklog
from oms_connector.services.events import JiraEvents
from oms_connector.services.ports import EventFacts, Store
from tests.services.builders import T0, ingest_for, issue, later, worklog
from tests.services.fakes import FakeClock

WEBHOOKS = Path(__file__).resolve().parents[1] / "fixtures" / "jira_webhooks" / "zulip"


@dataclass
class Jira:
    """The two reads the event handlers make; ``worklog/list`` answers from ``visible``."""

    visible: dict[str, Worklog] = field(default_factory=dict)

    def worklogs(self, ids: Sequence[str]) -> list[Worklog]:
        return [self.visible[i] for i in ids if i in self.visible]

    def issues(self, ids: Sequence[str]) -> list[object]:
        return []


def events(store: Store, clock: FakeClock, jira: Jira) -> JiraEvents:
    return JiraEvents(WebhookBodies(), store, jira, clock)  # type: ignore[arg-type]


def apply(store: Store, clock: FakeClock, facts: EventFacts) -> None:
    with store.unit_of_work() as uow:
        ingest_for(clock).apply(uow, facts)
        uow.commit()


def stored(store: Store, worklog_id: str) -> Worklog | None:
    with store.unit_of_work() as uow:
        return uow.worklogs.get(worklog_id)


def restricted_worklog(hours: int = 5, updated: datetime = T0) -> Worklog:
    return worklog("10201", issue_id="10022", hours=hours, updated=updated)


def test_a_worklog_that_worklog_list_does_not_return_is_left_as_stored(
    store: Store, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    apply(store, clock, EventFacts(issues=(issue("10022", "ACME-23"),)))
    apply(store, clock, EventFacts(worklogs=(restricted_worklog(),)))
    body = (WEBHOOKS / "worklog_updated__deleted.json").read_bytes()

    facts = events(store, clock, Jira()).parse(body)
    apply(store, clock, facts)

    assert facts == EventFacts()
    assert stored(store, "10201") == restricted_worklog()
    assert [(r.levelno, r.getMessage()) for r in caplog.records] == [
        (
            logging.WARNING,
            "jira:worklog_updated for issue 10022: worklog/list did not return 1 of the "
            "worklogs it names (deleted, or not visible to the connector's account); they are "
            "left as stored",
        )
    ]


def test_a_restricted_worklog_edited_later_counts_with_its_new_values(
    store: Store, clock: FakeClock
) -> None:
    apply(store, clock, EventFacts(issues=(issue("10022", "ACME-23"),)))
    apply(store, clock, EventFacts(worklogs=(restricted_worklog(),)))
    body = (WEBHOOKS / "worklog_updated__deleted.json").read_bytes()
    apply(store, clock, events(store, clock, Jira()).parse(body))

    edited = restricted_worklog(hours=6, updated=later(10_000))
    apply(store, clock, EventFacts(worklogs=(edited,)))

    assert stored(store, "10201") == edited
    with store.unit_of_work() as uow:
        assert [(w.worklog_id, w.seconds) for w in uow.worklogs.logged_work(["ACME"])] == [
            ("10201", 6 * 3600)
        ]


def test_worklogs_that_worklog_list_returns_are_stored_with_their_values(
    store: Store, clock: FakeClock
) -> None:
    apply(store, clock, EventFacts(issues=(issue("10022", "ACME-23"),)))
    current = restricted_worklog(hours=7, updated=later(5))
    body = (WEBHOOKS / "worklog_updated__deleted.json").read_bytes()

    facts = events(store, clock, Jira(visible={"10201": current})).parse(body)

    assert facts == EventFacts(worklogs=(current,))


def test_a_worklog_deleted_webhook_still_deletes_the_stored_worklog(
    store: Store, clock: FakeClock
) -> None:
    logged = worklog(
        "10033",
        issue_id="10014",
        hours=2,
        updated=datetime(2026, 9, 1, tzinfo=UTC),
    )
    apply(store, clock, EventFacts(worklogs=(logged,)))
    body = (WEBHOOKS / "worklog_deleted.json").read_bytes()

    apply(store, clock, events(store, clock, Jira()).parse(body))

    deleted = stored(store, "10033")
    assert deleted is not None
    assert (deleted.seconds, deleted.deleted) == (2 * 3600, True)
