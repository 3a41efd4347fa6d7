"""The connector's own Jira gateway, run against the sandbox over HTTP.

The gateway's unit tests replay recorded answers; here the same code talks to a live
sandbox, so the pagination loops, the one-minute lag, the write-backs and the payload
parsing meet a server that keeps state.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from oms_connector.adapters.jira_gateway import JiraAuthError, JiraConnection, JiraRestGateway
from oms_connector.adapters.jira_payloads import IssueFieldIds
from oms_connector.sandbox.clock import SandboxClock
from oms_connector.sandbox.documents import document_text
from oms_connector.sandbox.seed import parse_seed
from oms_connector.sandbox.server import SandboxServer
from tests.sandbox.conftest import EMAIL, SEED, START, TOKEN

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
FIELDS = IssueFieldIds(request_type="customfield_10010", override="customfield_10050")


@pytest.fixture
def sandbox() -> Iterator[SandboxServer]:
    with SandboxServer(parse_seed(SEED), clock=SandboxClock(START, frozen=True)) as server:
        yield server


def _gateway(sandbox: SandboxServer, token: str = TOKEN) -> JiraRestGateway:
    return JiraRestGateway(
        JiraConnection(sandbox.url, EMAIL, token), field_ids=FIELDS, sleep=lambda _: None
    )


@pytest.fixture
def gateway(sandbox: SandboxServer) -> Iterator[JiraRestGateway]:
    gateway = _gateway(sandbox)
    yield gateway
    gateway.close()


def test_the_gateway_reads_changed_worklogs_and_fetches_them(gateway: JiraRestGateway) -> None:
    pages = list(gateway.worklog_changes(EPOCH))
    ids = [change.worklog_id for page in pages for change in page.changes]
    worklogs = gateway.worklogs(ids)

    assert ids == ["20001", "20002"]
    assert [(w.id, w.issue_id, w.seconds, w.author) for w in worklogs] == [
        ("20001", "10000", 3600, "557058:alice"),
        ("20002", "10001", 5400, "557058:alice"),
    ]
    assert pages[-1].until == datetime(2026, 1, 12, 11, 0, tzinfo=UTC)


def test_the_gateway_pages_through_more_than_a_thousand_changes(
    gateway: JiraRestGateway, sandbox: SandboxServer
) -> None:
    bot = sandbox.state.users()[0]
    for _ in range(1500):
        sandbox.clock.advance(timedelta(milliseconds=1))
        sandbox.state.add_worklog("BETA-1", bot, START, 60)
    sandbox.clock.advance(timedelta(minutes=1))

    pages = list(gateway.worklog_changes(START))
    ids = {change.worklog_id for page in pages for change in page.changes}

    assert [len(page.changes) for page in pages] == [1000, 501]
    assert len(ids) == 1500


def test_a_deletion_reaches_the_gateway_after_the_lag(
    gateway: JiraRestGateway, sandbox: SandboxServer
) -> None:
    sandbox.state.delete_worklog("ACME-2", "20002", sandbox.state.users()[0])

    before = [c.worklog_id for p in gateway.worklog_deletions(START) for c in p.changes]
    sandbox.clock.advance(timedelta(seconds=60))
    after = [c.worklog_id for p in gateway.worklog_deletions(START) for c in p.changes]

    assert (before, after) == ([], ["20002"])


def test_work_logged_a_moment_ago_is_read_from_the_issue_before_the_feed_has_it(
    gateway: JiraRestGateway, sandbox: SandboxServer
) -> None:
    added = sandbox.state.add_worklog("ACME-1", sandbox.state.users()[1], START, 900)

    feed = [c.worklog_id for p in gateway.worklog_changes(START) for c in p.changes]
    read = gateway.issue_worklogs("ACME-1")

    assert str(added.id) not in feed
    assert [(w.id, w.issue_id, w.seconds) for w in read] == [
        ("20001", "10000", 3600),
        (str(added.id), "10000", 900),
    ]


def test_the_gateway_searches_issues_across_pages_and_classifies_their_fields(
    gateway: JiraRestGateway, sandbox: SandboxServer
) -> None:
    bot = sandbox.state.users()[0]
    for number in range(150):
        fields = {
            "project": {"key": "BETA"},
            "summary": f"Task {number}",
            "issuetype": {"name": "Task"},
        }
        sandbox.state.create_issue(fields, bot, notify=False)

    pages = list(
        gateway.search_issues('project in ("ACME", "BETA") AND updated >= "2026/01/01 00:00"')
    )
    records = [record for page in pages for record in page]
    shop = next(r for r in records if r.snapshot.key == "ACME-2")

    assert [len(page) for page in pages] == [100, 53]
    assert len({r.snapshot.key for r in records}) == 153
    assert (shop.snapshot.request_type, shop.snapshot.override_field) == ("Emergency", "PRIORITY")
    assert (shop.snapshot.priority, shop.snapshot.issue_type) == ("Highest", "Bug")
    assert shop.updated == datetime(2026, 1, 25, 12, 30, tzinfo=UTC)


def test_the_gateway_reads_remaining_estimates(gateway: JiraRestGateway) -> None:
    (page,) = gateway.search_estimates("key = ACME-1")

    assert [(e.snapshot.key, e.remaining_seconds) for e in page] == [("ACME-1", 3600)]


def test_the_gateway_fetches_issues_by_id_or_key(gateway: JiraRestGateway) -> None:
    records = gateway.issues(["10001", "ACME-1", "ACME-404"])

    assert [(r.snapshot.key, r.snapshot.description) for r in records] == [
        ("ACME-2", ""),
        ("ACME-1", "Update every plugin.\nCheck the shop."),
    ]


def test_the_gateway_reads_the_account_and_the_fields(gateway: JiraRestGateway) -> None:
    fields = {f.id: f.name for f in gateway.fields()}

    assert gateway.user_timezone() == ZoneInfo("UTC")
    assert fields["customfield_10050"] == "Work type override"
    assert fields["customfield_10010"] == "Request Type"


def test_the_gateways_write_backs_land_in_the_sandbox(
    gateway: JiraRestGateway, sandbox: SandboxServer
) -> None:
    gateway.set_issue_property("ACME-1", "oms.plan", {"work_type": "oms", "remaining": "6.50"})
    gateway.change_labels("ACME-1", add=["oms-planned"], remove=["maintenance"])
    gateway.add_comment("ACME-1", "Planned OMS work.\n\n6.50 h left.")
    gateway.set_fields("ACME-1", {"customfield_10061": "oms", "customfield_10060": 6.5})

    issue = sandbox.state.issue("ACME-1")
    assert sandbox.state.issue_property("ACME-1", "oms.plan") == {
        "work_type": "oms",
        "remaining": "6.50",
    }
    assert issue.labels == ["oms-planned"]
    assert [document_text(c.body) for c in issue.comments] == ["Planned OMS work.\n6.50 h left."]
    assert (issue.custom["customfield_10061"], issue.custom["customfield_10060"]) == ("oms", 6.5)


def test_wrong_credentials_are_an_auth_error_for_the_gateway(sandbox: SandboxServer) -> None:
    gateway = _gateway(sandbox, token="wrong")
    try:
        with pytest.raises(JiraAuthError, match=r"refused the credentials .* \(401\)"):
            gateway.fields()
    finally:
        gateway.close()
