"""``oms-connector advise``: open planned tickets in rank order against the hours left."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
import responses

from oms_connector import bootstrap
from oms_connector.adapters.sql.engine import create_store_engine, upgrade
from oms_connector.adapters.sql.store import SqlStore
from oms_connector.cli import main
from oms_connector.domain.worklogs import Worklog
from tests.config.files import clear_oms_environment
from tests.gateway.jira_json import API, SITE, issue
from tests.writeback.board import FixedClock, logged, seed, stored_issue

CONFIG = """jira: {{url: "{site}", user: bot@example.com}}
database: {{url: "sqlite:///{database}"}}
plans:
  - {{id: acme, customer: Acme Corp, jira_projects: [ACME, WEB], hours_per_month: 10,
     term_months: 12, enrolled_on: 2026-09-15, timezone: America/New_York}}
classification:
  rules:
    - {{name: urgent-label, work_type: priority, labels: [urgent]}}
"""
JQL = 'project in ("ACME", "WEB") AND statusCategory != Done ORDER BY Rank ASC'
HOUR = 3600


@pytest.fixture
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    clear_oms_environment(monkeypatch)
    monkeypatch.setenv("OMS_JIRA_TOKEN", "token-0123456789")
    monkeypatch.setattr(bootstrap, "system_clock", FixedClock)
    path = tmp_path / "config.yaml"
    path.write_text(CONFIG.format(site=SITE, database=tmp_path / "oms.sqlite3"), encoding="utf-8")
    return path


@pytest.fixture
def http() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


def used(config: Path, *worklogs: Worklog) -> None:
    engine = create_store_engine(f"sqlite:///{config.parent / 'oms.sqlite3'}")
    upgrade(engine)
    store = SqlStore(engine)
    try:
        seed(store, [stored_issue("90001", "ACME-90")], worklogs)
    finally:
        store.close()


def board(http: responses.RequestsMock, estimates: Sequence[int | None]) -> None:
    """Open tickets ACME-1, ACME-2… in rank order, with these remaining estimates (seconds)."""
    issues = [
        issue(
            10001 + i,
            f"ACME-{i + 1}",
            priority="Medium",
            issue_type="Task",
            timetracking={} if seconds is None else {"remainingEstimateSeconds": seconds},
        )
        for i, seconds in enumerate(estimates)
    ]
    urgent = issue(10099, "ACME-99", labels=["urgent"], timetracking={})
    http.post(f"{API}/search/jql", json={"issues": [issues[0], urgent, *issues[1:]]})


def advise_json(capsys: pytest.CaptureFixture[str], config: Path) -> dict[str, Any]:
    status = main(["--config", str(config), "advise", "--plan", "acme", "--format", "json"])
    out, err = capsys.readouterr()
    assert (status, err) == (0, "")
    document: dict[str, Any] = json.loads(out)
    return document


def hours(*pairs: tuple[str, str]) -> list[dict[str, str]]:
    return [{"key": key, "hours": value} for key, value in pairs]


CASES = [
    pytest.param(
        210,
        [4 * HOUR, 9000],
        hours(("ACME-1", "4.00"), ("ACME-2", "2.50")),
        None,
        [],
        [],
        ("0.00", "0.00"),
        id="exact fit",
    ),
    pytest.param(
        210,
        [4 * HOUR, 4 * HOUR, HOUR],
        hours(("ACME-1", "4.00")),
        {"key": "ACME-2", "hours_now": "2.50", "hours_next": "1.50"},
        hours(("ACME-3", "1.00")),
        [],
        ("2.50", "156.25"),
        id="split",
    ),
    pytest.param(
        600,
        [3 * HOUR, 1800],
        [],
        None,
        hours(("ACME-1", "3.00"), ("ACME-2", "0.50")),
        [],
        ("3.50", "218.75"),
        id="nothing fits",
    ),
    pytest.param(
        210,
        [None, None],
        [],
        None,
        [],
        ["ACME-1", "ACME-2"],
        ("0.00", "0.00"),
        id="no estimates",
    ),
]


@pytest.mark.parametrize(
    ("used_minutes", "estimates", "fits", "split", "moves", "unestimated", "overage"), CASES
)
def test_the_advice_for_a_table_of_cases(
    used_minutes: int,
    estimates: list[int | None],
    fits: list[dict[str, str]],
    split: dict[str, str] | None,
    moves: list[dict[str, str]],
    unestimated: list[str],
    overage: tuple[str, str],
    config: Path,
    http: responses.RequestsMock,
    capsys: pytest.CaptureFixture[str],
) -> None:
    used(config, logged("1", used_minutes, issue_id="90001"))
    board(http, estimates)

    document = advise_json(capsys, config)

    left = f"{max(0, 600 - used_minutes) / 60:.2f}"
    assert document["hours"] == {
        "included": "10.00",
        "used": f"{used_minutes / 60:.2f}",
        "left": left,
    }
    assert document["period"] == {
        "start": "2026-11-15",
        "end": "2026-12-15",
        "last_day": "2026-12-14",
    }
    assert (document["fits"], document["split"], document["moves"]) == (fits, split, moves)
    assert document["unestimated"] == unestimated
    assert document["overage_if_nothing_moves"] == {
        "hours": overage[0],
        "rate": "62.50",
        "cost": overage[1],
        "currency": "USD",
    }
    assert document["commented"] == []


def test_jira_is_asked_for_the_open_tickets_of_the_plans_projects_in_rank_order(
    config: Path, http: responses.RequestsMock, capsys: pytest.CaptureFixture[str]
) -> None:
    used(config)
    board(http, [HOUR])

    advise_json(capsys, config)

    body = json.loads(http.calls[0].request.body or b"")
    assert body["jql"] == JQL
    assert "timetracking" in body["fields"]


def test_the_table_shows_each_ticket_and_the_cost_if_nothing_moves(
    config: Path, http: responses.RequestsMock, capsys: pytest.CaptureFixture[str]
) -> None:
    used(config, logged("1", 210, issue_id="90001"))
    board(http, [4 * HOUR, 4 * HOUR, HOUR, None])

    status = main(["--config", str(config), "advise", "--plan", "acme"])

    assert status == 0
    assert capsys.readouterr().out == (
        "Plan acme: 6.50 h left of 10.00 h until 2026-12-14\n"
        "\n"
        "rank  ticket  remaining h  now h  next period h  advice\n"
        "----  ------  -----------  -----  -------------  -----------\n"
        "   1  ACME-1         4.00   4.00           0.00  fits\n"
        "   2  ACME-2         4.00   2.50           1.50  split\n"
        "   3  ACME-3         1.00   0.00           1.00  move\n"
        "   4  ACME-4                                     no estimate\n"
        "\n"
        "If nothing moves: overage 2.50 h x 62.50 USD/h = 156.25 USD\n"
        "Without an estimate (not planned): ACME-4\n"
    )


ADVICE = (
    "Deferral advice: the remaining estimate of ACME-1 (8.00 h) exceeds the 6.50 h of plan "
    "acme left until 2026-12-14. Do 6.50 h now and defer 1.50 h to the next period (from "
    "2026-12-15); otherwise 1.50 h are billed at the priority rate, 62.50 USD/h (93.75 USD)."
)


def test_a_ticket_too_big_for_the_hours_left_is_told_once_a_period(
    config: Path, http: responses.RequestsMock, capsys: pytest.CaptureFixture[str]
) -> None:
    used(config, logged("1", 210, issue_id="90001"))
    board(http, [8 * HOUR, HOUR])
    http.post(f"{API}/issue/10001/comment", status=201, json={"id": "1"})
    args = ["--config", str(config), "advise", "--plan", "acme", "--comment", "--format", "json"]

    assert main(args) == 0
    first = json.loads(capsys.readouterr().out)
    assert main(args) == 0
    second = json.loads(capsys.readouterr().out)

    comments = [c for c in http.calls if c.request.url == f"{API}/issue/10001/comment"]
    assert [json.loads(c.request.body or b"")["body"] for c in comments] == [
        {
            "type": "doc",
            "version": 1,
            "content": [{"type": "paragraph", "content": [{"type": "text", "text": ADVICE}]}],
        }
    ]
    assert (first["commented"], second["commented"]) == (["ACME-1"], [])


def test_an_unknown_plan_is_a_usage_error(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--config", str(config), "advise", "--plan", "nope"]) == 2
    assert capsys.readouterr().err == "unknown plan 'nope'; known plans: acme\n"


def test_a_jira_failure_stops_the_advice_with_its_message(
    config: Path, http: responses.RequestsMock, capsys: pytest.CaptureFixture[str]
) -> None:
    used(config)
    http.post(f"{API}/search/jql", status=401)

    assert main(["--config", str(config), "advise", "--plan", "acme"]) == 1
    assert capsys.readouterr().err.startswith("advise stopped: Jira at https://your-domain")
