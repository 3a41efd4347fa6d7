"""Drill: the worker killed with SIGKILL at random points of sync, inbox processing and close.

Real processes on a SQLite file: ``sync --once`` and ``worker`` are killed after a
random delay while Jira keeps changing (new work and webhooks before every trial);
then, the data complete, ``close --as-of`` is killed the same way. After the trials
the worker runs to completion and the close once more: the books must equal the
ground truth.

A killed worker keeps its claim on up to a batch of inbox events until the claim's
lease (five minutes) runs out. The worker restarted after the trials runs here, in
this process, on a clock past that lease: what a restart some minutes later does.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from oms_connector.bootstrap import open_gateway
from oms_connector.config import load_settings
from oms_connector.services.ports import InboxStatus
from tests.drills.books import assert_books_match
from tests.drills.connector import (
    CLOSE_AS_OF,
    inbox_counts,
    post_webhooks,
    processes,
    run,
    start,
    worker,
    write_config,
)
from tests.drills.site import Activity, Site, sandbox

COMMANDS = {
    "sync": ("sync", "--once"),
    "inbox": ("worker",),
    "close": ("close", "--as-of", str(CLOSE_AS_OF)),
}
CHANGES_BEFORE_EACH_TRIAL = 200
KILL_WINDOW = {"sync": (0.7, 2.2), "inbox": (0.8, 3.0), "close": (0.7, 1.8)}
"""Seconds after the start to kill at: a command takes about a second to start up."""
TRIALS = {"data": (8, 16), "close": (4, 10)}
"""At least, and at most, so many trials; they go on until each phase was hit while running."""


class LaterClock:
    """The wall clock, some minutes on: past a killed worker's claims."""

    def now(self) -> datetime:
        return datetime.now(UTC) + timedelta(minutes=10)


@dataclass
class Trial:
    phase: str
    delay: float
    killed: bool


def kill_trial(config_path: Path, phase: str, rng: random.Random, log: Path) -> Trial:
    delay = rng.uniform(*KILL_WINDOW[phase])
    process = start(config_path, *COMMANDS[phase], log=log)
    with processes(process):
        time.sleep(delay)
        killed = process.poll() is None
        process.kill()  # SIGKILL
        process.wait(10)
    return Trial(phase, round(delay, 2), killed)


def new_work(site: Site, activity: Activity, settings_path: Path, rng: random.Random) -> None:
    """More changes on the site; four in five of their webhooks reach the inbox."""
    before = len(site.captured)
    activity.run(CHANGES_BEFORE_EACH_TRIAL)
    site.settle()
    fresh = site.captured[before:]
    delivered = rng.sample(fresh, len(fresh) * 4 // 5)
    assert set(post_webhooks(load_settings(settings_path), ((w, 0) for w in delivered))) == {204}


def test_the_books_survive_the_worker_killed_at_random_points(
    tmp_path: Path, rng: random.Random, secrets: None
) -> None:
    database_url = f"sqlite:///{tmp_path / 'oms.sqlite3'}"
    log = tmp_path / "connector.log"
    trials: list[Trial] = []
    with sandbox() as site:
        config_path = write_config(tmp_path, site.url, database_url)
        settings = load_settings(config_path)
        activity = Activity(site, rng)
        least, most = TRIALS["data"]
        while len(trials) < least or not hit(trials, "sync", "inbox"):
            assert len(trials) < most, trials
            new_work(site, activity, config_path, rng)
            trials.append(kill_trial(config_path, rng.choice(["sync", "inbox"]), rng, log))

        with worker(settings, open_gateway(settings), LaterClock()) as steps:
            steps.sync()
            steps.drain_inbox()
        counts = inbox_counts(database_url)
        assert counts[InboxStatus.PENDING] == counts[InboxStatus.FAILED] == 0

        least, most = TRIALS["close"]
        closes: list[Trial] = []
        while len(closes) < least or not hit(closes, "close"):
            assert len(closes) < most, closes
            closes.append(kill_trial(config_path, "close", rng, log))
        run(config_path, *COMMANDS["close"], log=log)
        trials += closes

        assert_books_match(settings, site.state, site.issue_keys, database_url, CLOSE_AS_OF)
    assert len(trials) >= 12
    print("trials:", *trials, sep="\n  ")


def hit(trials: list[Trial], *phases: str) -> bool:
    """Whether each phase was killed while running at least once."""
    return all(any(t.killed for t in trials if t.phase == phase) for phase in phases)
