"""``demo``: the whole product on this machine, against a sandbox Jira.

It writes its own configuration, starts the sandbox and ``oms-connector serve`` on
SQLite, plays three months of three clients, closes the periods, prints the
statements and writes every export to ``--output`` (``./demo-output``). Then it keeps
serving the statement pages until Ctrl-C, unless ``--no-serve``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from oms_connector.commands import (
    EXIT_FAILURE,
    Subparsers,
    add_command_without_settings,
    positive_int,
)
from oms_connector.demo.runner import DemoOptions, run_demo
from oms_connector.demo.sandbox_client import DemoError

DEFAULT_OUTPUT = Path("demo-output")


def register(subparsers: Subparsers) -> None:
    parser = add_command_without_settings(
        subparsers,
        "demo",
        run_demo_command,
        help="play three months of three clients against a sandbox Jira, end to end",
    )
    parser.add_argument(
        "--no-serve",
        dest="serve",
        action="store_false",
        help="stop after the exports instead of serving the statement pages",
    )
    parser.add_argument(
        "--output",
        type=Path,
        default=DEFAULT_OUTPUT,
        metavar="DIR",
        help="where the exports and statement pages go (./demo-output)",
    )
    parser.add_argument(
        "--port",
        type=positive_int(65535),
        help="port of the connector and its statement pages (default: a free one)",
    )


def run_demo_command(args: argparse.Namespace) -> int:
    try:
        return run_demo(DemoOptions(output=args.output, serve=args.serve, port=args.port))
    except (DemoError, OSError) as error:
        print(f"demo stopped: {error}", file=sys.stderr)
        return EXIT_FAILURE
