"""Load on the webhook under gunicorn (2 workers): SQLite, PostgreSQL, and a bare Flask route.

Each target is served by ``gunicorn -w 2 -k gthread`` in turn; the load generator is
this process (threads, each with one keep-alive ``http.client`` connection) posting
signed ``worklog_created`` bodies with unique delivery ids. Two phases per target:

- throughput: ``--clients`` connections as fast as they can for ``--seconds``;
- paced: ``--rate`` requests per second for ``--seconds``, for the latency at that rate.

Prints requests per second and p50/p99 latency for each target, and the ratio of the
PostgreSQL throughput to the bare route's. Usage:

    .venv/bin/python bench/webhook_load.py [--seconds 10] [--clients 8] [--rate 200]
        [--postgres postgresql+psycopg://postgres@127.0.0.1:5432/test]
"""

from __future__ import annotations

import argparse
import http.client
import itertools
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from flask import Flask, Response, request
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from oms_connector.adapters.sql.engine import create_store_engine, upgrade
from webhook_app.signature import sign

ROOT = Path(__file__).resolve().parent.parent
SECRET = "bench-secret"
GUNICORN = str(Path(sys.executable).parent / "gunicorn")


def bare_app() -> Flask:
    """The floor: a Flask route that reads the body and answers 204, nothing else."""
    app = Flask("bare")

    @app.post("/webhooks/jira")
    def receive() -> Response:
        request.get_data()
        return Response(status=204)

    return app


CONFIG = """\
jira: {{url: "https://example.atlassian.net", user: bench@example.com}}
database: {{url: "{url}"}}
webhook: {{secret_env: OMS_BENCH_WEBHOOK_SECRET}}
plans:
  - {{id: bench, customer: Bench, jira_projects: [BENCH], hours_per_month: 10,
     term_months: 3, enrolled_on: 2026-01-31}}
"""


def worklog_body(n: int) -> bytes:
    return json.dumps(
        {
            "timestamp": 1790102915652,
            "webhookEvent": "worklog_created",
            "worklog": {
                "self": f"https://bench.atlassian.net/rest/api/2/issue/10014/worklog/{n}",
                "author": {"accountId": "bench-user", "displayName": "Bench"},
                "comment": "",
                "created": "2026-09-23T00:18:35.652+0530",
                "updated": "2026-09-23T00:18:35.652+0530",
                "started": "2026-09-21T08:16:58.108+0530",
                "timeSpent": "1h",
                "timeSpentSeconds": 3600,
                "id": str(n),
                "issueId": "10014",
            },
        }
    ).encode()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def gunicorn(target: str, env: dict[str, str], chdir: Path, threads: int) -> Iterator[int]:
    port = free_port()
    command = [
        GUNICORN, "-w", "2", "-k", "gthread", "--threads", str(threads), "-b", f"127.0.0.1:{port}",
        "--keep-alive", "30", "--log-level", "warning", "--chdir", str(chdir), target,
    ]  # fmt: skip
    process = subprocess.Popen(command, env={**os.environ, **env})
    try:
        wait_until_listening(port, process)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=30)


def wait_until_listening(port: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn exited with status {process.returncode}")
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
        try:
            connection.request("GET", "/healthz")
            connection.getresponse().read()
        except OSError:
            time.sleep(0.2)
        else:
            return
        finally:
            connection.close()
    raise SystemExit("gunicorn did not start listening")


@dataclass
class Result:
    requests: int
    seconds: float
    latencies: list[float]
    errors: int

    @property
    def rate(self) -> float:
        return self.requests / self.seconds

    def percentile(self, p: float) -> float:
        if len(self.latencies) < 2:
            return float("nan")
        return statistics.quantiles(self.latencies, n=100, method="inclusive")[int(p) - 1] * 1000


class Load:
    """Signed worklog events with unique ids; one keep-alive connection per thread."""

    def __init__(self, port: int) -> None:
        self._port = port
        self._ids = itertools.count(int(time.time() * 1000) % 10**9 * 1000)
        self._lock = threading.Lock()

    def _next(self) -> tuple[bytes, dict[str, str]]:
        with self._lock:
            n = next(self._ids)
        body = worklog_body(n)
        headers = {
            "Content-Type": "application/json",
            "X-Hub-Signature": sign(SECRET.encode(), body),
            "X-Atlassian-Webhook-Identifier": f"bench-{n}",
        }
        return body, headers

    def _client(
        self, stop_at: float, interval: float | None, out: list[float], errors: list[int]
    ) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", self._port, timeout=30)
        next_send = time.monotonic()
        while True:
            if interval is not None:
                next_send += interval
                pause = next_send - time.monotonic()
                if pause > 0:
                    time.sleep(pause)
            if time.monotonic() >= stop_at:
                break
            body, headers = self._next()
            started = time.perf_counter()
            try:
                connection.request("POST", "/webhooks/jira", body=body, headers=headers)
                response = connection.getresponse()
                response.read()
                ok = response.status == 204
            except (OSError, http.client.HTTPException):
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", self._port, timeout=30)
                ok = False
            out.append(time.perf_counter() - started)
            if not ok:
                errors.append(1)
        connection.close()

    def run(self, seconds: float, clients: int, rate: float | None = None) -> Result:
        interval = clients / rate if rate else None
        latencies: list[list[float]] = [[] for _ in range(clients)]
        errors: list[int] = []
        started = time.monotonic()
        stop_at = started + seconds
        threads = [
            threading.Thread(target=self._client, args=(stop_at, interval, latencies[i], errors))
            for i in range(clients)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.monotonic() - started
        flat = [x for part in latencies for x in part]
        return Result(len(flat), elapsed, flat, len(errors))


@contextmanager
def postgres_schema(base_url: str) -> Iterator[str]:
    schema = f"bench_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base_url)
    try:
        with admin.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        url = make_url(base_url).update_query_dict({"options": f"-csearch_path={schema}"})
        yield url.render_as_string(hide_password=False)
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    finally:
        admin.dispose()


def migrate(url: str) -> None:
    engine = create_store_engine(url)
    try:
        upgrade(engine)
    finally:
        engine.dispose()


def measure(name: str, port: int, args: argparse.Namespace) -> tuple[str, Result, Result]:
    load = Load(port)
    load.run(1.0, args.clients)  # warm-up: connections, pools, first queries
    burst = load.run(args.seconds, args.clients)
    paced = load.run(args.seconds, args.paced_clients, rate=args.rate)
    return name, burst, paced


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--paced-clients", type=int, default=20)
    parser.add_argument("--rate", type=float, default=200.0)
    parser.add_argument("--threads", type=int, default=8, help="gunicorn threads per worker")
    parser.add_argument(
        "--postgres",
        default=os.environ.get(
            "OMS_TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
        ),
    )
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        env = {"OMS_BENCH_WEBHOOK_SECRET": SECRET}
        with gunicorn("webhook_load:bare_app()", env, ROOT / "bench", args.threads) as port:
            rows.append(measure("bare Flask 204", port, args))
        sqlite_url = f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
        migrate(sqlite_url)
        targets = [("webhook, SQLite", sqlite_url)]
        with postgres_schema(args.postgres) as pg_url:
            migrate(pg_url)
            targets.append(("webhook, PostgreSQL", pg_url))
            for name, url in targets:
                config = Path(tmp) / f"{uuid.uuid4().hex}.yaml"
                config.write_text(CONFIG.format(url=url))
                env_app = {**env, "OMS_CONFIG": str(config)}
                with gunicorn("webhook_app.wsgi:app", env_app, ROOT, args.threads) as port:
                    rows.append(measure(name, port, args))
    print_table(rows, args)
    return 0


def print_table(rows: list[tuple[str, Result, Result]], args: argparse.Namespace) -> None:
    print(
        f"\ngunicorn -w 2 -k gthread --threads {args.threads}; {args.seconds:g} s per phase; "
        f"throughput with {args.clients} keep-alive clients; paced at {args.rate:g} req/s"
    )
    header = (
        f"{'target':<22}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'err':>6}"
        f"{'paced req/s':>13}{'p50 ms':>9}{'p99 ms':>9}{'err':>6}"
    )
    print(header)
    print("-" * len(header))
    for name, burst, paced in rows:
        print(
            f"{name:<22}{burst.rate:>9.0f}{burst.percentile(50):>9.1f}{burst.percentile(99):>9.1f}"
            f"{burst.errors:>6}{paced.rate:>13.0f}{paced.percentile(50):>9.1f}"
            f"{paced.percentile(99):>9.1f}{paced.errors:>6}"
        )
    bare = rows[0][1].rate
    for name, burst, paced in rows[1:]:
        print(
            f"{name}: {burst.rate / bare:.0%} of the bare route's throughput; "
            f"p99 at {args.rate:g} req/s {paced.percentile(99):.1f} ms"
        )


if __name__ == "__main__":
    raise SystemExit(main())
