"""A replayed webhook body is a duplicate under any delivery id: the inbox keeps each body's
digest, unique.

Events stored before this revision have none (null); they leave the inbox with the
processed events' retention.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-08
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("inbox") as batch:
        batch.add_column(sa.Column("body_digest", sa.String(64), nullable=True))
    op.create_index("ix_inbox_body_digest", "inbox", ["body_digest"], unique=True)


def downgrade() -> None:
    op.drop_index("ix_inbox_body_digest", table_name="inbox")
    with op.batch_alter_table("inbox") as batch:
        batch.drop_column("body_digest")
