"""What the applicability engines answer, in-process (``geo.engine``) or in PostGIS
(``store.postgis``): one place's answer, a batch's verdict codes, and the engines' clock.

Only NumPy and the domain: no Shapely, so the store can answer in these types without the
in-process engine.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
from numpy.typing import NDArray

from truce.domain.parties import Status
from truce.domain.territory import Verdict

Ints = NDArray[np.int64]
Floats = NDArray[np.float64]

# Verdict codes in batch results, indexed by (committed, excluded) flags, and their meaning.
VERDICTS = (
    Verdict.UNKNOWN,
    Verdict.PROTECTED,
    Verdict.EXCLUDED,
    Verdict.MIXED,
    Verdict.NOT_IN_FORCE,
)
NOT_IN_FORCE = 4


def micros(moment: datetime) -> int:
    """A time as integer microseconds since 1970 UTC, the engines' clock."""
    delta = moment.astimezone(UTC) - datetime(1970, 1, 1, tzinfo=UTC)
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


@dataclass(frozen=True)
class AreaHit:
    """One area containing the queried place."""

    area_id: int
    guarantor: str
    review: str
    label: str


@dataclass(frozen=True)
class PartyHit:
    """A party active at the queried place, with its status then and the areas that say so."""

    party_id: int
    name: str
    status: Status
    areas: tuple[AreaHit, ...]


@dataclass(frozen=True)
class Applicability:
    """The answer for one place and moment."""

    lat: float
    lon: float
    at: datetime
    in_force: bool
    verdict: Verdict
    by_guarantor: dict[str, Verdict]
    parties: tuple[PartyHit, ...]
    nearest_protected_km: float | None


@dataclass(frozen=True)
class Batch:
    """Verdict codes (an index into ``VERDICTS``) for many points, overall and per guarantor."""

    verdicts: NDArray[np.int8]
    by_guarantor: dict[str, NDArray[np.int8]]

    def verdict(self, index: int) -> Verdict:
        """The verdict of point ``index``."""
        return VERDICTS[int(self.verdicts[index])]
