from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from oms_connector.domain.calendar import anniversary

from .builders import acme


def starts(enrolled: date, count: int) -> list[str]:
    return [anniversary(enrolled, k).isoformat() for k in range(count)]


@pytest.mark.parametrize(
    ("enrolled", "expected"),
    [
        (
            date(2026, 1, 29),
            ["2026-01-29", "2026-02-28", "2026-03-29", "2026-04-29", "2026-05-29"],
        ),
        (
            date(2026, 1, 30),
            ["2026-01-30", "2026-02-28", "2026-03-30", "2026-04-30", "2026-05-30"],
        ),
        (
            date(2026, 1, 31),
            ["2026-01-31", "2026-02-28", "2026-03-31", "2026-04-30", "2026-05-31"],
        ),
        (
            date(2027, 12, 31),
            ["2027-12-31", "2028-01-31", "2028-02-29", "2028-03-31", "2028-04-30"],
        ),
        (
            date(2028, 2, 29),
            ["2028-02-29", "2028-03-29", "2028-04-29", "2028-05-29", "2028-06-29"],
        ),
    ],
)
def test_anniversaries_count_from_the_enrolment_day_and_clamp_to_short_months(
    enrolled: date, expected: list[str]
) -> None:
    assert starts(enrolled, 5) == expected


def test_a_leap_day_enrolment_falls_on_the_28th_in_common_years() -> None:
    assert [anniversary(date(2028, 2, 29), k).isoformat() for k in (12, 24, 48)] == [
        "2029-02-28",
        "2030-02-28",
        "2032-02-29",
    ]


@pytest.mark.parametrize(
    ("enrolled", "index", "start_utc", "end_utc"),
    [
        # New York: DST starts 2026-03-08, ends 2026-11-01. Boundaries stay at local midnight.
        (date(2026, 2, 10), 0, "2026-02-10T05:00:00+00:00", "2026-03-10T04:00:00+00:00"),
        (date(2026, 2, 10), 1, "2026-03-10T04:00:00+00:00", "2026-04-10T04:00:00+00:00"),
        (date(2026, 10, 15), 0, "2026-10-15T04:00:00+00:00", "2026-11-15T05:00:00+00:00"),
        # Enrolled on the very day the clocks change.
        (date(2026, 3, 8), 0, "2026-03-08T05:00:00+00:00", "2026-04-08T04:00:00+00:00"),
        (date(2026, 11, 1), 0, "2026-11-01T04:00:00+00:00", "2026-12-01T05:00:00+00:00"),
    ],
)
def test_period_boundaries_are_local_midnight_across_daylight_saving_changes(
    enrolled: date, index: int, start_utc: str, end_utc: str
) -> None:
    p = acme(enrolled_on=enrolled).calendar.period(index)
    assert p.start.astimezone(UTC).isoformat() == start_utc
    assert p.end.astimezone(UTC).isoformat() == end_utc


def test_a_plan_in_another_timezone_has_its_own_midnights() -> None:
    plan = acme(timezone=ZoneInfo("Australia/Sydney"), enrolled_on=date(2026, 4, 1))
    # Sydney leaves daylight saving on 2026-04-05.
    p = plan.calendar.period(0)
    assert p.start.astimezone(UTC).isoformat() == "2026-03-31T13:00:00+00:00"
    assert p.end.astimezone(UTC).isoformat() == "2026-04-30T14:00:00+00:00"


def test_term_periods_and_billing_dates_of_the_worked_example() -> None:
    plan = acme()
    assert [
        (p.index, p.start_date.isoformat(), p.end_date.isoformat())
        for p in (plan.calendar.period(k) for k in range(3))
    ] == [
        (0, "2026-01-31", "2026-02-28"),
        (1, "2026-02-28", "2026-03-31"),
        (2, "2026-03-31", "2026-04-30"),
    ]
    assert plan.calendar.billing_date(3) == date(2026, 4, 30)


def test_a_period_closes_at_local_midnight_after_its_grace_days() -> None:
    assert acme().calendar.close_instant(0, grace_days=3).isoformat() == "2026-03-03T05:00:00+00:00"


@pytest.mark.parametrize(
    ("instant", "expected"),
    [
        (datetime(2026, 1, 31, 4, 59, tzinfo=UTC), -1),
        (datetime(2026, 1, 31, 5, 0, tzinfo=UTC), 0),
        (datetime(2026, 2, 28, 4, 59, 59, tzinfo=UTC), 0),
        (datetime(2026, 2, 28, 5, 0, tzinfo=UTC), 1),
        (datetime(2026, 3, 31, 3, 59, tzinfo=UTC), 1),
        (datetime(2026, 3, 31, 4, 0, tzinfo=UTC), 2),
        (datetime(2027, 1, 31, 5, 0, tzinfo=UTC), 12),
    ],
)
def test_the_period_of_an_instant_is_found_by_date_and_by_bisection_alike(
    instant: datetime, expected: int
) -> None:
    plan = acme()
    assert plan.calendar.index_at(instant) == expected
    assert plan.calendar.index_at(instant) == expected


def test_naive_instants_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        acme().calendar.index_at(datetime(2026, 2, 1))
    with pytest.raises(ValueError, match="timezone-aware"):
        acme().calendar.index_at(datetime(2026, 2, 1))


def test_a_negative_period_index_is_refused() -> None:
    with pytest.raises(ValueError, match="0 or more"):
        acme().calendar.period(-1)
