"""Commands over the store: ``db upgrade``, ``inbox``, ``close``, ``statements``, ``balance``."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime

from oms_connector import bootstrap
from oms_connector.adapters.exports import statement_json
from oms_connector.adapters.sql.store import SqlStore
from oms_connector.commands import (
    EXIT_FAILURE,
    EXIT_OK,
    EXIT_USAGE,
    Subparsers,
    add_command,
    iso_date,
)
from oms_connector.commands.tables import Column, add_format_option, format_table, to_json
from oms_connector.config import Settings
from oms_connector.domain.plans import Plan
from oms_connector.domain.statements import Statement
from oms_connector.services.balance import Balance, BeforeEnrolmentError
from oms_connector.services.inbox import InboxService
from oms_connector.services.ports import InboxEvent

LINE_COLUMNS = (
    Column("kind", "kind"),
    Column("period", "period"),
    Column("hours", "hours", "right"),
    Column("rate", "rate", "right"),
    Column("amount", "amount", "right"),
    Column("description", "description"),
)
PARKED_COLUMNS = (
    Column("id", "id", "right"),
    Column("event", "event"),
    Column("received_at", "received"),
    Column("attempts", "attempts", "right"),
    Column("last_error", "last error"),
)


def register(subparsers: Subparsers) -> None:
    db = add_command(subparsers, "db", run_db, help="manage the database schema")
    db.add_argument("action", choices=["upgrade"], help="upgrade: apply every migration")

    inbox = add_command(subparsers, "inbox", run_inbox, help="show the event inbox")
    choice = inbox.add_mutually_exclusive_group()
    choice.add_argument("--failed", action="store_true", help="list the parked events")
    choice.add_argument("--retry", type=int, metavar="ID", help="replay a parked event")

    close = add_command(subparsers, "close", run_close, help="close due periods into statements")
    close.add_argument(
        "--as-of", type=iso_date, metavar="DATE", help="treat DATE as today (default: now)"
    )

    listing = add_command(subparsers, "statements", run_statements, help="list statements")
    listing.add_argument("--plan", metavar="ID", help="only this plan's statements")
    add_format_option(listing)

    balance = add_command(
        subparsers, "balance", run_balance, help="a plan's hours for the period containing a date"
    )
    balance.add_argument("--plan", required=True, metavar="ID", help="the plan's id")
    balance.add_argument(
        "--at", type=iso_date, metavar="DATE", help="a day of the period (default: today)"
    )
    add_format_option(balance)


@contextmanager
def _store(settings: Settings) -> Iterator[SqlStore]:
    store, release = bootstrap.open_store(settings)
    try:
        yield store
    finally:
        release()


def _fail(message: str, status: int = EXIT_FAILURE) -> int:
    print(message, file=sys.stderr)
    return status


def _plan(settings: Settings, plan_id: str) -> Plan | None:
    try:
        return settings.plan(plan_id)
    except KeyError:
        return None


def _unknown_plan(settings: Settings, plan_id: str) -> int:
    known = ", ".join(plan.id for plan in settings.plans)
    return _fail(f"unknown plan {plan_id!r}; known plans: {known}", EXIT_USAGE)


# --- db, inbox, close ------------------------------------------------------------------


def run_db(_args: argparse.Namespace, settings: Settings) -> int:
    bootstrap.upgrade_database(settings)
    print("database is up to date")
    return EXIT_OK


def run_inbox(args: argparse.Namespace, settings: Settings) -> int:
    with _store(settings) as store:
        inbox = InboxService(store, bootstrap.system_clock())
        if args.retry is not None:
            if not inbox.retry(args.retry):
                return _fail(f"no parked event with id {args.retry}")
            print(f"event {args.retry} is pending again")
            return EXIT_OK
        if args.failed:
            parked = inbox.parked()
            sys.stdout.write(format_table(PARKED_COLUMNS, [_parked_row(e) for e in parked]))
            return EXIT_OK
        counts = inbox.counts()
    print("  ".join(f"{status.value}: {count}" for status, count in counts.items()))
    return EXIT_OK


def _parked_row(event: InboxEvent) -> dict[str, object]:
    error = (event.last_error or "").splitlines()[0][:120] if event.last_error else ""
    return {
        "id": event.id,
        "event": event.event,
        "received_at": event.received_at,
        "attempts": event.attempts,
        "last_error": error,
    }


def run_close(args: argparse.Namespace, settings: Settings) -> int:
    with _store(settings) as store:
        clock = bootstrap.system_clock()
        report = bootstrap.close_service(settings, store, clock).close(as_of=args.as_of)
    for number in report.written:
        print(f"written {number}")
    for number in report.skipped:
        print(f"skipped {number} (nothing to bill)")
    noun = "statement" if len(report.written) == 1 else "statements"
    print(f"{len(report.written)} {noun} written")
    for refusal in report.refused:
        print(refusal, file=sys.stderr)
    return EXIT_FAILURE if report.refused else EXIT_OK


# --- statements ------------------------------------------------------------------------


def run_statements(args: argparse.Namespace, settings: Settings) -> int:
    if args.plan is not None and _plan(settings, args.plan) is None:
        return _unknown_plan(settings, args.plan)
    with _store(settings) as store, store.unit_of_work() as uow:
        found = uow.statements.list(args.plan)
    if args.format == "json":
        sys.stdout.write(statement_json.dumps(found))
        return EXIT_OK
    if not found:
        print("no statements")
    sys.stdout.write("\n".join(_statement_table(statement) for statement in found))
    return EXIT_OK


def _statement_table(statement: Statement) -> str:
    total = statement_json.money(statement.total)
    header = (
        f"{statement.number}  {statement.customer}  {statement.billing_date.isoformat()}  "
        f"total {total} {statement.currency}\n"
    )
    rows = [
        {
            "kind": line.kind.value if line.corrects is None else f"adjustment ({line.corrects})",
            "period": f"{line.period_start.isoformat()} to {line.period_end.isoformat()}",
            "hours": line.hours,
            "rate": statement_json.money(line.rate),
            "amount": statement_json.money(line.amount),
            "description": line.description,
        }
        for line in statement.lines
    ]
    return header + format_table(LINE_COLUMNS, rows)


# --- balance ---------------------------------------------------------------------------

BALANCE_FIELDS: tuple[tuple[str, str, Callable[[Balance], object]], ...] = (
    ("plan_id", "plan", lambda b: b.plan_id),
    ("period_start", "period start", lambda b: b.period_start),
    ("period_end", "period end (excl.)", lambda b: b.period_end),
    ("in_term", "in term", lambda b: b.in_term),
    ("hours_included", "hours included", lambda b: b.hours_included),
    ("hours_used", "OMS hours used", lambda b: b.hours_used),
    ("hours_remaining", "OMS hours remaining", lambda b: b.hours_remaining),
    ("overage_hours", "overage hours", lambda b: b.overage_hours),
    ("overage_amount", "overage amount", lambda b: statement_json.money(b.overage_amount)),
    ("priority_hours", "priority hours", lambda b: b.priority_hours),
    ("priority_amount", "priority amount", lambda b: statement_json.money(b.priority_amount)),
    ("bank_hours", "priority bank hours", lambda b: b.bank_hours),
    ("currency", "currency", lambda b: b.currency),
)


def run_balance(args: argparse.Namespace, settings: Settings) -> int:
    plan = _plan(settings, args.plan)
    if plan is None:
        return _unknown_plan(settings, args.plan)
    day = args.at or datetime.now(plan.timezone).date()
    with _store(settings) as store:
        try:
            balance = bootstrap.balance_service(store).balance(plan, day)
        except BeforeEnrolmentError as error:
            return _fail(str(error), EXIT_USAGE)
    values = {key: read(balance) for key, _, read in BALANCE_FIELDS}
    if args.format == "json":
        sys.stdout.write(to_json({"period_index": balance.period_index, **values}))
        return EXIT_OK
    rows = [{"field": title, "value": values[key]} for key, title, _ in BALANCE_FIELDS]
    columns = (Column("field", "balance"), Column("value", "", "right"))
    sys.stdout.write(format_table(columns, rows))
    return EXIT_OK
