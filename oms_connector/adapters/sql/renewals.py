"""Renewal reminders recorded: one row per plan and term, never two."""

from __future__ import annotations

from sqlalchemy import Connection, delete, select

from oms_connector.adapters.sql.schema import renewal_reminders
from oms_connector.adapters.sql.upsert import insert_on_conflict
from oms_connector.services.ports import RenewalReminder


class SqlRenewalReminderRepository:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def record(self, reminder: RenewalReminder) -> bool:
        statement = (
            insert_on_conflict(
                self._connection,
                renewal_reminders,
                {
                    "plan_id": reminder.plan_id,
                    "term_starts_on": reminder.term_starts_on,
                    "sent_at": reminder.sent_at,
                },
            )
            .on_conflict_do_nothing(index_elements=["plan_id", "term_starts_on"])
            .returning(renewal_reminders.c.plan_id)
        )
        return self._connection.execute(statement).first() is not None

    def withdraw(self, reminder: RenewalReminder) -> None:
        self._connection.execute(
            delete(renewal_reminders).where(
                renewal_reminders.c.plan_id == reminder.plan_id,
                renewal_reminders.c.term_starts_on == reminder.term_starts_on,
            )
        )

    def recorded(self, plan_id: str) -> list[RenewalReminder]:
        query = (
            select(renewal_reminders)
            .where(renewal_reminders.c.plan_id == plan_id)
            .order_by(renewal_reminders.c.term_starts_on)
        )
        return [
            RenewalReminder(
                plan_id=row.plan_id, term_starts_on=row.term_starts_on, sent_at=row.sent_at
            )
            for row in self._connection.execute(query)
        ]
