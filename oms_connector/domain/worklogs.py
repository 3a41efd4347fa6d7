"""Worklogs as facts about time spent, and the rule that decides which version of one wins."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Worklog:
    id: str
    issue_id: str
    started: datetime
    seconds: int
    updated: datetime
    author: str = ""
    deleted: bool = False

    def __post_init__(self) -> None:
        if self.started.tzinfo is None or self.updated.tzinfo is None:
            raise ValueError(f"worklog {self.id}: started and updated must be timezone-aware")
        if self.seconds < 0:
            raise ValueError(f"worklog {self.id}: seconds must not be negative ({self.seconds})")


def supersedes(new: Worklog, old: Worklog) -> bool:
    """Whether ``new`` should replace the stored ``old`` version of the same worklog.

    A deletion is final: Jira never reuses a worklog id, so no later fact resurrects
    a tombstone (a webhook for a deletion carries the worklog's last ``updated``, which
    can be older than an update that arrives late). A deletion replaces any live
    version; between live versions a newer ``updated`` wins and an older one never
    overwrites.
    Replaying the very same fact changes nothing.
    """
    if old.deleted:
        return False
    if new.deleted:
        return True
    return new.updated > old.updated
