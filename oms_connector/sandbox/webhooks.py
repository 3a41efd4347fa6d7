"""Webhook deliveries as Jira Cloud makes them, from a background thread.

Each delivery is a POST of the JSON body with:

- ``X-Atlassian-Webhook-Identifier``: unique per delivery, unchanged across retries;
- ``X-Hub-Signature: sha256=<hex>``: HMAC-SHA256 of the raw body with the secret
  (only when a secret is configured);
- ``X-Atlassian-Webhook-Retry: N`` on the N-th retry only.

A delivery is retried, with a doubling back-off, when the receiver answers 408, 409,
425, 429 or 5xx or the connection fails or times out (Jira's announced policy); any
other answer ends it. For drills, :meth:`WebhookSender.drop_next` loses the next
deliveries outright and :meth:`WebhookSender.duplicate_next` delivers the next ones
twice: by default the copy keeps the identifier and carries a retry header, as when
Jira did not see the first acknowledgement.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import queue
import threading
import uuid
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import requests

from oms_connector.sandbox.representation import Representation
from oms_connector.sandbox.state import Event, SandboxState

LOG = logging.getLogger(__name__)

RETRIED_STATUSES = frozenset({408, 409, 425, 429})
LOG_SIZE = 1000


def signature(secret: str, body: bytes) -> str:
    """The ``X-Hub-Signature`` value for ``body``."""
    digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


class Outcome(StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"
    DROPPED = "dropped"
    NO_TARGET = "no target"


@dataclass
class Delivery:
    identifier: str
    event: str
    body: bytes
    first_retry: int = 0
    """Retry number of the first attempt: 0, or 1 for a duplicate sent as a retry."""
    outcome: Outcome = Outcome.PENDING
    attempts: list[str] = field(default_factory=list)
    """Per attempt, the HTTP status or the error's name."""

    def summary(self) -> dict[str, Any]:
        return {
            "identifier": self.identifier,
            "event": self.event,
            "outcome": str(self.outcome),
            "attempts": list(self.attempts),
        }


@dataclass(frozen=True)
class DeliveryPolicy:
    retries: int = 3
    backoff_seconds: float = 0.5
    timeout_seconds: float = 5.0


class WebhookSender:
    """Queues deliveries and posts them in order from one thread; ``close`` stops it."""

    def __init__(
        self,
        url: str | None,
        secret: str | None = None,
        policy: DeliveryPolicy | None = None,
    ) -> None:
        self._url = url
        self._secret = secret
        self._policy = policy or DeliveryPolicy()
        self._queue: queue.Queue[Delivery | None] = queue.Queue()
        self._lock = threading.Condition()
        self._log: deque[Delivery] = deque(maxlen=LOG_SIZE)
        self._pending = 0
        self._drop = 0
        self._duplicate = 0
        self._duplicate_fresh = False
        self._stopping = threading.Event()
        self._session = requests.Session()
        self._thread = threading.Thread(target=self._run, name="sandbox-webhooks", daemon=True)
        self._thread.start()

    def __enter__(self) -> WebhookSender:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    @property
    def url(self) -> str | None:
        return self._url

    def close(self, timeout: float = 5.0) -> None:
        self._stopping.set()
        self._queue.put(None)
        self._thread.join(timeout)
        self._session.close()

    # -- drills ------------------------------------------------------------------------------

    def drop_next(self, count: int = 1) -> None:
        with self._lock:
            self._drop += _count(count)

    def duplicate_next(self, count: int = 1, *, new_identifier: bool = False) -> None:
        with self._lock:
            self._duplicate += _count(count)
            self._duplicate_fresh = new_identifier

    # -- publishing --------------------------------------------------------------------------

    def publish(self, body: Mapping[str, Any]) -> Delivery:
        raw = json.dumps(body, ensure_ascii=False).encode()
        delivery = Delivery(str(uuid.uuid4()), str(body.get("webhookEvent", "")), raw)
        with self._lock:
            self._log.append(delivery)
            if self._url is None:
                delivery.outcome = Outcome.NO_TARGET
                return delivery
            if self._drop:
                self._drop -= 1
                delivery.outcome = Outcome.DROPPED
                return delivery
            copies = [delivery]
            if self._duplicate:
                self._duplicate -= 1
                fresh = self._duplicate_fresh
                copy = Delivery(
                    str(uuid.uuid4()) if fresh else delivery.identifier,
                    delivery.event,
                    raw,
                    first_retry=0 if fresh else 1,
                )
                self._log.append(copy)
                copies.append(copy)
            self._pending += len(copies)
        for item in copies:
            self._queue.put(item)
        return delivery

    def wait_until_idle(self, timeout: float = 10.0) -> bool:
        """Wait until every queued delivery has finished (delivered or given up)."""
        with self._lock:
            return self._lock.wait_for(lambda: self._pending == 0, timeout)

    def deliveries(self) -> list[dict[str, Any]]:
        with self._lock:
            return [d.summary() for d in self._log]

    def status(self) -> dict[str, Any]:
        with self._lock:
            return {
                "url": self._url,
                "pending": self._pending,
                "dropNext": self._drop,
                "duplicateNext": self._duplicate,
                "deliveries": [d.summary() for d in self._log],
            }

    # -- the thread --------------------------------------------------------------------------

    def _run(self) -> None:
        while True:
            delivery = self._queue.get()
            if delivery is None:
                return
            try:
                self._deliver(delivery)
            finally:
                with self._lock:
                    self._pending -= 1
                    self._lock.notify_all()

    def _deliver(self, delivery: Delivery) -> None:
        assert self._url is not None
        for attempt in range(self._policy.retries + 1):
            if attempt and self._stopping.wait(self._policy.backoff_seconds * 2 ** (attempt - 1)):
                break
            retry = delivery.first_retry + attempt
            result, retriable = self._attempt(delivery, retry)
            delivery.attempts.append(result)
            if not retriable:
                delivery.outcome = Outcome.DELIVERED if result.startswith("2") else Outcome.FAILED
                return
        delivery.outcome = Outcome.FAILED
        LOG.warning(
            "webhook %s %s given up after %s",
            delivery.event,
            delivery.identifier,
            delivery.attempts,
        )

    def _attempt(self, delivery: Delivery, retry: int) -> tuple[str, bool]:
        assert self._url is not None
        headers = {
            "Content-Type": "application/json; charset=UTF-8",
            "User-Agent": "Atlassian Webhook HTTP Client",
            "X-Atlassian-Webhook-Identifier": delivery.identifier,
            "X-Atlassian-Webhook-Flow": "Primary",
        }
        if retry:
            headers["X-Atlassian-Webhook-Retry"] = str(retry)
        if self._secret:
            headers["X-Hub-Signature"] = signature(self._secret, delivery.body)
        try:
            response = self._session.post(
                self._url, data=delivery.body, headers=headers, timeout=self._policy.timeout_seconds
            )
        except requests.RequestException as exc:
            return type(exc).__name__, True
        status = response.status_code
        response.close()
        return str(status), status in RETRIED_STATUSES or status >= 500


def _count(count: int) -> int:
    if count < 0:
        raise ValueError(f"a count of deliveries must not be negative, got {count}")
    return count


def announce_changes(state: SandboxState, sender: WebhookSender, base_url: str) -> None:
    """Post a webhook for every change of ``state`` (bodies in the v2 representation)."""
    representation = Representation(state.catalogue, base_url, version="2")

    def publish(event: Event) -> None:
        sender.publish(representation.event(event))

    state.subscribe(publish)
