"""The inbox: raw events stored before anything else, then applied exactly once.

``receive`` is all a webhook needs before it acknowledges. ``InboxProcessor`` claims
due events under a lease, applies each through the event parser and the ingest
service, and marks it done in the same transaction as the facts it stored. A failure
is recorded and retried later with a growing delay; after ``max_attempts`` the event
is parked until someone replays it. A worker that dies holding a claim loses it when
the lease runs out, and the event is processed again.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from oms_connector.services.ingest import Ingest
from oms_connector.services.ports import (
    Clock,
    EventParser,
    InboxEvent,
    InboxStatus,
    Store,
    UnusableEventError,
)

LOG = logging.getLogger(__name__)

MAX_ERROR_LENGTH = 2_000
MAX_EVENT_NAME_LENGTH = 200


def dedup_key(body: bytes, delivery_id: str | None) -> str:
    """The delivery identifier when Jira sends one, else a digest of the body."""
    if delivery_id is not None and delivery_id.strip():
        return f"delivery:{delivery_id.strip()}"
    return f"sha256:{hashlib.sha256(body).hexdigest()}"


def event_name(body: bytes) -> str:
    """The ``webhookEvent`` of a body, for display only; empty when there is none."""
    try:
        document = json.loads(body)
    except ValueError:
        return ""
    name = document.get("webhookEvent") if isinstance(document, dict) else None
    return name[:MAX_EVENT_NAME_LENGTH] if isinstance(name, str) else ""


class EventIntake(Protocol):
    """Where received events go: one write per event, committed before it returns."""

    def add_event(self, dedup_key: str, event: str, body: bytes, received_at: datetime) -> bool:
        """Store a raw event unless one with the same key is stored; whether it was new."""
        ...


class UnitOfWorkIntake:
    """The intake of any store: a unit of work per event."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def add_event(self, dedup_key: str, event: str, body: bytes, received_at: datetime) -> bool:
        with self._store.unit_of_work() as uow:
            new = uow.inbox.add(dedup_key, event, body, received_at)
            uow.commit()
        return new


class InboxService:
    """Receiving events, and what an operator does with parked ones."""

    def __init__(self, store: Store, clock: Clock, intake: EventIntake | None = None) -> None:
        """``intake`` is the store's own when it has a cheaper one than a unit of work."""
        self._store = store
        self._clock = clock
        self._intake = intake if intake is not None else UnitOfWorkIntake(store)

    def receive(
        self, body: bytes, delivery_id: str | None = None, event: str | None = None
    ) -> bool:
        """Store a raw event (committed before returning); whether it was new.

        ``event`` is the body's ``webhookEvent`` when the caller has parsed it already;
        otherwise it is read from the body.
        """
        key = dedup_key(body, delivery_id)
        name = event_name(body) if event is None else event[:MAX_EVENT_NAME_LENGTH]
        return self._intake.add_event(key, name, body, self._clock.now())

    def parked(self) -> list[InboxEvent]:
        with self._store.unit_of_work() as uow:
            return uow.inbox.parked()

    def retry(self, event_id: int) -> bool:
        """Make a parked event due again; False when there is no parked event with that id."""
        with self._store.unit_of_work() as uow:
            requeued = uow.inbox.requeue(event_id, self._clock.now())
            uow.commit()
        return requeued

    def counts(self) -> dict[InboxStatus, int]:
        with self._store.unit_of_work() as uow:
            return uow.inbox.counts()

    def prune(self, retention: timedelta) -> int:
        """Delete the events processed more than ``retention`` ago; how many.

        A body is known as a replay while its event is kept: one sent again after the
        retention is stored and applied again, which changes nothing (the newest version
        of each fact wins) but costs its Jira reads.
        """
        with self._store.unit_of_work() as uow:
            pruned = uow.inbox.prune(self._clock.now() - retention)
            uow.commit()
        if pruned:
            LOG.info("inbox: %d events processed more than %s ago deleted", pruned, retention)
        return pruned


@dataclass(frozen=True)
class RetryPolicy:
    """When a failed event is tried again, and when it is parked.

    The defaults wait out a multi-hour Jira or database outage: the delays before
    attempts 2 to 12 are 30 s, 1, 2, 4, 8, 16 and 32 min, then 1 h four times, 18,210 s
    (5 h 3 min 30 s) in all, so an event is parked only when its twelfth attempt fails,
    about five hours after the first. An unusable event is parked at once.
    """

    max_attempts: int = 12
    lease: timedelta = timedelta(minutes=5)
    first_delay: timedelta = timedelta(seconds=30)
    max_delay: timedelta = timedelta(hours=1)

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError(f"max_attempts must be at least 1, got {self.max_attempts}")

    def delay(self, attempts: int) -> timedelta:
        """Wait before attempt ``attempts + 1``: doubling from ``first_delay``, capped."""
        return min(self.first_delay * (1 << max(attempts - 1, 0)), self.max_delay)


@dataclass
class Progress:
    done: list[int] = field(default_factory=list)
    retrying: list[int] = field(default_factory=list)
    parked: list[int] = field(default_factory=list)
    lost: list[int] = field(default_factory=list)
    """Claims that ran out before the event was finished (another worker has it now)."""

    @property
    def claimed(self) -> int:
        return len(self.done) + len(self.retrying) + len(self.parked) + len(self.lost)

    def add(self, other: Progress) -> None:
        self.done += other.done
        self.retrying += other.retrying
        self.parked += other.parked
        self.lost += other.lost


class InboxProcessor:
    def __init__(
        self,
        store: Store,
        parser: EventParser,
        ingest: Ingest,
        clock: Clock,
        *,
        worker: str,
        policy: RetryPolicy | None = None,
        follow_up: Callable[[], object] | None = None,
    ) -> None:
        self._store = store
        self._parser = parser
        self._ingest = ingest
        self._clock = clock
        self._worker = worker
        self._policy = policy or RetryPolicy()
        self._follow_up = follow_up

    def claim(self, limit: int = 100) -> list[InboxEvent]:
        with self._store.unit_of_work() as uow:
            events = uow.inbox.claim(self._worker, self._clock.now(), self._policy.lease, limit)
            uow.commit()
        return events

    def run_once(self, limit: int = 100) -> Progress:
        """Claim up to ``limit`` due events and process each; what happened to them."""
        progress = Progress()
        for event in self.claim(limit):
            self.process(event, progress)
        return progress

    def drain(self, limit: int = 100) -> Progress:
        """Process batches until one comes back short, so a burst is cleared in one step.

        A failed event is not due again until its retry delay has passed, so the
        loop ends even when every event fails.
        """
        total = Progress()
        while True:
            batch = self.run_once(limit)
            total.add(batch)
            if batch.claimed < limit:
                return total

    def process(self, event: InboxEvent, progress: Progress) -> None:
        try:
            finished = self._apply(event)
        except UnusableEventError as error:
            self._fail(event, f"unusable event: {error}", park=True)
            progress.parked.append(event.id)
        except Exception as error:  # any failure is recorded, then retried or parked
            park = event.attempts >= self._policy.max_attempts
            self._fail(event, f"{type(error).__name__}: {error}", park=park)
            (progress.parked if park else progress.retrying).append(event.id)
        else:
            (progress.done if finished else progress.lost).append(event.id)

    def _apply(self, event: InboxEvent) -> bool:
        with self._store.unit_of_work() as uow:
            facts = self._parser.parse(event.body)
            self._ingest.apply(uow, facts)
            if not uow.inbox.finish(event.id, self._worker, self._clock.now()):
                uow.rollback()
                return False
            uow.commit()
        if self._follow_up is not None:
            # After the commit: what Jira is told next never holds the inbox's transaction.
            self._follow_up()
        return True

    def _fail(self, event: InboxEvent, error: str, *, park: bool) -> None:
        now = self._clock.now()
        retry_at = None if park else now + self._policy.delay(event.attempts)
        with self._store.unit_of_work() as uow:
            uow.inbox.fail(event.id, self._worker, error[:MAX_ERROR_LENGTH], now, retry_at)
            uow.commit()
