"""The sandbox on a local port, served from a background thread, for the command and demos."""

from __future__ import annotations

import threading
from types import TracebackType

from werkzeug.serving import make_server

from oms_connector.sandbox.app import create_sandbox_app
from oms_connector.sandbox.calls import CallLog
from oms_connector.sandbox.clock import SandboxClock
from oms_connector.sandbox.faults import FaultPlan
from oms_connector.sandbox.seed import Seed, build_state
from oms_connector.sandbox.state import SandboxState
from oms_connector.sandbox.webhooks import DeliveryPolicy, WebhookSender, announce_changes

POLL_SECONDS = 0.1
"""How often the server thread checks for shutdown: ``close`` takes at most this long."""


class SandboxServer:
    """Seeded state, webhook sender and HTTP server; ``close`` stops all three.

    ``port=0`` picks a free port; :attr:`url` is the site's base URL either way.
    ``faults`` makes some REST calls fail as an overloaded Jira does (off by default).
    """

    def __init__(
        self,
        seed: Seed,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        webhook_url: str | None = None,
        webhook_secret: str | None = None,
        policy: DeliveryPolicy | None = None,
        clock: SandboxClock | None = None,
        faults: FaultPlan | None = None,
    ) -> None:
        self.clock = clock or SandboxClock(seed.start())
        self.state: SandboxState = build_state(seed, self.clock)
        self.webhooks = WebhookSender(webhook_url, webhook_secret, policy)
        self.calls = CallLog()
        """Every authenticated REST call served, by caller, method and route."""
        app = create_sandbox_app(self.state, self.webhooks, faults, self.calls)
        try:
            self._server = make_server(host, port, app, threaded=True)
        except BaseException:
            self.webhooks.close()
            raise
        self.url = f"http://{host}:{self._server.port}"
        announce_changes(self.state, self.webhooks, self.url)
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            args=(POLL_SECONDS,),
            name="sandbox-http",
            daemon=True,
        )

    def start(self) -> SandboxServer:
        self._thread.start()
        return self

    def close(self) -> None:
        if self._thread.is_alive():
            self._server.shutdown()
            self._thread.join()
        self._server.server_close()
        self.webhooks.close()

    def __enter__(self) -> SandboxServer:
        return self.start()

    def __exit__(
        self,
        _type: type[BaseException] | None,
        _value: BaseException | None,
        _traceback: TracebackType | None,
    ) -> None:
        self.close()
