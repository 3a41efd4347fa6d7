"""Reloading the configuration of ``serve`` and ``worker`` on SIGHUP.

The signal handler only notes the request and wakes the worker loop; the loop, on its
own thread, reads the file at the start of its next pass (:meth:`Reloader.reload`).
When the file replaced the running configuration, the worker's steps are built again
from it and the stored issues reclassified if the classification changed; the web app
reads the same :class:`CurrentConfig` on each request.
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from types import FrameType

from oms_connector.config import CurrentConfig, Settings

LOG = logging.getLogger(__name__)

Step = tuple[str, Callable[[], object]]

LIGHT_STEPS = frozenset({"inbox", "budgets-due"})
"""The steps a loop runs whenever it is woken between passes: the inbox (a webhook was
stored) and the budget refreshes whose coalescing window has ended."""

WAKE_MARGIN_SECONDS = 0.1
"""Added to a timed wake, so that the clock the refresher reads has passed the due time."""


class WakeLater:
    """Sets ``wake`` after some seconds (the earliest of the times asked for is kept)."""

    def __init__(self, wake: threading.Event) -> None:
        self._wake = wake
        self._lock = threading.Lock()
        self._timer: threading.Timer | None = None
        self._at = 0.0

    def __call__(self, seconds: float) -> None:
        at = time.monotonic() + seconds + WAKE_MARGIN_SECONDS
        with self._lock:
            if self._timer is not None and self._timer.is_alive() and self._at <= at:
                return
            if self._timer is not None:
                self._timer.cancel()
            self._timer = threading.Timer(at - time.monotonic(), self._wake.set)
            self._timer.daemon = True
            self._at = at
            self._timer.start()

    def cancel(self) -> None:
        with self._lock:
            if self._timer is not None:
                self._timer.cancel()


@dataclass(frozen=True)
class Reloaded:
    """What a pass runs with after a reload: the steps, and the wait between passes."""

    steps: Sequence[Step]
    interval_seconds: float


def _nothing(_settings: Settings) -> None:
    return None


class Reloader:
    """Reloads ``config`` when :meth:`request` asked for it, on the caller's thread."""

    def __init__(
        self,
        config: CurrentConfig,
        build: Callable[[Settings], Sequence[Step]],
        wake: threading.Event,
        on_replaced: Callable[[Settings], None] = _nothing,
    ) -> None:
        self._config = config
        self._build = build
        self._wake = wake
        self._on_replaced = on_replaced
        self._requested = threading.Event()

    def request(self) -> None:
        """Ask for a reload at the loop's next turn (all a signal handler does)."""
        self._requested.set()
        self._wake.set()

    def reload(self) -> Reloaded | None:
        """The new steps when a requested reload replaced the configuration; else ``None``.

        A failure is logged and the loop goes on with the steps it has.
        """
        if not self._requested.is_set():
            return None
        self._requested.clear()
        LOG.info("reloading the configuration from %s", self._config.current().path)
        try:
            loaded = self._config.reload()
            if loaded is None:
                return None
            reloaded = Reloaded(
                self._build(loaded.settings), loaded.settings.worker.interval_seconds
            )
            self._on_replaced(loaded.settings)
        except Exception as error:  # the worker must go on with what it runs
            LOG.error("configuration reload failed: %s", error)  # noqa: TRY400 - one line
            return None
        return reloaded


def no_reload() -> Reloaded | None:
    """For a loop whose configuration never changes."""
    return None


@contextmanager
def reload_on_hangup(reloader: Reloader) -> Iterator[None]:
    """SIGHUP asks ``reloader`` for a reload; the previous handler is restored afterwards."""

    def request_reload(_signum: int, _frame: FrameType | None) -> None:
        reloader.request()

    previous = signal.signal(signal.SIGHUP, request_reload)
    try:
        yield
    finally:
        signal.signal(signal.SIGHUP, previous)
