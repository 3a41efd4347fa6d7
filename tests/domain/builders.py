"""Small builders for domain tests."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from oms_connector.domain.classification import WorkType
from oms_connector.domain.plans import BankPurchase, Plan, Term
from oms_connector.domain.statements import Statement, build_statement
from oms_connector.domain.usage import LoggedWork, usage_by_period

NEW_YORK = ZoneInfo("America/New_York")


def acme(**changes: object) -> Plan:
    """Plan ``acme`` of BILLING_RULES.md section 7: 10 h, 3 months, enrolled 2026-01-31.

    ``hours_per_month`` and ``term_months`` change its one term (the shorthand).
    """
    fields: dict[str, object] = {
        "id": "acme",
        "customer": "Acme Corp",
        "enrolled_on": date(2026, 1, 31),
        "timezone": NEW_YORK,
    }
    hours = changes.pop("hours_per_month", Decimal(10))
    months = changes.pop("term_months", 3)
    fields.update(changes)
    if "terms" not in changes:
        fields["terms"] = (Term(fields["enrolled_on"], hours, months),)  # type: ignore[arg-type]
    return Plan(**fields)  # type: ignore[arg-type]


def bank(*purchases: tuple[date, str]) -> tuple[BankPurchase, ...]:
    return tuple(BankPurchase(day, Decimal(hours)) for day, hours in purchases)


_counter = iter(range(10_000, 10_000_000))


def work(
    started: datetime,
    hours: int = 0,
    minutes: int = 0,
    work_type: WorkType = WorkType.OMS,
    issue_key: str = "ACME-1",
    worklog_id: str | None = None,
) -> LoggedWork:
    return LoggedWork(
        worklog_id=worklog_id or str(next(_counter)),
        issue_key=issue_key,
        work_type=work_type,
        started=started,
        seconds=int(timedelta(hours=hours, minutes=minutes).total_seconds()),
    )


def ny(year: int, month: int, day: int, hour: int = 12, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=NEW_YORK)


def written_statements(plan: Plan, items: list[LoggedWork], count: int) -> list[Statement]:
    """Statements 0..count-1 as the close writes them, each seeing the ones before."""
    usage = usage_by_period(plan, items)
    written: list[Statement] = []
    for index in range(count):
        billed = [line for statement in written for line in statement.lines]
        statement = build_statement(plan, index, usage, billed)
        assert statement is not None
        written.append(statement)
    return written
