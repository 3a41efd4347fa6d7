"""Invariants of the agreement timeline for random term histories."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from oms_connector.domain.calendar import anniversary
from oms_connector.domain.classification import WorkType
from oms_connector.domain.money import amount, round_hours
from oms_connector.domain.plans import Plan, Term
from oms_connector.domain.statements import Statement, build_statement
from oms_connector.domain.terms import BilledTerms, first_change
from oms_connector.domain.usage import LoggedWork, usage_by_period

ZONES = ["America/New_York", "Europe/Paris", "Australia/Sydney", "UTC", "Asia/Kolkata"]
RATES = [None, Decimal("30.00"), Decimal("34.00"), Decimal("41.25")]
PRIORITY_RATES = [None, Decimal("55.00"), Decimal("70.00")]
HORIZON = 18
"""Periods looked at: every random term history here ends within them."""


@st.composite
def histories(draw: st.DrawFn) -> Plan:
    """A plan with up to four terms, gaps between some, distinct hours from term to term."""
    enrolled = draw(st.dates(date(2025, 1, 1), date(2028, 12, 31)))
    start = draw(st.integers(0, 2))
    terms: list[Term] = []
    hours = draw(st.lists(st.integers(10, 40), min_size=1, max_size=4, unique=True))
    for count in hours:
        months = draw(st.integers(3, 4))
        terms.append(
            Term(
                starts_on=anniversary(enrolled, start),
                hours_per_month=Decimal(count),
                term_months=months,
                oms_rate=draw(st.sampled_from(RATES)),
                priority_rate=draw(st.sampled_from(PRIORITY_RATES)),
            )
        )
        start += draw(st.integers(1, months + 1))
    return Plan(
        id="p",
        customer="Customer",
        enrolled_on=enrolled,
        timezone=ZoneInfo(draw(st.sampled_from(ZONES))),
        terms=tuple(terms),
        priority_rate=draw(st.sampled_from([Decimal("62.50"), Decimal("60.00")])),
    )


@st.composite
def history_and_work(draw: st.DrawFn) -> tuple[Plan, list[LoggedWork]]:
    plan = draw(histories())
    origin = plan.calendar.local_midnight(plan.enrolled_on).astimezone(UTC)
    items = draw(
        st.lists(
            st.builds(
                LoggedWork,
                worklog_id=st.integers(1, 10**6).map(str),
                issue_key=st.sampled_from(["P-1", "P-2", "P-3"]),
                work_type=st.sampled_from(list(WorkType)),
                started=st.integers(0, 15 * 30 * 86400).map(
                    lambda s: origin + timedelta(seconds=s)
                ),
                seconds=st.integers(1, 30 * 3600),
            ),
            max_size=40,
            unique_by=lambda w: w.worklog_id,
        )
    )
    return plan, items


def close_all(plan: Plan, items: list[LoggedWork], count: int = HORIZON) -> list[Statement]:
    usage = usage_by_period(plan, items)
    written: list[Statement] = []
    for index in range(count):
        billed = [line for statement in written for line in statement.lines]
        statement = build_statement(plan, index, usage, billed)
        if statement is not None:
            written.append(statement)
    return written


def by_hand(plan: Plan, items: list[LoggedWork], periods: int) -> Decimal:
    """Period by period, what the term covering it says, computed apart from the ledger."""
    calendar = plan.calendar
    total = Decimal("0.00")
    for k in range(periods):
        in_period = [w for w in items if calendar.index_at(w.started) == k]
        oms = sum(w.seconds for w in in_period if w.work_type is WorkType.OMS)
        priority = sum(w.seconds for w in in_period if w.work_type is WorkType.PRIORITY)
        covering = calendar.coverage(k)
        if covering is None:
            rate = plan.priority_rate
            total += amount(round_hours(priority), rate) + amount(round_hours(oms), rate)
            continue
        subscription = amount(round_hours(covering.seconds), covering.oms_rate)
        overage = max(0, oms - covering.seconds)
        total += subscription + amount(round_hours(overage), covering.priority_rate)
        total += amount(round_hours(priority), covering.priority_rate)
    return total


@settings(max_examples=120, deadline=None)
@given(history_and_work())
def test_the_total_billed_is_what_each_covering_term_says(
    case: tuple[Plan, list[LoggedWork]],
) -> None:
    plan, items = case
    # Statements 0 .. HORIZON - 1 bill the subscriptions of periods 0 .. HORIZON - 1, and
    # the arrears of every period with work (work stops within month 15).
    written = close_all(plan, items)
    billed = sum((statement.total for statement in written), Decimal("0.00"))
    assert billed == by_hand(plan, items, HORIZON)


@settings(max_examples=120, deadline=None)
@given(history_and_work(), st.integers(0, HORIZON - 2), st.integers(1, 4))
def test_appending_a_term_after_the_last_statement_changes_no_written_statement(
    case: tuple[Plan, list[LoggedWork]], last_written: int, later: int
) -> None:
    plan, items = case
    last_start = plan.calendar.term_start(len(plan.terms) - 1)
    start = max(last_written, last_start) + later
    appended = replace(
        plan,
        terms=(*plan.terms, Term(plan.calendar.start_date(start), Decimal(50), 3)),
    )
    before = close_all(plan, items, last_written + 1)
    after = close_all(appended, items, last_written + 1)
    assert after == before
    assert first_change(appended, BilledTerms.of(plan, last_written), last_written) is None


@settings(max_examples=120, deadline=None)
@given(histories(), st.data())
def test_moving_a_term_into_a_billed_period_is_always_refused(
    plan: Plan, data: st.DataObject
) -> None:
    assume(len(plan.terms) >= 2)
    calendar = plan.calendar
    position = data.draw(st.integers(1, len(plan.terms) - 1))
    old_start = calendar.term_start(position)
    low = calendar.term_start(position - 1) + 1
    high = calendar.term_start(position + 1) - 1 if position + 1 < len(plan.terms) else 40
    new_start = data.draw(st.integers(low, high).filter(lambda k: k != old_start))
    settled = data.draw(st.integers(min(old_start, new_start), HORIZON))
    terms = list(plan.terms)
    terms[position] = replace(terms[position], starts_on=calendar.start_date(new_start))
    moved = replace(plan, terms=tuple(terms))
    change = first_change(moved, BilledTerms.of(plan, settled), settled)
    assert change is not None
