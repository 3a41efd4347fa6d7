from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy.exc import StatementError

from oms_connector.adapters.sql.store import SqlStore
from oms_connector.domain.lines import Line, LineKind
from oms_connector.domain.statements import Statement
from oms_connector.domain.terms import BilledTerms
from oms_connector.domain.worklogs import Worklog
from oms_connector.services.ports import InboxStatus
from tests.conftest import migrated_store
from tests.domain.builders import acme

NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)
TERMS = BilledTerms.of(acme(), through=0)

STATEMENT = Statement(
    number="acme-20260331",
    plan_id="acme",
    customer="Acme Corp",
    index=2,
    billing_date=date(2026, 3, 31),
    currency="USD",
    lines=(
        Line(
            LineKind.OVERAGE,
            1,
            date(2026, 2, 28),
            date(2026, 3, 31),
            Decimal("2.25"),
            Decimal("62.50"),
            Decimal("140.63"),
            "OMS work beyond the 10.00 h of the period",
            ("ACME-1",),
            ("p1-a", "p1-b"),
        ),
        Line(
            LineKind.ADJUSTMENT,
            0,
            date(2026, 1, 31),
            date(2026, 2, 28),
            Decimal("-1.25"),
            Decimal("62.50"),
            Decimal("-78.13"),
            "Adjustment",
            corrects=LineKind.PRIORITY,
        ),
    ),
)


def test_a_statement_reads_back_exactly_as_written(sql_store: SqlStore) -> None:
    with sql_store.unit_of_work() as uow:
        assert uow.statements.add(STATEMENT, NOW, terms=TERMS)
        uow.commit()
    with sql_store.unit_of_work() as uow:
        [stored] = uow.statements.list("acme")
        assert uow.statements.written_indexes("acme") == {2}
        assert uow.statements.billed_lines("acme") == list(STATEMENT.lines)
    assert stored == STATEMENT
    assert [str(line.amount) for line in stored.lines] == ["140.63", "-78.13"]
    assert str(stored.total) == "62.50"


@pytest.mark.parametrize(
    ("issue_keys", "worklog_ids"),
    [
        ((), ()),
        (("ACME-1",), ("9", "10", "100")),
        (("",), ("",)),
        (('say "hi"',), ("back\\slash", "a, b")),
        (("été",), ("tab\there", "del\x7f", "nul\x00")),
    ],
)
def test_the_ids_of_a_line_read_back_exactly_whatever_their_characters(
    sql_store: SqlStore, issue_keys: tuple[str, ...], worklog_ids: tuple[str, ...]
) -> None:
    line = replace(STATEMENT.lines[0], issue_keys=issue_keys, worklog_ids=worklog_ids)
    statement = replace(STATEMENT, lines=(line,))
    with sql_store.unit_of_work() as uow:
        assert uow.statements.add(statement, NOW, terms=TERMS)
        uow.commit()
    with sql_store.unit_of_work() as uow:
        [stored] = uow.statements.billed_lines("acme")
    assert (stored.issue_keys, stored.worklog_ids) == (issue_keys, worklog_ids)


def test_billed_lines_are_read_for_several_plans_at_once_in_statement_order(
    sql_store: SqlStore,
) -> None:
    earlier = replace(STATEMENT, number="acme-20260228", index=1, billing_date=date(2026, 2, 28))
    other = replace(STATEMENT, number="beta-20260331", plan_id="beta", lines=STATEMENT.lines[1:])
    with sql_store.unit_of_work() as uow:
        for statement in (STATEMENT, other, earlier):
            assert uow.statements.add(statement, NOW, terms=TERMS)
        uow.commit()
    with sql_store.unit_of_work() as uow:
        billed = uow.statements.billed_lines_by_plan(["acme", "beta", "gamma"])
        assert billed == {
            "acme": [*earlier.lines, *STATEMENT.lines],
            "beta": list(other.lines),
        }
        assert billed["acme"] == uow.statements.billed_lines("acme")
        assert uow.statements.billed_lines_by_plan(["beta"]) == {"beta": list(other.lines)}
        assert uow.statements.billed_lines_by_plan([]) == {}


def test_a_statement_is_written_once_and_the_transaction_stays_usable(sql_store: SqlStore) -> None:
    with sql_store.unit_of_work() as uow:
        assert uow.statements.add(STATEMENT, NOW, terms=TERMS)
        uow.commit()
    with sql_store.unit_of_work() as uow:
        assert not uow.statements.add(STATEMENT, NOW, terms=TERMS)
        uow.checkpoints.set("worklogs", "2026-03-01T00:00:00Z", NOW)
        uow.commit()
    with sql_store.unit_of_work() as uow:
        assert len(uow.statements.list()) == 1
        assert uow.checkpoints.get("worklogs") == "2026-03-01T00:00:00Z"


def test_a_worklog_id_with_a_comma_is_refused(sql_store: SqlStore) -> None:
    worklog = Worklog(
        id="100,101", issue_id="10001", started=NOW, seconds=60, updated=NOW, author="ann"
    )
    with (
        sql_store.unit_of_work() as uow,
        pytest.raises(ValueError, match=r"^worklog id '100,101' contains ','$"),
    ):
        uow.worklogs.save_if_supersedes(worklog, NOW)


def test_checkpoints_are_replaced(sql_store: SqlStore) -> None:
    with sql_store.unit_of_work() as uow:
        assert uow.checkpoints.get("issues") is None
        uow.checkpoints.set("issues", "a", NOW)
        uow.checkpoints.set("issues", "b", NOW)
        uow.commit()
    with sql_store.unit_of_work() as uow:
        assert uow.checkpoints.get("issues") == "b"


def test_the_last_write_back_per_issue_and_target_is_remembered(sql_store: SqlStore) -> None:
    with sql_store.unit_of_work() as uow:
        uow.writebacks.record("10001", "label", "oms-planned", NOW)
        uow.writebacks.record("10001", "label", "priority-support", NOW + timedelta(1))
        uow.writebacks.record("10001", "property", "{}", NOW)
        uow.commit()
    with sql_store.unit_of_work() as uow:
        last = uow.writebacks.last("10001", "label")
        assert uow.writebacks.last("10002", "label") is None
    assert last is not None
    assert (last.value, last.sent_at) == ("priority-support", NOW + timedelta(1))
    assert last.value_hash == hashlib.sha256(b"priority-support").hexdigest()


def test_a_naive_instant_is_refused(sql_store: SqlStore) -> None:
    with sql_store.unit_of_work() as uow, pytest.raises(StatementError, match="not timezone-aware"):
        uow.checkpoints.set("issues", "a", datetime(2026, 3, 1, 12))


@pytest.mark.postgres
def test_a_second_worker_skips_the_events_a_first_is_claiming(postgres_url: str) -> None:
    with migrated_store(postgres_url) as store:
        with store.unit_of_work() as uow:
            for n in range(3):
                uow.inbox.add(f"d{n}", "worklog_created", b'{"n": %d}' % n, NOW)
            uow.commit()
        lease = timedelta(minutes=5)
        with store.unit_of_work() as first, store.unit_of_work() as second:
            mine = first.inbox.claim("first", NOW, lease, limit=2)
            theirs = second.inbox.claim("second", NOW, lease, limit=2)
            first.commit()
            second.commit()
        with store.unit_of_work() as uow:
            counts = uow.inbox.counts()
    assert [event.id for event in mine] == [1, 2]
    assert [event.id for event in theirs] == [3]
    assert counts == {InboxStatus.PENDING: 3, InboxStatus.DONE: 0, InboxStatus.FAILED: 0}
