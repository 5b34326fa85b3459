"""The Merkle tree against RFC 6962's published test vectors and against pymerkle."""

import os
import random
import warnings

import pytest
from pymerkle import InmemoryTree
from pymerkle.core import _consistency_path_layout, _inclusion_path_layout
from pymerkle.proof import ConsistencyProof, InclusionProof, InvalidProof

from truce.ledger import merkle
from truce.ledger.merkle import MemoryTree, leaf_hash, verify_consistency, verify_inclusion

# certificate-transparency's merkle_tree_test: eight leaves and the roots of each prefix.
VECTOR_LEAVES = [bytes.fromhex(h) for h in (
    "", "00", "10", "2021", "3031", "40414243", "5051525354555657",
    "606162636465666768696a6b6c6d6e6f",
)]  # fmt: skip
VECTOR_ROOTS = [
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
VECTOR_CONSISTENCY = {
    (1, 8): ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
             "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
             "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"],
    (6, 8): ["0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
             "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
             "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"],
    (2, 5): ["5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
             "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"],
}  # fmt: skip
BIG = 100_000


def test_roots_and_proofs_match_the_rfc_6962_vectors():
    tree = MemoryTree(VECTOR_LEAVES)
    assert [tree.root(n).hex() for n in range(1, 9)] == VECTOR_ROOTS
    for (old, new), expected in VECTOR_CONSISTENCY.items():
        proof = merkle.consistency_proof(old, new, tree.lookup)
        assert [h.hex() for h in proof] == expected
        old_root, new_root = (
            bytes.fromhex(VECTOR_ROOTS[old - 1]),
            bytes.fromhex(VECTOR_ROOTS[new - 1]),
        )
        assert verify_consistency(old, new, old_root, new_root, proof)
    assert merkle.root(0, tree.lookup) == merkle.EMPTY_ROOT


@pytest.fixture(scope="module")
def big():
    """One tree of 100,000 random 32-byte leaves, ours and pymerkle's."""
    rng = random.Random(2016)
    leaves = [rng.randbytes(32) for _ in range(BIG)]
    ours = MemoryTree(leaves)
    theirs = InmemoryTree(algorithm="sha256")
    for leaf in leaves:
        theirs.append_entry(leaf)
    return leaves, ours, theirs


def _sizes():
    rng = random.Random(9162)
    return [1, 2, 3, 7, 8, 9, 1024, 1025, BIG - 1, BIG, *rng.sample(range(1, BIG), 20)]


def _root(theirs, size):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return theirs.get_state(size)


def test_roots_and_proofs_agree_with_pymerkle_up_to_100000(big):
    leaves, ours, theirs = big
    rng = random.Random(6962)
    for size in _sizes():
        root = ours.root(size)
        assert root == _root(theirs, size), size
        for index in {0, size - 1, rng.randrange(size)}:
            path = merkle.inclusion_proof(index, size, ours.lookup)
            base = leaf_hash(leaves[index])
            rule, _ = _inclusion_path_layout(index + 1, size)
            InclusionProof("sha256", True, size, index + 1, rule, [base, *path]).verify(base, root)
            assert verify_inclusion(index, size, base, path, root)
            theirs_path = theirs.prove_inclusion(index + 1, size).path
            assert verify_inclusion(index, size, base, theirs_path[1:], root)
        old = rng.randrange(1, size + 1)
        proof = merkle.consistency_proof(old, size, ours.lookup)
        assert verify_consistency(old, size, _root(theirs, old), root, proof)
        theirs_proof = theirs.prove_consistency(old, size)
        theirs_proof.verify(ours.root(old), root)  # pymerkle accepts our roots
        rule, subset, _ = _consistency_path_layout(old, size)
        assert len(rule) == len(theirs_proof.path) and subset == theirs_proof.subset


def test_verification_fails_for_a_wrong_leaf_size_or_root(big):
    leaves, ours, _ = big
    size, index = 77_777, 12_345
    root = ours.root(size)
    path = merkle.inclusion_proof(index, size, ours.lookup)
    base = leaf_hash(leaves[index])
    assert verify_inclusion(index, size, base, path, root)
    assert not verify_inclusion(index, size, leaf_hash(leaves[index + 1]), path, root)
    # The size is bound through its root: a path for one size fails against another's.
    assert not verify_inclusion(index, size + 1, base, path, ours.root(size + 1))
    assert not verify_inclusion(index, 1 << 16, base, path, ours.root(1 << 16))
    assert not verify_inclusion(index, index, base, path, root)
    assert not verify_inclusion(index, size, base, path, ours.root(size - 1))
    assert not verify_inclusion(index + 1, size, base, path, root)
    rule, _ = _inclusion_path_layout(index + 1, size)
    wrong = InclusionProof("sha256", True, size, index + 1, rule, [leaf_hash(b"x"), *path])
    with pytest.raises(InvalidProof):
        wrong.verify(leaf_hash(b"x"), root)
    old = 40_000
    proof = merkle.consistency_proof(old, size, ours.lookup)
    assert verify_consistency(old, size, ours.root(old), root, proof)
    assert not verify_consistency(old + 1, size, ours.root(old + 1), root, proof)
    assert not verify_consistency(old, size - 1, ours.root(old), ours.root(size - 1), proof)
    assert not verify_consistency(old, 1 << 16, ours.root(old), ours.root(1 << 16), proof)
    assert not verify_consistency(old, size, ours.root(old + 1), root, proof)
    assert not verify_consistency(old, size, ours.root(old), ours.root(size + 1), proof)
    rule, subset, _ = _consistency_path_layout(old, size)
    ours_as_theirs = ConsistencyProof("sha256", True, size, old, rule, subset, [os.urandom(32)])
    with pytest.raises(InvalidProof):
        ours_as_theirs.verify(ours.root(old), root)


def test_a_frontier_grows_to_the_same_root_as_the_whole_tree():
    leaves = [os.urandom(32) for _ in range(300)]
    tree = MemoryTree(leaves)
    frontier = merkle.Frontier.at(137, tree.lookup)
    for leaf in leaves[137:]:
        frontier.append(leaf)
    assert frontier.root() == tree.root()


def test_a_frontier_read_only_to_grow_makes_the_same_subtrees():
    """Appends read only the frontier subtrees their leaves merge with; what they then write
    must be exactly what the whole frontier would have made, for every size and batch."""
    leaves = [os.urandom(32) for _ in range(300)]
    tree = MemoryTree(leaves)
    for size in range(0, 200):
        for batch in (1, 2, 3, 5, 8, 13, 64, 100):
            read: list = []

            def counting(subtrees, read=read):
                read.extend(subtrees)
                return tree.lookup(subtrees)

            whole = merkle.Frontier.at(size, tree.lookup)
            lean = merkle.Frontier.at(size, counting, growing_by=batch)
            for leaf in leaves[size : size + batch]:
                assert lean.append(leaf) == whole.append(leaf), (size, batch)
            if batch == 1:
                trailing_ones = (size ^ (size + 1)).bit_length() - 1
                assert len(read) == trailing_ones, (size, read)
    lean = merkle.Frontier.at(6, tree.lookup, growing_by=1)
    with pytest.raises(ValueError, match="read it whole"):
        lean.root()
