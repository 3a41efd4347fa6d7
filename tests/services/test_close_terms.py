"""A plan's terms changed for periods already settled: the close refuses that plan."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from oms_connector.domain.plans import BankPurchase, Plan
from oms_connector.domain.statements import build_statement
from oms_connector.domain.terms import BilledTerms
from oms_connector.services.close import CloseService
from tests.services.builders import acme_plan
from tests.services.fakes import FakeClock
from tests.services.memory_store import MemoryStore
from tests.services.test_close import ACME_WORK, load, statements, summary

NOW = datetime(2026, 6, 1, tzinfo=UTC)
ADVICE = (
    "billed periods keep their terms: restore them, and start a new term on {} or later "
    '(see "Changing a plan" in docs/billing.md)'
)


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
        "plan acme: period 0 (2026-01-31 to 2026-02-28) would change from 10 h at 35.00 "
        "(priority 62.50) to 10 h at 35.00 (priority 70.00), but acme-20260131 settled it; "
        + ADVICE.format("2026-04-30")
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
        "plan acme: period 3 (2026-04-30 to 2026-05-31) would change from no term "
        "(priority 62.50) to 10 h at 35.00 (priority 62.50), but acme-20260430 settled it; "
        + ADVICE.format("2026-05-31")
    ]
    assert (report.written, report.skipped) == ([], [])


def test_a_term_extended_before_its_final_statement_is_accepted(billed: MemoryStore) -> None:
    # Through acme-20260331 only periods 0 to 2 are settled: months 4 to 6 are new.
    longer = acme_plan(term_months=6)
    report = CloseService(billed, [longer], 3, FakeClock(NOW)).close(as_of=date(2026, 5, 3))

    assert (report.refused, report.written) == ([], ["acme-20260430"])
    assert summary(statements(billed)["acme-20260430"]) == [
        ("subscription", 3, "10.00", "350.00", None),
        ("expired", 2, "0.00", "0.00", None),
    ]


def test_a_refused_plan_is_refused_even_when_nothing_of_it_is_due(billed: MemoryStore) -> None:
    raised = acme_plan(oms_rate=Decimal("30.00"))
    report = CloseService(billed, [raised], 3, FakeClock(NOW)).close(as_of=date(2026, 4, 3))
    assert len(report.refused) == 1
    assert report.refused[0].startswith("plan acme: period 0 (2026-01-31 to 2026-02-28)")


def test_a_plan_wide_change_is_named_with_its_old_and_new_value(
    billed: MemoryStore,
) -> None:
    changed = acme_plan(auto_renew=True, rounding_increment=Decimal("0.25"))
    report = CloseService(billed, [changed], 3, FakeClock(NOW)).close(as_of=date(2026, 5, 3))
    assert report.refused == [
        "plan acme: rounding_increment_hours changed from 0.01 to 0.25, but acme-20260131 and "
        "later statements are settled with it; billed periods keep their terms: restore it "
        '(see "Changing a plan" in docs/billing.md)'
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


LEGACY_TERMS = (
    '{"auto_renew":"false","currency":"USD","enrolled_on":"2026-01-31",'
    '"hours_per_month":"10","oms_rate":"35.00","overage_uses_priority_bank":"true",'
    '"priority_rate":"62.50","rounding_increment_hours":"0.01","term_months":"3",'
    '"timezone":"America/New_York"}'
)


def test_purchases_of_statements_written_before_sales_are_never_billed() -> None:
    # Statements 0 and 1 were written by a version that did not sell prepaid hours (flat
    # terms): the purchase of 2026-02-10, due on acme-20260228, was invoiced elsewhere.
    store = MemoryStore()
    old_bank = (BankPurchase(date(2026, 2, 10), Decimal(10)),)
    with store.unit_of_work() as uow:
        for index in (0, 1):
            # As that version wrote them: no prepaid line.
            statement = build_statement(acme_plan(priority_bank=old_bank), index, {}, sales_from=2)
            assert statement is not None
            uow.statements.add(
                statement, NOW, terms=BilledTerms.from_json(LEGACY_TERMS, through=index)
            )
        uow.commit()
    later = BankPurchase(date(2026, 3, 15), Decimal(5), price=Decimal("300.00"))
    plan = acme_plan(priority_bank=(*old_bank, later))

    report = CloseService(store, [plan], 3, FakeClock(NOW)).close(as_of=date(2026, 5, 3))

    assert report.written == ["acme-20260331", "acme-20260430"]
    # The purchase of 2026-03-15, after them, is sold; the earlier one is never billed.
    assert summary(statements(store)["acme-20260331"]) == [
        ("subscription", 2, "10.00", "350.00", None),
        ("prepaid", 1, "5.00", "300.00", None),
        ("expired", 1, "10.00", "0.00", None),
    ]
    assert summary(statements(store)["acme-20260430"]) == [("expired", 2, "10.00", "0.00", None)]
    with store.unit_of_work() as uow:
        recorded = uow.statements.latest_terms(["acme"])["acme"]
    assert BilledTerms.from_json(recorded.terms, recorded.index).sales_from == 2


def test_a_purchase_recorded_after_a_skipped_statement_is_sold_by_an_adjustment() -> None:
    # Priority support only: delta-20260305 had nothing to bill and was skipped. The
    # purchase made that day is recorded afterwards: the next statement bills it.
    delta = acme_plan(id="delta", terms=(), enrolled_on=date(2026, 3, 5), jira_projects=("DEL",))
    store = MemoryStore()
    first = CloseService(store, [delta], 3, FakeClock(NOW)).close(as_of=date(2026, 3, 5))
    assert first.skipped == ["delta-20260305"]
    bought = replace(
        delta, priority_bank=(BankPurchase(date(2026, 3, 5), Decimal(10), Decimal("600.00")),)
    )

    report = CloseService(store, [bought], 3, FakeClock(NOW)).close(as_of=date(2026, 5, 8))

    assert (report.written, report.skipped) == (["delta-20260405"], ["delta-20260505"])
    with store.unit_of_work() as uow:
        (written,) = uow.statements.list("delta")
    assert summary(written) == [("adjustment", 0, "10.00", "600.00", "prepaid")]
