"""A read-only store holding statements and logged work, and a fixed clock."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from types import TracebackType
from typing import Self

from oms_connector.domain.statements import Statement
from oms_connector.domain.usage import LoggedWork
from oms_connector.services.ports import HeldWorklog


@dataclass
class FixedClock:
    instant: datetime

    def now(self) -> datetime:
        return self.instant


@dataclass
class ReadStatements:
    statements: list[Statement]

    def list(self, plan_id: str | None = None) -> list[Statement]:
        return [s for s in self.statements if plan_id is None or s.plan_id == plan_id]


@dataclass
class ReadWorklogs:
    work: dict[str, list[LoggedWork]]
    """Logged work by Jira project key."""

    def logged_work(self, project_keys: Sequence[str]) -> Iterator[LoggedWork]:
        for key in project_keys:
            yield from self.work.get(key, [])


@dataclass
class ReadQuarantine:
    held_worklogs: list[HeldWorklog]

    def counts(self) -> dict[str | None, int]:
        counts: dict[str | None, int] = {}
        for held in self.held_worklogs:
            counts[held.project_key] = counts.get(held.project_key, 0) + 1
        return counts


@dataclass
class ReadOnlyUnitOfWork:
    statements: ReadStatements
    worklogs: ReadWorklogs
    quarantine: ReadQuarantine

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        return None


@dataclass
class ReadOnlyStore:
    statements: list[Statement] = field(default_factory=list)
    work: dict[str, list[LoggedWork]] = field(default_factory=dict)
    held: list[HeldWorklog] = field(default_factory=list)
    opened: int = 0

    def unit_of_work(self, *, read_only: bool = False) -> ReadOnlyUnitOfWork:
        self.opened += 1
        return ReadOnlyUnitOfWork(
            ReadStatements(self.statements), ReadWorklogs(self.work), ReadQuarantine(self.held)
        )
