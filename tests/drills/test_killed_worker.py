"""Drill: the worker killed with SIGKILL at random points of sync, inbox processing and close.

Real processes on a SQLite file: ``sync --once`` and ``worker`` are killed while Jira
keeps changing (new work and webhooks before every trial); then, the data complete,
``close --as-of`` is killed the same way. After the trials the worker runs to
completion and the close once more: the books must equal the ground truth.

A kill only proves something when it lands while the command is writing, not while
the interpreter starts up or after the work is over. So a trial counts as a hit only
when the database shows the kill interrupted work under way:

- ``sync --once`` is killed a random moment after its first page is committed (a
  checkpoint moved); a hit when it was still running then.
- ``worker`` is killed a random moment after its first inbox event is done (its own
  sync runs before the inbox); a hit when it had finished events and was running.
- ``close`` is aimed by timing. Before the trials the close is timed on a copy of the
  database (the sqlite3 backup API): a full close, until its last statement is seen
  written (``D``; its exit comes later, with nothing more written), then, on the same
  copy once closed, a close with nothing due (``S``: start-up and the reads that find
  nothing to write, to its exit). Kills land uniformly between ``S + 0.1 (D - S)``
  and ``S + 0.9 (D - S)``, while statements are being written. The drill's plans
  renew month after month and close twenty years on, so that a close writes hundreds
  of statements (one transaction each) and ``D - S`` is long enough to aim at. A hit
  is a kill that left the close partly done: this trial wrote some statements, and
  some due ones are still missing. A trial that lets the close finish leaves nothing
  for the next one to interrupt: once the books are checked (when a kill had
  interrupted that close), the database is restored from the copy taken before the
  close trials, so the next trial has the whole close to do again.

A killed worker keeps its claim on up to a batch of inbox events until the claim's
lease (five minutes) runs out. The worker restarted after the trials runs here, in
this process, on a clock past that lease: what a restart some minutes later does.
"""

from __future__ import annotations

import random
import sqlite3
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from oms_connector.bootstrap import open_gateway
from oms_connector.config import Settings, load_settings
from oms_connector.services.ports import InboxStatus
from tests.drills import connector
from tests.drills.books import assert_books_match
from tests.drills.connector import (
    inbox_counts,
    post_webhooks,
    processes,
    run,
    start,
    worker,
    write_config,
)
from tests.drills.site import Activity, Site, sandbox

CLOSE_AS_OF = date(2047, 6, 1)
PLANS = [{**plan, "auto_renew": True} for plan in connector.PLANS]
"""The drill's plans renew every month: closed at ``CLOSE_AS_OF``, about 480 statements."""
COMMANDS = {
    "sync": ("sync", "--once"),
    "inbox": ("worker", "--no-close"),
    "close": ("close", "--as-of", str(CLOSE_AS_OF)),
}
CHANGES_BEFORE_EACH_TRIAL = 200
KILL_AFTER_STARTED = {"sync": 0.15, "inbox": 0.3}
"""At most so many seconds, drawn at random, between seeing the work begin and the kill."""
CLOSE_KILL_SPAN = (0.1, 0.9)
"""Where in the writing part of a close (from ``S`` to ``D``) a kill is drawn."""
MIN_CLOSE_WRITING_SECONDS = 0.3
"""Below this, ``D - S`` is too short to aim a kill at: the drill needs more to close."""
TRIALS = {"data": (8, 16), "close": (4, 10)}
"""At least, and at most, so many trials; they go on until each phase was hit."""
POLL_SECONDS = 0.02
START_TIMEOUT_SECONDS = 30.0


class LaterClock:
    """The wall clock, some minutes on: past a killed worker's claims."""

    def now(self) -> datetime:
        return datetime.now(UTC) + timedelta(minutes=10)


@dataclass
class Trial:
    phase: str
    delay: float
    """Seconds from the start of the command to the kill."""
    running: bool
    """Whether the command was still running when killed."""
    work: str
    """What the database shows of the trial's work."""
    hit: bool
    """Killed while running, with its work begun and (for a close) not finished."""


# --- the drill's database, read directly -------------------------------------------------


@contextmanager
def reading(database: Path) -> Iterator[sqlite3.Connection]:
    with closing(sqlite3.connect(database)) as connection:
        yield connection


def scalar(database: Path, query: str) -> Any:
    with reading(database) as connection:
        return connection.execute(query).fetchone()[0]


def statements_written(database: Path) -> int:
    return int(scalar(database, "SELECT count(*) FROM statements"))


def events_done(database: Path) -> int:
    return int(scalar(database, f"SELECT count(*) FROM inbox WHERE status = '{InboxStatus.DONE}'"))


def last_checkpoint_write(database: Path) -> int:
    """When a sync last committed a page (each page moves its stage's checkpoint)."""
    return int(scalar(database, "SELECT coalesce(max(updated_at), 0) FROM sync_state"))


def copy_database(source: Path, target: Path) -> None:
    """``target`` becomes a consistent copy of ``source`` (the sqlite3 backup API)."""
    with reading(source) as origin, reading(target) as copy:
        origin.backup(copy)


# --- sync and inbox trials ---------------------------------------------------------------

PROGRESS: dict[str, Callable[[Path], int]] = {
    "sync": last_checkpoint_write,
    "inbox": events_done,
}


def describe(phase: str, before: int, after: int, database: Path) -> str:
    if phase == "sync":
        return "a checkpoint moved" if after != before else "no checkpoint moved"
    pending = scalar(database, f"SELECT count(*) FROM inbox WHERE status = '{InboxStatus.PENDING}'")
    return f"{after - before} events done, {pending} pending"


def wait_for_work(process: subprocess.Popen[bytes], begun: Callable[[], bool]) -> None:
    """Until ``begun`` holds, the process has exited, or the time is up."""
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while process.poll() is None and not begun() and time.monotonic() < deadline:
        time.sleep(POLL_SECONDS)


def data_trial(
    config_path: Path, database: Path, phase: str, rng: random.Random, log: Path
) -> Trial:
    """``phase``'s command killed a random moment after its first committed work."""
    progress = PROGRESS[phase]
    before = progress(database)
    started = time.monotonic()
    process = start(config_path, *COMMANDS[phase], log=log)
    with processes(process):
        wait_for_work(process, lambda: progress(database) != before)
        time.sleep(rng.uniform(0, KILL_AFTER_STARTED[phase]))
        running = process.poll() is None
        delay = time.monotonic() - started
        process.kill()  # SIGKILL
        process.wait(10)
    after = progress(database)
    hit = running and after != before
    return Trial(phase, round(delay, 2), running, describe(phase, before, after, database), hit)


def new_work(site: Site, activity: Activity, settings_path: Path, rng: random.Random) -> None:
    """More changes on the site; four in five of their webhooks reach the inbox."""
    before = len(site.captured)
    activity.run(CHANGES_BEFORE_EACH_TRIAL)
    site.settle()
    fresh = site.captured[before:]
    delivered = rng.sample(fresh, len(fresh) * 4 // 5)
    assert set(post_webhooks(load_settings(settings_path), ((w, 0) for w in delivered))) == {204}


# --- close trials ------------------------------------------------------------------------


@dataclass(frozen=True)
class CloseTiming:
    idle: float
    """``S``: seconds a close takes with nothing due, start to exit."""
    full: float
    """``D``: seconds a full close takes to write its last statement."""
    exit: float
    """Seconds the full close takes, start to exit (after ``D``: nothing is written then)."""
    due: int
    """Statements a full close writes."""

    def kill_delay(self, rng: random.Random) -> float:
        writing = self.full - self.idle
        low, high = CLOSE_KILL_SPAN
        return rng.uniform(self.idle + low * writing, self.idle + high * writing)


def full_close(config_path: Path, database: Path, log: Path) -> tuple[float, float]:
    """Seconds until the close's last statement was seen written, and until it exited."""
    started = time.monotonic()
    process = start(config_path, *COMMANDS["close"], log=log)
    written, last_write = 0, 0.0
    with processes(process):
        while process.poll() is None:
            count = statements_written(database)
            if count > written:
                written, last_write = count, time.monotonic() - started
            time.sleep(POLL_SECONDS)
    exited = time.monotonic() - started
    assert process.returncode == 0, log.read_text()
    if statements_written(database) > written:  # written after the last look
        last_write = exited
    return last_write, exited


def idle_close(config_path: Path, log: Path) -> float:
    started = time.monotonic()
    run(config_path, *COMMANDS["close"], log=log)
    return time.monotonic() - started


def time_close(directory: Path, jira_url: str, snapshot: Path, log: Path) -> CloseTiming:
    """A full close, then one with nothing due, on a copy of ``snapshot``."""
    directory.mkdir()
    copy = directory / "oms.sqlite3"
    copy_database(snapshot, copy)
    config_path = write_config(directory, jira_url, f"sqlite:///{copy}", PLANS)
    full, exit = full_close(config_path, copy, log)
    idle = idle_close(config_path, log)
    timing = CloseTiming(round(idle, 2), round(full, 2), round(exit, 2), statements_written(copy))
    assert timing.full - timing.idle >= MIN_CLOSE_WRITING_SECONDS, (
        f"too little to close to aim a kill at ({timing}): move CLOSE_AS_OF later"
    )
    return timing


def close_trial(
    config_path: Path, database: Path, timing: CloseTiming, rng: random.Random, log: Path
) -> Trial:
    """The close killed while it writes statements, by ``timing``."""
    before = statements_written(database)
    delay = timing.kill_delay(rng)
    process = start(config_path, *COMMANDS["close"], log=log)
    with processes(process):
        time.sleep(delay)
        running = process.poll() is None
        process.kill()  # SIGKILL
        process.wait(10)
    after = statements_written(database)
    work = f"statements {before} -> {after} of {timing.due}"
    return Trial("close", round(delay, 2), running, work, running and before < after < timing.due)


def assert_closed_books_match(settings: Settings, site: Site) -> None:
    database_url = settings.database.url
    assert_books_match(settings, site.state, site.issue_keys, database_url, CLOSE_AS_OF)


def test_the_books_survive_the_worker_killed_at_random_points(
    tmp_path: Path, rng: random.Random, secrets: None
) -> None:
    database = tmp_path / "oms.sqlite3"
    log = tmp_path / "connector.log"
    trials: list[Trial] = []
    with sandbox() as site:
        config_path = write_config(tmp_path, site.url, f"sqlite:///{database}", PLANS)
        settings = load_settings(config_path)
        activity = Activity(site, rng)
        least, most = TRIALS["data"]
        while len(trials) < least or not hit(trials, "sync", "inbox"):
            assert len(trials) < most, trials
            new_work(site, activity, config_path, rng)
            phase = rng.choice(["sync", "inbox"])
            trials.append(data_trial(config_path, database, phase, rng, log))

        with worker(settings, open_gateway(settings), LaterClock()) as steps:
            steps.sync()
            steps.drain_inbox()
        counts = inbox_counts(settings.database.url)
        assert counts[InboxStatus.PENDING] == counts[InboxStatus.FAILED] == 0

        snapshot = tmp_path / "before-close.sqlite3"
        copy_database(database, snapshot)
        assert statements_written(snapshot) == 0
        timing = time_close(tmp_path / "timing", site.url, snapshot, log)
        least, most = TRIALS["close"]
        closes: list[Trial] = []
        interrupted = False  # a kill interrupted the close under way since the last restore
        while len(closes) < least or not hit(closes, "close"):
            assert len(closes) < most, (timing, closes)
            closes.append(close_trial(config_path, database, timing, rng, log))
            interrupted = interrupted or closes[-1].hit
            if statements_written(database) == timing.due:
                if interrupted:  # the close resumed after a kill and finished
                    assert_closed_books_match(settings, site)
                copy_database(snapshot, database)
                interrupted = False
        run(config_path, *COMMANDS["close"], log=log)
        trials += closes

        assert_closed_books_match(settings, site)
    assert len(trials) >= 12
    print("close timing:", timing, "\ntrials:", *trials, sep="\n  ")


def hit(trials: list[Trial], *phases: str) -> bool:
    """Whether each phase was hit (killed while its work was under way) at least once."""
    return all(any(t.hit for t in trials if t.phase == phase) for phase in phases)
