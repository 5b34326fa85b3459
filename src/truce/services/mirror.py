"""A witness mirror's copy of a server's ledger: verify the entries the server served against
the checkpoint it signed, then store them and rebuild the replayed tables (docs/ledger.md,
"Witness mirrors").

The decision whether a new checkpoint extends the one cosigned before is the witness's
(``truce.ledger.witness``); this adds what only a mirror, holding every entry, can check: that
each entry verifies in the chain the mirror already holds, and that the entries make exactly
the signed root. Either failing is the server showing a history it did not sign: ``Refused``
with ``misbehaviour``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from itertools import chain

from truce.ledger.entry import Entry
from truce.ledger.note import Checkpoint
from truce.ledger.verify import ChainState, verify
from truce.ledger.witness import Refused
from truce.store import migrate, mirror
from truce.store.db import Database

held = mirror.held
replayed_rows = mirror.replayed_rows


@dataclass(frozen=True)
class Taken:
    """What one sync stored: the entries verified and appended, the replayed rows written, the
    verifier's state at the new head (for the next sync) and the signatures it checked."""

    entries: int
    rows: int
    size: int
    state: ChainState
    signatures: int


def prepare(db: Database) -> int:
    """The mirror's database migrated; the number of entries it already holds."""
    migrate.upgrade(db)
    return held(db)[0]


def take_in(
    db: Database,
    served: Iterable[Entry],
    checkpoint: Checkpoint,
    note: str,
    signed_at: datetime,
    *,
    workers: int | None = None,
    resume: ChainState | None = None,
) -> Taken:
    """Verify ``served`` (the entries after the mirror's head up to ``checkpoint.size``) as the
    continuation of the chain the mirror holds, check they make the checkpoint's root, and
    store them; Refused (misbehaviour) when the server's entries are not the ones it signed.

    ``served`` may be read lazily (page after page from the server): the entries are verified
    as they come, their signatures checked in worker processes while the next page is fetched.

    ``resume``: the verifier's state the last sync ended in (``Taken.state``). When it is at the
    mirror's head, only the new entries are walked; otherwise (a mirror synced before the state
    was kept) the chain held is walked again, and its intent nonces kept for next time."""
    have, head_hash = held(db)
    if resume is not None and (resume.seq, resume.hash) != (have, head_hash):
        resume = None
    got: list[Entry] = []

    def collected() -> Iterator[Entry]:
        for entry in served:
            got.append(entry)
            yield entry

    walk_held = have > 0 and resume is None
    with mirror.taking(db) as taking:
        # The entries walked are stored as the walk goes (in this transaction, undone on any
        # refusal), so the database works while the workers check the signatures.
        walked = -have if walk_held else 0  # the held entries are walked first, when they are

        def store_walked(count: int) -> None:
            nonlocal walked
            walked += count
            if walked > taking.stored:
                taking.store(got[taking.stored : walked])

        if walk_held:
            with mirror.entries_held(db) as kept:
                # The entries held were verified when they came; their signatures are not
                # re-checked, but the chain, the keys and the nonces are walked again.
                report = verify(chain(kept, collected()), workers=workers,
                                signatures_checked_through=have,
                                progress=store_walked)  # fmt: skip
        else:
            report = verify(collected(), workers=workers, resume=resume,
                            nonces_held=(lambda nonces: mirror.nonces_held(db, nonces))
                            if have else None, progress=store_walked)  # fmt: skip
        if report.failure is not None:
            raise Refused(f"an entry the server served does not verify: {report.failure.reason}",
                          misbehaviour=True)  # fmt: skip
        if report.head_seq != checkpoint.size:
            raise Refused(
                f"the server signed a tree of {checkpoint.size} entries but served only"
                f" {report.head_seq}: entries are missing",
                misbehaviour=True,
            )
        try:
            rows = taking.finish(got, size=checkpoint.size, root=checkpoint.root, note=note,
                                 signed_at=signed_at, nonces_from_held=walk_held)  # fmt: skip
        except mirror.RootDiffers as exc:
            raise Refused(str(exc), misbehaviour=True) from exc
    assert report.state is not None  # it verified
    return Taken(len(got), rows, checkpoint.size, report.state, report.signatures)
