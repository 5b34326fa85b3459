"""answers to status proposals that wait for more guarantors

Revision ID: 0010_votes
Revises: 0009_clocks
Create Date: 2026-12-03 06:50:07.838199
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import truce.store.tables

revision: str = "0010_votes"
down_revision: str | None = "0009_clocks"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "proposal_votes",
        sa.Column("proposal_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("vote", sa.String(length=10), nullable=False),
        sa.Column("voted_by", sa.Integer(), nullable=False),
        sa.Column("voted_at", truce.store.tables.UTCDateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.CheckConstraint("vote in ('approve', 'reject')", name=op.f("ck_proposal_votes_vote")),
        sa.ForeignKeyConstraint(
            ["proposal_id"],
            ["status_proposals.id"],
            name=op.f("fk_proposal_votes_proposal_id_status_proposals"),
        ),
        sa.ForeignKeyConstraint(
            ["state"], ["states.code"], name=op.f("fk_proposal_votes_state_states")
        ),
        sa.ForeignKeyConstraint(
            ["voted_by"], ["users.id"], name=op.f("fk_proposal_votes_voted_by_users")
        ),
        sa.PrimaryKeyConstraint("proposal_id", "state", name=op.f("pk_proposal_votes")),
    )


def downgrade() -> None:
    op.drop_table("proposal_votes")
