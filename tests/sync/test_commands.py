"""``oms-connector sync --once`` and the ``worker`` loop."""

from __future__ import annotations

import io
import json
import logging
import os
import signal
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import responses

from oms_connector import bootstrap
from oms_connector.adapters.jira_gateway import JiraAuthError
from oms_connector.cli import main
from oms_connector.commands.reloading import WakeLater
from oms_connector.commands.sync import ProgressBar, Worker, stop_on_signals, summary
from oms_connector.config import load_settings
from oms_connector.services.sync import Stage, SyncReport
from tests.gateway.jira_json import API, changed, issue, worklog
from tests.sync.fakes import FixedClock

CONFIG = """\
jira: {{url: "https://your-domain.atlassian.net", user: bot@example.com, token_env: OMS_TEST_JIRA}}
database: {{url: "sqlite:///{database}"}}
defaults: {{timezone: UTC}}
plans:
  - {{id: acme, customer: Acme Corp, jira_projects: [ACME], hours_per_month: 10,
     term_months: 3, enrolled_on: 2026-01-31, timezone: UTC}}
quarantine: {{history_days: 3660}}  # the worklogs start in 2021, as in Jira's examples
"""
SINCE_MS = 1769904000000  # 2026-02-01T00:00Z


@pytest.fixture
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in list(os.environ):
        if name.upper().startswith("OMS_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("OMS_TEST_JIRA", "token-value-0123456789")
    path = tmp_path / "config.yaml"
    path.write_text(CONFIG.format(database=tmp_path / "oms.sqlite3"), encoding="utf-8")
    return path


@pytest.fixture
def http() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


def jira_with_one_worklog(http: responses.RequestsMock) -> None:
    http.get(f"{API}/myself", json={"accountId": "bot", "timeZone": "UTC"})
    http.post(
        f"{API}/search/jql",
        json={"issues": [issue(10001, "ACME-1", updated="2026-02-02T10:00:00.000+0000")]},
    )
    http.get(
        f"{API}/worklog/updated",
        json=changed([501], since=SINCE_MS, until=SINCE_MS + 86_400_000),
    )
    http.post(f"{API}/worklog/list", json=[worklog(501, 10001, seconds=5400)])
    http.get(
        f"{API}/worklog/deleted",
        json=changed([], since=SINCE_MS, until=SINCE_MS, path="worklog/deleted"),
    )
    http.put(f"{API}/issue/10001", status=204)
    http.put(f"{API}/issue/10001/properties/oms-connector", status=200)
    http.post(f"{API}/issue/10001/comment", status=201, json={"id": "1"})
    http.put(
        f"{API}/issue/properties/oms-connector-budget",
        status=303,
        headers={"Location": f"{API}/task/10000"},
    )
    http.get(f"{API}/task/10000", json={"id": "10000", "status": "COMPLETE"})


def test_sync_once_from_a_date_stores_what_changed_and_says_so(
    config: Path, http: responses.RequestsMock, capsys: pytest.CaptureFixture[str]
) -> None:
    jira_with_one_worklog(http)

    status = main(["--config", str(config), "sync", "--once", "--since", "2026-02-01"])

    assert status == 0
    assert capsys.readouterr().out == (
        "issues:    1 read, 1 stored\n"
        "worklogs:  1 read, 1 stored (0 issues fetched for them)\n"
        "deletions: 0 read, 0 stored\n"
        "checkpoint issues: 2026-02-02T10:00:00+00:00\n"
        "checkpoint worklogs: 2026-02-02T00:00:00+00:00\n"
        "checkpoint deletions: 2026-02-01T00:00:00+00:00\n"
        "budgets:   0 written (0 tickets), 1 unchanged\n"
    )
    updated = [c for c in http.calls if "/worklog/updated" in (c.request.url or "")]
    assert updated[0].request.params == {"since": str(SINCE_MS - 120_000)}
    writes = [
        (call.request.method, (call.request.url or "").removeprefix(API))
        for call in http.calls
        if call.request.method in {"PUT", "POST"} and "/issue/" in (call.request.url or "")
    ]
    # The ticket learned by sync is shown in Jira, with its plan's budget (one bulk call);
    # its February worklog leaves the current period's budget as it was: nothing more.
    assert writes == [
        ("PUT", "/issue/10001"),
        ("PUT", "/issue/10001/properties/oms-connector"),
        ("POST", "/issue/10001/comment"),
        ("PUT", "/issue/properties/oms-connector-budget"),
    ]
    bulk = next(c for c in http.calls if "/issue/properties/" in (c.request.url or ""))
    body = json.loads(bulk.request.body or b"")
    assert body["filter"] == {"entityIds": [10001]}
    # Today is past the plan's term in this configuration: no OMS hours in the period.
    assert (body["value"]["plan"], body["value"]["in_term"]) == ("acme", False)
    assert body["value"]["hours"]["included"] == "0.00"
    store, close = bootstrap.open_store(load_settings(config))
    try:
        with store.unit_of_work() as uow:
            stored = uow.worklogs.get("501")
    finally:
        close()
    assert stored is not None
    assert (stored.issue_id, stored.seconds) == ("10001", 5400)


def test_sync_once_with_refused_credentials_says_who_was_refused_where(
    config: Path, http: responses.RequestsMock, capsys: pytest.CaptureFixture[str]
) -> None:
    http.get(f"{API}/myself", status=401)

    status = main(["--config", str(config), "sync", "--once"])

    assert status == 1
    assert capsys.readouterr().err == (
        "sync stopped: Jira at https://your-domain.atlassian.net refused the credentials of "
        "bot@example.com (401). Check the user and its API token.\n"
    )


def test_sync_without_once_is_a_usage_error(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as raised:
        main(["--config", str(config), "sync"])

    assert raised.value.code == 2
    assert "the following arguments are required: --once" in capsys.readouterr().err


def test_the_summary_lists_counts_and_checkpoints() -> None:
    report = SyncReport(
        issues_read=1200,
        issues_stored=3,
        issues_fetched_for_worklogs=2,
        worklogs_read=10_000,
        worklogs_stored=9_999,
        checkpoints={Stage.WORKLOGS: datetime(2026, 2, 1, 12, 30, tzinfo=UTC)},
    )

    assert summary(report) == (
        "issues:    1,200 read, 3 stored\n"
        "worklogs:  10,000 read, 9,999 stored (2 issues fetched for them)\n"
        "deletions: 0 read, 0 stored\n"
        "checkpoint worklogs: 2026-02-01T12:30:00+00:00"
    )


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_the_progress_bar_shows_how_far_a_stage_has_come_towards_now() -> None:
    clock = FixedClock(datetime(2026, 2, 11, tzinfo=UTC))
    stream = Terminal()
    bar = ProgressBar(stream, clock, {Stage.WORKLOGS: datetime(2026, 2, 1, tzinfo=UTC)})

    bar.update(Stage.WORKLOGS, datetime(2026, 2, 4, tzinfo=UTC), SyncReport(worklogs_stored=1500))
    bar.finish()

    assert stream.getvalue() == (
        "\rworklogs  [#########.....................]  30%  1,500 stored\n"
    )


def test_no_progress_bar_is_drawn_when_stderr_is_not_a_terminal() -> None:
    stream = io.StringIO()
    bar = ProgressBar(stream, FixedClock(), {})

    bar.update(Stage.ISSUES, datetime(2026, 2, 4, tzinfo=UTC), SyncReport())
    bar.finish()

    assert stream.getvalue() == ""


def test_the_worker_runs_its_steps_in_order_and_stops_after_the_current_step() -> None:
    stop = threading.Event()
    ran: list[str] = []

    def sync() -> None:
        ran.append("sync")

    def inbox() -> None:
        ran.append("inbox")
        stop.set()  # as a signal arriving during this step would

    def close() -> None:
        ran.append("close")

    status = Worker([("sync", sync), ("inbox", inbox), ("close", close)], 0.0, stop).run()

    assert (status, ran) == (0, ["sync", "inbox"])


def test_a_failing_step_is_logged_and_the_loop_goes_on(caplog: pytest.LogCaptureFixture) -> None:
    stop = threading.Event()
    ran: list[str] = []

    def sync() -> None:
        ran.append("sync")
        raise RuntimeError("Jira at x did not answer")

    def close() -> None:
        ran.append("close")
        if ran.count("close") == 2:
            stop.set()

    with caplog.at_level(logging.ERROR):
        status = Worker([("sync", sync), ("close", close)], 0.0, stop).run()

    assert (status, ran) == (0, ["sync", "close", "sync", "close"])
    assert caplog.messages == ["worker step sync failed: Jira at x did not answer"] * 2


def test_woken_between_passes_the_worker_runs_only_the_inbox_and_the_budgets_due() -> None:
    stop, wake = threading.Event(), threading.Event()
    ran: list[str] = []

    def step(name: str) -> Callable[[], None]:
        def run() -> None:
            ran.append(name)
            if name == "budgets-due" and ran.count(name) == 1:
                WakeLater(wake)(0.0)  # a refresh deferred for no time: wake at once
            elif name == "budgets-due":
                stop.set()

        return run

    names = ("sync", "inbox", "budgets", "budgets-due", "close")
    status = Worker([(name, step(name)) for name in names], 3600.0, stop, wake).run()

    assert (status, ran) == (0, [*names, "inbox", "budgets-due"])


def test_a_timed_wake_keeps_the_earliest_time_asked_for() -> None:
    wake = threading.Event()
    later = WakeLater(wake)

    later(0.2)
    later(30.0)  # later than the wake already set: ignored

    assert wake.wait(5.0)
    wake.clear()
    later(30.0)
    later.cancel()
    assert not wake.wait(0.3)


def test_refused_credentials_stop_the_worker() -> None:
    def sync() -> None:
        raise JiraAuthError("Jira at x refused the credentials of y (401).")

    assert Worker([("sync", sync)], 0.0, threading.Event()).run() == 1


def test_sigterm_and_sigint_request_a_stop_and_the_handlers_are_restored() -> None:
    before = signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT)
    stops: list[bool] = []
    for sig in (signal.SIGTERM, signal.SIGINT):
        stop = threading.Event()
        with stop_on_signals(stop):
            os.kill(os.getpid(), sig)
            stop.wait(timedelta(seconds=5).total_seconds())
            stops.append(stop.is_set())

    assert stops == [True, True]
    assert (signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT)) == before


def test_an_override_field_configured_by_name_is_resolved_and_requested(
    config: Path, http: responses.RequestsMock, capsys: pytest.CaptureFixture[str]
) -> None:
    config.write_text(
        config.read_text(encoding="utf-8") + "classification: {override_field: OMS work type}\n",
        encoding="utf-8",
    )
    http.get(
        f"{API}/field",
        json=[{"id": "customfield_10300", "name": "OMS Work Type", "custom": True}],
    )
    jira_with_one_worklog(http)

    assert main(["--config", str(config), "sync", "--once"]) == 0

    search = next(c for c in http.calls if c.request.url == f"{API}/search/jql")
    assert json.loads(search.request.body or b"")["fields"][-1] == "customfield_10300"
