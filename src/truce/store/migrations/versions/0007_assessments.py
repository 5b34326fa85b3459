"""two-key assessments of an incident's perpetrator; an incident assessed as undetermined

Revision ID: 0007_assessments
Revises: 0006
Create Date: 2026-12-03 06:40:00.000000

One guarantor proposes who perpetrated an incident (a registry party, or undetermined), the
other approves or rejects: ``incident_assessments`` keeps every proposal and its answer. An
approved assessment sets ``incidents.assessed_perpetrator_id`` (there since 0006), or
``incidents.perpetrator_undetermined`` when the guarantors name nobody.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import truce.store.tables

revision: str = "0007_assessments"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "incident_assessments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("agreement_id", sa.Integer(), nullable=False),
        sa.Column("party_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("proposed_by", sa.Integer(), nullable=False),
        sa.Column("proposer_state", sa.String(length=16), nullable=False),
        sa.Column("proposed_at", truce.store.tables.UTCDateTime(timezone=True), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("decided_by", sa.Integer(), nullable=True),
        sa.Column("decider_state", sa.String(length=16), nullable=True),
        sa.Column("decided_at", truce.store.tables.UTCDateTime(timezone=True), nullable=True),
        sa.Column("decision_reason", sa.Text(), nullable=False),
        sa.CheckConstraint(
            "state in ('open', 'approved', 'rejected', 'withdrawn', 'superseded')",
            name=op.f("ck_incident_assessments_state"),
        ),
        sa.ForeignKeyConstraint(
            ["agreement_id"],
            ["agreements.id"],
            name=op.f("fk_incident_assessments_agreement_id_agreements"),
        ),
        sa.ForeignKeyConstraint(
            ["decided_by"], ["users.id"], name=op.f("fk_incident_assessments_decided_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["decider_state"],
            ["states.code"],
            name=op.f("fk_incident_assessments_decider_state_states"),
        ),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incidents.id"],
            name=op.f("fk_incident_assessments_incident_id_incidents"),
        ),
        sa.ForeignKeyConstraint(
            ["party_id"], ["parties.id"], name=op.f("fk_incident_assessments_party_id_parties")
        ),
        sa.ForeignKeyConstraint(
            ["proposed_by"], ["users.id"], name=op.f("fk_incident_assessments_proposed_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["proposer_state"],
            ["states.code"],
            name=op.f("fk_incident_assessments_proposer_state_states"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incident_assessments")),
    )
    with op.batch_alter_table("incident_assessments", schema=None) as batch_op:
        batch_op.create_index(
            "ix_incident_assessments_incident_state", ["incident_id", "state"], unique=False
        )
    # A plain ADD COLUMN on both databases (no table copy on SQLite): a constant default.
    op.add_column(
        "incidents",
        sa.Column(
            "perpetrator_undetermined",
            sa.Boolean(),
            server_default=sa.false(),
            nullable=False,
        ),
    )


def downgrade() -> None:
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.drop_column("perpetrator_undetermined")
    with op.batch_alter_table("incident_assessments", schema=None) as batch_op:
        batch_op.drop_index("ix_incident_assessments_incident_state")
    op.drop_table("incident_assessments")
