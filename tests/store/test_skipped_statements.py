"""Statements after the term with nothing on them are settled, never written later."""

from __future__ import annotations

from datetime import UTC, date, datetime

from oms_connector.adapters.sql.store import SqlStore
from oms_connector.domain.terms import BilledTerms
from oms_connector.services.close import CloseService
from oms_connector.services.ports import EventFacts
from tests.domain.builders import NEW_YORK
from tests.services.builders import acme_plan, ingest_for, issue, later, worklog
from tests.services.fakes import FakeClock
from tests.services.test_close import summary

PLANS = [acme_plan(), acme_plan(id="zeta", jira_projects=("ZETA",))]


def w1(hours: float, updated: datetime) -> EventFacts:
    started = datetime(2026, 2, 10, 10, tzinfo=NEW_YORK)  # period 0
    return EventFacts(
        issues=(issue("1", "ACME-1"),),
        worklogs=(worklog("w1", issue_id="1", started=started, hours=hours, updated=updated),),
    )


def apply(store: SqlStore, clock: FakeClock, facts: EventFacts) -> None:
    with store.unit_of_work() as uow:
        ingest_for(clock, *PLANS).apply(uow, facts)
        uow.commit()


def test_a_correction_after_a_skipped_statement_lands_on_the_next_statement_due(
    sql_store: SqlStore,
) -> None:
    clock = FakeClock(datetime(2026, 6, 10, tzinfo=UTC))
    apply(sql_store, clock, w1(12, later(0)))
    close = CloseService(sql_store, PLANS, grace_days=3, clock=clock)
    june = close.close(as_of=date(2026, 6, 10))
    assert june.skipped == ["acme-20260531", "zeta-20260531"]
    # July: w1 of period 0 grows from 12 h to 14 h.
    apply(sql_store, clock, w1(14, later(60)))

    july = close.close(as_of=date(2026, 7, 10))

    assert (july.written, july.skipped) == (["acme-20260630"], ["zeta-20260630"])
    with sql_store.unit_of_work() as uow:
        written = {s.number: s for s in uow.statements.list("acme")}
        settled = uow.statements.written_by_plan()
    assert "acme-20260531" not in written
    statement = written["acme-20260630"]
    assert (statement.index, statement.billing_date) == (5, date(2026, 6, 30))
    assert summary(statement) == [("adjustment", 0, "2.00", "125.00", "overage")]
    assert str(statement.total) == "125.00"
    assert settled == {"acme": {0, 1, 2, 3, 4, 5}, "zeta": {0, 1, 2, 3, 4, 5}}


def test_closing_again_builds_no_skipped_statement_again(sql_store: SqlStore) -> None:
    clock = FakeClock(datetime(2026, 6, 10, tzinfo=UTC))
    apply(sql_store, clock, w1(12, later(0)))
    close = CloseService(sql_store, PLANS, grace_days=3, clock=clock)
    close.close(as_of=date(2026, 6, 10))

    again = close.close(as_of=date(2026, 6, 10))

    assert (again.written, again.skipped, again.already_written) == ([], [], [])


def test_a_statement_is_skipped_once_and_never_over_a_written_one(sql_store: SqlStore) -> None:
    now = datetime(2026, 6, 10, tzinfo=UTC)
    with sql_store.unit_of_work() as uow:
        assert uow.statements.skip("acme", 4, date(2026, 5, 31), now, sales_from=0)
        assert not uow.statements.skip("acme", 4, date(2026, 5, 31), now, sales_from=0)
        uow.commit()
    with sql_store.unit_of_work() as uow:
        assert uow.statements.is_skipped("acme", 4)
        assert not uow.statements.is_skipped("acme", 5)
        assert uow.statements.list("acme") == []
        assert uow.statements.written_by_plan() == {"acme": {4}}


def test_a_written_statement_cannot_be_skipped(sql_store: SqlStore) -> None:
    clock = FakeClock(datetime(2026, 5, 10, tzinfo=UTC))
    CloseService(sql_store, PLANS[:1], grace_days=3, clock=clock).close(as_of=date(2026, 5, 3))
    with sql_store.unit_of_work() as uow:
        assert not uow.statements.skip("acme", 3, date(2026, 4, 30), clock.now(), sales_from=0)
        assert not uow.statements.is_skipped("acme", 3)


def test_the_latest_recorded_terms_of_each_plan_are_read_at_once(sql_store: SqlStore) -> None:
    clock = FakeClock(datetime(2026, 5, 10, tzinfo=UTC))
    CloseService(sql_store, PLANS, grace_days=3, clock=clock).close(as_of=date(2026, 4, 3))
    with sql_store.unit_of_work() as uow:
        latest = uow.statements.latest_terms(["acme", "zeta", "other"])
        assert uow.statements.latest_terms([]) == {}
    assert {plan: recorded.number for plan, recorded in latest.items()} == {
        "acme": "acme-20260331",
        "zeta": "zeta-20260331",
    }
    assert latest["acme"].terms == BilledTerms.of(PLANS[0], through=latest["acme"].index).to_json()
