"""BILLING_RULES.md section 10 and a plan taken over, through the commands, on the sandbox.

The work is in the sandbox Jira; ``sync --once`` brings it in, ``close --as-of`` writes
the statements and ``statements --format json`` reads them back. Every figure is worked
out by hand from the rules.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from itertools import count
from pathlib import Path
from typing import Any

import pytest

from oms_connector.cli import main
from oms_connector.sandbox.clock import SandboxClock
from oms_connector.sandbox.seed import parse_seed
from oms_connector.sandbox.server import SandboxServer
from tests.config.files import clear_oms_environment

EMAIL, TOKEN = "connector@example.com", "sandbox-token-0123456789"
_ids = count(30001)


def issue(key: str, summary: str, priority: str, *work: tuple[str, int]) -> dict[str, Any]:
    """An issue of its key's project with worklogs ``(started, seconds)``."""
    return {
        "key": key,
        "project": key.split("-", maxsplit=1)[0],
        "summary": summary,
        "issueType": "Task",
        "priority": priority,
        "created": "2025-10-01T08:00:00.000+0000",
        "updated": "2025-10-01T08:00:00.000+0000",
        "worklogs": [
            {
                "id": next(_ids),
                "author": "557058:connector",
                "started": started,
                "timeSpentSeconds": seconds,
                "created": "2026-10-01T08:00:00.000+0000",
                "updated": "2026-10-01T08:00:00.000+0000",
            }
            for started, seconds in work
        ],
    }


H = 3600
SEED: dict[str, Any] = {
    "users": [
        {
            "accountId": "557058:connector",
            "displayName": "OMS Connector",
            "email": EMAIL,
            "apiToken": TOKEN,
        }
    ],
    "projects": [
        {"key": "ACME", "name": "Acme Corp"},
        {"key": "DEL", "name": "Delta LLC"},
        {"key": "LEG", "name": "Legacy Inc"},
    ],
    "issues": [
        # Section 7's work, and 22 h in the renewal's first period.
        issue(
            "ACME-1",
            "Planned work",
            "Medium",
            ("2026-02-01T12:00:00.000-0500", 8 * H + 30 * 60),
            ("2026-03-02T12:00:00.000-0500", 12 * H + 15 * 60),
            ("2026-04-01T12:00:00.000-0400", 10 * H),
            ("2026-05-04T12:00:00.000-0400", 22 * H),
        ),
        issue("ACME-2", "Checkout down", "Highest", ("2026-03-05T12:00:00.000-0500", 80 * 60)),
        # Delta: 4 h 30 m of priority work after its purchase of 2026-03-20.
        issue(
            "DEL-1",
            "Shop down",
            "Highest",
            ("2026-03-22T12:00:00.000-0400", 3 * H),
            ("2026-04-01T12:00:00.000-0400", 90 * 60),
        ),
        # Legacy: billed by other means until 2026-01-31.
        issue(
            "LEG-1",
            "Maintenance",
            "Medium",
            ("2025-11-10T12:00:00.000-0500", 30 * H),
            ("2025-12-10T12:00:00.000-0500", 12 * H),
            ("2026-01-05T12:00:00.000-0500", 11 * H),
        ),
    ],
}

CONFIG = """\
jira: {{url: "{url}", user: {email}, token_env: OMS_TEST_SANDBOX_TOKEN}}
database: {{url: "sqlite:///{database}"}}
defaults: {{timezone: America/New_York}}
writeback: {{enabled: false}}
classification:
  rules:
    - {{name: urgent, work_type: priority, priority: [Highest]}}
plans:
  - id: acme
    customer: Acme Corp
    jira_projects: [ACME]
    enrolled_on: 2026-01-31
    terms:
      - {{starts_on: 2026-01-31, hours_per_month: 10, term_months: 3}}
      - {{starts_on: 2026-04-30, hours_per_month: {renewal_hours}, term_months: 6,
         oms_rate: "34.00"}}
{third}
  - id: delta
    customer: Delta LLC
    jira_projects: [DEL]
    enrolled_on: 2026-03-05
    terms: []
    priority_bank:
      - {{purchased_on: 2026-03-20, hours: 10, price: "600.00"}}
  - id: legacy
    customer: Legacy Inc
    jira_projects: [LEG]
    enrolled_on: 2025-10-31
    hours_per_month: 10
    term_months: 3
    auto_renew: true
    billing_starts_on: 2026-01-31
"""
THIRD = "      - {starts_on: 2026-06-30, hours_per_month: 15, term_months: 3}"


@pytest.fixture
def sandbox() -> Iterator[SandboxServer]:
    clock = SandboxClock(datetime(2026, 11, 10, tzinfo=UTC), frozen=True)
    with SandboxServer(parse_seed(SEED), clock=clock) as server:
        yield server


@pytest.fixture
def configure(tmp_path: Path, sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch) -> Any:
    clear_oms_environment(monkeypatch)
    monkeypatch.setenv("OMS_TEST_SANDBOX_TOKEN", TOKEN)
    path = tmp_path / "config.yaml"

    def write(renewal_hours: int = 20, third: str = "") -> Path:
        text = CONFIG.format(
            url=sandbox.url,
            email=EMAIL,
            database=tmp_path / "oms.sqlite3",
            renewal_hours=renewal_hours,
            third=third,
        )
        path.write_text(text, encoding="utf-8")
        return path

    return write


def run(config: Path, *args: str) -> int:
    return main(["--config", str(config), *args])


def statements(config: Path, capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    capsys.readouterr()
    assert run(config, "statements", "--format", "json") == 0
    document = json.loads(capsys.readouterr().out)
    return {statement["number"]: statement for statement in document}


def lines(statement: dict[str, Any]) -> list[tuple[str, str, str, str, str]]:
    """Each line: kind, the start of the period it bills, hours, rate, amount."""
    return [
        (line["kind"], line["period_start"], line["hours"], line["rate"], line["amount"])
        for line in statement["lines"]
    ]


def test_section_10_and_a_plan_taken_over_through_sync_close_and_statements(
    configure: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    config = configure()
    assert run(config, "db", "upgrade") == 0
    assert run(config, "sync", "--once", "--since", "2025-10-01") == 0
    assert run(config, "close", "--as-of", "2026-05-03") == 0
    written = statements(config, capsys)

    assert {number: s["total"] for number, s in written.items()} == {
        "acme-20260131": "350.00",
        "acme-20260228": "350.00",
        "acme-20260331": "573.76",
        "acme-20260430": "680.00",
        "delta-20260405": "600.00",
        "legacy-20260131": "412.50",
        "legacy-20260228": "350.00",
        "legacy-20260331": "350.00",
        "legacy-20260430": "350.00",
    }
    assert lines(written["acme-20260430"]) == [
        ("subscription", "2026-04-30", "20.00", "34.00", "680.00"),
        ("expired", "2026-03-31", "0.00", "0.00", "0.00"),
    ]
    assert lines(written["delta-20260405"]) == [
        ("prepaid", "2026-03-05", "10.00", "60.00", "600.00"),
        ("priority", "2026-03-05", "4.50", "0.00", "0.00"),
    ]
    # Legacy's history before 2025-12-31 (30 h and more) is not billed: period 2 only.
    assert lines(written["legacy-20260131"]) == [
        ("subscription", "2026-01-31", "10.00", "35.00", "350.00"),
        ("overage", "2025-12-31", "1.00", "62.50", "62.50"),
        ("expired", "2025-12-31", "0.00", "0.00", "0.00"),
    ]
    assert "legacy-20251031" not in written

    # The renewal changed to 15 h once acme-20260430 is written: refused, nothing written.
    config = configure(renewal_hours=15)
    capsys.readouterr()
    assert run(config, "close", "--as-of", "2026-06-03") == 1
    out, err = capsys.readouterr()
    assert err == (
        "plan acme: period 3 (2026-04-30 to 2026-05-31) would change from 20 h at 34.00 "
        "(priority 62.50) to 15 h at 34.00 (priority 62.50), but acme-20260430 settled it; "
        "billed periods keep their terms: restore them, and start a new term on 2026-05-31 or "
        'later (see "Changing a plan" in docs/billing.md)\n'
    )
    assert "written acme-" not in out

    # A third term from 2026-06-30, before acme-20260630 is written: accepted.
    config = configure(third=THIRD)
    assert run(config, "close", "--as-of", "2026-07-03") == 0
    written = statements(config, capsys)
    assert lines(written["acme-20260531"]) == [
        ("subscription", "2026-05-31", "20.00", "34.00", "680.00"),
        ("overage", "2026-04-30", "2.00", "62.50", "125.00"),
        ("expired", "2026-04-30", "0.00", "0.00", "0.00"),
    ]
    assert written["acme-20260531"]["total"] == "805.00"
    assert lines(written["acme-20260630"]) == [
        ("subscription", "2026-06-30", "15.00", "35.00", "525.00"),
        ("expired", "2026-05-31", "20.00", "0.00", "0.00"),
    ]
    assert Decimal(written["acme-20260630"]["total"]) == Decimal("525.00")

    # Period 8 is covered by no term: the final statement is acme-20260930.
    assert run(config, "close", "--as-of", "2026-11-10") == 0
    written = statements(config, capsys)
    acme = sorted(number for number in written if number.startswith("acme-"))
    assert acme[-3:] == ["acme-20260731", "acme-20260831", "acme-20260930"]
    assert lines(written["acme-20260930"]) == [("expired", "2026-08-31", "15.00", "0.00", "0.00")]
    assert lines(written["acme-20260831"])[0] == (
        "subscription",
        "2026-08-31",
        "15.00",
        "35.00",
        "525.00",
    )
