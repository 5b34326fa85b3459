"""A witness mirror's own database: the server's entries stored verbatim after verification, the
Merkle tree over them, the checkpoints cosigned, and the replayed tables rebuilt from the entries.

Nothing here decides whether to trust the server (``services.mirror`` and ``ledger.witness``
do); this only writes what was verified, in one transaction, so the mirror's database is always
a copy of one cosigned checkpoint of the server's ledger, never of half a sync.
"""

from __future__ import annotations

import base64
import copy
import dataclasses
import hashlib
import json
from collections.abc import Iterable, Iterator, MutableMapping, Sequence
from contextlib import closing, contextmanager
from datetime import datetime
from itertools import chain, takewhile
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    Connection,
    Table,
    and_,
    bindparam,
    delete,
    func,
    insert,
    or_,
    select,
)
from sqlalchemy.orm import Session

from truce.ledger.entry import Entry
from truce.store import replay
from truce.store.db import Database
from truce.store.ledger_store import recorded_head, stream_entries
from truce.store.merkle_store import MerkleStore, driver_cursor
from truce.store.tables import (
    Base,
    CheckpointRow,
    Instance,
    IntentNonceRow,
    LedgerEntryRow,
    LedgerHeadRow,
)

_ENTRIES = cast(Table, LedgerEntryRow.__table__)
_HEAD = cast(Table, LedgerHeadRow.__table__)
_NONCES = cast(Table, IntentNonceRow.__table__)
_CHUNK = 200  # keys per lookup (an IN list, or an OR of composite keys)


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


# --- intent nonces ---------------------------------------------------------------------------
# The mirror keeps every nonce its entries' intents carried in ``intent_nonces``, as the server
# does, so that a later sync checks the new intents against them without walking the chain.


def _nonce_key(nonce: str) -> str:
    """The nonce as the table keys it: a server takes 16-64 characters, but the verifier
    accepts any nonce an author signed, so a longer one is kept by its SHA-256."""
    return nonce if len(nonce) <= 64 else hashlib.sha256(nonce.encode()).hexdigest()


def nonces_held(db: Database, nonces: Sequence[str]) -> dict[str, int]:
    """Which of ``nonces`` the entries held carried, with the last seq that carried each. The
    table says whether; the seq (for the reason a replay is refused with) is looked for in the
    entries only for the nonces found, which a server that plays fair never sends twice."""
    keys = {_nonce_key(nonce): nonce for nonce in nonces}
    found: dict[str, int] = {}
    with db.snapshot() as connection:
        listed = list(keys)
        for start in range(0, len(listed), _CHUNK):
            part = listed[start : start + _CHUNK]
            for (key,) in connection.execute(
                select(_NONCES.c.nonce).where(_NONCES.c.nonce.in_(part))
            ):
                found[keys[key]] = _last_use(connection, keys[key])
    return found


def _last_use(connection: Connection, nonce: str) -> int:
    query = (select(_ENTRIES.c.seq, _ENTRIES.c.intent)
             .where(_ENTRIES.c.intent.is_not(None), _ENTRIES.c.intent.contains(nonce))
             .order_by(_ENTRIES.c.seq.desc()))  # fmt: skip
    for seq, intent in connection.execute(query):
        if str(json.loads(intent).get("nonce")) == nonce:
            return int(seq)
    return 0


def _nonce_rows(entries: Iterable[Entry]) -> dict[str, dict[str, Any]]:
    rows: dict[str, dict[str, Any]] = {}
    for entry in entries:
        if entry.intent is not None:
            key = _nonce_key(str(entry.intent.get("nonce")))
            rows[key] = {"nonce": key, "key_id": str(entry.intent.get("key_id"))[:16],
                         "seen_at": datetime.fromisoformat(entry.at)}  # fmt: skip
    return rows


def _keep_nonces(connection: Connection, entries: Iterable[Entry]) -> None:
    """Add the nonces ``entries`` carried that the table does not hold yet."""
    rows = _nonce_rows(entries)
    listed = list(rows)
    for start in range(0, len(listed), _CHUNK):
        part = listed[start : start + _CHUNK]
        for (key,) in connection.execute(select(_NONCES.c.nonce).where(_NONCES.c.nonce.in_(part))):
            del rows[key]
    if rows:
        connection.execute(insert(_NONCES), list(rows.values()))


# --- the replayed tables ----------------------------------------------------------------------


def _keyed(pk: Sequence[Any], keys: Sequence[replay.Key]) -> ColumnElement[bool]:
    """Rows by primary key, in a form both databases answer from the key's index: SQLite
    scans the table for a row-value IN list (docs/benchmarks.md), not for an OR of keys."""
    if len(pk) == 1:
        return cast(ColumnElement[bool], pk[0].in_([key[0] for key in keys]))
    return or_(*(and_(*(c == part for c, part in zip(pk, key, strict=True))) for key in keys))


class _HeldRows(MutableMapping[replay.Key, dict[str, Any]]):
    """One replayed table of the mirror's database as a replay's rows: a row is read when an
    applier asks for it, and only the rows put, changed or removed are written back."""

    def __init__(self, connection: Connection, name: str) -> None:
        self.connection, self.table = connection, Base.metadata.tables[name]
        self.pk = list(self.table.primary_key.columns)
        self.rows: dict[replay.Key, dict[str, Any]] = {}
        self.read: dict[replay.Key, dict[str, Any]] = {}  # as the database held them
        self.missing: set[replay.Key] = set()  # asked for, not in the database
        self.removed: set[replay.Key] = set()
        self.whole = False  # every row read (to iterate)

    def _load(self, key: replay.Key) -> None:
        if key in self.rows or key in self.read or key in self.missing or self.whole:
            return
        where = and_(*(column == part for column, part in zip(self.pk, key, strict=True)))
        row = self.connection.execute(select(self.table).where(where)).mappings().first()
        if row is None:
            self.missing.add(key)
        else:
            self.read[key] = dict(row)
            self.rows[key] = copy.deepcopy(self.read[key])

    def __getitem__(self, key: replay.Key) -> dict[str, Any]:
        if key in self.removed:
            raise KeyError(key)
        self._load(key)
        return self.rows[key]

    def __setitem__(self, key: replay.Key, values: dict[str, Any]) -> None:
        self.removed.discard(key)
        self.rows[key] = values

    def __delitem__(self, key: replay.Key) -> None:
        self[key]  # KeyError when there is no such row
        del self.rows[key]
        self.removed.add(key)

    def _all(self) -> None:
        if self.whole:
            return
        for row in self.connection.execute(select(self.table)).mappings():
            key = tuple(row[c.name] for c in self.pk)
            if key not in self.read and key not in self.rows and key not in self.removed:
                self.read[key] = dict(row)
                self.rows[key] = copy.deepcopy(self.read[key])
        self.whole = True

    def __iter__(self) -> Iterator[replay.Key]:
        self._all()
        return iter(list(self.rows))

    def __len__(self) -> int:
        self._all()
        return len(self.rows)

    def largest(self) -> int:
        """The largest first key part held or put (for ``Replay.next_id``)."""
        held = int(self.connection.scalar(select(func.max(self.pk[0]))) or 0)
        return max([held, *(int(key[0]) for key in self.rows)])

    def write(self) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """The rows to insert and the rows to update (whole), after finding which of the rows
        put without being read first are in the database already."""
        unknown = [k for k in self.rows if k not in self.read and k not in self.missing]
        for start in range(0, len(unknown), _CHUNK):
            part = unknown[start : start + _CHUNK]
            found = select(*self.pk).where(_keyed(self.pk, part))
            for row in self.connection.execute(found):
                self.read[tuple(row)] = {}  # there: updated whole below
        inserts = [v for k, v in self.rows.items() if k not in self.read]
        updates = [v for k, v in self.rows.items() if k in self.read and v != self.read[k]]
        return inserts, updates


class _HeldUserIds(MutableMapping[str, int]):
    """``Replay.user_ids`` over the mirror's users table: username -> id."""

    def __init__(self, users: _HeldRows) -> None:
        self.users, self.known, self.whole = users, dict[str, int](), False

    def __getitem__(self, name: str) -> int:
        if name not in self.known and not self.whole:
            table = self.users.table
            found = self.users.connection.scalar(select(table.c.id).where(table.c.username == name))
            if found is not None:
                self.known[name] = int(found)
        return self.known[name]

    def __setitem__(self, name: str, user_id: int) -> None:
        self.known[name] = user_id

    def __delitem__(self, name: str) -> None:
        del self.known[name]

    def __iter__(self) -> Iterator[str]:
        if not self.whole:
            table = self.users.table
            for name, user_id in self.users.connection.execute(
                select(table.c.username, table.c.id)
            ):
                self.known.setdefault(name, int(user_id))
            self.whole = True
        return iter(list(self.known))

    def __len__(self) -> int:
        return len(list(iter(self)))


class _HeldReplay(replay.Replay):
    """A replay that goes on from the mirror's replayed tables instead of from nothing."""

    def next_id(self, name: str) -> int:
        return cast(_HeldRows, self.rows[name]).largest() + 1


# What a replay keeps beside its rows; ``_HeldReplay`` carries exactly these over from the
# tables. A replay that keeps more (a new lookup) is applied from every entry again, whole,
# until _HeldReplay learns to carry it too: slower, never wrong.
_REPLAY_FIELDS = {"rows", "entries", "old_payloads", "user_ids"}


def _incremental() -> bool:
    return {f.name for f in dataclasses.fields(replay.Replay)} == _REPLAY_FIELDS


def _apply_replayed(connection: Connection, new: Sequence[Entry]) -> int:
    """The ``new`` entries' appliers run over the replayed tables as they are (each row an
    applier needs read from the table), and what they put, changed or removed written back:
    inserted and updated parents first, removed children first. The rows written."""
    tables = {name: _HeldRows(connection, name) for name in replay.REPLAYED}
    into = _HeldReplay()
    into.rows = cast(replay.Rows, tables)
    into.user_ids = cast(dict[str, int], _HeldUserIds(tables["users"]))
    # As replay.replay walks the entries, onto the rows held.
    for entry in new:
        applier = replay.APPLIERS.get(entry.action)
        if applier is not None:
            applier(entry, into)
    written = 0
    order = [t for t in Base.metadata.sorted_tables if t.name in replay.REPLAYED]
    for table in reversed(order):
        held = tables[table.name]
        gone = [key for key in held.removed if key in held.read]
        for start in range(0, len(gone), _CHUNK):
            part = gone[start : start + _CHUNK]
            connection.execute(delete(table).where(_keyed(held.pk, part)))
        written += len(gone)
    for table in order:
        inserts, updates = tables[table.name].write()
        for start in range(0, len(inserts), 1000):
            connection.execute(insert(table), inserts[start : start + 1000])
        if updates:
            pk = tables[table.name].pk
            # The SET columns are the parameters' keys (all but the key's, bound apart).
            where = and_(*(column == bindparam(f"key_{column.name}") for column in pk))
            names = {c.name for c in pk}
            connection.execute(table.update().where(where), [
                {**{k: v for k, v in row.items() if k not in names},
                 **{f"key_{name}": row[name] for name in names}}
                for row in updates
            ])  # fmt: skip
        written += len(inserts) + len(updates)
    return written


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


class Taking:
    """One sync's transaction on the mirror's database: the entries stored as they are walked
    (so the database works while the signatures are checked, not after), the rest at the end.
    Nothing is kept unless ``finish`` returns: an exception rolls it all back."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.held_seq = _head(session)[0]
        self.stored = 0

    def store(self, entries: Sequence[Entry]) -> None:
        """Insert the next entries after those stored (walked, their signatures maybe not yet
        checked: ``finish`` is only called once they are)."""
        if entries:
            _insert_entries(self.session, entries)
            self.stored += len(entries)

    def finish(
        self,
        entries: Sequence[Entry],
        *,
        size: int,
        root: bytes,
        note: str,
        signed_at: datetime,
        nonces_from_held: bool = False,
    ) -> int:
        """Store the rest of the verified ``entries`` (all this sync's, in order), check that the
        tree they make has the checkpoint's ``root`` at ``size`` (RootDiffers otherwise), keep
        the checkpoint, the entries' intent nonces (with ``nonces_from_held``, those of every
        entry held too: a mirror synced before it kept them) and apply the entries to the
        replayed tables; the number of replayed rows written."""
        session, held_seq = self.session, self.held_seq
        self.store(entries[self.stored :])
        if entries:
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
        connection = session.connection()
        if nonces_from_held:
            before = takewhile(lambda entry: entry.seq <= held_seq, stream_entries(connection))
            _keep_nonces(connection, chain(before, entries))
        else:
            _keep_nonces(connection, entries)
        if held_seq and _incremental():
            return _apply_replayed(connection, entries)
        return _rebuild_replayed(connection, held_seq, entries)


@contextmanager
def taking(db: Database) -> Iterator[Taking]:
    """A sync's transaction (``Taking``), committed when the block ends without an exception."""
    with db.writer() as session, session.begin():
        yield Taking(session)


def take_in(
    db: Database,
    entries: Sequence[Entry],
    *,
    size: int,
    root: bytes,
    note: str,
    signed_at: datetime,
    nonces_from_held: bool = False,
) -> int:
    """``Taking.finish`` of verified ``entries`` in a transaction of its own."""
    with taking(db) as took:
        return took.finish(entries, size=size, root=root, note=note, signed_at=signed_at,
                           nonces_from_held=nonces_from_held)  # fmt: skip


_ENTRY_COLUMNS = ("seq", "at", "actor", "key_id", "action", "subject", "payload", "prev", "hash",
                  "sig", "intent", "intent_sig")  # fmt: skip


def _insert_entries(session: Session, entries: Sequence[Entry]) -> None:
    """Store the entries as served, through the driver: SQLAlchemy's per-row parameter
    handling cost more than SQLite's own insert (bench/ledger.py's mirror sync)."""
    rows = [
        (e.seq, e.at, e.actor, e.key_id, e.action, e.subject, e.payload_text(), e.prev, e.hash,
         e.sig, e.intent_text(), e.intent_sig)
        for e in entries
    ]  # fmt: skip
    cursor, paramstyle = driver_cursor(session)
    names = ", ".join(_ENTRY_COLUMNS)
    with closing(cursor):
        if paramstyle == "qmark":  # SQLite: executemany is one loop in C
            marks = ", ".join("?" * len(_ENTRY_COLUMNS))
            cursor.executemany(f"INSERT INTO {_ENTRIES.name} ({names}) VALUES ({marks})", rows)
        else:  # PostgreSQL: COPY
            with cursor.copy(f"COPY {_ENTRIES.name} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)


def _head(session: Session) -> tuple[int, str | None]:
    row = session.execute(select(_HEAD.c.seq, _HEAD.c.hash).where(_HEAD.c.id == 1)).first()
    return (row[0], row[1]) if row else (0, None)


def replayed_rows(db: Database) -> dict[str, dict[replay.Key, dict[str, Any]]]:
    """The mirror's replayed tables, row by row (to compare with the server's)."""
    with db.snapshot() as connection:
        return replay.live_rows(connection)
