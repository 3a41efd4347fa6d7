"""Close a month for 1,000 plans and 1,000,000 worklogs in a SQLite file.

Prints the close's time, worklogs per second and peak memory, beside the time of
one plain SQL GROUP BY over the same worklogs (the floor: per issue, a count and a
sum). Targets: the close within 3x the floor, peak memory under 500 MB.

For information only, it also times the GROUP BY the bill itself needs (worklogs
joined to their issues, summed per project, period and work type, no id lists),
one query per calendar of period boundaries, as the close reads them.

    .venv/bin/python bench/close.py [--plans 1000] [--worklogs 1000000] [--db PATH]
                                    [--rounds 5] [--json PATH]

Each of ``--rounds`` rounds times the floor, then the close, on a fresh copy of the
database; the medians are compared (a shared machine's speed wanders by tens of per
cent from one second to the next, and alternating puts that on both alike).

``--json PATH`` also writes the figures to PATH: floor_s, close_s, ratio,
close_cpu_s, worklogs_per_s, peak_mb, plans, worklogs, statements, rounds, each
round's floor_rounds_s and close_rounds_s (and bill_group_by_s).

The database is generated once (outside the measurement) and reused while its size
matches; delete it or pass --fresh to generate it again.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import sqlite3
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

from oms_connector.adapters.sql.engine import create_store_engine, upgrade
from oms_connector.adapters.sql.store import SqlStore
from oms_connector.adapters.sql.types import epoch_micros
from oms_connector.domain.plans import Plan, single_term
from oms_connector.services.close import CloseService

ENROLLED = date(2026, 1, 1)
AS_OF = date(2026, 2, 4)  # period 0 (January) has closed for every plan
ZONES = ("America/New_York", "Europe/London", "Asia/Tokyo", "UTC", "America/Los_Angeles")
ISSUES_PER_PLAN = 10
NOW = datetime(2026, 2, 4, 12, tzinfo=UTC)
FIRST_WORKLOG_ID = 100_000


class FixedClock:
    def now(self) -> datetime:
        return NOW


def plans(count: int) -> list[Plan]:
    return [
        single_term(
            id=f"plan{n:04d}",
            customer=f"Customer {n}",
            hours_per_month=Decimal(10 + n % 4 * 10),
            term_months=3,
            enrolled_on=ENROLLED,
            timezone=ZoneInfo(ZONES[n % len(ZONES)]),
            jira_projects=(f"P{n:04d}",),
        )
        for n in range(count)
    ]


def generate(path: Path, plan_count: int, worklog_count: int) -> None:
    engine = create_store_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    rng = random.Random(7)
    now = epoch_micros(NOW)
    connection = sqlite3.connect(path)
    issue_rows = []
    for n in range(plan_count):
        for i in range(ISSUES_PER_PLAN):
            work_type = "priority" if i >= ISSUES_PER_PLAN - 2 else "oms"
            issue_rows.append(
                (
                    f"{n}-{i}",
                    f"P{n:04d}-{i + 1}",
                    f"P{n:04d}",
                    "",
                    "",
                    "",
                    "",
                    "[]",
                    "[]",
                    "",
                    "",
                    work_type,
                    "default",
                    0,
                    0,
                    now,
                    now,
                )
            )
    connection.executemany(f"INSERT INTO issues VALUES ({', '.join('?' * 17)})", issue_rows)
    per_plan = worklog_count // plan_count
    all_plans = plans(plan_count)
    rows = []
    for n, plan in enumerate(all_plans):
        start = epoch_micros(plan.calendar.local_midnight(ENROLLED))
        span = epoch_micros(plan.calendar.local_midnight(date(2026, 2, 1))) - start
        for w in range(per_plan):
            started = start + rng.randrange(span // 1_000_000) * 1_000_000
            rows.append(
                (
                    # Jira's worklog ids are decimal integers, growing over time.
                    str(FIRST_WORKLOG_ID + n * per_plan + w),
                    f"{n}-{rng.randrange(ISSUES_PER_PLAN)}",
                    "bench",
                    started,
                    0,
                    rng.randrange(900, 14_400, 60),
                    now,
                    0,
                    now,
                )
            )
        if len(rows) >= 200_000:
            connection.executemany(f"INSERT INTO worklogs VALUES ({', '.join('?' * 9)})", rows)
            rows.clear()
    connection.executemany(f"INSERT INTO worklogs VALUES ({', '.join('?' * 9)})", rows)
    connection.commit()
    connection.close()
    # Statement 0 of every plan (billed in advance, no usage): the month before.
    store = SqlStore(create_store_engine(f"sqlite:///{path}"))
    CloseService(store, all_plans, 3, FixedClock()).close(as_of=ENROLLED)
    store.close()


def floor(path: Path) -> float:
    connection = sqlite3.connect(path)
    began = time.perf_counter()
    connection.execute(
        "SELECT issue_id, count(*), sum(seconds) FROM worklogs WHERE NOT deleted GROUP BY issue_id"
    ).fetchall()
    elapsed = time.perf_counter() - began
    connection.close()
    return elapsed


def bill_group_by(path: Path, plan_count: int) -> float:
    """The bill's own GROUP BY (per project, period and work type; sums only).

    One query per calendar, as the close reads: the period of a worklog is found
    from the UTC boundaries the plans of that calendar share.
    """
    calendars: dict[tuple[int, ...], list[str]] = defaultdict(list)
    for plan in plans(plan_count):
        # The close reads periods 0 and 1 (from 0's end on) for statement 1.
        bounds = tuple(epoch_micros(bound) for bound in plan.calendar.bounds(2))
        calendars[bounds].extend(plan.jira_projects)
    connection = sqlite3.connect(path)
    began = time.perf_counter()
    for bounds, projects in calendars.items():
        period = (
            "CASE "
            + " ".join(
                f"WHEN worklogs.started_utc < {bound} THEN {index - 1}"
                for index, bound in enumerate(bounds)
            )
            + f" ELSE {len(bounds) - 1} END"
        )
        connection.execute(
            f"SELECT issues.project_key, {period} AS period, issues.work_type,"
            " sum(worklogs.seconds)"
            " FROM worklogs JOIN issues ON worklogs.issue_id = issues.id"
            f" WHERE issues.project_key IN ({', '.join('?' * len(projects))})"
            " AND issues.work_type IS NOT NULL AND NOT issues.deleted AND NOT worklogs.deleted"
            " GROUP BY issues.project_key, period, issues.work_type",
            projects,
        ).fetchall()
    elapsed = time.perf_counter() - began
    connection.close()
    return elapsed


def measure(path: Path, plan_count: int) -> tuple[float, float, int]:
    """The close's wall time, its CPU time (every thread of the process) and statements."""
    store = SqlStore(create_store_engine(f"sqlite:///{path}"))
    try:
        began, began_cpu = time.perf_counter(), time.process_time()
        report = CloseService(store, plans(plan_count), 3, FixedClock()).close(as_of=AS_OF)
        elapsed, cpu = time.perf_counter() - began, time.process_time() - began_cpu
    finally:
        store.close()
    return elapsed, cpu, len(report.written)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plans", type=int, default=1000)
    parser.add_argument("--worklogs", type=int, default=1_000_000)
    parser.add_argument("--db", type=Path, default=Path("bench/out/close.sqlite3"))
    parser.add_argument("--fresh", action="store_true", help="generate the database again")
    parser.add_argument("--json", type=Path, help="also write the figures to this JSON file")
    parser.add_argument("--rounds", type=int, default=5, help="floor-then-close rounds")
    parser.add_argument("--measure-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.rounds < 1:
        parser.error("--rounds must be 1 or more")
    if args.measure_only:
        return report(args.db, args.plans, args.worklogs, args.rounds, args.json)
    args.db.parent.mkdir(parents=True, exist_ok=True)
    if args.fresh or not args.db.exists():
        for suffix in ("", "-wal", "-shm"):
            Path(f"{args.db}{suffix}").unlink(missing_ok=True)
        began = time.perf_counter()
        generate(args.db, args.plans, args.worklogs)
        print(f"generated {args.db} in {time.perf_counter() - began:.1f} s")
    else:
        # A database generated by an older version gets the newer migrations, as the
        # connector's own SQLite file does when it opens.
        engine = create_store_engine(f"sqlite:///{args.db}")
        upgrade(engine)
        engine.dispose()
    # Measure in a fresh process so that peak memory is the close's, not the generator's.
    measured = subprocess.run(
        [
            sys.executable,
            __file__,
            "--measure-only",
            "--db",
            str(args.db),
            "--plans",
            str(args.plans),
            "--worklogs",
            str(args.worklogs),
            "--rounds",
            str(args.rounds),
            *(["--json", str(args.json)] if args.json else []),
        ],
        check=False,
    )
    return measured.returncode


def peak_rss_mb() -> float:
    """This process's peak resident memory, in MB.

    Linux keeps ``ru_maxrss`` across ``exec``, so in this fresh process it would still
    count the generator's memory when the database was just generated; ``VmHWM`` is
    this program's own peak.
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def fresh_copy(path: Path) -> Path:
    """A copy of the generated database: the close writes statements, and every round
    must close the same month."""
    work = path.with_name(path.stem + "-run.sqlite3")
    remove(work)
    source = sqlite3.connect(path)
    target = sqlite3.connect(work)
    source.backup(target)
    source.close()
    target.close()
    return work


def remove(database: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{database}{suffix}").unlink(missing_ok=True)


def report(
    path: Path, plan_count: int, worklog_count: int, rounds: int, json_path: Path | None
) -> int:
    # Rounds alternate the floor and the close, each on a fresh copy, so that whatever
    # else the machine does falls on both alike; the medians are compared.
    floors: list[float] = []
    closes: list[tuple[float, float, int]] = []
    for _ in range(rounds):
        work = fresh_copy(path)
        floors.append(floor(work))
        closes.append(measure(work, plan_count))
        remove(work)
        if closes[-1][2] != plan_count:
            raise SystemExit(
                f"the close wrote {closes[-1][2]} statements, not {plan_count}: {path} holds"
                " statements already (delete it, or pass --fresh)"
            )
    peak_mb = peak_rss_mb()
    # After the peak is read: SQLite's GROUP BY sorter must not count as the close's memory.
    work = fresh_copy(path)
    bill_seconds = min(bill_group_by(work, plan_count) for _ in range(3))
    remove(work)
    floor_seconds = statistics.median(floors)
    close_seconds = statistics.median(close[0] for close in closes)
    close_cpu_seconds = statistics.median(close[1] for close in closes)
    written = plan_count
    ratio = close_seconds / floor_seconds
    print(f"plans: {plan_count}  worklogs: {worklog_count}  statements written: {written}")
    print(f"rounds: {rounds}, each the floor then the close on a fresh copy; medians shown")
    print(f"floor (one SQL GROUP BY):  {floor_seconds:.3f} s  (rounds: {_seconds(floors)})")
    print(
        f"close:                     {close_seconds:.3f} s  "
        f"({worklog_count / close_seconds:,.0f} worklogs/s, {ratio:.2f}x the floor; target 3x)"
        f"  (rounds: {_seconds([close[0] for close in closes])})"
    )
    print(f"close CPU time:            {close_cpu_seconds:.3f} s (all threads, median)")
    print(f"peak memory (max RSS):     {peak_mb:.0f} MB (over every round; target < 500 MB)")
    print(
        f"for information, the bill's GROUP BY (project, period, work type; sums only): "
        f"{bill_seconds:.3f} s, {close_seconds / bill_seconds:.2f}x of it"
    )
    if json_path is not None:
        figures = {
            "floor_s": round(floor_seconds, 4),
            "close_s": round(close_seconds, 4),
            "close_cpu_s": round(close_cpu_seconds, 4),
            "ratio": round(ratio, 3),
            "worklogs_per_s": round(worklog_count / close_seconds),
            "peak_mb": round(peak_mb, 1),
            "plans": plan_count,
            "worklogs": worklog_count,
            "statements": written,
            "rounds": rounds,
            "floor_rounds_s": [round(seconds, 4) for seconds in floors],
            "close_rounds_s": [round(close[0], 4) for close in closes],
            "bill_group_by_s": round(bill_seconds, 4),
        }
        json_path.parent.mkdir(parents=True, exist_ok=True)
        json_path.write_text(json.dumps(figures, indent=2) + "\n")
    return 0


def _seconds(values: list[float]) -> str:
    return " ".join(f"{value:.3f}" for value in values)


if __name__ == "__main__":
    raise SystemExit(main())
