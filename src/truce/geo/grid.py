"""A grid over the areas that answers "which areas contain these points?" for millions of points.

Each cell knows the areas that cover it entirely (any point in the cell is inside them: no test
needed) and the areas whose boundary crosses it (points there are tested exactly, with prepared
geometries). Most points fall in empty or fully covered cells, so most of the work is array
indexing rather than point-in-polygon tests, and no point objects are ever created.
"""

from __future__ import annotations

import math

import numpy as np
import shapely
from numpy.typing import NDArray

Ints = NDArray[np.int64]
Floats = NDArray[np.float64]

MIN_CELLS = 4096
MAX_CELLS = 1 << 20
CELLS_PER_AREA = 100
MAX_CANDIDATES = 8_000_000  # bounding-box cell pairs examined while building


def _expand(offsets: Ints, values: Ints, cells: Ints, points: Ints) -> tuple[Ints, Ints]:
    """For each (point, cell), every value listed for the cell: (point ids, values)."""
    counts = offsets[cells + 1] - offsets[cells]
    total = int(counts.sum())
    if total == 0:
        empty = np.empty(0, dtype=np.int64)
        return empty, empty
    ends = np.cumsum(counts)
    shift = np.repeat(offsets[cells] - (ends - counts), counts)
    return np.repeat(points, counts), values[shift + np.arange(total)]


def _csr(cells: Ints, values: Ints, n_cells: int) -> tuple[Ints, Ints]:
    order = np.argsort(cells, kind="stable")
    offsets = np.zeros(n_cells + 1, dtype=np.int64)
    np.cumsum(np.bincount(cells, minlength=n_cells), out=offsets[1:])
    return offsets, values[order].astype(np.int64)


class GridIndex:
    """Exact, boundary-inclusive point-in-area lookups over a fixed set of geometries."""

    def __init__(self, geometries: NDArray[np.object_]) -> None:
        self.geometries = geometries
        shapely.prepare(geometries)
        self.empty = len(geometries) == 0
        if self.empty:
            return
        bounds = shapely.bounds(geometries)
        self.x0, self.y0 = float(bounds[:, 0].min()), float(bounds[:, 1].min())
        width = max(float(bounds[:, 2].max()) - self.x0, 1e-9)
        height = max(float(bounds[:, 3].max()) - self.y0, 1e-9)
        target = min(max(CELLS_PER_AREA * len(geometries), MIN_CELLS), MAX_CELLS)
        while True:
            self._shape(width, height, target)
            spans = self._spans(bounds)
            if int(np.prod(spans[2:], axis=0).sum()) <= MAX_CANDIDATES or target <= MIN_CELLS:
                break
            target //= 4
        self._classify(spans)

    def _shape(self, width: float, height: float, cells: int) -> None:
        self.dx = self.dy = math.sqrt(width * height / cells)
        self.nx = max(1, math.ceil(width / self.dx) + 1)
        self.ny = max(1, math.ceil(height / self.dy) + 1)

    def _spans(self, bounds: Floats) -> Ints:
        ix0 = np.floor((bounds[:, 0] - self.x0) / self.dx).astype(np.int64)
        iy0 = np.floor((bounds[:, 1] - self.y0) / self.dy).astype(np.int64)
        ix1 = np.floor((bounds[:, 2] - self.x0) / self.dx).astype(np.int64)
        iy1 = np.floor((bounds[:, 3] - self.y0) / self.dy).astype(np.int64)
        return np.stack([ix0, iy0, ix1 - ix0 + 1, iy1 - iy0 + 1])

    def _classify(self, spans: Ints) -> None:
        ix0, iy0, wide, tall = spans
        per_area = wide * tall
        area = np.repeat(np.arange(len(self.geometries), dtype=np.int64), per_area)
        local = np.arange(int(per_area.sum()), dtype=np.int64) - np.repeat(
            np.cumsum(per_area) - per_area, per_area
        )
        ix = np.repeat(ix0, per_area) + local % np.repeat(wide, per_area)
        iy = np.repeat(iy0, per_area) + local // np.repeat(wide, per_area)
        boxes = shapely.box(
            self.x0 + ix * self.dx,
            self.y0 + iy * self.dy,
            self.x0 + (ix + 1) * self.dx,
            self.y0 + (iy + 1) * self.dy,
        )
        full = shapely.contains(self.geometries[area], boxes)
        partial = ~full & shapely.intersects(self.geometries[area], boxes)
        cell = iy * self.nx + ix
        n_cells = self.nx * self.ny
        self.full_offsets, self.full_areas = _csr(cell[full], area[full], n_cells)
        self.part_offsets, self.part_areas = _csr(cell[partial], area[partial], n_cells)

    def pairs(self, x: Floats, y: Floats) -> tuple[Ints, Ints]:
        """Every (point index, area index) with the point inside or on the area."""
        if self.empty or len(x) == 0:
            empty = np.empty(0, dtype=np.int64)
            return empty, empty
        ix = np.floor((x - self.x0) / self.dx)
        iy = np.floor((y - self.y0) / self.dy)
        inside = (ix >= 0) & (ix < self.nx) & (iy >= 0) & (iy < self.ny)
        points = np.flatnonzero(inside)
        cells = (iy[points] * self.nx + ix[points]).astype(np.int64)
        full_points, full_areas = _expand(self.full_offsets, self.full_areas, cells, points)
        cand_points, cand_areas = _expand(self.part_offsets, self.part_areas, cells, points)
        hit = shapely.intersects_xy(self.geometries[cand_areas], x[cand_points], y[cand_points])
        return (
            np.concatenate([full_points, cand_points[hit]]),
            np.concatenate([full_areas, cand_areas[hit]]),
        )
