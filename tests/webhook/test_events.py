"""Which issue updates reach ingest: the connector's own changes and unclassified fields do not."""

from __future__ import annotations

import pytest

from oms_connector.adapters.sql.store import SqlStore
from oms_connector.adapters.webhook_payloads import WebhookBodies
from oms_connector.domain.classification import WorkType
from oms_connector.services.events import (
    IGNORED_EVENTS,
    SUPPORTED_EVENTS,
    Disposition,
    JiraEvents,
    disposition,
)
from oms_connector.services.ports import EventFacts, StoredIssue, UnusableEventError

from .conftest import FakeJira, FixedClock, fixture_bytes

MM = "mattermost-plugin-jira/"
MM_USER = "5c5f880629be9642ba529340"


def events(store: SqlStore, *own: str) -> JiraEvents:
    return JiraEvents(WebhookBodies(), store, FakeJira(), FixedClock(), frozenset(own))


def test_no_event_is_both_supported_and_ignored() -> None:
    assert frozenset() == SUPPORTED_EVENTS & IGNORED_EVENTS


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("jira:issue_created", Disposition.SUPPORTED),
        ("worklog_deleted", Disposition.SUPPORTED),
        ("jira:worklog_updated", Disposition.SUPPORTED),
        ("comment_created", Disposition.IGNORED),
        ("sprint_started", Disposition.IGNORED),
        ("issue_property_set", Disposition.IGNORED),
        ("jira:version_released", Disposition.IGNORED),
        ("jira:issue_created ", Disposition.UNKNOWN),
        ("something_else", Disposition.UNKNOWN),
    ],
)
def test_each_event_name_has_one_disposition(name: str, expected: Disposition) -> None:
    assert disposition(name) is expected


def test_an_update_by_the_connectors_own_account_is_not_ingested(sql_store: SqlStore) -> None:
    facts = events(sql_store, MM_USER).parse(
        fixture_bytes(f"{MM}webhook-issue-updated-labels.json")
    )
    assert facts == EventFacts()


def test_the_own_account_is_matched_without_regard_to_case(sql_store: SqlStore) -> None:
    body = fixture_bytes("mattermost-plugin-jira/webhook-server-issue-updated-commented-2.json")
    assert events(sql_store, "testuser").parse(body) == EventFacts()


def test_an_update_by_someone_else_to_a_classified_field_is_ingested(sql_store: SqlStore) -> None:
    facts = events(sql_store, "bot@example.com").parse(
        fixture_bytes(f"{MM}webhook-issue-updated-labels.json")
    )
    assert [fact.snapshot.labels for fact in facts.issues] == [frozenset({"sad", "test-label"})]


def _store_issue(store: SqlStore, handler: JiraEvents, fixture: str) -> None:
    facts = handler.parse(fixture_bytes(fixture))
    with store.unit_of_work() as uow:
        for fact in facts.issues:
            issue = StoredIssue(fact.snapshot, fact.updated, WorkType.OMS, "default", False)
            uow.issues.save_if_not_older(issue, fact.updated)
        uow.commit()


@pytest.mark.parametrize(
    "fixture",
    [
        f"{MM}webhook-issue-updated-assigned.json",
        f"{MM}webhook-issue-updated-sprint.json",
        f"{MM}webhook-issue-updated-multiple-custom-fields.json",
        f"{MM}webhook-issue-assigned-empty-changelog.json",
        "zulip/issue_updated__status.json",
    ],
)
def test_a_change_to_fields_classification_ignores_is_not_ingested_for_a_known_issue(
    sql_store: SqlStore, fixture: str
) -> None:
    handler = events(sql_store)
    assert len(handler.parse(fixture_bytes(fixture)).issues) == 1  # unknown: stored

    _store_issue(sql_store, handler, fixture)

    assert handler.parse(fixture_bytes(fixture)) == EventFacts()


@pytest.mark.parametrize(
    "fixture",
    [
        f"{MM}webhook-issue-updated-edited.json",
        f"{MM}webhook-issue-updated-labels.json",
        f"{MM}webhook-issue-updated-resolved.json",
        "jira-to-matrix/test/fixtures/webhooks/issue/updated/move-issue.json",
        "jira-to-matrix/test/fixtures/webhooks/issue/updated/description-update.json",
    ],
)
def test_a_change_to_a_classified_field_is_ingested_for_a_known_issue(
    sql_store: SqlStore, fixture: str
) -> None:
    handler = events(sql_store)
    _store_issue(sql_store, handler, fixture)

    assert len(handler.parse(fixture_bytes(fixture)).issues) == 1


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b'{"webhookEvent": "jira:issue_created"}', "issue"),
        (b'{"webhookEvent": "worklog_created", "worklog": {"id": "1"}}', "worklog"),
        (b'{"webhookEvent": "jira:worklog_updated", "issue": {}}', "issue.id"),
        (b"not json", "not JSON"),
    ],
)
def test_a_stored_body_without_what_its_event_needs_is_unusable(
    sql_store: SqlStore, body: bytes, message: str
) -> None:
    with pytest.raises(UnusableEventError, match=message):
        events(sql_store).parse(body)
