"""Renewal reminders: one row per plan and term, so each reminder is sent once.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from oms_connector.adapters.sql.types import UtcInstant

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "renewal_reminders",
        sa.Column("plan_id", sa.String(100), nullable=False),
        sa.Column("term_starts_on", sa.Date(), nullable=False),
        sa.Column("sent_at", UtcInstant(), nullable=False),
        sa.PrimaryKeyConstraint("plan_id", "term_starts_on", name="pk_renewal_reminders"),
    )


def downgrade() -> None:
    op.drop_table("renewal_reminders")
