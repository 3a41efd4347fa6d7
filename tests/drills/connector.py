"""The connector side of a drill: its configuration, its processes and its inbox.

Workers run without their close step (``worker --no-close``; in-process, the drills call
the steps they need), so the machine's clock never closes a period: statements are
written by ``close --as-of CLOSE_AS_OF`` once the drill says so, after the last period of
every plan has closed.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import requests
import yaml

from oms_connector import bootstrap
from oms_connector.adapters.jira_gateway import JiraRestGateway
from oms_connector.adapters.sql.engine import create_store_engine
from oms_connector.adapters.sql.store import SqlStore
from oms_connector.commands.http_server import HttpServer
from oms_connector.commands.sync import worker_steps
from oms_connector.config import Settings
from oms_connector.services.inbox import Progress
from oms_connector.services.ports import Clock, InboxStatus
from tests.drills.site import EMAIL, JIRA_TOKEN, Captured
from webhook_app import create_app
from webhook_app.signature import sign

WEBHOOK_SECRET = "drill-webhook-secret-51e0b2"
ADMIN_TOKEN = "drill-admin-token-c94d17"
CLOSE_AS_OF = date(2027, 6, 1)
COMMAND = str(Path(sys.executable).parent / "oms-connector")

PLANS: list[dict[str, Any]] = [
    {
        "id": "acme",
        "customer": "Acme Corp",
        "jira_projects": ["ACME"],
        "hours_per_month": 10,
        "term_months": 3,
        "enrolled_on": "2027-01-15",
        "timezone": "America/New_York",
    },
    {
        "id": "globex",
        "customer": "Globex Ltd",
        "jira_projects": ["GLX"],
        "hours_per_month": 20,
        "term_months": 3,
        "enrolled_on": "2027-01-31",
        "timezone": "Europe/London",
        "priority_bank": [{"purchased_on": "2027-01-31", "hours": 10}],
    },
]


def config(
    jira_url: str, database_url: str, plans: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    return {
        "jira": {"url": jira_url, "user": EMAIL, "token_env": "OMS_JIRA_TOKEN"},
        "database": {"url": database_url},
        "webhook": {"secret_env": "OMS_WEBHOOK_SECRET"},
        "pages": {"admin_token_env": "OMS_ADMIN_TOKEN"},
        "worker": {"interval_seconds": 1},
        "writeback": {"enabled": False},
        # The drills' sandbox lives from 2027 to 2047, while the connector has the real clock.
        "quarantine": {"ahead_days": 36_600, "clock_skew_seconds": 36_600 * 86_400},
        "classification": {
            "default": "oms",
            "rules": [
                {"name": "incidents", "work_type": "priority", "issue_type": ["Bug", "Incident"]},
                {"name": "urgent", "work_type": "priority", "labels": ["urgent"]},
            ],
        },
        "plans": PLANS if plans is None else plans,
    }


def write_config(
    directory: Path, jira_url: str, database_url: str, plans: list[dict[str, Any]] | None = None
) -> Path:
    """The configuration file in ``directory``; ``PLANS`` unless a drill brings its own."""
    path = directory / "config.yaml"
    path.write_text(yaml.safe_dump(config(jira_url, database_url, plans), sort_keys=False))
    return path


SECRETS = {
    "OMS_JIRA_TOKEN": JIRA_TOKEN,
    "OMS_WEBHOOK_SECRET": WEBHOOK_SECRET,
    "OMS_ADMIN_TOKEN": ADMIN_TOKEN,
}


def environment(config_path: Path) -> dict[str, str]:
    """The environment of a connector process: the secrets, and no stray ``OMS_`` overrides."""
    base = {k: v for k, v in os.environ.items() if not k.startswith("OMS_")}
    return {**base, **SECRETS, "OMS_CONFIG": str(config_path), "PYTHONUNBUFFERED": "1"}


def webhook_headers(body: bytes, identifier: str, retry: int = 0) -> dict[str, str]:
    headers = {
        "Content-Type": "application/json; charset=UTF-8",
        "X-Atlassian-Webhook-Identifier": identifier,
        "X-Hub-Signature": sign(WEBHOOK_SECRET.encode(), body),
    }
    if retry:
        headers["X-Atlassian-Webhook-Retry"] = str(retry)
    return headers


def post_webhooks(settings: Settings, sends: Iterable[tuple[Captured, int]]) -> list[int]:
    """Each (webhook, retry number) posted, signed, over HTTP to the real app served by
    ``serve``'s server; the statuses answered."""
    app = create_app(settings)
    server = HttpServer.configured(app, "127.0.0.1", 0, settings)
    serving = threading.Thread(target=server.serve_forever, daemon=True)
    serving.start()
    url = f"http://127.0.0.1:{server.port}/webhooks/jira"
    try:
        with requests.Session() as session:
            return [
                session.post(
                    url,
                    data=webhook.body,
                    headers=webhook_headers(webhook.body, webhook.identifier, retry),
                    timeout=30,
                ).status_code
                for webhook, retry in sends
            ]
    finally:
        server.shutdown()
        serving.join(10)
        app.extensions["oms_connector"].services.close()


# --- processes ---------------------------------------------------------------------------


def start(
    config_path: Path, *args: str, log: Path, command: list[str] | None = None
) -> subprocess.Popen[bytes]:
    """``oms-connector ARGS`` (or ``command``) in the background, its output in ``log``."""
    argv = command or [COMMAND, "--config", str(config_path), *args]
    with log.open("ab") as out:
        return subprocess.Popen(  # the command and its arguments are the test's own
            argv, env=environment(config_path), stdout=out, stderr=subprocess.STDOUT
        )


def run(config_path: Path, *args: str, log: Path, timeout: float = 60) -> None:
    """``oms-connector ARGS`` to completion; fails the test on a non-zero status."""
    process = start(config_path, *args, log=log)
    status = process.wait(timeout)
    assert status == 0, f"oms-connector {' '.join(args)} exited {status}:\n{log.read_text()}"


def stop(process: subprocess.Popen[bytes], timeout: float = 30) -> int:
    """SIGTERM, then wait for the step under way to finish."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
    return process.wait(timeout)


@contextmanager
def processes(*started: subprocess.Popen[bytes]) -> Iterator[None]:
    """Kill whatever is still running when the block is left (a failed drill leaves nothing)."""
    try:
        yield
    finally:
        for process in started:
            if process.poll() is None:
                process.kill()
                process.wait(10)


# --- the worker's steps, in this process -------------------------------------------------


@dataclass
class WorkerSteps:
    """The worker's own steps (``worker_steps``), run one at a time by the drill."""

    steps: dict[str, Callable[[], object]]

    def sync(self) -> None:
        self.steps["sync"]()

    def drain_inbox(self) -> int:
        """Process the inbox until nothing is due; how many events were done."""
        done = 0
        while True:
            progress = self.steps["inbox"]()
            assert isinstance(progress, Progress)
            assert not progress.parked, progress
            if not (progress.done or progress.retrying):
                return done
            done += len(progress.done)


@contextmanager
def worker(
    settings: Settings, gateway: JiraRestGateway, clock: Clock | None = None
) -> Iterator[WorkerSteps]:
    """The worker's steps on ``gateway`` and the configured store; both closed afterwards."""
    store, close_store = bootstrap.open_store(settings)
    try:
        steps = worker_steps(
            settings, gateway, store, clock or bootstrap.system_clock(), close=False
        )
        yield WorkerSteps(dict(steps))
    finally:
        gateway.close()
        close_store()


# --- the store ---------------------------------------------------------------------------


@contextmanager
def store_on(database_url: str) -> Iterator[SqlStore]:
    store = SqlStore(create_store_engine(database_url))
    try:
        yield store
    finally:
        store.close()


def inbox_counts(database_url: str) -> Mapping[InboxStatus, int]:
    with store_on(database_url) as store, store.unit_of_work() as uow:
        return uow.inbox.counts()


def wait_for_inbox(database_url: str, expected: int, timeout: float = 60) -> None:
    """Until ``expected`` events are done and none is pending; fails on a parked event."""
    deadline = time.monotonic() + timeout
    while True:
        counts = inbox_counts(database_url)
        assert counts[InboxStatus.FAILED] == 0, f"events were parked: {counts}"
        if counts[InboxStatus.DONE] == expected and counts[InboxStatus.PENDING] == 0:
            return
        assert time.monotonic() < deadline, f"the inbox is not processed: {counts}"
        time.sleep(0.2)
