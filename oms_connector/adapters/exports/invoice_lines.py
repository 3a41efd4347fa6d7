"""Statement lines as invoice lines: what the invoice formats (Xero, QuickBooks, Beancount) book.

An invoice line's quantity times its unit amount is exactly the line's amount, because
accounting systems recompute the amount from them. When the hours times the rate is
not exactly the amount (the amount is rounded to the cent, or an adjustment mixes a
change of hours with a change of money), the line is booked as one unit of its amount
and the hours and rate are stated in the description.

Lines of amount 0 (expired hours, hours drawn from the prepaid bank) are information
for the client, not for the books: they are left out.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from oms_connector.domain.lines import Line
from oms_connector.domain.statements import Statement

ONE = Decimal(1)
CENT = Decimal("0.01")


class ExportDialect(csv.Dialect):
    """Every CSV export: comma separated, LF line endings, quotes only where needed."""

    delimiter = ","
    quotechar = '"'
    doublequote = True
    escapechar = None
    lineterminator = "\n"
    quoting = csv.QUOTE_MINIMAL
    skipinitialspace = False
    strict = True


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""What makes a spreadsheet read a cell as a formula (OWASP, CSV injection)."""
NUMBER = re.compile(r"-?\d+(\.\d+)?")


def spreadsheet_safe(cell: str) -> str:
    """``cell`` as text a spreadsheet will not run: a leading ``'`` before a formula start.

    Numbers (``-12.50``) stay numbers.
    """
    if cell.startswith(FORMULA_STARTS) and NUMBER.fullmatch(cell) is None:
        return "'" + cell
    return cell


def csv_text(header: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    """The header and the rows in the export dialect, every cell made spreadsheet-safe."""
    out = io.StringIO()
    writer = csv.writer(out, dialect=ExportDialect)
    writer.writerow(header)
    writer.writerows([spreadsheet_safe(cell) for cell in row] for row in rows)
    return out.getvalue()


class InvoiceExportError(ValueError):
    """A statement that an accounting system cannot import as an invoice."""


def ordered(statements: Iterable[Statement]) -> list[Statement]:
    """By billing date, then number: the order of every export."""
    return sorted(statements, key=lambda s: (s.billing_date, s.number))


def last_day(line: Line) -> date:
    """The period's last day (its end is exclusive)."""
    return line.period_end - timedelta(days=1)


def period_text(line: Line) -> str:
    return f"{line.period_start.isoformat()} to {last_day(line).isoformat()}"


def money(value: Decimal) -> str:
    return str(value.quantize(CENT))


@dataclass(frozen=True)
class InvoiceLine:
    statement: Statement
    line: Line
    quantity: Decimal
    unit_amount: Decimal

    @property
    def amount(self) -> Decimal:
        return self.line.amount

    @property
    def description(self) -> str:
        line = self.line
        text = f"{line.description} ({period_text(line)}: {line.hours} h at {money(line.rate)})"
        if line.issue_keys:
            text += f"; issues {', '.join(line.issue_keys)}"
        return text


def invoice_line(statement: Statement, line: Line) -> InvoiceLine:
    quantity, unit = _quantity_and_unit(line)
    return InvoiceLine(statement=statement, line=line, quantity=quantity, unit_amount=unit)


def _quantity_and_unit(line: Line) -> tuple[Decimal, Decimal]:
    # A credit is a positive quantity at a negative price, the form invoices accept.
    sign = -ONE if line.amount < 0 else ONE
    quantity, unit = abs(line.hours), sign * line.rate
    if quantity * unit == line.amount and quantity != 0:
        return quantity, unit
    return ONE, line.amount


def booked_lines(statement: Statement) -> list[InvoiceLine]:
    """The lines that go on the invoice of ``statement``, in statement order."""
    return [invoice_line(statement, line) for line in statement.lines if line.amount != 0]


def booked(statements: Iterable[Statement]) -> Iterator[tuple[Statement, list[InvoiceLine]]]:
    """Each statement that has something to book, with its lines to book, in export order."""
    for statement in ordered(statements):
        lines = booked_lines(statement)
        if lines:
            yield statement, lines


def invoices(
    statements: Iterable[Statement], system: str
) -> Iterator[tuple[Statement, list[InvoiceLine]]]:
    """Like :func:`booked`, refusing a statement whose total is a credit: in ``system``
    that is a credit note, not an invoice."""
    for statement, lines in booked(statements):
        if statement.total < 0:
            raise InvoiceExportError(
                f"statement {statement.number} totals {money(statement.total)} "
                f"{statement.currency}, a credit, which {system} does not import as an "
                "invoice; enter it as a credit note and export the other statements "
                "with --from/--to"
            )
        yield statement, lines
