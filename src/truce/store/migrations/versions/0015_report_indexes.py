"""indexes the situation reports read by: incidents by outcome and start

The condition clocks that the daily bulletin shows read the incidents of the outcomes they
count (allegations, flagged) from the cessation's start, oldest first, until their first
breach; without this index that read walks every incident since the start (docs/benchmarks.md,
"Situation reports").

Revision ID: 0015_report_indexes
Revises: 0014_sitreps
Create Date: 2026-12-03 14:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0015_report_indexes"
down_revision: str | None = "0014_sitreps"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_incidents_outcome_start", "incidents", ["outcome", "start"])


def downgrade() -> None:
    op.drop_index("ix_incidents_outcome_start", table_name="incidents")
