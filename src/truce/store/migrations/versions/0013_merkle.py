"""the ledger's Merkle tree (complete subtrees' hashes, backfilled), signed checkpoints, witness
keys and their cosignatures

Revision ID: 0013_merkle
Revises: 0011_findings
Create Date: 2026-12-03 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import truce.store.tables
from truce.ledger.merkle import Frontier

revision: str = "0013_merkle"
down_revision: str | None = "0011_findings"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_SEQ = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_BATCH = 5000


def upgrade() -> None:
    nodes = op.create_table(
        "merkle_nodes",
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("idx", _SEQ, nullable=False),
        sa.Column("hash", sa.LargeBinary(length=32), nullable=False),
        sa.PrimaryKeyConstraint("level", "idx", name=op.f("pk_merkle_nodes")),
    )
    op.create_table(
        "ledger_checkpoints",
        sa.Column("size", _SEQ, nullable=False),
        sa.Column("root", sa.LargeBinary(length=32), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("signed_at", truce.store.tables.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("size", name=op.f("pk_ledger_checkpoints")),
    )
    op.create_table(
        "witness_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("public_key", sa.LargeBinary(length=32), nullable=False),
        sa.Column("vkey", sa.String(length=300), nullable=False),
        sa.Column("registered_at", truce.store.tables.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_witness_keys_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_witness_keys")),
        sa.UniqueConstraint("name", name=op.f("uq_witness_keys_name")),
    )
    with op.batch_alter_table("witness_keys", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_witness_keys_user_id"), ["user_id"], unique=False)
    op.create_table(
        "ledger_cosignatures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("size", _SEQ, nullable=False),
        sa.Column("witness_key_id", sa.Integer(), nullable=False),
        sa.Column("line", sa.String(length=400), nullable=False),
        sa.Column("timestamp", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["size"],
            ["ledger_checkpoints.size"],
            name=op.f("fk_ledger_cosignatures_size_ledger_checkpoints"),
        ),
        sa.ForeignKeyConstraint(
            ["witness_key_id"],
            ["witness_keys.id"],
            name=op.f("fk_ledger_cosignatures_witness_key_id_witness_keys"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_cosignatures")),
        sa.UniqueConstraint("size", "witness_key_id", name=op.f("uq_ledger_cosignatures_size")),
    )
    with op.batch_alter_table("ledger_cosignatures", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ledger_cosignatures_size"), ["size"], unique=False)
    _backfill(nodes)


def _backfill(nodes: sa.Table) -> None:
    """Every complete subtree of the entries already written, in seq order, a batch at a time
    (the tree is a pure function of the entries' hashes, so this is what appends would have
    written)."""
    connection = op.get_bind()
    entries = sa.table("ledger_entries", sa.column("seq"), sa.column("hash"))
    frontier = Frontier()
    while True:
        rows = connection.execute(
            sa.select(entries.c.seq, entries.c.hash)
            .where(entries.c.seq > frontier.size)
            .order_by(entries.c.seq)
            .limit(_BATCH)
        ).all()
        if not rows:
            return
        made = []
        for seq, hash_ in rows:
            if seq != frontier.size + 1:
                raise RuntimeError(f"the ledger has a gap before entry {seq}: verify it first")
            for level, index, node in frontier.append(bytes.fromhex(hash_)):
                made.append({"level": level, "idx": index, "hash": node})
        connection.execute(sa.insert(nodes), made)


def downgrade() -> None:
    op.drop_table("ledger_cosignatures")
    op.drop_table("witness_keys")
    op.drop_table("ledger_checkpoints")
    op.drop_table("merkle_nodes")
