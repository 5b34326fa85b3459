"""indexes the two-ledger report reads by: reports by the time they occurred

The counts of a period (services/counts.py, the two-ledger report) first find the incidents
with a report that occurred in the period, of every channel; the index on channel and time
serves only one channel at a time (docs/benchmarks.md, "Situation reports").

Revision ID: 0017_two_ledger_indexes
Revises: 0016_intents
Create Date: 2026-12-04 18:40:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0017_two_ledger_indexes"
down_revision: str | None = "0016_intents"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_reports_occurred", "reports", ["occurred_start"])


def downgrade() -> None:
    op.drop_index("ix_reports_occurred", table_name="reports")
