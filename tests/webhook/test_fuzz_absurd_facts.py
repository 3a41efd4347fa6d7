"""Signed worklog and issue webhooks with absurd values (dates of any year and offset,
durations of any size, ids of any length) are answered without a 5xx, applied or
parked without breaking the processor, leave every read path working, and nothing
implausible is counted."""

from __future__ import annotations

import json
from datetime import datetime, time, timedelta, timezone
from itertools import count
from typing import Any

from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from oms_connector.adapters.sql.store import SqlStore
from oms_connector.config import Settings
from oms_connector.services.inbox import InboxProcessor
from oms_connector.services.reports import StatementReports
from tests.webhook.conftest import FakeJira, FixedClock, fixture_bytes, signed
from tests.webhook.test_fixtures import _fetched

WORKLOG = json.loads(fixture_bytes("zulip/worklog_created.json"))
ISSUE = json.loads(fixture_bytes("zulip/issue_created.json"))
DELIVERIES = count()

offsets = st.integers(min_value=-14 * 60, max_value=14 * 60).map(
    lambda minutes: timezone(timedelta(minutes=minutes))
)
jira_times = st.builds(
    lambda day, offset: day.replace(tzinfo=offset).strftime("%Y-%m-%dT%H:%M:%S.000%z"),
    st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30)),
    offsets,
)
durations = st.one_of(
    st.integers(min_value=0, max_value=200_000),
    st.integers(min_value=0, max_value=2**63 - 1),
    st.integers(min_value=2**63, max_value=10**30),
)
ids = st.one_of(
    st.integers(min_value=1, max_value=99_999).map(str),
    st.text(alphabet="0123456789,", min_size=1, max_size=120),
)


def post(client: FlaskClient, document: dict[str, Any]) -> int:
    body = json.dumps(document).encode()
    headers = {**signed(body), "X-Atlassian-Webhook-Identifier": f"fuzz-{next(DELIVERIES)}"}
    return client.post("/webhooks/jira", data=body, headers=headers).status_code


def assert_reads_and_counts_only_plausible_work(
    store: SqlStore, config: Settings, clock: FixedClock
) -> None:
    plan = config.domain_plans()[0]
    bounds = config.quarantine.plausibility()
    earliest = datetime.combine(plan.enrolled_on, time(), plan.timezone) - bounds.history
    with store.unit_of_work(read_only=True) as uow:
        counted = list(uow.worklogs.logged_work(plan.jira_projects))
        uow.quarantine.held()
    for work in counted:
        assert 1 <= work.seconds <= bounds.max_seconds, work
        assert earliest <= work.started <= clock.now() + bounds.ahead, work
    StatementReports(store, [plan], clock).plans()


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    started=jira_times,
    updated=jira_times,
    seconds=durations,
    worklog_id=ids,
    issue_id=st.sampled_from(["10014"]) | ids,
)
def test_absurd_worklogs_are_answered_applied_or_parked_and_never_counted(
    client: FlaskClient,
    sql_store: SqlStore,
    processor: InboxProcessor,
    jira: FakeJira,
    clock: FixedClock,
    settings: Settings,
    started: str,
    updated: str,
    seconds: int,
    worklog_id: str,
    issue_id: str,
) -> None:
    jira.issues_by_id["10014"] = _fetched("10014", "SCRUM-14")
    document = json.loads(json.dumps(WORKLOG))
    document["worklog"].update(
        started=started,
        updated=updated,
        timeSpentSeconds=seconds,
        id=worklog_id,
        issueId=issue_id,
    )

    assert post(client, document) in {204, 400}
    processor.run_once()

    assert_reads_and_counts_only_plausible_work(sql_store, settings, clock)


@settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(updated=jira_times, issue_id=ids, key=st.text(min_size=1, max_size=300))
def test_absurd_issues_are_answered_applied_or_parked_and_break_no_read(
    client: FlaskClient,
    sql_store: SqlStore,
    processor: InboxProcessor,
    clock: FixedClock,
    settings: Settings,
    updated: str,
    issue_id: str,
    key: str,
) -> None:
    document = json.loads(json.dumps(ISSUE))
    document["issue"].update(id=issue_id, key=key)
    document["issue"]["fields"]["updated"] = updated

    assert post(client, document) in {204, 400}
    processor.run_once()

    assert_reads_and_counts_only_plausible_work(sql_store, settings, clock)
