"""hotline threads, messages, receipts and events; agreement procedures

Revision ID: 0008_hotline
Revises: 0007_webhooks
Create Date: 2026-12-03 06:32:30.382087
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import truce.store.tables

revision: str = "0008_hotline"
down_revision: str | None = "0007_webhooks"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "hotline_threads",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agreement_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("sides", sa.JSON(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", truce.store.tables.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "kind in ('guarantors', 'liaison')", name=op.f("ck_hotline_threads_kind")
        ),
        sa.ForeignKeyConstraint(
            ["agreement_id"],
            ["agreements.id"],
            name=op.f("fk_hotline_threads_agreement_id_agreements"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hotline_threads")),
    )
    op.create_table(
        "hotline_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("thread_id", sa.Integer(), nullable=False),
        sa.Column("author", sa.String(length=64), nullable=False),
        sa.Column("author_side", sa.String(length=40), nullable=False),
        sa.Column("priority", sa.String(length=10), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("lang", sa.String(length=20), nullable=True),
        sa.Column("sent_at", truce.store.tables.UTCDateTime(timezone=True), nullable=False),
        sa.Column("due_at", truce.store.tables.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "priority in ('urgent', 'routine')", name=op.f("ck_hotline_messages_priority")
        ),
        sa.ForeignKeyConstraint(
            ["thread_id"],
            ["hotline_threads.id"],
            name=op.f("fk_hotline_messages_thread_id_hotline_threads"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hotline_messages")),
    )
    with op.batch_alter_table("hotline_messages", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_hotline_messages_thread_id"), ["thread_id"], unique=False
        )

    op.create_table(
        "hotline_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("thread_id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("side", sa.String(length=40), nullable=False),
        sa.Column("sides", sa.JSON(), nullable=False),
        sa.Column("at", truce.store.tables.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["message_id"],
            ["hotline_messages.id"],
            name=op.f("fk_hotline_events_message_id_hotline_messages"),
        ),
        sa.ForeignKeyConstraint(
            ["thread_id"],
            ["hotline_threads.id"],
            name=op.f("fk_hotline_events_thread_id_hotline_threads"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hotline_events")),
    )
    op.create_table(
        "hotline_receipts",
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.Column("side", sa.String(length=40), nullable=False),
        sa.Column("due_at", truce.store.tables.UTCDateTime(timezone=True), nullable=False),
        sa.Column("read_at", truce.store.tables.UTCDateTime(timezone=True), nullable=True),
        sa.Column("read_by", sa.String(length=64), nullable=True),
        sa.Column("acknowledged_at", truce.store.tables.UTCDateTime(timezone=True), nullable=True),
        sa.Column("acknowledged_by", sa.String(length=64), nullable=True),
        sa.Column("overdue_at", truce.store.tables.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["message_id"],
            ["hotline_messages.id"],
            name=op.f("fk_hotline_receipts_message_id_hotline_messages"),
        ),
        sa.PrimaryKeyConstraint("message_id", "side", name=op.f("pk_hotline_receipts")),
    )
    with op.batch_alter_table("hotline_receipts", schema=None) as batch_op:
        batch_op.create_index(
            "ix_hotline_receipts_open", ["acknowledged_at", "due_at"], unique=False
        )

    with op.batch_alter_table("agreements", schema=None) as batch_op:
        batch_op.add_column(sa.Column("procedures", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("agreements", schema=None) as batch_op:
        batch_op.drop_column("procedures")

    with op.batch_alter_table("hotline_receipts", schema=None) as batch_op:
        batch_op.drop_index("ix_hotline_receipts_open")

    op.drop_table("hotline_receipts")
    op.drop_table("hotline_events")
    with op.batch_alter_table("hotline_messages", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_hotline_messages_thread_id"))

    op.drop_table("hotline_messages")
    op.drop_table("hotline_threads")
