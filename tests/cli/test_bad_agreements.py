"""Every bad form of a plan's terms and dates: one exact line naming the key and the fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from oms_connector.cli import main
from tests.config.files import JIRA, write

PLAN = (
    "  - {{id: acme, customer: Acme Corp, jira_projects: [ACME], enrolled_on: 2026-01-31,\n"
    "     {agreement}}}\n"
)
FIRST = "{starts_on: 2026-01-31, hours_per_month: 10, term_months: 3}"
RENEWAL = '{starts_on: 2026-04-30, hours_per_month: 20, term_months: 6, oms_rate: "34.00"}'


def config(agreement: str) -> str:
    return JIRA + "plans:\n" + PLAN.format(agreement=agreement)


CASES = [
    pytest.param(
        f"terms: [{FIRST}], hours_per_month: 10",
        [
            "plans[0].hours_per_month: plan 'acme' gives terms, so its hours and months go in "
            "each term: move hours_per_month into the terms, or drop terms for the one-term "
            "shorthand"
        ],
        id="both forms",
    ),
    pytest.param(
        "auto_renew: true",
        [
            "plans[0]: plan 'acme' has no terms: give terms (an empty list for priority support "
            "only), or hours_per_month and term_months for one term from enrolled_on"
        ],
        id="no terms",
    ),
    pytest.param(
        "hours_per_month: 10",
        [
            "plans[0].term_months: missing beside hours_per_month (the one-term shorthand needs "
            "both hours_per_month and term_months)"
        ],
        id="half a shorthand",
    ),
    pytest.param(
        f"terms: [{FIRST}, {RENEWAL.replace('2026-04-30', '2026-04-15')}]",
        [
            "plans[0].terms[1].starts_on: 2026-04-15 is not a billing date of plan 'acme' "
            "(enrolled on 2026-01-31): the nearest are 2026-03-31 and 2026-04-30"
        ],
        id="term not on an anniversary",
    ),
    pytest.param(
        f"terms: [{FIRST.replace('2026-01-31', '2025-12-31')}]",
        [
            "plans[0].terms[0].starts_on: 2025-12-31 is before the enrolment on 2026-01-31: "
            "the first billing date is 2026-01-31"
        ],
        id="term before enrolment",
    ),
    pytest.param(
        f"terms: [{RENEWAL}, {FIRST}]",
        [
            "plans[0].terms[1].starts_on: 2026-01-31 is not after terms[0].starts_on "
            "(2026-04-30): list the terms in order of starts_on, each on a date of its own"
        ],
        id="terms out of order",
    ),
    pytest.param(
        f"terms: [{FIRST}, {FIRST.replace('10', '20')}]",
        [
            "plans[0].terms[1].starts_on: 2026-01-31 is not after terms[0].starts_on "
            "(2026-01-31): list the terms in order of starts_on, each on a date of its own"
        ],
        id="terms on the same date",
    ),
    pytest.param(
        f"terms: [{FIRST}, {RENEWAL.replace('20,', '8,').replace('6,', '2,')}]",
        [
            "plans[0].terms[1].hours_per_month: 8 is below the minimum of 10 hours a month",
            "plans[0].terms[1].term_months: 2 is below the minimum term of 3 months",
        ],
        id="term below the minimums",
    ),
    pytest.param(
        f"terms: [{FIRST}], ends_on: 2026-05-15",
        [
            "plans[0].ends_on: 2026-05-15 is not a billing date of plan 'acme' (enrolled on "
            "2026-01-31): the nearest are 2026-04-30 and 2026-05-31"
        ],
        id="ends_on not an anniversary",
    ),
    pytest.param(
        f"terms: [{FIRST}, {RENEWAL}], auto_renew: true, ends_on: 2026-03-31",
        [
            "plans[0].ends_on: 2026-03-31 is before the last term's start (2026-04-30), which "
            "auto_renew renews until ends_on: move ends_on after it, or remove that term"
        ],
        id="auto_renew ending before the last term",
    ),
    pytest.param(
        f"terms: [{FIRST}, {RENEWAL}], ends_on: 2026-04-30",
        [
            "plans[0].ends_on: 2026-04-30 is not after the last term's start (2026-04-30), "
            "which would then cover nothing: move ends_on after it, or remove that term"
        ],
        id="ends_on cancelling the last term",
    ),
    pytest.param(
        "terms: [], auto_renew: true",
        [
            "plans[0].auto_renew: plan 'acme' has no terms to renew (priority support only): "
            "remove auto_renew or add a term"
        ],
        id="priority only renewing",
    ),
    pytest.param(
        f"terms: [{FIRST}], billing_starts_on: 2026-03-01",
        [
            "plans[0].billing_starts_on: 2026-03-01 is not a billing date of plan 'acme' "
            "(enrolled on 2026-01-31): the nearest are 2026-02-28 and 2026-03-31"
        ],
        id="billing_starts_on not an anniversary",
    ),
    pytest.param(
        f"terms: [{FIRST}],\n"
        '     priority_bank: [{purchased_on: 2026-02-10, hours: 10, price: "6OO"}]',
        ["plans[0].priority_bank[0].price: '6OO' is not a decimal number"],
        id="price not money",
    ),
    pytest.param(
        f"terms: [{FIRST}],\n"
        '     priority_bank: [{purchased_on: 2026-02-10, hours: 10, price: "6.005"}]',
        ["plans[0].priority_bank[0].price: 6.005 has more than 2 decimal places"],
        id="price with fractions of a cent",
    ),
]


@pytest.mark.parametrize(("text", "problems"), CASES)
def test_a_bad_agreement_is_one_line_naming_the_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, problems: list[str]
) -> None:
    path = write(tmp_path, config(text))

    status = main(["--config", str(path), "check-config"])

    assert status == 2
    assert capsys.readouterr().err == "".join(f"{path}: {problem}\n" for problem in problems)


def test_the_agreement_of_the_rules_is_valid(tmp_path: Path) -> None:
    text = (
        f"terms: [{FIRST}, {RENEWAL}], auto_renew: true, ends_on: 2027-01-31,\n"
        '     rounding_increment_hours: "0.25", billing_starts_on: 2026-01-31,\n'
        '     priority_bank: [{purchased_on: 2026-02-10, hours: 10, price: "600.00"},\n'
        "                     {purchased_on: 2026-01-31, hours: 5, invoice: false}]"
    )
    path = write(
        tmp_path,
        config(text)
        + PLAN.format(agreement="terms: []").replace(
            "acme, customer: Acme Corp, jira_projects: [ACME]",
            "delta, customer: Delta LLC, jira_projects: [DEL]",
        ),
    )
    assert main(["--config", str(path), "check-config", "--as-of", "2026-01-31"]) == 0
