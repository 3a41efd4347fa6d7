"""``check-config`` and ``periods``: what the configuration says about each plan."""

from __future__ import annotations

import argparse
import sys
from datetime import date, datetime
from decimal import Decimal

from oms_connector.commands import (
    EXIT_OK,
    EXIT_USAGE,
    Subparsers,
    add_command,
    iso_date,
    positive_int,
)
from oms_connector.commands.tables import Column, Row, add_format_option, format_table, to_json
from oms_connector.config import Settings
from oms_connector.domain.periods import (
    billing_date,
    close_instant,
    local_midnight,
    period,
    period_index_at,
)
from oms_connector.domain.plans import Plan

MAX_PERIODS = 1200

PLAN_COLUMNS = (
    Column("id", "plan"),
    Column("customer", "customer"),
    Column("jira_projects", "projects"),
    Column("hours_per_month", "hours/month", "right"),
    Column("term_months", "term", "right"),
    Column("enrolled_on", "enrolled"),
    Column("timezone", "timezone"),
    Column("oms_rate", "OMS rate", "right"),
    Column("priority_rate", "priority rate", "right"),
    Column("currency", "currency"),
    Column("auto_renew", "auto-renew"),
    Column("priority_bank_hours", "bank hours", "right"),
)
TERM_COLUMNS = (
    Column("index", "period", "right"),
    Column("start", "start"),
    Column("end", "end (excl.)"),
    Column("billing_date", "billing date"),
)
PERIOD_COLUMNS = (
    *TERM_COLUMNS,
    Column("closes", "closes"),
    Column("in_term", "in term"),
)


def register(subparsers: Subparsers) -> None:
    check = add_command(
        subparsers,
        "check-config",
        check_config,
        help="validate the configuration and print the plans it describes",
    )
    check.add_argument(
        "--as-of",
        type=iso_date,
        metavar="DATE",
        help="the day that decides an auto-renewing plan's current term (default: today)",
    )
    add_format_option(check)

    periods = add_command(
        subparsers, "periods", list_periods, help="list a plan's periods and billing dates"
    )
    periods.add_argument("--plan", required=True, metavar="ID", help="the plan's id")
    periods.add_argument(
        "--count",
        type=positive_int(MAX_PERIODS),
        metavar="N",
        help="how many periods (default: the term plus the period of the final statement)",
    )
    add_format_option(periods)


# --- check-config ----------------------------------------------------------------------


def check_config(args: argparse.Namespace, settings: Settings) -> int:
    plans = settings.domain_plans()
    as_of: date | None = args.as_of
    secrets = _secrets(settings)
    if args.format == "json":
        document = {
            "plans": [_plan_document(plan, as_of) for plan in plans],
            "secrets": [
                {"key": key, "variable": name, "set": is_set} for key, name, is_set in secrets
            ],
        }
        sys.stdout.write(to_json(document))
        return EXIT_OK
    noun = "plan" if len(plans) == 1 else "plans"
    out = [f"Configuration OK: {len(plans)} {noun}.\n"]
    out.extend(
        f"{key}: {name} is {'set' if is_set else 'not set'}\n" for key, name, is_set in secrets
    )
    out.append("\n")
    out.append(format_table(PLAN_COLUMNS, [_plan_row(plan) for plan in plans]))
    for plan in plans:
        term, indexes = current_term(plan, as_of or _today(plan))
        renewal = " (auto-renews)" if plan.auto_renew else ""
        out.append(
            f"\n{plan.id}: term {term + 1}{renewal}, periods {indexes.start}-{indexes.stop - 1}\n"
        )
        out.append(format_table(TERM_COLUMNS, [_term_row(plan, k) for k in indexes]))
    sys.stdout.write("".join(out))
    return EXIT_OK


def _secrets(settings: Settings) -> list[tuple[str, str, bool]]:
    """Which secret variables are set (never their values)."""
    return [
        ("jira.token_env", settings.jira.token_env, settings.jira.token is not None),
        ("webhook.secret_env", settings.webhook.secret_env, settings.webhook.secret is not None),
        (
            "pages.admin_token_env",
            settings.pages.admin_token_env,
            settings.pages.admin_token is not None,
        ),
    ]


def current_term(plan: Plan, as_of: date) -> tuple[int, range]:
    """The term (0-based) containing ``as_of`` and its period indexes.

    Without renewal there is one term; before enrolment the first term is current.
    """
    if not plan.auto_renew:
        return 0, range(plan.term_months)
    index = max(period_index_at(plan, local_midnight(plan, as_of)), 0)
    term = index // plan.term_months
    return term, range(term * plan.term_months, (term + 1) * plan.term_months)


def _today(plan: Plan) -> date:
    return datetime.now(plan.timezone).date()


def _plan_row(plan: Plan) -> Row:
    return {
        "id": plan.id,
        "customer": plan.customer,
        "jira_projects": plan.jira_projects,
        "hours_per_month": plan.hours_per_month,
        "term_months": plan.term_months,
        "enrolled_on": plan.enrolled_on,
        "timezone": plan.timezone.key,
        "oms_rate": plan.oms_rate,
        "priority_rate": plan.priority_rate,
        "currency": plan.currency,
        "auto_renew": plan.auto_renew,
        "priority_bank_hours": sum((p.hours for p in plan.priority_bank), start=Decimal(0)),
    }


def _term_row(plan: Plan, index: int) -> Row:
    p = period(plan, index)
    return {
        "index": index,
        "start": p.start_date,
        "end": p.end_date,
        "billing_date": billing_date(plan, index),
    }


def _plan_document(plan: Plan, as_of: date | None) -> dict[str, object]:
    term, indexes = current_term(plan, as_of or _today(plan))
    return {
        **_plan_row(plan),
        "current_term": {"number": term + 1, "periods": [_term_row(plan, k) for k in indexes]},
    }


# --- periods ---------------------------------------------------------------------------


def list_periods(args: argparse.Namespace, settings: Settings) -> int:
    try:
        plan = settings.plan(args.plan)
    except KeyError:
        known = ", ".join(p.id for p in settings.plans)
        print(f"unknown plan {args.plan!r}; known plans: {known}", file=sys.stderr)
        return EXIT_USAGE
    count: int = args.count or plan.term_months + 1
    grace = settings.defaults.close_grace_days
    rows = [_period_row(plan, k, grace) for k in range(count)]
    if args.format == "json":
        document = {"plan": plan.id, "timezone": plan.timezone.key, "periods": rows}
        sys.stdout.write(to_json(document))
        return EXIT_OK
    sys.stdout.write(
        f"Plan {plan.id} ({plan.customer}): {plan.hours_per_month} h a month, "
        f"{plan.term_months}-month term from {plan.enrolled_on.isoformat()}"
        f"{', auto-renewing' if plan.auto_renew else ''}; {plan.timezone.key}; "
        f"periods close {grace} days after they end.\n\n"
    )
    sys.stdout.write(format_table(PERIOD_COLUMNS, rows))
    return EXIT_OK


def _period_row(plan: Plan, index: int, grace_days: int) -> Row:
    closes = close_instant(plan, index, grace_days).astimezone(plan.timezone)
    return {**_term_row(plan, index), "closes": closes.date(), "in_term": plan.in_term(index)}
