"""The prepaid priority bank and the corrections of closed periods."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from oms_connector.domain.classification import WorkType
from oms_connector.domain.ledger import bank_balance_after
from oms_connector.domain.statements import Statement, build_statement
from oms_connector.domain.usage import LoggedWork, usage_by_period

from .builders import acme, bank, ny, work, written_statements
from .test_worked_examples import section_7_work, summary

PRIORITY = WorkType.PRIORITY


def test_priority_work_draws_on_the_prepaid_bank_first() -> None:
    plan = acme(priority_bank=bank((date(2026, 1, 31), "1")))
    third = written_statements(plan, section_7_work(), 3)[2]
    # period 1: 1 h 20 m priority, 1 h from the bank; the overage takes nothing (bank empty)
    assert summary(third) == [
        ("subscription", 2, "10.00", "35.00", "350.00"),
        ("overage", 1, "2.25", "62.50", "140.63"),
        ("priority", 1, "1.00", "0.00", "0.00"),
        ("priority", 1, "0.33", "62.50", "20.63"),
        ("expired", 1, "0.00", "0.00", "0.00"),
    ]
    assert third.total == Decimal("511.26")


def test_overage_draws_on_what_the_bank_has_left() -> None:
    plan = acme(priority_bank=bank((date(2026, 2, 1), "3")))
    third = written_statements(plan, section_7_work(), 3)[2]
    # 3 h bank: 1 h 20 m priority, then 1 h 40 m of the 2 h 15 m overage
    assert summary(third)[1:4] == [
        ("overage", 1, "1.67", "0.00", "0.00"),
        ("overage", 1, "0.58", "62.50", "36.25"),
        ("priority", 1, "1.33", "0.00", "0.00"),
    ]
    assert bank_balance_after(plan, usage_by_period(plan, section_7_work()), 1) == 0


def test_a_plan_may_keep_its_bank_for_priority_work_only() -> None:
    plan = acme(priority_bank=bank((date(2026, 2, 1), "3")), overage_uses_priority_bank=False)
    third = written_statements(plan, section_7_work(), 3)[2]
    assert summary(third)[1:3] == [
        ("overage", 1, "2.25", "62.50", "140.63"),
        ("priority", 1, "1.33", "0.00", "0.00"),
    ]
    usage = usage_by_period(plan, section_7_work())
    assert bank_balance_after(plan, usage, 1) == 3 * 3600 - 4800


def test_purchases_count_from_the_period_they_were_bought_in() -> None:
    plan = acme(priority_bank=bank((date(2026, 3, 31), "5")))
    usage = usage_by_period(plan, section_7_work())
    assert bank_balance_after(plan, usage, 1) == 0
    assert bank_balance_after(plan, usage, 2) == 5 * 3600


def billed_through_third(extra: list[LoggedWork]) -> Statement:
    """Close statements 0..2 on the worked example, then build 3 with ``extra`` facts."""
    plan = acme()
    written = written_statements(plan, section_7_work(), 3)
    usage = usage_by_period(plan, [*section_7_work(), *extra])
    statement = build_statement(plan, 3, usage, [line for s in written for line in s.lines])
    assert statement is not None
    return statement


def adjustment_summary(statement: Statement) -> list[tuple[str | None, int, str, str, str]]:
    return [
        (
            line.corrects.value if line.corrects else None,
            line.period_index,
            str(line.hours),
            str(line.rate),
            str(line.amount),
        )
        for line in statement.lines
        if line.kind.value == "adjustment"
    ]


def test_a_worklog_added_to_a_closed_period_is_billed_as_an_adjustment() -> None:
    late = work(ny(2026, 2, 10), hours=3, worklog_id="150")  # period 0 now used 11 h 30 m
    final = billed_through_third([late])
    assert adjustment_summary(final) == [
        ("expired", 0, "-1.50", "0.00", "0.00"),
        ("overage", 0, "1.50", "62.50", "93.75"),
    ]
    assert final.total == Decimal("93.75")
    assert final.lines[2].worklog_ids == ("100", "150")


def test_a_worklog_deleted_from_a_closed_period_is_credited() -> None:
    items = [w for w in section_7_work() if w.worklog_id != "201"]  # the priority 1 h 20 m
    plan = acme()
    written = written_statements(plan, section_7_work(), 3)
    statement = build_statement(
        plan, 3, usage_by_period(plan, items), [line for s in written for line in s.lines]
    )
    assert statement is not None
    assert adjustment_summary(statement) == [("priority", 1, "-1.33", "62.50", "-83.13")]
    assert statement.total == Decimal("-83.13")


def test_a_worklog_changed_in_a_closed_period_is_corrected_by_the_difference() -> None:
    items = [
        w._replace(seconds=13 * 3600) if w.worklog_id == "200" else w for w in section_7_work()
    ]
    plan = acme()
    written = written_statements(plan, section_7_work(), 3)
    statement = build_statement(
        plan, 3, usage_by_period(plan, items), [line for s in written for line in s.lines]
    )
    assert statement is not None
    # overage 2.25 h -> 3.00 h: 187.50 - 140.63
    assert adjustment_summary(statement) == [("overage", 1, "0.75", "62.50", "46.87")]


def test_a_reclassified_issue_moves_hours_between_kinds() -> None:
    items = [
        w._replace(work_type=PRIORITY) if w.worklog_id == "100" else w for w in section_7_work()
    ]
    plan = acme()
    written = written_statements(plan, section_7_work(), 3)
    statement = build_statement(
        plan, 3, usage_by_period(plan, items), [line for s in written for line in s.lines]
    )
    assert statement is not None
    assert adjustment_summary(statement) == [
        ("expired", 0, "8.50", "0.00", "0.00"),
        ("priority", 0, "8.50", "62.50", "531.25"),
    ]


def test_an_adjustment_is_made_once() -> None:
    late = work(ny(2026, 2, 10), hours=3, worklog_id="150")
    plan = acme()
    items = [*section_7_work(), late]
    written = written_statements(plan, section_7_work(), 3)
    third = build_statement(
        plan, 3, usage_by_period(plan, items), [line for s in written for line in s.lines]
    )
    assert third is not None
    billed = [line for s in [*written, third] for line in s.lines]
    assert build_statement(plan, 4, usage_by_period(plan, items), billed) is None
