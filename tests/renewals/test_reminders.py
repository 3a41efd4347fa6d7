"""Renewal reminders: posted once per plan and term, from the days before the term's end."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from contextlib import AbstractContextManager
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from types import TracebackType
from typing import Self

import pytest

from oms_connector.adapters.sql.store import SqlStore
from oms_connector.domain.plans import Plan, Term
from oms_connector.services.jira_port import JsonValue
from oms_connector.services.ports import RenewalReminder, Store, UnitOfWork
from oms_connector.services.renewals import RemindersReport, RenewalReminders
from tests.conftest import migrated_store
from tests.domain.builders import acme
from tests.services.fakes import FakeClock
from tests.services.memory_store import MemoryStore, MemoryUnitOfWork

# Midnight in New York on 2026-03-31: acme's term (ending 2026-04-30) is 30 days away.
WINDOW_OPENS = datetime(2026, 3, 31, 4, 0, tzinfo=UTC)
ACME_MESSAGE = {
    "event": "renewal_reminder",
    "plan_id": "acme",
    "customer": "Acme Corp",
    "term": {"starts_on": "2026-01-31", "hours_per_month": "10", "oms_rate": "35.00"},
    "currency": "USD",
    "ends_on": "2026-04-30",
    "renews": False,
    "days_left": 30,
    "text": (
        "Renewal: plan acme (Acme Corp), its term from 2026-01-31 (10 h a month at "
        "35.00 USD/h) ends on 2026-04-30, in 30 days; the agreement ends."
    ),
}


class Notifications(list[Mapping[str, JsonValue]]):
    """A fake of the notifier port: records each message; the first ``failures`` fail."""

    def __init__(self, failures: int = 0) -> None:
        super().__init__()
        self.failures = failures

    def notify(self, message: Mapping[str, JsonValue]) -> None:
        if self.failures:
            self.failures -= 1
            raise ConnectionError("the bridge is down")
        self.append(message)


def reminders(
    store: Store,
    clock: FakeClock,
    notifier: Notifications | None,
    *plans: Plan,
    days: int = 30,
) -> RenewalReminders:
    return RenewalReminders(plans or (acme(),), store, clock, notifier, days)


def recorded(store: Store, plan_id: str = "acme") -> list[date]:
    with store.unit_of_work(read_only=True) as uow:
        return [reminder.term_starts_on for reminder in uow.renewal_reminders.recorded(plan_id)]


def test_a_reminder_is_posted_once_when_the_term_s_end_comes_within_the_days(
    store: Store,
) -> None:
    clock, sent = FakeClock(WINDOW_OPENS), Notifications()
    service = reminders(store, clock, sent)

    first = service.remind()
    clock.advance(timedelta(days=1))
    second = service.remind()

    assert sent == [ACME_MESSAGE]
    assert first == RemindersReport(
        sent=(RenewalReminder("acme", date(2026, 1, 31), WINDOW_OPENS),)
    )
    assert second == RemindersReport()
    assert recorded(store) == [date(2026, 1, 31)]


def test_no_reminder_the_minute_before_the_window_opens_in_the_plan_s_timezone(
    store: Store,
) -> None:
    # 03:59 UTC is still 2026-03-30 in New York: 31 days before the end.
    clock, sent = FakeClock(WINDOW_OPENS - timedelta(minutes=1)), Notifications()

    assert reminders(store, clock, sent).remind() == RemindersReport()
    assert sent == []
    assert recorded(store) == []


def test_a_reminder_is_sent_late_when_the_worker_first_runs_inside_the_window(
    store: Store,
) -> None:
    clock, sent = FakeClock(datetime(2026, 4, 30, 12, 0, tzinfo=UTC)), Notifications()

    reminders(store, clock, sent).remind()

    assert [(m["days_left"], m["ends_on"]) for m in sent] == [(0, "2026-04-30")]
    assert str(sent[0]["text"]).endswith("ends on 2026-04-30, today; the agreement ends.")


def test_no_reminder_after_the_term_has_ended(store: Store) -> None:
    clock, sent = FakeClock(datetime(2026, 5, 1, 12, 0, tzinfo=UTC)), Notifications()

    reminders(store, clock, sent).remind()

    assert sent == []


def test_zero_days_turns_reminders_off(store: Store) -> None:
    clock, sent = FakeClock(WINDOW_OPENS + timedelta(days=29)), Notifications()

    assert reminders(store, clock, sent, days=0).remind() == RemindersReport()
    assert sent == []
    assert recorded(store) == []


def test_without_a_notifier_nothing_is_recorded(store: Store) -> None:
    clock = FakeClock(WINDOW_OPENS)

    assert reminders(store, clock, None).remind() == RemindersReport()
    assert recorded(store) == []


def test_the_days_setting_moves_the_window(store: Store) -> None:
    clock, sent = FakeClock(WINDOW_OPENS + timedelta(days=22)), Notifications()
    service = reminders(store, clock, sent, days=7)

    service.remind()
    assert sent == []
    clock.advance(timedelta(days=1))
    service.remind()

    assert [m["days_left"] for m in sent] == [7]


def test_a_priority_only_plan_gets_no_reminder(store: Store) -> None:
    clock, sent = FakeClock(WINDOW_OPENS), Notifications()

    reminders(store, clock, sent, acme(terms=())).remind()

    assert sent == []


def test_an_auto_renewing_plan_is_reminded_once_for_its_last_term_not_each_renewal(
    store: Store,
) -> None:
    clock, sent = FakeClock(WINDOW_OPENS), Notifications()
    service = reminders(store, clock, sent, acme(auto_renew=True))

    for _ in range(5):  # through the renewal months, one pass every 30 days
        service.remind()
        clock.advance(timedelta(days=30))

    assert [(m["ends_on"], m["renews"], m["days_left"]) for m in sent] == [("2026-04-30", True, 30)]
    assert str(sent[0]["text"]).endswith("; it then renews monthly on the same terms.")


def test_a_new_last_term_gets_its_own_reminder_before_it_ends(store: Store) -> None:
    clock, sent = FakeClock(WINDOW_OPENS), Notifications()
    reminders(store, clock, sent).remind()
    renewed = acme(
        terms=(Term(date(2026, 1, 31), Decimal(10), 3), Term(date(2026, 4, 30), Decimal(20), 3))
    )

    clock.current = datetime(2026, 6, 30, 4, 0, tzinfo=UTC)  # 2026-06-30, 31 days before
    reminders(store, clock, sent, renewed).remind()
    assert len(sent) == 1
    clock.advance(timedelta(days=1))
    reminders(store, clock, sent, renewed).remind()

    assert [(m["term"], m["ends_on"]) for m in sent] == [
        ({"starts_on": "2026-01-31", "hours_per_month": "10", "oms_rate": "35.00"}, "2026-04-30"),
        ({"starts_on": "2026-04-30", "hours_per_month": "20", "oms_rate": "35.00"}, "2026-07-31"),
    ]
    assert recorded(store) == [date(2026, 1, 31), date(2026, 4, 30)]


def test_a_failed_post_is_logged_withdrawn_and_sent_on_the_next_pass(
    store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    clock, sent = FakeClock(WINDOW_OPENS), Notifications(failures=1)
    service = reminders(store, clock, sent)
    reminder = RenewalReminder("acme", date(2026, 1, 31), WINDOW_OPENS)

    with caplog.at_level(logging.WARNING, logger="oms_connector.services.renewals"):
        first = service.remind()

    assert first == RemindersReport(failed=(reminder,))
    assert caplog.messages == [
        "renewal reminder for plan acme not sent, retried next pass: the bridge is down"
    ]
    assert sent == []
    assert recorded(store) == []

    second = service.remind()
    third = service.remind()

    assert second.sent == (reminder,)
    assert third == RemindersReport()
    assert sent == [ACME_MESSAGE]


def test_one_plan_s_failed_post_does_not_hold_up_the_others(store: Store) -> None:
    clock, sent = FakeClock(WINDOW_OPENS), Notifications(failures=1)
    early = acme(id="early", customer="Early Ltd", enrolled_on=date(2026, 1, 15))
    service = reminders(store, clock, sent, acme(), early)

    first = service.remind()
    second = service.remind()

    assert [r.plan_id for r in first.failed] == ["early"]  # the sooner end is posted first
    assert [r.plan_id for r in first.sent] == ["acme"]
    assert [r.plan_id for r in second.sent] == ["early"]
    assert [m["plan_id"] for m in sent] == ["acme", "early"]


# --- two workers ---------------------------------------------------------------------------


def test_two_workers_on_their_own_store_instances_send_one_reminder(database_url: str) -> None:
    clock, sent = FakeClock(WINDOW_OPENS), Notifications()
    with migrated_store(database_url) as one, migrated_store(database_url) as other:
        reminders(one, clock, sent).remind()
        reminders(other, clock, sent).remind()
        reminders(one, clock, sent).remind()

        assert sent == [ACME_MESSAGE]
        assert recorded(other) == [date(2026, 1, 31)]


class _RivalAfterRead(AbstractContextManager["_RivalAfterRead"]):
    """A read-only unit of work that lets the rival run right after it has read."""

    def __init__(self, inner: UnitOfWork, store: RacedStore) -> None:
        self._inner = inner
        self._store = store

    def __enter__(self) -> Self:
        self._inner.__enter__()
        return self

    def __getattr__(self, name: str) -> object:
        return getattr(self._inner, name)

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._inner.__exit__(exc_type, exc, traceback)
        self._store.run_rival()


class RacedStore:
    """The SQL store, on which ``rival`` runs once, between a worker's read and its record."""

    def __init__(self, store: SqlStore, rival: RenewalReminders | None = None) -> None:
        self._store = store
        self.rival = rival

    def unit_of_work(self, *, read_only: bool = False) -> UnitOfWork:
        inner = self._store.unit_of_work(read_only=read_only)
        if read_only and self.rival is not None:
            return _RivalAfterRead(inner, self)  # type: ignore[return-value]
        return inner

    def run_rival(self) -> None:
        rival, self.rival = self.rival, None
        if rival is not None:
            rival.remind()


@pytest.fixture
def two_stores(database_url: str) -> Iterator[tuple[SqlStore, SqlStore]]:
    with migrated_store(database_url) as one, migrated_store(database_url) as other:
        yield one, other


def test_a_worker_that_read_before_its_rival_recorded_does_not_send_again(
    two_stores: tuple[SqlStore, SqlStore],
) -> None:
    one, other = two_stores
    clock, sent = FakeClock(WINDOW_OPENS), Notifications()
    raced = RacedStore(one, rival=reminders(other, clock, sent))

    report = reminders(raced, clock, sent).remind()

    assert raced.rival is None  # the rival ran, between the read and the record
    assert report == RemindersReport()
    assert sent == [ACME_MESSAGE]


class _NoWithdrawals:
    """The memory store's reminders, whose withdrawal fails as if the database went away."""

    def __init__(self, inner: object) -> None:
        self._inner = inner

    def __getattr__(self, name: str) -> object:
        return getattr(self._inner, name)

    def withdraw(self, reminder: RenewalReminder) -> None:
        raise ConnectionError("the database went away")


class _StoreLosingWithdrawals(MemoryStore):
    def unit_of_work(self, *, read_only: bool = False) -> MemoryUnitOfWork:
        uow = super().unit_of_work(read_only=read_only)
        uow.renewal_reminders = _NoWithdrawals(uow.renewal_reminders)  # type: ignore[assignment]
        return uow


def test_a_reminder_whose_withdrawal_fails_stays_recorded_and_the_others_still_go_out(
    caplog: pytest.LogCaptureFixture,
) -> None:
    store = _StoreLosingWithdrawals()
    clock, sent = FakeClock(WINDOW_OPENS), Notifications(failures=1)
    early = acme(id="early", customer="Early Ltd", enrolled_on=date(2026, 1, 15))

    with caplog.at_level(logging.WARNING, logger="oms_connector.services.renewals"):
        report = reminders(store, clock, sent, acme(), early).remind()

    assert [r.plan_id for r in report.failed] == ["early"]
    assert [m["plan_id"] for m in sent] == ["acme"]
    assert caplog.messages[-1] == (
        "the renewal reminder for plan early could not be withdrawn: it stays unsent"
    )
    assert recorded(store, "early") == [date(2026, 1, 15)]


def test_negative_reminder_days_are_refused() -> None:
    with pytest.raises(ValueError, match="renewal reminder days must be 0 or more, got -1"):
        reminders(MemoryStore(), FakeClock(WINDOW_OPENS), Notifications(), days=-1)
