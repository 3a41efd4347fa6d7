"""Statements record the plan terms they were computed with; skipped statements are settled.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-05
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from oms_connector.adapters.sql.types import UtcInstant

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Statements written before this revision have no recorded terms (null).
    with op.batch_alter_table("statements") as batch:
        batch.add_column(sa.Column("terms", sa.Text(), nullable=True))
    op.create_table(
        "skipped_statements",
        sa.Column("plan_id", sa.String(100), nullable=False),
        sa.Column("period_index", sa.Integer(), nullable=False),
        sa.Column("billing_date", sa.Date(), nullable=False),
        sa.Column("skipped_at", UtcInstant(), nullable=False),
        sa.PrimaryKeyConstraint("plan_id", "period_index", name="pk_skipped_statements"),
    )


def downgrade() -> None:
    op.drop_table("skipped_statements")
    with op.batch_alter_table("statements") as batch:
        batch.drop_column("terms")
