"""Reading an HTTP answer within a total deadline, not only within a timeout per read.

``requests`` bounds each socket read: a server sending one byte a second never trips
it, and holds the caller as long as it likes. The body is read here in the pieces the
socket has, with the clock checked between them.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import requests

CHUNK_BYTES = 65_536


class DeadlineExceededError(requests.Timeout):
    """The whole answer did not arrive within its deadline."""


def read_within(
    response: requests.Response,
    seconds: float,
    *,
    started: float,
    clock: Callable[[], float] = time.monotonic,
) -> bytes:
    """The body of a streamed ``response``, read by ``started + seconds`` (a ``clock``
    reading), else ``DeadlineExceededError`` with the connection closed."""
    deadline = started + seconds
    chunks: list[bytes] = []
    raw = response.raw
    while True:
        if clock() > deadline:
            response.close()
            raise DeadlineExceededError(f"the answer took longer than {seconds:g} s in all")
        chunk = raw.read1(CHUNK_BYTES, decode_content=True)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)
