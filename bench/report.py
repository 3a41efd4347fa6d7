"""Run every benchmark and print their figures as one table (``make bench``).

    .venv/bin/python bench/report.py [--quick] [--write bench/RESULTS.md]

Each benchmark runs in its own process and hands its figures back as JSON. ``--quick``
runs smaller sizes (for a look, not for the record); ``--write`` also records the
table, with the date, the commit and the machine's load, in a Markdown file.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent

Row = tuple[str, str, str, str]


def run(script: str, args: Sequence[str]) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as directory:
        output = Path(directory) / "figures.json"
        command = [sys.executable, str(BENCH / script), *args, "--json", str(output)]
        print(f"$ {' '.join(command[1:])}", flush=True)
        subprocess.run(command, cwd=ROOT, check=True)
        figures: dict[str, Any] = json.loads(output.read_text())
        return figures


def close_rows(quick: bool) -> list[Row]:
    args = ["--plans", "100", "--worklogs", "100000", "--db", "bench/out/close-quick.sqlite3"]
    f = run("close.py", args if quick else [])
    verdict = "met" if f["ratio"] <= 3 and f["peak_mb"] < 500 else "MISSED"
    return [
        (
            f"close: {f['plans']:,} plans, {f['worklogs']:,} worklogs",
            f"{f['close_s']:.2f} s ({f['worklogs_per_s']:,.0f} worklogs/s)",
            f"SQL GROUP BY {f['floor_s']:.2f} s: {f['ratio']:.2f}x "
            f"(medians of {f['rounds']} rounds), peak {f['peak_mb']:.0f} MB",
            f"<= 3x, < 500 MB: {verdict}",
        )
    ]


def sync_rows(quick: bool) -> list[Row]:
    f = run("sync_calls.py", ["--n", "2000", "--m", "400"] if quick else [])
    verdict = "met" if f["calls"] <= f["target_calls"] else "MISSED"
    return [
        (
            f"sync: N={f['n']:,} worklogs over M={f['m']:,} issues",
            f"{f['calls']} HTTP calls ({f['worklogs_per_s']:,} worklogs/s)",
            f"naive {f['naive_calls']:,} calls: {f['naive_calls'] / f['calls']:.0f}x fewer",
            f"<= {f['target_calls']} calls: {verdict}",
        )
    ]


def webhook_rows(quick: bool) -> list[Row]:
    f = run("webhook_load.py", ["--seconds", "3"] if quick else [])
    bare = f["targets"]["bare"]
    rows: list[Row] = []
    for key, name in (("sqlite", "SQLite"), ("postgresql", "PostgreSQL")):
        t = f["targets"][key]
        share = t["rps"] / bare["rps"]
        verdict = ""
        if key == "postgresql":
            met = share >= 0.5 and t["paced_p99_ms"] < 50
            verdict = f">= 50 %, p99 < 50 ms: {'met' if met else 'MISSED'}"
        rows.append(
            (
                f"webhook under gunicorn ({f['worker_class']}), {name}",
                f"{t['rps']:,.0f} req/s at {t['clients']} connections ({levels(t)}), "
                f"p99 {t['p99_ms']:.1f} ms; at {f['rate']:g} req/s p99 {t['paced_p99_ms']:.1f} ms",
                f"bare Flask {bare['rps']:,.0f} req/s at {bare['clients']} ({levels(bare)}): "
                f"{share:.0%}",
                verdict,
            )
        )
    return rows


def freshness_rows(quick: bool) -> list[Row]:
    f = run(
        "freshness.py",
        ["--samples", "10", "--sync-samples", "3", "--burst", "200"] if quick else [],
    )
    refresh, interval = f["refresh_seconds"], f["interval_seconds"]
    rows: list[Row] = []
    for key, name, limit in (
        ("webhook", "by webhook", 5),
        ("sync", "by sync only", interval + 5),
    ):
        m = f[key]
        met = m["both"]["p99"] < limit
        rows.append(
            (
                f"freshness {name}: {m['samples']} worklogs, {f['tickets']} tickets",
                f"budget on every ticket p50 {m['budget']['p50']:.2f} s, p99 "
                f"{m['budget']['p99']:.2f} s; alert p99 {m['alert']['p99']:.2f} s",
                f"refresh {refresh} s, worker every {interval} s",
                f"p99 < {limit} s: {'met' if met else 'MISSED'}",
            )
        )
    b = f["burst"]
    per_thousand = b["tickets"] * 1000 / b["worklogs"]
    met = per_thousand <= 1000 and b["bulk"] <= b["windows"]
    rows.append(
        (
            f"Jira calls for {b['worklogs']:,} worklogs on one plan",
            f"{b['tickets']} ticket calls, {b['bulk']} bulk writes (+{b['tasks']} task reads), "
            f"{b['sync']} sync calls in {b['seconds']:.1f} s",
            f"{b['windows']} refresh windows of {refresh} s",
            f"<= 1,000 per 1,000 + 1 bulk a window: {'met' if met else 'MISSED'}",
        )
    )
    return rows


def levels(target: dict[str, Any]) -> str:
    """A target's median throughput at each number of connections."""
    return ", ".join(
        f"{level['rps']:,.0f} at {clients}" for clients, level in target["levels"].items()
    )


def table(rows: Sequence[Row]) -> str:
    header: Row = ("benchmark", "measured", "against the floor", "target")
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(4)]
    lines = ["| " + " | ".join(c.ljust(w) for c, w in zip(header, widths, strict=True)) + " |"]
    lines.append("| " + " | ".join("-" * w for w in widths) + " |")
    lines += [
        "| " + " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) + " |"
        for row in rows
    ]
    return "\n".join(lines)


def record(path: Path, text: str) -> None:
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    path.write_text(
        "# Benchmark results\n\n"
        f"Recorded {stamp} at commit {commit or 'unknown'} on a {os.cpu_count()}-core machine "
        f"(load average {load} at the end), with `make bench`.\n\n{text}\n"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes, for a look")
    parser.add_argument("--write", type=Path, help="record the table in this Markdown file")
    args = parser.parse_args()
    rows = [
        *webhook_rows(args.quick),
        *sync_rows(args.quick),
        *close_rows(args.quick),
        *freshness_rows(args.quick),
    ]
    text = table(rows)
    print("\n" + text)
    if args.write:
        record(args.write, text)
        print(f"\nrecorded in {args.write}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
