"""The sandbox's clock: wall time shifted by an offset, or frozen, and only ever moved forward.

Tests freeze it and advance it by hand to reach past Jira's one-minute lag; a demo
lets it run with the wall clock and jumps it forward between simulated months.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta


def _wall() -> datetime:
    return datetime.now(UTC)


class ClockError(ValueError):
    """A request to move the clock that the sandbox refuses."""


class SandboxClock:
    def __init__(
        self,
        start: datetime | None = None,
        *,
        frozen: bool = False,
        wall: Callable[[], datetime] = _wall,
    ) -> None:
        if start is not None and start.tzinfo is None:
            raise ClockError(f"the clock's start {start.isoformat()} has no time zone")
        self._wall = wall
        self._frozen = frozen
        self._lock = threading.Lock()
        base = start if start is not None else wall()
        self._fixed = base
        self._offset = base - wall()

    def now(self) -> datetime:
        with self._lock:
            return self._fixed if self._frozen else self._wall() + self._offset

    def advance(self, delta: timedelta) -> datetime:
        if delta < timedelta(0):
            raise ClockError("the sandbox clock only moves forward")
        with self._lock:
            self._fixed += delta
            self._offset += delta
            return self._fixed if self._frozen else self._wall() + self._offset

    def move_to(self, instant: datetime) -> datetime:
        if instant.tzinfo is None:
            raise ClockError(f"{instant.isoformat()} has no time zone")
        return self.advance(instant - self.now())
