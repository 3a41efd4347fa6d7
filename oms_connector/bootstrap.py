"""The one place that picks concrete adapters: the SQL store, the system clock, the notifier.

Entry points (the CLI, the webhook app, the worker) build their services here from
the settings, and release what they opened with the ``close`` callable they get back.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine, make_url
from sqlalchemy.exc import DatabaseError, SQLAlchemyError

from oms_connector.adapters.jira_gateway import (
    Deployment,
    JiraConnection,
    JiraRestGateway,
    RetryPolicy,
    resolve_field_id,
)
from oms_connector.adapters.jira_payloads import IssueFieldIds
from oms_connector.adapters.notifier import HttpNotifier
from oms_connector.adapters.sql.engine import (
    DatabaseUrlError,
    create_store_engine,
    is_current,
    upgrade,
)
from oms_connector.adapters.sql.store import SqlStore
from oms_connector.adapters.webhook_payloads import WebhookBodies
from oms_connector.config import ConfigError, Settings
from oms_connector.services.alerts import AlertOptions, AlertService
from oms_connector.services.balance import BalanceService
from oms_connector.services.budget_refresh import BudgetRefresher, RefreshOptions
from oms_connector.services.close import CloseService
from oms_connector.services.events import JiraEvents
from oms_connector.services.followup import FollowUp
from oms_connector.services.ingest import Ingest
from oms_connector.services.ports import Clock, Store, StoreUnavailableError
from oms_connector.services.quarantine import QuarantineService
from oms_connector.services.reclassify import ChangedIssues, ReclassifyService
from oms_connector.services.renewals import RenewalReminders
from oms_connector.services.sync import SyncService
from oms_connector.services.writeback import FieldValue, WritebackOptions, WritebackService

CUSTOM_FIELD_PREFIX = "customfield_"


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class DatabaseNotCurrentError(RuntimeError):
    """The database lacks migrations; ``oms-connector db upgrade`` applies them."""


def system_clock() -> Clock:
    return SystemClock()


def upgrade_database(settings: Settings) -> None:
    """Apply every migration to the configured database."""
    engine = _engine(settings)
    try:
        with _reaching(settings):
            upgrade(engine)
    finally:
        engine.dispose()


def open_store(settings: Settings) -> tuple[SqlStore, Callable[[], None]]:
    """The configured store, and how to release it.

    A SQLite file is brought up to date on the spot (a fresh file needs no set-up);
    a PostgreSQL database shared by several workers is migrated on purpose, with
    ``oms-connector db upgrade``, and refused until it is.
    """
    engine = _engine(settings)
    try:
        with _reaching(settings):
            _bring_up_to_date(engine)
    except BaseException:
        engine.dispose()
        raise
    store = SqlStore(engine)
    return store, store.close


PROBE_TIMEOUT_SECONDS = 5
"""How long ``open_existing_store`` waits for a PostgreSQL server to answer."""


def open_existing_store(settings: Settings) -> tuple[SqlStore, Callable[[], None]] | None:
    """The configured store if it exists, answers and is up to date; ``None`` otherwise.

    Nothing is created or migrated: for commands that only look (``check-config``).
    """
    url = make_url(settings.database.url)
    if url.get_backend_name() == "sqlite" and not Path(url.database or "").is_file():
        return None
    if url.get_backend_name() == "postgresql" and "connect_timeout" not in url.query:
        # A database that does not answer is reported as absent, soon.
        url = url.update_query_dict({"connect_timeout": str(PROBE_TIMEOUT_SECONDS)})
    try:
        engine = create_store_engine(url.render_as_string(hide_password=False))
    except DatabaseUrlError as error:
        raise ConfigError([str(error)]) from None
    try:
        if not is_current(engine):
            engine.dispose()
            return None
    except SQLAlchemyError:
        engine.dispose()
        return None
    store = SqlStore(engine)
    return store, store.close


@contextmanager
def _reaching(settings: Settings) -> Iterator[None]:
    """A database that cannot be reached or opened: one line naming it, never its password."""
    try:
        yield
    except DatabaseError as error:
        raise StoreUnavailableError(
            f"cannot open the database {_shown(settings.database.url)}: {_reason(error)}"
        ) from None


def _shown(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


def _reason(error: DatabaseError) -> str:
    lines = str(error.orig).strip().splitlines() or [type(error.orig).__name__]
    return lines[0][:200]


def _engine(settings: Settings) -> Engine:
    """The configured database's engine; a URL it cannot use is a configuration error."""
    try:
        return create_store_engine(settings.database.url)
    except DatabaseUrlError as error:
        raise ConfigError([str(error)]) from None


def _bring_up_to_date(engine: Engine) -> None:
    if is_current(engine):
        return
    if engine.dialect.name != "sqlite":
        raise DatabaseNotCurrentError(
            f"database {engine.url.render_as_string(hide_password=True)} is not up to "
            "date: run `oms-connector db upgrade`"
        )
    upgrade(engine)


def ingest(settings: Settings, clock: Clock) -> Ingest:
    return Ingest(
        settings.domain_plans(),
        settings.classifier(),
        clock,
        settings.quarantine.plausibility(),
    )


def quarantine_service(settings: Settings, store: Store, clock: Clock) -> QuarantineService:
    return QuarantineService(
        store, settings.domain_plans(), settings.quarantine.plausibility(), clock
    )


def reclassify_service(
    settings: Settings, store: Store, clock: Clock, changed: ChangedIssues | None = None
) -> ReclassifyService:
    """Stored issues decided again with the configured classification; ``changed`` is
    told the issues whose decision changed (the follow-up writes them back to Jira)."""
    return ReclassifyService(
        store,
        settings.domain_plans(),
        settings.classifier(),
        clock,
        override_field=settings.classification.override_field,
        changed=changed,
    )


def close_service(settings: Settings, store: Store, clock: Clock) -> CloseService:
    return CloseService(store, settings.domain_plans(), settings.defaults.close_grace_days, clock)


def balance_service(store: SqlStore) -> BalanceService:
    return BalanceService(store)


def writeback_options(settings: Settings) -> WritebackOptions:
    section = settings.writeback
    return WritebackOptions(
        enabled=section.enabled,
        label=section.label,
        property=section.property,
        comment=section.comment,
        fields=section.fields,
        oms_label=section.labels.oms,
        priority_label=section.labels.priority,
        property_key=section.property_key,
        field_names={FieldValue(value): name for value, name in section.field_names.items()},
    )


def alert_options(settings: Settings) -> AlertOptions:
    """Thresholds per plan; comments only when write-back to Jira is enabled at all."""
    return AlertOptions(
        thresholds=settings.alerts.thresholds,
        plan_thresholds=settings.plan_thresholds(),
        comment=settings.alerts.comment and settings.writeback.enabled,
    )


def notifier(settings: Settings) -> HttpNotifier | None:
    url = settings.alerts.notify_url
    return None if url is None else HttpNotifier(url.get_secret_value())


def follow_up(
    settings: Settings,
    store: Store,
    gateway: JiraRestGateway,
    clock: Clock,
    *,
    backfill: bool = False,
    budgets: BudgetRefresher | None = None,
) -> FollowUp:
    """Write-back and budget alerts (comments, and posts to alerts.notify_url): the queue of
    follow-ups that every path storing facts fills, drained after each commit. ``budgets``:
    the refresher a loop shares between its steps (one of its own by default)."""
    plans = settings.domain_plans()
    alerts = AlertService(
        store, gateway, plans, clock, options=alert_options(settings), notifier=notifier(settings)
    )
    return FollowUp(
        store,
        WritebackService(store, gateway, plans, writeback_options(settings), clock),
        alerts,
        budgets or budget_refresher(settings, store, gateway, clock),
        recent_only=backfill and settings.sync.backfill_writes_back == "recent",
    )


def budget_refresher(
    settings: Settings,
    store: Store,
    gateway: JiraRestGateway,
    clock: Clock,
    *,
    on_deferred: Callable[[float], None] = lambda _seconds: None,
) -> BudgetRefresher:
    """The plans' budget property on their unresolved tickets, in bulk; ``on_deferred``
    hears how long until a deferred refresh is due."""
    section = settings.writeback
    options = RefreshOptions(
        enabled=section.enabled and section.property,
        property_key=section.budget_property_key,
        refresh_seconds=section.refresh_seconds,
    )
    return BudgetRefresher(
        store, gateway, settings.domain_plans(), options, clock, on_deferred=on_deferred
    )


def renewal_reminders(settings: Settings, store: Store, clock: Clock) -> RenewalReminders:
    """Renewal reminders posted to alerts.notify_url; none without it, or with 0 days."""
    return RenewalReminders(
        settings.domain_plans(),
        store,
        clock,
        notifier(settings),
        settings.alerts.renewal_reminder_days,
    )


def jira_events(
    settings: Settings, store: Store, gateway: JiraRestGateway, clock: Clock
) -> JiraEvents:
    """The inbox's event parser; it knows the connector's own account and labels.

    On Jira Cloud without a configured ``jira.account_id``, the accountId is asked
    from Jira the first time it is needed.
    """
    jira = settings.jira
    ask = jira.account_id is None and jira.deployment == "cloud"
    return JiraEvents(
        WebhookBodies(gateway.field_ids),
        store,
        gateway,
        clock,
        frozenset(account for account in (jira.user, jira.account_id) if account),
        own_labels=writeback_options(settings).own_labels(),
        own_account=gateway if ask else None,
    )


def open_gateway(settings: Settings) -> JiraRestGateway:
    """The gateway for the configured site, with the configured fields resolved to ids."""
    jira = settings.jira
    connection = JiraConnection(
        url=jira.url,
        user=jira.user,
        token=jira.require_token().get_secret_value(),
        deployment=Deployment(jira.deployment),
        timeout_seconds=jira.timeout_seconds,
    )
    retry = RetryPolicy(attempts=jira.retry_attempts, retry_after_cap_seconds=jira.max_wait_seconds)
    gateway = JiraRestGateway(connection, retry=retry)
    override = settings.classification.override_field
    request_type = jira.request_type_field
    if not override and not request_type:
        return gateway
    try:
        field_ids = _field_ids(gateway, override=override, request_type=request_type)
    except BaseException:
        gateway.close()
        raise
    return JiraRestGateway(connection, field_ids=field_ids, retry=retry, client=gateway.client)


def _field_ids(
    gateway: JiraRestGateway, *, override: str | None, request_type: str | None
) -> IssueFieldIds:
    """Fields configured by name resolved to ids, with one read of Jira's field list."""
    by_name = [f for f in (override, request_type) if f and not f.startswith(CUSTOM_FIELD_PREFIX)]
    fields = gateway.fields() if by_name else []

    def resolved(field: str | None) -> str | None:
        if not field or field.startswith(CUSTOM_FIELD_PREFIX):
            return field
        return resolve_field_id(fields, field)

    return IssueFieldIds(request_type=resolved(request_type), override=resolved(override))


def sync_service(
    settings: Settings,
    gateway: JiraRestGateway,
    store: Store,
    clock: Clock,
    *,
    backfill: bool = False,
    budgets: BudgetRefresher | None = None,
) -> SyncService:
    """The sync; a ``backfill`` (``sync --once --since``) writes back as
    ``sync.backfill_writes_back`` says."""
    plans = settings.domain_plans()
    start = min(plan.calendar.local_midnight(plan.enrolled_on) for plan in plans)
    projects = [key for plan in plans for key in plan.jira_projects]
    return SyncService(
        gateway,
        store,
        ingest(settings, clock),
        clock,
        projects,
        start=start,
        overlap=timedelta(seconds=settings.sync.overlap_seconds),
        reconcile_every=settings.sync.reconcile_every_passes,
        follow_up=follow_up(settings, store, gateway, clock, backfill=backfill, budgets=budgets),
    )
