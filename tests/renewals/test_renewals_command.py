"""``renewals``: the agreements whose last term ends within the days, as a table and as JSON."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from oms_connector import bootstrap
from oms_connector.cli import main
from tests.config.files import JIRA, clear_oms_environment, write
from tests.services.fakes import FakeClock

PLANS = """\
plans:
  - {id: acme, customer: Acme Corp, jira_projects: [ACME], hours_per_month: 10, term_months: 3,
     enrolled_on: 2026-01-31, timezone: America/New_York}
  - {id: globex, customer: Globex Ltd, jira_projects: [GLX], hours_per_month: 20, term_months: 3,
     enrolled_on: 2026-02-05, auto_renew: true, oms_rate: "33.00"}
  - id: initech
    customer: Initech Inc
    jira_projects: [INI]
    enrolled_on: 2026-01-20
    auto_renew: true
    ends_on: 2026-04-20
    terms:
      - {starts_on: 2026-01-20, hours_per_month: 12.5, term_months: 12, oms_rate: "34.5"}
  - {id: hooli, customer: Hooli, jira_projects: [HOO], hours_per_month: 10, term_months: 6,
     enrolled_on: 2026-03-01}
  - {id: delta, customer: Delta Co, jira_projects: [DLT], enrolled_on: 2026-03-05, terms: []}
"""

TABLE = """\
Last terms ending within 30 days of 2026-04-10:

plan     customer     last term from  hours/month  OMS rate  ends        days left  then
-------  -----------  --------------  -----------  --------  ----------  ---------  --------------------------------
initech  Initech Inc  2026-01-20             12.5     34.50  2026-04-20         10  ends
acme     Acme Corp    2026-01-31               10     35.00  2026-04-30         20  ends
globex   Globex Ltd   2026-02-05               20     33.00  2026-05-05         25  renews monthly on the same terms
"""  # noqa: E501


@pytest.fixture(autouse=True)
def _no_oms_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    clear_oms_environment(monkeypatch)


@pytest.fixture
def config(tmp_path: Path) -> str:
    return str(write(tmp_path, JIRA + PLANS))


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def test_the_table_lists_the_last_terms_ending_in_the_window_soonest_first(
    config: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(capsys, "--config", config, "renewals", "--as-of", "2026-04-10") == (0, TABLE, "")


def test_the_json_gives_each_term_with_exact_decimals_and_dates(
    config: str, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, _ = run(
        capsys, "--config", config, "renewals", "--as-of", "2026-04-10", "--format", "json"
    )

    assert status == 0
    assert json.loads(out) == {
        "as_of": "2026-04-10",
        "within_days": 30,
        "renewals": [
            {
                "plan_id": "initech",
                "customer": "Initech Inc",
                "term": {"starts_on": "2026-01-20", "hours_per_month": "12.5", "oms_rate": "34.50"},
                "currency": "USD",
                "ends_on": "2026-04-20",
                "renews": False,
                "days_left": 10,
            },
            {
                "plan_id": "acme",
                "customer": "Acme Corp",
                "term": {"starts_on": "2026-01-31", "hours_per_month": "10", "oms_rate": "35.00"},
                "currency": "USD",
                "ends_on": "2026-04-30",
                "renews": False,
                "days_left": 20,
            },
            {
                "plan_id": "globex",
                "customer": "Globex Ltd",
                "term": {"starts_on": "2026-02-05", "hours_per_month": "20", "oms_rate": "33.00"},
                "currency": "USD",
                "ends_on": "2026-05-05",
                "renews": True,
                "days_left": 25,
            },
        ],
    }


def test_within_reaches_a_term_ending_later_and_the_priority_only_plan_never_shows(
    config: str, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, _ = run(
        capsys, "--config", config, "renewals", "--as-of", "2026-04-10", "--within", "144"
    )

    assert status == 0
    assert [line.split()[0] for line in out.splitlines()[4:]] == [
        "initech",
        "acme",
        "globex",
        "hooli",
    ]
    assert out.splitlines()[-1].split()[-3:] == ["2026-09-01", "144", "ends"]


def test_a_term_one_day_beyond_the_window_is_left_out(
    config: str, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, _ = run(
        capsys, "--config", config, "renewals", "--as-of", "2026-04-10", "--within", "143"
    )

    assert status == 0
    assert "hooli" not in out
    assert len(out.splitlines()) == 7


def test_a_term_ending_on_the_day_itself_is_listed_with_no_days_left(
    config: str, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, _ = run(
        capsys, "--config", config, "renewals", "--as-of", "2026-04-30", "--format", "json"
    )

    assert status == 0
    listed = [(r["plan_id"], r["days_left"], r["renews"]) for r in json.loads(out)["renewals"]]
    assert listed == [("acme", 0, False), ("globex", 5, True)]


def test_an_auto_renewing_plan_past_its_term_is_not_listed_again(
    config: str, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, _ = run(
        capsys, "--config", config, "renewals", "--as-of", "2026-05-06", "--format", "json"
    )

    assert status == 0
    assert json.loads(out)["renewals"] == []


def test_with_nothing_to_list_one_line_says_so(
    config: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(capsys, "--config", config, "renewals", "--as-of", "2026-02-01") == (
        0,
        "No agreement's last term ends within 30 days of 2026-02-01.\n",
        "",
    )


def test_today_is_each_plan_s_own_date(
    config: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # 02:00 UTC on April 1st is still March 31st in New York: acme has 30 days left there,
    # globex (UTC) 34 days, beyond the window.
    clock = FakeClock(datetime(2026, 4, 1, 2, 0, tzinfo=UTC))
    monkeypatch.setattr(bootstrap, "system_clock", lambda: clock)

    status, out, _ = run(capsys, "--config", config, "renewals", "--format", "json")

    assert status == 0
    document = json.loads(out)
    assert document["as_of"] is None
    listed = [(r["plan_id"], r["ends_on"], r["days_left"]) for r in document["renewals"]]
    assert listed == [("initech", "2026-04-20", 19), ("acme", "2026-04-30", 30)]


@pytest.mark.parametrize("within", ["0", "-3", "ten"])
def test_within_must_be_a_whole_number_of_days(
    config: str, capsys: pytest.CaptureFixture[str], within: str
) -> None:
    with pytest.raises(SystemExit) as exit_status:
        main(["--config", config, "renewals", "--within", within])

    assert exit_status.value.code == 2
    assert f"argument --within: {within!r} is not a whole number from 1 to 3660" in (
        capsys.readouterr().err
    )
