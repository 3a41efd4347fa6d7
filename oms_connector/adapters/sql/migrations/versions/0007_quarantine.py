"""Worklogs held in quarantine: a flag on the worklog, the held version as Jira sent it.

Worklogs stored before this revision with values no configuration counts (a start
before 1900 or after 9000, a duration over 366 days: what broke every page of a
plan) are held with a reason; ``oms-connector quarantine`` lists them.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-08
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

from oms_connector.adapters.sql.types import UtcInstant

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
LATEST = datetime(9000, 1, 1, tzinfo=UTC)
LONGEST_SECONDS = 366 * 86_400


def upgrade() -> None:
    with op.batch_alter_table("worklogs") as batch:
        batch.add_column(
            sa.Column("quarantined", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    op.create_table(
        "quarantine",
        sa.Column("worklog_id", sa.String(64), nullable=False),
        sa.Column("issue_id", sa.String(64), nullable=False),
        sa.Column("author", sa.String(255), nullable=False, server_default=""),
        sa.Column("started", sa.String(64), nullable=False),
        sa.Column("seconds", sa.Text(), nullable=False),
        sa.Column("updated", sa.String(64), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("version", UtcInstant(), nullable=False),
        sa.Column("held_at", UtcInstant(), nullable=False),
        sa.Column("accepted_at", UtcInstant(), nullable=True),
        sa.PrimaryKeyConstraint("worklog_id", name="pk_quarantine"),
    )
    _hold_absurd_worklogs()


def _hold_absurd_worklogs() -> None:
    connection = op.get_bind()
    worklogs = sa.table(
        "worklogs",
        sa.column("id", sa.String()),
        sa.column("issue_id", sa.String()),
        sa.column("author", sa.String()),
        sa.column("started_utc", UtcInstant()),
        sa.column("seconds", sa.BigInteger()),
        sa.column("jira_updated", UtcInstant()),
        sa.column("deleted", sa.Boolean()),
        sa.column("quarantined", sa.Boolean()),
    )
    started, updated = worklogs.c.started_utc, worklogs.c.jira_updated
    absurd = sa.or_(
        started < sa.literal(EARLIEST, UtcInstant()),
        started > sa.literal(LATEST, UtcInstant()),
        updated < sa.literal(EARLIEST, UtcInstant()),
        updated > sa.literal(LATEST, UtcInstant()),
        worklogs.c.seconds > LONGEST_SECONDS,
    )
    # The instants are read as SQL values compared with bounds, never as Python values:
    # reading them is what fails.
    in_range = sa.and_(
        started >= sa.literal(EARLIEST, UtcInstant()), started <= sa.literal(LATEST, UtcInstant())
    )
    rows = connection.execute(
        sa.select(
            worklogs.c.id,
            worklogs.c.issue_id,
            worklogs.c.author,
            worklogs.c.seconds,
            sa.case((in_range, started), else_=sa.null()).label("started"),
        ).where(absurd, ~worklogs.c.deleted)
    ).all()
    held = sa.table(
        "quarantine",
        *(sa.column(name, sa.String()) for name in _TEXT_COLUMNS),
        sa.column("version", UtcInstant()),
        sa.column("held_at", UtcInstant()),
    )
    now = datetime.now(UTC)
    for row in rows:
        shown = row.started if row.started is not None else EARLIEST
        connection.execute(
            held.insert().values(
                worklog_id=row.id,
                issue_id=row.issue_id,
                author=row.author,
                started=shown.isoformat(),
                seconds=str(row.seconds),
                updated=now.isoformat(),
                reason=_reason(row.started is None, row.seconds),
                version=now,
                held_at=now,
            )
        )
        # Readable placeholders: the held row keeps what is shown of the values.
        connection.execute(
            worklogs.update()
            .where(worklogs.c.id == row.id)
            .values(quarantined=True, started_utc=now, jira_updated=now)
        )


_TEXT_COLUMNS = ("worklog_id", "issue_id", "author", "started", "seconds", "updated", "reason")


def _reason(unreadable_start: bool, seconds: int) -> str:
    if unreadable_start:
        return "started outside any calendar (stored before worklogs were checked)"
    if seconds > LONGEST_SECONDS:
        return f"lasts {seconds} s, more than 366 days (stored before worklogs were checked)"
    return "updated outside any calendar (stored before worklogs were checked)"


def downgrade() -> None:
    op.drop_table("quarantine")
    with op.batch_alter_table("worklogs") as batch:
        batch.drop_column("quarantined")
