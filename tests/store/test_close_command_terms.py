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
        "plan acme: period 0 (2026-01-31 to 2026-02-28) would change from 10 h at 35.00 "
        "(priority 62.50) to 10 h at 35.00 (priority 70.00), but acme-20260131 settled it; "
        "billed periods keep their terms: restore them, and start a new term on 2026-04-30 or "
        'later (see "Changing a plan" in docs/billing.md)\n'
    )


def test_a_longer_term_on_a_plan_billed_to_its_end_is_refused_once_by_close_and_check_config(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    clear_oms_environment(monkeypatch)
    config = write_config(tmp_path)
    assert run(config, "db", "upgrade") == 0
    load_acme(config)
    assert run(config, "close", "--as-of", "2026-05-03") == 0  # through acme-20260430
    capsys.readouterr()
    config.write_text(
        config.read_text(encoding="utf-8").replace("term_months: 3", "term_months: 6"),
        encoding="utf-8",
    )
    refusal = (
        "plan acme: period 3 (2026-04-30 to 2026-05-31) would change from no term "
        "(priority 62.50) to 10 h at 35.00 (priority 62.50), but acme-20260430 settled it; "
        "billed periods keep their terms: restore them, and start a new term on 2026-05-31 or "
        'later (see "Changing a plan" in docs/billing.md)\n'
    )

    # Refused at once, not at a later due date, and said once.
    assert run(config, "close", "--as-of", "2026-05-10") == 1
    assert capsys.readouterr() == ("0 statements written\n", refusal)
    assert run(config, "check-config", "--as-of", "2026-05-10") == 1
    out, err = capsys.readouterr()
    assert err == refusal
    assert out.startswith(
        "Configuration valid: 1 plan, but the close refuses 1 of them (each named on standard "
        "error): billed periods keep their terms.\n"
    )

    # A renewal from the earliest date named instead is accepted, and billed.
    config.write_text(
        config.read_text(encoding="utf-8").replace(
            "hours_per_month: 10,\n     term_months: 6,",
            "terms: [{starts_on: 2026-01-31, hours_per_month: 10, term_months: 3},\n"
            "             {starts_on: 2026-05-31, hours_per_month: 10, term_months: 3}],",
        ),
        encoding="utf-8",
    )
    assert run(config, "close", "--as-of", "2026-06-03") == 0
    assert capsys.readouterr() == ("written acme-20260531\n1 statement written\n", "")
