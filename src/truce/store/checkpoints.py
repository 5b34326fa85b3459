"""Signed checkpoints, the witness keys registered to cosign them, and their cosignatures."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from truce.store.tables import CheckpointRow, CosignatureRow, UserRow, WitnessKeyRow


@dataclass(frozen=True)
class StoredCheckpoint:
    size: int
    root: bytes
    note: str  # the server-signed note, without cosignatures
    signed_at: datetime


@dataclass(frozen=True)
class WitnessKey:
    id: int
    user_id: int
    username: str
    name: str
    public_key: bytes
    vkey: str
    registered_at: datetime


@dataclass(frozen=True)
class StoredCosignature:
    size: int
    witness: str  # the witness key's name
    username: str
    line: str
    timestamp: int


def _checkpoint(row: CheckpointRow) -> StoredCheckpoint:
    return StoredCheckpoint(row.size, bytes(row.root), row.note, row.signed_at)


class Checkpoints:
    """The checkpoint tables, seen from one transaction."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def newest(self) -> StoredCheckpoint | None:
        row = self.session.scalar(select(CheckpointRow).order_by(CheckpointRow.size.desc()))
        return _checkpoint(row) if row else None

    def at(self, size: int) -> StoredCheckpoint | None:
        row = self.session.get(CheckpointRow, size)
        return _checkpoint(row) if row else None

    def add(self, checkpoint: StoredCheckpoint) -> None:
        self.session.add(
            CheckpointRow(
                size=checkpoint.size,
                root=checkpoint.root,
                note=checkpoint.note,
                signed_at=checkpoint.signed_at,
            )
        )
        self.session.flush()

    def cosignatures(self, size: int) -> list[StoredCosignature]:
        rows = self.session.execute(
            select(CosignatureRow, WitnessKeyRow.name, UserRow.username)
            .join(WitnessKeyRow, WitnessKeyRow.id == CosignatureRow.witness_key_id)
            .join(UserRow, UserRow.id == WitnessKeyRow.user_id)
            .where(CosignatureRow.size == size)
            .order_by(CosignatureRow.id)
        )
        return [
            StoredCosignature(row.size, name, username, row.line, row.timestamp)
            for row, name, username in rows
        ]

    def add_cosignature(self, size: int, witness: WitnessKey, line: str, timestamp: int) -> None:
        self.session.add(
            CosignatureRow(size=size, witness_key_id=witness.id, line=line, timestamp=timestamp)
        )
        self.session.flush()

    def has_cosignature(self, size: int, witness: WitnessKey) -> bool:
        found = self.session.scalar(
            select(CosignatureRow.id).where(
                CosignatureRow.size == size, CosignatureRow.witness_key_id == witness.id
            )
        )
        return found is not None

    def add_witness_key(
        self, user_id: int, name: str, public_key: bytes, vkey: str, at: datetime
    ) -> WitnessKey:
        row = WitnessKeyRow(
            user_id=user_id, name=name, public_key=public_key, vkey=vkey, registered_at=at
        )
        self.session.add(row)
        self.session.flush()
        found = self.witness_key(name)
        assert found is not None
        return found

    def witness_key(self, name: str) -> WitnessKey | None:
        row = self.session.execute(
            select(WitnessKeyRow, UserRow.username)
            .join(UserRow, UserRow.id == WitnessKeyRow.user_id)
            .where(WitnessKeyRow.name == name)
        ).first()
        if row is None:
            return None
        key, username = row
        return WitnessKey(key.id, key.user_id, username, key.name, bytes(key.public_key),
                          key.vkey, key.registered_at)  # fmt: skip

    def witness_keys(self) -> list[WitnessKey]:
        names = self.session.scalars(select(WitnessKeyRow.name).order_by(WitnessKeyRow.id))
        return [key for name in names if (key := self.witness_key(name)) is not None]
