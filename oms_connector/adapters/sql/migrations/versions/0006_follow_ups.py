"""The follow-up queue, and whether an issue is resolved (its budget is then left as is).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from oms_connector.adapters.sql.types import UtcInstant

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "follow_ups",
        sa.Column("issue_id", sa.String(64), nullable=False),
        sa.Column("worklog_id", sa.String(64), nullable=False),
        sa.Column("queued_at", UtcInstant(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"),
        sa.PrimaryKeyConstraint("issue_id", "worklog_id", name="pk_follow_ups"),
    )
    with op.batch_alter_table("issues") as batch:
        batch.add_column(
            sa.Column("resolved", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("issues") as batch:
        batch.drop_column("resolved")
    op.drop_table("follow_ups")
