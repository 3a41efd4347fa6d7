"""Drill: two workers and two web processes on PostgreSQL at once, then two closers at once.

Two gunicorn processes (gevent workers, as in production) serve the webhook app; the
webhooks of 900 changes are posted to both at the same time, each delivery to one or
the other at random, a fifth of them a second time to the other one, and a tenth never.
Two ``oms-connector worker`` processes share the inbox (and sync from Jira) meanwhile.
Then two ``close --as-of`` processes close the same periods at the same moment, twice.
The books must equal the ground truth: each event applied once, each statement written
once.
"""

from __future__ import annotations

import random
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

from oms_connector.config import load_settings
from oms_connector.demo.connector_process import free_port
from tests.drills.books import assert_books_match
from tests.drills.connector import (
    CLOSE_AS_OF,
    inbox_counts,
    processes,
    run,
    start,
    stop,
    wait_for_inbox,
    webhook_headers,
    write_config,
)
from tests.drills.site import Activity as Work
from tests.drills.site import Captured, sandbox

CHANGES = 900
GUNICORN = str(Path(sys.executable).parent / "gunicorn")
WEB_WORKER = ["-w", "1", "-k", "gevent"]
"""The production form's worker class (README), one worker per web process."""


def wait_until_serving(port: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            if requests.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return
        except (requests.ConnectionError, requests.Timeout):
            pass
        assert time.monotonic() < deadline, f"the web process on port {port} did not start"
        time.sleep(0.2)


def post(port: int, webhook: Captured, retry: int) -> int:
    headers = webhook_headers(webhook.body, webhook.identifier, retry)
    url = f"http://127.0.0.1:{port}/webhooks/jira"
    return requests.post(url, data=webhook.body, headers=headers, timeout=30).status_code


def test_two_workers_and_two_web_processes_share_one_postgresql_database(
    tmp_path: Path, rng: random.Random, secrets: None, postgres_url: str
) -> None:
    log = tmp_path / "connector.log"
    with sandbox() as site:
        Work(site, rng).run(CHANGES)
        site.settle()
        config_path = write_config(tmp_path, site.url, postgres_url)
        settings = load_settings(config_path)
        run(config_path, "db", "upgrade", log=log)

        ports = [free_port(), free_port()]
        web = [
            start(
                config_path,
                log=log,
                command=[GUNICORN, *WEB_WORKER, "-b", f"127.0.0.1:{port}", "webhook_app.wsgi:app"],
            )
            for port in ports
        ]
        workers = [start(config_path, "worker", "--no-close", log=log) for _ in range(2)]
        with processes(*web, *workers):
            for port in ports:
                wait_until_serving(port)
            delivered = rng.sample(site.captured, len(site.captured) * 9 // 10)
            sends = [(rng.choice(ports), w, 0) for w in delivered]
            sends += [
                (ports[1] if port == ports[0] else ports[0], w, 1)
                for port, w, _ in rng.sample(sends, len(sends) // 5)
            ]
            rng.shuffle(sends)
            with ThreadPoolExecutor(max_workers=8) as pool:
                statuses = list(pool.map(lambda send: post(*send), sends))
            assert set(statuses) == {204}
            wait_for_inbox(postgres_url, len(delivered))
            for process in workers:
                assert stop(process) == 0
        assert sum(inbox_counts(postgres_url).values()) == len(delivered)

        for _ in range(2):
            closers = [start(config_path, "close", "--as-of", str(CLOSE_AS_OF), log=log)]
            closers.append(start(config_path, "close", "--as-of", str(CLOSE_AS_OF), log=log))
            with processes(*closers):
                assert [closer.wait(60) for closer in closers] == [0, 0], log.read_text()

        assert_books_match(settings, site.state, site.issue_keys, postgres_url, CLOSE_AS_OF)
