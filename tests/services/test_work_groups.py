"""Usage read in groups (the close's bulk path) equals usage summed worklog by worklog."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from oms_connector.domain.usage import usage_by_period
from oms_connector.domain.work_groups import usage_from_groups
from oms_connector.services.ports import EventFacts, Store
from tests.domain.builders import NEW_YORK
from tests.services.builders import acme_plan, ingest_for, issue, worklog
from tests.services.fakes import FakeClock

PLAN = acme_plan()
BOUNDS = PLAN.calendar.bounds(5)

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


@pytest.mark.parametrize("periods", [1, 3, 5, 14])
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
    bounds = PLAN.calendar.bounds(periods)
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


def test_a_work_group_holds_one_issue_s_worklogs_of_one_period_and_empty_periods_have_none(
    store: Store, clock: FakeClock
) -> None:
    bounds = PLAN.calendar.bounds(3)
    facts = EventFacts(
        issues=(issue("1", "ACME-1"), issue("2", "ACME-2", labels=frozenset({"urgent"}))),
        worklogs=(
            worklog("before", issue_id="1", started=bounds[0] - timedelta(seconds=1), minutes=5),
            worklog("a", issue_id="1", started=bounds[0], minutes=10),
            worklog("b", issue_id="1", started=bounds[1] - timedelta(seconds=1), minutes=20),
            worklog("c", issue_id="2", started=bounds[0] + timedelta(days=3), minutes=30),
            worklog("d", issue_id="2", started=bounds[2], minutes=40),
        ),
    )
    with store.unit_of_work() as uow:
        ingest_for(clock).apply(uow, facts)
        uow.commit()
    with store.unit_of_work() as uow:
        groups = uow.worklogs.work_groups(["ACME"], bounds)
        found = sorted(
            (g.period_index, g.issue_key, g.seconds, sorted(g.worklog_ids)) for g in groups
        )
    # Period 1 has no work: no group for it.
    assert found == [
        (-1, "ACME-1", 300, ["before"]),
        (0, "ACME-1", 1800, ["a", "b"]),
        (0, "ACME-2", 1800, ["c"]),
        (2, "ACME-2", 2400, ["d"]),
    ]


def test_without_bounds_every_worklog_is_before_the_first_period(
    store: Store, clock: FakeClock
) -> None:
    facts = EventFacts(
        issues=(issue("1", "ACME-1"),),
        worklogs=(worklog("a", issue_id="1", minutes=10), worklog("b", issue_id="1", minutes=5)),
    )
    with store.unit_of_work() as uow:
        ingest_for(clock).apply(uow, facts)
        uow.commit()
    with store.unit_of_work() as uow:
        [group] = uow.worklogs.work_groups(["ACME"], [])
    assert (group.period_index, group.seconds, sorted(group.worklog_ids)) == (-1, 900, ["a", "b"])


def test_a_groups_worklog_ids_come_in_string_order_whatever_order_they_were_stored_in(
    store: Store, clock: FakeClock
) -> None:
    started = BOUNDS[0] + timedelta(days=1)
    facts = EventFacts(
        issues=(issue("1", "ACME-1"),),
        worklogs=tuple(
            worklog(worklog_id, issue_id="1", started=started, minutes=1)
            for worklog_id in ("9", "100", "10", "11", "99")
        ),
    )
    with store.unit_of_work() as uow:
        ingest_for(clock).apply(uow, facts)
        uow.commit()
    with store.unit_of_work() as uow:
        [group] = uow.worklogs.work_groups(["ACME"], BOUNDS)
    assert group.worklog_ids == ("10", "100", "11", "9", "99")


def test_worklogs_started_from_until_on_are_left_out(store: Store, clock: FakeClock) -> None:
    facts = EventFacts(
        issues=(issue("1", "ACME-1"),),
        worklogs=(
            worklog("1", issue_id="1", started=BOUNDS[0] - timedelta(days=1), minutes=5),
            worklog("2", issue_id="1", started=BOUNDS[0], minutes=10),
            worklog("3", issue_id="1", started=BOUNDS[1] - timedelta(microseconds=1), minutes=20),
            worklog("4", issue_id="1", started=BOUNDS[1], minutes=40),
        ),
    )
    with store.unit_of_work() as uow:
        ingest_for(clock).apply(uow, facts)
        uow.commit()
    with store.unit_of_work() as uow:
        groups = uow.worklogs.work_groups(["ACME"], BOUNDS[:1], until=BOUNDS[1])
        found = sorted((g.period_index, g.seconds, g.worklog_ids) for g in groups)
    assert found == [(-1, 300, ("1",)), (0, 1800, ("2", "3"))]


def test_keys_and_ids_with_quotes_backslashes_and_other_scripts_read_back_exactly(
    store: Store, clock: FakeClock
) -> None:
    started = BOUNDS[0] + timedelta(days=1)
    ids = ('w"1', "w\\2", "wé3", "w\n4", "w\u20ac5")
    facts = EventFacts(
        issues=(issue("1", 'ACME-"1\\'),),
        worklogs=tuple(
            worklog(worklog_id, issue_id="1", started=started, minutes=1) for worklog_id in ids
        ),
    )
    with store.unit_of_work() as uow:
        ingest_for(clock).apply(uow, facts)
        uow.commit()
    with store.unit_of_work() as uow:
        [group] = uow.worklogs.work_groups(["ACME"], BOUNDS)
    assert (group.issue_key, group.seconds, group.worklog_ids) == (
        'ACME-"1\\',
        300,
        tuple(sorted(ids)),
    )


@pytest.mark.parametrize("count", [47, 48, 70])
def test_a_plan_with_many_periods_reads_each_of_them(
    store: Store, clock: FakeClock, count: int
) -> None:
    """Two columns a period, three more: 99, 101 and 145 columns. SQLite takes up to 100 in
    one function call here (its own limit is 127); past that the row is read in parts."""
    bounds = PLAN.calendar.bounds(count)
    middle = count // 2
    facts = EventFacts(
        issues=(issue("1", "ACME-1"),),
        worklogs=(
            worklog("a", issue_id="1", started=bounds[0] - timedelta(days=1), minutes=1),
            worklog("b", issue_id="1", started=bounds[0], minutes=2),
            worklog("c", issue_id="1", started=bounds[middle] + timedelta(days=3), minutes=3),
            worklog("d", issue_id="1", started=bounds[-1], minutes=4),
        ),
    )
    with store.unit_of_work() as uow:
        ingest_for(clock).apply(uow, facts)
        uow.commit()
    with store.unit_of_work() as uow:
        groups = uow.worklogs.work_groups(["ACME"], bounds)
        found = sorted((g.period_index, g.seconds, g.worklog_ids) for g in groups)
    assert found == [
        (-1, 60, ("a",)),
        (0, 120, ("b",)),
        (middle, 180, ("c",)),
        (count - 1, 240, ("d",)),
    ]
