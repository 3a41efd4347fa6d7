"""``renewals``: the agreements whose last term ends within some days, and what follows it."""

from __future__ import annotations

import argparse
import sys
from datetime import date

from oms_connector import bootstrap
from oms_connector.commands import EXIT_OK, Subparsers, add_command, iso_date, positive_int
from oms_connector.commands.tables import Column, Row, add_format_option, format_table, to_json
from oms_connector.config import Settings
from oms_connector.services.renewals import (
    Renewal,
    after_text,
    local_day,
    renewal_document,
    upcoming_renewals,
)
from oms_connector.services.writeback import hours_text, rate_text

DEFAULT_WITHIN_DAYS = 30
MAX_WITHIN_DAYS = 3660

RENEWAL_COLUMNS = (
    Column("plan_id", "plan"),
    Column("customer", "customer"),
    Column("starts_on", "last term from"),
    Column("hours_per_month", "hours/month", "right"),
    Column("oms_rate", "OMS rate", "right"),
    Column("ends_on", "ends"),
    Column("days_left", "days left", "right"),
    Column("after", "then"),
)


def register(subparsers: Subparsers) -> None:
    renewals = add_command(
        subparsers,
        "renewals",
        list_renewals,
        help="list the agreements whose last term ends soon, and whether they renew",
    )
    renewals.add_argument(
        "--within",
        type=positive_int(MAX_WITHIN_DAYS),
        default=DEFAULT_WITHIN_DAYS,
        metavar="DAYS",
        help=f"how many days ahead to look (default: {DEFAULT_WITHIN_DAYS})",
    )
    renewals.add_argument(
        "--as-of",
        type=iso_date,
        metavar="DATE",
        help="treat DATE as today (default: today in each plan's timezone)",
    )
    add_format_option(renewals)


def list_renewals(args: argparse.Namespace, settings: Settings) -> int:
    as_of: date | None = args.as_of
    within: int = args.within
    now = bootstrap.system_clock().now()
    found = upcoming_renewals(
        settings.domain_plans(), within, lambda plan: as_of or local_day(plan, now)
    )
    if args.format == "json":
        document = {
            "as_of": as_of,
            "within_days": within,
            "renewals": [renewal_document(renewal) for renewal in found],
        }
        sys.stdout.write(to_json(document))
        return EXIT_OK
    day = "today" if as_of is None else as_of.isoformat()
    if not found:
        print(f"No agreement's last term ends within {within} days of {day}.")
        return EXIT_OK
    sys.stdout.write(f"Last terms ending within {within} days of {day}:\n\n")
    sys.stdout.write(format_table(RENEWAL_COLUMNS, [_row(renewal) for renewal in found]))
    return EXIT_OK


def _row(renewal: Renewal) -> Row:
    return {
        "plan_id": renewal.plan.id,
        "customer": renewal.plan.customer,
        "starts_on": renewal.term.starts_on,
        "hours_per_month": hours_text(renewal.term.hours_per_month),
        "oms_rate": rate_text(renewal.oms_rate),
        "ends_on": renewal.ends_on,
        "days_left": renewal.days_left,
        "after": after_text(renewal),
    }
