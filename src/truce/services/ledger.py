"""Reading, verifying and exporting the ledger of a database."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from itertools import takewhile
from pathlib import Path
from typing import IO

from sqlalchemy import select

from truce.ledger.entry import FORMAT, Entry, rfc3339
from truce.ledger.export import Header, read_entries, read_header, write_export
from truce.ledger.verify import KnownHead, RecordedHead, Report, verify
from truce.store.db import Database
from truce.store.ledger_store import LedgerStore, recorded_head, stream_entries, utc_now
from truce.store.tables import LedgerEntryRow


def verify_database(
    db: Database,
    *,
    genesis_hash: str | None = None,
    known_heads: Sequence[KnownHead] = (),
    workers: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> Report:
    """Verify every entry stored in ``db``, and that they end where the head row says."""
    with db.snapshot() as connection:  # the head row and the entries of one moment
        seq, hash_ = recorded_head(connection) or (0, None)
        end = RecordedHead(seq, hash_, "the head row")
        return verify(stream_entries(connection), genesis_hash=genesis_hash,
                      known_heads=known_heads, recorded_head=end, workers=workers,
                      progress=progress)  # fmt: skip


def verify_file(
    path: Path,
    *,
    genesis_hash: str | None = None,
    known_heads: Sequence[KnownHead] = (),
    workers: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> Report:
    """Verify an export file with no database; its header must agree with its entries."""
    header = read_header(path)
    end = RecordedHead(header.count, header.head, "the header")
    return verify(read_entries(path), genesis_hash=genesis_hash or header.genesis,
                  known_heads=known_heads, recorded_head=end, workers=workers,
                  progress=progress)  # fmt: skip


def count(db: Database) -> int:
    """How many entries the database holds."""
    with db.read_session() as session:
        return LedgerStore(session).count()


def export(db: Database, out: IO[str]) -> int:
    """Write the whole ledger to ``out`` as an export; the number of entries written."""
    with db.snapshot() as connection:
        genesis = connection.scalar(select(LedgerEntryRow.hash).where(LedgerEntryRow.seq == 1))
        seq, head_hash = recorded_head(connection) or (0, None)
        header = Header(format=FORMAT, genesis=genesis, count=seq, head=head_hash,
                        exported_at=rfc3339(utc_now()))  # fmt: skip
        # Stop at the head announced in the header, even if writers append meanwhile.
        entries = takewhile(lambda entry: entry.seq <= seq, stream_entries(connection))
        return write_export(out, header, entries)


def page(db: Database, after: int, limit: int) -> tuple[list[Entry], int, str | None]:
    """A page of entries after ``after``, with the current head."""
    with db.read_session() as session:
        store = LedgerStore(session)
        seq, head = store.head()
        return store.page(after, limit), seq, head
