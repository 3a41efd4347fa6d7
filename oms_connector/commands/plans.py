"""``check-config`` and ``periods``: what the configuration says about each plan."""

from __future__ import annotations

import argparse
import sys
from datetime import date, datetime
from decimal import Decimal

from oms_connector import bootstrap
from oms_connector.commands import (
    EXIT_FAILURE,
    EXIT_OK,
    EXIT_USAGE,
    Subparsers,
    add_command,
    iso_date,
    positive_int,
)
from oms_connector.commands.tables import Column, Row, add_format_option, format_table, to_json
from oms_connector.config import Settings
from oms_connector.config.sections import EnvironmentSecret
from oms_connector.domain.calendar import PlanCalendar, Standing
from oms_connector.domain.money import CENT
from oms_connector.domain.plans import Plan
from oms_connector.services.close import refusals
from oms_connector.services.ports import StoreUnavailableError

MAX_PERIODS = 1200

PLAN_COLUMNS = (
    Column("id", "plan"),
    Column("customer", "customer"),
    Column("jira_projects", "projects"),
    Column("enrolled_on", "enrolled"),
    Column("timezone", "timezone"),
    Column("currency", "currency"),
    Column("term_now", "term now"),
    Column("next_billing", "next bill"),
    Column("agreement", "agreement"),
    Column("priority_bank_hours", "bank hours", "right"),
)
TERM_COLUMNS = (
    Column("number", "term", "right"),
    Column("starts_on", "starts"),
    Column("periods", "periods"),
    Column("hours_per_month", "hours/month", "right"),
    Column("oms_rate", "OMS rate", "right"),
    Column("priority_rate", "priority rate", "right"),
)
PERIOD_COLUMNS = (
    Column("index", "period", "right"),
    Column("start", "start"),
    Column("end", "end (excl.)"),
    Column("billing_date", "billing date"),
    Column("closes", "closes"),
    Column("term", "term"),
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
    bad_secrets = [secret.problem for secret in secrets if secret.problem is not None]
    settled, refused = _billed(settings, plans)
    grace = settings.defaults.close_grace_days
    notes = {plan.id: _notes(plan, as_of, grace, settled.get(plan.id, set())) for plan in plans}
    if args.format == "json":
        document = {
            "plans": [
                {**_plan_document(plan, as_of), **notes[plan.id], "refused": refused.get(plan.id)}
                for plan in plans
            ],
            "secrets": [
                {
                    "key": secret.key,
                    "variable": secret.variable,
                    "set": secret.value is not None,
                    "problem": secret.problem,
                }
                for secret in secrets
            ],
        }
        sys.stdout.write(to_json(document))
        return EXIT_FAILURE if refused or bad_secrets else EXIT_OK
    noun = "plan" if len(plans) == 1 else "plans"
    out = [f"Configuration OK: {len(plans)} {noun}.\n"]
    if refused:
        out[0] = (
            f"Configuration valid: {len(plans)} {noun}, but the close refuses {len(refused)} "
            "of them (each named on standard error): billed periods keep their terms.\n"
        )
    if bad_secrets and not refused:
        out[0] = f"Configuration refused: {len(bad_secrets)} secret(s) cannot be used.\n"
    out.extend(f"{s.key}: {s.variable} is {_secret_state(s)}\n" for s in secrets)
    out.append("\n")
    out.append(format_table(PLAN_COLUMNS, [_plan_row(plan, as_of) for plan in plans]))
    for plan in plans:
        out.append(f"\n{plan.id}: {_agreement_text(plan)}\n")
        if plan.terms:
            out.append(format_table(TERM_COLUMNS, _term_rows(plan)))
        out.extend(f"  {line}\n" for line in _note_lines(notes[plan.id]))
    sys.stdout.write("".join(out))
    for line in [*refused.values(), *bad_secrets]:
        print(line, file=sys.stderr)
    return EXIT_FAILURE if refused or bad_secrets else EXIT_OK


def _billed(settings: Settings, plans: list[Plan]) -> tuple[dict[str, set[int]], dict[str, str]]:
    """What the database has settled per plan, and the plans the close would refuse.

    Nothing when there is no database yet, or it does not answer.
    """
    opened = bootstrap.open_existing_store(settings)
    if opened is None:
        return {}, {}
    store, close = opened
    try:
        with store.unit_of_work(read_only=True) as uow:
            settled = uow.statements.written_by_plan()
            return settled, refusals(uow, plans, settled)
    except StoreUnavailableError:
        return {}, {}
    finally:
        close()


def _notes(plan: Plan, as_of: date | None, grace_days: int, settled: set[int]) -> dict[str, object]:
    """The first statement the connector writes, and what the first close would write."""
    calendar = plan.calendar
    first = calendar.first_statement
    notes: dict[str, object] = {"first_statement": calendar.statement_number(first)}
    if first > 0:
        notes["not_billed_before"] = calendar.start_date(calendar.first_billed_period())
    if plan.billing_starts_on is None and not settled:
        now = calendar.local_midnight(as_of or _today(plan))
        due = list(calendar.due(now, grace_days))
        if len(due) > 1:
            notes["back_billing"] = {
                "statements": len(due),
                "from": calendar.statement_number(due[0]),
                "suggested_billing_starts_on": calendar.billing_date(due[-1]),
            }
    return notes


def _note_lines(notes: Row) -> list[str]:
    lines = [f"first statement written: {notes['first_statement']}"]
    if "not_billed_before" in notes:
        day = notes["not_billed_before"]
        assert isinstance(day, date)
        lines.append(f"work logged before {day.isoformat()} is not billed (billing_starts_on)")
    back = notes.get("back_billing")
    if isinstance(back, dict):
        suggested = back["suggested_billing_starts_on"]
        lines.append(
            f"warning: the first close writes {back['statements']} statements, from "
            f"{back['from']}: if earlier months were billed by other means, set "
            f"billing_starts_on (for instance {suggested.isoformat()})"
        )
    return lines


def _secrets(settings: Settings) -> list[EnvironmentSecret]:
    """The secret variables: set, refused or not set (never their values)."""
    return [
        settings.jira.environment_secret,
        settings.webhook.environment_secret,
        settings.pages.environment_secret,
    ]


def _secret_state(secret: EnvironmentSecret) -> str:
    if secret.problem is not None:
        return "refused"
    return "set" if secret.value is not None else "not set"


def _today(plan: Plan) -> date:
    return datetime.now(plan.timezone).date()


def standing_texts(standing: Standing, plan: Plan) -> tuple[str, str]:
    """The term now and the agreement's end or renewal, as the tables show them."""
    covering = standing.coverage
    if not plan.terms:
        term = "priority only"
    elif covering is None:
        term = "none"
    else:
        term = f"{_hours(covering.hours_per_month)} h at {covering.oms_rate.quantize(CENT)}"
    if standing.ends is not None:
        agreement = f"ends {standing.ends.isoformat()}"
    elif standing.renews:
        agreement = "renews monthly"
    else:
        agreement = "priority support"
    return term, agreement


def _identity(plan: Plan) -> dict[str, object]:
    return {
        "id": plan.id,
        "customer": plan.customer,
        "jira_projects": plan.jira_projects,
        "enrolled_on": plan.enrolled_on,
        "timezone": plan.timezone.key,
        "currency": plan.currency,
    }


def _plan_row(plan: Plan, as_of: date | None) -> Row:
    standing = plan.calendar.standing(as_of or _today(plan))
    term, agreement = standing_texts(standing, plan)
    return {
        **_identity(plan),
        "term_now": term,
        "next_billing": standing.next_billing,
        "agreement": agreement,
        "priority_bank_hours": sum((p.hours for p in plan.priority_bank), start=Decimal(0)),
    }


def _agreement_text(plan: Plan) -> str:
    if not plan.terms:
        return f"priority support only, from {plan.enrolled_on.isoformat()}"
    count = len(plan.terms)
    text = f"{count} term{'s' if count > 1 else ''}"
    if plan.auto_renew:
        text += ", the last renewing monthly"
    if plan.ends_on is not None:
        text += f", ending {plan.ends_on.isoformat()}"
    return text


def _term_rows(plan: Plan) -> list[Row]:
    calendar = plan.calendar
    rows: list[Row] = []
    for position, term in enumerate(plan.terms):
        first, last = calendar.term_periods(position)
        covered = f"{first}-" if last is None else f"{first}-{last}" if last >= first else "none"
        rows.append(
            {
                "number": position + 1,
                "starts_on": term.starts_on,
                "periods": covered,
                "hours_per_month": _hours(term.hours_per_month),
                "oms_rate": plan.oms_rate if term.oms_rate is None else term.oms_rate,
                "priority_rate": (
                    plan.priority_rate if term.priority_rate is None else term.priority_rate
                ),
            }
        )
    return rows


def _plan_document(plan: Plan, as_of: date | None) -> dict[str, object]:
    calendar = plan.calendar
    standing = calendar.standing(as_of or _today(plan))
    covering = standing.coverage
    return {
        **_identity(plan),
        "oms_rate": plan.oms_rate,
        "priority_rate": plan.priority_rate,
        "auto_renew": plan.auto_renew,
        "ends_on": plan.ends_on,
        "billing_starts_on": plan.billing_starts_on,
        "priority_bank_hours": sum((p.hours for p in plan.priority_bank), start=Decimal(0)),
        "terms": [
            {**row, "term_months": term.term_months}
            for row, term in zip(_term_rows(plan), plan.terms, strict=True)
        ],
        "current_term": None if covering is None else covering.term_index + 1,
        "next_billing": standing.next_billing,
        "agreement_ends": standing.ends,
        "renews": standing.renews,
    }


def _hours(value: Decimal) -> str:
    return format(value.normalize(), "f")


# --- periods ---------------------------------------------------------------------------


def list_periods(args: argparse.Namespace, settings: Settings) -> int:
    try:
        plan = settings.plan(args.plan)
    except KeyError:
        known = ", ".join(p.id for p in settings.plans)
        print(f"unknown plan {args.plan!r}; known plans: {known}", file=sys.stderr)
        return EXIT_USAGE
    calendar = plan.calendar
    count: int = args.count or _default_count(calendar)
    grace = settings.defaults.close_grace_days
    rows = [_period_row(calendar, k, grace) for k in range(count)]
    if args.format == "json":
        document = {"plan": plan.id, "timezone": plan.timezone.key, "periods": rows}
        sys.stdout.write(to_json(document))
        return EXIT_OK
    sys.stdout.write(
        f"Plan {plan.id} ({plan.customer}): {_agreement_text(plan)}, enrolled "
        f"{plan.enrolled_on.isoformat()}; {plan.timezone.key}; "
        f"periods close {grace} days after they end.\n\n"
    )
    sys.stdout.write(format_table(PERIOD_COLUMNS, rows))
    return EXIT_OK


def _default_count(calendar: PlanCalendar) -> int:
    """Every period a term covers, and the one of the final statement (12 while renewing)."""
    last = calendar.last_covered()
    if last is None:
        return 12 if calendar.plan.terms else 1
    return last + 2


def _period_row(calendar: PlanCalendar, index: int, grace_days: int) -> Row:
    current = calendar.period(index)
    closes = calendar.close_instant(index, grace_days).astimezone(calendar.plan.timezone)
    covering = calendar.coverage(index)
    return {
        "index": index,
        "start": current.start_date,
        "end": current.end_date,
        "billing_date": calendar.billing_date(index),
        "closes": closes.date(),
        "term": "none" if covering is None else str(covering.term_index + 1),
    }
