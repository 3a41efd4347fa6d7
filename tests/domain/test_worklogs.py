from __future__ import annotations

from datetime import UTC, datetime

import pytest

from oms_connector.domain.worklogs import Worklog, supersedes

T1 = datetime(2026, 3, 1, 10, tzinfo=UTC)
T2 = datetime(2026, 3, 1, 11, tzinfo=UTC)


def version(updated: datetime, seconds: int = 3600, *, deleted: bool = False) -> Worklog:
    return Worklog("10066", "10014", T1, seconds, updated, deleted=deleted)


@pytest.mark.parametrize(
    ("new", "old", "expected"),
    [
        (version(T2, 7200), version(T1), True),
        (version(T1), version(T2, 7200), False),
        (version(T1), version(T1), False),
        (version(T1, deleted=True), version(T1), True),
        (version(T1, deleted=True), version(T2), True),
        (version(T2), version(T1, deleted=True), False),
        (version(T2, deleted=True), version(T1, deleted=True), False),
    ],
    ids=[
        "newer update wins",
        "older update never overwrites",
        "the same fact twice changes nothing",
        "a deletion replaces the live version",
        "a deletion carrying an older updated still wins",
        "a late update cannot resurrect a tombstone",
        "a tombstone stays as it is",
    ],
)
def test_which_version_of_a_worklog_wins(new: Worklog, old: Worklog, expected: bool) -> None:
    assert supersedes(new, old) is expected


def test_naive_times_and_negative_durations_are_refused() -> None:
    with pytest.raises(ValueError, match="worklog 1: started and updated must be timezone-aware"):
        Worklog("1", "2", datetime(2026, 3, 1), 60, T1)
    with pytest.raises(ValueError, match=r"worklog 1: seconds must not be negative \(-5\)"):
        Worklog("1", "2", T1, -5, T1)
