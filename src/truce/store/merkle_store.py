"""The ledger's Merkle tree in the database: complete subtrees' hashes, written with each
append in the appending transaction, read back for roots and proofs at any past size."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from contextlib import closing
from typing import Any, cast

from sqlalchemy import Connection, Table
from sqlalchemy.orm import Session

from truce.ledger import merkle
from truce.ledger.merkle import Frontier, Subtree
from truce.store.tables import MerkleNodeRow

_NODES = cast(Table, MerkleNodeRow.__table__)
_COPY_NODES = "COPY merkle_nodes (level, idx, hash) FROM STDIN"
_KEYS_PER_QUERY = 200  # a proof at any size we will see needs fewer: one query


class MissingNodes(RuntimeError):
    """The node table lacks subtrees the ledger's entries imply: it was not backfilled."""


def read_nodes(execute: Session | Connection, subtrees: Iterable[Subtree]) -> dict[Subtree, bytes]:
    """The stored hashes of ``subtrees``, in one query; MissingNodes when any is absent."""
    wanted = sorted(set(subtrees))
    if not wanted:
        return {}
    cursor, paramstyle = driver_cursor(execute)
    found: dict[Subtree, bytes] = {}
    with closing(cursor):
        for start in range(0, len(wanted), _KEYS_PER_QUERY):
            chunk = wanted[start : start + _KEYS_PER_QUERY]
            cursor.execute(_lookup_sql(len(chunk), paramstyle), [v for key in chunk for v in key])
            found.update({(lv, idx): bytes(hash_) for lv, idx, hash_ in cursor.fetchall()})
    if len(found) != len(wanted):
        missing = sorted(set(wanted) - found.keys())[:3]
        raise MissingNodes(f"the Merkle tree lacks subtrees {missing}: run `truce db upgrade`")
    return found


def driver_cursor(execute: Session | Connection) -> tuple[Any, str]:
    """A cursor of the driver's own connection, in the transaction ``execute`` is in, and its
    parameter style.

    The tree's reads and writes are a few tiny statements per append and per proof; through
    SQLAlchemy's execution (even `exec_driver_sql`) they cost more than the work itself, so
    they go to the driver directly (bench/ledger.py, docs/benchmarks.md)."""
    connection = execute.connection() if isinstance(execute, Session) else execute
    return connection.connection.driver_connection.cursor(), connection.dialect.paramstyle  # type: ignore[union-attr]


@functools.cache
def _insert_sql(paramstyle: str) -> str:
    mark = "?" if paramstyle == "qmark" else "%s"
    return f"INSERT INTO {_NODES.name} (level, idx, hash) VALUES ({mark}, {mark}, {mark})"


@functools.cache
def _lookup_sql(keys: int, paramstyle: str) -> str:
    """One primary-key search per subtree, OR-ed, as the driver's own SQL.

    Not `(level, idx) IN (VALUES …)`: SQLite (3.40) answers that by scanning the whole table,
    which made every proof and every append O(n). Nor SQLAlchemy expressions: building ~20
    comparisons per proof cost more than the query. The text depends only on the number of
    keys, so each is made once; chunks keep the OR tree below SQLite's depth limit (1000)."""
    mark = "?" if paramstyle == "qmark" else "%s"
    where = " OR ".join([f"(level = {mark} AND idx = {mark})"] * keys)
    return f"SELECT level, idx, hash FROM {_NODES.name} WHERE {where}"


class MerkleStore:
    """The tree as seen from one transaction."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def lookup(self, subtrees: Iterable[Subtree]) -> dict[Subtree, bytes]:
        return read_nodes(self.session, subtrees)

    def grow(self, size: int, entry_hashes: Sequence[str]) -> None:
        """Add the entries after the first ``size`` (their hex hashes) as leaves."""
        if entry_hashes:
            frontier = Frontier.at(size, self.lookup, growing_by=len(entry_hashes))
            leaves = (bytes.fromhex(h) for h in entry_hashes)
            rows = [node for leaf in leaves for node in frontier.append(leaf)]
            cursor, paramstyle = driver_cursor(self.session)
            with closing(cursor):
                if paramstyle == "qmark":  # SQLite: executemany is one loop in C
                    cursor.executemany(_insert_sql(paramstyle), rows)
                else:  # PostgreSQL: COPY, measured faster than executemany, unnest or VALUES
                    with cursor.copy(_COPY_NODES) as copy:
                        for row in rows:
                            copy.write_row(row)

    def root(self, size: int) -> bytes:
        return merkle.root(size, self.lookup)

    def inclusion(self, seq: int, size: int) -> list[bytes]:
        """The audit path of entry ``seq`` in the tree of ``size``."""
        return merkle.inclusion_proof(seq - 1, size, self.lookup)

    def inclusion_and_leaf(self, seq: int, size: int) -> tuple[bytes, list[bytes]]:
        """The leaf hash of entry ``seq`` and its audit path in the tree of ``size``, read in
        one query (a proof is then one round trip to the database)."""
        leaf = (0, seq - 1)
        found: dict[Subtree, bytes] = {}

        def with_the_leaf(subtrees: Iterable[Subtree]) -> dict[Subtree, bytes]:
            found.update(read_nodes(self.session, {*subtrees, leaf}))
            return found

        path = merkle.inclusion_proof(seq - 1, size, with_the_leaf)
        return found[leaf], path

    def leaf_hash(self, seq: int) -> bytes:
        return self.lookup([(0, seq - 1)])[(0, seq - 1)]

    def consistency(self, old_size: int, new_size: int) -> list[bytes]:
        return merkle.consistency_proof(old_size, new_size, self.lookup)
