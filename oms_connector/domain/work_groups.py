"""Usage from worklogs already grouped by period, work type and issue (a bulk read path).

``usage_by_period`` takes one ``LoggedWork`` per worklog; a store can instead group
worklogs itself, given the periods' UTC boundaries (``PlanCalendar.bounds``), and
hand over one ``WorkGroup`` per period, work type and issue. Both give the same
``PeriodUsage``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import chain
from typing import NamedTuple

from oms_connector.domain.classification import WorkType
from oms_connector.domain.plans import Plan
from oms_connector.domain.usage import Bucket, PeriodUsage, bucket_key, usage_from_tallies


class WorkGroup(NamedTuple):
    project_key: str
    period_index: int
    """Index into the boundaries: -1 before the first, ``len(bounds) - 1`` from the last on."""
    work_type: WorkType
    issue_key: str
    seconds: int
    worklog_ids: tuple[str, ...]
    """Sorted, each once (a worklog belongs to one issue and starts in one period)."""


@dataclass
class _Tally:
    seconds: int = 0
    issue_keys: set[str] = field(default_factory=set)
    worklog_ids: list[tuple[str, ...]] = field(default_factory=list)
    """The groups' sorted id tuples, merged once all are in."""

    def freeze(self) -> Bucket:
        return Bucket(self.seconds, tuple(sorted(self.issue_keys)), _merged(self.worklog_ids))


def _merged(runs: list[tuple[str, ...]]) -> tuple[str, ...]:
    """One sorted tuple from sorted, disjoint runs.

    A bucket made of one group takes its tuple as it is. Several are merged by
    ``sorted``: Timsort finds the runs and merges them in C (heapq.merge, a Python
    generator step per id, is four times slower here).
    """
    if len(runs) == 1:
        return runs[0]
    return tuple(sorted(chain.from_iterable(runs)))


def usage_from_groups(plan: Plan, groups: Iterable[WorkGroup]) -> dict[int, PeriodUsage]:
    """The same result as ``usage_by_period`` over the worklogs behind ``groups``."""
    calendar = plan.calendar
    tallies: dict[tuple[int, str], _Tally] = {}
    for group in groups:
        key = bucket_key(calendar, group.period_index, group.work_type)
        tally = tallies.setdefault(key, _Tally())
        tally.seconds += group.seconds
        tally.issue_keys.add(group.issue_key)
        tally.worklog_ids.append(group.worklog_ids)
    return usage_from_tallies(tallies)
