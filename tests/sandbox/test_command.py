"""``oms-connector sandbox``: arguments, refusals before serving, and a served session."""

from __future__ import annotations

import json
import os
import signal
import socket
import threading
import time
from pathlib import Path

import pytest
import requests

from oms_connector.cli import main
from oms_connector.commands import EXIT_OK, EXIT_USAGE
from tests.sandbox.conftest import EMAIL, SEED, TOKEN


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_a_missing_secret_variable_stops_before_serving(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SANDBOX_TEST_SECRET", raising=False)

    status = main(
        [
            "sandbox",
            "--webhook-url",
            "http://127.0.0.1:1/",
            "--webhook-secret-env",
            "SANDBOX_TEST_SECRET",
        ]
    )

    assert status == EXIT_USAGE
    assert capsys.readouterr().err == "sandbox: $SANDBOX_TEST_SECRET is not set or empty\n"


def test_a_bad_seed_stops_before_serving(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    seed = tmp_path / "seed.json"
    seed.write_text(json.dumps({"users": []}), encoding="utf-8")

    status = main(["sandbox", "--seed", str(seed), "--port", str(_free_port())])

    assert status == EXIT_USAGE
    assert capsys.readouterr().err.startswith(f"sandbox: {seed} is not a valid seed:\n  users: ")


def test_the_command_serves_the_seed_until_sigterm(tmp_path: Path) -> None:
    seed = tmp_path / "seed.json"
    seed.write_text(json.dumps(SEED), encoding="utf-8")
    port = _free_port()
    answers: list[object] = []

    def call_then_stop() -> None:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                response = requests.get(
                    f"http://127.0.0.1:{port}/rest/api/3/issue/ACME-2",
                    params={"fields": "summary"},
                    auth=(EMAIL, TOKEN),
                    timeout=2,
                )
            except requests.ConnectionError:
                time.sleep(0.05)
                continue
            answers.append((response.status_code, response.json()["fields"]))
            break
        os.kill(os.getpid(), signal.SIGTERM)

    caller = threading.Thread(target=call_then_stop)
    caller.start()
    status = main(["sandbox", "--seed", str(seed), "--port", str(port)])
    caller.join()

    assert status == EXIT_OK
    assert answers == [(200, {"summary": "Shop is down"})]
