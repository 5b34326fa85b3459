"""The Merkle tree kept with each append, its backfill, and co-signed checkpoints, on both
databases."""

import time

import nacl.signing
import pytest
from alembic import command
from sqlalchemy import text

from truce.domain.errors import Conflict, Forbidden, Invalid, NotFound
from truce.domain.parties import Status
from truce.ledger import merkle
from truce.ledger.merkle import MemoryTree, verify_consistency, verify_inclusion
from truce.ledger.note import COSIGNATURE_V1, Checkpoint, Note, VerifierKey
from truce.ledger.witness import Refused, cosign_checkpoint
from truce.services import checkpoints, standing
from truce.services.checkpoints import CheckpointPolicy
from truce.store import migrate
from truce.store.ledger_store import stream_entries


def _busy(world, rounds=3):
    for _ in range(rounds):
        for party, who in (("ahrar", "us"), ("fsa", "ru")):
            cmd = standing.ProposeStatus(
                world.agreement_id, world.parties[party], Status.COMMITTED, "seen acceptance"
            )
            with world.truce.uow() as uow:
                proposal = standing.propose_status(cmd, uow, actor=world.actors[who])
            with world.truce.uow() as uow:
                standing.withdraw_proposal(proposal.id, uow, actor=world.actors[who])


def ledger_entries(truce):
    with truce.db.snapshot() as connection:
        return list(stream_entries(connection))


def _memory_tree(world):
    return MemoryTree(bytes.fromhex(e.hash) for e in ledger_entries(world.truce))


def test_the_stored_tree_is_the_tree_of_the_entries_at_every_size(world):
    _busy(world)
    tree = _memory_tree(world)
    with world.truce.uow(write=False) as uow:
        size = uow.ledger.head()[0]
        assert size == tree.size > 5
        for n in range(1, size + 1):
            assert uow.ledger.tree.root(n) == tree.root(n)
            proof = checkpoints.inclusion(uow, (n + 1) // 2, n)
            assert verify_inclusion(
                (n + 1) // 2 - 1, n, proof.leaf_hash, proof.hashes, tree.root(n)
            )
            old = max(1, n // 3)
            path = checkpoints.consistency(uow, old, n).hashes
            assert verify_consistency(old, n, tree.root(old), tree.root(n), path)


def test_proofs_beyond_the_tree_are_refused_naming_the_field(world):
    with world.truce.uow(write=False) as uow:
        size = uow.ledger.head()[0]
        with pytest.raises(NotFound) as beyond:
            checkpoints.inclusion(uow, 1, size + 1)
        assert beyond.value.field == "size"
        with pytest.raises(Invalid) as after:
            checkpoints.inclusion(uow, 3, 2)
        assert after.value.field == "seq"
        with pytest.raises(Invalid):
            checkpoints.consistency(uow, 3, 2)
        with pytest.raises(NotFound):
            checkpoints.consistency(uow, 1, size + 1)


def test_the_migration_backfills_the_tree_of_an_existing_ledger(world):
    before = _memory_tree(world)
    config = migrate._config(world.truce.db)
    with world.truce.db.writer_engine.connect() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0011_findings")
        connection.commit()
    world.truce.db.dispose()
    migrate.upgrade(world.truce.db)
    with world.truce.db.writer_engine.connect() as connection:
        count = connection.execute(text("SELECT count(*) FROM merkle_nodes")).scalar()
    assert count == len(before.nodes)
    with world.truce.uow(write=False) as uow:
        assert uow.ledger.tree.root(before.size) == before.root()
    _busy(world, 1)  # appends go on from the backfilled frontier
    with world.truce.uow(write=False) as uow:
        assert uow.ledger.tree.root(uow.ledger.head()[0]) == _memory_tree(world).root()


def _witness(world, uow_actor="us"):
    seed = nacl.signing.SigningKey.generate()
    name = f"witness.{uow_actor}.example/w1"
    key = VerifierKey(name, COSIGNATURE_V1, bytes(seed.verify_key))
    with world.truce.uow() as uow:
        actor = world.actors[uow_actor]
        checkpoints.register_witness(
            checkpoints.RegisterWitness(actor.user_id, key.encode()), uow, actor=actor
        )
    return name, bytes(seed), key


def test_a_witness_cosigns_only_what_extends_what_it_cosigned(world):
    policy = CheckpointPolicy(every_entries=3, every_seconds=3600)
    with world.truce.uow() as uow:
        first = checkpoints.sign_due(uow, policy)
        assert first is not None
    with world.truce.uow() as uow:
        assert checkpoints.sign_due(uow, policy) is None  # nothing new
        view = checkpoints.cosigned(uow)
    log_key = VerifierKey.parse(view.log_key)
    name, seed, _ = _witness(world)
    made = cosign_checkpoint(None, view.note(), [], log_key=log_key, witness_name=name,
                             witness_seed=seed, timestamp=int(time.time()))  # fmt: skip
    post = checkpoints.PostCosignature(first.size, made.signature.line())
    with world.truce.uow() as uow:
        checkpoints.add_cosignature(post, uow, actor=world.actors["us"])
    with world.truce.uow() as uow, pytest.raises(Conflict):
        checkpoints.add_cosignature(post, uow, actor=world.actors["us"])
    with world.truce.uow() as uow, pytest.raises(Forbidden):
        checkpoints.add_cosignature(post, uow, actor=world.actors["ru"])
    with world.truce.uow() as uow, pytest.raises(NotFound):
        unknown = checkpoints.PostCosignature(first.size + 50, made.signature.line())
        checkpoints.add_cosignature(unknown, uow, actor=world.actors["us"])
    assert ledger_entries(world.truce)[-1].action == "checkpoint.cosigned"

    _busy(world, 2)
    with world.truce.uow() as uow:
        second = checkpoints.sign_due(uow, policy)
        assert second is not None and second.size > first.size
        proof = checkpoints.consistency(uow, first.size, second.size).hashes
        newer = checkpoints.cosigned(uow).note()
        assert Note.parse(checkpoints.cosigned(uow, first.size).note()).signatures[1].name == name
    previous = made.checkpoint
    again = cosign_checkpoint(previous, newer, proof, log_key=log_key, witness_name=name,
                              witness_seed=seed, timestamp=int(time.time()))  # fmt: skip
    with world.truce.uow() as uow:
        checkpoints.add_cosignature(
            checkpoints.PostCosignature(second.size, again.signature.line()), uow,
            actor=world.actors["us"],
        )  # fmt: skip
    forged = Checkpoint(previous.origin, previous.size, merkle.leaf_hash(b"another history"))
    with pytest.raises(Refused) as split:
        cosign_checkpoint(forged, newer, proof, log_key=log_key, witness_name=name,
                          witness_seed=seed, timestamp=int(time.time()))  # fmt: skip
    assert split.value.misbehaviour
    # A cosignature of another checkpoint's body does not hold for this one.
    with world.truce.uow() as uow, pytest.raises(Invalid):
        checkpoints.add_cosignature(
            checkpoints.PostCosignature(second.size, made.signature.line()), uow,
            actor=world.actors["us"],
        )  # fmt: skip
