"""The table and JSON renderings shared by the commands."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from oms_connector.commands.tables import Column, cell, format_table, to_json
from oms_connector.domain.classification import WorkType


def test_a_table_aligns_columns_and_has_no_trailing_spaces() -> None:
    columns = [Column("name", "name"), Column("hours", "hours", "right"), Column("note", "note")]
    rows = [
        {"name": "acme", "hours": Decimal("10"), "note": ""},
        {"name": "globex", "hours": Decimal("7.25"), "note": "bank"},
    ]

    assert format_table(columns, rows) == (
        "name    hours  note\n------  -----  ----\nacme       10\nglobex   7.25  bank\n"
    )


def test_a_table_without_rows_keeps_its_titles() -> None:
    assert format_table([Column("a", "alpha")], []) == "alpha\n-----\n"


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, ""),
        (True, "yes"),
        (False, "no"),
        (Decimal("62.50"), "62.50"),
        (date(2026, 1, 31), "2026-01-31"),
        (datetime(2026, 3, 3, 5, 0, tzinfo=UTC), "2026-03-03 05:00+00:00"),
        (WorkType.PRIORITY, "priority"),
        (("ACME", "GLX"), "ACME, GLX"),
        (frozenset({"b", "a"}), "a, b"),
        (3, "3"),
    ],
)
def test_cells_read_naturally(value: object, text: str) -> None:
    assert cell(value) == text


def test_json_keeps_decimals_exact_as_strings() -> None:
    document = {
        "amount": Decimal("140.63"),
        "day": date(2026, 2, 28),
        "at": datetime(2026, 3, 3, 5, 0, tzinfo=UTC),
        "kind": WorkType.OMS,
        "labels": frozenset({"urgent", "asap"}),
        "text": "Société",
    }

    assert json.loads(to_json(document)) == {
        "amount": "140.63",
        "day": "2026-02-28",
        "at": "2026-03-03T05:00:00+00:00",
        "kind": "oms",
        "labels": ["asap", "urgent"],
        "text": "Société",
    }
    assert "Société" in to_json(document)


def test_json_refuses_what_it_cannot_write_exactly() -> None:
    with pytest.raises(TypeError, match="object cannot be written as JSON"):
        to_json({"x": object()})
