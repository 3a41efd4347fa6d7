"""The production form: gunicorn's gevent worker on PostgreSQL.

Under the gevent worker a delivery waiting for its commit is a greenlet, not a thread:
while one insert waits for the database, the worker goes on serving other requests,
and the deliveries read meanwhile share the next insert (one statement, one commit).
That holds only if the driver waits cooperatively, which psycopg does when gevent has
patched the standard library before psycopg is imported (not so with ``--preload``).
"""

from __future__ import annotations

import http.client
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import text

from oms_connector.adapters.sql.store import SqlStore
from oms_connector.demo.connector_process import free_port
from tests.conftest import migrated_store

from .conftest import SECRET, SECRET_ENV, body_of, fixture_bytes, signed

GUNICORN = str(Path(sys.executable).parent / "gunicorn")
SENDERS = 48
PER_SENDER = 10
BODY = fixture_bytes("zulip/worklog_created.json")

CONFIG = """\
jira: {{url: "https://example.atlassian.net", user: oms-bot@example.com}}
database: {{url: "{url}"}}
webhook: {{secret_env: {secret_env}}}
plans:
  - {{id: acme, customer: Acme, jira_projects: [ZUL], hours_per_month: 10,
     term_months: 3, enrolled_on: 2026-01-31}}
"""


@contextmanager
def gevent_server(config: Path) -> Iterator[int]:
    port = free_port()
    command = [
        GUNICORN, "-w", "1", "-k", "gevent", "-b", f"127.0.0.1:{port}",
        "--log-level", "warning", "webhook_app.wsgi:app",
    ]  # fmt: skip
    env = {**os.environ, "OMS_CONFIG": str(config), SECRET_ENV: SECRET}
    process = subprocess.Popen(command, env=env)
    try:
        wait_until_serving(port, process)
        yield port
    except BaseException:
        stop(process, process.kill)
        raise
    assert stop(process, process.terminate) == 0


def stop(process: subprocess.Popen[bytes], signal: Callable[[], None]) -> int:
    """Signal the server, wait for it (killing it if it lingers); its exit status."""
    signal()
    try:
        return process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)
        raise


def wait_until_serving(port: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert process.poll() is None, f"gunicorn exited with status {process.returncode}"
        try:
            if health(port) == 200:
                return
        except OSError:
            time.sleep(0.1)
    pytest.fail("gunicorn did not start serving")


def health(port: int) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("GET", "/healthz")
        return connection.getresponse().status
    finally:
        connection.close()


def send(port: int, deliveries: list[str]) -> list[int]:
    """Signed deliveries, one after the other on one keep-alive connection; their statuses."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    statuses = []
    try:
        for delivery in deliveries:
            body = body_of(delivery, BODY)
            headers = {**signed(body), "X-Atlassian-Webhook-Identifier": delivery}
            connection.request("POST", "/webhooks/jira", body=body, headers=headers)
            response = connection.getresponse()
            response.read()
            statuses.append(response.status)
    finally:
        connection.close()
    return statuses


def config_file(directory: Path, url: str) -> Path:
    config = directory / "config.yaml"
    config.write_text(CONFIG.format(url=url, secret_env=SECRET_ENV))
    return config


SLOW_INSERT = """
CREATE FUNCTION slow_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_sleep(3);
    RETURN NEW;
END $$;
CREATE TRIGGER slow_insert BEFORE INSERT ON inbox
    FOR EACH ROW WHEN (NEW.dedup_key = 'delivery:slow') EXECUTE FUNCTION slow_insert();
"""

INSERTS_SLEEPING = """
SELECT count(*) FROM pg_stat_activity
WHERE datname = current_database() AND wait_event = 'PgSleep'
    AND query LIKE 'INSERT INTO "inbox"%'
"""


def inserts_sleeping(store: SqlStore) -> int:
    """Inserts into the inbox held by the trigger's sleep now (a fresh statistics snapshot)."""
    with store.engine.connect() as connection:
        count: int = connection.execute(text(INSERTS_SLEEPING)).scalar_one()
        return count


@pytest.fixture
def served(tmp_path: Path, postgres_url: str) -> Iterator[tuple[SqlStore, int]]:
    """The migrated store, and the port of a gevent worker serving the app on it."""
    config = config_file(tmp_path, postgres_url)
    with migrated_store(postgres_url) as store, gevent_server(config) as port:
        yield store, port


def inbox_keys(store: SqlStore) -> list[str]:
    with store.engine.connect() as connection:
        return list(connection.execute(text("SELECT dedup_key FROM inbox")).scalars())


@pytest.mark.postgres
def test_the_worker_serves_other_requests_while_a_commit_is_in_flight(
    served: tuple[SqlStore, int],
) -> None:
    store, port = served
    with store.engine.begin() as connection:
        connection.exec_driver_sql(SLOW_INSERT)
    with ThreadPoolExecutor(1) as pool:
        slow = pool.submit(send, port, ["slow"])
        while not inserts_sleeping(store):
            assert not slow.done(), slow.result()
            time.sleep(0.01)
        assert health(port) == 200
        # Answered while the insert still runs: the worker was not blocked by it.
        assert inserts_sleeping(store) == 1
        assert slow.result() == [204]
    assert inbox_keys(store) == ["delivery:slow"]


@pytest.mark.postgres
def test_concurrent_deliveries_are_stored_once_and_share_commits(
    served: tuple[SqlStore, int],
) -> None:
    store, port = served
    own = [[f"s{s:02}-{n:02}" for n in range(PER_SENDER)] for s in range(SENDERS)]
    # Each sender also repeats another sender's first delivery, meanwhile.
    senders = [[*own[s], own[(s + 1) % SENDERS][0]] for s in range(SENDERS)]
    with ThreadPoolExecutor(SENDERS) as pool:
        statuses = [s for sent in pool.map(lambda d: send(port, d), senders) for s in sent]
    with store.engine.connect() as connection:
        commits = connection.execute(
            text("SELECT count(DISTINCT xmin::text) FROM inbox")
        ).scalar_one()
    deliveries = SENDERS * PER_SENDER
    assert statuses == [204] * (deliveries + SENDERS)
    assert sorted(inbox_keys(store)) == sorted(f"delivery:{d}" for sent in own for d in sent)
    assert commits <= deliveries // 4, f"{commits} commits for {deliveries} deliveries"
