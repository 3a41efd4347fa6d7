"""Under gunicorn, ``kill -HUP`` on the master: new workers import the app and read the file.

Each worker reports the SHA-256 of the file it read in ``/readyz``; after the HUP every
answer carries the new one. (A file that does not load makes gunicorn's new workers
fail to boot, and gunicorn exits: hence ``check-config`` first, as the README says.)
"""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import requests

from oms_connector.demo.connector_process import free_port

from .conftest import SECRET, SECRET_ENV

GUNICORN = str(Path(sys.executable).parent / "gunicorn")
CONFIG = """\
jira: {{url: "https://example.atlassian.net", user: oms-bot@example.com}}
database: {{url: "sqlite:///{database}"}}
webhook: {{secret_env: {secret_env}}}
plans:
  - {{id: acme, customer: Acme, jira_projects: [ACME], hours_per_month: {hours},
     term_months: 3, enrolled_on: 2026-01-31}}
"""


def write(config: Path, hours: int) -> str:
    data = CONFIG.format(
        database=config.parent / "oms.sqlite3", secret_env=SECRET_ENV, hours=hours
    ).encode("utf-8")
    config.write_bytes(data)
    return hashlib.sha256(data).hexdigest()


def readyz(port: int) -> dict[str, Any]:
    try:
        response = requests.get(f"http://127.0.0.1:{port}/readyz", timeout=5)
    except requests.ConnectionError:
        return {}
    body: dict[str, Any] = response.json()
    return body


def wait_for_hash(port: int, expected: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while readyz(port).get("config", {}).get("sha256") != expected:
        assert process.poll() is None, f"gunicorn exited with status {process.returncode}"
        assert time.monotonic() < deadline, f"/readyz still answers {readyz(port)}"
        time.sleep(0.05)


def test_a_hup_to_gunicorn_s_master_serves_the_new_file(tmp_path: Path) -> None:
    config, port = tmp_path / "config.yaml", free_port()
    first = write(config, 10)
    command = [GUNICORN, "-w", "2", "-b", f"127.0.0.1:{port}", "--log-level", "warning",
               "webhook_app.wsgi:app"]  # fmt: skip
    clean = {k: v for k, v in os.environ.items() if not k.startswith("OMS_")}
    env = {**clean, "OMS_CONFIG": str(config), SECRET_ENV: SECRET}
    process = subprocess.Popen(command, env=env)
    try:
        wait_for_hash(port, first, process)
        second = write(config, 20)
        process.send_signal(signal.SIGHUP)
        wait_for_hash(port, second, process)
        answers = [readyz(port)["config"]["sha256"] for _ in range(6)]
        assert answers == [second] * 6
    finally:
        process.terminate()
        assert process.wait(30) == 0
