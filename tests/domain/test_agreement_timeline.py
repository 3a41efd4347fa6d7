"""BILLING_RULES.md sections 8 to 10: renewals, changes, priority-only plans, prepaid sales."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from oms_connector.domain.classification import WorkType
from oms_connector.domain.lines import LineKind
from oms_connector.domain.plans import BankPurchase, Plan, Term
from oms_connector.domain.statements import Statement, build_statement
from oms_connector.domain.usage import LoggedWork, usage_by_period

from .builders import NEW_YORK, acme, ny, work
from .test_worked_examples import section_7_work, summary

PRIORITY = WorkType.PRIORITY
FIRST = Term(date(2026, 1, 31), Decimal(10), 3)
RENEWAL = Term(date(2026, 4, 30), Decimal(20), 6, oms_rate=Decimal("34.00"))
THIRD = Term(date(2026, 6, 30), Decimal(15), 3)


def renewed(*terms: Term, **changes: object) -> Plan:
    """Plan ``acme`` of section 10: its first term, then the renewal on new terms."""
    return acme(terms=terms or (FIRST, RENEWAL), **changes)


def delta(*purchases: BankPurchase) -> Plan:
    """Plan ``delta`` of section 10: priority support only, enrolled 2026-03-05."""
    return Plan(
        id="delta",
        customer="Delta LLC",
        enrolled_on=date(2026, 3, 5),
        timezone=NEW_YORK,
        terms=(),
        priority_bank=purchases
        or (BankPurchase(date(2026, 3, 20), Decimal(10), price=Decimal("600.00")),),
    )


def close(plan: Plan, items: list[LoggedWork], count: int) -> dict[int, Statement]:
    """Statements ``first_statement .. count - 1`` as the close writes them (None: skipped)."""
    usage = usage_by_period(plan, items)
    written: dict[int, Statement] = {}
    for index in range(plan.calendar.first_statement, count):
        billed = [line for statement in written.values() for line in statement.lines]
        statement = build_statement(plan, index, usage, billed)
        if statement is not None:
            written[index] = statement
    return written


# --- the calendar ----------------------------------------------------------------------


def test_a_later_term_covers_periods_from_its_start_on_its_own_hours_and_rates() -> None:
    calendar = renewed().calendar
    covered = [
        (k, c.hours_per_month, c.oms_rate, c.priority_rate)
        for k in range(11)
        if (c := calendar.coverage(k)) is not None
    ]
    assert covered == [
        (0, Decimal(10), Decimal("35.00"), Decimal("62.50")),
        (1, Decimal(10), Decimal("35.00"), Decimal("62.50")),
        (2, Decimal(10), Decimal("35.00"), Decimal("62.50")),
        *((k, Decimal(20), Decimal("34.00"), Decimal("62.50")) for k in range(3, 9)),
    ]
    assert calendar.coverage(9) is None
    assert calendar.agreement_end() == date(2026, 10, 31)


def test_each_term_covers_its_periods_until_a_later_one_replaces_it() -> None:
    calendar = renewed(FIRST, RENEWAL, THIRD).calendar
    assert [calendar.term_periods(k) for k in range(3)] == [(0, 2), (3, 4), (5, 7)]
    assert renewed(auto_renew=True).calendar.term_periods(1) == (3, None)
    cancelled = renewed(auto_renew=True, ends_on=date(2026, 4, 30)).calendar
    assert cancelled.term_periods(1) == (3, 2)


def test_auto_renew_carries_the_last_term_on_until_ends_on() -> None:
    calendar = renewed(auto_renew=True, ends_on=date(2027, 1, 31)).calendar
    assert [calendar.allotment(k) // 3600 for k in range(8, 14)] == [20, 20, 20, 20, 0, 0]
    renewal = calendar.coverage(10)
    assert renewal is not None
    assert renewal.renewed
    assert calendar.agreement_end() == date(2027, 1, 31)
    assert renewed(auto_renew=True).calendar.agreement_end() is None


def test_a_gap_between_two_terms_is_covered_by_neither() -> None:
    late = Term(date(2026, 6, 30), Decimal(15), 3)
    calendar = renewed(FIRST, late).calendar
    assert [calendar.covered(k) for k in range(9)] == [
        True, True, True, False, False, True, True, True, False,
    ]  # fmt: skip
    assert [calendar.always_issued(k) for k in range(10)] == [
        True, True, True, True, False, True, True, True, True, False,
    ]  # fmt: skip


def test_what_is_due_starts_at_billing_starts_on() -> None:
    calendar = acme(billing_starts_on=date(2026, 3, 31)).calendar
    now = calendar.local_midnight(date(2026, 5, 3))
    assert list(calendar.due(now, grace_days=3)) == [2, 3]
    assert calendar.first_billed_period() == 1
    assert list(acme().calendar.due(now, grace_days=3)) == [0, 1, 2, 3]


def test_the_standing_of_an_agreement_names_its_term_next_bill_and_end() -> None:
    standing = renewed().calendar.standing(date(2026, 5, 10))
    assert standing.coverage is not None
    assert (standing.coverage.term_index, standing.next_billing, standing.ends) == (
        1,
        date(2026, 5, 31),
        date(2026, 10, 31),
    )
    assert standing.last_term_ends == date(2026, 10, 31)
    priority_only = delta().calendar.standing(date(2026, 3, 5))
    assert (priority_only.coverage, priority_only.next_billing, priority_only.ends) == (
        None,
        date(2026, 4, 5),
        None,
    )


# --- section 10: plan acme renewed on new terms ----------------------------------------


def test_the_renewal_statement_carries_the_new_subscription_beside_the_old_arrears() -> None:
    written = close(renewed(), section_7_work(), count=4)
    assert summary(written[3]) == [
        ("subscription", 3, "20.00", "34.00", "680.00"),
        ("expired", 2, "0.00", "0.00", "0.00"),
    ]
    assert written[3].number == "acme-20260430"
    assert written[3].total == Decimal("680.00")
    # The first term's statements are those of section 7.
    assert [written[k].total for k in range(3)] == [
        Decimal("350.00"),
        Decimal("350.00"),
        Decimal("573.76"),
    ]


def test_overage_in_the_renewal_is_beyond_its_20_hours_at_the_priority_rate() -> None:
    items = [*section_7_work(), work(ny(2026, 5, 4), hours=22, worklog_id="400")]
    written = close(renewed(), items, count=5)
    assert summary(written[4]) == [
        ("subscription", 4, "20.00", "34.00", "680.00"),
        ("overage", 3, "2.00", "62.50", "125.00"),
        ("expired", 3, "0.00", "0.00", "0.00"),
    ]
    assert written[4].total == Decimal("805.00")


def test_a_third_term_replaces_the_renewal_and_the_agreement_ends_after_it() -> None:
    plan = renewed(FIRST, RENEWAL, THIRD)
    items = [*section_7_work(), work(ny(2026, 9, 10), hours=16, worklog_id="700")]
    written = close(plan, items, count=11)
    subscriptions = {
        k: (str(line.hours), str(line.rate))
        for k, statement in written.items()
        for line in statement.lines
        if line.kind is LineKind.SUBSCRIPTION
    }
    assert subscriptions == {
        0: ("10.00", "35.00"),
        1: ("10.00", "35.00"),
        2: ("10.00", "35.00"),
        3: ("20.00", "34.00"),
        4: ("20.00", "34.00"),
        5: ("15.00", "35.00"),
        6: ("15.00", "35.00"),
        7: ("15.00", "35.00"),
    }
    final = written[8]
    assert final.number == "acme-20260930"
    assert summary(final) == [
        ("overage", 7, "1.00", "62.50", "62.50"),
        ("expired", 7, "0.00", "0.00", "0.00"),
    ]
    # Period 8 is covered by no term: nothing logged in it, so nothing more is written.
    assert sorted(written) == list(range(9))


def test_work_in_a_period_no_term_covers_is_billed_as_priority_outside_the_term() -> None:
    plan = renewed(FIRST, RENEWAL, THIRD)
    items = [work(ny(2026, 10, 5), hours=2, worklog_id="800")]
    written = close(plan, items, count=11)
    assert summary(written[9]) == [("priority", 8, "2.00", "62.50", "125.00")]
    assert written[9].lines[0].description == (
        "OMS-classified work outside the plan's term, billed as priority support"
    )
    assert 10 not in written


# --- section 10: plan delta, priority support only -------------------------------------


def test_a_priority_only_client_is_billed_its_prepaid_hours_and_draws_on_them() -> None:
    items = [
        work(ny(2026, 3, 22), hours=3, work_type=PRIORITY, worklog_id="900", issue_key="DEL-1"),
        work(ny(2026, 4, 1), minutes=90, work_type=PRIORITY, worklog_id="901", issue_key="DEL-2"),
    ]
    written = close(delta(), items, count=3)
    assert 0 not in written  # delta-20260305: nothing to bill, skipped
    second = written[1]
    assert second.number == "delta-20260405"
    assert summary(second) == [
        ("prepaid", 0, "10.00", "60.00", "600.00"),
        ("priority", 0, "4.50", "0.00", "0.00"),
    ]
    assert second.total == Decimal("600.00")
    assert second.lines[1].worklog_ids == ("900", "901")
    # Period 1 had no work: delta-20260505 has nothing to bill.
    assert 2 not in written


def test_a_purchase_without_a_price_costs_its_hours_at_the_priority_rate_of_its_day() -> None:
    plan = delta(BankPurchase(date(2026, 3, 5), Decimal("2.5")))
    written = close(plan, [], count=2)
    assert summary(written[0]) == [("prepaid", 0, "2.50", "62.50", "156.25")]
    assert 1 not in written


def test_a_purchase_invoiced_elsewhere_counts_its_hours_but_bills_nothing() -> None:
    plan = delta(BankPurchase(date(2026, 3, 5), Decimal(5), invoice=False))
    items = [work(ny(2026, 3, 9), hours=2, work_type=PRIORITY, worklog_id="910")]
    written = close(plan, items, count=3)
    # The draw at 0.00 alone is not something to bill.
    assert written == {}


def test_a_purchase_recorded_after_its_statement_was_written_is_billed_by_an_adjustment() -> None:
    items = [work(ny(2026, 3, 9), hours=1, work_type=PRIORITY, worklog_id="920")]
    before = close(delta(BankPurchase(date(2026, 6, 1), Decimal(1))), items, count=3)
    assert summary(before[1]) == [("priority", 0, "1.00", "62.50", "62.50")]
    plan = delta(
        BankPurchase(date(2026, 6, 1), Decimal(1)),
        BankPurchase(date(2026, 3, 20), Decimal(10), price=Decimal("600.00")),
    )
    billed = [line for statement in before.values() for line in statement.lines]
    late = build_statement(plan, 3, usage_by_period(plan, items), billed)
    assert late is not None
    # The late purchase is sold by an adjustment, and now pays for period 0's hour.
    assert summary(late) == [
        ("prepaid", 2, "1.00", "62.50", "62.50"),
        ("adjustment", 0, "1.00", "0.00", "0.00"),
        ("adjustment", 0, "-1.00", "62.50", "-62.50"),
        ("adjustment", 0, "10.00", "60.00", "600.00"),
    ]
    assert [line.corrects for line in late.lines[1:]] == [
        LineKind.PRIORITY,
        LineKind.PRIORITY,
        LineKind.PREPAID,
    ]
    assert late.total == Decimal("600.00")


# --- taking over an existing client ----------------------------------------------------


def test_a_plan_taken_over_bills_from_billing_starts_on_and_not_the_history() -> None:
    plan = acme(
        enrolled_on=date(2025, 10, 31),
        terms=(Term(date(2025, 10, 31), Decimal(10), 3),),
        auto_renew=True,
        billing_starts_on=date(2026, 1, 31),
    )
    items = [
        work(ny(2025, 10, 20), hours=4, worklog_id="1"),  # before enrolment
        work(ny(2025, 11, 10), hours=30, worklog_id="2"),  # period 0
        work(ny(2025, 12, 10), hours=12, worklog_id="3"),  # period 1
        work(ny(2026, 1, 5), hours=11, worklog_id="4"),  # period 2
        work(ny(2026, 1, 6), hours=1, work_type=PRIORITY, worklog_id="5", issue_key="ACME-5"),
    ]
    written = close(plan, items, count=5)
    assert sorted(written) == [3, 4]
    assert written[3].number == "acme-20260131"
    assert summary(written[3]) == [
        ("subscription", 3, "10.00", "35.00", "350.00"),
        ("overage", 2, "1.00", "62.50", "62.50"),
        ("priority", 2, "1.00", "62.50", "62.50"),
        ("expired", 2, "0.00", "0.00", "0.00"),
    ]
    assert written[3].total == Decimal("475.00")
    assert summary(written[4]) == [
        ("subscription", 4, "10.00", "35.00", "350.00"),
        ("expired", 3, "10.00", "0.00", "0.00"),
    ]


def test_a_statement_before_billing_starts_on_is_never_built() -> None:
    plan = acme(billing_starts_on=date(2026, 2, 28))
    with pytest.raises(ValueError, match="before billing_starts_on") as raised:
        build_statement(plan, 0, {})
    assert str(raised.value) == (
        "plan acme: statement acme-20260131 is before billing_starts_on (acme-20260228)"
    )
