"""Per-process counts of what the webhook answered without storing anything.

Stored events are counted from the inbox table, which every worker shares. Rejections
and ignored events leave no row (an unsigned flood must not write to the database), so
they are counted here, per process: with several gunicorn workers each scrape sees the
counts of the worker that answered it.
"""

from __future__ import annotations

import threading
from collections import Counter


class WebhookCounters:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._rejected: Counter[str] = Counter()
        self._ignored: Counter[str] = Counter()
        self._unknown = 0
        self._duplicates = 0

    def rejected(self, reason: str) -> None:
        with self._lock:
            self._rejected[reason] += 1

    def ignored(self, event: str) -> None:
        with self._lock:
            self._ignored[event] += 1

    def unknown(self) -> None:
        with self._lock:
            self._unknown += 1

    def duplicate(self) -> None:
        with self._lock:
            self._duplicates += 1

    def snapshot(self) -> tuple[dict[str, int], dict[str, int], int, int]:
        """Rejected by reason, ignored by event, unknown events, repeated deliveries."""
        with self._lock:
            return dict(self._rejected), dict(self._ignored), self._unknown, self._duplicates
