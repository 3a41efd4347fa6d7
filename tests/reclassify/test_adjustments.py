"""A reclassified issue of a closed period is corrected by adjustments on the next statement."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal

from oms_connector.domain.classification import WorkType
from oms_connector.services.close import CloseService
from oms_connector.services.ports import EventFacts, Store
from oms_connector.services.reclassify import ReclassifyService
from tests.domain.builders import NEW_YORK
from tests.services.builders import CLASSIFIER, acme_plan, ingest_for, issue, worklog
from tests.services.fakes import FakeClock

FEB_10 = datetime(2026, 2, 10, 10, 0, tzinfo=NEW_YORK)
"""In period 0 of acme (enrolled 2026-01-31)."""


def lines(
    store: Store, number: str
) -> list[tuple[str, str | None, int, Decimal, Decimal, Decimal]]:
    with store.unit_of_work(read_only=True) as uow:
        statement = next(s for s in uow.statements.list("acme") if s.number == number)
    return [
        (
            line.kind.value,
            line.corrects and line.corrects.value,
            line.period_index,
            line.hours,
            line.rate,
            line.amount,
        )
        for line in statement.lines
        if line.kind.value != "subscription"
    ]


def test_work_of_a_billed_period_moved_from_oms_to_priority_is_adjusted_on_the_next_statement(
    store: Store, clock: FakeClock
) -> None:
    # Period 0: 8 h 30 m of OMS work, so 1.50 h expired on acme-20260228.
    with store.unit_of_work() as uow:
        facts = EventFacts(
            issues=(issue("1", "ACME-1"),),
            worklogs=(worklog("w1", issue_id="1", started=FEB_10, hours=8, minutes=30),),
        )
        ingest_for(clock).apply(uow, facts)
        uow.commit()
    close = CloseService(store, [acme_plan()], grace_days=3, clock=clock)
    close.close(as_of=date(2026, 3, 10))
    assert lines(store, "acme-20260228") == [
        ("expired", None, 0, Decimal("1.50"), Decimal("0.00"), Decimal("0.00"))
    ]

    changed = replace(CLASSIFIER, default=WorkType.PRIORITY)
    ReclassifyService(store, [acme_plan()], changed, clock).reclassify()
    close.close(as_of=date(2026, 4, 10))

    adjustments = [line for line in lines(store, "acme-20260331") if line[0] == "adjustment"]
    assert adjustments == [
        ("adjustment", "expired", 0, Decimal("8.50"), Decimal("0.00"), Decimal("0.00")),
        ("adjustment", "priority", 0, Decimal("8.50"), Decimal("62.50"), Decimal("531.25")),
    ]
