"""What was billed keeps its terms: recorded terms and the refusals of section 8."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from oms_connector.domain.plans import Plan, Term
from oms_connector.domain.terms import (
    BilledTerms,
    PeriodChange,
    PeriodTerms,
    PlanWideChange,
    RecordedTermsError,
    first_change,
    refusal_message,
)

from .builders import acme
from .test_agreement_timeline import FIRST, RENEWAL, THIRD, delta, renewed

REMEDY = (
    "billed periods keep their terms: restore them, and start a new term on {} or later "
    '(see "Changing a plan" in docs/billing.md)'
)
LEGACY_ACME_JSON = (
    '{"auto_renew":"false","currency":"USD","enrolled_on":"2026-01-31",'
    '"hours_per_month":"10","oms_rate":"35.00","overage_uses_priority_bank":"true",'
    '"priority_rate":"62.50","rounding_increment_hours":"0.01","term_months":"3",'
    '"timezone":"America/New_York"}'
)


def refusal(plan: Plan, billed_with: Plan, through: int) -> str | None:
    change = first_change(plan, BilledTerms.of(billed_with, through), through)
    return None if change is None else refusal_message(plan, change, through)


def test_recorded_terms_are_canonical_json_with_runs_of_periods() -> None:
    assert BilledTerms.of(renewed(), through=4).to_json() == (
        '{"billing_starts_on":"2026-01-31","currency":"USD","enrolled_on":"2026-01-31",'
        '"overage_uses_priority_bank":"true","periods":['
        '{"from":0,"hours":"10","oms_rate":"35.00","priority_rate":"62.50","through":2},'
        '{"from":3,"hours":"20","oms_rate":"34.00","priority_rate":"62.50","through":4}],'
        '"rounding_increment_hours":"0.01","sales_from":0,"timezone":"America/New_York",'
        '"version":2}'
    )


def test_recorded_terms_read_back_equal_to_those_written() -> None:
    terms = BilledTerms.of(renewed(FIRST, THIRD, auto_renew=True), through=9)
    assert BilledTerms.from_json(terms.to_json(), through=9) == terms
    assert terms.periods[3] == PeriodTerms(None, None, Decimal("62.50"))


def test_terms_recorded_in_the_flat_form_are_read_as_one_term_before_sales() -> None:
    legacy = BilledTerms.from_json(LEGACY_ACME_JSON, through=3)
    assert legacy == replace(BilledTerms.of(acme(), through=3), sales_from=None)
    assert BilledTerms.from_json(legacy.to_json(), through=3) == legacy


# --- section 10 --------------------------------------------------------------------------


def test_changing_the_renewal_after_its_first_statement_is_refused() -> None:
    fifteen = replace(RENEWAL, hours_per_month=Decimal(15))
    assert refusal(renewed(FIRST, fifteen), renewed(), through=3) == (
        "plan acme: period 3 (2026-04-30 to 2026-05-31) would change from 20 h at 34.00 "
        "(priority 62.50) to 15 h at 34.00 (priority 62.50), but acme-20260430 settled it; "
        + REMEDY.format("2026-05-31")
    )


def test_a_third_term_is_accepted_while_its_first_statement_is_not_written() -> None:
    assert refusal(renewed(FIRST, RENEWAL, THIRD), renewed(), through=4) is None
    assert refusal(renewed(FIRST, RENEWAL, THIRD), renewed(), through=5) == (
        "plan acme: period 5 (2026-06-30 to 2026-07-31) would change from 20 h at 34.00 "
        "(priority 62.50) to 15 h at 35.00 (priority 62.50), but acme-20260630 settled it; "
        + REMEDY.format("2026-07-31")
    )


def test_a_longer_term_after_the_final_statement_is_refused() -> None:
    assert refusal(acme(term_months=6), acme(), through=3) == (
        "plan acme: period 3 (2026-04-30 to 2026-05-31) would change from no term "
        "(priority 62.50) to 10 h at 35.00 (priority 62.50), but acme-20260430 settled it; "
        + REMEDY.format("2026-05-31")
    )
    # Before the final statement, the longer term only changes unbilled periods.
    assert refusal(acme(term_months=6), acme(), through=2) is None


@pytest.mark.parametrize(
    ("changed", "first_period"),
    [
        (acme(priority_rate=Decimal("70.00")), 0),
        (acme(oms_rate=Decimal("30.00")), 0),
        (renewed(FIRST, replace(RENEWAL, starts_on=date(2026, 3, 31))), 2),
        (renewed(FIRST, replace(RENEWAL, starts_on=date(2026, 5, 31))), 3),
        (renewed(replace(FIRST, term_months=4), replace(RENEWAL, starts_on=date(2026, 5, 31))), 3),
        (renewed(FIRST, RENEWAL, auto_renew=True, ends_on=date(2026, 5, 31)), 4),
    ],
)
def test_moving_or_repricing_a_billed_period_names_the_first_one_affected(
    changed: Plan, first_period: int
) -> None:
    change = first_change(changed, BilledTerms.of(renewed(), through=4), 4)
    assert isinstance(change, PeriodChange)
    assert change.index == first_period


def test_a_plan_wide_change_is_refused_naming_the_setting() -> None:
    moved = acme(timezone=ZoneInfo("Europe/London"))
    assert refusal(moved, acme(), through=1) == (
        "plan acme: timezone changed from America/New_York to Europe/London, but "
        "acme-20260131 and later statements are settled with it; billed periods keep their "
        'terms: restore it (see "Changing a plan" in docs/billing.md)'
    )
    change = first_change(acme(rounding_increment=Decimal("0.25")), BilledTerms.of(acme(), 1), 1)
    assert change == PlanWideChange("rounding_increment_hours", "0.01", "0.25")


def test_the_name_the_bank_and_equal_numbers_are_not_changes() -> None:
    same = acme(customer="Acme Corporation", hours_per_month=Decimal("10.00"))
    assert first_change(same, BilledTerms.of(acme(), 3), 3) is None


def test_a_skipped_statement_may_not_gain_a_subscription() -> None:
    # delta-20260305 was skipped: no statement records terms, and period 0 was uncovered.
    covered = replace(delta(), terms=(Term(date(2026, 3, 5), Decimal(10), 3),))
    change = first_change(covered, None, settled_through=0)
    assert change is not None
    assert refusal_message(covered, change, 0) == (
        "plan delta: period 0 (2026-03-05 to 2026-04-05) would change from no term "
        "(priority 62.50) to 10 h at 35.00 (priority 62.50), but delta-20260305 settled it; "
        + REMEDY.format("2026-04-05")
    )
    later = replace(delta(), terms=(Term(date(2026, 4, 5), Decimal(10), 3),))
    assert first_change(later, None, settled_through=0) is None


def test_statements_skipped_after_the_latest_written_one_stay_uncovered() -> None:
    # acme-20260430 written (final), acme-20260531 skipped: a term from 2026-05-31 is late.
    late = renewed(FIRST, replace(RENEWAL, starts_on=date(2026, 5, 31)))
    change = first_change(late, BilledTerms.of(acme(), 3), settled_through=4)
    assert change == PeriodChange(
        4,
        PeriodTerms(None, None, Decimal("62.50")),
        PeriodTerms(Decimal(20), Decimal("34.00"), Decimal("62.50")),
    )
    on_time = renewed(FIRST, replace(RENEWAL, starts_on=date(2026, 6, 30)))
    assert first_change(on_time, BilledTerms.of(acme(), 3), settled_through=4) is None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("not json", "recorded plan terms are not JSON: Expecting value: line 1 column 1 (char 0)"),
        ("[]", "recorded plan terms are not a JSON object: '[]'"),
        (
            '{"term_months":"3"}',
            "recorded plan terms cannot be read (ValueError: lacks hours_per_month, enrolled_on, "
            "timezone, auto_renew, oms_rate, priority_rate, currency, rounding_increment_hours, "
            'overage_uses_priority_bank): \'{"term_months":"3"}\'',
        ),
        (
            LEGACY_ACME_JSON.replace('"oms_rate":"35.00"', '"oms_rate":"NaN"'),
            "recorded plan terms cannot be read (ValueError: 'NaN' is not a finite decimal "
            f"number): {LEGACY_ACME_JSON.replace('35.00', 'NaN')!r}",
        ),
        (
            '{"version":2,"periods":[]}',
            "recorded plan terms cannot be read (ValueError: periods must be a non-empty list): "
            '\'{"version":2,"periods":[]}\'',
        ),
    ],
)
def test_recorded_terms_that_cannot_be_read_are_refused_naming_the_problem(
    text: str, message: str
) -> None:
    with pytest.raises(RecordedTermsError) as raised:
        BilledTerms.from_json(text, through=2)
    assert str(raised.value) == message
