"""``serve`` and ``worker`` as they run for real, reloading their file on SIGHUP.

Each runs in its own process against the sandbox Jira, on a SQLite file, with an
interval between passes longer than any test: what the process does after the
SIGHUP, it does because of the reload.
"""

from __future__ import annotations

import hashlib
import signal
import sqlite3
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
import requests
import yaml

from oms_connector.demo.connector_process import free_port
from tests.drills import connector
from tests.drills.connector import ADMIN_TOKEN, processes, start, stop
from tests.drills.site import sandbox

TIMEOUT_SECONDS = 30.0
ACME = {
    "id": "acme",
    "customer": "Acme Corp",
    "jira_projects": ["ACME"],
    "hours_per_month": 10,
    "term_months": 3,
    "enrolled_on": "2024-01-15",
    "timezone": "America/New_York",
}
GLOBEX = {
    "id": "globex",
    "customer": "Globex Ltd",
    "jira_projects": ["GLX"],
    "hours_per_month": 20,
    "term_months": 3,
    "enrolled_on": "2024-01-31",
    "timezone": "Europe/London",
}
"""Terms long over: every statement of either plan is due by any clock these tests run on."""
BROKEN = "plans: [\n"
BROKEN_PROBLEM = (
    "invalid YAML at line 2, column 1: expected the node content, but found '<stream end>'"
)


@pytest.fixture
def jira_url() -> Iterator[str]:
    with sandbox() as site:
        yield site.server.url


def write_config(path: Path, jira_url: str, plans: list[dict[str, Any]]) -> str:
    """The file at ``path`` (its database beside it); the SHA-256 of what was written."""
    settings = connector.config(jira_url, f"sqlite:///{path.parent / 'oms.sqlite3'}", plans)
    settings["worker"] = {"interval_seconds": 3600}
    data = yaml.safe_dump(settings, sort_keys=False).encode("utf-8")
    path.write_bytes(data)
    return hashlib.sha256(data).hexdigest()


def eventually(condition: Callable[[], bool], process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + TIMEOUT_SECONDS
    while not condition():
        assert process.poll() is None, f"exited {process.returncode}:\n{log.read_text()}"
        assert time.monotonic() < deadline, f"not seen in time:\n{log.read_text()}"
        time.sleep(0.05)


def readyz(port: int) -> dict[str, Any]:
    try:
        response = requests.get(f"http://127.0.0.1:{port}/readyz", timeout=5)
    except requests.ConnectionError:
        return {}
    body: dict[str, Any] = response.json()
    return body


def plans_page(port: int) -> str:
    response = requests.get(
        f"http://127.0.0.1:{port}/plans",
        headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
        timeout=5,
    )
    assert response.status_code == 200
    return response.text


def statements(database: Path) -> list[str]:
    if not database.exists():
        return []
    with closing(sqlite3.connect(database)) as connection:
        try:
            rows = connection.execute("SELECT number FROM statements ORDER BY number").fetchall()
        except sqlite3.OperationalError:  # not migrated yet
            return []
    return [number for (number,) in rows]


def logged(log: Path, line: str) -> Callable[[], bool]:
    return lambda: line in log.read_text()


def test_serve_runs_the_reloaded_file_and_keeps_it_when_a_broken_one_follows(
    tmp_path: Path, jira_url: str
) -> None:
    config, log, port = tmp_path / "config.yaml", tmp_path / "serve.log", free_port()
    first = write_config(config, jira_url, [ACME])
    process = start(config, "serve", "--port", str(port), "--no-close", log=log)
    with processes(process):
        eventually(lambda: readyz(port).get("status") == "ready", process, log)
        assert readyz(port)["config"]["sha256"] == first
        assert "Globex Ltd" not in plans_page(port)

        second = write_config(config, jira_url, [ACME, GLOBEX])
        process.send_signal(signal.SIGHUP)
        eventually(lambda: readyz(port)["config"]["sha256"] == second, process, log)
        assert readyz(port)["config"]["restart_needed"] == []
        assert "Globex Ltd" in plans_page(port)

        config.write_text(BROKEN)
        process.send_signal(signal.SIGHUP)
        eventually(logged(log, f" ERROR {config}: {BROKEN_PROBLEM}\n"), process, log)
        assert readyz(port)["config"]["sha256"] == second
        assert "Globex Ltd" in plans_page(port)
        assert stop(process) == 0


def test_the_worker_closes_a_plan_added_to_its_file_at_the_pass_after_sighup(
    tmp_path: Path, jira_url: str
) -> None:
    config, log, database = (
        tmp_path / "config.yaml",
        tmp_path / "worker.log",
        tmp_path / "oms.sqlite3",
    )
    write_config(config, jira_url, [ACME])
    process = start(config, "worker", log=log)
    acme = ["acme-20240115", "acme-20240215", "acme-20240315", "acme-20240415"]
    globex = ["globex-20240131", "globex-20240229", "globex-20240331", "globex-20240430"]
    with processes(process):
        eventually(lambda: statements(database) == acme, process, log)

        config.write_text(BROKEN)
        process.send_signal(signal.SIGHUP)
        eventually(logged(log, f" ERROR {config}: {BROKEN_PROBLEM}\n"), process, log)

        write_config(config, jira_url, [ACME, GLOBEX])
        process.send_signal(signal.SIGHUP)
        eventually(lambda: statements(database) == sorted(acme + globex), process, log)
        assert stop(process) == 0
