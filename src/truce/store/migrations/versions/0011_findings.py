"""filed allegations, sealed assessments, findings, requests for information, referrals

Revision ID: 0011_findings
Revises: 0010_votes
Create Date: 2026-12-03 06:52:30.361052
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import truce.store.tables

revision: str = "0011_findings"
down_revision: str | None = "0010_votes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "referrals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agreement_id", sa.Integer(), nullable=False),
        sa.Column("party_id", sa.Integer(), nullable=False),
        sa.Column("finding_ids", sa.JSON(), nullable=False),
        sa.Column("opened_at", truce.store.tables.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["agreement_id"], ["agreements.id"], name=op.f("fk_referrals_agreement_id_agreements")
        ),
        sa.ForeignKeyConstraint(
            ["party_id"], ["parties.id"], name=op.f("fk_referrals_party_id_parties")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_referrals")),
    )
    with op.batch_alter_table("referrals", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_referrals_party_id"), ["party_id"], unique=False)

    op.create_table(
        "allegation_assessments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("allegation_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("conclusion", sa.String(length=20), nullable=False),
        sa.Column("nature", sa.String(length=500), nullable=False),
        sa.Column("extent", sa.String(length=500), nullable=False),
        sa.Column("threat", sa.String(length=10), nullable=False),
        sa.Column("rationale", sa.Text(), nullable=False),
        sa.Column("evidence", sa.Text(), nullable=False),
        sa.Column("submitted_by", sa.String(length=64), nullable=False),
        sa.Column("submitted_at", truce.store.tables.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "conclusion in ('confirmed', 'not_confirmed', 'inconclusive')",
            name=op.f("ck_allegation_assessments_conclusion"),
        ),
        sa.CheckConstraint(
            "threat in ('low', 'medium', 'high')", name=op.f("ck_allegation_assessments_threat")
        ),
        sa.ForeignKeyConstraint(
            ["allegation_id"],
            ["allegations.id"],
            name=op.f("fk_allegation_assessments_allegation_id_allegations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_allegation_assessments")),
        sa.UniqueConstraint(
            "allegation_id",
            "state",
            "version",
            name=op.f("uq_allegation_assessments_allegation_id"),
        ),
    )
    with op.batch_alter_table("allegation_assessments", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_allegation_assessments_allegation_id"), ["allegation_id"], unique=False
        )

    op.create_table(
        "allegation_filings",
        sa.Column("allegation_id", sa.Integer(), nullable=False),
        sa.Column("incident_ids", sa.JSON(), nullable=False),
        sa.Column("evidence", sa.Text(), nullable=False),
        sa.Column("filed_by", sa.String(length=64), nullable=False),
        sa.Column("filed_at", truce.store.tables.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["allegation_id"],
            ["allegations.id"],
            name=op.f("fk_allegation_filings_allegation_id_allegations"),
        ),
        sa.PrimaryKeyConstraint("allegation_id", name=op.f("pk_allegation_filings")),
    )
    op.create_table(
        "findings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("allegation_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("decided_at", truce.store.tables.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "state in ('confirmed', 'not_confirmed', 'inconclusive', 'disputed')",
            name=op.f("ck_findings_state"),
        ),
        sa.ForeignKeyConstraint(
            ["allegation_id"],
            ["allegations.id"],
            name=op.f("fk_findings_allegation_id_allegations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_findings")),
        sa.UniqueConstraint("allegation_id", name=op.f("uq_findings_allegation_id")),
    )
    with op.batch_alter_table("findings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_findings_decided_at"), ["decided_at"], unique=False)

    op.create_table(
        "information_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("allegation_id", sa.Integer(), nullable=False),
        sa.Column("to_side", sa.String(length=40), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("asker_state", sa.String(length=10), nullable=False),
        sa.Column("asked_by", sa.String(length=64), nullable=False),
        sa.Column("asked_at", truce.store.tables.UTCDateTime(timezone=True), nullable=False),
        sa.Column("due_at", truce.store.tables.UTCDateTime(timezone=True), nullable=False),
        sa.Column("answer", sa.Text(), nullable=True),
        sa.Column("answered_by", sa.String(length=64), nullable=True),
        sa.Column("answered_at", truce.store.tables.UTCDateTime(timezone=True), nullable=True),
        sa.Column("overdue_at", truce.store.tables.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["allegation_id"],
            ["allegations.id"],
            name=op.f("fk_information_requests_allegation_id_allegations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_information_requests")),
    )
    with op.batch_alter_table("information_requests", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_information_requests_allegation_id"), ["allegation_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("information_requests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_information_requests_allegation_id"))

    op.drop_table("information_requests")
    with op.batch_alter_table("findings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_findings_decided_at"))

    op.drop_table("findings")
    op.drop_table("allegation_filings")
    with op.batch_alter_table("allegation_assessments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_allegation_assessments_allegation_id"))

    op.drop_table("allegation_assessments")
    with op.batch_alter_table("referrals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_referrals_party_id"))

    op.drop_table("referrals")
