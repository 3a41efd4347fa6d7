"""Budget alerts fired: one row per plan, period, threshold and channel, never two."""

from __future__ import annotations

from sqlalchemy import Connection, delete, select

from oms_connector.adapters.sql.schema import budget_alerts
from oms_connector.adapters.sql.upsert import insert_on_conflict
from oms_connector.services.ports import FiredAlert


class SqlAlertRepository:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def fire(self, alert: FiredAlert) -> bool:
        statement = (
            insert_on_conflict(
                self._connection,
                budget_alerts,
                {
                    "plan_id": alert.plan_id,
                    "period_index": alert.period_index,
                    "period_start": alert.period_start,
                    "threshold": alert.threshold,
                    "channel": alert.channel,
                    "issue_key": alert.issue_key,
                    "fired_at": alert.fired_at,
                },
            )
            .on_conflict_do_nothing(
                index_elements=["plan_id", "period_index", "threshold", "channel"]
            )
            .returning(budget_alerts.c.id)
        )
        return self._connection.execute(statement).first() is not None

    def withdraw(self, alert: FiredAlert) -> None:
        self._connection.execute(
            delete(budget_alerts).where(
                budget_alerts.c.plan_id == alert.plan_id,
                budget_alerts.c.period_index == alert.period_index,
                budget_alerts.c.threshold == alert.threshold,
                budget_alerts.c.channel == alert.channel,
            )
        )

    def fired(self, plan_id: str, period_index: int) -> list[FiredAlert]:
        query = (
            select(budget_alerts)
            .where(budget_alerts.c.plan_id == plan_id, budget_alerts.c.period_index == period_index)
            .order_by(budget_alerts.c.threshold, budget_alerts.c.channel)
        )
        return [
            FiredAlert(
                plan_id=row.plan_id,
                period_index=row.period_index,
                period_start=row.period_start,
                threshold=row.threshold,
                channel=row.channel,
                issue_key=row.issue_key,
                fired_at=row.fired_at,
            )
            for row in self._connection.execute(query)
        ]
