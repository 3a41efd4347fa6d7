"""The connector as it runs for real: ``oms-connector serve`` in its own process.

The demo starts the command (the webhook app, the statement pages and the worker)
with the demo's configuration and secrets, waits until it answers, and stops it
with SIGTERM, the way a service manager would.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import IO

import requests

from oms_connector.config import CONFIG_PATH_VARIABLE, ENV_PREFIX
from oms_connector.demo.sandbox_client import DemoError

START_TIMEOUT_SECONDS = 30.0
STOP_TIMEOUT_SECONDS = 10.0
POLL_SECONDS = 0.05
COMMAND_LINE = "import sys; from oms_connector.cli import main; sys.exit(main())"


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        port: int = probe.getsockname()[1]
        return port


def _isolated(environ: Mapping[str, str], values: Mapping[str, str]) -> dict[str, str]:
    """``environ`` without the connector's own variables (they would override the demo's
    configuration, e.g. its database), plus ``values``."""
    kept = {
        name: value
        for name, value in environ.items()
        if not name.upper().startswith(ENV_PREFIX) and name != CONFIG_PATH_VARIABLE
    }
    return {**kept, **values}


@contextmanager
def demo_environment(values: Mapping[str, str]) -> Iterator[dict[str, str]]:
    """This process's environment as the demo's commands need it, restored afterwards."""
    saved = dict(os.environ)
    isolated = _isolated(saved, values)
    os.environ.clear()
    os.environ.update(isolated)
    try:
        yield isolated
    finally:
        os.environ.clear()
        os.environ.update(saved)


class ConnectorProcess:
    """``oms-connector serve --no-close`` on ``port``; the demo closes periods itself."""

    def __init__(self, config: Path, port: int, environment: Mapping[str, str], log: Path) -> None:
        self.url = f"http://127.0.0.1:{port}"
        self._log: IO[bytes] = log.open("wb")
        argv = [sys.executable, "-c", COMMAND_LINE, "--config", str(config)]
        argv += ["serve", "--host", "127.0.0.1", "--port", str(port), "--no-close"]
        try:
            self._process = subprocess.Popen(  # noqa: S603 - our own command, no shell
                argv,
                env=dict(environment),
                stdout=self._log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # Ctrl-C reaches the demo, which stops this cleanly
            )
        except BaseException:
            self._log.close()
            raise

    def wait_until_ready(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        with requests.Session() as session:
            while time.monotonic() < deadline:
                if self._process.poll() is not None:
                    raise DemoError(
                        f"oms-connector serve exited with status {self._process.returncode}; "
                        f"see {self._log.name}"
                    )
                try:
                    if session.get(f"{self.url}/readyz", timeout=1).status_code == 200:
                        return
                except requests.ConnectionError:
                    pass
                time.sleep(POLL_SECONDS)
        raise DemoError(f"oms-connector serve did not answer within {START_TIMEOUT_SECONDS:.0f} s")

    def running(self) -> bool:
        return self._process.poll() is None

    def stop(self) -> None:
        try:
            if self._process.poll() is None:
                self._process.send_signal(signal.SIGTERM)
                try:
                    self._process.wait(STOP_TIMEOUT_SECONDS)
                except subprocess.TimeoutExpired:
                    self._process.kill()
                    self._process.wait()
        finally:
            self._log.close()
