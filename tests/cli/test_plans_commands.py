"""``check-config`` and ``periods`` on the example configuration, asserted exactly."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from oms_connector.cli import main
from tests.config.files import EXAMPLE, VALID, write

PLANS_TABLE = """\
plan     customer     projects     hours/month  term  enrolled    timezone          OMS rate  priority rate  currency  auto-renew  bank hours
-------  -----------  -----------  -----------  ----  ----------  ----------------  --------  -------------  --------  ----------  ----------
acme     Acme Corp    ACME                  10     3  2026-01-31  America/New_York     35.00          62.50  USD       no                   0
globex   Globex Ltd   GLX, GLXOPS           20     6  2026-02-15  Europe/London        35.00          62.50  USD       no                17.5
initech  Initech Inc  INI                   40    12  2026-03-01  America/New_York     33.00          60.00  USD       yes                  0
"""  # noqa: E501

TERM_HEADER = """\
period  start       end (excl.)  billing date
------  ----------  -----------  ------------
"""

ACME_TERM = (
    """
acme: term 1, periods 0-2
"""
    + TERM_HEADER
    + """\
     0  2026-01-31  2026-02-28   2026-01-31
     1  2026-02-28  2026-03-31   2026-02-28
     2  2026-03-31  2026-04-30   2026-03-31
"""
)

GLOBEX_TERM = (
    """
globex: term 1, periods 0-5
"""
    + TERM_HEADER
    + """\
     0  2026-02-15  2026-03-15   2026-02-15
     1  2026-03-15  2026-04-15   2026-03-15
     2  2026-04-15  2026-05-15   2026-04-15
     3  2026-05-15  2026-06-15   2026-05-15
     4  2026-06-15  2026-07-15   2026-06-15
     5  2026-07-15  2026-08-15   2026-07-15
"""
)

INITECH_FIRST_TERM = (
    """
initech: term 1 (auto-renews), periods 0-11
"""
    + TERM_HEADER
    + "".join(
        f"{k:>6}  {start}  {end}   {start}\n"
        for k, (start, end) in enumerate(
            zip(
                [f"2026-{m:02}-01" for m in range(3, 13)] + ["2027-01-01", "2027-02-01"],
                [f"2026-{m:02}-01" for m in range(4, 13)]
                + ["2027-01-01", "2027-02-01", "2027-03-01"],
                strict=True,
            )
        )
    )
)

SECRETS_UNSET = """\
jira.token_env: OMS_JIRA_TOKEN is not set
webhook.secret_env: OMS_WEBHOOK_SECRET is not set
pages.admin_token_env: OMS_ADMIN_TOKEN is not set
"""


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def test_check_config_prints_every_plan_and_its_current_term(
    capsys: pytest.CaptureFixture[str],
) -> None:
    status, out, err = run(
        capsys, "--config", str(EXAMPLE), "check-config", "--as-of", "2026-06-15"
    )

    assert (status, err) == (0, "")
    assert out == (
        "Configuration OK: 3 plans.\n"
        + SECRETS_UNSET
        + "\n"
        + PLANS_TABLE
        + ACME_TERM
        + GLOBEX_TERM
        + INITECH_FIRST_TERM
    )


@pytest.mark.parametrize(
    ("as_of", "heading", "first_row"),
    [
        ("2026-02-28", "initech: term 1 (auto-renews), periods 0-11", "     0  2026-03-01"),
        ("2027-02-28", "initech: term 1 (auto-renews), periods 0-11", "     0  2026-03-01"),
        ("2027-03-01", "initech: term 2 (auto-renews), periods 12-23", "    12  2027-03-01"),
        ("2029-12-31", "initech: term 4 (auto-renews), periods 36-47", "    36  2029-03-01"),
    ],
)
def test_the_current_term_of_an_auto_renewing_plan_follows_the_date(
    capsys: pytest.CaptureFixture[str], as_of: str, heading: str, first_row: str
) -> None:
    _, out, _ = run(capsys, "--config", str(EXAMPLE), "check-config", "--as-of", as_of)

    lines = out.splitlines()
    at = lines.index(heading)
    assert lines[at + 3].startswith(first_row)
    assert len(lines) == at + 3 + 12


def test_check_config_says_which_secrets_are_set_without_showing_them(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OMS_JIRA_TOKEN", "tok-123")
    monkeypatch.setenv("OMS_ADMIN_TOKEN", "adm-456")

    _, out, _ = run(capsys, "--config", str(EXAMPLE), "check-config", "--as-of", "2026-06-15")

    assert out.splitlines()[1:4] == [
        "jira.token_env: OMS_JIRA_TOKEN is set",
        "webhook.secret_env: OMS_WEBHOOK_SECRET is not set",
        "pages.admin_token_env: OMS_ADMIN_TOKEN is set",
    ]
    assert "tok-123" not in out
    assert "adm-456" not in out


def test_check_config_as_json_gives_exact_decimals_and_dates(
    capsys: pytest.CaptureFixture[str],
) -> None:
    status, out, _ = run(
        capsys,
        "--config",
        str(EXAMPLE),
        "check-config",
        "--as-of",
        "2026-06-15",
        "--format",
        "json",
    )

    document = json.loads(out)
    assert status == 0
    assert document["plans"][0] == {
        "id": "acme",
        "customer": "Acme Corp",
        "jira_projects": ["ACME"],
        "hours_per_month": "10",
        "term_months": 3,
        "enrolled_on": "2026-01-31",
        "timezone": "America/New_York",
        "oms_rate": "35.00",
        "priority_rate": "62.50",
        "currency": "USD",
        "auto_renew": False,
        "priority_bank_hours": "0",
        "current_term": {
            "number": 1,
            "periods": [
                {
                    "index": 0,
                    "start": "2026-01-31",
                    "end": "2026-02-28",
                    "billing_date": "2026-01-31",
                },
                {
                    "index": 1,
                    "start": "2026-02-28",
                    "end": "2026-03-31",
                    "billing_date": "2026-02-28",
                },
                {
                    "index": 2,
                    "start": "2026-03-31",
                    "end": "2026-04-30",
                    "billing_date": "2026-03-31",
                },
            ],
        },
    }
    assert [p["priority_bank_hours"] for p in document["plans"]] == ["0", "17.5", "0"]
    assert document["secrets"] == [
        {"key": "jira.token_env", "variable": "OMS_JIRA_TOKEN", "set": False},
        {"key": "webhook.secret_env", "variable": "OMS_WEBHOOK_SECRET", "set": False},
        {"key": "pages.admin_token_env", "variable": "OMS_ADMIN_TOKEN", "set": False},
    ]


def test_periods_lists_billing_and_close_dates_with_the_grace_days(
    capsys: pytest.CaptureFixture[str],
) -> None:
    status, out, err = run(capsys, "--config", str(EXAMPLE), "periods", "--plan", "acme")

    assert (status, err) == (0, "")
    assert out == (
        "Plan acme (Acme Corp): 10 h a month, 3-month term from 2026-01-31; America/New_York; "
        "periods close 3 days after they end.\n"
        "\n"
        "period  start       end (excl.)  billing date  closes      in term\n"
        "------  ----------  -----------  ------------  ----------  -------\n"
        "     0  2026-01-31  2026-02-28   2026-01-31    2026-03-03  yes\n"
        "     1  2026-02-28  2026-03-31   2026-02-28    2026-04-03  yes\n"
        "     2  2026-03-31  2026-04-30   2026-03-31    2026-05-03  yes\n"
        "     3  2026-04-30  2026-05-31   2026-04-30    2026-06-03  no\n"
    )


def test_periods_count_and_grace_days_come_from_the_arguments_and_configuration(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, VALID + "defaults: {close_grace_days: 0}\n")

    _, out, _ = run(capsys, "--config", str(path), "periods", "--plan", "acme", "--count", "14")

    rows = out.splitlines()[4:]
    assert len(rows) == 14
    assert rows[1] == "     1  2026-02-28  2026-03-31   2026-02-28    2026-03-31  yes"
    assert rows[12] == "    12  2027-01-31  2027-02-28   2027-01-31    2027-02-28  no"
    assert rows[13] == "    13  2027-02-28  2027-03-31   2027-02-28    2027-03-31  no"


def test_periods_as_json(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(
        capsys,
        "--config",
        str(EXAMPLE),
        "periods",
        "--plan",
        "globex",
        "--count",
        "2",
        "--format",
        "json",
    )

    assert json.loads(out) == {
        "plan": "globex",
        "timezone": "Europe/London",
        "periods": [
            {
                "index": 0,
                "start": "2026-02-15",
                "end": "2026-03-15",
                "billing_date": "2026-02-15",
                "closes": "2026-03-18",
                "in_term": True,
            },
            {
                "index": 1,
                "start": "2026-03-15",
                "end": "2026-04-15",
                "billing_date": "2026-03-15",
                "closes": "2026-04-18",
                "in_term": True,
            },
        ],
    }


def test_an_unknown_plan_is_refused_with_the_known_ids(
    capsys: pytest.CaptureFixture[str],
) -> None:
    status, out, err = run(capsys, "--config", str(EXAMPLE), "periods", "--plan", "acme-corp")

    assert status == 2
    assert out == ""
    assert err == "unknown plan 'acme-corp'; known plans: acme, globex, initech\n"


@pytest.mark.parametrize("count", ["0", "-1", "many", "1201"])
def test_a_bad_count_is_an_argument_error(capsys: pytest.CaptureFixture[str], count: str) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--config", str(EXAMPLE), "periods", "--plan", "acme", "--count", count])

    assert exit_info.value.code == 2
    assert f"argument --count: {count!r} is not a whole number from 1 to 1200" in (
        capsys.readouterr().err
    )


def test_a_bad_as_of_date_is_an_argument_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--config", str(EXAMPLE), "check-config", "--as-of", "2026-02-30"])

    assert exit_info.value.code == 2
    assert "argument --as-of: '2026-02-30' is not a date (YYYY-MM-DD)" in capsys.readouterr().err
