"""The store's commands end to end on a SQLite file: close, statements, balance, inbox, db."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest

from oms_connector import bootstrap
from oms_connector.adapters.sql.engine import create_store_engine, is_current
from oms_connector.cli import main
from oms_connector.config import load_settings
from oms_connector.services.inbox import InboxProcessor, InboxService, RetryPolicy
from oms_connector.services.ports import EventFacts
from tests.config.files import clear_oms_environment
from tests.services.builders import T0, ingest_for, issue
from tests.services.fakes import FakeClock, FakeParser
from tests.services.test_close import ACME_WORK, OMS, URGENT

CONFIG = """\
jira: {{url: "https://example.atlassian.net", user: bot@example.com}}
database: {{url: "{url}"}}
plans:
  - {{id: acme, customer: Acme Corp, jira_projects: [ACME], hours_per_month: 10,
     term_months: 3, enrolled_on: 2026-01-31, timezone: America/New_York{bank}}}
classification:
  rules:
    - {{name: urgent-label, work_type: priority, labels: [urgent]}}
"""


def write_config(directory: Path, bank: str = "") -> Path:
    path = directory / "config.yaml"
    url = f"sqlite:///{directory / 'oms.sqlite3'}"
    path.write_text(CONFIG.format(url=url, bank=bank), encoding="utf-8")
    return path


@pytest.fixture
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    clear_oms_environment(monkeypatch)
    return write_config(tmp_path)


def run(config: Path, *args: str) -> int:
    return main(["--config", str(config), *args])


def load_acme(config: Path) -> None:
    store, release = bootstrap.open_store(load_settings(config))
    try:
        facts = EventFacts(
            issues=(issue(OMS, "ACME-1"), issue(URGENT, "ACME-2", labels=frozenset({"urgent"}))),
            worklogs=ACME_WORK,
        )
        with store.unit_of_work() as uow:
            ingest_for(FakeClock(T0)).apply(uow, facts)
            uow.commit()
    finally:
        release()


def test_db_upgrade_migrates_the_configured_database(
    config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(config, "db", "upgrade") == 0
    assert capsys.readouterr().out == "database is up to date\n"
    engine = create_store_engine(f"sqlite:///{tmp_path / 'oms.sqlite3'}")
    try:
        assert is_current(engine)
    finally:
        engine.dispose()


def test_close_then_statements_as_json(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    load_acme(config)
    assert run(config, "close", "--as-of", "2026-04-03") == 0
    assert capsys.readouterr().out == (
        "written acme-20260131\nwritten acme-20260228\nwritten acme-20260331\n"
        "3 statements written\n"
    )
    assert run(config, "close", "--as-of", "2026-04-03") == 0
    assert capsys.readouterr().out == "0 statements written\n"

    assert run(config, "statements", "--plan", "acme", "--format", "json") == 0
    document = json.loads(capsys.readouterr().out)
    assert [(s["number"], s["total"]) for s in document] == [
        ("acme-20260131", "350.00"),
        ("acme-20260228", "350.00"),
        ("acme-20260331", "573.76"),
    ]
    third = document[2]
    assert {k: v for k, v in third.items() if k != "lines"} == {
        "number": "acme-20260331",
        "plan_id": "acme",
        "customer": "Acme Corp",
        "billing_date": "2026-03-31",
        "currency": "USD",
        "total": "573.76",
    }
    assert third["lines"][2] == {
        "kind": "priority",
        "corrects": None,
        "period_start": "2026-02-28",
        "period_end": "2026-03-31",
        "hours": "1.33",
        "rate": "62.50",
        "amount": "83.13",
        "description": "Priority support",
        "issue_keys": ["ACME-2"],
        "worklog_ids": ["p1-urgent"],
    }


def test_statements_as_a_table(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    load_acme(config)
    run(config, "close", "--as-of", "2026-03-03")
    capsys.readouterr()
    assert run(config, "statements") == 0
    assert capsys.readouterr().out == (
        "acme-20260131  Acme Corp  2026-01-31  total 350.00 USD\n"
        "kind          period                    hours   rate  amount  description\n"
        "------------  ------------------------  -----  -----  ------  "
        "--------------------------------------------------------\n"
        "subscription  2026-01-31 to 2026-02-28  10.00  35.00  350.00  "
        "OMS plan acme: 10.00 h for the period, billed in advance\n"
        "\n"
        "acme-20260228  Acme Corp  2026-02-28  total 350.00 USD\n"
        "kind          period                    hours   rate  amount  description\n"
        "------------  ------------------------  -----  -----  ------  "
        "--------------------------------------------------------\n"
        "subscription  2026-02-28 to 2026-03-31  10.00  35.00  350.00  "
        "OMS plan acme: 10.00 h for the period, billed in advance\n"
        "expired       2026-01-31 to 2026-02-28   1.50   0.00    0.00  "
        "Unused OMS hours of the period, expired (not charged)\n"
    )


def test_balance_of_the_period_containing_a_date(
    config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # 5 prepaid priority hours pay for 1.33 h of priority work, then for the 2.25 h overage.
    write_config(tmp_path, bank=",\n     priority_bank: [{purchased_on: 2026-03-01, hours: 5}]")
    load_acme(config)
    assert run(config, "balance", "--plan", "acme", "--at", "2026-03-15", "--format", "json") == 0
    assert json.loads(capsys.readouterr().out) == {
        "period_index": 1,
        "plan_id": "acme",
        "period_start": "2026-02-28",
        "period_end": "2026-03-31",
        "in_term": True,
        "hours_included": "10.00",
        "hours_used": "12.25",
        "hours_remaining": "0.00",
        "overage_hours": "2.25",
        "overage_amount": "0.00",
        "priority_hours": "1.33",
        "priority_amount": "0.00",
        "bank_hours": "1.42",
        "currency": "USD",
    }


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["balance", "--plan", "nope"], "unknown plan 'nope'; known plans: acme\n"),
        (["statements", "--plan", "nope"], "unknown plan 'nope'; known plans: acme\n"),
        (
            ["balance", "--plan", "acme", "--at", "2026-01-30"],
            "2026-01-30 is before plan acme's enrolment on 2026-01-31\n",
        ),
    ],
)
def test_bad_plan_arguments_are_refused(
    config: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    assert run(config, *args) == 2
    assert capsys.readouterr().err == message


def test_inbox_shows_parked_events_and_replays_one(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store, release = bootstrap.open_store(load_settings(config))
    clock = FakeClock(T0)
    try:
        InboxService(store, clock).receive(b'{"fail": "Jira said no"}', "d1")
        InboxService(store, clock).receive(b'{"worklogs": []}', "d2")
        policy = RetryPolicy(max_attempts=1, lease=timedelta(minutes=1))
        InboxProcessor(
            store, FakeParser(), ingest_for(clock), clock, worker="w", policy=policy
        ).run_once()
    finally:
        release()

    assert run(config, "inbox") == 0
    assert capsys.readouterr().out == "pending: 0  done: 1  failed: 1\n"
    assert run(config, "inbox", "--failed") == 0
    assert capsys.readouterr().out == (
        "id  event  received                attempts  last error\n"
        "--  -----  ----------------------  --------  --------------------------\n"
        " 1         2026-02-01 09:00+00:00         1  RuntimeError: Jira said no\n"
    )
    assert run(config, "inbox", "--retry", "1") == 0
    assert capsys.readouterr().out == "event 1 is pending again\n"
    assert run(config, "inbox", "--retry", "1") == 1
    assert capsys.readouterr().err == "no parked event with id 1\n"
    assert run(config, "inbox") == 0
    assert capsys.readouterr().out == "pending: 1  done: 1  failed: 0\n"
