"""What the app needs from the rest of the connector, bundled; built from settings by default."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from oms_connector import bootstrap
from oms_connector.config import CurrentConfig, LoadedConfig, Settings
from oms_connector.services.inbox import InboxService
from oms_connector.services.intake import BatchedIntake
from oms_connector.services.ports import Clock, InboxStatus, Store
from oms_connector.services.reports import PlanView, StatementReports, StatementView


class Inbox(Protocol):
    def receive(
        self, body: bytes, delivery_id: str | None = None, event: str | None = None
    ) -> bool:
        """Store a raw event, committed; whether it was new (False for a repeated delivery).

        ``event``: the body's ``webhookEvent``, already read by the caller.
        """
        ...

    def counts(self) -> Mapping[InboxStatus, int]: ...


class Probe(Protocol):
    def check(self) -> None:
        """Return when the database answers; raise ``StoreUnavailableError`` otherwise."""
        ...

    def last_sync(self) -> datetime | None:
        """When the last sync pass completed, if one has."""
        ...


class Reports(Protocol):
    def statement(self, number: str) -> StatementView:
        """The statement's page; ``UnknownStatementError`` when there is none."""
        ...

    def plans(self) -> Sequence[PlanView]: ...


def _nothing() -> None:
    return None


@dataclass(frozen=True)
class AppServices:
    inbox: Inbox
    probe: Probe
    now: Callable[[], datetime]
    close: Callable[[], None] = field(default=_nothing)
    """Releases what was built for the app (the database engine)."""
    reports: Reports | None = None
    """Statements and plans for the admin pages; without it the pages are not served."""
    config: CurrentConfig | None = None
    """The configuration file the app runs with, reported by ``/readyz``."""


class CurrentReports:
    """The statement reports of the running configuration, built again once it is replaced."""

    def __init__(self, config: CurrentConfig, store: Store, clock: Clock) -> None:
        self._config = config
        self._store = store
        self._clock = clock
        self._built: tuple[LoadedConfig, StatementReports] | None = None

    def statement(self, number: str) -> StatementView:
        return self._reports().statement(number)

    def plans(self) -> Sequence[PlanView]:
        return self._reports().plans()

    def _reports(self) -> StatementReports:
        loaded = self._config.current()
        built = self._built
        if built is None or built[0] is not loaded:
            # Two requests racing here build the same reports twice: harmless.
            built = (
                loaded,
                StatementReports(self._store, loaded.settings.domain_plans(), self._clock),
            )
            self._built = built
        return built[1]


SYNC_COMPLETED_CHECKPOINT = "sync.completed"
"""Checkpoint holding the instant (ISO 8601) the last sync pass completed."""


class StoreProbe:
    """Readiness and sync age read through the store port."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def check(self) -> None:
        self.last_sync()

    def record_sync(self, completed_at: datetime) -> None:
        """Note that a sync pass completed (for the metrics' sync age)."""
        with self._store.unit_of_work() as uow:
            uow.checkpoints.set(SYNC_COMPLETED_CHECKPOINT, completed_at.isoformat(), completed_at)
            uow.commit()

    def last_sync(self) -> datetime | None:
        with self._store.unit_of_work() as uow:
            text = uow.checkpoints.get(SYNC_COMPLETED_CHECKPOINT)
        if text is None:
            return None
        try:
            instant = datetime.fromisoformat(text)
        except ValueError:
            return None
        return instant if instant.tzinfo is not None else None


def build_services(settings: Settings, config: CurrentConfig | None = None) -> AppServices:
    """The app's dependencies on the configured database; ``config``, when given, is the
    configuration ``settings`` came from (its file's hash is reported by ``/readyz``).

    Received events go through a ``BatchedIntake``: the requests of a process (threads,
    or greenlets under the gevent worker) write concurrent deliveries with one statement
    (group commit). ``close`` refuses new deliveries, waits for those being written,
    then releases the database.
    """
    store, close_store = bootstrap.open_store(settings)
    clock = bootstrap.system_clock()
    intake = BatchedIntake(store)

    def close() -> None:
        intake.close()
        close_store()

    return AppServices(
        inbox=InboxService(store, clock, intake=intake),
        probe=StoreProbe(store),
        now=clock.now,
        close=close,
        reports=StatementReports(store, settings.domain_plans(), clock),
        config=config,
    )
