"""The HTTP server of ``serve``: waitress, with bounds a hostile client cannot lift.

Werkzeug's development server gave every connection a thread and kept it for as long as
the client liked: a thousand connections sending half a body held a thousand threads.
Waitress reads every connection in one event loop and hands a request to one of a fixed
pool of threads only once it has arrived whole, so a slow client costs a socket and a
buffer, never a thread. Its bounds, from the ``server`` settings:

- ``threads``: the requests served at once;
- ``connection_limit``: the connections open at once (more wait in the listen backlog);
- ``idle_timeout_seconds``: a connection that sends nothing that long is closed, in the
  middle of a request or between two;
- the webhook's ``max_body_bytes``: a larger announced body is refused with 413 before
  any of it is read.

A client sending a byte now and then keeps its connection: put a proxy with a total
request timeout in front of the service when it faces the internet.
"""

from __future__ import annotations

import logging
from typing import Any

from waitress import create_server
from waitress.server import BaseWSGIServer
from waitress.wasyncore import close_all

from oms_connector.config import Settings

LOG = logging.getLogger(__name__)


class HttpServer:
    """One listening socket serving ``app`` until ``shutdown``."""

    def __init__(
        self,
        app: Any,
        host: str,
        port: int,
        *,
        threads: int,
        connection_limit: int,
        idle_timeout_seconds: int,
        max_body_bytes: int,
    ) -> None:
        server = create_server(
            app,
            host=host,
            port=port,
            threads=threads,
            connection_limit=connection_limit,
            channel_timeout=idle_timeout_seconds,
            cleanup_interval=max(1, min(30, idle_timeout_seconds // 2)),
            max_request_body_size=max_body_bytes,
            asyncore_use_poll=True,  # select() stops at file descriptor 1024
            ident="oms-connector",
            clear_untrusted_proxy_headers=True,
        )
        assert isinstance(server, BaseWSGIServer)  # one host, one port: one server
        self._server = server
        self.port = int(server.effective_port)

    @classmethod
    def configured(cls, app: Any, host: str, port: int, settings: Settings) -> HttpServer:
        """The server with the bounds of ``settings`` (``server``, ``webhook.max_body_bytes``)."""
        return cls(
            app,
            host,
            port,
            threads=settings.server.threads,
            connection_limit=settings.server.connection_limit,
            idle_timeout_seconds=settings.server.idle_timeout_seconds,
            max_body_bytes=settings.webhook.max_body_bytes,
        )

    def serve_forever(self) -> None:
        self._server.run()

    def shutdown(self) -> None:
        """Stop serving: the request threads end, every connection is closed."""
        self._server.task_dispatcher.shutdown()
        close_all(self._server._map)
