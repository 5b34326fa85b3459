"""Merkle proofs, the server's signed checkpoints, and the guarantors' witnesses who cosign them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from truce.domain.errors import Conflict, Forbidden, Invalid, NotFound
from truce.domain.i18n import N_
from truce.domain.permissions import SYSTEM, Action, Actor, Role, require
from truce.ledger.merkle import ProofError
from truce.ledger.note import (
    COSIGNATURE_V1,
    ED25519,
    Checkpoint,
    Note,
    NoteError,
    VerifierKey,
    cosignature_holds,
    cosignature_time,
    sign_note,
)
from truce.store.checkpoints import StoredCheckpoint, StoredCosignature, WitnessKey
from truce.store.ledger_store import Change
from truce.store.uow import UnitOfWork

WITNESS_REGISTERED = "witness.registered"
CHECKPOINT_COSIGNED = "checkpoint.cosigned"
FUTURE_SLACK = timedelta(minutes=10)  # a witness's clock may run a little ahead


@dataclass(frozen=True)
class InclusionProof:
    seq: int
    tree_size: int
    leaf_hash: bytes
    hashes: list[bytes]


@dataclass(frozen=True)
class ConsistencyProof:
    old_size: int
    new_size: int
    hashes: list[bytes]


@dataclass(frozen=True)
class CheckpointPolicy:
    """When the server signs: after ``every_entries`` new entries or ``every_seconds``."""

    every_entries: int = 100
    every_seconds: int = 60
    origin: str = ""  # empty: truce/<the system key id>


@dataclass(frozen=True)
class CosignedCheckpoint:
    """A checkpoint with every cosignature posted for it, and the key that verifies it."""

    checkpoint: StoredCheckpoint
    cosignatures: list[StoredCosignature]
    log_key: str  # the server's vkey

    def note(self) -> str:
        """The signed note with every cosignature line after the server's."""
        return self.checkpoint.note + "".join(c.line + "\n" for c in self.cosignatures)


def _tree_size(uow: UnitOfWork) -> int:
    return uow.ledger.head()[0]


def _size_in_tree(uow: UnitOfWork, size: int, field: str) -> None:
    current = _tree_size(uow)
    if size > current:
        raise NotFound(
            N_("The ledger has {current} entries; {name} {size} is beyond it."),
            field=field, name=field, current=current, size=size,
        )  # fmt: skip


def inclusion(uow: UnitOfWork, seq: int, size: int | None = None) -> InclusionProof:
    """The audit path proving entry ``seq`` is in the tree of ``size`` (default: now)."""
    tree_size = _tree_size(uow) if size is None else size
    _size_in_tree(uow, tree_size, "size")
    if seq > tree_size:
        raise Invalid(N_("Entry {seq} is not in a tree of size {size}: give size ≥ seq."),
                      field="seq", seq=seq, size=tree_size)  # fmt: skip
    leaf, path = uow.ledger.tree.inclusion_and_leaf(seq, tree_size)
    return InclusionProof(seq, tree_size, leaf, path)


def consistency(uow: UnitOfWork, old_size: int, new_size: int) -> ConsistencyProof:
    """The proof that the tree of ``new_size`` extends the tree of ``old_size``."""
    _size_in_tree(uow, new_size, "to")
    try:
        path = uow.ledger.tree.consistency(old_size, new_size)
    except ProofError as exc:
        raise Invalid(N_("Give 1 ≤ from ≤ to (from {old}, to {new})."),
                      field="from", old=old_size, new=new_size) from exc  # fmt: skip
    return ConsistencyProof(old_size, new_size, path)


def log_origin(uow: UnitOfWork, configured: str = "") -> str:
    """The checkpoints' origin line: as configured, else named after the system key."""
    if configured:
        return configured
    instance = uow.instance()
    if instance is None:
        raise RuntimeError("this database is not set up: run `truce db upgrade`")
    return f"truce/{instance.key_id}"


def log_key(uow: UnitOfWork, origin: str) -> VerifierKey:
    """The server's checkpoint-signing key (the system key) under ``origin``."""
    return VerifierKey(origin, ED25519, uow.system_public_key())


def sign_due(
    uow: UnitOfWork, policy: CheckpointPolicy, *, force: bool = False
) -> StoredCheckpoint | None:
    """Sign a checkpoint of the current tree if the policy says one is due (or ``force``)."""
    size = _tree_size(uow)
    newest = uow.checkpoints.newest()
    if size == 0 or (newest is not None and newest.size >= size):
        return None
    due = (
        force
        or newest is None
        or size - newest.size >= policy.every_entries
        or uow.now() - newest.signed_at >= timedelta(seconds=policy.every_seconds)
    )
    if not due:
        return None
    origin = log_origin(uow, policy.origin)
    checkpoint = Checkpoint(origin, size, uow.ledger.tree.root(size))
    note = sign_note(checkpoint.body(), origin, uow.signer(SYSTEM).seed)
    stored = StoredCheckpoint(size, checkpoint.root, note.text(), uow.now())
    uow.checkpoints.add(stored)
    uow.commit()
    return stored


def cosigned(uow: UnitOfWork, size: int | None = None) -> CosignedCheckpoint:
    """The newest checkpoint (or the one of ``size``) with its cosignatures."""
    found = uow.checkpoints.newest() if size is None else uow.checkpoints.at(size)
    if found is None:
        if size is None:
            raise NotFound(N_("No checkpoint has been signed yet."))
        raise NotFound(N_("No checkpoint of size {size} was signed."), field="size", size=size)
    origin = Checkpoint.parse(Note.parse(found.note).body).origin
    key = log_key(uow, origin).encode()
    return CosignedCheckpoint(found, uow.checkpoints.cosignatures(found.size), key)


def witness_keys(uow: UnitOfWork) -> list[WitnessKey]:
    """Every registered witness key (public: they verify cosignatures)."""
    return uow.checkpoints.witness_keys()


@dataclass(frozen=True)
class RegisterWitness:
    user_id: int
    vkey: str  # name+keyid+base64(0x04 ‖ public key)


def register_witness(cmd: RegisterWitness, uow: UnitOfWork, *, actor: Actor) -> WitnessKey:
    """Register a guarantor user's witness key (the admin, or the guarantor for itself)."""
    require(actor, Action.REGISTER_WITNESS)
    user = uow.users.get(cmd.user_id)
    if user is None:
        raise NotFound(N_("No user {id}."), field="user_id", id=cmd.user_id)
    if user.role is not Role.GUARANTOR:
        raise Invalid(N_("Only a guarantor's user holds a witness key."), field="user_id")
    if actor.role is not Role.ADMIN and actor.user_id != cmd.user_id:
        raise Forbidden(N_("A guarantor registers only its own witness key."))
    try:
        key = VerifierKey.parse(cmd.vkey)
    except NoteError as exc:
        raise Invalid(N_("Not a witness key: {reason}."), field="vkey", reason=str(exc)) from exc
    if key.kind != COSIGNATURE_V1:
        raise Invalid(N_("A witness key has signature type 4 (cosignature/v1)."), field="vkey")
    if uow.checkpoints.witness_key(key.name) is not None:
        raise Conflict(N_("A witness key named {name} is registered already."),
                       field="vkey", name=key.name)  # fmt: skip
    made = uow.checkpoints.add_witness_key(user.id, key.name, key.public_key, key.encode(),
                                           uow.now())  # fmt: skip
    payload = {"user": user.username, "name": key.name, "vkey": key.encode(),
               "images": {"witness_keys": uow.images("witness_keys", [made.id])}}  # fmt: skip
    uow.record(actor, Change(WITNESS_REGISTERED, f"user:{user.id}", payload))
    uow.commit()
    return made


@dataclass(frozen=True)
class PostCosignature:
    size: int
    line: str  # "— <witness name> base64(key id ‖ timestamp ‖ signature)"


def add_cosignature(cmd: PostCosignature, uow: UnitOfWork, *, actor: Actor) -> StoredCosignature:
    """Store a witness's cosignature of a checkpoint once its signature holds."""
    require(actor, Action.COSIGN_CHECKPOINT)
    checkpoint = uow.checkpoints.at(cmd.size)
    if checkpoint is None:
        raise NotFound(N_("No checkpoint of size {size} was signed: cosign one the server"
                          " published."), field="size", size=cmd.size)  # fmt: skip
    note = Note.parse(checkpoint.note)
    try:
        (signature,) = Note.parse(note.body + "\n" + cmd.line.strip() + "\n").signatures
    except (NoteError, ValueError) as exc:
        raise Invalid(N_("Not a signature line: give “— NAME BASE64”."), field="line") from exc
    witness = uow.checkpoints.witness_key(signature.name)
    if witness is None:
        raise Invalid(N_("No witness key named {name} is registered."),
                      field="line", name=signature.name)  # fmt: skip
    if witness.user_id != actor.user_id:
        raise Forbidden(N_("Witness key {name} is not yours."), name=witness.name)
    key = VerifierKey(witness.name, COSIGNATURE_V1, witness.public_key)
    if not cosignature_holds(note.body, signature, key):
        raise Invalid(N_("The cosignature does not hold for checkpoint {size}."),
                      field="line", size=cmd.size)  # fmt: skip
    timestamp = cosignature_time(signature)
    if timestamp > (uow.now() + FUTURE_SLACK).timestamp():
        raise Invalid(N_("The cosignature's time is in the future."), field="line")
    if uow.checkpoints.has_cosignature(cmd.size, witness):
        raise Conflict(N_("Witness {name} has cosigned checkpoint {size} already."),
                       name=witness.name, size=cmd.size)  # fmt: skip
    line = signature.line().rstrip("\n")
    uow.checkpoints.add_cosignature(cmd.size, witness, line, timestamp)
    uow.record(actor, Change(CHECKPOINT_COSIGNED, f"checkpoint:{cmd.size}",
                             {"size": cmd.size, "root": checkpoint.root.hex(),
                              "witness": witness.name, "cosignature": line}))  # fmt: skip
    uow.commit()
    return StoredCosignature(cmd.size, witness.name, witness.username, line, timestamp)
