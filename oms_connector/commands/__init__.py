"""Subcommands of ``oms-connector``.

Each module here exposes ``register(subparsers) -> None`` and is listed in
``oms_connector.cli.COMMAND_MODULES``. A module adds its subcommands with
:func:`add_command` (the handler receives the parsed arguments and the loaded
settings), :func:`add_reloading_command` (a long-running handler receives the
configuration as a :class:`CurrentConfig`, which it can reload from the same file) or
:func:`add_command_without_settings` (the handler runs without a configuration file).
Handlers return the exit status.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Protocol, TypeAlias

from oms_connector.config import CurrentConfig, LoadedConfig, Settings

Subparsers: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"
SettingsHandler = Callable[[argparse.Namespace, Settings], int]
ReloadingHandler = Callable[[argparse.Namespace, CurrentConfig], int]
PlainHandler = Callable[[argparse.Namespace], int]

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2
"""Bad configuration or bad arguments: nothing was done."""


class CommandModule(Protocol):
    def register(self, subparsers: Subparsers) -> None: ...


@dataclass(frozen=True)
class Command:
    """What a subcommand runs; ``main`` loads the settings first when the handler needs them."""

    handler: SettingsHandler | None = None
    plain_handler: PlainHandler | None = None
    reloading_handler: ReloadingHandler | None = None

    def __post_init__(self) -> None:
        handlers = (self.handler, self.plain_handler, self.reloading_handler)
        if sum(handler is not None for handler in handlers) != 1:
            raise ValueError("a command has exactly one handler")

    @property
    def needs_settings(self) -> bool:
        return self.plain_handler is None

    def run(self, args: argparse.Namespace, loaded: LoadedConfig | None) -> int:
        if self.plain_handler is not None:
            return self.plain_handler(args)
        if loaded is None:
            raise ValueError("this command needs the settings")
        if self.reloading_handler is not None:
            return self.reloading_handler(args, CurrentConfig(loaded))
        assert self.handler is not None
        return self.handler(args, loaded.settings)


def add_command(
    subparsers: Subparsers, name: str, handler: SettingsHandler, *, help: str
) -> argparse.ArgumentParser:
    """A subcommand whose handler gets the loaded settings."""
    return _add(subparsers, name, Command(handler=handler), help)


def add_reloading_command(
    subparsers: Subparsers, name: str, handler: ReloadingHandler, *, help: str
) -> argparse.ArgumentParser:
    """A subcommand whose handler gets the configuration it may reload from its file."""
    return _add(subparsers, name, Command(reloading_handler=handler), help)


def add_command_without_settings(
    subparsers: Subparsers, name: str, handler: PlainHandler, *, help: str
) -> argparse.ArgumentParser:
    """A subcommand that runs without reading the configuration."""
    return _add(subparsers, name, Command(plain_handler=handler), help)


def _add(subparsers: Subparsers, name: str, command: Command, help: str) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(name, help=help, description=help[:1].upper() + help[1:] + ".")
    parser.set_defaults(command=command)
    if command.needs_settings:
        # Also accepted after the subcommand; the global option is the default.
        parser.add_argument(
            "--config", metavar="PATH", default=argparse.SUPPRESS, help=argparse.SUPPRESS
        )
    return parser


def iso_date(text: str) -> date:
    """An argparse type: ``YYYY-MM-DD``."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from None


def positive_int(limit: int) -> Callable[[str], int]:
    """An argparse type: a whole number from 1 to ``limit``."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = 0
        if not 1 <= value <= limit:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number from 1 to {limit}")
        return value

    return parse
