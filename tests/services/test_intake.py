"""``BatchedIntake``: concurrent deliveries written together, each told new or repeat."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeoutError
from datetime import UTC, datetime

import pytest

from oms_connector.services.intake import BatchedIntake, IntakeClosedError
from oms_connector.services.ports import ReceivedEvent, StoreUnavailableError

NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)
BODY = b'{"webhookEvent": "worklog_created"}'


class FakeBatches:
    """Stores keys in a set; can hold its first call until released, and fail a later one."""

    def __init__(self, *, hold_first: bool = False, fail_call: int = 0) -> None:
        self.batches: list[list[str]] = []
        self.stored: set[str] = set()
        self.failure: BaseException = StoreUnavailableError("the database is unavailable: Down")
        self.writing = threading.Event()
        self.release = threading.Event()
        self._hold_first = hold_first
        self._fail_call = fail_call

    def add_events(self, events: Sequence[ReceivedEvent]) -> set[str]:
        keys = [event.dedup_key for event in events]
        self.batches.append(keys)
        if self._hold_first and len(self.batches) == 1:
            self.writing.set()
            assert self.release.wait(5), "the test never released the first write"
        if len(self.batches) == self._fail_call:
            raise self.failure
        added = {key for key in keys if key not in self.stored}
        self.stored |= added
        return added


def add(intake: BatchedIntake, key: str) -> bool:
    return intake.add_event(key, "worklog_created", BODY, NOW)


def wait_until_queued(intake: BatchedIntake, count: int) -> None:
    deadline = time.monotonic() + 5
    while intake.queued < count:
        assert time.monotonic() < deadline, f"{intake.queued} deliveries queued, not {count}"
        time.sleep(0.001)


def during_held_write(
    store: FakeBatches, intake: BatchedIntake, pool: ThreadPoolExecutor, keys: list[str]
) -> tuple[Future[bool], list[Future[bool]]]:
    """``d1`` written first and held; ``keys`` queued behind it; then the write released."""
    first = pool.submit(add, intake, "d1")
    assert store.writing.wait(5)
    rest = [pool.submit(add, intake, key) for key in keys]
    wait_until_queued(intake, len(keys))
    store.release.set()
    return first, rest


def test_deliveries_one_at_a_time_are_written_at_once_one_per_batch_without_a_thread() -> None:
    threads = threading.active_count()
    store = FakeBatches()
    intake = BatchedIntake(store)
    assert [add(intake, "d1"), add(intake, "d2"), add(intake, "d1")] == [True, True, False]
    assert store.batches == [["d1"], ["d2"], ["d1"]]
    assert threading.active_count() == threads


def test_deliveries_arriving_during_a_write_are_written_together_by_the_next_one() -> None:
    store = FakeBatches(hold_first=True)
    intake = BatchedIntake(store)
    with ThreadPoolExecutor(4) as pool:
        first, rest = during_held_write(store, intake, pool, ["d2", "d3", "d4"])
        assert [first.result(), *(future.result() for future in rest)] == [True] * 4
    assert [sorted(batch) for batch in store.batches] == [["d1"], ["d2", "d3", "d4"]]
    assert intake.queued == 0


def test_the_same_key_twice_in_a_batch_is_sent_once_and_only_one_delivery_is_new() -> None:
    store = FakeBatches(hold_first=True)
    intake = BatchedIntake(store)
    with ThreadPoolExecutor(4) as pool:
        first, rest = during_held_write(store, intake, pool, ["d2", "d2", "d1"])
        outcomes = [future.result() for future in rest]
    assert first.result() is True
    assert sorted(outcomes[:2]) == [False, True]
    assert outcomes[2] is False
    assert [sorted(batch) for batch in store.batches] == [["d1"], ["d1", "d2"]]


def test_a_batch_the_store_cannot_write_fails_every_delivery_in_it_and_no_other() -> None:
    store = FakeBatches(hold_first=True, fail_call=2)
    intake = BatchedIntake(store)
    with ThreadPoolExecutor(4) as pool:
        first, rest = during_held_write(store, intake, pool, ["d2", "d3", "d4"])
        errors = [future.exception() for future in rest]
    assert first.result() is True
    assert [type(error) for error in errors] == [StoreUnavailableError] * 3
    assert {str(error) for error in errors} == {"the database is unavailable: Down"}
    assert store.stored == {"d1"}
    assert add(intake, "d2") is True  # the next delivery is written afresh


def test_an_unexpected_failure_reaches_its_writer_as_is_and_the_others_as_a_runtime_error() -> None:
    store = FakeBatches(hold_first=True, fail_call=2)
    store.failure = ValueError("a bug")
    intake = BatchedIntake(store)
    with ThreadPoolExecutor(4) as pool:
        _, rest = during_held_write(store, intake, pool, ["d2", "d3", "d4"])
        errors = [future.exception() for future in rest]
    assert sorted(type(error).__name__ for error in errors) == [
        "RuntimeError",
        "RuntimeError",
        "ValueError",
    ]
    assert all(
        error.__cause__ is store.failure for error in errors if isinstance(error, RuntimeError)
    )


def test_a_batch_takes_at_most_max_batch_deliveries_and_the_rest_go_in_the_next() -> None:
    store = FakeBatches(hold_first=True)
    intake = BatchedIntake(store, max_batch=2)
    with ThreadPoolExecutor(4) as pool:
        first, rest = during_held_write(store, intake, pool, ["d2", "d3", "d4"])
        assert [first.result(), *(future.result() for future in rest)] == [True] * 4
    assert [len(batch) for batch in store.batches] == [1, 2, 1]
    assert sorted(key for batch in store.batches for key in batch) == ["d1", "d2", "d3", "d4"]


def test_closing_waits_for_the_queued_deliveries_then_refuses_new_ones() -> None:
    store = FakeBatches(hold_first=True)
    intake = BatchedIntake(store)
    with ThreadPoolExecutor(4) as pool:
        first = pool.submit(add, intake, "d1")
        assert store.writing.wait(5)
        queued = [pool.submit(add, intake, key) for key in ["d2", "d3"]]
        wait_until_queued(intake, 2)
        closing = pool.submit(intake.close)
        with pytest.raises(FutureTimeoutError):
            closing.result(timeout=0.05)
        store.release.set()
        closing.result(timeout=5)
        assert [first.result(), *(future.result() for future in queued)] == [True] * 3
    with pytest.raises(IntakeClosedError, match="the event intake is closed"):
        add(intake, "d4")
    assert store.stored == {"d1", "d2", "d3"}
    assert isinstance(IntakeClosedError("x"), StoreUnavailableError)


def test_many_threads_each_key_is_new_for_exactly_one_delivery() -> None:
    store = FakeBatches()
    intake = BatchedIntake(store)
    keys = [f"d{n}" for n in range(50)]
    with ThreadPoolExecutor(8) as pool:
        futures = [(key, pool.submit(add, intake, key)) for key in keys * 4]
        outcomes = [(key, future.result()) for key, future in futures]
    assert sorted(key for key, new in outcomes if new) == sorted(keys)
    assert {key for batch in store.batches for key in batch} == set(keys)
    assert store.stored == set(keys)


@pytest.mark.parametrize("max_batch", [0, -1])
def test_a_batch_size_below_one_is_refused(max_batch: int) -> None:
    with pytest.raises(ValueError, match=f"max_batch must be at least 1, got {max_batch}"):
        BatchedIntake(FakeBatches(), max_batch=max_batch)
