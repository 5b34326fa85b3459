"""A witness mirror's own database: the server's entries stored verbatim after verification, the
Merkle tree over them, the checkpoints cosigned, and the replayed tables rebuilt from the entries.

Nothing here decides whether to trust the server (``services.mirror`` and ``ledger.witness``
do); this only writes what was verified, in one transaction, so the mirror's database is always
a copy of one cosigned checkpoint of the server's ledger, never of half a sync.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from itertools import chain, takewhile
from typing import Any, cast

from sqlalchemy import Connection, Table, delete, insert, select
from sqlalchemy.orm import Session

from truce.ledger.entry import Entry
from truce.store import replay
from truce.store.db import Database
from truce.store.ledger_store import entry_row, recorded_head, stream_entries
from truce.store.merkle_store import MerkleStore
from truce.store.tables import Base, CheckpointRow, Instance, LedgerEntryRow, LedgerHeadRow

_ENTRIES = cast(Table, LedgerEntryRow.__table__)
_HEAD = cast(Table, LedgerHeadRow.__table__)


class RootDiffers(ValueError):
    """The entries the server served do not make the root of the checkpoint it signed."""


def held(db: Database) -> tuple[int, str | None]:
    """The mirror's head: the seq and hash of the last entry it holds (0, None when empty)."""
    with db.snapshot() as connection:
        return recorded_head(connection) or (0, None)


@contextmanager
def entries_held(db: Database) -> Iterator[Iterator[Entry]]:
    """Every entry the mirror holds, in seq order, from one snapshot."""
    with db.snapshot() as connection:
        seq, _ = recorded_head(connection) or (0, None)
        yield takewhile(lambda entry: entry.seq <= seq, stream_entries(connection))


def _instance(entries: Sequence[Entry]) -> dict[str, Any] | None:
    """The mirrored installation, from its genesis entry: its name and system public key. The
    mirror holds no private key, so nothing is sealed and there is no secret to check."""
    if not entries or entries[0].seq != 1:
        return None
    genesis = entries[0]
    (system,) = [k for k in genesis.payload["keys"] if k.get("holder") == "system"]
    return {
        "id": 1, "name": str(genesis.payload.get("instance", "")), "key_id": system["key_id"],
        "public_key": base64.b64decode(system["public_key"]), "sealed_seed": b"",
        "secret_check": "", "created_at": datetime.fromisoformat(genesis.at),
    }  # fmt: skip


def _rebuild_replayed(connection: Connection, held_seq: int, new: Sequence[Entry]) -> int:
    """The replayed tables rebuilt from every entry held (in this transaction): those held
    before read back, the ``new`` ones as they are in memory; the tables emptied children first,
    then written parents first by ``replay.write_rows``."""
    before = takewhile(lambda entry: entry.seq <= held_seq, stream_entries(connection))
    rebuilt = replay.replay(chain(before, new))
    names = [t for t in reversed(Base.metadata.sorted_tables) if t.name in replay.REPLAYED]
    for table in names:
        connection.execute(delete(table))
    return replay.write_rows(connection, rebuilt.rows)


def take_in(
    db: Database,
    entries: Sequence[Entry],
    *,
    size: int,
    root: bytes,
    note: str,
    signed_at: datetime,
) -> int:
    """Append verified ``entries`` after the mirror's head, check that the tree they make has
    the checkpoint's ``root`` at ``size`` (RootDiffers, and nothing stored, otherwise), keep the
    checkpoint and rebuild the replayed tables; the number of replayed rows written."""
    with db.writer() as session, session.begin():
        held_seq, _ = _head(session)
        if entries:
            session.execute(insert(_ENTRIES), [entry_row(e) for e in entries])
            last = entries[-1]
            if held_seq == 0:
                session.execute(insert(_HEAD), [{"id": 1, "seq": last.seq, "hash": last.hash}])
                instance = _instance(entries)
                if instance is not None and session.get(Instance, 1) is None:
                    session.execute(insert(cast(Table, Instance.__table__)), [instance])
            else:
                session.execute(
                    _HEAD.update().where(_HEAD.c.id == 1).values(seq=last.seq, hash=last.hash)
                )
            tree = MerkleStore(session)
            tree.grow(held_seq, [e.hash for e in entries])
            made = tree.root(size)
            if made != root:
                raise RootDiffers(
                    f"the entries served make the root {base64.b64encode(made).decode()} at size"
                    f" {size}, but the checkpoint signed says {base64.b64encode(root).decode()}"
                )
        if session.get(CheckpointRow, size) is None:
            session.add(CheckpointRow(size=size, root=root, note=note, signed_at=signed_at))
            session.flush()
        return _rebuild_replayed(session.connection(), held_seq, entries)


def _head(session: Session) -> tuple[int, str | None]:
    row = session.execute(select(_HEAD.c.seq, _HEAD.c.hash).where(_HEAD.c.id == 1)).first()
    return (row[0], row[1]) if row else (0, None)


def replayed_rows(db: Database) -> dict[str, dict[replay.Key, dict[str, Any]]]:
    """The mirror's replayed tables, row by row (to compare with the server's)."""
    with db.snapshot() as connection:
        return replay.live_rows(connection)
