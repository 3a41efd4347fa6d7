"""Usage read in groups (the close's bulk path) equals usage summed worklog by worklog."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from oms_connector.domain.usage import usage_by_period
from oms_connector.domain.work_groups import period_bounds, usage_from_groups
from oms_connector.services.ports import EventFacts, Store
from tests.domain.builders import NEW_YORK
from tests.services.builders import acme_plan, ingest_for, issue, worklog
from tests.services.fakes import FakeClock

PLAN = acme_plan()
BOUNDS = period_bounds(PLAN, 5)

# Instants on and around every boundary (DST starts 2026-03-08 in New York), before
# enrolment and long after the term.
EDGES = [
    instant + delta
    for instant in BOUNDS
    for delta in (timedelta(0), timedelta(microseconds=-1), timedelta(seconds=1))
] + [datetime(2025, 12, 1, tzinfo=UTC), datetime(2027, 6, 1, tzinfo=UTC)]


def test_period_bounds_are_local_midnights_in_utc() -> None:
    assert [b.isoformat() for b in BOUNDS] == [
        "2026-01-31T05:00:00+00:00",
        "2026-02-28T05:00:00+00:00",
        "2026-03-31T04:00:00+00:00",
        "2026-04-30T04:00:00+00:00",
        "2026-05-31T04:00:00+00:00",
    ]


@pytest.mark.parametrize("periods", [1, 3, 5])
def test_grouped_usage_equals_usage_by_worklog(
    store: Store, clock: FakeClock, periods: int
) -> None:
    rng = random.Random(periods)
    starts = EDGES + [
        datetime(2026, 1, 20, tzinfo=NEW_YORK) + timedelta(minutes=rng.randrange(200_000))
        for _ in range(60)
    ]
    facts = EventFacts(
        issues=(issue("1", "ACME-1"), issue("2", "ACME-2", labels=frozenset({"urgent"}))),
        worklogs=tuple(
            worklog(
                f"w{n}", issue_id=rng.choice("12"), started=start, minutes=rng.randrange(1, 300)
            )
            for n, start in enumerate(starts)
        ),
    )
    with store.unit_of_work() as uow:
        ingest_for(clock).apply(uow, facts)
        uow.commit()
    bounds = period_bounds(PLAN, periods)
    with store.unit_of_work() as uow:
        grouped = usage_from_groups(PLAN, uow.worklogs.work_groups(["ACME"], bounds))
        each = usage_by_period(PLAN, uow.worklogs.logged_work(["ACME"]))
    # Grouping lumps everything from the last bound on into one period: compare before it.
    last = periods - 1
    assert {k: v for k, v in grouped.items() if k < last} == {
        k: v for k, v in each.items() if k < last
    }
    later = [u for k, u in each.items() if k >= last]
    assert grouped[last].oms.seconds + grouped[last].out_of_term.seconds == sum(
        u.oms.seconds + u.out_of_term.seconds for u in later
    )
    assert grouped[last].priority.seconds == sum(u.priority.seconds for u in later)
