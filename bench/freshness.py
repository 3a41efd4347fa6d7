"""Freshness of what tickets show: a worklog in Jira -> the budget on every ticket, the alert.

The sandbox Jira and a real ``oms-connector serve`` (SQLite, its own process) run on
this machine. One plan of 100 h a month, with an alert at every whole percent, has
``--tickets`` unresolved tickets. Each sample logs a 1 h worklog on one of them (so
sample i takes the plan to i % and fires the alert for threshold i) and measures,
from the moment Jira answered the POST, until

- the plan's budget property shows the new hours on every unresolved ticket (read
  from the sandbox's state in this process, every 20 ms), and
- the alert for that threshold reached the notification URL (a server in this process).

Two ways in: ``webhook`` (the sandbox delivers webhooks) and ``sync`` (it sends none:
only the worker's sync pass, every ``--interval`` seconds, finds the work; Jira's
worklog feed leaves out the last minute, so the pass reads the worklogs of the issues
updated in it from each issue). Budgets are written at most once per ``--refresh`` seconds
per plan (``writeback.refresh_seconds``).

Then the cost: ``--burst`` worklogs of 6 minutes on the same plan by webhook, as fast
as Jira takes them, and every call the connector made to Jira meanwhile, by route.

    .venv/bin/python bench/freshness.py [--samples 40] [--burst 1000] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import random
import secrets
import statistics
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import yaml

from oms_connector import bootstrap
from oms_connector.config import load_settings
from oms_connector.demo.connector_process import ConnectorProcess, demo_environment, free_port
from oms_connector.demo.sandbox_client import SandboxClient
from oms_connector.demo.scenario import WorkEntry
from oms_connector.sandbox.errors import ApiError
from oms_connector.sandbox.seed import parse_seed
from oms_connector.sandbox.server import SandboxServer
from oms_connector.sandbox.webhooks import DeliveryPolicy

PROJECT = "FRESH"
CONNECTOR = ("connector@example.com", "sandbox-token")
DEVELOPER = ("dev@example.com", "dev-token")
BUDGET_KEY = "oms-connector-budget"
POLL_SECONDS = 0.02
HOUR = 3600


@dataclass
class Alerts:
    """The notification URL: when each threshold's alert arrived."""

    arrived: dict[int, float] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def highest(self) -> int:
        with self.lock:
            return max(self.arrived, default=0)

    def first_at_or_above(self, threshold: int) -> float:
        """When an alert for this threshold or a higher one came (crossed together, several
        thresholds make one alert, for the highest)."""
        with self.lock:
            return min(at for t, at in self.arrived.items() if t >= threshold)

    def handler(self) -> type[BaseHTTPRequestHandler]:
        alerts = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                if body.get("event") == "budget_alert":
                    with alerts.lock:
                        alerts.arrived.setdefault(int(body["threshold"]), time.monotonic())
                self.send_response(204)
                self.end_headers()

            def log_message(self, *_args: Any) -> None:
                pass

        return Handler


@dataclass
class Site:
    sandbox: SandboxServer
    client: SandboxClient
    alerts: Alerts
    tickets: list[str]

    def log_work(self, key: str, seconds: int) -> float:
        """Log work ending now; the instant Jira answered."""
        started = datetime.now(UTC) - timedelta(seconds=seconds)
        self.client.log_work(WorkEntry(key, started, seconds, "Planned work"))
        return time.monotonic()

    def least_used(self) -> Decimal | None:
        """The fewest hours used the budget shows on the tickets; None while one has none."""
        shown = []
        for key in self.tickets:
            try:
                value = self.sandbox.state.issue_property(key, BUDGET_KEY)
            except ApiError:
                return None
            shown.append(Decimal(value["hours"]["used"]))
        return min(shown)


def config(
    jira_url: str, database: Path, notify_url: str, args: argparse.Namespace
) -> dict[str, Any]:
    today = datetime.now(UTC).date()
    return {
        "jira": {"url": jira_url, "user": CONNECTOR[0], "token_env": "BENCH_JIRA_TOKEN"},
        "database": {"url": f"sqlite:///{database}"},
        "webhook": {"secret_env": "BENCH_WEBHOOK_SECRET"},
        "pages": {"admin_token_env": "BENCH_ADMIN_TOKEN"},
        "defaults": {"timezone": "UTC"},
        "plans": [
            {
                "id": "fresh",
                "customer": "Fresh Ltd",
                "jira_projects": [PROJECT],
                "hours_per_month": 100,
                "term_months": 12,
                "enrolled_on": date(today.year, today.month, 1).isoformat(),
                "alerts": {"thresholds": list(range(1, 101))},
            }
        ],
        "classification": {"default": "oms"},
        "alerts": {"notify_url": notify_url, "comment": False},
        "writeback": {"refresh_seconds": args.refresh, "comment": False},
        "worker": {"interval_seconds": args.interval},
    }


def seed(tickets: int) -> dict[str, Any]:
    users = [
        {
            "accountId": f"557058:{email.split('@')[0]}",
            "displayName": email,
            "email": email,
            "apiToken": token,
        }
        for email, token in (CONNECTOR, DEVELOPER)
    ]
    issues = [
        {"key": f"{PROJECT}-{n}", "project": PROJECT, "summary": f"Planned work {n}"}
        for n in range(1, tickets + 1)
    ]
    return {"users": users, "projects": [{"key": PROJECT, "name": "Fresh"}], "issues": issues}


@contextmanager
def site(args: argparse.Namespace, *, webhooks: bool) -> Iterator[Site]:
    """Sandbox, notification receiver and ``oms-connector serve``, until every ticket
    shows the plan's budget."""
    alerts = Alerts()
    receiver = ThreadingHTTPServer(("127.0.0.1", 0), alerts.handler())
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    port, secret = free_port(), secrets.token_urlsafe(24)
    sandbox = SandboxServer(
        parse_seed(seed(args.tickets)),
        webhook_url=f"http://127.0.0.1:{port}/webhooks/jira" if webhooks else None,
        webhook_secret=secret,
        policy=DeliveryPolicy(retries=5, backoff_seconds=0.2),
    )
    environment = {
        "BENCH_JIRA_TOKEN": CONNECTOR[1],
        "BENCH_WEBHOOK_SECRET": secret,
        "BENCH_ADMIN_TOKEN": secrets.token_urlsafe(24),
    }
    with tempfile.TemporaryDirectory() as work, demo_environment(environment) as env, sandbox:
        path = Path(work) / "config.yaml"
        notify = f"http://127.0.0.1:{receiver.server_port}/alerts"
        path.write_text(
            yaml.safe_dump(config(sandbox.url, Path(work) / "db.sqlite3", notify, args))
        )
        _store, release = bootstrap.open_store(load_settings(path))  # creates the schema
        release()
        connector = ConnectorProcess(path, port, env, Path(work) / "serve.log")
        try:
            connector.wait_until_ready()
            client = SandboxClient(sandbox.url, *DEVELOPER)
            try:
                tickets = [f"{PROJECT}-{n}" for n in range(1, args.tickets + 1)]
                found = Site(sandbox, client, alerts, tickets)
                wait(lambda: found.least_used() == 0, 30, "the first budget")
                yield found
            finally:
                client.close()
        finally:
            connector.stop()
            receiver.shutdown()


def wait(done: Any, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not done():
        if time.monotonic() > deadline:
            raise SystemExit(f"freshness: {what} did not arrive within {seconds:.0f} s")
        time.sleep(POLL_SECONDS)


def freshness(args: argparse.Namespace, *, webhooks: bool) -> dict[str, Any]:
    """Latencies (s) of ``--samples`` worklogs of 1 h, spaced 0.5 to 3 s apart."""
    rng = random.Random(7)
    count = args.samples if webhooks else args.sync_samples
    budget: list[float] = []
    alert: list[float] = []
    with site(args, webhooks=webhooks) as s:
        logged: list[float] = []
        watcher = threading.Thread(target=watch, args=(s, logged, budget, count), daemon=True)
        watcher.start()
        for _ in range(count):
            logged.append(s.log_work(rng.choice(s.tickets), HOUR))
            time.sleep(rng.uniform(0.5, 3.0))
        watcher.join(args.interval + 120)
        if watcher.is_alive():
            raise SystemExit(f"freshness: the budget showed {len(budget)} of {count} worklogs")
        wait(lambda: s.alerts.highest() >= count, 30, "the last alert")
        alert = [s.alerts.first_at_or_above(i + 1) - logged[i] for i in range(count)]
    return {
        "samples": count,
        "budget": summary(budget),
        "alert": summary(alert),
        "both": summary([max(b, a) for b, a in zip(budget, alert, strict=True)]),
    }


def watch(s: Site, logged: list[float], latencies: list[float], count: int) -> None:
    """Record when the budget first shows each sample's hours on every ticket."""
    while len(latencies) < count:
        used = s.least_used()
        now = time.monotonic()
        hours = 0 if used is None else int(used)
        while len(latencies) < min(hours, len(logged)):
            latencies.append(now - logged[len(latencies)])
        time.sleep(POLL_SECONDS)


def summary(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    p99 = ordered[min(len(ordered) - 1, math.ceil(0.99 * len(ordered)) - 1)]
    return {"p50": statistics.median(ordered), "p99": p99, "max": ordered[-1]}


def burst(args: argparse.Namespace) -> dict[str, Any]:
    """The connector's Jira calls for ``--burst`` worklogs of 6 minutes on one plan."""
    with site(args, webhooks=True) as s:
        before = s.sandbox.calls.counts(CONNECTOR[0])
        started = time.monotonic()
        for n in range(args.burst):
            s.log_work(s.tickets[n % len(s.tickets)], 360)
        expected = Decimal(args.burst * 360) / HOUR
        wait(lambda: s.least_used() == expected, 120 + args.refresh, "the burst's budget")
        elapsed = time.monotonic() - started
        time.sleep(args.refresh + 1)  # anything still to come within the window
        calls = s.sandbox.calls.counts(CONNECTOR[0])
        calls.subtract(before)
    routes = {f"{c.method} {c.route}": n for c, n in sorted(calls.items()) if n > 0}
    kinds = {"tickets": 0, "bulk": 0, "tasks": 0, "sync": 0}
    for route, n in routes.items():
        kinds[call_kind(route)] += n
    windows = math.ceil(elapsed / args.refresh) + 1
    return {
        "worklogs": args.burst,
        "seconds": elapsed,
        "routes": routes,
        "windows": windows,
        **kinds,
    }


def call_kind(route: str) -> str:
    """``bulk``: the budget's bulk write, ``tasks``: following its task; ``sync``: the
    worker's passes (search, worklog feeds and the reads of the last minute's issues,
    fields); ``tickets``: writes about one ticket."""
    if route.endswith("/issue/properties/<key>"):
        return "bulk"
    if route.endswith("/task/<task_id>"):
        return "tasks"
    if route.startswith("GET ") and route.endswith("/issue/<id_or_key>/worklog"):
        return "sync"
    if "/issue/<id_or_key>" in route:
        return "tickets"
    return "sync"


def main() -> int:
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # the sandbox's request log
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=40, help="worklogs by webhook (<= 100)")
    parser.add_argument("--sync-samples", type=int, default=15, help="worklogs by sync only")
    parser.add_argument("--tickets", type=int, default=20)
    parser.add_argument("--burst", type=int, default=1000)
    parser.add_argument("--refresh", type=int, default=2, help="writeback.refresh_seconds")
    parser.add_argument("--interval", type=int, default=5, help="worker.interval_seconds")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args()
    figures = {
        "refresh_seconds": args.refresh,
        "interval_seconds": args.interval,
        "tickets": args.tickets,
        "webhook": freshness(args, webhooks=True),
        "sync": freshness(args, webhooks=False),
        "burst": burst(args),
    }
    print(json.dumps(figures, indent=2))
    if args.json:
        args.json.write_text(json.dumps(figures))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
