"""The worker's steps with and without closing, for serve and worker alike; serve's inbox."""

from __future__ import annotations

import threading

import pytest

from oms_connector.bootstrap import open_gateway
from oms_connector.cli import build_parser
from oms_connector.commands.serve import WakingInbox
from oms_connector.commands.sync import worker_steps
from tests.cli.test_wiring import settings
from tests.services.fakes import RecordingInbox
from tests.services.memory_store import MemoryStore
from tests.writeback.board import FixedClock


@pytest.mark.parametrize(
    ("argv", "names"),
    [
        (["serve"], ["sync", "inbox", "budgets", "budgets-due", "close", "renewals", "prune"]),
        (["serve", "--no-close"], ["sync", "inbox", "budgets", "budgets-due", "renewals", "prune"]),
        (["worker"], ["sync", "inbox", "budgets", "budgets-due", "close", "renewals", "prune"]),
        (
            ["worker", "--no-close"],
            ["sync", "inbox", "budgets", "budgets-due", "renewals", "prune"],
        ),
    ],
)
def test_no_close_leaves_closing_to_the_close_command(
    argv: list[str], names: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OMS_TEST_JIRA", "token-value-0123456789")
    args = build_parser().parse_args(argv)
    gateway = open_gateway(settings())
    steps = worker_steps(settings(), gateway, MemoryStore(), FixedClock(), close=args.close)
    gateway.close()
    assert [name for name, _ in steps] == names


def test_serve_s_inbox_passes_each_delivery_on_and_wakes_the_worker_for_a_new_one() -> None:
    inbox, wake = RecordingInbox(), threading.Event()
    waking = WakingInbox(inbox, wake)  # type: ignore[arg-type]
    assert waking.receive(b"{}", "d1", "worklog_created") is True
    assert wake.is_set()
    wake.clear()
    assert waking.receive(b"{}", "d1", "worklog_created") is False  # a repeat: no wake-up
    assert not wake.is_set()
    assert inbox.received == [(b"{}", "d1", "worklog_created")] * 2
