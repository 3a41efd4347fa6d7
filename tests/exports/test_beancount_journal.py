"""The Beancount journal passes ``bean-check``, whatever the customer is called."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from oms_connector.adapters.exports.beancount import customer_account, write_beancount
from oms_connector.adapters.exports.settings import ExportOptions
from oms_connector.domain.statements import Statement

from .prepaid_example import prepaid_statement
from .worked_example import section_7_statements, statements_with_late_changes

BEAN_CHECK = Path(sys.executable).with_name("bean-check")


def bean_check(text: str, directory: Path) -> subprocess.CompletedProcess[str]:
    journal = directory / "statements.beancount"
    journal.write_text(text, encoding="utf-8")
    return subprocess.run(
        [str(BEAN_CHECK), str(journal)], capture_output=True, text=True, check=False
    )


def renamed(statements: list[Statement], customer: str) -> list[Statement]:
    return [dataclasses.replace(statement, customer=customer) for statement in statements]


@pytest.mark.parametrize(
    "statements",
    [section_7_statements, statements_with_late_changes, lambda: [prepaid_statement()]],
    ids=["worked example", "late changes", "prepaid hours"],
)
def test_bean_check_accepts_the_journal(
    statements: Callable[[], list[Statement]], tmp_path: Path
) -> None:
    result = bean_check(write_beancount(statements(), ExportOptions()), tmp_path)
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")


def test_bean_check_refuses_a_journal_that_does_not_balance(tmp_path: Path) -> None:
    text = write_beancount(section_7_statements(), ExportOptions())
    broken = text.replace(
        "Assets:Receivable:Acme-Corp  573.76 USD", "Assets:Receivable:Acme-Corp  573.75 USD"
    )
    assert broken != text
    result = bean_check(broken, tmp_path)
    assert result.returncode != 0
    assert "does not balance" in result.stdout + result.stderr


@pytest.mark.parametrize(
    ("customer", "account"),
    [
        ("Acme Corp", "Assets:Receivable:Acme-Corp"),
        ('Café "Zoë" & Sons\\Co', "Assets:Receivable:Cafe-Zoe-Sons-Co"),
        ("acme ltd.", "Assets:Receivable:Acme-ltd"),
        ("3M", "Assets:Receivable:3M"),
        ("日本商事", "Assets:Receivable:Plan-acme"),
    ],
)
def test_customer_names_become_valid_accounts_and_strings(
    customer: str, account: str, tmp_path: Path
) -> None:
    statements = renamed(section_7_statements(), customer)
    assert customer_account(ExportOptions(), statements[0]) == account
    result = bean_check(write_beancount(statements, ExportOptions()), tmp_path)
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")


def test_each_posting_names_its_statement_and_worklogs() -> None:
    text = write_beancount(section_7_statements(), ExportOptions())
    overage = text[text.index("Income:OMS:Overage  -140.63 USD") :].split("\n")[1:8]
    assert overage == [
        '    kind: "overage"',
        '    description: "OMS work beyond the 10.00 h of the period"',
        '    period: "2026-02-28/2026-03-31"',
        '    hours: "2.25"',
        '    rate: "62.50"',
        '    issue_keys: "ACME-2"',
        '    worklog_ids: "200"',
    ]
    assert '2026-03-31 * "Acme Corp" "OMS statement acme-20260331" ^acme-20260331' in text
