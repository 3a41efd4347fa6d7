"""``serve``: the webhook app and the worker loop in one process (the SQLite default).

The worker runs in a background thread: the inbox is processed as soon as a webhook
is stored (the fast path), and sync, inbox and close run every
``worker.interval_seconds`` (close left out with ``--no-close``), after reclassifying the
stored issues if the classification settings changed; the statement pages
are served beside the webhook. SIGHUP reloads the configuration file on the worker
thread; the pages and ``/readyz`` read the running configuration on each request.
Production with several web workers runs the app under gunicorn's gevent worker
(``webhook_app.wsgi:app``) and ``oms-connector worker`` beside it instead.
"""

from __future__ import annotations

import argparse
import logging
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from contextlib import ExitStack

from oms_connector import bootstrap
from oms_connector.bootstrap import open_gateway
from oms_connector.commands import (
    EXIT_FAILURE,
    EXIT_OK,
    Subparsers,
    add_reloading_command,
    positive_int,
)
from oms_connector.commands.http_server import HttpServer
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
from oms_connector.commands.sync import add_no_close_option, stop_on_signals, worker_steps
from oms_connector.config import CurrentConfig, Settings
from oms_connector.services.inbox import InboxService, Progress
from oms_connector.services.intake import BatchedIntake
from oms_connector.services.ports import InboxStatus
from webhook_app import create_app
from webhook_app.dependencies import AppServices, CurrentReports, Inbox, StoreProbe

LOG = logging.getLogger(__name__)


def register(subparsers: Subparsers) -> None:
    parser = add_reloading_command(
        subparsers,
        "serve",
        run_serve,
        help="receive Jira webhooks and run the worker loop in one process",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument(
        "--port", type=positive_int(65535), default=8080, help="port to listen on (8080)"
    )
    add_no_close_option(parser)


class WakingInbox:
    """The inbox, waking the worker thread whenever a new event is stored."""

    def __init__(self, inbox: Inbox, wake: threading.Event) -> None:
        self._inbox = inbox
        self._wake = wake

    def receive(
        self, body: bytes, delivery_id: str | None = None, event: str | None = None
    ) -> bool:
        new = self._inbox.receive(body, delivery_id, event)
        if new:
            self._wake.set()
        return new

    def counts(self) -> Mapping[InboxStatus, int]:
        return self._inbox.counts()


class WorkerLoop:
    """Every step each ``interval`` seconds; the light steps (the inbox, the budget
    refreshes due) alone whenever ``wake`` is set.

    Each turn starts with ``reload``: when it replaced the configuration, every step
    runs at once, rebuilt from it.
    """

    def __init__(
        self,
        steps: Sequence[Step],
        interval: float,
        wake: threading.Event,
        stop: threading.Event,
        *,
        on_sync: Callable[[], None] = lambda: None,
        reload: Callable[[], Reloaded | None] = no_reload,
    ) -> None:
        self._steps = steps
        self._interval = interval
        self._wake = wake
        self._stop = stop
        self._on_sync = on_sync
        self._reload = reload

    def run(self) -> None:
        next_full = time.monotonic()
        while not self._stop.is_set():
            if self._reloaded() or time.monotonic() >= next_full:
                self._run(self._steps)
                next_full = time.monotonic() + self._interval
            else:
                self._run([step for step in self._steps if step[0] in LIGHT_STEPS])
            if self._stop.is_set():
                break
            self._wake.wait(max(next_full - time.monotonic(), 0))
            self._wake.clear()

    def _reloaded(self) -> bool:
        reloaded = self._reload()
        if reloaded is None:
            return False
        self._steps, self._interval = reloaded.steps, reloaded.interval_seconds
        return True

    def _run(self, steps: Sequence[Step]) -> None:
        for name, step in steps:
            if self._stop.is_set():
                return
            try:
                result = step()
            except Exception as error:  # one step's failure must not stop the loop
                LOG.error("worker step %s failed: %s", name, error)  # noqa: TRY400 - one line
            else:
                if name == "sync":
                    self._on_sync()
                if isinstance(result, Progress) and result.done:
                    self._wake.set()  # a full batch may leave more behind: go again


def run_serve(args: argparse.Namespace, config: CurrentConfig) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    settings = config.current().settings
    stop, wake = threading.Event(), threading.Event()
    with ExitStack() as stack:
        store, close_store = bootstrap.open_store(settings)
        stack.callback(close_store)
        gateway = open_gateway(settings)
        stack.callback(gateway.close)
        clock = bootstrap.system_clock()
        probe = StoreProbe(store)
        intake = BatchedIntake(store)  # concurrent deliveries share one commit
        stack.callback(intake.close)
        inbox = WakingInbox(InboxService(store, clock, intake=intake), wake)
        services = AppServices(
            inbox=inbox,
            probe=probe,
            now=clock.now,
            reports=CurrentReports(config, store, clock),
            config=config,
        )
        app = create_app(settings, services)

        wake_later = WakeLater(wake)
        stack.callback(wake_later.cancel)

        def build(new: Settings) -> list[Step]:
            return worker_steps(new, gateway, store, clock, close=args.close, wake_later=wake_later)

        def reclassify(new: Settings) -> None:
            changed = bootstrap.follow_up(new, store, gateway, clock)
            reclassify_at_start(new, store, clock, changed)

        reloader = Reloader(config, build, wake, on_replaced=reclassify)
        loop = WorkerLoop(
            build(settings),
            settings.worker.interval_seconds,
            wake,
            stop,
            on_sync=lambda: probe.record_sync(clock.now()),
            reload=reloader.reload,
        )
        server = HttpServer.configured(app, args.host, args.port, settings)

        def work() -> None:
            reclassify(settings)
            loop.run()

        # The handlers are in place before the port answers: a SIGHUP sent once /readyz
        # answers reloads, never kills.
        with stop_on_signals(stop), reload_on_hangup(reloader):
            worker = threading.Thread(target=work, name="oms-worker", daemon=True)
            worker.start()
            serving = threading.Thread(target=server.serve_forever, name="oms-http", daemon=True)
            serving.start()
            LOG.info("listening on http://%s:%d/webhooks/jira", args.host, server.port)
            stop.wait()
            server.shutdown()
            wake.set()
            worker.join()
            serving.join()
        return EXIT_OK
    return EXIT_FAILURE
