"""``sync`` and ``worker``: read Jira's changes into the store, on demand or in a loop.

``sync --once [--since DATE] [--reconcile]`` runs one pass (a backfill from DATE when
given; ``--reconcile`` also reads every stored live issue back from Jira, to catch
issues moved out of the mapped projects) and prints what it stored; on a terminal, a
progress bar on stderr follows each stage from its starting time to now. ``worker``
repeats, every ``worker.interval_seconds``: sync, process the inbox, close due periods;
SIGTERM or SIGINT stops it once the step under way has finished, SIGHUP reloads the
configuration file before the next pass (see ``oms_connector.commands.reloading``). At
start and after a reload, the worker reclassifies the stored issues if the
classification settings changed.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import socket
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from time import monotonic
from types import FrameType
from typing import TextIO
from zoneinfo import ZoneInfo

from oms_connector import bootstrap
from oms_connector.adapters.jira_gateway import (
    JiraAuthError,
    JiraError,
    JiraRestGateway,
)
from oms_connector.commands import (
    EXIT_FAILURE,
    EXIT_OK,
    Subparsers,
    add_command,
    add_reloading_command,
    iso_date,
)
from oms_connector.commands.reclassify import reclassify_at_start
from oms_connector.commands.reloading import (
    LIGHT_STEPS,
    Reloaded,
    Reloader,
    Step,
    WakeLater,
    no_reload,
    reload_on_hangup,
)
from oms_connector.config import CurrentConfig, Settings
from oms_connector.services.budget_refresh import RefreshReport
from oms_connector.services.close import CloseReport
from oms_connector.services.inbox import InboxProcessor, InboxService
from oms_connector.services.ports import Clock, Store
from oms_connector.services.sync import Stage, SyncReport, backfill_fraction

LOG = logging.getLogger(__name__)


def register(subparsers: Subparsers) -> None:
    sync = add_command(
        subparsers, "sync", run_sync, help="read what changed in Jira since the last sync"
    )
    sync.add_argument("--once", action="store_true", required=True, help="run one pass, then exit")
    sync.add_argument(
        "--since",
        type=iso_date,
        metavar="DATE",
        help="read everything changed since this day (defaults.timezone midnight): a backfill",
    )
    sync.add_argument(
        "--reconcile",
        action="store_true",
        help="also read every stored live issue back from Jira (catches moves out of the plans)",
    )
    worker = add_reloading_command(
        subparsers,
        "worker",
        run_worker,
        help="sync, process the inbox and close due periods, repeatedly, until stopped",
    )
    add_no_close_option(worker)


def add_no_close_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--no-close",
        dest="close",
        action="store_false",
        help="leave closing periods to the close command (to replay past months, or review first)",
    )


@contextmanager
def _connected(settings: Settings) -> Iterator[tuple[JiraRestGateway, Store, Clock]]:
    with ExitStack() as stack:
        store, close_store = bootstrap.open_store(settings)
        stack.callback(close_store)
        gateway = bootstrap.open_gateway(settings)
        stack.callback(gateway.close)
        yield gateway, store, bootstrap.system_clock()


# --- sync --once ---------------------------------------------------------------------------


def run_sync(args: argparse.Namespace, settings: Settings) -> int:
    zone = ZoneInfo(settings.defaults.timezone)
    since = None if args.since is None else datetime.combine(args.since, time(0), tzinfo=zone)
    try:
        with _connected(settings) as (gateway, store, clock):
            sync = bootstrap.sync_service(
                settings, gateway, store, clock, backfill=since is not None
            )
            bar = ProgressBar(sys.stderr, clock, {s: since or sync.checkpoint(s) for s in Stage})
            report = sync.run_once(since=since, progress=bar.update, reconcile=args.reconcile)
            bar.finish()
            budgets = bootstrap.budget_refresher(settings, store, gateway, clock).refresh(
                force=True
            )
    except JiraError as error:
        print(f"sync stopped: {error}", file=sys.stderr)
        return EXIT_FAILURE
    print(summary(report))
    print(budgets_line(budgets))
    return EXIT_OK


def budgets_line(report: RefreshReport) -> str:
    """How many plans' budgets were written to how many tickets."""
    tickets = sum(count for _, count in report.refreshed)
    line = (
        f"budgets:   {len(report.refreshed):,} written ({tickets:,} "
        f"{'ticket' if tickets == 1 else 'tickets'}), {len(report.unchanged):,} unchanged"
    )
    if report.failed:
        line += f", not written for {', '.join(report.failed)} (see the log)"
    return line


def summary(report: SyncReport) -> str:
    lines = [
        f"issues:    {report.issues_read:,} read, {report.issues_stored:,} stored",
        f"worklogs:  {report.worklogs_read:,} read, {report.worklogs_stored:,} stored"
        f" ({report.issues_fetched_for_worklogs:,} issues fetched for them)",
        f"deletions: {report.deletions_read:,} read, {report.deletions_stored:,} stored",
    ]
    if report.recent_issues_read:
        lines.append(
            f"last minute: {report.recent_worklogs_read:,} worklogs read from"
            f" {report.recent_issues_read:,} issues changed in it,"
            f" {report.recent_worklogs_stored:,} stored"
        )
    if report.worklogs_held:
        lines.append(
            f"held in quarantine: {report.worklogs_held:,} worklogs not plausible, not counted"
            " (see `oms-connector quarantine`)"
        )
    if report.worklogs_not_returned:
        lines.append(
            f"not returned by worklog/list: {report.worklogs_not_returned:,} worklogs"
            " (deleted since, or not visible to the connector's account; left as stored)"
        )
    if report.reconciled:
        lines.append(
            f"reconciled: {report.issues_reconciled:,} stored issues read back,"
            f" {report.issues_reconciled_stored:,} changed and stored,"
            f" {report.issues_not_returned:,} not returned (left as stored)"
        )
    for stage, reached in report.checkpoints.items():
        lines.append(f"checkpoint {stage.value}: {reached.isoformat(timespec='seconds')}")
    return "\n".join(lines)


class ProgressBar:
    """A one-line bar on a terminal: how far each stage has come from its start to now."""

    WIDTH = 30

    def __init__(self, stream: TextIO, clock: Clock, starts: dict[Stage, datetime | None]) -> None:
        self._stream = stream
        self._clock = clock
        self._starts = starts
        self._shown = stream.isatty()
        self._now = clock.now()

    def update(self, stage: Stage, reached: datetime, report: SyncReport) -> None:
        if not self._shown:
            return
        start = self._starts.get(stage) or reached
        fraction = backfill_fraction(start, reached, self._now)
        filled = round(fraction * self.WIDTH)
        stored = report.issues_stored + report.worklogs_stored + report.deletions_stored
        self._stream.write(
            f"\r{stage.value:<9} [{'#' * filled}{'.' * (self.WIDTH - filled)}] "
            f"{fraction:4.0%}  {stored:,} stored"
        )
        self._stream.flush()

    def finish(self) -> None:
        if self._shown:
            self._stream.write("\n")
            self._stream.flush()


# --- worker --------------------------------------------------------------------------------


@dataclass
class Worker:
    """Runs its steps in turn, then waits ``interval_seconds``, until ``stop`` is set.

    A failing step is logged and the next one runs; bad credentials stop the loop,
    since no retry can fix them. Each turn starts with ``reload``: when it replaced
    the configuration (SIGHUP, which also sets ``wake``), a pass runs at once with the
    new steps.
    """

    steps: Sequence[Step]
    interval_seconds: float
    stop: threading.Event
    wake: threading.Event = field(default_factory=threading.Event)
    """Ends the wait between passes early (a reload request, a stop signal)."""
    reload: Callable[[], Reloaded | None] = no_reload

    def run(self) -> int:
        next_pass = monotonic()
        while not self.stop.is_set():
            if self._reloaded() or monotonic() >= next_pass:
                if not self._pass():
                    return EXIT_FAILURE
                next_pass = monotonic() + self.interval_seconds
            elif not self._pass(light=True):
                return EXIT_FAILURE
            if self.stop.is_set():
                break
            self.wake.wait(max(next_pass - monotonic(), 0))
            self.wake.clear()
        return EXIT_OK

    def _reloaded(self) -> bool:
        reloaded = self.reload()
        if reloaded is None:
            return False
        self.steps, self.interval_seconds = reloaded.steps, reloaded.interval_seconds
        return True

    def _pass(self, *, light: bool = False) -> bool:
        """Every step (the light ones only, when woken between passes), unless ``stop``
        is set meanwhile; false when the loop must stop."""
        for name, step in self.steps:
            if light and name not in LIGHT_STEPS:
                continue
            if self.stop.is_set():
                break
            try:
                step()
            except JiraAuthError as error:
                LOG.error("worker stops: %s", error)  # noqa: TRY400 - the message says it all
                return False
            except Exception as error:  # one step's failure must not stop the loop
                LOG.error("worker step %s failed: %s", name, error)  # noqa: TRY400 - one line
        return True


@contextmanager
def stop_on_signals(stop: threading.Event, *wake: threading.Event) -> Iterator[None]:
    """SIGTERM and SIGINT set ``stop`` (and ``wake``, to end a wait) instead of
    interrupting the step under way."""

    def request_stop(signum: int, _frame: FrameType | None) -> None:
        LOG.info("signal %d: stopping after the current step", signum)
        stop.set()
        for event in wake:
            event.set()

    previous = {sig: signal.signal(sig, request_stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def run_worker(args: argparse.Namespace, config: CurrentConfig) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    settings = config.current().settings
    stop, wake = threading.Event(), threading.Event()
    with _connected(settings) as (gateway, store, clock):
        wake_later = WakeLater(wake)

        def build(new: Settings) -> list[Step]:
            return worker_steps(new, gateway, store, clock, close=args.close, wake_later=wake_later)

        def reclassify(new: Settings) -> None:
            changed = bootstrap.follow_up(new, store, gateway, clock)
            reclassify_at_start(new, store, clock, changed)

        reloader = Reloader(config, build, wake, on_replaced=reclassify)
        with stop_on_signals(stop, wake), reload_on_hangup(reloader):
            reclassify(settings)
            worker = Worker(
                build(settings), settings.worker.interval_seconds, stop, wake, reloader.reload
            )
            try:
                return worker.run()
            finally:
                wake_later.cancel()


def worker_steps(
    settings: Settings,
    gateway: JiraRestGateway,
    store: Store,
    clock: Clock,
    *,
    close: bool = True,
    wake_later: Callable[[float], None] = lambda _seconds: None,
) -> list[Step]:
    """Sync, inbox, budgets, and (unless ``close`` is false) closing the periods due by
    ``clock``. The steps share one budget refresher: a refresh it defers (a burst of
    worklogs within ``writeback.refresh_seconds``) calls ``wake_later`` with the seconds
    until it is due, and the ``budgets-due`` step then sends it."""
    budgets = bootstrap.budget_refresher(settings, store, gateway, clock, on_deferred=wake_later)
    sync = bootstrap.sync_service(settings, gateway, store, clock, budgets=budgets)
    events = bootstrap.jira_events(settings, store, gateway, clock)
    inbox = InboxProcessor(
        store,
        events,
        bootstrap.ingest(settings, clock),
        clock,
        worker=worker_name(),
        follow_up=bootstrap.follow_up(settings, store, gateway, clock, budgets=budgets),
    )
    steps: list[Step] = [
        ("sync", sync.run_once),
        ("inbox", inbox.drain),
        ("budgets", budgets.refresh),
        ("budgets-due", budgets.refresh_due),
    ]
    if close:
        closer = bootstrap.close_service(settings, store, clock)
        steps.append(("close", lambda: logged_close(closer.close())))
    steps.append(("renewals", bootstrap.renewal_reminders(settings, store, clock).remind))
    retention = timedelta(days=settings.webhook.inbox_retention_days)
    steps.append(("prune", lambda: InboxService(store, clock).prune(retention)))
    return steps


def logged_close(report: CloseReport) -> CloseReport:
    """The report of a worker's close, its refusals logged (one line per plan)."""
    for refusal in report.refused:
        LOG.error("%s", refusal)
    return report


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"
