"""keys held by their owners: custody, signed intents on entries, nonces, enrolment codes

Revision ID: 0016_intents
Revises: 0015_report_indexes
Create Date: 2026-12-03 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import truce.store.tables

revision: str = "0016_intents"
down_revision: str | None = "0015_report_indexes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("custody", sa.String(length=8), server_default="server", nullable=False)
        )
        batch_op.alter_column("sealed_seed", existing_type=sa.LargeBinary(), nullable=True)
    with op.batch_alter_table("ledger_entries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("intent", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("intent_sig", sa.String(length=100), nullable=True))
    op.create_table(
        "intent_nonces",
        sa.Column("nonce", sa.String(length=64), nullable=False),
        sa.Column("key_id", sa.String(length=16), nullable=False),
        sa.Column("seen_at", truce.store.tables.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("nonce", name=op.f("pk_intent_nonces")),
    )
    op.create_table(
        "enrolment_codes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", truce.store.tables.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", truce.store.tables.UTCDateTime(timezone=True), nullable=False),
        sa.Column("used_at", truce.store.tables.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_enrolment_codes_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_enrolment_codes")),
        sa.UniqueConstraint("code_hash", name=op.f("uq_enrolment_codes_code_hash")),
    )
    with op.batch_alter_table("enrolment_codes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_enrolment_codes_user_id"), ["user_id"], unique=False)


def downgrade() -> None:
    op.drop_table("enrolment_codes")
    op.drop_table("intent_nonces")
    with op.batch_alter_table("ledger_entries", schema=None) as batch_op:
        batch_op.drop_column("intent_sig")
        batch_op.drop_column("intent")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.alter_column("sealed_seed", existing_type=sa.LargeBinary(), nullable=False)
        batch_op.drop_column("custody")
