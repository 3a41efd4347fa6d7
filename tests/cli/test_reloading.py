"""SIGHUP asks for a reload; the worker loops apply it at their next turn, with new steps."""

from __future__ import annotations

import logging
import os
import signal
import threading
from collections.abc import Sequence
from pathlib import Path

import pytest

from oms_connector.commands.reloading import Reloaded, Reloader, Step, reload_on_hangup
from oms_connector.commands.serve import WorkerLoop
from oms_connector.commands.sync import Worker, stop_on_signals
from oms_connector.config import CurrentConfig, Settings, load_config
from tests.config.files import GLOBEX, VALID, write

LONG = 3600.0
"""An interval no test waits for: a second pass can only come from a reload."""


class Steps:
    """Builds steps that record which plans they ran with; the second pass stops the loop."""

    def __init__(self, stop: threading.Event) -> None:
        self.stop = stop
        self.ran: list[str] = []
        self.replaced: list[list[str]] = []
        self.on_first_pass = lambda: None

    def build(self, settings: Settings) -> Sequence[Step]:
        plans = ",".join(plan.id for plan in settings.plans)

        def inbox() -> None:
            self.ran.append(plans)
            if len(self.ran) == 1:
                self.on_first_pass()
            else:
                self.stop.set()

        return [("inbox", inbox)]

    def on_replaced(self, settings: Settings) -> None:
        self.replaced.append([plan.id for plan in settings.plans])


@pytest.fixture
def config(tmp_path: Path) -> CurrentConfig:
    return CurrentConfig(load_config(write(tmp_path, VALID)))


def test_a_reload_is_read_only_once_requested_and_wakes_the_loop(config: CurrentConfig) -> None:
    wake, steps = threading.Event(), Steps(threading.Event())
    reloader = Reloader(config, steps.build, wake, on_replaced=steps.on_replaced)
    write(config.current().path.parent, VALID + GLOBEX)

    assert reloader.reload() is None  # not asked: the file is not read
    reloader.request()
    assert wake.is_set()
    reloaded = reloader.reload()

    assert isinstance(reloaded, Reloaded)
    assert reloaded.interval_seconds == 60
    assert [name for name, _ in reloaded.steps] == ["inbox"]
    assert steps.replaced == [["acme", "globex"]]
    assert reloader.reload() is None  # one request, one reload


def test_a_refused_reload_builds_nothing(config: CurrentConfig) -> None:
    steps = Steps(threading.Event())
    reloader = Reloader(config, steps.build, threading.Event(), on_replaced=steps.on_replaced)
    write(config.current().path.parent, "plans: [\n")

    reloader.request()

    assert reloader.reload() is None
    assert steps.replaced == []


def test_the_worker_runs_a_pass_with_the_new_steps_as_soon_as_a_reload_replaced_them(
    config: CurrentConfig,
) -> None:
    stop, wake = threading.Event(), threading.Event()
    steps = Steps(stop)
    reloader = Reloader(config, steps.build, wake, on_replaced=steps.on_replaced)

    def edit_and_hang_up() -> None:
        write(config.current().path.parent, VALID + GLOBEX)
        reloader.request()  # as SIGHUP does

    steps.on_first_pass = edit_and_hang_up
    worker = Worker(steps.build(config.current().settings), LONG, stop, wake, reloader.reload)

    assert worker.run() == 0
    assert steps.ran == ["acme", "acme,globex"]
    assert worker.interval_seconds == 60


def test_serve_s_loop_runs_every_step_at_once_after_a_reload(config: CurrentConfig) -> None:
    stop, wake = threading.Event(), threading.Event()
    steps = Steps(stop)
    reloader = Reloader(config, steps.build, wake)

    def edit_and_hang_up() -> None:
        write(config.current().path.parent, VALID + GLOBEX)
        reloader.request()

    steps.on_first_pass = edit_and_hang_up
    WorkerLoop(
        steps.build(config.current().settings), LONG, wake, stop, reload=reloader.reload
    ).run()

    assert steps.ran == ["acme", "acme,globex"]


def test_a_reload_that_fails_is_logged_and_the_running_steps_kept(
    config: CurrentConfig, caplog: pytest.LogCaptureFixture
) -> None:
    def build(_settings: Settings) -> Sequence[Step]:
        raise RuntimeError("no steps today")

    reloader = Reloader(config, build, threading.Event())
    write(config.current().path.parent, VALID + GLOBEX)
    reloader.request()

    with caplog.at_level(logging.ERROR, "oms_connector.commands.reloading"):
        assert reloader.reload() is None

    assert caplog.messages == ["configuration reload failed: no steps today"]


def test_sighup_requests_a_reload_and_the_handler_is_restored(config: CurrentConfig) -> None:
    before = signal.getsignal(signal.SIGHUP)
    wake = threading.Event()
    reloader = Reloader(config, Steps(threading.Event()).build, wake)
    write(config.current().path.parent, VALID + GLOBEX)

    with reload_on_hangup(reloader):
        os.kill(os.getpid(), signal.SIGHUP)
        assert wake.wait(5)
        assert reloader.reload() is not None

    assert signal.getsignal(signal.SIGHUP) == before
    assert [plan.id for plan in config.current().settings.plans] == ["acme", "globex"]


def test_a_stop_signal_also_ends_the_worker_s_wait() -> None:
    stop, wake = threading.Event(), threading.Event()
    with stop_on_signals(stop, wake):
        os.kill(os.getpid(), signal.SIGTERM)
        assert wake.wait(5)
    assert stop.is_set()
