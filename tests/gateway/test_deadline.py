"""A Jira that answers one byte at a time cannot hold a call past ``timeout_seconds``:
the deadline is for the whole answer, not for each read."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest

from oms_connector.adapters.jira_gateway import (
    JiraConnection,
    JiraRestGateway,
    JiraUnavailable,
    RetryPolicy,
)

BODY = b'{"accountId": "bot", "timeZone": "UTC"}'


def trickle(connection: socket.socket, pause: float) -> None:
    """Headers at once, then the body one byte every ``pause`` seconds."""
    try:
        connection.recv(65_536)
        head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
        connection.sendall(head + b"Content-Length: %d\r\n\r\n" % len(BODY))
        for byte in BODY:
            connection.sendall(bytes([byte]))
            time.sleep(pause)
    except OSError:
        pass  # the client gave up: what this test wants
    finally:
        connection.close()


@pytest.fixture
def slow_jira() -> Iterator[str]:
    server = socket.create_server(("127.0.0.1", 0))
    stopped = threading.Event()

    def serve() -> None:
        server.settimeout(0.2)
        while not stopped.is_set():
            try:
                connection, _ = server.accept()
            except TimeoutError:
                continue
            threading.Thread(target=trickle, args=(connection, 0.1), daemon=True).start()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.getsockname()[1]}"
    stopped.set()
    thread.join()
    server.close()


def gateway(url: str, timeout: float) -> JiraRestGateway:
    connection = JiraConnection(url, "bot@example.com", "token", timeout_seconds=timeout)
    return JiraRestGateway(connection, retry=RetryPolicy(attempts=2), sleep=lambda _s: None)


def test_an_answer_trickling_past_the_deadline_ends_the_call(slow_jira: str) -> None:
    jira = gateway(slow_jira, timeout=0.5)  # the body takes 4 s, each byte 0.1 s
    started = time.monotonic()
    try:
        with pytest.raises(JiraUnavailable, match=r"after 2 attempts \(last: DeadlineExceeded"):
            jira.user_timezone()
    finally:
        jira.close()
    # Two attempts of 0.5 s each, and a byte's pause at most past each deadline.
    assert time.monotonic() - started < 1.6


def test_a_slow_answer_within_the_deadline_is_read_whole(slow_jira: str) -> None:
    jira = gateway(slow_jira, timeout=10)
    try:
        assert str(jira.user_timezone()) == "UTC"
    finally:
        jira.close()
