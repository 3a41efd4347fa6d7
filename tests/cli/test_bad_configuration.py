"""Every kind of bad configuration: one exact line per problem on stderr, exit status 2."""

from __future__ import annotations

from pathlib import Path

import pytest

from oms_connector.cli import main
from tests.config.files import ACME, GLOBEX, JIRA, VALID, write

RULES = """classification:
  rules:
    - {name: urgent, work_type: priority, priority: [Highest, High]}
    - {name: incidents, work_type: priority, issue_type: [Bug, Incident]}
    - {name: urgent-label, work_type: priority, labels: [urgent]}
    - {name: reactive-words, work_type: priority, text: "(?i)\\\\b(outage|down|broken|asap"}
"""

SECRET_MESSAGE = (
    "secrets must not be written in the configuration file; set the environment variable "
    "named by {}"
)

CASES = [
    pytest.param(
        "jira: {user: bot@example.com}\nplans:\n" + ACME,
        ["jira.url: field required"],
        id="missing key",
    ),
    pytest.param(JIRA, ["plans: field required"], id="missing section"),
    pytest.param(
        VALID.replace("term_months: 3", "term_months: three"),
        [
            "plans[0].term_months: input should be a valid integer, "
            "unable to parse string as an integer"
        ],
        id="wrong type",
    ),
    pytest.param(
        VALID.replace("term_months: 3", "term_months: 3.5"),
        [
            "plans[0].term_months: input should be a valid integer, "
            "got a number with a fractional part"
        ],
        id="fractional integer",
    ),
    pytest.param(
        "jira: https://example.atlassian.net\nplans:\n" + ACME,
        ["jira: must be a mapping of keys to values"],
        id="section of the wrong type",
    ),
    pytest.param(
        VALID.replace("enrolled_on: 2026-01-31", "enrolled_on: 2026-02-30"),
        [
            "plans[0].enrolled_on: input should be a valid date or datetime, day value is outside "
            "expected range"
        ],
        id="impossible date",
    ),
    pytest.param(
        VALID.replace("user: bot@example.com", "user: bot@example.com, tokn: OMS_X"),
        ["jira.tokn: unknown key"],
        id="unknown key",
    ),
    pytest.param(
        VALID + "databse: {url: 'sqlite:///x.sqlite3'}\n",
        ["databse: unknown key"],
        id="unknown section",
    ),
    pytest.param(
        VALID.replace("hours_per_month: 10", "hours_per_month: 5"),
        ["plans[0].hours_per_month: 5 is below the minimum of 10 hours a month"],
        id="below minimum hours",
    ),
    pytest.param(
        JIRA + "plans:\n" + ACME + GLOBEX.replace("term_months: 6", "term_months: 2"),
        ["plans[1].term_months: 2 is below the minimum term of 3 months"],
        id="below minimum term",
    ),
    pytest.param(
        VALID + "defaults: {min_term_months: 6, min_hours_per_month: '12.5'}\n",
        [
            "plans[0].hours_per_month: 10 is below the minimum of 12.5 hours a month",
            "plans[0].term_months: 3 is below the minimum term of 6 months",
        ],
        id="below configured minimums",
    ),
    pytest.param(
        VALID.replace("enrolled_on: 2026-01-31", "enrolled_on: 2026-01-31, timezone: Mars/Base"),
        ["plans[0].timezone: unknown timezone 'Mars/Base'"],
        id="unknown timezone",
    ),
    pytest.param(
        VALID + "defaults: {timezone: Europe/Atlantis}\n",
        ["defaults.timezone: unknown timezone 'Europe/Atlantis'"],
        id="unknown default timezone",
    ),
    pytest.param(
        VALID + RULES,
        [
            "classification.rules[3].text: invalid regular expression: missing ), "
            "unterminated subpattern at position 6"
        ],
        id="invalid regular expression",
    ),
    pytest.param(
        VALID + "classification:\n  rules:\n    - {name: all, work_type: priority}\n",
        [
            "classification.rules[0]: a rule needs at least one condition (priority, "
            "issue_type, labels, components, request_type or text)"
        ],
        id="rule without condition",
    ),
    pytest.param(
        VALID + "classification:\n  rules:\n    - {name: x, work_type: urgent, labels: [x]}\n",
        ["classification.rules[0].work_type: input should be 'oms' or 'priority'"],
        id="unknown work type",
    ),
    pytest.param(
        VALID
        + "classification:\n  rules:\n"
        + "    - {name: x, work_type: priority, labels: [x]}\n"
        + "    - {name: x, work_type: oms, labels: [y]}\n",
        ["classification.rules[1].name: 'x' is already the name of classification.rules[0]"],
        id="duplicate rule name",
    ),
    pytest.param(
        VALID.replace("user: bot@example.com", "user: bot@example.com, token: abc123"),
        ["jira.token: " + SECRET_MESSAGE.format("jira.token_env")],
        id="jira token written in the file",
    ),
    pytest.param(
        VALID + "webhook: {secret: s3cret}\n",
        ["webhook.secret: " + SECRET_MESSAGE.format("webhook.secret_env")],
        id="webhook secret written in the file",
    ),
    pytest.param(
        VALID + "pages: {admin_token: s3cret}\n",
        ["pages.admin_token: " + SECRET_MESSAGE.format("pages.admin_token_env")],
        id="admin token written in the file",
    ),
    pytest.param(
        VALID.replace("user: bot@example.com", "user: bot@example.com, api_token: x"),
        ["jira.api_token: " + SECRET_MESSAGE.format("jira.token_env")],
        id="secret under another key name",
    ),
    pytest.param(
        VALID.replace("user: bot@example.com", "user: bot@example.com, token_env: ATATT3xFfGF0aB1"),
        [
            "jira.token_env: must be the name of an environment variable (capital letters, "
            "digits and underscores), not the secret itself"
        ],
        id="token pasted as the variable name",
    ),
    pytest.param(
        VALID + "webhook: {secret_env: 'hunter2!'}\n",
        [
            "webhook.secret_env: must be the name of an environment variable (capital letters, "
            "digits and underscores), not the secret itself"
        ],
        id="secret pasted as the webhook variable name",
    ),
    pytest.param(
        VALID.replace("https://example.atlassian.net", "https://bot:tok@example.atlassian.net"),
        [
            "jira.url: must not carry credentials or a query; set the token in the environment "
            "variable named by jira.token_env"
        ],
        id="credentials in the Jira URL",
    ),
    pytest.param(
        VALID.replace("user: bot@example.com", "user: 'bot@example.com:ATATT3xFf'"),
        [
            "jira.user: looks like a credential; write the account (e-mail address or user "
            "name) here and set the token in the environment variable named by jira.token_env"
        ],
        id="credential in the Jira user",
    ),
    pytest.param(
        VALID + "database: {url: 'postgresql+psycopg://oms:pw@db/oms'}\n",
        [
            "database.url: a password must not be written in the configuration file; set the "
            "whole URL in the environment variable OMS_DATABASE__URL"
        ],
        id="database password written in the file",
    ),
    pytest.param(
        VALID + "database: {url: 'mysql://db/oms'}\n",
        ["database.url: must be sqlite:///PATH or postgresql+psycopg://USER@HOST/NAME"],
        id="unsupported database",
    ),
    pytest.param(
        JIRA + "plans:\n" + ACME + ACME.replace("[ACME]", "[ACME2]"),
        ["plans[1].id: 'acme' is already the id of plans[0]"],
        id="duplicate plan id",
    ),
    pytest.param(
        JIRA + "plans:\n" + ACME + GLOBEX.replace("[GLX]", "[GLX, ACME]"),
        [
            "plans[1].jira_projects[1]: project ACME is already mapped to plan 'acme' "
            "(plans[0]); a project belongs to one plan"
        ],
        id="project mapped to two plans",
    ),
    pytest.param(
        VALID.replace("[ACME]", "[acme]"),
        [
            "plans[0].jira_projects[0]: 'acme' is not a Jira project key (capital letters, "
            "digits and underscores, starting with a letter, such as ACME)"
        ],
        id="lower-case project key",
    ),
    pytest.param(
        VALID.replace("hours_per_month: 10", "hours_per_month: 10.0001"),
        ["plans[0].hours_per_month: 10.0001 h is not a whole number of seconds"],
        id="hours that are not whole seconds",
    ),
    pytest.param(
        VALID + "defaults: {oms_rate: .nan, priority_rate: '-1', currency: usd}\n",
        [
            "defaults.oms_rate: input should be a finite number",
            "defaults.priority_rate: input should be greater than or equal to 0",
            "defaults.currency: 'usd' is not a three-letter ISO 4217 code such as USD",
        ],
        id="bad money",
    ),
    pytest.param(
        VALID + "defaults: {oms_rate: 'thirty'}\n",
        ["defaults.oms_rate: 'thirty' is not a decimal number"],
        id="money that is not a number",
    ),
    pytest.param(
        VALID.replace("user:", "deployment: server, user:"),
        ["jira.deployment: input should be 'cloud' or 'datacenter'"],
        id="unknown deployment",
    ),
    pytest.param(
        VALID + "jira: {url: 'https://other.atlassian.net'}\n",
        ["invalid YAML at line 5, column 1: found the key 'jira' twice"],
        id="key written twice",
    ),
    pytest.param(
        "jira: [\n",
        ["invalid YAML at line 2, column 1: expected the node content, but found '<stream end>'"],
        id="unparsable YAML",
    ),
    pytest.param(
        "- jira\n",
        ["must hold a mapping of sections (jira, database, plans, ...) at the top level"],
        id="not a mapping",
    ),
    pytest.param(
        VALID + "_env_file: /etc/passwd\n",
        ["_env_file: unknown key"],
        id="settings-loader option as a key",
    ),
    pytest.param(
        "jira: {url: ftp://example.net, user: ''}\nplans: []\n",
        [
            "jira.url: must be an http or https address such as https://example.atlassian.net",
            "jira.user: must not be empty",
            "plans: list should have at least 1 item after validation, not 0",
        ],
        id="several problems at once",
    ),
]


@pytest.mark.parametrize(("text", "problems"), CASES)
def test_a_bad_configuration_prints_one_line_per_problem_and_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, problems: list[str]
) -> None:
    path = write(tmp_path, text)

    status = main(["--config", str(path), "check-config"])

    captured = capsys.readouterr()
    assert status == 2
    assert captured.err == "".join(f"{path}: {problem}\n" for problem in problems)
    assert captured.out == ""


def test_a_missing_file_is_one_clear_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "nowhere.yaml"

    status = main(["--config", str(path), "periods", "--plan", "acme"])

    assert status == 2
    assert capsys.readouterr().err == (
        f"{path}: no such file (give --config PATH or set OMS_CONFIG)\n"
    )


def test_a_float_from_the_environment_is_refused_with_the_variable_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(tmp_path, VALID)
    monkeypatch.setenv("OMS_DEFAULTS", '{"oms_rate": 35.5}')

    status = main(["--config", str(path), "check-config"])

    assert status == 2
    assert capsys.readouterr().err == (
        f'{path}: defaults.oms_rate: must be written as a quoted decimal string such as "35.50", '
        "not a float (set by the environment variable OMS_DEFAULTS)\n"
    )


def test_a_secret_set_as_a_key_from_the_environment_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(tmp_path, VALID)
    monkeypatch.setenv("OMS_JIRA__TOKEN", "abc123")

    status = main(["--config", str(path), "check-config"])

    assert status == 2
    err = capsys.readouterr().err
    assert err == (
        f"{path}: jira.token: "
        + SECRET_MESSAGE.format("jira.token_env")
        + " (set by the environment variable OMS_JIRA__TOKEN)\n"
    )
    assert "abc123" not in err


def test_an_unparsable_environment_override_is_reported(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(tmp_path, VALID)
    monkeypatch.setenv("OMS_PLANS", "[not json")

    status = main(["--config", str(path), "check-config"])

    assert status == 2
    assert capsys.readouterr().err == (
        f'{path}: environment: error parsing value for field "plans" from source '
        '"EnvSettingsSource"\n'
    )


def test_secret_values_are_never_echoed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = VALID.replace(
        "user: bot@example.com",
        "user: bot@example.com, token_env: ATATTxyzSECRET, token: ATATTxyzSECRET",
    )
    path = write(tmp_path, text)

    assert main(["--config", str(path), "check-config"]) == 2
    assert "ATATTxyzSECRET" not in capsys.readouterr().err
