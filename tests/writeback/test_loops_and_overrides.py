"""The connector's own label writes coming back, and overrides explained with who set them."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime

import pytest

from oms_connector.adapters.webhook_payloads import WebhookBodies
from oms_connector.domain.classification import Decision, ReasonKind, WorkType
from oms_connector.services.events import JiraEvents
from oms_connector.services.ingest import Ingest
from oms_connector.services.overrides import attribute_override
from oms_connector.services.ports import EventFacts, StoredIssue
from oms_connector.services.writeback import only_own_labels_changed
from tests.domain.builders import NEW_YORK
from tests.gateway.jira_json import issue
from tests.services.builders import CLASSIFIER
from tests.services.memory_store import MemoryStore
from tests.writeback.board import FixedClock, open_gateway, plan, seed, stored_issue

OWN = frozenset({"oms-planned", "priority-support"})
PRIORITY_OVERRIDE = Decision(
    WorkType.PRIORITY, ReasonKind.OVERRIDE, "override: label oms-override-priority"
)
JANE = "override: label oms-override-priority, set by Jane Doe"


def updated_event(labels: list[str], *, by: str = "Jane Doe") -> bytes:
    body = {
        "timestamp": 1795000000000,
        "webhookEvent": "jira:issue_updated",
        "issue_event_type_name": "issue_updated",
        "user": {"accountId": "5b10ac8d82e05b22cc7d4ef5", "displayName": by},
        "issue": issue(10001, "ACME-1", labels=labels, updated="2026-12-01T10:00:00.000-0500"),
        "changelog": {"id": "1", "items": [{"field": "labels", "fieldId": "labels"}]},
    }
    return json.dumps(body).encode()


def stored_from_jira(store: MemoryStore, labels: list[str]) -> None:
    """What ingest stored for ACME-1 as the fixture builder describes it."""
    snapshot = WebhookBodies().issue(updated_event(labels)).snapshot
    seed(store, [replace(stored_issue(), snapshot=snapshot)])


def events(store: MemoryStore) -> JiraEvents:
    gateway = open_gateway()
    gateway.close()  # never called: the issue is known
    return JiraEvents(WebhookBodies(), store, gateway, FixedClock(), own_labels=OWN)


def test_an_update_that_only_adds_the_connectors_label_is_not_ingested() -> None:
    store = MemoryStore()
    stored_from_jira(store, ["seo"])

    assert events(store).parse(updated_event(["seo", "oms-planned"])) == EventFacts()


@pytest.mark.parametrize(
    "labels",
    [["seo", "oms-planned", "urgent"], ["oms-override-priority"], []],
    ids=["another label too", "an override label", "a label removed"],
)
def test_an_update_touching_other_labels_is_ingested(labels: list[str]) -> None:
    store = MemoryStore()
    stored_from_jira(store, ["seo"])

    facts = events(store).parse(updated_event(labels))

    assert [f.snapshot.labels for f in facts.issues] == [frozenset(labels)]
    assert [f.changed_by for f in facts.issues] == ["Jane Doe"]


@pytest.mark.parametrize(
    ("new", "stored", "expected"),
    [
        ({"seo", "oms-planned"}, {"seo"}, True),
        ({"seo"}, {"seo", "priority-support"}, True),
        ({"seo"}, {"seo"}, False),
        ({"seo", "urgent"}, {"seo", "oms-planned"}, False),
    ],
)
def test_only_the_connectors_labels_changing_is_recognised(
    new: set[str], stored: set[str], expected: bool
) -> None:
    before = stored_issue(labels=stored).snapshot
    after = replace(before, labels=frozenset(new))

    assert only_own_labels_changed(after, before, OWN) is expected


def _stored(reason: str, work_type: WorkType = WorkType.PRIORITY) -> StoredIssue:
    return stored_issue(work_type=work_type, reason=reason)


@pytest.mark.parametrize(
    ("decision", "stored", "changed_by", "reason"),
    [
        (PRIORITY_OVERRIDE, None, "Jane Doe", JANE),
        (PRIORITY_OVERRIDE, _stored("default", WorkType.OMS), "Jane Doe", JANE),
        (PRIORITY_OVERRIDE, _stored(JANE), "Max Mustermann", JANE),
        (
            PRIORITY_OVERRIDE,
            _stored("override: label oms-override-priority"),
            "Max",
            PRIORITY_OVERRIDE.reason,
        ),
        (PRIORITY_OVERRIDE, None, None, PRIORITY_OVERRIDE.reason),
        (PRIORITY_OVERRIDE, None, "  ", PRIORITY_OVERRIDE.reason),
        (
            Decision(WorkType.OMS, ReasonKind.RULE, "rule: roadmap"),
            _stored(JANE),
            "Jane Doe",
            "rule: roadmap",
        ),
    ],
    ids=[
        "new issue with the override",
        "override added to a classified issue",
        "a later change by someone else keeps who set it",
        "an override stored without a name is not given a later editor's",
        "the event names nobody",
        "a blank name",
        "no override, no name",
    ],
)
def test_an_override_reason_names_who_set_it(
    decision: Decision, stored: StoredIssue | None, changed_by: str | None, reason: str
) -> None:
    assert attribute_override(decision, stored, changed_by).reason == reason


def test_ingest_stores_the_override_with_who_set_it() -> None:
    store = MemoryStore()
    stored_from_jira(store, ["seo"])
    facts = events(store).parse(updated_event(["oms-override-priority"], by="Jane Doe"))
    ingest = Ingest([plan()], CLASSIFIER, FixedClock(datetime(2026, 12, 1, 11, tzinfo=NEW_YORK)))

    with store.unit_of_work() as uow:
        ingest.apply(uow, facts)
        uow.commit()

    with store.unit_of_work() as uow:
        stored = uow.issues.get("10001")
    assert stored is not None
    assert (stored.work_type, stored.reason, stored.overridden) == (WorkType.PRIORITY, JANE, True)
