"""The in-process applicability engine: who is active at a place and moment, and the verdict.

A ``Territory`` is built once from an agreement's areas and its parties' status histories, and
then answers single queries (with details) and batches of millions of (point, time) pairs (as
arrays). The PostGIS engine in ``truce.store.postgis`` gives the same answers, in the same
types (``truce.geo.results``).
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
import shapely
from numpy.typing import NDArray
from shapely.geometry import MultiPolygon, Polygon

from truce.domain.agreement import Agreement
from truce.domain.parties import Status, StatusChange, status_at
from truce.domain.territory import Presence, presence_of, verdict_of
from truce.geo.grid import GridIndex
from truce.geo.results import (
    NOT_IN_FORCE,
    Applicability,
    AreaHit,
    Batch,
    Floats,
    Ints,
    PartyHit,
    micros,
)

FOREVER = np.iinfo(np.int64).max
KM_PER_DEGREE_LAT = 110.574
KM_PER_DEGREE_LON_AT_EQUATOR = 111.320
PARALLEL_FROM = 200_000  # points; below this threads cost more than they save
_COUNTED = int(Presence.COMMITTED | Presence.EXCLUDED)  # the presence flags a verdict counts
Bits = NDArray[Any]  # unsigned integers: two bits (committed, excluded) per side, per point


@dataclass(frozen=True)
class AreaFacts:
    """What the engine needs to know of one area."""

    id: int
    party_id: int
    guarantor: str
    review: str
    label: str
    start: datetime
    end: datetime | None  # already shortened by any later assertion that replaces it
    geometry: Polygon | MultiPolygon
    approximate: bool = False
    confidence: str = ""
    source: str = ""


@dataclass(frozen=True)
class PartyFacts:
    """A party's name and status history under the agreement."""

    id: int
    name: str
    changes: tuple[StatusChange, ...]


class _Statuses:
    """Presence flags of every party over time, as a table: party × status epoch."""

    def __init__(self, parties: Sequence[PartyFacts]) -> None:
        self.row = {party.id: row for row, party in enumerate(parties)}
        times = sorted({c.effective_at for p in parties for c in p.changes})
        self.bounds = np.asarray([micros(t) for t in times], dtype=np.int64)
        self.table = np.full((max(len(parties), 1), len(times) + 1), int(Presence.OTHER), np.int8)
        for row, party in enumerate(parties):
            for epoch, moment in enumerate(times, start=1):
                self.table[row, epoch] = int(presence_of(status_at(party.changes, moment)))

    def flags(self, rows: Ints, at: Ints) -> NDArray[np.int8]:
        """The presence flag of party ``rows[i]`` at time ``at[i]``."""
        return self.table[rows, np.searchsorted(self.bounds, at, side="right")]


class Territory:
    """All areas of one agreement, indexed for point queries at any time."""

    def __init__(
        self, agreement: Agreement, areas: Sequence[AreaFacts], parties: Sequence[PartyFacts]
    ) -> None:
        self.agreement = agreement
        self.areas = list(areas)
        self.parties = {party.id: party for party in parties}
        self.effective = micros(agreement.effective_at)
        self.statuses = _Statuses(list(parties))
        geometries = np.array([a.geometry for a in self.areas], dtype=object)
        self.grid = GridIndex(geometries)
        self.party_row = np.array([self.statuses.row[a.party_id] for a in self.areas], np.int64)
        self.start = np.array([micros(a.start) for a in self.areas], dtype=np.int64)
        self.end = np.array([micros(a.end) if a.end else FOREVER for a in self.areas], np.int64)
        # Each area's side: its guarantor's position, or one more for any other asserter.
        sides = {state: side for side, state in enumerate(agreement.guarantors)}
        self.sides = len(sides) + 1
        side = np.array([sides.get(a.guarantor, len(sides)) for a in self.areas], np.int64)
        self.bits_type = np.uint8 if self.sides <= 4 else np.uint64
        self.shift = (2 * side).astype(self.bits_type)
        self._distance_index(geometries)

    def _distance_index(self, geometries: NDArray[np.object_]) -> None:
        # Distances are measured on a plane scaled to kilometres at the areas' mean latitude:
        # within a few per cent over a country the size of Syria.
        if len(geometries):
            bounds = shapely.total_bounds(geometries)
            self.lat0 = float((bounds[1] + bounds[3]) / 2)
        else:
            self.lat0 = 0.0
        self.kx = KM_PER_DEGREE_LON_AT_EQUATOR * math.cos(math.radians(self.lat0))
        scaled = shapely.transform(geometries, lambda xy: xy * [self.kx, KM_PER_DEGREE_LAT])
        self.scaled = scaled
        self.scaled_tree = shapely.STRtree(scaled)

    # --- batches -------------------------------------------------------------------------

    def classify(self, lon: Floats, lat: Floats, at: Ints) -> Batch:
        """Verdicts for many (point, time) pairs; ``at`` in microseconds (see ``micros``)."""
        lon, lat = np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64)
        at = np.asarray(at, dtype=np.int64)
        if len(lon) < PARALLEL_FROM:
            bits = self._bits(lon, lat, at)
        else:  # numpy and shapely let go of the GIL in the heavy parts: one chunk per core
            chunks = np.array_split(np.arange(len(lon)), os.cpu_count() or 1)
            with ThreadPoolExecutor(len(chunks)) as pool:
                parts = pool.map(lambda c: self._bits(lon[c], lat[c], at[c]), chunks)
                bits = np.concatenate(list(parts))
        not_in_force = at < self.effective
        by_guarantor = {
            state: _verdicts(bits >> (2 * side), not_in_force)
            for side, state in enumerate(self.agreement.guarantors)
        }
        overall = np.zeros(len(lon), dtype=bits.dtype)
        for side in range(self.sides):
            overall |= bits >> (2 * side)
        return Batch(_verdicts(overall, not_in_force), by_guarantor)

    def _bits(self, lon: Floats, lat: Floats, at: Ints) -> Bits:
        """Per point, for each side (the guarantors, then any other asserter), two bits: a
        committed party is present (1) and an excluded one is (2), at the point's time."""
        full_points, full_areas, cand_points, cand_areas = self.grid.candidates(lon, lat)
        points = np.concatenate([full_points, cand_points])
        areas = np.concatenate([full_areas, cand_areas])
        # What each pair would add; only pairs that add something are tested exactly.
        when = at[points]
        presence = self.statuses.flags(self.party_row[areas], when)
        active = (self.start[areas] <= when) & (when < self.end[areas])
        pair_bits = (presence & _COUNTED).astype(self.bits_type) << self.shift[areas]
        pair_bits[~active] = 0
        keep = np.flatnonzero(pair_bits)
        exact = keep[keep >= len(full_points)]
        outside = exact[~self.grid.contains(areas[exact], lon[points[exact]], lat[points[exact]])]
        pair_bits[outside] = 0
        bits = np.zeros(len(lon), dtype=self.bits_type)
        np.bitwise_or.at(bits, points[keep], pair_bits[keep])
        return bits

    # --- single places -------------------------------------------------------------------

    def answer(self, lat: float, lon: float, at: datetime) -> Applicability:
        """Who is active at (lat, lon) at ``at``, and the verdict, with details."""
        moment = micros(at)
        in_force = moment >= self.effective
        hits = self._hits(lon, lat, moment)
        parties = self._party_hits(hits, at)
        by_guarantor = {
            state: verdict_of(_presence(p for p in parties if _asserted_by(p, state)), in_force)
            for state in self.agreement.guarantors
        }
        return Applicability(
            lat=lat,
            lon=lon,
            at=at,
            in_force=in_force,
            verdict=verdict_of(_presence(parties), in_force),
            by_guarantor=by_guarantor,
            parties=parties,
            nearest_protected_km=self.nearest_protected_km(lon, lat, moment),
        )

    def _hits(self, lon: float, lat: float, moment: int) -> list[int]:
        _, areas = self.grid.pairs(np.array([lon], float), np.array([lat], float))
        return sorted(int(a) for a in areas if self.start[a] <= moment < self.end[a])

    def _party_hits(self, hits: list[int], at: datetime) -> tuple[PartyHit, ...]:
        by_party: dict[int, list[AreaHit]] = {}
        for index in hits:
            area = self.areas[index]
            hit = AreaHit(area.id, area.guarantor, area.review, area.label)
            by_party.setdefault(area.party_id, []).append(hit)
        return tuple(
            PartyHit(pid, self.parties[pid].name, self.status_at(pid, at), tuple(found))
            for pid, found in sorted(by_party.items())
        )

    def status_at(self, party_id: int, at: datetime) -> Status:
        """A party's status at ``at``."""
        return status_at(self.parties[party_id].changes, at)

    def nearest_protected_km(self, lon: float, lat: float, moment: int) -> float | None:
        """Distance (km) to the nearest area of a committed party active at ``moment``."""
        committed = self._committed_mask(moment)
        if not committed.any():
            return None
        point = shapely.Point(lon * self.kx, lat * KM_PER_DEGREE_LAT)
        reach = 5.0
        while True:
            found = self.scaled_tree.query(
                shapely.box(point.x - reach, point.y - reach, point.x + reach, point.y + reach)
            )
            found = found[committed[found]]
            if len(found):
                nearest = float(shapely.distance(self.scaled[found], point).min())
                if nearest <= reach:
                    return round(nearest, 3)
            if reach > 40_000:
                return None
            reach *= 4

    def _committed_mask(self, moment: int) -> NDArray[np.bool_]:
        at = np.full(len(self.areas), moment, dtype=np.int64)
        active = (self.start <= moment) & (moment < self.end)
        flags = self.statuses.flags(self.party_row, at) if len(self.areas) else at.astype(np.int8)
        committed: NDArray[np.bool_] = active & (flags == int(Presence.COMMITTED))
        return committed

    def active(self, at: datetime, guarantor: str | None = None) -> list[tuple[AreaFacts, Status]]:
        """The areas that hold at ``at`` (of one guarantor, if given), with their party's status."""
        moment = micros(at)
        return [
            (area, self.status_at(area.party_id, at))
            for index, area in enumerate(self.areas)
            if self.start[index] <= moment < self.end[index]
            and (guarantor is None or area.guarantor == guarantor)
        ]


def _verdicts(bits: Bits, not_in_force: NDArray[np.bool_]) -> NDArray[np.int8]:
    """Verdict codes from the lowest two bits: committed (1) + excluded (2) is the index into
    ``VERDICTS``, unless the agreement was not yet in force."""
    codes = (bits & _COUNTED).astype(np.int8)
    codes[not_in_force] = NOT_IN_FORCE
    return codes


def _presence(parties: Iterable[PartyHit]) -> Presence:
    flags = Presence.NONE
    for party in parties:
        flags |= presence_of(party.status)
    return flags


def _asserted_by(party: PartyHit, state: str) -> bool:
    return any(area.guarantor == state for area in party.areas)
