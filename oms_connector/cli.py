"""The ``oms-connector`` command.

Subcommands live in ``oms_connector/commands/<group>.py``; list a new module in
``COMMAND_MODULES``. The configuration is loaded once, here, before a handler runs: a
bad file prints one line per problem, prefixed by its path, and exits with status 2.
``serve`` and ``worker`` reload it from the same path on SIGHUP.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from oms_connector import __version__
from oms_connector.commands import (
    EXIT_FAILURE,
    EXIT_USAGE,
    Command,
    CommandModule,
    advise,
    demo,
    export,
    plans,
    quarantine,
    reclassify,
    renewals,
    sandbox,
    serve,
    store,
    sync,
)
from oms_connector.config import CONFIG_PATH_VARIABLE, ConfigError, config_path, load_config
from oms_connector.services.ports import StoreUnavailableError

COMMAND_MODULES: tuple[CommandModule, ...] = (
    plans,
    renewals,
    store,
    export,
    sync,
    advise,
    serve,
    sandbox,
    demo,
    reclassify,
    quarantine,
)
"""Every command group, in the order ``--help`` lists them."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="oms-connector",
        description="Jira connector for the OMS monthly support plan.",
    )
    parser.add_argument(
        "--config",
        metavar="PATH",
        help=f"configuration file (default: ${CONFIG_PATH_VARIABLE}, else ./config.yaml)",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    subparsers = parser.add_subparsers(title="commands", metavar="COMMAND")
    for module in COMMAND_MODULES:
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    command: Command | None = getattr(args, "command", None)
    if command is None:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    path = config_path(args.config)
    try:
        loaded = load_config(path) if command.needs_settings else None
        return command.run(args, loaded)
    except ConfigError as error:
        for problem in error.problems:
            print(f"{path}: {problem}", file=sys.stderr)
        return EXIT_USAGE
    except StoreUnavailableError as error:
        print(f"oms-connector: {error}", file=sys.stderr)
        return EXIT_FAILURE
