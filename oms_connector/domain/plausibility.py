"""Which worklogs are plausible facts: counted, or held in quarantine with a reason.

Anyone who can log time in Jira can log a worklog dated 9999 or lasting 10^12 seconds.
Such a worklog is not counted until Jira sends a plausible version of it or the agency
accepts it (docs/billing.md, "Quarantine").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from oms_connector.domain.worklogs import Worklog

DAY = timedelta(days=1)


@dataclass(frozen=True)
class Plausibility:
    """The bounds a worklog must be within to be counted."""

    history: timedelta = timedelta(days=365)
    """How long before its plan's enrolment a worklog may have started."""
    ahead: timedelta = DAY
    """How far after now a worklog may have started."""
    max_seconds: int = 86_400
    """The longest worklog counted, in seconds."""
    clock_skew: timedelta = timedelta(minutes=5)
    """How far in the future Jira's ``updated`` may be (Jira's clock and ours differ)."""

    def __post_init__(self) -> None:
        if self.max_seconds < 1:
            raise ValueError(f"the longest worklog must be 1 s or more ({self.max_seconds})")
        if min(self.history, self.ahead, self.clock_skew) < timedelta(0):
            raise ValueError("the plausibility bounds must not be negative")

    def reason(self, worklog: Worklog, enrolled_at: datetime, now: datetime) -> str | None:
        """Why ``worklog`` is not counted, or ``None`` when it is plausible.

        ``enrolled_at`` is the start of its plan's enrolment day. Only live versions are
        judged: a deletion counts nothing and is stored as it comes.
        """
        earliest = enrolled_at - self.history
        return (
            self._started_reason(worklog.started, earliest, now)
            or self._duration_reason(worklog.seconds)
            or self._updated_reason(worklog.updated, earliest, now)
        )

    def _started_reason(self, started: datetime, earliest: datetime, now: datetime) -> str | None:
        if started < earliest:
            return (
                f"started {started.isoformat()} is before {_day(earliest)}, "
                f"{self.history.days} days before its plan's enrolment"
            )
        latest = now + self.ahead
        if started > latest:
            return f"started {started.isoformat()} is after {_instant(latest)}"
        return None

    def _duration_reason(self, seconds: int) -> str | None:
        if seconds < 1:
            return f"lasts {seconds} s, less than 1 s"
        if seconds > self.max_seconds:
            return f"lasts {seconds} s, more than the {self.max_seconds} s a worklog may last"
        return None

    def _updated_reason(self, updated: datetime, earliest: datetime, now: datetime) -> str | None:
        if updated > now + self.clock_skew:
            return f"updated {updated.isoformat()} is in the future"
        if updated < earliest:
            return f"updated {updated.isoformat()} is before {_day(earliest)}"
        return None

    def version(self, worklog: Worklog, now: datetime) -> datetime:
        """The ``updated`` a held version competes with in the newer-wins rule.

        An ``updated`` in the future would win over every later real edit: it counts as
        received now, less the clock skew, so the next edit made in Jira replaces it.
        One too far in the past counts from the epoch, a value every store can hold.
        """
        if worklog.updated > now + self.clock_skew:
            return now - self.clock_skew
        return max(worklog.updated, EPOCH)

    def acceptable(self, worklog: Worklog, now: datetime) -> str | None:
        """Why a held worklog cannot be accepted and counted, or ``None`` when it can.

        Work that has not happened yet, or that no calendar holds, cannot be billed
        however sure the agency is: it is corrected in Jira instead.
        """
        if worklog.started > now + self.ahead:
            return f"started {worklog.started.isoformat()} is in the future: correct it in Jira"
        if worklog.started < EPOCH:
            return f"started {worklog.started.isoformat()} is before 1970: correct it in Jira"
        if worklog.seconds > MAX_STORED_SECONDS:
            return f"lasts {worklog.seconds} s, more than can be stored: correct it in Jira"
        return None


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MAX_STORED_SECONDS = 2**63 - 1
"""The longest duration a store holds (a signed 64-bit integer)."""


def _day(instant: datetime) -> str:
    return instant.date().isoformat()


def _instant(instant: datetime) -> str:
    return instant.isoformat(timespec="seconds")
