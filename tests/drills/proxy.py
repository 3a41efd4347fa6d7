"""A TCP proxy the drill controls: the database "goes away" when it is taken down.

Taking it down cuts every open connection and refuses new ones (each accepted and
closed at once) until it is brought up again: what an application sees when its
database server restarts or the network between them drops.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from types import TracebackType

BUFFER = 65536


class TcpProxy:
    def __init__(self, upstream_host: str, upstream_port: int) -> None:
        self._upstream = (upstream_host, upstream_port)
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.1)
        self.port: int = self._listener.getsockname()[1]
        self._up = threading.Event()
        self._up.set()
        self._closing = threading.Event()
        self._lock = threading.Lock()
        self._open: set[socket.socket] = set()
        self._threads: list[threading.Thread] = []
        self._accepting = threading.Thread(target=self._accept, name="db-proxy", daemon=True)
        self._accepting.start()

    def down(self) -> None:
        self._up.clear()
        self._cut_all()

    def up(self) -> None:
        self._up.set()

    def close(self) -> None:
        self._closing.set()
        self._accepting.join()
        self._listener.close()
        self._cut_all()
        for thread in self._threads:
            thread.join(5)

    def __enter__(self) -> TcpProxy:
        return self

    def __exit__(
        self,
        _type: type[BaseException] | None,
        _value: BaseException | None,
        _traceback: TracebackType | None,
    ) -> None:
        self.close()

    def _accept(self) -> None:
        while not self._closing.is_set():
            try:
                client, _ = self._listener.accept()
            except TimeoutError:
                continue
            if not self._up.is_set():
                client.close()
                continue
            try:
                server = socket.create_connection(self._upstream, timeout=5)
            except OSError:
                client.close()
                continue
            client.settimeout(None)
            server.settimeout(None)
            with self._lock:
                self._open.update({client, server})
            for source, target in ((client, server), (server, client)):
                thread = threading.Thread(target=self._pipe, args=(source, target), daemon=True)
                self._threads.append(thread)
                thread.start()

    def _pipe(self, source: socket.socket, target: socket.socket) -> None:
        try:
            while chunk := source.recv(BUFFER):
                target.sendall(chunk)
        except OSError:
            pass
        finally:
            self._cut(source)
            self._cut(target)

    def _cut_all(self) -> None:
        with self._lock:
            sockets = list(self._open)
        for connection in sockets:
            self._cut(connection)

    def _cut(self, connection: socket.socket) -> None:
        with self._lock:
            self._open.discard(connection)
        with contextlib.suppress(OSError):
            connection.shutdown(socket.SHUT_RDWR)
        connection.close()
