"""Adjustments: what should have been billed for closed periods, less what was billed."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from oms_connector.domain.lines import ZERO, Line, LineKind

_Key = tuple[int, LineKind, Decimal]


@dataclass
class _Sum:
    line: Line
    hours: Decimal = ZERO
    amount: Decimal = ZERO
    issue_keys: set[str] = field(default_factory=set)
    worklog_ids: set[str] = field(default_factory=set)

    def add(self, line: Line) -> None:
        self.hours += line.hours
        self.amount += line.amount
        self.issue_keys.update(line.issue_keys)
        self.worklog_ids.update(line.worklog_ids)


def _sums(lines: Iterable[Line], before: int) -> dict[_Key, _Sum]:
    sums: dict[_Key, _Sum] = {}
    for line in lines:
        if line.kind is LineKind.SUBSCRIPTION or line.period_index >= before:
            continue
        key = (line.period_index, line.billed_kind, line.rate)
        if key not in sums:
            sums[key] = _Sum(line)
        sums[key].add(line)
    return sums


def adjustments(
    should: Mapping[int, Sequence[Line]], billed: Iterable[Line], before: int
) -> list[Line]:
    """Adjustment lines for the periods before ``before``.

    Lines are compared per period, kind and rate; an adjustment carries the
    difference in hours and in money (negative for a credit), so what was billed
    plus its adjustments always equals what should have been billed, to the cent.
    Expired hours are corrected too, at amount 0.

    A period nothing was billed for, whose lines all come to 0.00 (hours drawn from
    the prepaid bank), is left alone: its statement had nothing to bill and was
    skipped, and it is corrected once it has something charged.
    """
    wanted = _sums((line for lines in should.values() for line in lines), before)
    done = _sums(billed, before)
    billed_periods = {key[0] for key in done}
    charged_periods = {key[0] for key, found in wanted.items() if found.amount}
    result = []
    for key in sorted(wanted.keys() | done.keys(), key=lambda k: (k[0], k[1].value, k[2])):
        if key[0] not in billed_periods and key[0] not in charged_periods:
            continue
        target, actual = wanted.get(key), done.get(key)
        hours = (target.hours if target else ZERO) - (actual.hours if actual else ZERO)
        money = (target.amount if target else ZERO) - (actual.amount if actual else ZERO)
        if hours or money:
            result.append(_adjustment(key, hours, money, [s for s in (target, actual) if s]))
    return result


def _adjustment(key: _Key, hours: Decimal, money: Decimal, sums: list[_Sum]) -> Line:
    index, kind, rate = key
    sample = sums[0].line
    issue_keys = set().union(*(s.issue_keys for s in sums))
    worklog_ids = set().union(*(s.worklog_ids for s in sums))
    sign = "+" if hours >= 0 else ""
    return Line(
        kind=LineKind.ADJUSTMENT,
        period_index=index,
        period_start=sample.period_start,
        period_end=sample.period_end,
        hours=hours,
        rate=rate,
        amount=money,
        description=(
            f"Adjustment to {kind.value} of the period {sample.period_start.isoformat()} to "
            f"{sample.period_end.isoformat()}: {sign}{hours} h"
        ),
        issue_keys=tuple(sorted(issue_keys)),
        worklog_ids=tuple(sorted(worklog_ids)),
        corrects=kind,
    )
