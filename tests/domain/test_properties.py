"""Invariants of billing for random plans and worklogs."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from oms_connector.domain.classification import WorkType
from oms_connector.domain.ledger import period_totals
from oms_connector.domain.lines import LineKind
from oms_connector.domain.money import amount
from oms_connector.domain.plans import BankPurchase, Plan, single_term
from oms_connector.domain.statements import Statement, build_statement
from oms_connector.domain.usage import LoggedWork, PeriodUsage, usage_by_period

ZONES = ["America/New_York", "Europe/Paris", "Australia/Sydney", "UTC", "Asia/Kolkata"]


@st.composite
def plans(draw: st.DrawFn) -> Plan:
    enrolled = draw(st.dates(date(2025, 1, 1), date(2028, 12, 31)))
    purchases = draw(
        st.lists(
            st.builds(
                BankPurchase,
                st.dates(enrolled - timedelta(days=40), enrolled + timedelta(days=200)),
                st.integers(1, 40).map(Decimal),
            ),
            max_size=3,
        )
    )
    return single_term(
        id="p",
        customer="Customer",
        hours_per_month=Decimal(draw(st.integers(10, 80))),
        term_months=draw(st.integers(3, 8)),
        enrolled_on=enrolled,
        timezone=ZoneInfo(draw(st.sampled_from(ZONES))),
        auto_renew=draw(st.booleans()),
        rounding_increment=draw(st.sampled_from([Decimal("0.01"), Decimal("0.25")])),
        priority_bank=tuple(purchases),
        overage_uses_priority_bank=draw(st.booleans()),
    )


@st.composite
def plan_and_work(draw: st.DrawFn) -> tuple[Plan, list[LoggedWork]]:
    plan = draw(plans())
    origin = datetime.combine(plan.enrolled_on, datetime.min.time(), tzinfo=UTC)
    items = draw(
        st.lists(
            st.builds(
                LoggedWork,
                worklog_id=st.integers(1, 10**6).map(str),
                issue_key=st.sampled_from(["P-1", "P-2", "P-3", "P-4"]),
                work_type=st.sampled_from(list(WorkType)),
                started=st.integers(-20 * 86400, 300 * 86400).map(
                    lambda s: origin + timedelta(seconds=s)
                ),
                seconds=st.integers(1, 12 * 3600),
            ),
            max_size=60,
            unique_by=lambda w: w.worklog_id,
        )
    )
    return plan, items


def close_all(plan: Plan, items: list[LoggedWork], count: int = 12) -> list[Statement]:
    usage = usage_by_period(plan, items)
    written: list[Statement] = []
    for index in range(count):
        statement = build_statement(plan, index, usage, [ln for s in written for ln in s.lines])
        if statement is not None:
            written.append(statement)
    return written


@settings(max_examples=300, deadline=None)
@given(plan_and_work())
def test_a_statement_total_is_the_sum_of_its_lines_and_each_line_is_hours_times_rate(
    case: tuple[Plan, list[LoggedWork]],
) -> None:
    plan, items = case
    for statement in close_all(plan, items):
        assert statement.total == sum((line.amount for line in statement.lines), Decimal("0.00"))
        for line in statement.lines:
            if line.kind is not LineKind.ADJUSTMENT:
                assert line.amount == amount(line.hours, line.rate)


@settings(max_examples=300, deadline=None)
@given(plan_and_work())
def test_included_plus_overage_is_oms_used_and_included_plus_expired_is_the_allotment(
    case: tuple[Plan, list[LoggedWork]],
) -> None:
    plan, items = case
    usage = usage_by_period(plan, items)
    for index in range(12):
        totals = period_totals(plan, usage.get(index, PeriodUsage(index)))
        assert totals.included + totals.overage == totals.oms_used
        if plan.calendar.covered(index):
            assert totals.included + totals.expired == plan.terms[0].seconds_per_month
        else:
            assert (totals.allotment, totals.oms_used, totals.expired) == (0, 0, 0)


@settings(max_examples=200, deadline=None)
@given(plan_and_work(), st.randoms(use_true_random=False))
def test_the_order_in_which_worklogs_arrive_changes_nothing(
    case: tuple[Plan, list[LoggedWork]], rng: random.Random
) -> None:
    plan, items = case
    shuffled = list(items)
    rng.shuffle(shuffled)
    assert close_all(plan, shuffled) == close_all(plan, items)


@settings(max_examples=200, deadline=None)
@given(plan_and_work())
def test_recomputing_closed_statements_from_the_same_data_adjusts_nothing(
    case: tuple[Plan, list[LoggedWork]],
) -> None:
    plan, items = case
    usage = usage_by_period(plan, items)
    written = close_all(plan, items)
    for statement in written:
        earlier = [ln for s in written if s.index < statement.index for ln in s.lines]
        assert build_statement(plan, statement.index, usage, earlier) == statement
    assert all(ln.kind is not LineKind.ADJUSTMENT for s in written for ln in s.lines)


@settings(max_examples=200, deadline=None)
@given(plan_and_work(), plan_and_work())
def test_billed_plus_adjustments_equals_what_the_final_facts_say(
    before: tuple[Plan, list[LoggedWork]], after: tuple[Plan, list[LoggedWork]]
) -> None:
    """Close on one set of facts, change them all, close on: the money reconciles."""
    plan, first = before
    second = after[1]
    written = close_all(plan, first, count=6)
    usage = usage_by_period(plan, second)
    for index in range(6, 12):
        billed = [ln for s in written for ln in s.lines]
        statement = build_statement(plan, index, usage, billed)
        if statement is not None:
            written.append(statement)
    truth = close_all(plan, second)
    billed_arrears = sum(
        (ln.amount for s in written for ln in s.lines if ln.kind is not LineKind.SUBSCRIPTION),
        Decimal("0.00"),
    )
    true_arrears = sum(
        (ln.amount for s in truth for ln in s.lines if ln.kind is not LineKind.SUBSCRIPTION),
        Decimal("0.00"),
    )
    assert billed_arrears == true_arrears
