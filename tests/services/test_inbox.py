from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from oms_connector.services.inbox import (
    InboxProcessor,
    InboxService,
    RetryPolicy,
    dedup_key,
    event_name,
)
from oms_connector.services.ports import InboxStatus, Store
from tests.services.builders import ingest_for
from tests.services.fakes import FakeClock, FakeParser, body

LEASE = timedelta(minutes=5)
POLICY = RetryPolicy(max_attempts=3, lease=LEASE, first_delay=timedelta(seconds=30))

WORKLOG = {
    "id": "20001",
    "issue_id": "10001",
    "started": "2026-03-02T10:00:00-05:00",
    "seconds": 3600,
    "updated": "2026-03-02T16:00:00+00:00",
}
LOGGED = body(worklogs=[WORKLOG])


def processor(
    store: Store, clock: FakeClock, parser: FakeParser, worker: str = "w1"
) -> InboxProcessor:
    return InboxProcessor(store, parser, ingest_for(clock), clock, worker=worker, policy=POLICY)


@pytest.mark.parametrize(
    ("delivery_id", "key"),
    [
        ("7f1c-42", "delivery:7f1c-42"),
        ("  7f1c-42 ", "delivery:7f1c-42"),
        (None, "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"),
        ("", "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"),
    ],
)
def test_the_dedup_key_is_the_delivery_id_or_a_digest_of_the_body(
    delivery_id: str | None, key: str
) -> None:
    assert dedup_key(b"{}", delivery_id) == key


@pytest.mark.parametrize(
    ("raw", "name"),
    [
        (b'{"webhookEvent": "worklog_created"}', "worklog_created"),
        (b'{"webhookEvent": 3}', ""),
        (b"[1, 2]", ""),
        (b"not json", ""),
    ],
)
def test_the_event_name_is_read_for_display_only(raw: bytes, name: str) -> None:
    assert event_name(raw) == name


def test_the_same_delivery_is_stored_once(store: Store, clock: FakeClock) -> None:
    inbox = InboxService(store, clock)
    first = inbox.receive(LOGGED, "delivery-1")
    again = inbox.receive(LOGGED, "delivery-1")
    other = inbox.receive(LOGGED + b" ", "delivery-2")
    assert (first, again, other) == (True, False, True)
    assert inbox.counts()[InboxStatus.PENDING] == 2


def test_a_body_without_delivery_id_is_deduplicated_by_its_content(
    store: Store, clock: FakeClock
) -> None:
    inbox = InboxService(store, clock)
    assert [inbox.receive(LOGGED), inbox.receive(LOGGED), inbox.receive(b"{}")] == [
        True,
        False,
        True,
    ]


class RecordingIntake:
    """An intake that records what it is given; a key it has seen already is not new."""

    def __init__(self) -> None:
        self.added: list[tuple[str, str, bytes, datetime]] = []

    def add_event(self, dedup_key: str, event: str, body: bytes, received_at: datetime) -> bool:
        new = all(key != dedup_key for key, *_ in self.added)
        self.added.append((dedup_key, event, body, received_at))
        return new


def test_an_event_name_the_caller_read_is_stored_as_given_up_to_200_characters(
    store: Store, clock: FakeClock
) -> None:
    intake = RecordingIntake()
    inbox = InboxService(store, clock, intake=intake)
    created = body(webhookEvent="worklog_created", worklogs=[WORKLOG])
    inbox.receive(created, "d1", "worklog_updated")  # the body is not read again
    inbox.receive(created, "d2", "x" * 250)
    assert [event for _, event, _, _ in intake.added] == ["worklog_updated", "x" * 200]


def test_a_received_event_goes_through_the_given_intake_not_a_unit_of_work(
    store: Store, clock: FakeClock
) -> None:
    intake = RecordingIntake()
    inbox = InboxService(store, clock, intake=intake)
    created = body(webhookEvent="worklog_created", worklogs=[WORKLOG])
    assert [inbox.receive(created, "d1"), inbox.receive(created, "d1")] == [True, False]
    assert intake.added == [
        ("delivery:d1", "worklog_created", created, clock.now()),
        ("delivery:d1", "worklog_created", created, clock.now()),
    ]
    assert inbox.counts()[InboxStatus.PENDING] == 0


def test_a_processed_event_stores_its_facts_and_is_done(store: Store, clock: FakeClock) -> None:
    InboxService(store, clock).receive(LOGGED, "d1")
    parser = FakeParser()
    progress = processor(store, clock, parser).run_once()
    with store.unit_of_work() as uow:
        stored = uow.worklogs.get("20001")
        event = uow.inbox.get(1)
    assert progress.done == [1]
    assert stored is not None
    assert stored.seconds == 3600
    assert event is not None
    assert (event.status, event.attempts, event.processed_at) == (
        InboxStatus.DONE,
        1,
        clock.now(),
    )
    assert processor(store, clock, parser).run_once().done == []
    assert parser.seen[LOGGED] == 1


def test_a_crash_after_claiming_leaves_the_event_to_be_processed_once_after_the_lease(
    store: Store, clock: FakeClock
) -> None:
    InboxService(store, clock).receive(LOGGED, "d1")
    parser = FakeParser()
    crashed = processor(store, clock, parser, worker="crashed")
    assert [event.id for event in crashed.claim()] == [1]  # ... and the worker dies here

    survivor = processor(store, clock, parser, worker="survivor")
    clock.advance(LEASE - timedelta(seconds=1))
    assert survivor.run_once().done == []  # the lease still holds
    clock.advance(timedelta(seconds=1))
    assert survivor.run_once().done == [1]
    clock.advance(LEASE * 2)
    assert survivor.run_once().done == []
    assert parser.seen[LOGGED] == 1
    with store.unit_of_work() as uow:
        event = uow.inbox.get(1)
    assert event is not None
    assert (event.status, event.attempts) == (InboxStatus.DONE, 2)


def test_a_worker_whose_lease_ran_out_cannot_finish_what_another_took_over(
    store: Store, clock: FakeClock
) -> None:
    InboxService(store, clock).receive(LOGGED, "d1")
    parser = FakeParser()
    slow = processor(store, clock, parser, worker="slow")
    claimed = slow.claim()
    clock.advance(LEASE)
    assert processor(store, clock, parser, worker="fast").run_once().done == [1]
    progress = slow.run_once()
    slow.process(claimed[0], progress)
    assert (progress.done, progress.lost) == ([], [1])


def test_a_failing_event_is_retried_later_with_its_error_then_parked(
    store: Store, clock: FakeClock
) -> None:
    failing = body(fail="database hiccup")
    InboxService(store, clock).receive(failing, "d1")
    worker = processor(store, clock, FakeParser())

    assert worker.run_once().retrying == [1]
    assert worker.run_once().retrying == []  # not due for 30 s
    clock.advance(timedelta(seconds=30))
    assert worker.run_once().retrying == [1]
    clock.advance(timedelta(seconds=59))
    assert worker.run_once().retrying == []  # the second delay is 60 s
    clock.advance(timedelta(seconds=1))
    assert worker.run_once().parked == [1]
    clock.advance(timedelta(days=1))
    assert worker.run_once().parked == []

    parked = InboxService(store, clock).parked()
    assert [(e.id, e.attempts, e.status, e.last_error) for e in parked] == [
        (1, 3, InboxStatus.FAILED, "RuntimeError: database hiccup")
    ]


def test_an_unusable_body_is_parked_at_once(store: Store, clock: FakeClock) -> None:
    InboxService(store, clock).receive(b"not json", "d1")
    assert processor(store, clock, FakeParser()).run_once().parked == [1]
    [event] = InboxService(store, clock).parked()
    assert event.last_error == "unusable event: body is not JSON"


def test_retry_replays_a_parked_event(store: Store, clock: FakeClock) -> None:
    inbox = InboxService(store, clock)
    inbox.receive(b"not json", "d1")
    inbox.receive(LOGGED, "d2")
    parser = FakeParser()
    worker = processor(store, clock, parser)
    worker.run_once()
    assert inbox.retry(2) is False  # done, not parked
    assert inbox.retry(99) is False
    assert inbox.retry(1) is True
    assert inbox.parked() == []
    assert worker.run_once().parked == [1]
    assert parser.seen[b"not json"] == 2


def test_a_replayed_event_that_now_works_is_done(store: Store, clock: FakeClock) -> None:
    inbox = InboxService(store, clock)
    inbox.receive(body(fail="boom"), "d1")
    worker = processor(store, clock, FakeParser())
    for _ in range(POLICY.max_attempts):
        worker.run_once()
        clock.advance(timedelta(hours=1))
    assert [event.id for event in inbox.parked()] == [1]
    assert inbox.retry(1)
    with store.unit_of_work() as uow:
        event = uow.inbox.get(1)
    assert event is not None
    assert (event.status, event.attempts) == (InboxStatus.PENDING, 0)


def test_the_retry_delay_doubles_up_to_its_cap() -> None:
    policy = RetryPolicy(first_delay=timedelta(seconds=30), max_delay=timedelta(minutes=3))
    delays = [policy.delay(attempts) for attempts in range(1, 6)]
    assert delays == [timedelta(seconds=s) for s in (30, 60, 120, 180, 180)]


def test_a_retry_policy_needs_at_least_one_attempt() -> None:
    with pytest.raises(ValueError, match="max_attempts must be at least 1, got 0"):
        RetryPolicy(max_attempts=0)


def test_draining_processes_batch_after_batch_until_the_inbox_is_empty(
    store: Store, clock: FakeClock
) -> None:
    inbox = InboxService(store, clock)
    for n in range(7):
        inbox.receive(body(worklogs=[{**WORKLOG, "id": str(30000 + n)}]), f"d{n}")
    progress = processor(store, clock, FakeParser()).drain(limit=3)
    assert progress.done == [1, 2, 3, 4, 5, 6, 7]
    assert progress.claimed == 7
    assert inbox.counts()[InboxStatus.DONE] == 7


def test_draining_stops_when_the_events_left_are_waiting_for_their_retry(
    store: Store, clock: FakeClock
) -> None:
    inbox = InboxService(store, clock)
    for n in range(4):
        inbox.receive(f'{{"fail": "Jira is down", "n": {n}}}'.encode(), f"broken-{n}")
    progress = processor(store, clock, FakeParser()).drain(limit=2)
    assert (progress.done, progress.retrying) == ([], [1, 2, 3, 4])


def test_the_default_retry_schedule_waits_out_a_five_hour_outage() -> None:
    policy = RetryPolicy()
    delays = [policy.delay(attempts) for attempts in range(1, policy.max_attempts)]
    assert policy.max_attempts == 12
    assert delays == [
        timedelta(seconds=s) for s in (30, 60, 120, 240, 480, 960, 1920, 3600, 3600, 3600, 3600)
    ]
    assert sum(delays, timedelta()) == timedelta(hours=5, minutes=3, seconds=30)


def test_with_the_default_policy_a_failing_event_is_parked_only_after_its_twelfth_attempt(
    store: Store, clock: FakeClock
) -> None:
    InboxService(store, clock).receive(body(fail="JiraUnavailable: Jira answers 503"))
    inbox = InboxProcessor(store, FakeParser(), ingest_for(clock), clock, worker="w1")
    started = clock.now()
    outcomes = []
    while not outcomes or outcomes[-1] != "parked":
        progress = inbox.run_once()
        if progress.claimed == 0:
            clock.advance(timedelta(seconds=30))
            continue
        outcomes.append("parked" if progress.parked else "retrying")

    assert outcomes == ["retrying"] * 11 + ["parked"]
    assert clock.now() - started == timedelta(hours=5, minutes=3, seconds=30)


def test_processed_events_are_pruned_after_the_retention_and_parked_ones_kept(
    store: Store, clock: FakeClock
) -> None:
    inbox = InboxService(store, clock)
    for n in range(4):
        assert inbox.receive(b'{"n": %d}' % n, f"d{n}")
    with store.unit_of_work() as uow:
        claimed = uow.inbox.claim("w", clock.now(), timedelta(minutes=5), limit=4)
        assert [event.id for event in claimed] == [1, 2, 3, 4]
        uow.inbox.finish(1, "w", clock.now() - timedelta(days=31))
        uow.inbox.finish(2, "w", clock.now() - timedelta(days=29))
        uow.inbox.fail(3, "w", "unusable", clock.now() - timedelta(days=40), None)  # parked
        uow.commit()

    assert inbox.prune(timedelta(days=30)) == 1

    with store.unit_of_work() as uow:
        kept = [(e.id, e.status) for e in (uow.inbox.get(n) for n in range(1, 5)) if e]
    assert kept == [(2, InboxStatus.DONE), (3, InboxStatus.FAILED), (4, InboxStatus.PENDING)]
    # Pruned, its body is new again: a replay after the retention is applied once more.
    assert inbox.receive(b'{"n": 0}', "d0-again") is True
