"""A total deadline for one HTTP request: from sending it to the last byte of the answer.

``requests`` bounds each socket read: a server sending its headers or its body one byte
a second never trips it, and holds the caller as long as it likes. Here a timer shuts
the request's socket down when the deadline passes; the read under way then fails, and
the caller gets ``DeadlineExceededError``. A session sends through the sockets it can
watch once ``watch_session`` has mounted its adapter.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

_current = threading.local()


class DeadlineExceededError(requests.Timeout):
    """The whole answer did not arrive within its deadline."""


class _Watch:
    """The socket of the request under way, shut down once the time is up."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._socket: socket.socket | None = None
        self.fired = False
        self._done = False

    def attach(self, sock: socket.socket | None) -> None:
        with self._lock:
            self._socket = sock
            if self.fired:
                _shut(sock)

    def fire(self) -> None:
        with self._lock:
            if self._done:
                return
            self.fired = True
            _shut(self._socket)

    def done(self) -> None:
        with self._lock:
            self._done = True


def _shut(sock: socket.socket | None) -> None:
    if sock is None:
        return
    with suppress(OSError):  # closed already
        sock.shutdown(socket.SHUT_RDWR)


class _Watched:
    """A urllib3 connection that shows its socket to the deadline of the request using it."""

    sock: socket.socket | None

    def connect(self) -> None:
        super().connect()  # type: ignore[misc]
        self._show()

    def getresponse(self, *args: Any, **kwargs: Any) -> Any:
        self._show()  # a kept-alive connection is not connected again
        return super().getresponse(*args, **kwargs)  # type: ignore[misc]

    def _show(self) -> None:
        watch: _Watch | None = getattr(_current, "watch", None)
        if watch is not None:
            watch.attach(self.sock)


class _WatchedHTTPConnection(_Watched, HTTPConnection):
    pass


class _WatchedHTTPSConnection(_Watched, HTTPSConnection):
    pass


class _HTTPPool(HTTPConnectionPool):
    ConnectionCls = _WatchedHTTPConnection


class _HTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _WatchedHTTPSConnection


class _WatchedAdapter(HTTPAdapter):
    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _HTTPPool, "https": _HTTPSPool}


def watch_session(session: requests.Session) -> requests.Session:
    """``session``, sending through sockets ``deadline`` can shut down."""
    session.mount("http://", _WatchedAdapter())
    session.mount("https://", _WatchedAdapter())
    return session


@contextmanager
def deadline(seconds: float) -> Iterator[None]:
    """Requests of a watched session in this block end by ``seconds`` from now."""
    watch = _Watch()
    timer = threading.Timer(seconds, watch.fire)
    timer.daemon = True
    _current.watch = watch
    timer.start()
    try:
        yield
    except Exception:
        if watch.fired:
            raise DeadlineExceededError(f"the answer took longer than {seconds:g} s") from None
        raise
    finally:
        watch.done()
        timer.cancel()
        _current.watch = None
