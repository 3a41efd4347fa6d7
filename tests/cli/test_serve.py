"""The serve command's options: the worker's steps with and without closing."""

from __future__ import annotations

import pytest

from oms_connector.cli import build_parser
from oms_connector.commands.serve import Step, serve_steps


def _step(name: str) -> Step:
    return (name, lambda: None)


STEPS = [_step("sync"), _step("inbox"), _step("close")]


@pytest.mark.parametrize(
    ("argv", "names"),
    [
        (["serve"], ["sync", "inbox", "close"]),
        (["serve", "--no-close"], ["sync", "inbox"]),
    ],
)
def test_no_close_leaves_closing_to_the_close_command(argv: list[str], names: list[str]) -> None:
    args = build_parser().parse_args(argv)
    assert [name for name, _ in serve_steps(STEPS, close=args.close)] == names
