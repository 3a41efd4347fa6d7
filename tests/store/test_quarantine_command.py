"""``oms-connector quarantine`` on a SQLite file: what is held, and accepting one; a held
worklog dated 9999 leaves ``balance`` and the statements as if it were not there."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from oms_connector import bootstrap
from oms_connector.config import load_settings
from oms_connector.domain.worklogs import Worklog
from oms_connector.services.ports import EventFacts
from tests.config.files import clear_oms_environment
from tests.services.builders import issue
from tests.services.fakes import FakeClock
from tests.store.test_commands import run, write_config

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
FAR = datetime.fromisoformat("9999-12-31T23:30:00-05:00")


@pytest.fixture
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    clear_oms_environment(monkeypatch)
    path = write_config(tmp_path)
    settings = load_settings(path)
    store, release = bootstrap.open_store(settings)
    work = (
        Worklog("w-far", "10001", FAR, 3600, NOW, "mallory"),
        Worklog("w-long", "10001", datetime(2026, 3, 2, 9, tzinfo=UTC), 30 * 3600, NOW, "ann"),
        Worklog("w-fine", "10001", datetime(2026, 3, 3, 9, tzinfo=UTC), 2 * 3600, NOW, "ann"),
    )
    try:
        with store.unit_of_work() as uow:
            bootstrap.ingest(settings, FakeClock(NOW)).apply(
                uow, EventFacts(issues=(issue(),), worklogs=work)
            )
            uow.commit()
    finally:
        release()
    return path


def test_quarantine_lists_what_is_held_and_why(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(config, "quarantine") == 0

    assert capsys.readouterr().out.splitlines() == [
        "2 worklogs held in quarantine, not counted:",
        "worklog  issue id  plan  author   started                    seconds"
        "  why it is not counted",
        "-------  --------  ----  -------  -------------------------  -------"
        "  --------------------------------------------------------------------",
        "w-far    10001     acme  mallory  9999-12-31T23:30:00-05:00     3600"
        "  started 9999-12-31T23:30:00-05:00 is after 2026-03-11T12:00:00+00:00",
        "w-long   10001     acme  ann      2026-03-02T09:00:00+00:00   108000"
        "  lasts 108000 s, more than the 86400 s a worklog may last",
    ]


def test_a_held_worklog_leaves_the_balance_as_if_it_were_not_there_until_accepted(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def hours_used() -> str:
        assert (
            run(config, "balance", "--plan", "acme", "--at", "2026-03-15", "--format", "json") == 0
        )
        return str(json.loads(capsys.readouterr().out)["hours_used"])

    assert hours_used() == "2.00"

    assert run(config, "quarantine", "--accept", "w-long") == 0
    assert capsys.readouterr().out == (
        "worklog w-long is counted: 108,000 s from 2026-03-02T09:00:00+00:00 on issue 10001\n"
    )
    assert hours_used() == "32.00"

    assert run(config, "quarantine", "--accept", "w-far") == 1
    assert capsys.readouterr().err == (
        "error: worklog w-far cannot be counted: started 9999-12-31T23:30:00-05:00 is in the "
        "future: correct it in Jira\n"
    )
    assert run(config, "quarantine", "--format", "json") == 0
    assert [h["worklog_id"] for h in json.loads(capsys.readouterr().out)["held"]] == ["w-far"]
