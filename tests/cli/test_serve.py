"""The worker's steps with and without closing, for serve and worker alike."""

from __future__ import annotations

import pytest

from oms_connector.bootstrap import open_gateway
from oms_connector.cli import build_parser
from oms_connector.commands.sync import worker_steps
from tests.cli.test_wiring import settings
from tests.services.memory_store import MemoryStore
from tests.writeback.board import FixedClock


@pytest.mark.parametrize(
    ("argv", "names"),
    [
        (["serve"], ["sync", "inbox", "close"]),
        (["serve", "--no-close"], ["sync", "inbox"]),
        (["worker"], ["sync", "inbox", "close"]),
        (["worker", "--no-close"], ["sync", "inbox"]),
    ],
)
def test_no_close_leaves_closing_to_the_close_command(
    argv: list[str], names: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OMS_TEST_JIRA", "token-value")
    args = build_parser().parse_args(argv)
    gateway = open_gateway(settings())
    steps = worker_steps(settings(), gateway, MemoryStore(), FixedClock(), close=args.close)
    gateway.close()
    assert [name for name, _ in steps] == names
