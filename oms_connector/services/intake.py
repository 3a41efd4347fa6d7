"""Group commit for received events: concurrent deliveries written by one statement.

Every delivery joins a queue. A thread that finds no write in progress becomes the
writer (the leader): it takes what is queued, up to ``max_batch`` events, stores them
with one ``add_events`` call (one statement, one commit), tells each waiting thread
whether its event was new, and hands the next batch to the first thread still waiting,
which writes it in turn. Alone, a delivery is written at once by its own thread, in a
batch of one: nothing waits for a batch to fill, and no thread is started.

"Thread" here is whatever runs a request: an OS thread, or a greenlet under gunicorn's
gevent worker (which patches ``threading``, so the locks below are gevent's). There a
writer waiting for the database lets the other greenlets run, and the deliveries they
read meanwhile make up the next batch.

Nobody is answered before the commit holding its event. A failed batch fails every
delivery in it, and the store commits all of a batch or none of it. The same key twice
in one batch is sent once: the first delivery is new (if the store had not got it),
the others are repeats.
"""

from __future__ import annotations

import threading
from collections import deque
from datetime import datetime

from oms_connector.services.ports import EventBatches, ReceivedEvent, StoreUnavailableError

MAX_BATCH = 64


class IntakeClosedError(StoreUnavailableError):
    """The intake was closed (the app is stopping): the delivery is not stored."""


class _Delivery:
    """One waiting request: its event, then its outcome, or a call to write the next batch."""

    __slots__ = ("_signal", "error", "event", "finished", "new")

    def __init__(self, event: ReceivedEvent) -> None:
        self.event = event
        self.finished = False
        self.new = False
        self.error: BaseException | None = None
        self._signal = threading.Lock()
        self._signal.acquire()  # released once: when finished, or to make it the writer

    def wait(self) -> None:
        self._signal.acquire()

    def wake(self) -> None:
        self._signal.release()

    def outcome(self) -> bool:
        if self.error is None:
            return self.new
        if isinstance(self.error, StoreUnavailableError):
            raise StoreUnavailableError(str(self.error)) from self.error
        raise RuntimeError("the batch holding this event failed") from self.error


class BatchedIntake:
    """An event intake (``add_event``) writing concurrent deliveries together; thread-safe."""

    def __init__(self, store: EventBatches, max_batch: int = MAX_BATCH) -> None:
        if max_batch < 1:
            raise ValueError(f"max_batch must be at least 1, got {max_batch}")
        self._store = store
        self._max_batch = max_batch
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)
        self._queue: deque[_Delivery] = deque()
        self._writing = False
        self._closed = False

    def add_event(self, dedup_key: str, event: str, body: bytes, received_at: datetime) -> bool:
        """Store a raw event unless its key is stored, committed; whether it was new."""
        delivery = _Delivery(ReceivedEvent(dedup_key, event, body, received_at))
        with self._lock:
            if self._closed:
                raise IntakeClosedError("the event intake is closed")
            self._queue.append(delivery)
            leads = not self._writing
            self._writing = True
        if not leads:
            delivery.wait()
        if not delivery.finished:  # the writer: first in the queue, so in this batch
            self._write_batch()
        return delivery.outcome()

    @property
    def queued(self) -> int:
        """Deliveries waiting for a write to start (those being written not counted)."""
        with self._lock:
            return len(self._queue)

    def close(self) -> None:
        """Refuse new deliveries; return once every queued one is written."""
        with self._lock:
            self._closed = True
            while self._writing:
                self._idle.wait()

    def _write_batch(self) -> None:
        with self._lock:
            count = min(len(self._queue), self._max_batch)
            batch = [self._queue.popleft() for _ in range(count)]
        try:
            self._store_batch(batch)
        finally:
            self._hand_over(batch)

    def _store_batch(self, batch: list[_Delivery]) -> None:
        first: dict[str, _Delivery] = {}
        for delivery in batch:
            first.setdefault(delivery.event.dedup_key, delivery)
        try:
            added = self._store.add_events([delivery.event for delivery in first.values()])
        except BaseException as error:  # every waiter hears of it, whatever it is
            for delivery in batch:
                delivery.error = error
            raise
        for key, delivery in first.items():
            delivery.new = key in added

    def _hand_over(self, batch: list[_Delivery]) -> None:
        """Answer the batch's waiters; wake the next writer, or mark the intake idle."""
        with self._lock:
            successor = self._queue[0] if self._queue else None
            if successor is None:
                self._writing = False
                self._idle.notify_all()
        for delivery in batch:
            delivery.finished = True
            delivery.wake()  # the writer's own delivery too: nobody waits on it, no harm
        if successor is not None:
            successor.wake()
