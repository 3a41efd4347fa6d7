"""Skipped statements record the first statement that sells prepaid purchases.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Statements skipped before this revision have none (null): they were skipped by a
    # version that did not sell prepaid purchases.
    with op.batch_alter_table("skipped_statements") as batch:
        batch.add_column(sa.Column("sales_from", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("skipped_statements") as batch:
        batch.drop_column("sales_from")
