"""Every authenticated REST call the sandbox served, counted by caller, method and route."""

from __future__ import annotations

import threading
from collections import Counter
from typing import NamedTuple


class Call(NamedTuple):
    user: str
    """The caller's e-mail address."""
    method: str
    route: str
    """The route's rule, ``/rest/api/3/issue/<id_or_key>``: one count for every issue."""


class CallLog:
    """Thread-safe counts, for benchmarks and tests that bound what a client asks of Jira."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: Counter[Call] = Counter()

    def count(self, call: Call) -> None:
        with self._lock:
            self._counts[call] += 1

    def counts(self, user: str | None = None) -> Counter[Call]:
        """A copy of the counts, of one caller's calls when ``user`` is given."""
        with self._lock:
            return Counter(
                {call: n for call, n in self._counts.items() if user in (None, call.user)}
            )
