"""condition clock resets and the guarantors' votes

Revision ID: 0009_clocks
Revises: 0008_hotline
Create Date: 2026-12-03 06:41:25.731499
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import truce.store.tables

revision: str = "0009_clocks"
down_revision: str | None = "0008_hotline"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "clock_resets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agreement_id", sa.Integer(), nullable=False),
        sa.Column("clock", sa.String(length=60), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("proposer_state", sa.String(length=10), nullable=False),
        sa.Column("proposed_by", sa.String(length=64), nullable=False),
        sa.Column("proposed_at", truce.store.tables.UTCDateTime(timezone=True), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("decided_at", truce.store.tables.UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "state in ('open', 'agreed', 'refused', 'withdrawn')",
            name=op.f("ck_clock_resets_state"),
        ),
        sa.ForeignKeyConstraint(
            ["agreement_id"],
            ["agreements.id"],
            name=op.f("fk_clock_resets_agreement_id_agreements"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_clock_resets")),
    )
    with op.batch_alter_table("clock_resets", schema=None) as batch_op:
        batch_op.create_index("ix_clock_resets_clock", ["agreement_id", "clock"], unique=False)

    op.create_table(
        "clock_votes",
        sa.Column("reset_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("vote", sa.String(length=10), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("voted_by", sa.String(length=64), nullable=False),
        sa.Column("voted_at", truce.store.tables.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("vote in ('approve', 'reject')", name=op.f("ck_clock_votes_vote")),
        sa.ForeignKeyConstraint(
            ["reset_id"], ["clock_resets.id"], name=op.f("fk_clock_votes_reset_id_clock_resets")
        ),
        sa.PrimaryKeyConstraint("reset_id", "state", name=op.f("pk_clock_votes")),
    )


def downgrade() -> None:
    op.drop_table("clock_votes")
    with op.batch_alter_table("clock_resets", schema=None) as batch_op:
        batch_op.drop_index("ix_clock_resets_clock")

    op.drop_table("clock_resets")
