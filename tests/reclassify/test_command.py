"""``oms-connector reclassify`` end to end on a SQLite file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from oms_connector import bootstrap
from oms_connector.cli import main
from oms_connector.config import load_settings
from oms_connector.services.ports import EventFacts
from tests.config.files import clear_oms_environment
from tests.services.builders import T0, ingest_for, issue
from tests.services.fakes import FakeClock

CONFIG = """\
jira: {{url: "https://example.atlassian.net", user: bot@example.com}}
database: {{url: "sqlite:///{directory}/oms.sqlite3"}}
plans:
  - {{id: acme, customer: Acme Corp, jira_projects: [ACME], hours_per_month: 10,
     term_months: 3, enrolled_on: 2026-01-31, timezone: America/New_York}}
classification:
  default: priority
"""


@pytest.fixture
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """acme's issues ACME-1 (default, oms when stored) and ACME-2 (rule urgent-label),
    under settings that dropped the rule and made the default priority."""
    clear_oms_environment(monkeypatch)
    path = tmp_path / "config.yaml"
    path.write_text(CONFIG.format(directory=tmp_path), encoding="utf-8")
    store, release = bootstrap.open_store(load_settings(path))
    try:
        facts = EventFacts(
            issues=(issue("1", "ACME-1"), issue("2", "ACME-2", labels=frozenset({"urgent"})))
        )
        with store.unit_of_work() as uow:
            ingest_for(FakeClock(T0)).apply(uow, facts)
            uow.commit()
    finally:
        release()
    return path


def run(config: Path, *args: str) -> int:
    return main(["--config", str(config), "reclassify", *args])


def test_a_dry_run_prints_what_would_change_and_a_run_then_stores_it(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(config, "--dry-run") == 0
    assert capsys.readouterr().out == (
        "2 issues checked, 2 would change\n"
        "issue   was       reason was          now       reason now\n"
        "------  --------  ------------------  --------  ----------\n"
        "ACME-1  oms       default             priority  default\n"
        "ACME-2  priority  rule: urgent-label  priority  default\n"
    )

    assert run(config) == 0
    assert capsys.readouterr().out.splitlines()[0] == "2 issues checked, 2 changed"

    assert run(config, "--format", "json") == 0
    assert json.loads(capsys.readouterr().out) == {
        "dry_run": False,
        "checked": 2,
        "superseded": 0,
        "changes": [],
    }


def test_the_json_output_names_each_change(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(config, "--dry-run", "--format", "json") == 0

    assert json.loads(capsys.readouterr().out)["changes"] == [
        {
            "key": "ACME-1",
            "old_work_type": "oms",
            "old_reason": "default",
            "new_work_type": "priority",
            "new_reason": "default",
        },
        {
            "key": "ACME-2",
            "old_work_type": "priority",
            "old_reason": "rule: urgent-label",
            "new_work_type": "priority",
            "new_reason": "default",
        },
    ]
