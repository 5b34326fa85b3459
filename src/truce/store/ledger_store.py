"""Appending to and reading the ledger in the database, inside the caller's transaction."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import Connection, Table, bindparam, func, insert, select, update
from sqlalchemy.orm import Session

from truce.domain.paging import KeyPart, Page
from truce.ledger.entry import Authored, Entry, rfc3339, seal
from truce.ledger.keys import Signer
from truce.store import paging
from truce.store.merkle_store import MerkleStore
from truce.store.paging import Keyset, SortKey
from truce.store.tables import LedgerEntryRow, LedgerHeadRow

COLUMNS = (
    LedgerEntryRow.seq, LedgerEntryRow.at, LedgerEntryRow.actor, LedgerEntryRow.key_id,
    LedgerEntryRow.action, LedgerEntryRow.subject, LedgerEntryRow.payload, LedgerEntryRow.prev,
    LedgerEntryRow.hash, LedgerEntryRow.sig, LedgerEntryRow.intent, LedgerEntryRow.intent_sig,
)  # fmt: skip

# The ledger is written through Core statements on the tables, built once: the ORM's bulk
# insert and its synchronised UPDATE cost more per entry than signing does.
_ENTRIES = cast(Table, LedgerEntryRow.__table__)
_HEAD = cast(Table, LedgerHeadRow.__table__)
_INSERT_ENTRIES = insert(_ENTRIES)
_INSERT_HEAD = insert(_HEAD)
_READ_HEAD = select(_HEAD.c.seq, _HEAD.c.hash).where(_HEAD.c.id == 1)
# On PostgreSQL this row lock makes writers take turns (see store/db.py); SQLite's BEGIN
# IMMEDIATE already has. Appending takes it again, a no-op once the transaction holds it.
LOCK_HEAD = _READ_HEAD.with_for_update()
_MOVE_HEAD = (
    update(_HEAD).where(_HEAD.c.id == 1)
    .values(seq=bindparam("new_seq"), hash=bindparam("new_hash"))
)  # fmt: skip


_SEQ = KeyPart(int)
_OLDEST_FIRST = Keyset("ledger", (SortKey(LedgerEntryRow.seq, _SEQ),))
_NEWEST_FIRST = Keyset("ledger-newest", (SortKey(LedgerEntryRow.seq, _SEQ, descending=True),))


@dataclass(frozen=True)
class Change:
    """One change to record: what happened to what, and enough to replay it."""

    action: str
    subject: str
    payload: dict[str, Any]


def utc_now() -> datetime:
    """The current time in UTC."""
    return datetime.now(UTC)


def entry_row(entry: Entry) -> dict[str, Any]:
    """An entry as its database row holds it (a mirror stores the server's entries so)."""
    return {
        "seq": entry.seq,
        "at": entry.at,
        "actor": entry.actor,
        "key_id": entry.key_id,
        "action": entry.action,
        "subject": entry.subject,
        "payload": entry.payload_text(),
        "prev": entry.prev,
        "hash": entry.hash,
        "sig": entry.sig,
        "intent": entry.intent_text(),
        "intent_sig": entry.intent_sig,
    }


def entry_from_row(row: Sequence[Any]) -> Entry:
    """An entry from a database row in ``COLUMNS`` order."""
    seq, at, actor, key_id, action, subject, payload, prev, hash_, sig, intent, intent_sig = row
    return Entry(
        seq, at, actor, key_id, action, subject, json.loads(payload), prev, hash_, sig,
        json.loads(intent) if intent is not None else None, intent_sig,
    )  # fmt: skip


class LedgerStore:
    """The ledger as seen from one transaction."""

    def __init__(self, session: Session, clock: Callable[[], datetime] = utc_now) -> None:
        self.session = session
        self.clock = clock
        self.tree = MerkleStore(session)  # grows with every append, in the same transaction

    def _lock_head(self) -> tuple[int, str] | None:
        row = self.session.execute(LOCK_HEAD).first()
        return (row[0], row[1]) if row else None

    def lock(self) -> None:
        """Take the head lock now (writers take turns at it; see store/db.py)."""
        self._lock_head()

    def start(self, signer: Signer, payload: dict[str, Any]) -> Entry:
        """Write the genesis entry; the ledger must be empty."""
        if self._lock_head() is not None:
            raise RuntimeError("the ledger already has a genesis entry")
        entry = seal(signer, seq=1, at=rfc3339(self.clock()), action="ledger.genesis",
                     subject="ledger", payload=payload, prev=None)  # fmt: skip
        self.session.execute(_INSERT_ENTRIES, [entry_row(entry)])
        self.session.execute(_INSERT_HEAD, [{"id": 1, "seq": 1, "hash": entry.hash}])
        self.tree.grow(0, [entry.hash])
        return entry

    def append(self, signer: Signer, change: Change) -> Entry:
        """Seal and store one entry after the head."""
        return self.append_many(signer, [change])[0]

    def append_many(
        self, signer: Signer, changes: Sequence[Change], author: Authored | None = None
    ) -> list[Entry]:
        """Seal and store entries after the head, in order, holding the head lock once; with
        ``author``, the entries are theirs and ``signer`` sequences them."""
        head = self._lock_head()
        if head is None:
            raise RuntimeError("the ledger has no genesis entry; run `truce db upgrade` first")
        at = rfc3339(self.clock())
        seq, prev = head
        entries = []
        for change in changes:
            seq += 1
            entry = seal(signer, seq=seq, at=at, action=change.action, subject=change.subject,
                         payload=change.payload, prev=prev, author=author)  # fmt: skip
            entries.append(entry)
            prev = entry.hash
        if entries:
            self.session.execute(_INSERT_ENTRIES, [entry_row(e) for e in entries])
            self.session.execute(_MOVE_HEAD, {"new_seq": seq, "new_hash": prev})
            self.tree.grow(head[0], [entry.hash for entry in entries])
        return entries

    def head(self) -> tuple[int, str | None]:
        """The newest entry's seq and hash as recorded in the head row (0, None when empty)."""
        row = self.session.execute(_READ_HEAD).first()
        return (row[0], row[1]) if row else (0, None)

    def page(self, after: int, limit: int) -> list[Entry]:
        """Up to ``limit`` entries after seq ``after``."""
        rows = self.session.execute(
            select(*COLUMNS).where(LedgerEntryRow.seq > after).order_by(LedgerEntryRow.seq)
            .limit(limit)
        )  # fmt: skip
        return [entry_from_row(row) for row in rows]

    def listing(
        self, *, after: int, newest_first: bool, cursor: str | None, limit: int
    ) -> Page[Entry]:
        """A page of the entries after seq ``after``, oldest or newest first."""
        keyset = _NEWEST_FIRST if newest_first else _OLDEST_FIRST
        query = select(*COLUMNS).where(LedgerEntryRow.seq > after)
        return paging.page(self.session, query, keyset, cursor, limit).map(entry_from_row)

    def head_at(self, cutoff: datetime) -> tuple[int, str | None]:
        """The last entry written at or before ``cutoff``: its seq and hash (0, None if none).
        A report built from the record up to a cut-off names this head."""
        row = self.session.execute(
            select(LedgerEntryRow.seq, LedgerEntryRow.hash)
            .where(LedgerEntryRow.at <= rfc3339(cutoff))
            .order_by(LedgerEntryRow.seq.desc())
            .limit(1)
        ).first()
        return (row[0], row[1]) if row else (0, None)

    def about(self, subjects: Sequence[str], up_to: int) -> list[Entry]:
        """Every entry about any of ``subjects`` up to seq ``up_to``, in seq order."""
        found: list[Entry] = []
        wanted = sorted(set(subjects))
        for start in range(0, len(wanted), 500):
            rows = self.session.execute(
                select(*COLUMNS)
                .where(
                    LedgerEntryRow.subject.in_(wanted[start : start + 500]),
                    LedgerEntryRow.seq <= up_to,
                )
                .order_by(LedgerEntryRow.seq)
            )
            found += [entry_from_row(row) for row in rows]
        return sorted(found, key=lambda e: e.seq)

    def count(self) -> int:
        """How many entries are stored."""
        return self.session.scalar(select(func.count()).select_from(LedgerEntryRow)) or 0


def recorded_head(connection: Connection) -> tuple[int, str | None] | None:
    """The head row's seq and hash, None when there is no head row."""
    row = connection.execute(_READ_HEAD).first()
    return (row[0], row[1]) if row else None


def genesis_hash(connection: Connection) -> str | None:
    """The hash of entry 1, the genesis entry; None before it is written."""
    return connection.scalar(select(LedgerEntryRow.hash).where(LedgerEntryRow.seq == 1))


def stream_entries(connection: Connection, batch: int = 5000) -> Iterator[Entry]:
    """Every stored entry in seq order, read in batches so memory stays flat."""
    last = 0
    statement = select(*COLUMNS).order_by(LedgerEntryRow.seq)
    while True:
        rows = connection.execute(statement.where(LedgerEntryRow.seq > last).limit(batch)).all()
        if not rows:
            return
        for row in rows:
            yield entry_from_row(row)
        last = rows[-1][0]
