"""The initial store: issues, worklogs, inbox, sync state, statements, lines, write-backs.

Revision ID: 0001
Revises:
Create Date: 2026-01-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from oms_connector.adapters.sql.types import ExactDecimal, UtcInstant

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_AutoId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "issues",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("project_key", sa.String(64), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("issue_type", sa.String(255), nullable=False),
        sa.Column("priority", sa.String(255), nullable=False),
        sa.Column("labels", sa.JSON(), nullable=False),
        sa.Column("components", sa.JSON(), nullable=False),
        sa.Column("request_type", sa.String(255), nullable=False),
        sa.Column("override_field", sa.String(255), nullable=False),
        sa.Column("work_type", sa.String(16), nullable=True),
        sa.Column("reason", sa.String(500), nullable=False),
        sa.Column("overridden", sa.Boolean(), nullable=False),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.Column("updated", UtcInstant(), nullable=False),
        sa.Column("stored_at", UtcInstant(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_issues"),
    )
    op.create_index("ix_issues_project_key", "issues", ["project_key"])
    op.create_table(
        "worklogs",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("issue_id", sa.String(64), nullable=False),
        sa.Column("author", sa.String(255), nullable=False),
        sa.Column("started_utc", UtcInstant(), nullable=False),
        sa.Column("started_offset_minutes", sa.Integer(), nullable=False),
        sa.Column("seconds", sa.BigInteger(), nullable=False),
        sa.Column("jira_updated", UtcInstant(), nullable=False),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.Column("stored_at", UtcInstant(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_worklogs"),
    )
    op.create_index("ix_worklogs_issue_id", "worklogs", ["issue_id"])
    op.create_table(
        "inbox",
        sa.Column("id", _AutoId, autoincrement=True, nullable=False),
        sa.Column("dedup_key", sa.String(200), nullable=False),
        sa.Column("event", sa.String(200), nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.Column("received_at", UtcInstant(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("available_at", UtcInstant(), nullable=False),
        sa.Column("claimed_at", UtcInstant(), nullable=True),
        sa.Column("claimed_by", sa.String(200), nullable=True),
        sa.Column("processed_at", UtcInstant(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_inbox"),
        sa.UniqueConstraint("dedup_key", name="uq_inbox_dedup_key"),
    )
    op.create_index("ix_inbox_status_available_at", "inbox", ["status", "available_at"])
    op.create_table(
        "sync_state",
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("checkpoint", sa.Text(), nullable=False),
        sa.Column("updated_at", UtcInstant(), nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_sync_state"),
    )
    op.create_table(
        "statements",
        sa.Column("number", sa.String(200), nullable=False),
        sa.Column("plan_id", sa.String(100), nullable=False),
        sa.Column("customer", sa.String(255), nullable=False),
        sa.Column("billing_date", sa.Date(), nullable=False),
        sa.Column("period_index", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("total", ExactDecimal(), nullable=False),
        sa.Column("created_at", UtcInstant(), nullable=False),
        sa.PrimaryKeyConstraint("number", name="pk_statements"),
        sa.UniqueConstraint("plan_id", "billing_date", name="uq_statements_plan_id_billing_date"),
        sa.UniqueConstraint("plan_id", "period_index", name="uq_statements_plan_id_period_index"),
    )
    op.create_table(
        "billing_lines",
        sa.Column("statement_number", sa.String(200), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("period_index", sa.Integer(), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("hours", ExactDecimal(), nullable=False),
        sa.Column("rate", ExactDecimal(), nullable=False),
        sa.Column("amount", ExactDecimal(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("issue_keys", sa.JSON(), nullable=False),
        sa.Column("worklog_ids", sa.JSON(), nullable=False),
        sa.Column("corrects", sa.String(16), nullable=True),
        sa.ForeignKeyConstraint(
            ["statement_number"],
            ["statements.number"],
            name="fk_billing_lines_statement_number_statements",
        ),
        sa.PrimaryKeyConstraint("statement_number", "position", name="pk_billing_lines"),
    )
    op.create_table(
        "writebacks",
        sa.Column("id", _AutoId, autoincrement=True, nullable=False),
        sa.Column("issue_id", sa.String(64), nullable=False),
        sa.Column("target", sa.String(200), nullable=False),
        sa.Column("value_hash", sa.String(64), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("sent_at", UtcInstant(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_writebacks"),
    )
    op.create_index("ix_writebacks_issue_id_target_id", "writebacks", ["issue_id", "target", "id"])


def downgrade() -> None:
    op.drop_table("writebacks")
    op.drop_table("billing_lines")
    op.drop_table("statements")
    op.drop_table("sync_state")
    op.drop_table("inbox")
    op.drop_table("worklogs")
    op.drop_table("issues")
