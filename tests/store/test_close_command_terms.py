"""``close`` after a plan's terms changed: the plan is refused, the command fails."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.config.files import clear_oms_environment
from tests.store.test_commands import load_acme, run, write_config


def test_close_exits_non_zero_naming_the_changed_term(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    clear_oms_environment(monkeypatch)
    config = write_config(tmp_path)
    assert run(config, "db", "upgrade") == 0
    load_acme(config)
    assert run(config, "close", "--as-of", "2026-04-03") == 0
    capsys.readouterr()
    write_config(tmp_path, bank=', priority_rate: "70.00"')

    assert run(config, "close", "--as-of", "2026-05-03") == 1

    out, err = capsys.readouterr()
    assert out == "0 statements written\n"
    assert err == (
        "plan acme: priority_rate changed from 62.50 to 70.00 since acme-20260331; billed "
        'periods keep their terms: restore them (see "Changing a plan" in docs/billing.md)\n'
    )
