"""Reading, verifying and exporting the ledger of a database."""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
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
from truce.store import migrate, replay
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


@dataclass(frozen=True)
class StateReport:
    """The live tables against a replay of the ledger: every row that differs."""

    tables: tuple[str, ...]  # the tables compared
    rows: int  # rows the replay rebuilt
    entries: int  # entries replayed
    old_payloads: int  # of them, written before their payload carried all a row holds
    differences: list[replay.Difference]

    @property
    def ok(self) -> bool:
        return not self.differences


def verify_state(db: Database) -> StateReport:
    """Rebuild the replayed tables from the entries alone, into a private SQLite database, and
    compare them row by row with the live tables, both as of one moment."""
    with db.snapshot() as connection:
        seq, _ = recorded_head(connection) or (0, None)
        entries = takewhile(lambda entry: entry.seq <= seq, stream_entries(connection))
        rebuilt = replay.replay(entries)
        live = replay.live_rows(connection)
    replayed = replay.through_sqlite(rebuilt.rows)
    return StateReport(
        replay.REPLAYED,
        sum(len(rows) for rows in rebuilt.rows.values()),
        rebuilt.entries,
        rebuilt.old_payloads,
        replay.compare(live, replayed),
    )


REPLAYED_TABLES = replay.REPLAYED


class NotEmpty(RuntimeError):
    """The database to replay into already holds rows."""


def replay_into(db: Database, target: Database) -> int:
    """Write the tables rebuilt from ``db``'s entries alone into ``target`` (migrated, and
    empty of them); the number of rows written."""
    migrate.upgrade(target)
    with target.writer_engine.connect() as connection:
        held = replay.tables_with_rows(connection)
    if held:
        raise NotEmpty(f"the database to replay into already holds rows in {', '.join(held)}")
    with db.snapshot() as connection:
        seq, _ = recorded_head(connection) or (0, None)
        entries = takewhile(lambda entry: entry.seq <= seq, stream_entries(connection))
        rebuilt = replay.replay(entries)
    with target.writer_engine.begin() as connection:
        return replay.write_rows(connection, rebuilt.rows)


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
