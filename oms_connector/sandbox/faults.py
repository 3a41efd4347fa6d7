"""Fault injection: the sandbox answering some REST calls the way a struggling Jira does.

Opt-in, off by default. With a :class:`FaultPlan`, each ``/rest/api/3`` request fails
with probability ``rate``, before it touches the state (a failed call changes
nothing), in one of three ways, chosen in turn from ``kinds`` at random:

- ``429``: ``Too Many Requests`` with ``Retry-After`` (whole seconds), as Jira Cloud's
  rate limiter answers;
- ``500``: an internal error in Jira's error shape;
- ``timeout``: the request hangs ``hang_seconds`` (longer than the client's read
  timeout, so the client gives up), then answers ``504``.

The draws come from a seeded generator, so a run is reproducible for a given order
of requests. ``/_sandbox`` routes never fail. The plan can also be set and read on
the running sandbox with ``POST``/``GET /_sandbox/faults``.
"""

from __future__ import annotations

import random
import threading
from collections import Counter
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class FaultKind(StrEnum):
    RATE_LIMITED = "429"
    SERVER_ERROR = "500"
    TIMEOUT = "timeout"


class FaultPlanError(ValueError):
    """A fault plan that cannot be used; the message names the setting."""


@dataclass(frozen=True)
class Fault:
    kind: FaultKind
    retry_after_seconds: int = 0
    hang_seconds: float = 0.0


@dataclass
class FaultPlan:
    rate: float
    seed: int = 0
    kinds: tuple[FaultKind, ...] = tuple(FaultKind)
    retry_after_seconds: int = 1
    hang_seconds: float = 1.0
    _random: random.Random = field(init=False, repr=False)
    _lock: threading.Lock = field(init=False, repr=False, default_factory=threading.Lock)
    _counts: Counter[str] = field(init=False, repr=False, default_factory=Counter)
    _credit: float = field(init=False, repr=False, default=0.0)
    _threshold: float = field(init=False, repr=False, default=1.0)
    _next_kinds: list[FaultKind] = field(init=False, repr=False, default_factory=list)

    def __post_init__(self) -> None:
        if isinstance(self.rate, bool) or not 0 <= self.rate <= 1:
            raise FaultPlanError(f"rate must be a number from 0 to 1, got {self.rate!r}")
        if not self.kinds:
            raise FaultPlanError("kinds must name at least one fault: 429, 500 or timeout")
        self.kinds = tuple(FaultKind(kind) for kind in self.kinds)
        if self.retry_after_seconds < 0:
            raise FaultPlanError(
                f"retry_after_seconds must be 0 or more, got {self.retry_after_seconds}"
            )
        if self.hang_seconds < 0:
            raise FaultPlanError(f"hang_seconds must be 0 or more, got {self.hang_seconds}")
        self._random = random.Random(self.seed)  # noqa: S311 - reproducible drills
        self._threshold = 1.0 - self._random.random()

    def draw(self) -> Fault | None:
        """The fault for the next request, or ``None`` to serve it.

        Faults land at random places but in the exact proportion ``rate`` (each
        request adds ``rate`` to a credit; a fault spends one, when the credit passes
        a threshold drawn anew each time), and the kinds take turns in a shuffled
        order: a drill of a few dozen calls sees every kind, reproducibly per seed.
        """
        with self._lock:
            self._counts["requests"] += 1
            self._credit += self.rate
            if self._credit < self._threshold:
                return None
            self._credit -= 1.0
            self._threshold = 1.0 - self._random.random()
            kind = self._next_kind()
            self._counts[kind.value] += 1
        return Fault(kind, self.retry_after_seconds, self.hang_seconds)

    def _next_kind(self) -> FaultKind:
        if not self._next_kinds:
            self._next_kinds = list(self.kinds)
            self._random.shuffle(self._next_kinds)
        return self._next_kinds.pop()

    def counts(self) -> dict[str, int]:
        """Requests seen and faults injected, by kind."""
        with self._lock:
            return {"requests": self._counts["requests"]} | {
                kind.value: self._counts[kind.value] for kind in FaultKind
            }

    def status(self) -> dict[str, Any]:
        return {
            "rate": self.rate,
            "seed": self.seed,
            "kinds": [kind.value for kind in self.kinds],
            "retryAfterSeconds": self.retry_after_seconds,
            "hangSeconds": self.hang_seconds,
            "counts": self.counts(),
        }


def plan_from_json(body: dict[str, Any]) -> FaultPlan:
    """A plan from the control route's body: ``rate`` (required), ``seed``, ``kinds``, ..."""
    known = {"rate", "seed", "kinds", "retryAfterSeconds", "hangSeconds"}
    unknown = sorted(set(body) - known)
    if unknown:
        raise FaultPlanError(f"unknown fault setting(s): {', '.join(unknown)}")
    rate, seed = body.get("rate"), body.get("seed", 0)
    kinds = body.get("kinds", [kind.value for kind in FaultKind])
    retry_after, hang = body.get("retryAfterSeconds", 1), body.get("hangSeconds", 1.0)
    if not isinstance(rate, int | float) or isinstance(rate, bool):
        raise FaultPlanError("rate must be a number from 0 to 1")
    if not _whole(seed) or not _whole(retry_after):
        raise FaultPlanError("seed and retryAfterSeconds must be whole numbers")
    if not _number(hang):
        raise FaultPlanError("hangSeconds must be a number")
    if not isinstance(kinds, list) or not all(k in set(FaultKind) for k in kinds):
        raise FaultPlanError('kinds must be a list of "429", "500" and "timeout"')
    return FaultPlan(
        rate=float(rate),
        seed=seed,
        kinds=tuple(FaultKind(k) for k in kinds),
        retry_after_seconds=retry_after,
        hang_seconds=float(hang),
    )


def _number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _whole(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
