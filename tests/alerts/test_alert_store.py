"""The budget-alert records of the SQL store: each plan, period, threshold and channel once."""

from __future__ import annotations

from datetime import UTC, date, datetime

from oms_connector.adapters.sql.store import SqlStore
from oms_connector.services.ports import FiredAlert

AT = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)


def _alert(threshold: int = 80, channel: str = "comment", key: str = "ACME-1") -> FiredAlert:
    return FiredAlert("acme", 10, date(2026, 11, 30), threshold, channel, key, AT)


def test_an_alert_is_recorded_once_per_plan_period_threshold_and_channel(
    sql_store: SqlStore,
) -> None:
    with sql_store.unit_of_work() as uow:
        first = uow.alerts.fire(_alert())
        again = uow.alerts.fire(_alert(key="ACME-2"))
        other_channel = uow.alerts.fire(_alert(channel="notify"))
        other_threshold = uow.alerts.fire(_alert(threshold=100))
        uow.commit()

    assert (first, again, other_channel, other_threshold) == (True, False, True, True)
    with sql_store.unit_of_work() as uow:
        assert uow.alerts.fired("acme", 10) == [
            _alert(),
            _alert(channel="notify"),
            _alert(threshold=100),
        ]
        assert uow.alerts.fired("acme", 11) == []


def test_an_alert_recorded_by_a_committed_unit_of_work_is_not_recorded_again(
    sql_store: SqlStore,
) -> None:
    with sql_store.unit_of_work() as uow:
        uow.alerts.fire(_alert())
        uow.commit()

    with sql_store.unit_of_work() as uow:
        assert uow.alerts.fire(_alert()) is False


def test_an_alert_of_a_rolled_back_unit_of_work_can_fire_later(sql_store: SqlStore) -> None:
    with sql_store.unit_of_work() as uow:
        uow.alerts.fire(_alert())

    with sql_store.unit_of_work() as uow:
        assert uow.alerts.fire(_alert()) is True


def test_a_withdrawn_alert_can_fire_again(sql_store: SqlStore) -> None:
    with sql_store.unit_of_work() as uow:
        uow.alerts.fire(_alert())
        uow.alerts.fire(_alert(threshold=100))
        uow.commit()
    with sql_store.unit_of_work() as uow:
        uow.alerts.withdraw(_alert())
        uow.commit()

    with sql_store.unit_of_work() as uow:
        assert uow.alerts.fired("acme", 10) == [_alert(threshold=100)]
        assert uow.alerts.fire(_alert()) is True
