"""The close's fast read equals the plain one, for random term histories, on every store.

The close reads usage grouped by the database over the period bounds of the plan's
calendar (``work_groups``); the plain path sums the worklogs one by one
(``usage_by_period``). For every period the close bills, both give the same usage.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, timedelta
from itertools import count

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from oms_connector.domain.plans import Plan
from oms_connector.domain.usage import usage_by_period
from oms_connector.domain.work_groups import usage_from_groups
from oms_connector.services.ports import EventFacts, Store
from tests.domain.test_term_properties import histories
from tests.services.builders import ingest_for, issue, worklog
from tests.services.fakes import FakeClock

_projects = count(1)
URGENT = frozenset({"urgent"})


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    histories(),
    st.lists(
        st.tuples(st.integers(-40 * 86400, 420 * 86400), st.integers(1, 600), st.booleans()),
        max_size=40,
    ),
    st.integers(1, 15),
)
def test_grouped_usage_over_the_calendar_bounds_equals_usage_by_worklog(
    store: Store,
    clock: FakeClock,
    history: Plan,
    work: list[tuple[int, int, bool]],
    periods: int,
) -> None:
    # Each example has a project of its own in the shared store.
    key = f"P{next(_projects)}"
    plan = replace(history, jira_projects=(key,))
    origin = plan.calendar.local_midnight(plan.enrolled_on).astimezone(UTC)
    facts = EventFacts(
        issues=(issue(f"{key}-i1", f"{key}-1"), issue(f"{key}-i2", f"{key}-2", labels=URGENT)),
        worklogs=tuple(
            worklog(
                f"{key}-w{n}",
                issue_id=f"{key}-i2" if urgent else f"{key}-i1",
                started=origin + timedelta(seconds=offset),
                minutes=minutes,
            )
            for n, (offset, minutes, urgent) in enumerate(work)
        ),
    )
    with store.unit_of_work() as uow:
        ingest_for(clock, plan).apply(uow, facts)
        uow.commit()

    bounds = plan.calendar.bounds(periods + 1)
    with store.unit_of_work() as uow:
        groups = uow.worklogs.work_groups([key], bounds[:-1], until=bounds[-1])
        fast = usage_from_groups(plan, groups)
        plain = usage_by_period(plan, uow.worklogs.logged_work([key]))
    assert fast == {k: usage for k, usage in plain.items() if k < periods}
