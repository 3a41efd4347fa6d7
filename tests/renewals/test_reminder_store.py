"""The renewal-reminder records of the SQL store: each plan and term once."""

from __future__ import annotations

from datetime import UTC, date, datetime

from oms_connector.adapters.sql.store import SqlStore
from oms_connector.services.ports import RenewalReminder

AT = datetime(2026, 3, 31, 4, 0, tzinfo=UTC)


def _reminder(plan_id: str = "acme", starts_on: date = date(2026, 1, 31)) -> RenewalReminder:
    return RenewalReminder(plan_id, starts_on, AT)


def test_a_reminder_is_recorded_once_per_plan_and_term(sql_store: SqlStore) -> None:
    with sql_store.unit_of_work() as uow:
        first = uow.renewal_reminders.record(_reminder())
        again = uow.renewal_reminders.record(_reminder())
        next_term = uow.renewal_reminders.record(_reminder(starts_on=date(2026, 4, 30)))
        other_plan = uow.renewal_reminders.record(_reminder("globex"))
        uow.commit()

    assert (first, again, next_term, other_plan) == (True, False, True, True)
    with sql_store.unit_of_work(read_only=True) as uow:
        assert uow.renewal_reminders.recorded("acme") == [
            _reminder(),
            _reminder(starts_on=date(2026, 4, 30)),
        ]
        assert uow.renewal_reminders.recorded("initech") == []


def test_a_reminder_recorded_by_a_committed_unit_of_work_is_not_recorded_again(
    sql_store: SqlStore,
) -> None:
    with sql_store.unit_of_work() as uow:
        uow.renewal_reminders.record(_reminder())
        uow.commit()

    with sql_store.unit_of_work() as uow:
        assert uow.renewal_reminders.record(_reminder()) is False


def test_a_reminder_of_a_rolled_back_unit_of_work_can_be_recorded_later(
    sql_store: SqlStore,
) -> None:
    with sql_store.unit_of_work() as uow:
        uow.renewal_reminders.record(_reminder())

    with sql_store.unit_of_work() as uow:
        assert uow.renewal_reminders.record(_reminder()) is True


def test_a_withdrawn_reminder_can_be_recorded_again_and_leaves_the_others(
    sql_store: SqlStore,
) -> None:
    with sql_store.unit_of_work() as uow:
        uow.renewal_reminders.record(_reminder())
        uow.renewal_reminders.record(_reminder("globex"))
        uow.commit()
    with sql_store.unit_of_work() as uow:
        uow.renewal_reminders.withdraw(_reminder())
        uow.commit()

    with sql_store.unit_of_work() as uow:
        assert uow.renewal_reminders.recorded("acme") == []
        assert uow.renewal_reminders.recorded("globex") == [_reminder("globex")]
        assert uow.renewal_reminders.record(_reminder()) is True
