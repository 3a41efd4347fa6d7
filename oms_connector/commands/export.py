"""``export``: closed statements in an accounting format; ``statement``: one client statement.

``oms-connector export --format FORMAT [--from DATE] [--to DATE] [--plan ID] [--output PATH]``
selects statements by billing date (both ends included) and writes them to PATH, or
to standard output. The same statements always give the same bytes.

``oms-connector statement NUMBER --html PATH`` writes the statement page the web app
serves, as one self-contained file.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from oms_connector import bootstrap
from oms_connector.adapters.exports.formats import FORMATS, writer
from oms_connector.adapters.exports.invoice_lines import InvoiceExportError
from oms_connector.adapters.exports.settings import (
    ExportOptions,
    ExportSettingsError,
    KindBooking,
)
from oms_connector.commands import (
    EXIT_FAILURE,
    EXIT_OK,
    EXIT_USAGE,
    Subparsers,
    add_command,
    iso_date,
)
from oms_connector.config import BookingSettings, Settings
from oms_connector.domain.lines import LineKind
from oms_connector.services.reports import StatementReports, UnknownStatementError
from webhook_app.pages import render_statement


def register(subparsers: Subparsers) -> None:
    export = add_command(
        subparsers, "export", run_export, help="export closed statements for accounting"
    )
    export.add_argument("--format", required=True, choices=list(FORMATS), help="the file format")
    export.add_argument(
        "--from", dest="since", type=iso_date, metavar="DATE", help="first billing date"
    )
    export.add_argument(
        "--to", dest="until", type=iso_date, metavar="DATE", help="last billing date"
    )
    export.add_argument("--plan", metavar="ID", help="only this plan's statements")
    export.add_argument(
        "--output", type=Path, metavar="PATH", help="file to write (default: stdout)"
    )

    statement = add_command(
        subparsers, "statement", run_statement, help="write a client statement page"
    )
    statement.add_argument("number", help="the statement number, such as acme-20260331")
    statement.add_argument(
        "--html", type=Path, metavar="PATH", required=True, help="HTML file to write"
    )


def export_options(settings: Settings) -> ExportOptions:
    """The ``exports`` section as the writers' options."""
    section = settings.exports
    bookings = section.bookings
    return ExportOptions(
        bookings={
            LineKind.SUBSCRIPTION: _booking(bookings.subscription),
            LineKind.OVERAGE: _booking(bookings.overage),
            LineKind.PRIORITY: _booking(bookings.priority),
            LineKind.PREPAID: _booking(bookings.prepaid),
        },
        due_days=section.due_days,
        quickbooks_terms=section.quickbooks_terms,
        quickbooks_date_format=section.quickbooks_date_format,
        receivable_account=section.receivable_account,
    )


def _booking(booking: BookingSettings) -> KindBooking:
    return KindBooking(
        account_code=booking.account_code,
        tax_type=booking.tax_type,
        item=booking.item,
        income_account=booking.income_account,
    )


@contextmanager
def _reports(settings: Settings) -> Iterator[StatementReports]:
    store, release = bootstrap.open_store(settings)
    try:
        yield StatementReports(store, settings.domain_plans(), bootstrap.system_clock())
    finally:
        release()


def _fail(message: str, status: int = EXIT_FAILURE) -> int:
    print(message, file=sys.stderr)
    return status


def run_export(args: argparse.Namespace, settings: Settings) -> int:
    if args.since is not None and args.until is not None and args.since > args.until:
        return _fail(
            f"--from {args.since.isoformat()} is after --to {args.until.isoformat()}", EXIT_USAGE
        )
    if args.plan is not None and args.plan not in {plan.id for plan in settings.plans}:
        known = ", ".join(plan.id for plan in settings.plans)
        return _fail(f"unknown plan {args.plan!r}; known plans: {known}", EXIT_USAGE)
    with _reports(settings) as reports:
        statements = reports.statements(args.plan, args.since, args.until)
    try:
        text = writer(args.format)(statements, export_options(settings))
    except (InvoiceExportError, ExportSettingsError) as error:
        return _fail(f"cannot export as {args.format}: {error}")
    if args.output is None:
        sys.stdout.write(text)
    else:
        try:
            write_file(args.output, text)
        except OSError as error:
            return _fail(f"cannot write {args.output}: {error.strerror}")
    noun = "statement" if len(statements) == 1 else "statements"
    where = f" to {args.output}" if args.output is not None else ""
    print(f"exported {len(statements)} {noun} as {args.format}{where}", file=sys.stderr)
    return EXIT_OK


def run_statement(args: argparse.Namespace, settings: Settings) -> int:
    with _reports(settings) as reports:
        try:
            view = reports.statement(args.number)
        except UnknownStatementError as error:
            return _fail(str(error))
    try:
        write_file(args.html, render_statement(view, settings.jira.url))
    except OSError as error:
        return _fail(f"cannot write {args.html}: {error.strerror}")
    print(f"wrote statement {args.number} to {args.html}", file=sys.stderr)
    return EXIT_OK


def write_file(path: Path, text: str) -> None:
    """Write ``text`` as UTF-8 with its LF line endings, replacing ``path`` in one step.

    The file is readable by its owner only, like the temporary file it was written as:
    statements are the clients' billing records.
    """
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
        Path(temporary).replace(path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
