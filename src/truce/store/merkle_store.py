"""The ledger's Merkle tree in the database: complete subtrees' hashes, written with each
append in the appending transaction, read back for roots and proofs at any past size."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import cast

from sqlalchemy import Connection, Table, insert, select, tuple_
from sqlalchemy.orm import Session

from truce.ledger import merkle
from truce.ledger.merkle import Frontier, Subtree
from truce.store.tables import MerkleNodeRow

_NODES = cast(Table, MerkleNodeRow.__table__)
_INSERT_NODES = insert(_NODES)


class MissingNodes(RuntimeError):
    """The node table lacks subtrees the ledger's entries imply: it was not backfilled."""


def read_nodes(execute: Session | Connection, subtrees: Iterable[Subtree]) -> dict[Subtree, bytes]:
    """The stored hashes of ``subtrees``, in one query; MissingNodes when any is absent."""
    wanted = list(subtrees)
    if not wanted:
        return {}
    rows = execute.execute(
        select(_NODES.c.level, _NODES.c.idx, _NODES.c.hash).where(
            tuple_(_NODES.c.level, _NODES.c.idx).in_(wanted)
        )
    )
    found = {(level, idx): bytes(hash_) for level, idx, hash_ in rows}
    if len(found) != len(set(wanted)):
        missing = sorted(set(wanted) - found.keys())[:3]
        raise MissingNodes(f"the Merkle tree lacks subtrees {missing}: run `truce db upgrade`")
    return found


def node_rows(frontier: Frontier, leaves: Iterable[bytes]) -> list[dict[str, object]]:
    """The rows the subtrees completed by appending ``leaves`` to ``frontier`` add."""
    return [
        {"level": level, "idx": index, "hash": hash_}
        for leaf in leaves
        for level, index, hash_ in frontier.append(leaf)
    ]


class MerkleStore:
    """The tree as seen from one transaction."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def lookup(self, subtrees: Iterable[Subtree]) -> dict[Subtree, bytes]:
        return read_nodes(self.session, subtrees)

    def grow(self, size: int, entry_hashes: Sequence[str]) -> None:
        """Add the entries after the first ``size`` (their hex hashes) as leaves."""
        if entry_hashes:
            frontier = Frontier.at(size, self.lookup)
            rows = node_rows(frontier, (bytes.fromhex(h) for h in entry_hashes))
            self.session.execute(_INSERT_NODES, rows)

    def root(self, size: int) -> bytes:
        return merkle.root(size, self.lookup)

    def inclusion(self, seq: int, size: int) -> list[bytes]:
        """The audit path of entry ``seq`` in the tree of ``size``."""
        return merkle.inclusion_proof(seq - 1, size, self.lookup)

    def leaf_hash(self, seq: int) -> bytes:
        return self.lookup([(0, seq - 1)])[(0, seq - 1)]

    def consistency(self, old_size: int, new_size: int) -> list[bytes]:
        return merkle.consistency_proof(old_size, new_size, self.lookup)
