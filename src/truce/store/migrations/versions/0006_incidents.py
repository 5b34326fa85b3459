"""incidents, their reports, allegations and tombstones; breach rules on terms

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 15:42:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import truce.store.tables

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "incidents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agreement_id", sa.Integer(), nullable=True),
        sa.Column("start", truce.store.tables.UTCDateTime(timezone=True), nullable=False),
        sa.Column("end", truce.store.tables.UTCDateTime(timezone=True), nullable=False),
        sa.Column("time_precision", sa.String(length=10), nullable=False),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.Column("geo_precision", sa.String(length=20), nullable=True),
        sa.Column("admin1", sa.String(length=200), nullable=True),
        sa.Column("admin2", sa.String(length=200), nullable=True),
        sa.Column("location", sa.String(length=300), nullable=True),
        sa.Column("event_type", sa.String(length=60), nullable=False),
        sa.Column("sub_event_type", sa.String(length=80), nullable=False),
        sa.Column("kinds", sa.JSON(), nullable=False),
        sa.Column("killed_low", sa.Integer(), nullable=True),
        sa.Column("killed_best", sa.Integer(), nullable=True),
        sa.Column("killed_high", sa.Integer(), nullable=True),
        sa.Column("casualties", sa.JSON(), nullable=False),
        sa.Column("reports", sa.Integer(), nullable=False),
        sa.Column("assessed_perpetrator_id", sa.Integer(), nullable=True),
        sa.Column("verdict", sa.String(length=20), nullable=True),
        sa.Column("outcome", sa.String(length=20), nullable=True),
        sa.Column("outcome_reason", sa.JSON(), nullable=True),
        sa.Column("checked_at", truce.store.tables.UTCDateTime(timezone=True), nullable=True),
        sa.Column("merged_into_id", sa.Integer(), nullable=True),
        sa.Column("created_at", truce.store.tables.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", truce.store.tables.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["agreement_id"], ["agreements.id"], name=op.f("fk_incidents_agreement_id_agreements")
        ),
        sa.ForeignKeyConstraint(
            ["assessed_perpetrator_id"],
            ["parties.id"],
            name=op.f("fk_incidents_assessed_perpetrator_id_parties"),
        ),
        sa.ForeignKeyConstraint(
            ["merged_into_id"], ["incidents.id"], name=op.f("fk_incidents_merged_into_id_incidents")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incidents")),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_incidents_event_type"), ["event_type"], unique=False)
        batch_op.create_index(batch_op.f("ix_incidents_outcome"), ["outcome"], unique=False)
        batch_op.create_index("ix_incidents_place", ["lon", "lat"], unique=False)
        batch_op.create_index(batch_op.f("ix_incidents_start"), ["start"], unique=False)
        batch_op.create_index(batch_op.f("ix_incidents_updated_at"), ["updated_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_incidents_verdict"), ["verdict"], unique=False)

    op.create_table(
        "allegations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=80), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("agreement_id", sa.Integer(), nullable=False),
        sa.Column("term", sa.Integer(), nullable=False),
        sa.Column("party_id", sa.Integer(), nullable=True),
        sa.Column("flagged", sa.Boolean(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.JSON(), nullable=False),
        sa.Column("opened_at", truce.store.tables.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("state in ('open')", name=op.f("ck_allegations_state")),
        sa.ForeignKeyConstraint(
            ["agreement_id"], ["agreements.id"], name=op.f("fk_allegations_agreement_id_agreements")
        ),
        sa.ForeignKeyConstraint(
            ["incident_id"], ["incidents.id"], name=op.f("fk_allegations_incident_id_incidents")
        ),
        sa.ForeignKeyConstraint(
            ["party_id"], ["parties.id"], name=op.f("fk_allegations_party_id_parties")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_allegations")),
        sa.UniqueConstraint("key", name=op.f("uq_allegations_key")),
    )
    with op.batch_alter_table("allegations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_allegations_incident_id"), ["incident_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_allegations_party_id"), ["party_id"], unique=False)

    op.create_table(
        "incident_reports",
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("linked_to", sa.Integer(), nullable=True),
        sa.Column("match_probability", sa.Float(), nullable=True),
        sa.Column("match_weight", sa.Float(), nullable=True),
        sa.Column("comparisons", sa.JSON(), nullable=False),
        sa.Column("links", sa.JSON(), nullable=False),
        sa.Column("linked_by", sa.String(length=64), nullable=False),
        sa.Column("linked_at", truce.store.tables.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incidents.id"],
            name=op.f("fk_incident_reports_incident_id_incidents"),
        ),
        sa.ForeignKeyConstraint(
            ["report_id"], ["reports.id"], name=op.f("fk_incident_reports_report_id_reports")
        ),
        sa.PrimaryKeyConstraint("report_id", name=op.f("pk_incident_reports")),
    )
    with op.batch_alter_table("incident_reports", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_incident_reports_incident_id"), ["incident_id"], unique=False
        )

    op.create_table(
        "tombstones",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("merged_into_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("removed_by", sa.String(length=64), nullable=False),
        sa.Column("removed_at", truce.store.tables.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["incident_id"], ["incidents.id"], name=op.f("fk_tombstones_incident_id_incidents")
        ),
        sa.ForeignKeyConstraint(
            ["merged_into_id"],
            ["incidents.id"],
            name=op.f("fk_tombstones_merged_into_id_incidents"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tombstones")),
        sa.UniqueConstraint("incident_id", name=op.f("uq_tombstones_incident_id")),
    )
    with op.batch_alter_table("tombstones", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_tombstones_removed_at"), ["removed_at"], unique=False)

    with op.batch_alter_table("terms", schema=None) as batch_op:
        batch_op.add_column(sa.Column("breach", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("terms", schema=None) as batch_op:
        batch_op.drop_column("breach")

    with op.batch_alter_table("tombstones", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tombstones_removed_at"))

    op.drop_table("tombstones")
    with op.batch_alter_table("incident_reports", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_incident_reports_incident_id"))

    op.drop_table("incident_reports")
    with op.batch_alter_table("allegations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_allegations_party_id"))
        batch_op.drop_index(batch_op.f("ix_allegations_incident_id"))

    op.drop_table("allegations")
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_incidents_verdict"))
        batch_op.drop_index(batch_op.f("ix_incidents_updated_at"))
        batch_op.drop_index(batch_op.f("ix_incidents_start"))
        batch_op.drop_index("ix_incidents_place")
        batch_op.drop_index(batch_op.f("ix_incidents_outcome"))
        batch_op.drop_index(batch_op.f("ix_incidents_event_type"))

    op.drop_table("incidents")
