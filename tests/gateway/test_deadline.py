"""A Jira (or an alert receiver) that answers one byte at a time cannot hold a call past
its timeout: the deadline is for the whole answer, headers and body, not for each read."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from oms_connector.adapters.jira_gateway import (
    JiraConnection,
    JiraRestGateway,
    JiraUnavailable,
    RetryPolicy,
)
from oms_connector.adapters.notifier import HttpNotifier, NotificationError

BODY = b'{"accountId": "bot", "timeZone": "UTC"}'
TRICKLING = 0.05
"""Seconds between two bytes of a trickled answer (its 120 bytes take 6 s)."""


def trickle(connection: socket.socket, pause: float) -> None:
    """The answer one byte every ``pause`` seconds, or at once with a pause of 0."""
    try:
        connection.recv(65_536)
        head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
        answer = head + b"Content-Length: %d\r\n\r\n" % len(BODY) + BODY
        if not pause:
            connection.sendall(answer)
        for byte in answer if pause else b"":
            connection.sendall(bytes([byte]))
            time.sleep(pause)
    except OSError:
        pass  # the client gave up: what the trickling tests want
    finally:
        connection.close()


@contextmanager
def answering(pause: float) -> Iterator[str]:
    """A server answering every request with ``trickle``; its URL."""
    server = socket.create_server(("127.0.0.1", 0))
    stopped = threading.Event()

    def serve() -> None:
        server.settimeout(0.2)
        while not stopped.is_set():
            try:
                connection, _ = server.accept()
            except TimeoutError:
                continue
            threading.Thread(target=trickle, args=(connection, pause), daemon=True).start()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.getsockname()[1]}"
    finally:
        stopped.set()
        thread.join()
        server.close()


def gateway(url: str, timeout: float) -> JiraRestGateway:
    connection = JiraConnection(url, "bot@example.com", "token", timeout_seconds=timeout)
    return JiraRestGateway(connection, retry=RetryPolicy(attempts=2), sleep=lambda _s: None)


def test_an_answer_trickling_past_the_deadline_ends_the_call() -> None:
    with answering(TRICKLING) as url:
        jira = gateway(url, timeout=0.5)
        started = time.monotonic()
        try:
            with pytest.raises(JiraUnavailable, match=r"after 2 attempts \(last: Deadline"):
                jira.user_timezone()
        finally:
            jira.close()
        assert time.monotonic() - started < 1.5  # two attempts of 0.5 s


@pytest.mark.parametrize("pause", [TRICKLING, 0], ids=["trickling", "at-once"])
def test_an_answer_within_the_deadline_is_read_whole(pause: float) -> None:
    with answering(pause) as url:
        jira = gateway(url, timeout=15)
        try:
            assert str(jira.user_timezone()) == "UTC"
        finally:
            jira.close()


def test_an_alert_receiver_trickling_its_answer_fails_the_notification_in_time() -> None:
    with answering(TRICKLING) as url:
        notifier = HttpNotifier(url, timeout_seconds=0.5)
        started = time.monotonic()
        try:
            with pytest.raises(NotificationError, match="DeadlineExceededError"):
                notifier.notify({"event": "budget_alert"})
        finally:
            notifier.close()
        assert time.monotonic() - started < 1.0


def test_an_alert_receiver_answering_at_once_takes_the_alert() -> None:
    with answering(0) as url:
        notifier = HttpNotifier(url, timeout_seconds=0.5)
        try:
            notifier.notify({"event": "budget_alert"})
        finally:
            notifier.close()
