"""The entry point: where the configuration comes from, and commands that need none."""

from __future__ import annotations

import argparse
from pathlib import Path
from types import SimpleNamespace

import pytest

from oms_connector import __version__, cli
from oms_connector.commands import (
    Command,
    Subparsers,
    add_command,
    add_command_without_settings,
)
from oms_connector.config import Settings
from tests.config.files import VALID, write

PERIODS_FIRST_ROW = "     0  2026-01-31  2026-02-28   2026-01-31    2026-03-03  1"


def first_period_row(out: str) -> str:
    return out.splitlines()[4]


def test_version_prints_the_package_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["--version"])

    assert exit_info.value.code == 0
    assert capsys.readouterr().out == f"oms-connector {__version__}\n"


def test_no_command_prints_the_usage_and_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main([]) == 2
    err = capsys.readouterr().err
    assert err.startswith("usage: oms-connector [-h] [--config PATH] [--version] COMMAND ...")
    assert "check-config" in err
    assert "periods" in err


def test_the_configuration_path_comes_from_oms_config(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OMS_CONFIG", str(write(tmp_path, VALID, "from-env.yaml")))

    assert cli.main(["periods", "--plan", "acme"]) == 0
    assert first_period_row(capsys.readouterr().out) == PERIODS_FIRST_ROW


def test_the_configuration_path_defaults_to_config_yaml_in_the_working_directory(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path, VALID)
    monkeypatch.chdir(tmp_path)

    assert cli.main(["periods", "--plan", "acme"]) == 0
    assert first_period_row(capsys.readouterr().out) == PERIODS_FIRST_ROW


def test_config_option_wins_over_oms_config(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OMS_CONFIG", str(tmp_path / "missing.yaml"))
    path = write(tmp_path, VALID)

    assert cli.main(["--config", str(path), "periods", "--plan", "acme"]) == 0
    assert first_period_row(capsys.readouterr().out) == PERIODS_FIRST_ROW


def test_config_option_is_also_accepted_after_the_command(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, VALID)

    assert cli.main(["periods", "--plan", "acme", "--config", str(path)]) == 0
    assert first_period_row(capsys.readouterr().out) == PERIODS_FIRST_ROW


def test_the_default_path_is_named_when_it_is_missing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)

    assert cli.main(["check-config"]) == 2
    assert capsys.readouterr().err == (
        "config.yaml: no such file (give --config PATH or set OMS_CONFIG)\n"
    )


def fake_commands(calls: list[str]) -> SimpleNamespace:
    """A command module as another group would write it."""

    def hello(args: argparse.Namespace) -> int:
        calls.append(f"hello {args.name}")
        return 0

    def token(args: argparse.Namespace, settings: Settings) -> int:
        calls.append("token")
        settings.jira.require_token()
        return 0

    def register(subparsers: Subparsers) -> None:
        add_command_without_settings(subparsers, "hello", hello, help="say hello").add_argument(
            "name"
        )
        add_command(subparsers, "token", token, help="need the Jira token")

    return SimpleNamespace(register=register)


def test_a_command_that_needs_no_configuration_runs_without_a_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str] = []
    monkeypatch.setattr(cli, "COMMAND_MODULES", (fake_commands(calls),))

    status = cli.main(["--config", str(tmp_path / "missing.yaml"), "hello", "world"])

    assert status == 0
    assert calls == ["hello world"]


def test_a_handler_is_not_run_when_the_configuration_is_bad(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str] = []
    monkeypatch.setattr(cli, "COMMAND_MODULES", (fake_commands(calls),))
    path = write(tmp_path, VALID.replace("hours_per_month: 10", "hours_per_month: 9"))

    assert cli.main(["--config", str(path), "token"]) == 2
    assert calls == []
    assert capsys.readouterr().err == (
        f"{path}: plans[0].hours_per_month: 9 is below the minimum of 10 hours a month\n"
    )


def test_a_missing_secret_needed_by_a_handler_is_reported_with_its_variable(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str] = []
    monkeypatch.setattr(cli, "COMMAND_MODULES", (fake_commands(calls),))
    path = write(tmp_path, VALID)

    assert cli.main(["--config", str(path), "token"]) == 2
    assert calls == ["token"]
    assert capsys.readouterr().err == (
        f"{path}: jira.token_env: the environment variable OMS_JIRA_TOKEN is not set "
        "(it holds the Jira token)\n"
    )


def test_a_command_has_exactly_one_handler() -> None:
    with pytest.raises(ValueError, match="a command has exactly one handler"):
        Command()
