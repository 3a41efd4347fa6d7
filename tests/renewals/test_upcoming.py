"""Which end of an agreement falls within the days: its last term's, or its renewal's."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from oms_connector.domain.plans import Plan, Term
from oms_connector.services.renewals import Renewal, upcoming, upcoming_renewals
from tests.domain.builders import acme

FIRST = Term(date(2026, 1, 31), Decimal(10), 3)
RENEWAL = Term(date(2026, 4, 30), Decimal(20), 6, oms_rate=Decimal("34.00"))
SECTION_10 = acme(terms=(FIRST, RENEWAL))
"""Plan ``acme`` of BILLING_RULES.md section 10: renewed on 2026-04-30 for 6 months."""


def ends(plan: Plan, day: date, within: int = 30) -> tuple[date, int, bool] | None:
    renewal = upcoming(plan, day, within)
    return None if renewal is None else (renewal.ends_on, renewal.days_left, renewal.renews)


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2026, 3, 30), None),
        (date(2026, 3, 31), (date(2026, 4, 30), 30, False)),
        (date(2026, 4, 29), (date(2026, 4, 30), 1, False)),
        (date(2026, 4, 30), (date(2026, 4, 30), 0, False)),
        (date(2026, 5, 1), None),
    ],
)
def test_a_term_without_renewal_is_found_from_the_days_before_its_end_to_its_end(
    day: date, expected: tuple[date, int, bool] | None
) -> None:
    assert ends(acme(), day) == expected


def test_an_auto_renewing_term_is_found_once_then_renews_without_end() -> None:
    plan = acme(auto_renew=True)

    assert ends(plan, date(2026, 4, 1)) == (date(2026, 4, 30), 29, True)
    assert ends(plan, date(2026, 5, 15)) is None
    assert ends(plan, date(2027, 4, 15)) is None


def test_an_auto_renewing_plan_is_found_again_as_ending_when_its_ends_on_comes() -> None:
    plan = acme(auto_renew=True, ends_on=date(2026, 7, 31))

    assert ends(plan, date(2026, 4, 1)) == (date(2026, 4, 30), 29, True)
    assert ends(plan, date(2026, 6, 30)) is None
    assert ends(plan, date(2026, 7, 10)) == (date(2026, 7, 31), 21, False)


@pytest.mark.parametrize("auto_renew", [False, True])
def test_ends_on_inside_the_term_ends_it_there(auto_renew: bool) -> None:
    plan = acme(term_months=6, auto_renew=auto_renew, ends_on=date(2026, 4, 30))

    assert ends(plan, date(2026, 4, 1)) == (date(2026, 4, 30), 29, False)
    assert ends(plan, date(2026, 7, 1)) is None


def test_only_the_last_term_counts_when_a_renewal_is_configured() -> None:
    assert ends(SECTION_10, date(2026, 4, 1)) is None
    renewal = upcoming(SECTION_10, date(2026, 10, 1), 30)

    assert renewal == Renewal(SECTION_10, RENEWAL, date(2026, 10, 31), 30, renews=False)
    assert renewal.oms_rate == Decimal("34.00")


def test_a_term_without_its_own_rate_has_the_plan_s() -> None:
    renewal = upcoming(acme(oms_rate=Decimal("33.00")), date(2026, 4, 1), 30)

    assert renewal is not None
    assert renewal.oms_rate == Decimal("33.00")


def test_a_priority_only_plan_has_no_term_to_end() -> None:
    assert upcoming(acme(terms=()), date(2026, 4, 1), 3660) is None


def test_several_plans_are_listed_soonest_first_each_on_its_own_day() -> None:
    early = acme(id="early", enrolled_on=date(2026, 1, 15))
    late = acme(id="late")
    days = {"early": date(2026, 4, 1), "late": date(2026, 4, 2)}

    found = upcoming_renewals([late, early], 30, lambda plan: days[plan.id])

    assert [(r.plan.id, r.ends_on, r.days_left) for r in found] == [
        ("early", date(2026, 4, 15), 14),
        ("late", date(2026, 4, 30), 28),
    ]
