"""Every format on the statements of BILLING_RULES.md section 7, byte for byte."""

from __future__ import annotations

from pathlib import Path

import pytest

from oms_connector.adapters.exports.formats import FORMATS, writer
from oms_connector.adapters.exports.settings import ExportOptions

from .worked_example import section_7_statements

GOLDEN = Path(__file__).parent / "golden"

GOLDEN_FILES = [
    ("json", "statements.json"),
    ("csv", "statements.csv"),
    ("xero", "xero.csv"),
    ("quickbooks", "quickbooks.csv"),
    ("beancount", "statements.beancount"),
]


def test_every_format_has_a_golden_file() -> None:
    assert sorted(name for name, _ in GOLDEN_FILES) == sorted(FORMATS)


@pytest.mark.parametrize(("name", "filename"), GOLDEN_FILES)
def test_export_of_the_worked_example_matches_its_golden_file(name: str, filename: str) -> None:
    expected = (GOLDEN / filename).read_bytes()
    written = writer(name)(section_7_statements(), ExportOptions()).encode("utf-8")
    assert written == expected


@pytest.mark.parametrize("name", sorted(FORMATS))
def test_export_is_the_same_bytes_whatever_the_order_of_the_statements(name: str) -> None:
    statements = section_7_statements()
    once = writer(name)(statements, ExportOptions())
    again = writer(name)(list(reversed(statements)), ExportOptions())
    assert once == again


@pytest.mark.parametrize("name", sorted(FORMATS))
def test_export_ends_lines_with_lf_only(name: str) -> None:
    text = writer(name)(section_7_statements(), ExportOptions())
    assert "\r" not in text
    assert text.endswith("\n")


def test_unknown_format_names_the_known_ones() -> None:
    with pytest.raises(KeyError, match="known formats: json, csv, xero, quickbooks, beancount"):
        writer("sage")


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("json", "[]\n"),
        ("csv", "number,plan_id,customer,billing_date,kind,corrects,period_start,period_end,"),
        ("xero", "*ContactName,EmailAddress,POAddressLine1,"),
        ("quickbooks", "Invoice number,Customer,Invoice date,Due date,Terms,Memo,"),
        ("beancount", 'option "title" "OMS statements"\n'),
    ],
)
def test_export_of_no_statements_is_the_header_alone(name: str, expected: str) -> None:
    text = writer(name)([], ExportOptions())
    assert text.startswith(expected)
    assert text.count("\n") == 1
