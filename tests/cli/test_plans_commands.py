"""``check-config`` and ``periods`` on the example configuration, asserted exactly."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from oms_connector.cli import main
from tests.config.files import EXAMPLE, VALID, write

PLANS_TABLE = """\
plan     customer     projects     enrolled    timezone          currency  term now       next bill   agreement         bank hours
-------  -----------  -----------  ----------  ----------------  --------  -------------  ----------  ----------------  ----------
acme     Acme Corp    ACME         2026-01-31  America/New_York  USD       20 h at 34.00  2026-06-30  ends 2027-01-31            0
globex   Globex Ltd   GLX, GLXOPS  2026-02-15  Europe/London     USD       20 h at 35.00  2026-07-15  ends 2026-08-15         17.5
initech  Initech Inc  INI          2026-03-01  America/New_York  USD       40 h at 33.00  2026-07-01  renews monthly             0
delta    Delta LLC    DEL          2026-03-05  America/New_York  USD       priority only  2026-07-05  priority support          10
"""  # noqa: E501

TERM_HEADER = """\
term  starts      periods  hours/month  OMS rate  priority rate
----  ----------  -------  -----------  --------  -------------
"""

PLAN_DETAILS = (
    "\nacme: 2 terms, the last renewing monthly, ending 2027-01-31\n"
    + TERM_HEADER
    + "   1  2026-01-31  0-2               10     35.00          62.50\n"
    "   2  2026-04-30  3-11              20     34.00          62.50\n"
    "  first statement written: acme-20260131\n"
    "\nglobex: 1 term\n"
    + TERM_HEADER
    + "   1  2026-02-15  0-5               20     35.00          62.50\n"
    "  first statement written: globex-20260215\n"
    "  warning: the first close writes 4 statements, from globex-20260215: if earlier months "
    "were billed by other means, set billing_starts_on (for instance 2026-05-15)\n"
    "\ninitech: 1 term, the last renewing monthly\n"
    + TERM_HEADER
    + "   1  2026-03-01  0-                40     33.00          60.00\n"
    "  first statement written: initech-20260301\n"
    "  warning: the first close writes 4 statements, from initech-20260301: if earlier months "
    "were billed by other means, set billing_starts_on (for instance 2026-06-01)\n"
    "\ndelta: priority support only, from 2026-03-05\n"
    "  first statement written: delta-20260305\n"
    "  warning: the first close writes 4 statements, from delta-20260305: if earlier months "
    "were billed by other means, set billing_starts_on (for instance 2026-06-05)\n"
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


def test_check_config_prints_every_plan_its_terms_and_its_first_statement(
    capsys: pytest.CaptureFixture[str],
) -> None:
    status, out, err = run(
        capsys, "--config", str(EXAMPLE), "check-config", "--as-of", "2026-06-15"
    )

    assert (status, err) == (0, "")
    assert out == (
        "Configuration OK: 4 plans.\n" + SECRETS_UNSET + "\n" + PLANS_TABLE + PLAN_DETAILS
    )


@pytest.mark.parametrize(
    ("as_of", "current_term", "next_billing", "row"),
    [
        ("2026-02-28", 1, "2026-03-31", "10 h at 35.00  2026-03-31  ends 2027-01-31"),
        ("2026-04-30", 2, "2026-05-31", "20 h at 34.00  2026-05-31  ends 2027-01-31"),
        ("2026-12-31", 2, "2027-01-31", "20 h at 34.00  2027-01-31  ends 2027-01-31"),
        ("2027-02-01", None, "2027-02-28", "none           2027-02-28  ends 2027-01-31"),
    ],
)
def test_the_term_now_and_the_next_bill_follow_the_date(
    capsys: pytest.CaptureFixture[str],
    as_of: str,
    current_term: int | None,
    next_billing: str,
    row: str,
) -> None:
    _, out, _ = run(capsys, "--config", str(EXAMPLE), "check-config", "--as-of", as_of)
    acme = next(line for line in out.splitlines() if line.startswith("acme "))
    assert row in acme

    _, out, _ = run(
        capsys, "--config", str(EXAMPLE), "check-config", "--as-of", as_of, "--format", "json"
    )
    plan = json.loads(out)["plans"][0]
    assert (plan["current_term"], plan["next_billing"]) == (current_term, next_billing)


def test_a_plan_taken_over_says_what_it_will_not_bill(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    taken_over = VALID.replace("enrolled_on: 2026-01-31", "enrolled_on: 2024-01-31")
    path = write(
        tmp_path,
        taken_over.replace("2024-01-31}", "2024-01-31, billing_starts_on: 2026-01-31}"),
    )
    backlog = write(tmp_path, taken_over, "backlog.yaml")

    _, out, _ = run(capsys, "--config", str(path), "check-config", "--as-of", "2026-02-10")
    assert out.splitlines()[-2:] == [
        "  first statement written: acme-20260131",
        "  work logged before 2025-12-31 is not billed (billing_starts_on)",
    ]
    _, out, _ = run(capsys, "--config", str(backlog), "check-config", "--as-of", "2026-02-10")
    assert out.splitlines()[-1] == (
        "  warning: the first close writes 25 statements, from acme-20240131: if earlier "
        "months were billed by other means, set billing_starts_on (for instance 2026-01-31)"
    )


def test_check_config_says_which_secrets_are_set_without_showing_them(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OMS_JIRA_TOKEN", "tok-123-0123456789")
    monkeypatch.setenv("OMS_ADMIN_TOKEN", "adm-456-0123456789")

    status, out, _ = run(capsys, "--config", str(EXAMPLE), "check-config", "--as-of", "2026-06-15")

    assert status == 0
    assert out.splitlines()[1:4] == [
        "jira.token_env: OMS_JIRA_TOKEN is set",
        "webhook.secret_env: OMS_WEBHOOK_SECRET is not set",
        "pages.admin_token_env: OMS_ADMIN_TOKEN is set",
    ]
    assert "tok-123" not in out
    assert "adm-456" not in out


def test_check_config_refuses_a_blank_or_short_secret_and_says_why(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OMS_JIRA_TOKEN", "tok-123")
    monkeypatch.setenv("OMS_ADMIN_TOKEN", " ")

    status, out, err = run(
        capsys, "--config", str(EXAMPLE), "check-config", "--as-of", "2026-06-15"
    )

    assert status == 1
    assert out.splitlines()[:4] == [
        "Configuration refused: 2 secret(s) cannot be used.",
        "jira.token_env: OMS_JIRA_TOKEN is refused",
        "webhook.secret_env: OMS_WEBHOOK_SECRET is not set",
        "pages.admin_token_env: OMS_ADMIN_TOKEN is refused",
    ]
    assert err.splitlines() == [
        "jira.token_env: the environment variable OMS_JIRA_TOKEN holds 7 characters; "
        "the Jira token must have at least 16",
        "pages.admin_token_env: the environment variable OMS_ADMIN_TOKEN is blank (it holds "
        "the statement pages' admin token)",
    ]
    assert "tok-123" not in out + err


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
        "enrolled_on": "2026-01-31",
        "timezone": "America/New_York",
        "currency": "USD",
        "oms_rate": "35.00",
        "priority_rate": "62.50",
        "auto_renew": True,
        "ends_on": "2027-01-31",
        "billing_starts_on": "2026-01-31",
        "priority_bank_hours": "0",
        "terms": [
            {
                "number": 1,
                "starts_on": "2026-01-31",
                "periods": "0-2",
                "hours_per_month": "10",
                "oms_rate": "35.00",
                "priority_rate": "62.50",
                "term_months": 3,
            },
            {
                "number": 2,
                "starts_on": "2026-04-30",
                "periods": "3-11",
                "hours_per_month": "20",
                "oms_rate": "34.00",
                "priority_rate": "62.50",
                "term_months": 6,
            },
        ],
        "current_term": 2,
        "next_billing": "2026-06-30",
        "agreement_ends": "2027-01-31",
        "renews": True,
        "first_statement": "acme-20260131",
        "refused": None,
    }
    assert document["plans"][3]["back_billing"] == {
        "statements": 4,
        "from": "delta-20260305",
        "suggested_billing_starts_on": "2026-06-05",
    }
    assert [p["priority_bank_hours"] for p in document["plans"]] == ["0", "17.5", "0", "10"]
    assert document["secrets"] == [
        {"key": "jira.token_env", "variable": "OMS_JIRA_TOKEN", "set": False, "problem": None},
        {
            "key": "webhook.secret_env",
            "variable": "OMS_WEBHOOK_SECRET",
            "set": False,
            "problem": None,
        },
        {
            "key": "pages.admin_token_env",
            "variable": "OMS_ADMIN_TOKEN",
            "set": False,
            "problem": None,
        },
    ]


def test_periods_lists_billing_and_close_dates_with_the_grace_days(
    capsys: pytest.CaptureFixture[str],
) -> None:
    status, out, err = run(capsys, "--config", str(EXAMPLE), "periods", "--plan", "acme")

    assert (status, err) == (0, "")
    assert out == (
        "Plan acme (Acme Corp): 2 terms, the last renewing monthly, ending 2027-01-31, enrolled "
        "2026-01-31; America/New_York; periods close 3 days after they end.\n"
        "\n"
        "period  start       end (excl.)  billing date  closes      term\n"
        "------  ----------  -----------  ------------  ----------  ----\n"
        "     0  2026-01-31  2026-02-28   2026-01-31    2026-03-03  1\n"
        "     1  2026-02-28  2026-03-31   2026-02-28    2026-04-03  1\n"
        "     2  2026-03-31  2026-04-30   2026-03-31    2026-05-03  1\n"
        + "".join(
            f"{k:>6}  {start}  {end}   {start}    {closes}  2\n"
            for k, start, end, closes in [
                (3, "2026-04-30", "2026-05-31", "2026-06-03"),
                (4, "2026-05-31", "2026-06-30", "2026-07-03"),
                (5, "2026-06-30", "2026-07-31", "2026-08-03"),
                (6, "2026-07-31", "2026-08-31", "2026-09-03"),
                (7, "2026-08-31", "2026-09-30", "2026-10-03"),
                (8, "2026-09-30", "2026-10-31", "2026-11-03"),
                (9, "2026-10-31", "2026-11-30", "2026-12-03"),
                (10, "2026-11-30", "2026-12-31", "2027-01-03"),
                (11, "2026-12-31", "2027-01-31", "2027-02-03"),
            ]
        )
        + "    12  2027-01-31  2027-02-28   2027-01-31    2027-03-03  none\n"
    )


def test_periods_count_and_grace_days_come_from_the_arguments_and_configuration(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, VALID + "defaults: {close_grace_days: 0}\n")

    _, out, _ = run(capsys, "--config", str(path), "periods", "--plan", "acme", "--count", "14")

    rows = out.splitlines()[4:]
    assert len(rows) == 14
    assert rows[1] == "     1  2026-02-28  2026-03-31   2026-02-28    2026-03-31  1"
    assert rows[12] == "    12  2027-01-31  2027-02-28   2027-01-31    2027-02-28  none"
    assert rows[13] == "    13  2027-02-28  2027-03-31   2027-02-28    2027-03-31  none"


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
                "term": "1",
            },
            {
                "index": 1,
                "start": "2026-03-15",
                "end": "2026-04-15",
                "billing_date": "2026-03-15",
                "closes": "2026-04-18",
                "term": "1",
            },
        ],
    }


def test_an_unknown_plan_is_refused_with_the_known_ids(
    capsys: pytest.CaptureFixture[str],
) -> None:
    status, out, err = run(capsys, "--config", str(EXAMPLE), "periods", "--plan", "acme-corp")

    assert status == 2
    assert out == ""
    assert err == "unknown plan 'acme-corp'; known plans: acme, globex, initech, delta\n"


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
