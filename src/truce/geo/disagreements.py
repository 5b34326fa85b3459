"""Where the guarantors' maps disagree on one day."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry

from truce.domain.parties import Status
from truce.domain.territory import Review
from truce.geo.engine import AreaFacts

# Overlaps smaller than this (square degrees, about 100 m × 100 m) are digitising noise.
MIN_OVERLAP = 1e-6


class Kind(StrEnum):
    """What kind of disagreement."""

    # One side's protected area where the other side places an excluded party.
    PROTECTED_VS_EXCLUDED = "protected_vs_excluded"
    COMMITTED_EXCLUDED_OVERLAP = "committed_excluded_overlap"  # a mixed zone in one side's map
    ONE_SIDE_ONLY = "one_side_only"  # no area of the other side places this party here
    DISPUTED = "disputed"  # the other side disputes the area


@dataclass(frozen=True)
class Disagreement:
    """One disagreement, with the areas, parties and sides involved and where it is."""

    kind: Kind
    area_ids: tuple[int, ...]
    party_ids: tuple[int, ...]
    guarantors: tuple[str, ...]
    geometry: BaseGeometry


def disagreements(active: Sequence[tuple[AreaFacts, Status]]) -> list[Disagreement]:
    """Every disagreement among the areas that hold on one day (with their party's status)."""
    found = _overlaps(active)
    found += _one_side_only(active)
    found += [
        Disagreement(Kind.DISPUTED, (area.id,), (area.party_id,), (area.guarantor,), area.geometry)
        for area, _ in active
        if area.review == Review.DISPUTED
    ]
    return found


def _overlaps(active: Sequence[tuple[AreaFacts, Status]]) -> list[Disagreement]:
    committed = [a for a, status in active if status is Status.COMMITTED]
    excluded = [a for a, status in active if status is Status.EXCLUDED]
    if not committed or not excluded:
        return []
    tree = shapely.STRtree(np.array([a.geometry for a in excluded], dtype=object))
    found = []
    for area in committed:
        for index in tree.query(area.geometry, predicate="intersects"):
            other = excluded[int(index)]
            overlap = _surface(shapely.intersection(area.geometry, other.geometry))
            if overlap.area < MIN_OVERLAP:
                continue
            kind = (
                Kind.COMMITTED_EXCLUDED_OVERLAP
                if area.guarantor == other.guarantor
                else Kind.PROTECTED_VS_EXCLUDED
            )
            found.append(
                Disagreement(
                    kind,
                    (area.id, other.id),
                    (area.party_id, other.party_id),
                    (area.guarantor, other.guarantor),
                    overlap,
                )
            )
    return found


def _one_side_only(active: Sequence[tuple[AreaFacts, Status]]) -> list[Disagreement]:
    areas = [area for area, _ in active]
    sides = {area.guarantor for area in areas}
    if len(sides) < 2:
        return []
    tree = shapely.STRtree(np.array([a.geometry for a in areas], dtype=object))
    found = []
    for area in areas:
        near = (areas[int(i)] for i in tree.query(area.geometry, predicate="intersects"))
        confirmed = any(
            other.party_id == area.party_id
            and other.guarantor != area.guarantor
            and shapely.intersection(area.geometry, other.geometry).area >= MIN_OVERLAP
            for other in near
        )
        if not confirmed:
            found.append(
                Disagreement(
                    Kind.ONE_SIDE_ONLY,
                    (area.id,),
                    (area.party_id,),
                    (area.guarantor,),
                    area.geometry,
                )
            )
    return found


def _surface(geometry: BaseGeometry) -> BaseGeometry:
    """Only the surface of an intersection: where areas merely touch, lines and points remain."""
    if isinstance(geometry, Polygon | MultiPolygon):
        return geometry
    parts = [g for g in getattr(geometry, "geoms", []) if isinstance(g, Polygon | MultiPolygon)]
    return shapely.union_all(parts) if parts else Polygon()
