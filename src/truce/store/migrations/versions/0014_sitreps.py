"""published situation reports

Revision ID: 0014_sitreps
Revises: 0013_merkle
Create Date: 2026-12-03 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import truce.store.tables

revision: str = "0014_sitreps"
down_revision: str | None = "0013_merkle"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "published_reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("params_key", sa.String(length=500), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("cutoff", truce.store.tables.UTCDateTime(timezone=True), nullable=False),
        sa.Column(
            "ledger_seq", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("ledger_hash", sa.String(length=64), nullable=True),
        sa.Column("json_digest", sa.String(length=64), nullable=False),
        sa.Column("digests", sa.JSON(), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("entry_seq", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("published_by", sa.String(length=64), nullable=False),
        sa.Column("published_at", truce.store.tables.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_published_reports")),
        sa.UniqueConstraint("params_key", name=op.f("uq_published_reports_params_key")),
    )
    with op.batch_alter_table("published_reports", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_published_reports_kind"), ["kind"], unique=False)
        batch_op.create_index(batch_op.f("ix_published_reports_cutoff"), ["cutoff"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("published_reports", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_published_reports_cutoff"))
        batch_op.drop_index(batch_op.f("ix_published_reports_kind"))
    op.drop_table("published_reports")
