"""Drill: slow and greedy clients against ``oms-connector serve``.

A thousand connections that send half a body and wait, then sixty that announce 2 GB
bodies: the server's threads and memory stay bounded, ``/healthz`` answers throughout,
a connection that goes quiet is closed after the idle timeout, and a signed webhook is
still stored.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import requests
import yaml

from oms_connector.demo.connector_process import free_port
from tests.drills.connector import config as drill_config
from tests.drills.connector import processes, start, stop, webhook_headers
from tests.drills.site import sandbox

SLOW_CLIENTS = 1_000
GREEDY_CLIENTS = 60
IDLE_TIMEOUT = 3


def partial_request(port: int, announced: int, sent: bytes) -> socket.socket:
    """A connection that announces ``announced`` body bytes and sends ``sent`` of them."""
    connection = socket.create_connection(("127.0.0.1", port), timeout=10)
    head = (
        "POST /webhooks/jira HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"Content-Type: application/json\r\nContent-Length: {announced}\r\n\r\n"
    )
    connection.sendall(head.encode() + sent)
    return connection


def status(process_id: int, field: str) -> int:
    """A number from ``/proc/PID/status``: ``Threads``, or ``VmRSS`` in kB."""
    for line in Path(f"/proc/{process_id}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    raise AssertionError(f"no {field} in /proc/{process_id}/status")


def healthy(port: int) -> float:
    """Seconds ``/healthz`` took to answer 200."""
    started = time.monotonic()
    response = requests.get(f"http://127.0.0.1:{port}/healthz", timeout=5)
    assert response.status_code == 200
    return time.monotonic() - started


@contextmanager
def serving(tmp_path: Path) -> Iterator[tuple[int, int]]:
    """``serve`` on a free port against a sandbox Jira; its port and process id."""
    with sandbox() as site:
        port = free_port()
        settings = drill_config(site.url, f"sqlite:///{tmp_path / 'oms.sqlite3'}")
        settings["server"] = {"idle_timeout_seconds": IDLE_TIMEOUT}
        path = tmp_path / "config.yaml"
        path.write_text(yaml.safe_dump(settings, sort_keys=False))
        log = tmp_path / "serve.log"
        server = start(path, "serve", "--port", str(port), "--no-close", log=log)
        with processes(server):
            deadline = time.monotonic() + 60
            while True:
                try:
                    healthy(port)
                    break
                except requests.ConnectionError:
                    assert time.monotonic() < deadline, log.read_text()
                    time.sleep(0.2)
            yield port, server.pid
            assert stop(server) == 0, log.read_text()


def test_slow_and_greedy_clients_leave_the_service_bounded_and_answering(
    tmp_path: Path,
) -> None:
    with serving(tmp_path) as (port, pid), ExitStack() as held:
        threads, memory = status(pid, "Threads"), status(pid, "VmRSS")

        for _ in range(SLOW_CLIENTS):
            held.callback(partial_request(port, 1_000, b'{"webhookEvent": ').close)
        answers = [healthy(port) for _ in range(5)]
        slow_threads = status(pid, "Threads")

        greedy = [partial_request(port, 2 * 1024**3, b"{") for _ in range(GREEDY_CLIENTS)]
        refused = set()
        for connection in greedy:
            refused.add(connection.recv(64).split(b"\r\n", 1)[0])
            connection.close()
        answers.append(healthy(port))

        assert refused == {b"HTTP/1.1 413 Request Entity Too Large"}
        assert max(answers) < 3.0, answers  # seconds, on a loaded machine too
        # The request threads are a fixed pool: a thousand connections add none.
        assert slow_threads <= threads + 2, (threads, slow_threads)
        assert status(pid, "VmRSS") - memory < 100_000, (memory, status(pid, "VmRSS"))

        body = b'{"webhookEvent": "jira:issue_updated", "timestamp": 1}'
        response = requests.post(
            f"http://127.0.0.1:{port}/webhooks/jira",
            data=body,
            headers=webhook_headers(body, "after-the-storm"),
            timeout=5,
        )
        assert response.status_code == 204


def test_a_connection_that_goes_quiet_mid_request_is_closed(tmp_path: Path) -> None:
    with serving(tmp_path) as (port, _pid):
        quiet = partial_request(port, 1_000, b'{"webhookEvent": ')
        started = time.monotonic()
        try:
            assert quiet.recv(64) == b""  # closed by the server, nothing answered
        finally:
            quiet.close()
        # Closed at the first clean-up after the idle timeout (every half of it).
        assert IDLE_TIMEOUT <= time.monotonic() - started < IDLE_TIMEOUT * 2 + 1
