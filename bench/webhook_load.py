"""Load on the webhook under gunicorn (2 workers): SQLite, PostgreSQL, and a bare Flask route.

Three ``gunicorn -w 2`` servers run side by side, with the same worker class (``gevent``,
as in production, or ``gthread``): the bare route (reads the body, answers 204), the
webhook app on SQLite, and on PostgreSQL. Each gets the same load: signed
``worklog_created`` bodies, each with a delivery id of its own.

- throughput: ``--rounds`` rounds of ``--burst-seconds``; in each round every level of
  ``--clients`` (keep-alive connections, as fast as they go) is run against every target
  in turn, so whatever else the machine is doing falls on every target alike. The median
  round of each level is shown, with every round's figure beside it; a target's
  throughput is its best median over the levels. That matters for the webhook: a
  delivery is answered once its commit is durable, and one commit covers every delivery
  waiting, so its throughput rises with concurrent deliveries until the CPU is busy;
  the bare route, which only answers, gains little from more connections. The ratio at
  each level is printed too. The load comes from ``wrk`` (C, one event-loop thread by
  default) replaying requests signed beforehand (``bench/wrk/signed_posts.lua``): a
  Python generator would share the GIL and the two cores with the server, cap the bare
  route first and flatter the ratio. Without ``wrk`` on the PATH (Debian: ``apt-get
  install wrk``), or with ``--generator python``, this process's threads make the load
  instead (the output says so).
- paced: ``--rate`` requests per second for ``--seconds``, for the latency at that rate.
  Python threads on one shared schedule (request k is due at k / rate; the clients take
  turns, so requests are spread evenly, not sent in bursts); a latency is counted from
  when the request was due, so a late send counts against the server instead of
  vanishing (no coordinated omission). Debian's wrk has no fixed-rate mode.

Fairness: same gunicorn settings, load generator, levels and phases for every target,
after one-second warm-ups at the lowest and the highest level. Nothing is pinned unless
asked: ``--pin-server`` and ``--pin-load`` take ``taskset`` CPU lists (for instance ``0``
and ``1``) for gunicorn and for the load generator; PostgreSQL, a shared server, stays
where the system puts it.

Prints requests per second and p50/p99 latency for each target and level, the ratio of
each webhook's throughput to the bare route's, and the load average before and after.
Usage:

    .venv/bin/python bench/webhook_load.py [--rounds 5] [--burst-seconds 5]
        [--clients 16 64] [--worker-class gevent|gthread] [--threads 8]
        [--seconds 10] [--rate 200] [--generator auto|wrk|python]
        [--pin-server CPUS] [--pin-load CPUS] [--json FIGURES.json]
        [--postgres postgresql+psycopg://postgres@127.0.0.1:5432/test]
"""

from __future__ import annotations

import argparse
import http.client
import itertools
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask import Flask, Response, request
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from oms_connector.adapters.sql.engine import create_store_engine, upgrade
from webhook_app.signature import sign

ROOT = Path(__file__).resolve().parent.parent
SECRET = "bench-webhook-secret"
GUNICORN = str(Path(sys.executable).parent / "gunicorn")
WRK_SCRIPT = ROOT / "bench" / "wrk" / "signed_posts.lua"
PATH = "/webhooks/jira"
SIGNED_PER_SECOND = 12_000
"""Requests signed beforehand per second of a wrk phase: above what any target here answers."""
WORKER_CONNECTIONS = 1000
"""gunicorn's default for the gevent worker: connections one worker serves at once."""


def bare_app() -> Flask:
    """The floor: a Flask route that reads the body and answers 204, nothing else."""
    app = Flask("bare")

    @app.post(PATH)
    def receive() -> Response:
        request.get_data()
        return Response(status=204)

    @app.get("/healthz")
    def healthz() -> Response:
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


class Deliveries:
    """Signed worklog events, each with a delivery id no other request of the run has."""

    def __init__(self) -> None:
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self._run = uuid.uuid4().hex[:8]

    def next(self) -> tuple[str, bytes, str]:
        """A delivery id, a body and its ``X-Hub-Signature``."""
        with self._lock:
            n = next(self._ids)
        body = worklog_body(n)
        return f"bench-{self._run}-{n}", body, sign(SECRET.encode(), body)

    def headers(self) -> tuple[bytes, dict[str, str]]:
        delivery_id, body, signature = self.next()
        return body, {
            "Content-Type": "application/json",
            "X-Hub-Signature": signature,
            "X-Atlassian-Webhook-Identifier": delivery_id,
        }

    def write(self, path: Path, count: int) -> None:
        """``count`` requests for ``bench/wrk/signed_posts.lua``: id, signature, body a line."""
        with path.open("w") as out:
            for _ in range(count):
                delivery_id, body, signature = self.next()
                out.write(f"{delivery_id}\t{signature}\t{body.decode()}\n")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def pinned(command: list[str], cpus: str | None) -> list[str]:
    return ["taskset", "-c", cpus, *command] if cpus else command


def worker_options(args: argparse.Namespace) -> list[str]:
    """The worker class and its concurrency, the same for every target."""
    if args.worker_class == "gevent":
        return ["-k", "gevent", "--worker-connections", str(WORKER_CONNECTIONS)]
    return ["-k", "gthread", "--threads", str(args.threads)]


@contextmanager
def gunicorn(
    target: str, env: dict[str, str], chdir: Path, workers: list[str], cpus: str | None
) -> Iterator[int]:
    port = free_port()
    command = [
        GUNICORN, "-w", "2", *workers, "-b", f"127.0.0.1:{port}",
        "--keep-alive", "30", "--log-level", "warning", "--chdir", str(chdir), target,
    ]  # fmt: skip
    process = subprocess.Popen(pinned(command, cpus), env={**os.environ, **env})
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
    p50_ms: float
    p99_ms: float
    errors: int
    note: str = ""

    @property
    def rate(self) -> float:
        return self.requests / self.seconds


def from_latencies(latencies: list[float], seconds: float, errors: int) -> Result:
    if len(latencies) < 2:
        return Result(len(latencies), seconds, float("nan"), float("nan"), errors)
    cuts = statistics.quantiles(latencies, n=100, method="inclusive")
    return Result(len(latencies), seconds, cuts[49] * 1000, cuts[98] * 1000, errors)


class PythonLoad:
    """This process's threads, one keep-alive ``http.client`` connection each."""

    def __init__(self, port: int, deliveries: Deliveries) -> None:
        self._port = port
        self._deliveries = deliveries

    def _post(self, connection: http.client.HTTPConnection) -> tuple[bool, bool]:
        """Send one request; whether it got a 204, and whether the connection still works."""
        body, headers = self._deliveries.headers()
        try:
            connection.request("POST", PATH, body=body, headers=headers)
            response = connection.getresponse()
            response.read()
        except (OSError, http.client.HTTPException):
            connection.close()
            return False, False
        return response.status == 204, True

    def _connect(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection("127.0.0.1", self._port, timeout=30)

    def _flat_out(self, stop_at: float, out: list[float], errors: list[int]) -> None:
        connection = self._connect()
        while time.perf_counter() < stop_at:
            started = time.perf_counter()
            ok, alive = self._post(connection)
            out.append(time.perf_counter() - started)
            if not ok:
                errors.append(1)
            if not alive:
                connection = self._connect()
        connection.close()

    def _on_schedule(
        self, slots: Iterator[int], start: float, rate: float, stop_at: float,
        out: list[float], errors: list[int],
    ) -> None:  # fmt: skip
        connection = self._connect()
        for slot in slots:
            due = start + slot / rate
            if due >= stop_at:
                break
            pause = due - time.perf_counter()
            if pause > 0:
                time.sleep(pause)
            ok, alive = self._post(connection)
            out.append(time.perf_counter() - due)
            if not ok:
                errors.append(1)
            if not alive:
                connection = self._connect()
        connection.close()

    def run(self, seconds: float, clients: int, rate: float | None = None) -> Result:
        """Flat out with ``clients`` connections, or ``rate`` requests a second shared by them."""
        latencies: list[list[float]] = [[] for _ in range(clients)]
        errors: list[int] = []
        start = time.perf_counter()
        stop_at = start + seconds
        threads = []
        for i in range(clients):
            if rate is None:
                args: tuple[object, ...] = (stop_at, latencies[i], errors)
                threads.append(threading.Thread(target=self._flat_out, args=args))
            else:
                slots = itertools.count(i, clients)
                args = (slots, start, rate, stop_at, latencies[i], errors)
                threads.append(threading.Thread(target=self._on_schedule, args=args))
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - start
        flat = [x for part in latencies for x in part]
        return from_latencies(flat, elapsed, len(errors))


def wrk_throughput(
    port: int, deliveries: Deliveries, args: argparse.Namespace, directory: Path, clients: int
) -> Result:
    requests_file = directory / f"signed-{uuid.uuid4().hex[:8]}.tsv"
    deliveries.write(requests_file, int(args.burst_seconds * SIGNED_PER_SECOND))
    command = [
        "wrk", "-t", str(args.wrk_threads), "-c", str(clients),
        "-d", f"{args.burst_seconds:g}s", "--timeout", "30s", "-s", str(WRK_SCRIPT),
        f"http://127.0.0.1:{port}{PATH}",
        "--", str(requests_file), str(args.wrk_threads),
    ]  # fmt: skip
    try:
        done = subprocess.run(
            pinned(command, args.pin_load), capture_output=True, text=True, check=True
        )
    finally:
        requests_file.unlink()
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    note = f"{figures['wrapped']} wraps: repeated deliveries" if figures["wrapped"] else ""
    return Result(
        figures["requests"],
        figures["duration_us"] / 1e6,
        figures["p50_us"] / 1000,
        figures["p99_us"] / 1000,
        figures["errors"],
        note,
    )


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


@dataclass
class Target:
    name: str
    port: int
    deliveries: Deliveries
    bursts: dict[int, list[Result]] = field(default_factory=dict)
    """Each round's throughput, by number of connections."""

    def throughput(self, args: argparse.Namespace, directory: Path, clients: int) -> Result:
        if args.generator == "wrk":
            return wrk_throughput(self.port, self.deliveries, args, directory, clients)
        return PythonLoad(self.port, self.deliveries).run(args.burst_seconds, clients)

    def median_burst(self, clients: int) -> Result:
        bursts = self.bursts[clients]
        return sorted(bursts, key=lambda burst: burst.rate)[len(bursts) // 2]

    def best(self) -> tuple[int, Result]:
        """The level with the highest median throughput, and its median round."""
        medians = [(clients, self.median_burst(clients)) for clients in self.bursts]
        return max(medians, key=lambda level: level[1].rate)


def measure(targets: list[Target], args: argparse.Namespace, directory: Path) -> list[Result]:
    """Throughput rounds taking the levels and targets in turn, then each paced phase.

    Taking turns spreads what else the machine is doing over every target alike.
    """
    for target in targets:  # warm-up: connections, pools, prepared statements
        for clients in (min(args.clients), max(args.clients)):
            PythonLoad(target.port, target.deliveries).run(1.0, clients)
    for _ in range(args.rounds):
        for clients in args.clients:
            for target in targets:
                burst = target.throughput(args, directory, clients)
                target.bursts.setdefault(clients, []).append(burst)
    return [
        PythonLoad(target.port, target.deliveries).run(
            args.seconds, args.paced_clients, rate=args.rate
        )
        for target in targets
    ]


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f}"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="paced phase length")
    parser.add_argument(
        "--burst-seconds", type=float, help="throughput round length (5, or --seconds if shorter)"
    )
    parser.add_argument("--rounds", type=int, default=5, help="throughput rounds per target")
    parser.add_argument(
        "--clients",
        type=int,
        nargs="+",
        default=[16, 64],
        help="throughput levels: keep-alive connections",
    )
    parser.add_argument("--paced-clients", type=int, default=20)
    parser.add_argument("--rate", type=float, default=200.0)
    parser.add_argument("--worker-class", choices=["gevent", "gthread"], default="gevent")
    parser.add_argument(
        "--threads", type=int, default=8, help="gunicorn threads per worker (gthread)"
    )
    parser.add_argument("--generator", choices=["auto", "wrk", "python"], default="auto")
    parser.add_argument("--wrk-threads", type=int, default=1)
    parser.add_argument("--pin-server", metavar="CPUS", help="taskset CPU list for gunicorn")
    parser.add_argument("--pin-load", metavar="CPUS", help="taskset CPU list for the load")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument(
        "--postgres",
        default=os.environ.get(
            "OMS_TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
        ),
    )
    args = parser.parse_args()
    if args.burst_seconds is None:
        args.burst_seconds = min(5.0, args.seconds)
    if min(args.clients) < 1:
        parser.error("--clients: every level must be at least 1 connection")
    args.clients = sorted(set(args.clients))
    has_wrk = shutil.which("wrk") is not None
    if args.generator == "wrk" and not has_wrk:
        parser.error("wrk is not on the PATH (Debian: apt-get install wrk)")
    if args.generator == "auto":
        args.generator = "wrk" if has_wrk else "python"
        if not has_wrk:
            note = "wrk is not on the PATH (Debian: apt-get install wrk): Python threads make"
            print(f"{note} the throughput load, which may cap the bare route", file=sys.stderr)
    return args


def main() -> int:
    args = parse_args()
    if args.pin_load:
        cpus = {int(cpu) for part in args.pin_load.split(",") for cpu in _cpu_range(part)}
        os.sched_setaffinity(0, cpus)  # this thread, and the load threads it starts
    before = load_average()
    with tempfile.TemporaryDirectory() as tmp, ExitStack() as servers:
        directory = Path(tmp)
        env = {"OMS_BENCH_WEBHOOK_SECRET": SECRET}
        server_cpus = args.pin_server or _all_cpus()
        workers = worker_options(args)
        bare = servers.enter_context(
            gunicorn("webhook_load:bare_app()", env, ROOT / "bench", workers, server_cpus)
        )
        targets = [Target("bare Flask 204", bare, Deliveries())]
        sqlite_url = f"sqlite:///{directory / 'bench.sqlite3'}"
        pg_url = servers.enter_context(postgres_schema(args.postgres))
        for name, url in [("webhook, SQLite", sqlite_url), ("webhook, PostgreSQL", pg_url)]:
            migrate(url)
            config = directory / f"{uuid.uuid4().hex}.yaml"
            config.write_text(CONFIG.format(url=url))
            env_app = {**env, "OMS_CONFIG": str(config)}
            port = servers.enter_context(
                gunicorn("webhook_app.wsgi:app", env_app, ROOT, workers, server_cpus)
            )
            targets.append(Target(name, port, Deliveries()))
        paced = measure(targets, args, directory)
    after = load_average()
    print_table(targets, paced, args, before, after)
    if args.json:
        args.json.write_text(json.dumps(figures(targets, paced, args, before, after), indent=2))
    return 0


KEYS = {"bare Flask 204": "bare", "webhook, SQLite": "sqlite", "webhook, PostgreSQL": "postgresql"}


def figures(
    targets: list[Target], paced: list[Result], args: argparse.Namespace, before: str, after: str
) -> dict[str, Any]:
    """What ``bench/report.py`` reads: each target's best level, every level, the paced phase."""
    measured = {}
    for target, steady in zip(targets, paced, strict=True):
        clients, burst = target.best()
        measured[KEYS[target.name]] = {
            "rps": burst.rate,
            "p50_ms": burst.p50_ms,
            "p99_ms": burst.p99_ms,
            "errors": burst.errors,
            "clients": clients,
            "levels": {
                str(level): {
                    "rps": target.median_burst(level).rate,
                    "rounds_rps": [round_.rate for round_ in target.bursts[level]],
                }
                for level in args.clients
            },
            "paced_rps": steady.rate,
            "paced_p50_ms": steady.p50_ms,
            "paced_p99_ms": steady.p99_ms,
            "paced_errors": steady.errors,
        }
    return {
        "rate": args.rate,
        "generator": args.generator,
        "worker_class": args.worker_class,
        "load_average_before": before,
        "load_average_after": after,
        "targets": measured,
    }


def _cpu_range(part: str) -> range:
    first, _, last = part.partition("-")
    return range(int(first), int(last or first) + 1)


def _all_cpus() -> str:
    """The CPUs this process could use before any pinning, as a taskset list."""
    return ",".join(str(cpu) for cpu in sorted(ORIGINAL_CPUS))


ORIGINAL_CPUS = os.sched_getaffinity(0)


def print_table(
    targets: list[Target],
    paced: list[Result],
    args: argparse.Namespace,
    before: str,
    after: str,
) -> None:
    generator = (
        f"wrk -t{args.wrk_threads}, signed beforehand"
        if args.generator == "wrk"
        else "Python threads"
    )
    levels = ", ".join(str(clients) for clients in args.clients)
    print(
        f"\ngunicorn -w 2 {' '.join(worker_options(args))}, all three up at once; "
        f"gunicorn on CPUs {args.pin_server or 'any'}, load on CPUs {args.pin_load or 'any'}\n"
        f"throughput: {args.rounds} rounds of {args.burst_seconds:g} s per target and level "
        f"({levels} keep-alive connections), taking turns, from {generator}; "
        "median round shown\n"
        f"paced: {args.seconds:g} s at {args.rate:g} req/s from {args.paced_clients} Python "
        "clients, latency counted from the scheduled send"
    )
    print(f"load average (1, 5, 15 min): {before} before, {after} after")
    header = (
        f"{'target':<22}{'conns':>6}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'err':>6}"
        "   req/s by round"
    )
    print(header)
    print("-" * len(header))
    for target in targets:
        for clients in args.clients:
            burst = target.median_burst(clients)
            bursts = target.bursts[clients]
            rounds = " ".join(f"{round_.rate:.0f}" for round_ in bursts)
            notes = "; ".join(round_.note for round_ in bursts if round_.note)
            print(
                f"{target.name:<22}{clients:>6}{burst.rate:>9.0f}{burst.p50_ms:>9.1f}"
                f"{burst.p99_ms:>9.1f}{burst.errors:>6}   {rounds}"
                + (f" ({notes})" if notes else "")
            )
    print(f"\n{'paced':<22}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'err':>6}")
    for target, steady in zip(targets, paced, strict=True):
        print(
            f"{target.name:<22}{steady.rate:>9.0f}{steady.p50_ms:>9.1f}"
            f"{steady.p99_ms:>9.1f}{steady.errors:>6}"
        )
    bare_clients, bare = targets[0].best()
    for target, steady in zip(targets[1:], paced[1:], strict=True):
        clients, best = target.best()
        by_level = ", ".join(
            f"{target.median_burst(level).rate / targets[0].median_burst(level).rate:.0%}"
            f" at {level}"
            for level in args.clients
        )
        print(
            f"{target.name}: {best.rate:.0f} req/s at {clients} connections, "
            f"{best.rate / bare.rate:.0%} of the bare route's {bare.rate:.0f} "
            f"(at {bare_clients}; level by level {by_level}); "
            f"p99 at {args.rate:g} req/s {steady.p99_ms:.1f} ms"
        )


if __name__ == "__main__":
    raise SystemExit(main())
