"""Usage of a plan per period, summed in exact seconds from classified worklogs."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import NamedTuple, Protocol

from oms_connector.domain.classification import WorkType
from oms_connector.domain.periods import anniversary, local_midnight
from oms_connector.domain.plans import Plan


class LoggedWork(NamedTuple):
    """A live worklog with the work type of its issue (a plain tuple, cheap in bulk)."""

    worklog_id: str
    issue_key: str
    work_type: WorkType
    started: datetime
    seconds: int


@dataclass(frozen=True)
class Bucket:
    """Work of one kind in one period.

    The keys and ids are sorted tuples, each value once: the form billing lines list
    them in, built once here so that no line has to sort them again.
    """

    seconds: int = 0
    issue_keys: tuple[str, ...] = ()
    worklog_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class PeriodUsage:
    """What was logged in one period.

    ``out_of_term`` is ``oms`` work that has no OMS hours to use: logged before the
    enrolment date (counted in period 0) or in a period after the term. It is billed
    as priority work.
    """

    index: int
    oms: Bucket = Bucket()
    priority: Bucket = Bucket()
    out_of_term: Bucket = Bucket()


@dataclass
class _Tally:
    seconds: int = 0
    issue_keys: set[str] = field(default_factory=set)
    worklog_ids: set[str] = field(default_factory=set)

    def add(self, work: LoggedWork) -> None:
        self.seconds += work.seconds
        self.issue_keys.add(work.issue_key)
        self.worklog_ids.add(work.worklog_id)

    def freeze(self) -> Bucket:
        return Bucket(self.seconds, tuple(sorted(self.issue_keys)), tuple(sorted(self.worklog_ids)))


class PeriodLocator:
    """Finds the period of an instant by bisecting precomputed UTC boundaries."""

    def __init__(self, plan: Plan) -> None:
        self._plan = plan
        self._bounds: list[datetime] = []
        self._extend_to(1)

    def _extend_to(self, count: int) -> None:
        while len(self._bounds) < count + 1:
            day = anniversary(self._plan.enrolled_on, len(self._bounds))
            self._bounds.append(local_midnight(self._plan, day).astimezone(UTC))

    def index_at(self, instant: datetime) -> int:
        """Period index of ``instant``; -1 before enrolment."""
        if instant.tzinfo is None:
            raise ValueError("instant must be timezone-aware")
        while instant >= self._bounds[-1]:
            self._extend_to(len(self._bounds) + 12)
        return bisect_right(self._bounds, instant) - 1


def usage_by_period(plan: Plan, work: Iterable[LoggedWork]) -> dict[int, PeriodUsage]:
    """Sum the worklogs of one plan into the periods that contain their start.

    The result has an entry for every period that has any work; work before the
    enrolment date is counted in period 0 as out-of-term.
    """
    locator = PeriodLocator(plan)
    tallies: dict[tuple[int, str], _Tally] = {}
    for item in work:
        index = locator.index_at(item.started)
        key = bucket_key(plan, index, item.work_type)
        tally = tallies.get(key)
        if tally is None:
            tally = tallies[key] = _Tally()
        tally.add(item)
    return usage_from_tallies(tallies)


def bucket_key(plan: Plan, index: int, work_type: WorkType) -> tuple[int, str]:
    """Where work of period ``index`` counts: its period (0 before enrolment) and bucket."""
    if work_type is WorkType.PRIORITY:
        return max(index, 0), "priority"
    return max(index, 0), "oms" if plan.in_term(index) else "out_of_term"


class Tally(Protocol):
    def freeze(self) -> Bucket: ...


def usage_from_tallies(tallies: Mapping[tuple[int, str], Tally]) -> dict[int, PeriodUsage]:
    """The usage of each period from the tallies of its buckets."""
    buckets: dict[int, dict[str, Bucket]] = {}
    for (index, name), tally in tallies.items():
        buckets.setdefault(index, {})[name] = tally.freeze()
    return {index: PeriodUsage(index=index, **named) for index, named in sorted(buckets.items())}
