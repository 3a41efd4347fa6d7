"""``advise --plan ID``: which open planned work fits the OMS hours left, and what to defer."""

from __future__ import annotations

import argparse
import sys
from contextlib import ExitStack
from decimal import Decimal

from oms_connector import bootstrap
from oms_connector.adapters.jira_gateway import JiraError
from oms_connector.bootstrap import open_gateway
from oms_connector.commands import EXIT_FAILURE, EXIT_OK, EXIT_USAGE, Subparsers, add_command
from oms_connector.commands.tables import Column, add_format_option, format_table, to_json
from oms_connector.config import Settings
from oms_connector.domain.deferral import PlannedTicket
from oms_connector.services.advice import AdviceService, PlanAdvice

TICKET_COLUMNS = (
    Column("rank", "rank", "right"),
    Column("key", "ticket"),
    Column("remaining", "remaining h", "right"),
    Column("now", "now h", "right"),
    Column("next", "next period h", "right"),
    Column("advice", "advice"),
)


def register(subparsers: Subparsers) -> None:
    parser = add_command(
        subparsers,
        "advise",
        run_advise,
        help="what open planned work fits the OMS hours left this period, and what to defer",
    )
    parser.add_argument("--plan", required=True, metavar="ID", help="the plan's id")
    parser.add_argument(
        "--comment",
        action="store_true",
        help="also comment, once a period, on each ticket too big for the hours left",
    )
    add_format_option(parser)


def run_advise(args: argparse.Namespace, settings: Settings) -> int:
    try:
        plan = settings.plan(args.plan)
    except KeyError:
        known = ", ".join(p.id for p in settings.plans)
        print(f"unknown plan {args.plan!r}; known plans: {known}", file=sys.stderr)
        return EXIT_USAGE
    with ExitStack() as stack:
        store, close_store = bootstrap.open_store(settings)
        stack.callback(close_store)
        try:
            gateway = open_gateway(settings)
            stack.callback(gateway.close)
            service = AdviceService(store, gateway, settings.classifier(), bootstrap.system_clock())
            result = service.advise(plan)
            commented = service.comment_oversized(result) if args.comment else []
        except JiraError as error:
            print(f"advise stopped: {error}", file=sys.stderr)
            return EXIT_FAILURE
    if args.format == "json":
        sys.stdout.write(to_json(advice_document(result, commented)))
    else:
        sys.stdout.write(advice_table(result, commented))
    return EXIT_OK


# --- rendering -----------------------------------------------------------------------------


def ticket_rows(result: PlanAdvice) -> list[dict[str, object]]:
    """One row per open planned ticket, in rank order, with what to do with it."""
    advice, budget = result.advice, result.budget
    fits = {t.key for t in advice.fits}
    rows: list[dict[str, object]] = []
    for rank, ticket in enumerate(result.tickets, start=1):
        row: dict[str, object] = {"rank": rank, "key": ticket.key, "remaining": None}
        if ticket.remaining_seconds is None:
            rows.append({**row, "advice": "no estimate"})
            continue
        row["remaining"] = budget.hours(ticket.remaining_seconds)
        if ticket.key in fits:
            row.update(now=row["remaining"], next=Decimal("0.00"), advice="fits")
        elif advice.split is not None and advice.split.key == ticket.key:
            row.update(
                now=budget.hours(advice.split.now_seconds),
                next=budget.hours(advice.split.next_seconds),
                advice="split",
            )
        else:
            row.update(now=Decimal("0.00"), next=row["remaining"], advice="move")
        rows.append(row)
    return rows


def _hours_list(result: PlanAdvice, tickets: tuple[PlannedTicket, ...]) -> list[dict[str, object]]:
    return [{"key": t.key, "hours": result.budget.hours(t.remaining_seconds or 0)} for t in tickets]


def advice_document(result: PlanAdvice, commented: list[str]) -> dict[str, object]:
    advice, budget, plan = result.advice, result.budget, result.plan
    split = advice.split
    return {
        "plan_id": plan.id,
        "period": {
            "start": budget.period.start_date,
            "end": budget.period.end_date,
            "last_day": budget.last_day,
        },
        "hours": {
            "included": budget.hours(budget.included_seconds),
            "used": budget.hours(budget.used_seconds),
            "left": budget.hours(budget.remaining_seconds),
        },
        "tickets": ticket_rows(result),
        "fits": _hours_list(result, advice.fits),
        "split": None
        if split is None
        else {
            "key": split.key,
            "hours_now": budget.hours(split.now_seconds),
            "hours_next": budget.hours(split.next_seconds),
        },
        "moves": _hours_list(result, advice.deferred),
        "unestimated": list(advice.unestimated),
        "overage_if_nothing_moves": {
            "hours": advice.overage_hours,
            "rate": budget.priority_rate,
            "cost": advice.overage_cost,
            "currency": plan.currency,
        },
        "commented": commented,
    }


def advice_table(result: PlanAdvice, commented: list[str]) -> str:
    advice, budget, plan = result.advice, result.budget, result.plan
    header = (
        f"Plan {plan.id}: {budget.hours(budget.remaining_seconds)} h left of "
        f"{budget.hours(budget.included_seconds)} h until {budget.last_day.isoformat()}\n\n"
    )
    if not result.tickets:
        return header + "No open planned tickets.\n"
    if advice.needs_deferral:
        footer = (
            f"\nIf nothing moves: overage {advice.overage_hours} h x {budget.priority_rate} "
            f"{plan.currency}/h = {advice.overage_cost} {plan.currency}\n"
        )
    else:
        footer = "\nEverything estimated fits: nothing needs to move.\n"
    if advice.unestimated:
        footer += f"Without an estimate (not planned): {', '.join(advice.unestimated)}\n"
    if commented:
        footer += f"Commented on: {', '.join(commented)}\n"
    return header + format_table(TICKET_COLUMNS, ticket_rows(result)) + footer
