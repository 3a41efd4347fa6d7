"""The demo, end to end: sandbox Jira, ``oms-connector serve``, three months, closes, exports.

Every expected figure below is worked out by hand from BILLING_RULES.md (hours x
rate, quantities and amounts rounded half-up to the cent) and from the work the
demo's story logs; none is read from the program.
"""

from __future__ import annotations

import csv
import json
import re
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import pytest

from oms_connector.cli import main

CENT = Decimal("0.01")
OMS, PRIORITY = Decimal("35.00"), Decimal("62.50")  # the defaults (section 1)
INITECH_OMS, INITECH_PRIORITY = Decimal("33.00"), Decimal("60.00")  # initech's own rates
ACME_RENEWAL = Decimal("34.00")  # the OMS rate of acme's second term
DELTA_PREPAID = Decimal("60.00")  # 600.00 for 10 hours
FREE = Decimal("0.00")  # hours drawn from the prepaid bank, and expired hours


def hm(hours: int, minutes: int = 0) -> Decimal:
    """Hours and minutes as hours, rounded half-up to 0.01 h (section 5)."""
    return (Decimal(hours) + Decimal(minutes) / 60).quantize(CENT, ROUND_HALF_UP)


def amount(hours: Decimal, rate: Decimal) -> Decimal:
    return (hours * rate).quantize(CENT, ROUND_HALF_UP)


def line(kind: str, hours: Decimal, rate: Decimal, corrects: str | None = None) -> tuple[Any, ...]:
    return (kind, corrects, hours.quantize(CENT), rate, amount(hours, rate))


# (statement number, its lines as (kind, corrects, hours, rate, amount), its total)
EXPECTED: list[tuple[str, list[tuple[Any, ...]], Decimal]] = [
    # acme: 10 h, enrolled 2026-01-31 (the worked example of section 7).
    ("acme-20260131", [line("subscription", hm(10), OMS)], Decimal("350.00")),  # 10 x 35.00
    (
        "acme-20260228",
        # period 0: 3 h + 4 h 30 m + 1 h (27 Feb 23:30 New York) = 8 h 30 m; expired 10 - 8.5
        [line("subscription", hm(10), OMS), line("expired", hm(1, 30), FREE)],
        Decimal("350.00"),
    ),
    (
        "acme-20260331",
        # period 1: OMS 5 h + 4 h + 3 h 15 m = 12 h 15 m -> overage 2.25 h x 62.50 = 140.625
        # -> 140.63; urgent 1 h 20 m -> 1.33 h x 62.50 = 83.125 -> 83.13
        [
            line("subscription", hm(10), OMS),
            line("overage", hm(2, 15), PRIORITY),
            line("priority", hm(1, 20), PRIORITY),
            line("expired", hm(0), FREE),
        ],
        Decimal("350.00") + Decimal("140.63") + Decimal("83.13"),  # 573.76
    ),
    # the renewal on new terms (section 10): 20 h x 34.00; period 2 used 6 h + 4 h (the
    # lost webhook's) = 10 h of the first term's 10, expired 0
    (
        "acme-20260430",
        [line("subscription", hm(20), ACME_RENEWAL), line("expired", hm(0), FREE)],
        Decimal("680.00"),
    ),
    # globex: 20 h, enrolled 2026-02-01, 10 prepaid PRIORITY hours.
    (
        "globex-20260201",
        # 20 x 35.00; the 10 prepaid hours bought on the enrolment day, at the priority rate
        [line("subscription", hm(20), OMS), line("prepaid", hm(10), PRIORITY)],
        Decimal("700.00") + Decimal("625.00"),  # 1325.00
    ),
    (
        "globex-20260301",
        # period 0: OMS 8 h + 6 h = 14 h, expired 6 h; urgent 3 h drawn from the bank (10 -> 7)
        [
            line("subscription", hm(20), OMS),
            line("priority", hm(3), FREE),
            line("expired", hm(6), FREE),
        ],
        Decimal("700.00"),
    ),
    (
        "globex-20260401",
        # period 1: urgent 5 h from the bank (7 -> 2); OMS 9 + 6 + 8 = 23 h, overage 3 h:
        # 2 h from the bank, 1 h x 62.50 = 62.50
        [
            line("subscription", hm(20), OMS),
            line("overage", hm(2), FREE),
            line("overage", hm(1), PRIORITY),
            line("priority", hm(5), FREE),
            line("expired", hm(0), FREE),
        ],
        Decimal("700.00") + Decimal("62.50"),  # 762.50
    ),
    (
        "globex-20260501",
        # period 2: urgent 2 h 30 m, bank empty: 2.50 x 62.50 = 156.25;
        # OMS 8 h + 6 h + 4 h 45 m = 18 h 45 m, expired 1.25 h
        [line("priority", hm(2, 30), PRIORITY), line("expired", hm(1, 15), FREE)],
        Decimal("156.25"),
    ),
    # initech: 40 h at 33.00 / 60.00, enrolled 2026-02-15, 6-month term.
    (
        "initech-20260215",
        [line("subscription", hm(40), INITECH_OMS)],
        Decimal("1320.00"),  # 40 x 33.00
    ),
    (
        "initech-20260315",
        # period 0 at its close: 8 + 8 + 8 + 8 + 9.5 = 41.5 h, overage 1.50 h x 60.00 = 90.00
        [
            line("subscription", hm(40), INITECH_OMS),
            line("overage", hm(1, 30), INITECH_PRIORITY),
            line("expired", hm(0), FREE),
        ],
        Decimal("1320.00") + Decimal("90.00"),  # 1410.00
    ),
    (
        "initech-20260415",
        # period 1: OMS 4 x 8 = 32 h, expired 8 h; urgent 1 h 45 m = 1.75 x 60.00 = 105.00;
        # 2 h logged into period 0 after it closed: overage 3.5 h should have been billed,
        # 1.5 h was: adjustment +2.00 h x 60.00 = 120.00
        [
            line("subscription", hm(40), INITECH_OMS),
            line("priority", hm(1, 45), INITECH_PRIORITY),
            line("expired", hm(8), FREE),
            line("adjustment", hm(2), INITECH_PRIORITY, corrects="overage"),
        ],
        Decimal("1320.00") + Decimal("105.00") + Decimal("120.00"),  # 1545.00
    ),
    (
        "initech-20260515",
        # period 2: 4 x 8 h + 6 h 20 m = 38 h 20 m, expired 1 h 40 m = 1.67 h
        [line("subscription", hm(40), INITECH_OMS), line("expired", hm(1, 40), FREE)],
        Decimal("1320.00"),
    ),
    # delta: priority support only, enrolled 2026-02-05; 10 prepaid hours for 600.00 bought
    # on 2026-02-20. delta-20260205 has nothing to bill: skipped.
    (
        "delta-20260305",
        # the purchase, on the first statement after it; period 0: urgent 3 h from the bank
        [line("prepaid", hm(10), DELTA_PREPAID), line("priority", hm(3), FREE)],
        Decimal("600.00"),
    ),
    # delta-20260405: period 1's 5 h 30 m all come from the bank (7 -> 1.5): skipped.
    (
        "delta-20260505",
        # period 2: 3 h, 1.5 from the bank, 1.50 x 62.50 = 93.75
        [line("priority", hm(1, 30), FREE), line("priority", hm(1, 30), PRIORITY)],
        Decimal("93.75"),
    ),
]
TOTALS = {number: total for number, _, total in EXPECTED}
BOOKED = {number: total for number, total in TOTALS.items() if total}
"""The invoice formats book amounts: a statement of 0.00 books nothing."""


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    output = tmp_path_factory.mktemp("demo") / "demo-output"
    capture = tmp_path_factory.mktemp("stdout") / "stdout.txt"
    with pytest.MonkeyPatch.context() as patch, capture.open("w", encoding="utf-8") as stream:
        patch.setattr("sys.stdout", stream)
        status = main(["demo", "--no-serve", "--output", str(output)])
    assert status == 0, capture.read_text(encoding="utf-8")
    return output, capture.read_text(encoding="utf-8")


def _lines(statement: dict[str, Any]) -> list[tuple[Any, ...]]:
    return sorted(
        (
            item["kind"],
            item["corrects"],
            Decimal(item["hours"]),
            Decimal(item["rate"]),
            Decimal(item["amount"]),
        )
        for item in statement["lines"]
    )


def _statements(demo: tuple[Path, str]) -> dict[str, dict[str, Any]]:
    document = json.loads((demo[0] / "statements.json").read_text(encoding="utf-8"))
    return {statement["number"]: statement for statement in document}


def test_the_demo_writes_exactly_the_statements_of_three_months_of_four_plans(
    demo: tuple[Path, str],
) -> None:
    assert sorted(_statements(demo)) == sorted(TOTALS)
    assert "skipped delta-20260205" in demo[1]
    assert "skipped delta-20260405" in demo[1]


@pytest.mark.parametrize(("number", "lines", "total"), EXPECTED, ids=[e[0] for e in EXPECTED])
def test_every_statement_has_the_lines_and_total_worked_out_by_hand(
    demo: tuple[Path, str], number: str, lines: list[tuple[Any, ...]], total: Decimal
) -> None:
    statement = _statements(demo)[number]
    assert _lines(statement) == sorted(lines)
    assert Decimal(statement["total"]) == total
    assert sum(line[4] for line in lines) == total


def test_the_printed_statement_table_shows_every_total(demo: tuple[Path, str]) -> None:
    printed = dict(re.findall(r"^(\S+-\d{8}) .* total (\S+) USD$", demo[1], re.MULTILINE))
    assert {number: Decimal(total) for number, total in printed.items()} == TOTALS


def test_the_lost_webhook_is_recovered_by_the_sync_pass_and_the_repeated_one_counted_once(
    demo: tuple[Path, str],
) -> None:
    printed = demo[1]
    assert "worklogs:  35 read, 1 stored" in printed  # every worklog logged by then; one new
    # one lost in the story, two in the last act (ACME-6's creation and its worklog)
    assert "1 of them twice, stored once), 3 lost." in printed


def _act(printed: str, heading: str) -> list[str]:
    """The lines of the last act from ``heading`` to the next blank line."""
    start = printed.index(heading)
    return printed[start:].split("\n\n", 1)[0].splitlines()


def test_a_ticket_learned_only_by_sync_is_written_back_with_its_budget_and_alert(
    demo: tuple[Path, str],
) -> None:
    lines = _act(demo[1], "ACME-6, learned by the sync pass only:")
    assert lines[1:3] == [
        "  labels:   oms-planned",
        "  oms-connector: work type oms (rule: default)",
    ]
    # today is in acme's renewed term: 20 h; 2 h on ACME-5 + 15 h on ACME-6 = 17 h, 3 h left
    assert lines[3].startswith("  budget:   17.00 of 20.00 h used, 3.00 h left (as of ")
    assert re.fullmatch(
        r"  comment:  Budget alert \(80 %\): plan acme has used 17\.00 h of its 20 h for the "
        r"period until \d{4}-\d{2}-\d{2} \(85 %\); 3\.00 h left\.",
        lines[5],
    ), lines


def test_the_budget_on_another_ticket_changes_when_work_is_logged_on_the_first(
    demo: tuple[Path, str],
) -> None:
    before = _act(demo[1], "ACME-5 opened: Holiday sale banner")
    assert before[3].startswith("  budget:   2.00 of 20.00 h used, 18.00 h left (as of ")
    assert (
        "ACME-5's budget, changed by the work on ACME-6: 17.00 of 20.00 h used, 3.00 h left"
        in (demo[1])
    )
    assert "(labels [])" in demo[1]  # nothing was written to ACME-6 before the sync pass


def test_every_export_format_and_every_statement_page_is_written(demo: tuple[Path, str]) -> None:
    output = demo[0]
    for name in (
        "statements.json",
        "statements.csv",
        "xero-invoices.csv",
        "quickbooks-invoices.csv",
        "statements.beancount",
        "config.yaml",
    ):
        assert (output / name).stat().st_size > 0, name
    pages = sorted(path.name for path in (output / "statements").iterdir())
    assert pages == sorted(f"{number}.html" for number in TOTALS)
    assert "573.76" in (output / "statements" / "acme-20260331.html").read_text(encoding="utf-8")


def test_the_csv_export_lines_add_up_to_every_statement_total(demo: tuple[Path, str]) -> None:
    totals: dict[str, Decimal] = defaultdict(Decimal)
    with (demo[0] / "statements.csv").open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            totals[row["number"]] += Decimal(row["amount"])
    assert dict(totals) == TOTALS


def test_the_xero_invoices_total_the_statements(demo: tuple[Path, str]) -> None:
    totals: dict[str, Decimal] = defaultdict(Decimal)
    with (demo[0] / "xero-invoices.csv").open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            quantity, unit = Decimal(row["*Quantity"]), Decimal(row["*UnitAmount"])
            totals[row["*InvoiceNumber"]] += amount(quantity, unit)
    assert {number: total for number, total in totals.items() if total} == BOOKED


def test_the_quickbooks_invoices_total_the_statements(demo: tuple[Path, str]) -> None:
    totals: dict[str, Decimal] = defaultdict(Decimal)
    with (demo[0] / "quickbooks-invoices.csv").open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            totals[row["Invoice number"]] += Decimal(row["Item Amount"])
    assert {number: total for number, total in totals.items() if total} == BOOKED


def test_the_beancount_receivables_are_the_statement_totals(demo: tuple[Path, str]) -> None:
    journal = (demo[0] / "statements.beancount").read_text(encoding="utf-8")
    found = re.findall(
        r'"OMS statement (\S+)".*?\n(?:  \w+: .*\n)*  Assets:Receivable:\S+\s+(-?[\d.]+) USD',
        journal,
    )
    assert {number: Decimal(total) for number, total in found} == BOOKED
