"""Reading, verifying and exporting the ledger of a database."""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Sequence
from itertools import takewhile
from pathlib import Path
from typing import IO

from truce.domain.paging import DEFAULT_LIMIT, Page
from truce.domain.permissions import Action, Actor, require
from truce.ledger.cosigned import CheckpointReport, check_cosigned
from truce.ledger.entry import FORMAT, Entry, rfc3339
from truce.ledger.export import Header, read_entries, read_header, write_export
from truce.ledger.note import VerifierKey
from truce.ledger.verify import KnownHead, RecordedHead, Report, verify
from truce.store.db import Database
from truce.store.ledger_store import (
    LedgerStore,
    genesis_hash,
    recorded_head,
    stream_entries,
    utc_now,
)
from truce.store.uow import UnitOfWork


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
        genesis = genesis_hash(connection)
        seq, head_hash = recorded_head(connection) or (0, None)
        header = Header(format=FORMAT, genesis=genesis, count=seq, head=head_hash,
                        exported_at=rfc3339(utc_now()))  # fmt: skip
        # Stop at the head announced in the header, even if writers append meanwhile.
        entries = takewhile(lambda entry: entry.seq <= seq, stream_entries(connection))
        return write_export(out, header, entries)


def export_for(db: Database, *, actor: Actor) -> tuple[IO[str], int]:
    """The export, for a user who may read the ledger, in a temporary file read from its start
    (on disk once large); with the number of entries. The caller closes the file."""
    require(actor, Action.READ_LEDGER)
    spool = tempfile.SpooledTemporaryFile(max_size=8 << 20, mode="w+", encoding="utf-8")  # noqa: SIM115
    try:
        written = export(db, spool)
    except BaseException:
        spool.close()
        raise
    spool.seek(0)
    return spool, written


def entries(
    uow: UnitOfWork,
    *,
    actor: Actor | None,
    after: int = 0,
    newest_first: bool = False,
    cursor: str | None = None,
    limit: int = DEFAULT_LIMIT,
) -> Page[Entry]:
    """A page of the entries after seq ``after`` (all of them by default), for signed-in users."""
    require(actor, Action.READ_LEDGER)
    return uow.ledger.listing(after=after, newest_first=newest_first, cursor=cursor, limit=limit)


def check_file_against_checkpoint(
    path: Path,
    note_text: str,
    *,
    log_key: VerifierKey,
    witness_keys: Sequence[VerifierKey] = (),
) -> CheckpointReport:
    """Check an export file's first entries against a cosigned checkpoint, with no database:
    the tree root they make, the server's signature and each witness's cosignature."""
    hashes = (bytes.fromhex(entry.hash) for entry in read_entries(path))
    return check_cosigned(note_text, hashes, log_key=log_key, witness_keys=witness_keys)
