"""BILLING_RULES.md section 7, built with the domain: the statements every export test uses."""

from __future__ import annotations

from oms_connector.domain.classification import WorkType
from oms_connector.domain.statements import Statement, build_statement
from oms_connector.domain.usage import LoggedWork, usage_by_period
from tests.domain.builders import acme, ny, work, written_statements


def section_7_work() -> list[LoggedWork]:
    """Period 0: 8 h 30 m OMS; period 1: 12 h 15 m OMS and 1 h 20 m priority; period 2: 10 h."""
    return [
        work(ny(2026, 2, 1), hours=8, minutes=30, worklog_id="100", issue_key="ACME-1"),
        work(ny(2026, 3, 2), hours=12, minutes=15, worklog_id="200", issue_key="ACME-2"),
        work(
            ny(2026, 3, 5),
            hours=1,
            minutes=20,
            work_type=WorkType.PRIORITY,
            worklog_id="201",
            issue_key="ACME-3",
        ),
        work(ny(2026, 4, 1), hours=10, worklog_id="300", issue_key="ACME-4"),
    ]


def section_7_statements() -> list[Statement]:
    """acme-20260131, acme-20260228, acme-20260331 and acme-20260430."""
    return written_statements(acme(), section_7_work(), count=4)


def statements_with_late_changes() -> list[Statement]:
    """Section 7, then, after acme-20260331 is written, the priority worklog 201 of
    period 1 is deleted and 2 hours of OMS work are added to it: acme-20260430
    carries a credit of 1.33 h (83.13) and a charge of 2.00 h of overage (125.00)."""
    plan = acme()
    first = written_statements(plan, section_7_work(), count=3)
    changed = [item for item in section_7_work() if item.worklog_id != "201"]
    changed.append(work(ny(2026, 3, 10), hours=2, worklog_id="202", issue_key="ACME-5"))
    billed = [line for statement in first for line in statement.lines]
    last = build_statement(plan, 3, usage_by_period(plan, changed), billed)
    assert last is not None
    return [*first, last]
