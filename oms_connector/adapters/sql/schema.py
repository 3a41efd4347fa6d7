"""The tables of the store, in one ``MetaData``: the same schema on SQLite and PostgreSQL.

Instants are UTC (``UtcInstant``); money and hours are exact decimals (``ExactDecimal``).
Statements and their lines are append-only: nothing in them is ever updated.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from oms_connector.adapters.sql.types import ExactDecimal, UtcInstant

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING)

# SQLite gives a rowid alias only to an INTEGER PRIMARY KEY.
_AutoId = BigInteger().with_variant(Integer(), "sqlite")

issues = Table(
    "issues",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("key", String(64), nullable=False),
    Column("project_key", String(64), nullable=False),
    Column("summary", Text, nullable=False, default=""),
    Column("description", Text, nullable=False, default=""),
    Column("issue_type", String(255), nullable=False, default=""),
    Column("priority", String(255), nullable=False, default=""),
    Column("labels", JSON, nullable=False),
    Column("components", JSON, nullable=False),
    Column("request_type", String(255), nullable=False, default=""),
    Column("override_field", String(255), nullable=False, default=""),
    Column("resolved", Boolean, nullable=False, default=False),
    Column("work_type", String(16), nullable=True),
    Column("reason", String(500), nullable=False, default=""),
    Column("overridden", Boolean, nullable=False, default=False),
    Column("deleted", Boolean, nullable=False, default=False),
    Column("updated", UtcInstant, nullable=False),
    Column("stored_at", UtcInstant, nullable=False),
    Index(None, "project_key"),
)

worklogs = Table(
    "worklogs",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("issue_id", String(64), nullable=False),
    Column("author", String(255), nullable=False, default=""),
    Column("started_utc", UtcInstant, nullable=False),
    Column("started_offset_minutes", Integer, nullable=False),
    Column("seconds", BigInteger, nullable=False),
    Column("jira_updated", UtcInstant, nullable=False),
    Column("deleted", Boolean, nullable=False, default=False),
    Column("stored_at", UtcInstant, nullable=False),
    Column("quarantined", Boolean, nullable=False, default=False),
    Index(None, "issue_id"),
)

quarantine = Table(
    "quarantine",
    metadata,
    Column("worklog_id", String(64), primary_key=True),
    Column("issue_id", String(64), nullable=False),
    Column("author", String(255), nullable=False, default=""),
    Column("started", String(64), nullable=False),
    Column("seconds", Text, nullable=False),
    Column("updated", String(64), nullable=False),
    Column("reason", Text, nullable=False),
    Column("version", UtcInstant, nullable=False),
    Column("held_at", UtcInstant, nullable=False),
    Column("accepted_at", UtcInstant, nullable=True),
)

inbox = Table(
    "inbox",
    metadata,
    Column("id", _AutoId, primary_key=True, autoincrement=True),
    Column("dedup_key", String(200), nullable=False),
    Column("event", String(200), nullable=False, default=""),
    Column("body", LargeBinary, nullable=False),
    Column("received_at", UtcInstant, nullable=False),
    Column("status", String(16), nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("last_error", Text, nullable=True),
    Column("available_at", UtcInstant, nullable=False),
    Column("claimed_at", UtcInstant, nullable=True),
    Column("claimed_by", String(200), nullable=True),
    Column("processed_at", UtcInstant, nullable=True),
    Column("body_digest", String(64), nullable=True),
    UniqueConstraint("dedup_key"),
    Index(None, "status", "available_at"),
    Index(None, "body_digest", unique=True),
)

sync_state = Table(
    "sync_state",
    metadata,
    Column("name", String(200), primary_key=True),
    Column("checkpoint", Text, nullable=False),
    Column("updated_at", UtcInstant, nullable=False),
)

statements = Table(
    "statements",
    metadata,
    Column("number", String(200), primary_key=True),
    Column("plan_id", String(100), nullable=False),
    Column("customer", String(255), nullable=False),
    Column("billing_date", Date, nullable=False),
    Column("period_index", Integer, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("total", ExactDecimal, nullable=False),
    Column("created_at", UtcInstant, nullable=False),
    # The plan's billing terms the statement was computed with (canonical JSON text,
    # see ``domain.terms``); null on statements written before terms were recorded.
    Column("terms", Text, nullable=True),
    UniqueConstraint("plan_id", "billing_date"),
    UniqueConstraint("plan_id", "period_index"),
)

# Statements that had nothing on them: settled, so never built again. ``sales_from`` is
# the first statement that sells prepaid purchases (``domain.terms.BilledTerms``); null
# on statements skipped by a version that did not sell them.
skipped_statements = Table(
    "skipped_statements",
    metadata,
    Column("plan_id", String(100), primary_key=True),
    Column("period_index", Integer, primary_key=True),
    Column("billing_date", Date, nullable=False),
    Column("skipped_at", UtcInstant, nullable=False),
    Column("sales_from", Integer, nullable=True),
)

billing_lines = Table(
    "billing_lines",
    metadata,
    Column(
        "statement_number",
        String(200),
        ForeignKey("statements.number"),
        primary_key=True,
    ),
    Column("position", Integer, primary_key=True),
    Column("kind", String(16), nullable=False),
    Column("period_index", Integer, nullable=False),
    Column("period_start", Date, nullable=False),
    Column("period_end", Date, nullable=False),
    Column("hours", ExactDecimal, nullable=False),
    Column("rate", ExactDecimal, nullable=False),
    Column("amount", ExactDecimal, nullable=False),
    Column("description", Text, nullable=False),
    Column("issue_keys", JSON, nullable=False),
    Column("worklog_ids", JSON, nullable=False),
    Column("corrects", String(16), nullable=True),
)

writebacks = Table(
    "writebacks",
    metadata,
    Column("id", _AutoId, primary_key=True, autoincrement=True),
    Column("issue_id", String(64), nullable=False),
    Column("target", String(200), nullable=False),
    Column("value_hash", String(64), nullable=False),
    Column("value", Text, nullable=False),
    Column("sent_at", UtcInstant, nullable=False),
    Index(None, "issue_id", "target", "id"),
)

budget_alerts = Table(
    "budget_alerts",
    metadata,
    Column("id", _AutoId, primary_key=True, autoincrement=True),
    Column("plan_id", String(100), nullable=False),
    Column("period_index", Integer, nullable=False),
    Column("period_start", Date, nullable=False),
    Column("threshold", Integer, nullable=False),
    Column("channel", String(16), nullable=False),
    Column("issue_key", String(64), nullable=False),
    Column("fired_at", UtcInstant, nullable=False),
    UniqueConstraint("plan_id", "period_index", "threshold", "channel"),
)

# Renewal reminders sent: one row per plan and term, so each is sent once.
renewal_reminders = Table(
    "renewal_reminders",
    metadata,
    Column("plan_id", String(100), primary_key=True),
    Column("term_starts_on", Date, primary_key=True),
    Column("sent_at", UtcInstant, nullable=False),
)

# Follow-ups owed to Jira: queued with the fact that needs them, removed once done.
follow_ups = Table(
    "follow_ups",
    metadata,
    Column("issue_id", String(64), primary_key=True),
    Column("worklog_id", String(64), primary_key=True),
    Column("queued_at", UtcInstant, nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
)
