"""``quarantine``: the worklogs not counted because they are not plausible, and accepting one.

``quarantine [--format table|json]`` lists them with their reasons;
``quarantine --accept ID`` counts one as Jira sent it, when the agency confirms it.
"""

from __future__ import annotations

import argparse
import sys

from oms_connector import bootstrap
from oms_connector.commands import EXIT_FAILURE, EXIT_OK, Subparsers, add_command
from oms_connector.commands.tables import Column, Row, add_format_option, format_table, to_json
from oms_connector.config import Settings
from oms_connector.services.ports import HeldWorklog
from oms_connector.services.quarantine import QuarantineError, QuarantineService

COLUMNS = (
    Column("worklog_id", "worklog"),
    Column("issue_id", "issue id"),
    Column("plan", "plan"),
    Column("author", "author"),
    Column("started", "started"),
    Column("seconds", "seconds", "right"),
    Column("reason", "why it is not counted"),
)


def register(subparsers: Subparsers) -> None:
    parser = add_command(
        subparsers,
        "quarantine",
        run_quarantine,
        help="list the worklogs held out of every sum as not plausible, or accept one",
    )
    parser.add_argument(
        "--accept",
        metavar="ID",
        help="count the held worklog ID as Jira sent it (the agency confirms it)",
    )
    add_format_option(parser)


def run_quarantine(args: argparse.Namespace, settings: Settings) -> int:
    store, close_store = bootstrap.open_store(settings)
    try:
        service = bootstrap.quarantine_service(settings, store, bootstrap.system_clock())
        if args.accept is not None:
            return _accept(service, args.accept)
        held = service.held()
    finally:
        close_store()
    rows = [_row(service, one) for one in held]
    if args.format == "json":
        sys.stdout.write(to_json({"held": rows}))
    elif not rows:
        print("No worklog is held in quarantine.")
    else:
        print(f"{len(rows):,} worklogs held in quarantine, not counted:")
        sys.stdout.write(format_table(COLUMNS, rows))
    return EXIT_OK


def _accept(service: QuarantineService, worklog_id: str) -> int:
    try:
        accepted = service.accept(worklog_id)
    except QuarantineError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_FAILURE
    worklog = accepted.worklog
    print(
        f"worklog {worklog.id} is counted: {worklog.seconds:,} s from "
        f"{worklog.started.isoformat()} on issue {worklog.issue_id}"
    )
    return EXIT_OK


def _row(service: QuarantineService, held: HeldWorklog) -> Row:
    worklog = held.worklog
    return {
        "worklog_id": worklog.id,
        "issue_id": worklog.issue_id,
        "plan": service.plan_of(held) or "",
        "author": worklog.author,
        "started": worklog.started.isoformat(),
        "seconds": worklog.seconds,
        "reason": held.reason,
        "held_at": held.held_at,
    }
