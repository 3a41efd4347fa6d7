"""A plan's billing terms changed after it was billed: the close refuses that plan."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from oms_connector.domain.plans import Plan
from oms_connector.services.close import CloseService
from tests.services.builders import acme_plan
from tests.services.fakes import FakeClock
from tests.services.memory_store import MemoryStore
from tests.services.test_close import ACME_WORK, load, statements, summary

NOW = datetime(2026, 6, 1, tzinfo=UTC)
ADVICE = 'billed periods keep their terms: restore them (see "Changing a plan" in docs/billing.md)'


def zeta() -> Plan:
    return acme_plan(id="zeta", customer="Zeta", jira_projects=("ZETA",))


def close(store: MemoryStore, as_of: date, *plans: Plan) -> CloseService:
    service = CloseService(store, plans, grace_days=3, clock=FakeClock(NOW))
    service.close(as_of=as_of)
    return service


@pytest.fixture
def billed() -> MemoryStore:
    """Acme (section 7) and zeta, closed through statement 2 (acme-20260331)."""
    store = MemoryStore()
    load(store, FakeClock(NOW), *ACME_WORK)
    close(store, date(2026, 4, 3), acme_plan(), zeta())
    return store


def test_a_rate_changed_after_billing_is_refused_naming_the_change_and_other_plans_close(
    billed: MemoryStore,
) -> None:
    raised = acme_plan(priority_rate=Decimal("70.00"))
    closer = CloseService(billed, [raised, zeta()], grace_days=3, clock=FakeClock(NOW))

    report = closer.close(as_of=date(2026, 5, 3))

    assert report.refused == [
        f"plan acme: priority_rate changed from 62.50 to 70.00 since acme-20260331; {ADVICE}"
    ]
    assert report.written == ["zeta-20260430"]
    # Period 1, billed at 62.50, is not re-priced: no acme statement is written.
    assert sorted(statements(billed)) == ["acme-20260131", "acme-20260228", "acme-20260331"]


def test_a_term_extended_after_the_final_statement_is_refused(billed: MemoryStore) -> None:
    close(billed, date(2026, 5, 3), acme_plan(), zeta())
    renewed = acme_plan(term_months=6)
    closer = CloseService(billed, [renewed], grace_days=3, clock=FakeClock(NOW))

    report = closer.close(as_of=date(2026, 6, 3))

    assert report.refused == [
        f"plan acme: term_months changed from 3 to 6 since acme-20260430; {ADVICE}"
    ]
    assert (report.written, report.skipped) == ([], [])


def test_several_changed_terms_are_named_on_one_line_in_a_fixed_order(
    billed: MemoryStore,
) -> None:
    changed = acme_plan(auto_renew=True, rounding_increment=Decimal("0.25"))
    report = CloseService(billed, [changed], 3, FakeClock(NOW)).close(as_of=date(2026, 5, 3))
    assert report.refused == [
        "plan acme: auto_renew changed from false to true, rounding_increment_hours changed "
        f"from 0.01 to 0.25 since acme-20260331; {ADVICE}"
    ]


def test_unchanged_terms_close_normally_whatever_the_name_and_the_bank(
    billed: MemoryStore,
) -> None:
    # The customer's name and the bank's purchases are not terms; 10.00 is 10.
    same = acme_plan(customer="Acme Corporation", hours_per_month=Decimal("10.00"))
    report = CloseService(billed, [same], 3, FakeClock(NOW)).close(as_of=date(2026, 5, 3))

    assert (report.refused, report.written) == ([], ["acme-20260430"])
    assert summary(statements(billed)["acme-20260430"]) == [
        ("expired", 2, "0.00", "0.00", None),
    ]


def test_a_plan_with_no_statement_yet_is_free_to_change() -> None:
    store = MemoryStore()
    load(store, FakeClock(NOW), *ACME_WORK)
    close(store, date(2026, 1, 30), acme_plan())  # before enrolment: nothing written
    raised = acme_plan(priority_rate=Decimal("70.00"))

    report = CloseService(store, [raised], 3, FakeClock(NOW)).close(as_of=date(2026, 4, 3))

    assert report.refused == []
    assert report.written == ["acme-20260131", "acme-20260228", "acme-20260331"]
    assert summary(statements(store)["acme-20260331"]) == [
        ("subscription", 2, "10.00", "350.00", None),
        ("overage", 1, "2.25", "157.50", None),
        ("priority", 1, "1.33", "93.10", None),
        ("expired", 1, "0.00", "0.00", None),
    ]
