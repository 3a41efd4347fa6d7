from __future__ import annotations

from datetime import date
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from oms_connector.domain.terms import (
    PlanTerms,
    RecordedTermsError,
    TermChange,
    changed_terms_message,
    differences,
)
from tests.domain.builders import acme, bank

ACME_JSON = (
    '{"auto_renew":"false","currency":"USD","enrolled_on":"2026-01-31",'
    '"hours_per_month":"10","oms_rate":"35.00","overage_uses_priority_bank":"true",'
    '"priority_rate":"62.50","rounding_increment_hours":"0.01","term_months":"3",'
    '"timezone":"America/New_York"}'
)


def test_the_terms_of_a_plan_are_written_as_canonical_json() -> None:
    assert PlanTerms.of(acme()).to_json() == ACME_JSON


def test_recorded_terms_read_back_equal_to_those_written() -> None:
    terms = PlanTerms.of(acme(auto_renew=True, rounding_increment=Decimal("0.25")))
    assert PlanTerms.from_json(terms.to_json()) == terms


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"priority_rate": Decimal("70.00")}, [TermChange("priority_rate", "62.50", "70.00")]),
        ({"term_months": 6}, [TermChange("term_months", "3", "6")]),
        (
            {"auto_renew": True, "oms_rate": Decimal("30.00")},
            [
                TermChange("auto_renew", "false", "true"),
                TermChange("oms_rate", "35.00", "30.00"),
            ],
        ),
        (
            {"enrolled_on": date(2026, 2, 1)},
            [TermChange("enrolled_on", "2026-01-31", "2026-02-01")],
        ),
        (
            {"timezone": ZoneInfo("Europe/London")},
            [TermChange("timezone", "America/New_York", "Europe/London")],
        ),
        (
            {"rounding_increment": Decimal("0.25")},
            [TermChange("rounding_increment_hours", "0.01", "0.25")],
        ),
        (
            {"overage_uses_priority_bank": False},
            [TermChange("overage_uses_priority_bank", "true", "false")],
        ),
        ({"hours_per_month": Decimal("20")}, [TermChange("hours_per_month", "10", "20")]),
        ({"currency": "EUR"}, [TermChange("currency", "USD", "EUR")]),
        # Numbers compare by value; the name and the bank's purchases are not terms.
        ({"hours_per_month": Decimal("10.00"), "priority_rate": Decimal("62.5")}, []),
        ({"customer": "Acme Corporation"}, []),
        ({"priority_bank": bank((date(2026, 3, 1), "10"))}, []),
    ],
)
def test_differences_name_each_changed_term_with_its_old_and_new_value(
    changes: dict[str, object], expected: list[TermChange]
) -> None:
    assert differences(PlanTerms.of(acme()), PlanTerms.of(acme(**changes))) == expected


def test_the_message_names_the_plan_each_change_and_the_statement_that_recorded_them() -> None:
    changes = [TermChange("term_months", "3", "6"), TermChange("priority_rate", "62.50", "70.00")]
    assert changed_terms_message("acme", "acme-20260331", changes) == (
        "plan acme: term_months changed from 3 to 6, priority_rate changed from 62.50 to 70.00 "
        "since acme-20260331; billed periods keep their terms: "
        'restore them (see "Changing a plan" in docs/billing.md)'
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("not json", "recorded plan terms are not JSON: Expecting value: line 1 column 1 (char 0)"),
        ("[]", "recorded plan terms are not a JSON object: '[]'"),
        (
            '{"term_months":"3"}',
            'recorded plan terms lack hours_per_month: \'{"term_months":"3"}\'',
        ),
        (
            ACME_JSON.replace('"term_months":"3"', '"term_months":3'),
            "recorded plan terms: term_months is 3, not a string",
        ),
        (
            ACME_JSON.replace('"oms_rate":"35.00"', '"oms_rate":"NaN"'),
            "recorded plan terms: oms_rate: 'NaN' is not a finite decimal number",
        ),
        (
            ACME_JSON.replace('"auto_renew":"false"', '"auto_renew":"no"'),
            "recorded plan terms: auto_renew: 'no' is not true or false",
        ),
    ],
)
def test_recorded_terms_that_cannot_be_read_are_refused_naming_the_problem(
    text: str, message: str
) -> None:
    with pytest.raises(RecordedTermsError) as raised:
        PlanTerms.from_json(text)
    assert str(raised.value) == message
