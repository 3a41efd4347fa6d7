"""HTTP calls of one sync pass, against a local server playing Jira Cloud, beside the naive count.

N changed worklogs spread over M issues of one mapped project are synced into a fresh
SQLite store by the real gateway and sync service. The server counts every request.
The naive approach searches the issues and then asks each one for its worklogs
(``GET issue/{key}/worklog``): ceil(M/100) + M calls. The target for ours is
2*ceil(N/1000) + ceil(M/100) + 4 calls.

    .venv/bin/python bench/sync_calls.py --n 10000 --m 2000
"""

from __future__ import annotations

import argparse
import json
import math
import resource
import tempfile
import threading
import time
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

from oms_connector.adapters.jira_gateway import JiraConnection, JiraRestGateway
from oms_connector.adapters.sql.engine import create_store_engine, upgrade
from oms_connector.adapters.sql.store import SqlStore
from oms_connector.bootstrap import SystemClock
from oms_connector.domain.classification import Classifier
from oms_connector.domain.plans import single_term
from oms_connector.services.ingest import Ingest
from oms_connector.services.sync import SyncService

PROJECT = "BENCH"
START = datetime(2026, 2, 1, tzinfo=UTC)
PAGE = 1000
SEARCH_PAGE = 100


def jira_time(instant: datetime) -> str:
    return instant.strftime("%Y-%m-%dT%H:%M:%S.000+0000")


class FakeJira:
    """The data behind the server: N worklogs over M issues, changed after START."""

    def __init__(self, n: int, m: int) -> None:
        self.issues = [
            {
                "id": str(10000 + i),
                "key": f"{PROJECT}-{i + 1}",
                "fields": {
                    "project": {"key": PROJECT},
                    "summary": f"Ticket {i + 1}",
                    "description": None,
                    "issuetype": {"name": "Task"},
                    "priority": {"name": "Medium"},
                    "labels": [],
                    "components": [],
                    "updated": jira_time(START + timedelta(seconds=i)),
                },
            }
            for i in range(m)
        ]
        self.changed_ms = [
            int((START + timedelta(minutes=1, milliseconds=10 * w)).timestamp() * 1000)
            for w in range(n)
        ]
        self.worklogs = {
            100000 + w: {
                "id": str(100000 + w),
                "issueId": str(10000 + w % m),
                "author": {"accountId": "agent"},
                "started": jira_time(START),
                "timeSpentSeconds": 900,
                "updated": jira_time(START + timedelta(milliseconds=self.changed_ms[w] % 1000)),
            }
            for w in range(n)
        }
        self.calls: Counter[str] = Counter()
        self.lock = threading.Lock()

    def changed(self, base: str, since: int) -> dict[str, Any]:
        ids = list(self.worklogs)
        first = next((i for i, ms in enumerate(self.changed_ms) if ms >= since), len(ids))
        window = range(first, min(first + PAGE, len(ids)))
        values = [{"worklogId": ids[i], "updatedTime": self.changed_ms[i]} for i in window]
        until = self.changed_ms[window[-1]] if values else since
        last = window.stop >= len(ids)
        page: dict[str, Any] = {"values": values, "since": since, "until": until, "lastPage": last}
        if not last:
            page["nextPage"] = f"{base}/rest/api/3/worklog/updated?since={until + 1}"
        return page

    def search(self, body: dict[str, Any]) -> dict[str, Any]:
        start = int(body.get("nextPageToken") or 0)
        size = min(int(body.get("maxResults", 50)), SEARCH_PAGE)
        page: dict[str, Any] = {"issues": self.issues[start : start + size]}
        if start + size < len(self.issues):
            page["nextPageToken"] = str(start + size)
        return page


def handler_for(jira: FakeJira) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *_: Any) -> None:
            return None

        def do_GET(self) -> None:
            url = urlsplit(self.path)
            query = {k: v[0] for k, v in parse_qs(url.query).items()}
            base = f"http://{self.headers['Host']}"
            if url.path == "/rest/api/3/myself":
                self.answer(url.path, {"accountId": "bot", "timeZone": "UTC"})
            elif url.path == "/rest/api/3/worklog/updated":
                self.answer(url.path, jira.changed(base, int(query.get("since", 0))))
            elif url.path == "/rest/api/3/worklog/deleted":
                since = int(query.get("since", 0))
                self.answer(url.path, {"values": [], "since": since, "lastPage": True})
            else:
                self.answer(url.path, {"errorMessages": ["not here"]}, 404)

        def do_POST(self) -> None:
            url = urlsplit(self.path)
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            if url.path == "/rest/api/3/search/jql":
                self.answer(url.path, jira.search(body))
            elif url.path == "/rest/api/3/worklog/list":
                found = [jira.worklogs[i] for i in body["ids"] if i in jira.worklogs]
                self.answer(url.path, found)
            elif url.path == "/rest/api/3/issue/bulkfetch":
                wanted = set(body["issueIdsOrKeys"])
                self.answer(url.path, {"issues": [i for i in jira.issues if i["id"] in wanted]})
            else:
                self.answer(url.path, {"errorMessages": ["not here"]}, 404)

        def answer(self, path: str, payload: object, status: int = 200) -> None:
            with jira.lock:
                jira.calls[f"{self.command} {path}"] += 1
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    return Handler


def run(n: int, m: int) -> dict[str, float]:
    jira = FakeJira(n, m)
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler_for(jira))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    plan = single_term(
        id="bench",
        customer="Bench",
        hours_per_month=Decimal(10),
        term_months=3,
        enrolled_on=date(2026, 1, 31),
        timezone=ZoneInfo("UTC"),
        jira_projects=(PROJECT,),
    )
    clock = SystemClock()
    with tempfile.TemporaryDirectory() as directory:
        engine = create_store_engine(f"sqlite:///{Path(directory) / 'bench.sqlite3'}")
        upgrade(engine)
        store = SqlStore(engine)
        gateway = JiraRestGateway(JiraConnection(url, "bench@example.com", "token"))
        sync = SyncService(
            gateway, store, Ingest([plan], Classifier(), clock), clock, [PROJECT], start=START
        )
        began = time.perf_counter()
        report = sync.run_once()
        elapsed = time.perf_counter() - began
        gateway.close()
        store.close()
    server.shutdown()
    server.server_close()

    made = sum(jira.calls.values())
    target = 2 * math.ceil(n / 1000) + math.ceil(m / 100) + 4
    naive = math.ceil(m / 100) + m
    verdict = "met" if made <= target else "MISSED"
    print(f"N = {n:,} changed worklogs over M = {m:,} issues")
    for name, count in sorted(jira.calls.items()):
        print(f"  {name:<32} {count:>6}")
    print(f"HTTP calls, this sync   {made:>8,}   target <= {target:,} ({verdict})")
    print(f"HTTP calls, naive       {naive:>8,}   ceil(M/100) searches + M issue/{{key}}/worklog")
    print(f"naive / this sync       {naive / made:>8.1f}x")
    print(f"stored                  {report.worklogs_stored:>8,}   worklogs")
    print(
        f"elapsed                 {elapsed:>8.2f}   s, {n / elapsed:,.0f} worklogs/s (SQLite file)"
    )
    return {
        "n": n,
        "m": m,
        "calls": made,
        "target_calls": target,
        "naive_calls": naive,
        "worklogs_per_s": round(n / elapsed),
        "peak_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000, help="changed worklogs")
    parser.add_argument("--m", type=int, default=2_000, help="issues they are spread over")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args()
    if args.n < 1 or args.m < 1:
        parser.error("--n and --m must be at least 1")
    figures = run(args.n, args.m)
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n")


if __name__ == "__main__":
    main()
