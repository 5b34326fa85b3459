"""A witness's one decision: cosign a new checkpoint only if the tree merely grew.

Pure: the caller (``truce witness cosign``, a mirror) keeps the last checkpoint it cosigned,
fetches the new one with a consistency proof from that size, and stores what this returns.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from truce.ledger.merkle import verify_consistency
from truce.ledger.note import (
    Checkpoint,
    Note,
    NoteError,
    Signature,
    VerifierKey,
    cosign,
    note_signature_holds,
)


class Refused(ValueError):
    """The witness will not cosign; ``misbehaviour`` when the log showed two histories."""

    def __init__(self, reason: str, *, misbehaviour: bool = False) -> None:
        super().__init__(reason)
        self.misbehaviour = misbehaviour


@dataclass(frozen=True)
class Cosigned:
    """The checkpoint just cosigned, and the cosignature line to post back."""

    checkpoint: Checkpoint
    note: Note
    signature: Signature


def check_checkpoint(note_text: str, log_key: VerifierKey) -> tuple[Note, Checkpoint]:
    """The note and its checkpoint once the log's signature holds; Refused otherwise."""
    try:
        note = Note.parse(note_text)
        checkpoint = Checkpoint.parse(note.body)
    except NoteError as exc:
        raise Refused(f"not a checkpoint: {exc}") from exc
    if checkpoint.origin != log_key.name:
        raise Refused(f"the checkpoint is of {checkpoint.origin!r}, not of {log_key.name!r}")
    if not note_signature_holds(note, log_key):
        raise Refused("the log's signature on the checkpoint does not hold")
    return note, checkpoint


def check_growth(previous: Checkpoint | None, new: Checkpoint, proof: Sequence[bytes]) -> None:
    """Refused unless ``new`` extends ``previous`` (nothing to check without one)."""
    if previous is None or previous.size == 0:
        return
    if new.origin != previous.origin:
        raise Refused(f"the checkpoint is of {new.origin!r}, not of {previous.origin!r}")
    if new.size < previous.size:
        raise Refused(
            f"the tree shrank from {previous.size} to {new.size} entries", misbehaviour=True
        )
    if new.size == previous.size and new.root != previous.root:
        raise Refused(f"two roots for the tree of size {new.size}: a split view", misbehaviour=True)
    if not verify_consistency(previous.size, new.size, previous.root, new.root, proof):
        raise Refused(
            f"the tree of size {new.size} does not extend the one of size {previous.size}"
            " cosigned before",
            misbehaviour=True,
        )


def cosign_checkpoint(
    previous: Checkpoint | None,
    note_text: str,
    proof: Sequence[bytes],
    *,
    log_key: VerifierKey,
    witness_name: str,
    witness_seed: bytes,
    timestamp: int,
) -> Cosigned:
    """Check the log's signature on ``note_text`` and that its tree extends ``previous`` by
    ``proof`` (the consistency proof from ``previous.size``), then cosign it."""
    note, checkpoint = check_checkpoint(note_text, log_key)
    check_growth(previous, checkpoint, proof)
    signature = cosign(note.body, witness_name, witness_seed, timestamp)
    return Cosigned(checkpoint, note, signature)
