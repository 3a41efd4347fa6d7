"""Usage of a plan per period, summed in exact seconds from classified worklogs."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import NamedTuple, Protocol

from oms_connector.domain.calendar import PlanCalendar
from oms_connector.domain.classification import WorkType
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
    enrolment date (counted in period 0) or in a period no term covers. It is billed
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


def usage_by_period(plan: Plan, work: Iterable[LoggedWork]) -> dict[int, PeriodUsage]:
    """Sum the worklogs of one plan into the periods that contain their start.

    The result has an entry for every period that has any work; work before the
    enrolment date is counted in period 0 as out-of-term (see ``bucket_key``).
    """
    calendar = plan.calendar
    tallies: dict[tuple[int, str], _Tally] = {}
    for item in work:
        key = bucket_key(calendar, calendar.index_at(item.started), item.work_type)
        tally = tallies.get(key)
        if tally is None:
            tally = tallies[key] = _Tally()
        tally.add(item)
    return usage_from_tallies(tallies)


def bucket_key(calendar: PlanCalendar, index: int, work_type: WorkType) -> tuple[int, str]:
    """Where work of period ``index`` counts: its period and bucket.

    Work before the enrolment date counts in period 0 when the connector writes the
    plan's statements from its enrolment; otherwise it stays at -1, before every
    period billed, and is not billed.
    """
    if index < 0:
        # Before enrolment: never covered, billed with period 0 unless billing starts later.
        counted = 0 if calendar.first_statement == 0 else -1
        return counted, "priority" if work_type is WorkType.PRIORITY else "out_of_term"
    if work_type is WorkType.PRIORITY:
        return index, "priority"
    return index, "oms" if calendar.covered(index) else "out_of_term"


class Tally(Protocol):
    def freeze(self) -> Bucket: ...


def usage_from_tallies(tallies: Mapping[tuple[int, str], Tally]) -> dict[int, PeriodUsage]:
    """The usage of each period from the tallies of its buckets."""
    buckets: dict[int, dict[str, Bucket]] = {}
    for (index, name), tally in tallies.items():
        buckets.setdefault(index, {})[name] = tally.freeze()
    return {index: PeriodUsage(index=index, **named) for index, named in sorted(buckets.items())}
