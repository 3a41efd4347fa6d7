"""Budget alerts: one row per plan, period, threshold and channel, so each fires once.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from oms_connector.adapters.sql.types import UtcInstant

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_AutoId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "budget_alerts",
        sa.Column("id", _AutoId, autoincrement=True, nullable=False),
        sa.Column("plan_id", sa.String(100), nullable=False),
        sa.Column("period_index", sa.Integer(), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("threshold", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("issue_key", sa.String(64), nullable=False),
        sa.Column("fired_at", UtcInstant(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_budget_alerts"),
        sa.UniqueConstraint(
            "plan_id",
            "period_index",
            "threshold",
            "channel",
            name="uq_budget_alerts_plan_id_period_index_threshold_channel",
        ),
    )


def downgrade() -> None:
    op.drop_table("budget_alerts")
