"""approvals of status proposals that wait for more guarantors

Revision ID: 0010_approvals
Revises: 0009_clocks
Create Date: 2026-12-03 06:46:56.340710
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import truce.store.tables

revision: str = "0010_approvals"
down_revision: str | None = "0009_clocks"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "proposal_approvals",
        sa.Column("proposal_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("approved_by", sa.Integer(), nullable=False),
        sa.Column("approved_at", truce.store.tables.UTCDateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["approved_by"], ["users.id"], name=op.f("fk_proposal_approvals_approved_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["proposal_id"],
            ["status_proposals.id"],
            name=op.f("fk_proposal_approvals_proposal_id_status_proposals"),
        ),
        sa.ForeignKeyConstraint(
            ["state"], ["states.code"], name=op.f("fk_proposal_approvals_state_states")
        ),
        sa.PrimaryKeyConstraint("proposal_id", "state", name=op.f("pk_proposal_approvals")),
    )


def downgrade() -> None:
    op.drop_table("proposal_approvals")
