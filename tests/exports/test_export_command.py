"""``export`` and ``statement --html`` end to end on a SQLite file."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from oms_connector import bootstrap
from oms_connector.cli import main
from oms_connector.config import load_settings
from oms_connector.domain.classification import IssueSnapshot
from oms_connector.domain.terms import BilledTerms
from oms_connector.domain.worklogs import Worklog
from oms_connector.services.ports import StoredIssue
from tests.config.files import clear_oms_environment
from tests.domain.builders import acme

from .worked_example import section_7_statements, section_7_work

GOLDEN = Path(__file__).parent / "golden"
STORED_AT = datetime(2026, 5, 4, tzinfo=UTC)

CONFIG = """\
jira: {{url: "https://acme.atlassian.net", user: billing@example.com}}
database: {{url: "sqlite:///{database}"}}
plans:
  - {{id: acme, customer: Acme Corp, jira_projects: [ACME], hours_per_month: 10,
     term_months: 3, enrolled_on: 2026-01-31, timezone: America/New_York}}
"""


@pytest.fixture
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A configuration whose database holds the section 7 statements and their worklogs."""
    clear_oms_environment(monkeypatch)
    path = tmp_path / "config.yaml"
    path.write_text(CONFIG.format(database=tmp_path / "oms.sqlite3"), encoding="utf-8")
    store, release = bootstrap.open_store(load_settings(path))
    try:
        with store.unit_of_work() as uow:
            for item in section_7_work():
                issue_id = item.issue_key.removeprefix("ACME-")
                snapshot = IssueSnapshot(id=issue_id, key=item.issue_key, project_key="ACME")
                uow.issues.save_if_not_older(
                    StoredIssue(snapshot, STORED_AT, item.work_type, "rule", False), STORED_AT
                )
                worklog = Worklog(item.worklog_id, issue_id, item.started, item.seconds, STORED_AT)
                uow.worklogs.save_if_supersedes(worklog, STORED_AT)
            for statement in reversed(section_7_statements()):
                uow.statements.add(statement, STORED_AT, terms=BilledTerms.of(acme(), through=0))
            uow.commit()
    finally:
        release()
    return path


def run(config: Path, *args: str) -> int:
    return main(["--config", str(config), *args])


@pytest.mark.parametrize(
    ("fmt", "golden"),
    [
        ("json", "statements.json"),
        ("csv", "statements.csv"),
        ("xero", "xero.csv"),
        ("quickbooks", "quickbooks.csv"),
        ("beancount", "statements.beancount"),
    ],
)
def test_export_of_the_stored_statements_is_the_golden_file(
    config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], fmt: str, golden: str
) -> None:
    output = tmp_path / f"out.{fmt}"
    assert run(config, "export", "--format", fmt, "--output", str(output)) == 0
    assert output.read_bytes() == (GOLDEN / golden).read_bytes()
    assert capsys.readouterr().err == f"exported 4 statements as {fmt} to {output}\n"
    assert output.stat().st_mode & 0o077 == 0


def test_export_to_standard_output_selects_by_billing_date_and_plan(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ("export", "--format", "csv", "--plan", "acme", "--from", "2026-02-28")
    assert run(config, *args, "--to", "2026-03-31") == 0
    captured = capsys.readouterr()
    numbers = [line.split(",")[0] for line in captured.out.splitlines()[1:]]
    assert numbers == ["acme-20260228", "acme-20260228", *["acme-20260331"] * 4]
    assert captured.err == "exported 2 statements as csv\n"


@pytest.mark.parametrize(
    ("args", "status", "message"),
    [
        (
            ("--format", "csv", "--from", "2026-04-01", "--to", "2026-03-01"),
            2,
            "--from 2026-04-01 is after --to 2026-03-01\n",
        ),
        (("--format", "csv", "--plan", "globex"), 2, "unknown plan 'globex'; known plans: acme\n"),
    ],
)
def test_export_refuses_bad_arguments(
    config: Path,
    capsys: pytest.CaptureFixture[str],
    args: tuple[str, ...],
    status: int,
    message: str,
) -> None:
    assert run(config, "export", *args) == status
    assert capsys.readouterr() == ("", message)


def test_export_into_a_missing_directory_fails_cleanly(
    config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "missing" / "out.csv"
    assert run(config, "export", "--format", "csv", "--output", str(target)) == 1
    assert capsys.readouterr().err == f"cannot write {target}: No such file or directory\n"


def test_unknown_format_is_a_usage_error(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        run(config, "export", "--format", "sage")
    assert exit_info.value.code == 2
    assert "invalid choice: 'sage'" in capsys.readouterr().err


def test_statement_html_writes_the_page_with_its_figures(
    config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    page = tmp_path / "acme-20260331.html"
    assert run(config, "statement", "acme-20260331", "--html", str(page)) == 0
    html = page.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>")
    assert '<span class="value" id="used">12.25 h</span>' in html
    assert '<td class="num" id="total">573.76 USD</td>' in html
    assert '<a href="https://acme.atlassian.net/browse/ACME-2">ACME-2</a>' in html
    assert capsys.readouterr().err == f"wrote statement acme-20260331 to {page}\n"


def test_statement_html_of_an_unknown_statement_fails(
    config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    page = tmp_path / "page.html"
    assert run(config, "statement", "acme-20260401", "--html", str(page)) == 1
    assert capsys.readouterr().err == "no statement acme-20260401\n"
    assert not page.exists()
