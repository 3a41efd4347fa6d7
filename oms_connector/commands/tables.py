"""Plain-text tables and JSON for command output.

Commands build rows as mappings of typed values (Decimal, date, bool…) and choose the
rendering with ``--format table|json`` (:func:`add_format_option`). In tables, money
and hours keep their written precision, dates are ISO, booleans read yes/no. In JSON,
decimals are strings (exact, never floats) and dates are ISO strings.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Literal

FORMATS = ("table", "json")
OutputFormat = Literal["table", "json"]
Row = Mapping[str, object]


@dataclass(frozen=True)
class Column:
    key: str
    title: str
    align: Literal["left", "right"] = "left"


def add_format_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--format",
        choices=FORMATS,
        default="table",
        help="output as an aligned table (default) or as JSON",
    )


def cell(value: object) -> str:
    """How a value reads in a table cell."""
    if isinstance(value, (list, tuple, set, frozenset)):
        items = sorted(value) if isinstance(value, (set, frozenset)) else value
        return ", ".join(cell(item) for item in items)
    return _scalar_cell(value)


def _scalar_cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, datetime):
        return value.isoformat(sep=" ", timespec="minutes")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def format_table(columns: Sequence[Column], rows: Iterable[Row]) -> str:
    """Columns separated by two spaces, a rule under the titles, no trailing spaces."""
    body = [[cell(row.get(column.key)) for column in columns] for row in rows]
    widths = [
        max([len(column.title), *(len(line[i]) for line in body)])
        for i, column in enumerate(columns)
    ]
    lines = [
        _line([column.title for column in columns], columns, widths),
        _line(["-" * width for width in widths], columns, widths),
        *(_line(line, columns, widths) for line in body),
    ]
    return "\n".join(lines) + "\n"


def _line(cells: Sequence[str], columns: Sequence[Column], widths: Sequence[int]) -> str:
    padded = (
        text.rjust(width) if column.align == "right" else text.ljust(width)
        for text, column, width in zip(cells, columns, widths, strict=True)
    )
    return "  ".join(padded).rstrip()


def to_json(value: object) -> str:
    return json.dumps(value, default=_json_value, indent=2, ensure_ascii=False) + "\n"


def _json_value(value: object) -> object:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, (set, frozenset)):
        return sorted(value)
    raise TypeError(f"{type(value).__name__} cannot be written as JSON")
