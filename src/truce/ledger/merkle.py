"""The Merkle tree over the ledger, exactly as RFC 9162 §2.1 defines it: pure functions.

Leaves are the entries' 32-byte hashes, leaf ``seq`` at index ``seq - 1``; the tree of size n
covers entries 1..n. A proof is laid out first as the leaf ranges whose hashes it needs
(depending only on the sizes), and each range is the fold of a few complete subtrees, so a
store that keeps every complete subtree's hash answers any proof at any past size with
O(log n) reads and no recomputation.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

LEAF_PREFIX = b"\x00"
NODE_PREFIX = b"\x01"
EMPTY_ROOT = hashlib.sha256(b"").digest()
UNREAD = b""  # a frontier subtree not read because the leaves being appended leave it alone

# A complete subtree: (level, index) holds the 2**level leaves from index * 2**level.
Subtree = tuple[int, int]
Range = tuple[int, int]  # leaves [start, end), counted from zero
# Where the hashes of complete subtrees come from: memory, or the store's node table.
Lookup = Callable[[Iterable[Subtree]], Mapping[Subtree, bytes]]


class ProofError(ValueError):
    """Sizes or indices for which no proof exists (a leaf beyond the tree, sizes reversed)."""


def leaf_hash(leaf: bytes) -> bytes:
    """SHA-256(0x00 ‖ leaf)."""
    return hashlib.sha256(LEAF_PREFIX + leaf).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """SHA-256(0x01 ‖ left ‖ right)."""
    return hashlib.sha256(NODE_PREFIX + left + right).digest()


def _split(width: int) -> int:
    """The largest power of two smaller than ``width`` (≥ 2): where RFC 9162 splits a tree."""
    return 1 << ((width - 1).bit_length() - 1)


def range_subtrees(start: int, end: int) -> list[Subtree]:
    """The complete subtrees, left to right and shrinking, that make up leaves [start, end).

    Every range a proof or root needs starts at a multiple of its own next power of two, so
    its hash is these subtrees folded from the right (see ``fold``)."""
    subtrees = []
    while start < end:
        level = (end - start).bit_length() - 1
        while start % (1 << level):
            level -= 1
        subtrees.append((level, start >> level))
        start += 1 << level
    return subtrees


def fold(hashes: Sequence[bytes]) -> bytes:
    """The hash of adjacent subtrees of shrinking size: the right ones nest deepest."""
    result = hashes[-1]
    for left in reversed(hashes[:-1]):
        result = node_hash(left, result)
    return result


def inclusion_ranges(index: int, size: int) -> list[Range]:
    """The ranges whose hashes prove leaf ``index`` in the tree of ``size`` (RFC 9162
    §2.1.3.1 PATH), in audit-path order: the leaf's sibling first."""
    if not 0 <= index < size:
        raise ProofError(f"leaf {index + 1} is not in a tree of size {size}")
    top_down = []
    start, end = 0, size
    while end - start > 1:
        middle = start + _split(end - start)
        if index < middle:
            top_down.append((middle, end))
            end = middle
        else:
            top_down.append((start, middle))
            start = middle
    return top_down[::-1]


def consistency_ranges(old_size: int, new_size: int) -> list[Range]:
    """The ranges whose hashes prove the tree of ``old_size`` is a prefix of the tree of
    ``new_size`` (RFC 9162 §2.1.4.1 SUBPROOF), in proof order."""
    if not 0 < old_size <= new_size:
        raise ProofError(f"no consistency proof from size {old_size} to size {new_size}")
    top_down = []
    start, end, old, whole = 0, new_size, old_size, True
    while old != end - start:
        middle = start + _split(end - start)
        if old <= middle - start:
            top_down.append((middle, end))
            end = middle
        else:
            top_down.append((start, middle))
            old -= middle - start
            start, whole = middle, False
    if not whole:  # the old tree is not a complete subtree the verifier already knows
        top_down.append((start, end))
    return top_down[::-1]


def resolve(ranges: Sequence[Range], lookup: Lookup) -> list[bytes]:
    """The hashes of ``ranges``, reading every subtree they need in one lookup."""
    parts = [range_subtrees(start, end) for start, end in ranges]
    found = lookup({subtree for part in parts for subtree in part})
    return [fold([found[subtree] for subtree in part]) for part in parts]


def root(size: int, lookup: Lookup) -> bytes:
    """The root hash of the tree of ``size``."""
    return EMPTY_ROOT if size == 0 else resolve([(0, size)], lookup)[0]


def inclusion_proof(index: int, size: int, lookup: Lookup) -> list[bytes]:
    """The audit path of leaf ``index`` (from zero) in the tree of ``size``."""
    return resolve(inclusion_ranges(index, size), lookup)


def consistency_proof(old_size: int, new_size: int, lookup: Lookup) -> list[bytes]:
    """The consistency proof between the trees of ``old_size`` and ``new_size``."""
    return resolve(consistency_ranges(old_size, new_size), lookup)


def verify_inclusion(
    index: int, size: int, leaf: bytes, proof: Sequence[bytes], expected_root: bytes
) -> bool:
    """Whether ``proof`` shows the leaf hash ``leaf`` at ``index`` in the tree of ``size``
    whose root is ``expected_root`` (RFC 9162 §2.1.3.2)."""
    if not 0 <= index < size:
        return False
    fn, sn, result = index, size - 1, leaf
    for sibling in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            result = node_hash(sibling, result)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            result = node_hash(result, sibling)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and result == expected_root


def verify_consistency(
    old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> bool:
    """Whether ``proof`` shows the tree of ``old_size`` with ``old_root`` is a prefix of the
    tree of ``new_size`` with ``new_root`` (RFC 9162 §2.1.4.2)."""
    if not 0 < old_size <= new_size:
        return False
    if old_size == new_size:
        return not proof and old_root == new_root
    path = list(proof)
    if old_size & (old_size - 1) == 0:  # a power of two: the old root is the first node
        path.insert(0, old_root)
    if not path:
        return False
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    old_result = new_result = path[0]
    for node in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            old_result = node_hash(node, old_result)
            new_result = node_hash(node, new_result)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            new_result = node_hash(new_result, node)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and old_result == old_root and new_result == new_root


@dataclass
class Frontier:
    """The right edge of a growing tree: its complete subtrees, biggest first.

    Appending a leaf yields the new complete subtrees it closes (the leaf, then each parent
    it completes), which is what a store of nodes writes; the root folds the frontier."""

    size: int = 0
    nodes: list[tuple[int, int, bytes]] = field(default_factory=list)

    @classmethod
    def at(cls, size: int, lookup: Lookup, *, growing_by: int | None = None) -> Frontier:
        """The frontier of the tree of ``size``, from its stored subtrees.

        With ``growing_by=k`` only the subtrees the next k leaves will merge with are read
        (none at all before an even size's next leaf); the others stand in unread, which is
        enough to append those k leaves and list the subtrees they complete, not for ``root``.
        """
        subtrees = range_subtrees(0, size)
        if growing_by is not None:
            # The subtree at ``level`` merges once the size carries past its level.
            end = size + growing_by
            wanted = [(lv, i) for lv, i in subtrees if end >> (lv + 1) != size >> (lv + 1)]
        else:
            wanted = subtrees
        found = lookup(wanted) if wanted else {}
        return cls(size, [(lv, i, found.get((lv, i), UNREAD)) for lv, i in subtrees])

    def append(self, leaf: bytes) -> list[tuple[int, int, bytes]]:
        """Add a leaf (its raw bytes); the subtrees it completes as (level, index, hash)."""
        # Written for speed (every append runs it): the new subtree climbs while the one
        # left of it on the frontier has its level, instead of being pushed and popped.
        nodes, level, index = self.nodes, 0, self.size
        hash_ = hashlib.sha256(LEAF_PREFIX + leaf).digest()
        made = [(0, index, hash_)]
        while nodes and nodes[-1][0] == level:
            left = nodes.pop()[2]
            assert left is not UNREAD, "a frontier subtree merged without being read"
            hash_ = hashlib.sha256(NODE_PREFIX + left + hash_).digest()
            level, index = level + 1, index >> 1
            made.append((level, index, hash_))
        nodes.append((level, index, hash_))
        self.size += 1
        return made

    def root(self) -> bytes:
        """The root hash of the tree so far."""
        if any(node[2] is UNREAD for node in self.nodes):
            raise ValueError("this frontier was read only to grow; read it whole for a root")
        return fold([node[2] for node in self.nodes]) if self.nodes else EMPTY_ROOT


class MemoryTree:
    """Every complete subtree of a tree held in memory: for offline checks and tests."""

    def __init__(self, leaves: Iterable[bytes] = ()) -> None:
        self.nodes: dict[Subtree, bytes] = {}
        self.frontier = Frontier()
        for leaf in leaves:
            self.append(leaf)

    def append(self, leaf: bytes) -> None:
        for level, index, hash_ in self.frontier.append(leaf):
            self.nodes[(level, index)] = hash_

    @property
    def size(self) -> int:
        return self.frontier.size

    def lookup(self, subtrees: Iterable[Subtree]) -> dict[Subtree, bytes]:
        return {subtree: self.nodes[subtree] for subtree in subtrees}

    def root(self, size: int | None = None) -> bytes:
        return root(self.size if size is None else size, self.lookup)
