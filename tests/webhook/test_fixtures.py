"""Every captured Jira payload, posted signed, then processed: the exact state it leaves.

One test per fixture file (zulip style), in tables: the inbox row after the post, then
the issue or worklog the inbox processor stored from it.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

import pytest
from flask.testing import FlaskClient

from oms_connector.adapters.sql.store import SqlStore
from oms_connector.domain.classification import IssueSnapshot, WorkType
from oms_connector.domain.worklogs import Worklog
from oms_connector.services.inbox import InboxProcessor

from .conftest import FakeFetchedIssue, FakeJira, fixture_bytes, inbox_rows, signed

IST = timezone(timedelta(hours=5, minutes=30))
PDT = timezone(timedelta(hours=-7))
PST = timezone(timedelta(hours=-8))
MSK = timezone(timedelta(hours=3))

MM = "mattermost-plugin-jira/"
J2M = "jira-to-matrix/test/fixtures/webhooks/issue/updated/"

PRI, OMS = WorkType.PRIORITY, WorkType.OMS
URGENT, INCIDENT, DEFAULT = "rule: urgent", "rule: incidents", "default"

ISSUE_FIXTURES = [
    # file, issue id, key, project, type, priority, labels, work type, reason, updated, deleted
    (f"{J2M}description-update.json", "15082", "INDEV-131", "INDEV", "Story", "Medium", [],
     OMS, DEFAULT, datetime(2019, 2, 27, 15, 40, 34, 940000, MSK), False),
    (f"{J2M}move-issue.json", "12490", "INDEV-130", "INDEV", "Story", "Highest", [],
     PRI, URGENT, datetime(2019, 2, 27, 13, 30, 21, 153000, MSK), False),
    (f"{J2M}status-changed.json", "11442", "INDEV-6", "INDEV", "Tarea", "Highest", [],
     PRI, URGENT, datetime(2019, 1, 30, 15, 51, 33, 199000, MSK), False),
    (f"{MM}webhook-cloud-issue-created-many-fields.json", "10509", "KT-22", "KT", "Task",
     "Medium", ["Label1", "Label2"], OMS, DEFAULT, datetime(2019, 8, 27, 12, 43, 24, 193000, PDT),
     False),
    (f"{MM}webhook-cloud-issue-updated-custom-field.json", "10368", "TES-14", "TES", "Story",
     "Medium", ["Pickles"], OMS, DEFAULT, datetime(2019, 8, 11, 18, 49, 13, 412000, PDT), False),
    (f"{MM}webhook-issue-assigned-empty-changelog.json", "10001", "TEST-123", "TEST", "Task",
     "Medium", [], OMS, DEFAULT, datetime(2024, 8, 20, 18, 47, 42, 935000, UTC), False),
    (f"{MM}webhook-issue-created.json", "10040", "TES-41", "TES", "Story", "High",
     ["test-label"], PRI, URGENT, datetime(2019, 2, 15, 19, 1, 52, 971000, PST), False),
    (f"{MM}webhook-issue-deleted.json", "10303", "IDT-19", "IDT", "Task", "Medium", [],
     OMS, DEFAULT, datetime(2019, 7, 3, 18, 5, 36, 176000, UTC), True),
    (f"{MM}webhook-issue-updated-assigned.json", "10040", "TES-41", "TES", "Story", "High",
     ["test-label"], PRI, URGENT, datetime(2019, 2, 15, 19, 18, 1, 707000, PST), False),
    (f"{MM}webhook-issue-updated-edited.json", "10040", "TES-41", "TES", "Story", "High",
     ["test-label"], PRI, URGENT, datetime(2019, 2, 15, 19, 10, 1, 805000, PST), False),
    (f"{MM}webhook-issue-updated-labels.json", "10040", "TES-41", "TES", "Story", "High",
     ["sad", "test-label"], PRI, URGENT, datetime(2019, 2, 16, 13, 12, 10, 37000, PST), False),
    (f"{MM}webhook-issue-updated-multiple-custom-fields.json", "10040", "TES-41", "TES", "Story",
     "High", ["sad", "test-label"], PRI, URGENT, datetime(2019, 2, 16, 13, 12, 10, 37000, PST),
     False),
    (f"{MM}webhook-issue-updated-resolved.json", "10040", "TES-41", "TES", "Story", "High",
     ["test-label"], PRI, URGENT, datetime(2019, 2, 15, 19, 15, 40, 477000, PST), False),
    (f"{MM}webhook-issue-updated-sprint.json", "10040", "TES-41", "TES", "Story", "High",
     ["sad", "test-label"], PRI, URGENT, datetime(2019, 2, 16, 13, 12, 10, 37000, PST), False),
    (f"{MM}webhook-server-issue-updated-commented-2.json", "10231", "PRJA-42", "PRJA",
     "Improvement", "Medium", [], OMS, DEFAULT, datetime(2019, 6, 28, 21, 31, 58, 40000, UTC),
     False),
    ("zulip/issue_created.json", "10400", "BUG-15", "BUG", "Bug", "Major", [],
     PRI, INCIDENT, datetime(2013, 3, 27, 16, 53, 58, 301000, UTC), False),
    ("zulip/issue_deleted.json", "10400", "BUG-15", "BUG", "Bug", "Major", [],
     PRI, INCIDENT, datetime(2013, 3, 27, 17, 6, 9, 102000, UTC), True),
    ("zulip/issue_updated__status.json", "10000", "TEST-1", "ABC", "Task", "Medium", [],
     OMS, DEFAULT, datetime(2017, 1, 30, 18, 32, 14, 716000, timezone(timedelta(hours=1))), False),
]  # fmt: skip


def post(client: FlaskClient, fixture: str, delivery: str = "delivery-1") -> bytes:
    body = fixture_bytes(fixture)
    headers = {**signed(body), "X-Atlassian-Webhook-Identifier": delivery}
    response = client.post("/webhooks/jira", data=body, headers=headers)
    assert (response.status_code, response.data) == (204, b"")
    return body


def assert_one_pending_row(store: SqlStore, body: bytes) -> int:
    [row] = inbox_rows(store)
    assert (row["dedup_key"], row["event"], bytes(row["body"]), row["status"]) == (
        "delivery:delivery-1",
        json.loads(body)["webhookEvent"],
        body,
        "pending",
    )
    return int(row["id"])


def assert_processed(processor: InboxProcessor, store: SqlStore, event_id: int) -> None:
    progress = processor.run_once()
    assert (progress.done, progress.retrying, progress.parked) == ([event_id], [], [])
    assert [row["status"] for row in inbox_rows(store)] == ["done"]


@pytest.mark.parametrize(
    ("fixture", "issue_id", "key", "project", "issue_type", "priority", "labels", "work_type",
     "reason", "updated", "deleted"),
    ISSUE_FIXTURES,
    ids=[row[0].rsplit("/", 1)[-1] for row in ISSUE_FIXTURES],
)  # fmt: skip
def test_an_issue_event_is_stored_then_classified_into_the_issue_snapshot(
    client: FlaskClient,
    sql_store: SqlStore,
    processor: InboxProcessor,
    jira: FakeJira,
    fixture: str,
    issue_id: str,
    key: str,
    project: str,
    issue_type: str,
    priority: str,
    labels: list[str],
    work_type: WorkType,
    reason: str,
    updated: datetime,
    deleted: bool,
) -> None:
    body = post(client, fixture)
    event_id = assert_one_pending_row(sql_store, body)

    assert_processed(processor, sql_store, event_id)

    with sql_store.unit_of_work() as uow:
        stored = uow.issues.get(issue_id)
    assert stored is not None
    snapshot = stored.snapshot
    assert (snapshot.key, snapshot.project_key, snapshot.issue_type, snapshot.priority) == (
        key,
        project,
        issue_type,
        priority,
    )
    assert snapshot.labels == frozenset(labels)
    assert (stored.work_type, stored.reason, stored.deleted) == (work_type, reason, deleted)
    assert stored.updated == updated
    assert jira.calls == []


def _fetched(issue_id: str, key: str) -> FakeFetchedIssue:
    snapshot = IssueSnapshot(id=issue_id, key=key, project_key="SCRUM", issue_type="Incident")
    return FakeFetchedIssue(snapshot, datetime(2026, 9, 20, tzinfo=UTC))


def test_worklog_created_stores_the_worklog_and_fetches_its_unknown_issue(
    client: FlaskClient, sql_store: SqlStore, processor: InboxProcessor, jira: FakeJira
) -> None:
    jira.issues_by_id["10014"] = _fetched("10014", "SCRUM-14")
    body = post(client, "zulip/worklog_created.json")
    assert_processed(processor, sql_store, assert_one_pending_row(sql_store, body))

    with sql_store.unit_of_work() as uow:
        worklog = uow.worklogs.get("10066")
        issue = uow.issues.get("10014")
    assert worklog == Worklog(
        id="10066",
        issue_id="10014",
        started=datetime(2026, 9, 21, 8, 16, 58, 108000, IST),
        seconds=144000,
        updated=datetime(2026, 9, 23, 0, 18, 35, 652000, IST),
        author="99:27935d01-92a7-4687-8272-a9b8d3b2ae2e",
    )
    assert worklog.started.utcoffset() == timedelta(hours=5, minutes=30)
    assert issue is not None
    assert (issue.snapshot.key, issue.work_type, issue.reason) == (
        "SCRUM-14",
        WorkType.PRIORITY,
        INCIDENT,
    )
    assert jira.calls == [("issues", ("10014",))]


def test_worklog_updated_of_a_known_issue_stores_the_new_seconds_without_asking_jira(
    client: FlaskClient, sql_store: SqlStore, processor: InboxProcessor, jira: FakeJira
) -> None:
    jira.issues_by_id["10014"] = _fetched("10014", "SCRUM-14")
    post(client, "zulip/worklog_created.json", "created")
    processor.run_once()
    jira.calls.clear()

    post(client, "zulip/worklog_updated.json", "updated")
    progress = processor.run_once()

    assert len(progress.done) == 1
    with sql_store.unit_of_work() as uow:
        worklog = uow.worklogs.get("10066")
    assert worklog is not None
    assert (worklog.seconds, worklog.updated, worklog.deleted) == (
        115200,
        datetime(2026, 9, 23, 0, 19, 13, 744000, IST),
        False,
    )
    assert jira.calls == []


def test_worklog_updated_alone_stores_the_worklog(
    client: FlaskClient, sql_store: SqlStore, processor: InboxProcessor, jira: FakeJira
) -> None:
    body = post(client, "zulip/worklog_updated.json")
    assert_processed(processor, sql_store, assert_one_pending_row(sql_store, body))

    with sql_store.unit_of_work() as uow:
        worklog = uow.worklogs.get("10066")
    assert worklog is not None
    assert (worklog.issue_id, worklog.seconds, worklog.started, worklog.deleted) == (
        "10014",
        115200,
        datetime(2026, 9, 21, 8, 16, 58, 108000, IST),
        False,
    )
    assert jira.calls == [("issues", ("10014",))]


def test_worklog_deleted_stores_a_tombstone_without_asking_jira(
    client: FlaskClient, sql_store: SqlStore, processor: InboxProcessor, jira: FakeJira
) -> None:
    body = post(client, "zulip/worklog_deleted.json")
    assert_processed(processor, sql_store, assert_one_pending_row(sql_store, body))

    with sql_store.unit_of_work() as uow:
        worklog = uow.worklogs.get("10033")
    assert worklog is not None
    assert (worklog.issue_id, worklog.seconds, worklog.deleted) == ("10014", 144000, True)
    assert jira.calls == []


def test_jira_worklog_updated_rereads_the_worklog_it_names_and_its_unknown_issue(
    client: FlaskClient, sql_store: SqlStore, processor: InboxProcessor, jira: FakeJira
) -> None:
    current = Worklog(
        id="10200",
        issue_id="10022",
        started=datetime(2022, 10, 27, 9, 0, tzinfo=UTC),
        seconds=1560,
        updated=datetime(2022, 10, 27, 13, 23, 41, tzinfo=UTC),
    )
    jira.worklogs_by_id["10200"] = current
    jira.issues_by_id["10022"] = _fetched("10022", "SCRUM-23")
    body = post(client, "zulip/worklog_updated__edited.json")
    assert_processed(processor, sql_store, assert_one_pending_row(sql_store, body))

    with sql_store.unit_of_work() as uow:
        assert uow.worklogs.get("10200") == current
        issue = uow.issues.get("10022")
    assert issue is not None
    assert issue.snapshot.key == "SCRUM-23"
    assert jira.calls == [("worklogs", ("10200",)), ("issues", ("10022",))]


def test_jira_worklog_updated_naming_a_worklog_jira_does_not_return_leaves_it_as_stored(
    client: FlaskClient,
    sql_store: SqlStore,
    processor: InboxProcessor,
    jira: FakeJira,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # worklog/list also leaves out worklogs the account may not view: no evidence of a deletion.
    stored = Worklog(
        id="10201",
        issue_id="10022",
        started=datetime(2022, 10, 27, 9, 0, tzinfo=UTC),
        seconds=21060,
        updated=datetime(2022, 10, 27, 13, 0, tzinfo=UTC),
    )
    jira.issues_by_id["10022"] = _fetched("10022", "SCRUM-23")
    with sql_store.unit_of_work() as uow:
        uow.worklogs.save_if_supersedes(stored, datetime(2022, 10, 27, 13, 0, tzinfo=UTC))
        uow.commit()
    body = post(client, "zulip/worklog_updated__deleted.json")
    assert_processed(processor, sql_store, assert_one_pending_row(sql_store, body))

    with sql_store.unit_of_work() as uow:
        worklog = uow.worklogs.get("10201")
    assert worklog == stored
    assert jira.calls == [("worklogs", ("10201",)), ("issues", ("10022",))]
    assert [
        r.getMessage() for r in caplog.records if r.name == "oms_connector.services.events"
    ] == [
        "jira:worklog_updated for issue 10022: worklog/list did not return 1 of the worklogs "
        "it names (deleted, or not visible to the connector's account); they are left as stored"
    ]
