"""BILLING_RULES.md section 7, line by line."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from oms_connector.domain.classification import WorkType
from oms_connector.domain.lines import Line, LineKind
from oms_connector.domain.statements import Statement, build_statement
from oms_connector.domain.usage import LoggedWork, usage_by_period

from .builders import acme, ny, work, written_statements

PRIORITY = WorkType.PRIORITY


def section_7_work() -> list[LoggedWork]:
    return [
        work(ny(2026, 2, 1), hours=8, minutes=30, worklog_id="100"),
        work(ny(2026, 3, 2), hours=12, minutes=15, worklog_id="200", issue_key="ACME-2"),
        work(
            ny(2026, 3, 5),
            hours=1,
            minutes=20,
            work_type=PRIORITY,
            worklog_id="201",
            issue_key="ACME-3",
        ),
        work(ny(2026, 4, 1), hours=10, worklog_id="300"),
    ]


def statements(items: list[LoggedWork], count: int = 4) -> list[Statement]:
    return written_statements(acme(), items, count)


def summary(statement: Statement) -> list[tuple[str, int, str, str, str]]:
    return [
        (line.kind.value, line.period_index, str(line.hours), str(line.rate), str(line.amount))
        for line in statement.lines
    ]


def test_enrolment_statement_bills_the_first_month_in_advance() -> None:
    first = statements(section_7_work(), count=1)[0]
    assert first.number == "acme-20260131"
    assert first.billing_date == date(2026, 1, 31)
    assert summary(first) == [("subscription", 0, "10.00", "35.00", "350.00")]
    assert first.total == Decimal("350.00")


def test_second_statement_bills_subscription_and_records_period_0_expiry() -> None:
    second = statements(section_7_work(), count=2)[1]
    assert second.number == "acme-20260228"
    assert summary(second) == [
        ("subscription", 1, "10.00", "35.00", "350.00"),
        ("expired", 0, "1.50", "0.00", "0.00"),
    ]
    assert second.total == Decimal("350.00")


def test_third_statement_bills_overage_and_priority_rounded_half_up() -> None:
    third = statements(section_7_work(), count=3)[2]
    assert third.number == "acme-20260331"
    assert summary(third) == [
        ("subscription", 2, "10.00", "35.00", "350.00"),
        ("overage", 1, "2.25", "62.50", "140.63"),
        ("priority", 1, "1.33", "62.50", "83.13"),
        ("expired", 1, "0.00", "0.00", "0.00"),
    ]
    assert third.total == Decimal("573.76")
    overage, priority = third.lines[1], third.lines[2]
    assert (overage.issue_keys, overage.worklog_ids) == (("ACME-2",), ("200",))
    assert (priority.issue_keys, priority.worklog_ids) == (("ACME-3",), ("201",))
    assert (overage.period_start, overage.period_end) == (date(2026, 2, 28), date(2026, 3, 31))


def test_final_statement_after_the_term_has_no_subscription() -> None:
    final = statements(section_7_work(), count=4)[3]
    assert final.number == "acme-20260430"
    assert summary(final) == [("expired", 2, "0.00", "0.00", "0.00")]
    assert final.total == Decimal("0.00")


def test_worklog_started_late_on_the_27th_in_new_york_belongs_to_period_0() -> None:
    # 23:30 in New York on 02-27 is 04:30 UTC on 02-28, the first day of period 1 in UTC.
    late = work(ny(2026, 2, 27, 23, 30), hours=1)
    usage = usage_by_period(acme(), [late])
    assert list(usage) == [0]
    assert usage[0].oms.seconds == 3600


def test_oms_work_before_enrolment_is_billed_as_priority_with_period_0_arrears() -> None:
    early = work(ny(2026, 1, 30), hours=2, worklog_id="99", issue_key="ACME-9")
    second = statements([*section_7_work(), early], count=2)[1]
    assert summary(second) == [
        ("subscription", 1, "10.00", "35.00", "350.00"),
        ("priority", 0, "2.00", "62.50", "125.00"),
        ("expired", 0, "1.50", "0.00", "0.00"),
    ]
    assert "outside the plan's term" in second.lines[1].description
    assert second.total == Decimal("475.00")


def test_no_statement_after_the_final_one_when_nothing_is_left_to_bill() -> None:
    plan = acme()
    usage = usage_by_period(plan, section_7_work())
    billed = [line for statement in statements(section_7_work()) for line in statement.lines]
    assert build_statement(plan, 4, usage, billed) is None


def test_oms_work_after_the_term_is_billed_as_priority_on_the_next_anniversary() -> None:
    plan = acme()
    after = work(ny(2026, 5, 3), hours=1, minutes=30, worklog_id="500")
    usage = usage_by_period(plan, [*section_7_work(), after])
    billed = [line for statement in statements(section_7_work()) for line in statement.lines]
    statement = build_statement(plan, 4, usage, billed)
    assert statement is not None
    assert statement.number == "acme-20260531"
    assert statement.lines == (
        Line(
            kind=LineKind.PRIORITY,
            period_index=3,
            period_start=date(2026, 4, 30),
            period_end=date(2026, 5, 31),
            hours=Decimal("1.50"),
            rate=Decimal("62.50"),
            amount=Decimal("93.75"),
            description="OMS-classified work outside the plan's term, billed as priority support",
            issue_keys=("ACME-1",),
            worklog_ids=("500",),
        ),
    )
