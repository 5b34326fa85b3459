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
from truce.ledger.verify import verify
from truce.ledger.witness import Refused
from truce.store import migrate, mirror
from truce.store.db import Database

held = mirror.held
replayed_rows = mirror.replayed_rows


@dataclass(frozen=True)
class Taken:
    """What one sync stored: the entries verified and appended, the replayed rows rebuilt."""

    entries: int
    rows: int
    size: int


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
) -> Taken:
    """Verify ``served`` (the entries after the mirror's head up to ``checkpoint.size``) as the
    continuation of the chain the mirror holds, check they make the checkpoint's root, and
    store them; Refused (misbehaviour) when the server's entries are not the ones it signed.

    ``served`` may be read lazily (page after page from the server): the entries are verified
    as they come, their signatures checked in worker processes while the next page is fetched."""
    have, _ = held(db)
    got: list[Entry] = []

    def collected() -> Iterator[Entry]:
        for entry in served:
            got.append(entry)
            yield entry

    with mirror.entries_held(db) as kept:
        # The entries held were verified when they came; their signatures are not re-checked,
        # but the chain, the keys and the nonces are walked again to check the new ones.
        report = verify(chain(kept, collected()), workers=workers,
                        signatures_checked_through=have)  # fmt: skip
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
        rows = mirror.take_in(db, got, size=checkpoint.size, root=checkpoint.root,
                              note=note, signed_at=signed_at)  # fmt: skip
    except mirror.RootDiffers as exc:
        raise Refused(str(exc), misbehaviour=True) from exc
    return Taken(len(got), rows, checkpoint.size)
