"""Entries checked against a cosigned checkpoint, with no database and no trust in the server.

The checkpoint says "the first ``size`` entries have this root", signed by the server's key and
cosigned by witnesses. Whoever holds the entries (an export file) recomputes that root, and
checks each signature with keys they hold themselves, never with keys the note names.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import islice

from truce.ledger.merkle import Frontier
from truce.ledger.note import (
    Checkpoint,
    Note,
    NoteError,
    VerifierKey,
    cosignature_holds,
    note_signature_holds,
)


@dataclass
class CheckpointReport:
    """What held and what did not; ``ok`` when nothing is wrong."""

    size: int = 0
    root: bytes = b""
    cosigned_by: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def check_cosigned(
    note_text: str,
    entry_hashes: Iterable[bytes],
    *,
    log_key: VerifierKey,
    witness_keys: Sequence[VerifierKey] = (),
) -> CheckpointReport:
    """Check that ``note_text`` is signed by ``log_key``, cosigned by every one of
    ``witness_keys``, and that its root is the tree of the first ``size`` of ``entry_hashes``
    (each entry's 32-byte hash, in ``seq`` order). Every problem is named, not just the first."""
    report = CheckpointReport()
    try:
        note = Note.parse(note_text)
        checkpoint = Checkpoint.parse(note.body)
    except NoteError as exc:
        report.problems.append(f"not a signed checkpoint: {exc}")
        return report
    report.size, report.root = checkpoint.size, checkpoint.root
    if checkpoint.origin != log_key.name:
        report.problems.append(
            f"the checkpoint is of the log {checkpoint.origin!r}, the log key of {log_key.name!r}"
        )
    elif not note_signature_holds(note, log_key):
        report.problems.append(f"the server's signature ({log_key.name}) does not hold")
    for key in witness_keys:
        line = key.signature(note)
        if line is None:
            report.problems.append(f"no cosignature by witness {key.name}")
        elif not cosignature_holds(note.body, line, key):
            report.problems.append(f"the cosignature by witness {key.name} does not hold")
        else:
            report.cosigned_by.append(key.name)
    frontier = Frontier()
    for leaf in islice(entry_hashes, checkpoint.size):
        frontier.append(leaf)
    if frontier.size < checkpoint.size:
        report.problems.append(
            f"the entries end at {frontier.size}; the checkpoint covers {checkpoint.size}"
        )
    elif (computed := frontier.root()) != checkpoint.root:
        report.problems.append(
            f"the root of the first {checkpoint.size} entries is {_b64(computed)},"
            f" the checkpoint says {_b64(checkpoint.root)}"
        )
    return report


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()
