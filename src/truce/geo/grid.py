"""A grid over the areas that answers "which areas contain these points?" for millions of points.

Each cell knows the areas that cover it entirely (any point in the cell is inside them: no test
needed) and the areas whose boundary may cross it (points there are tested exactly, with
prepared geometries). Most points fall in empty or fully covered cells, so most of the work is
array indexing rather than point-in-polygon tests, and no point objects are ever created.

Building it needs no cell geometries either. The cells an area's boundary may cross are found
from the boundary's segments; every other cell of the area's bounding box is wholly inside or
wholly outside, and so is each run of such cells along a row, so one point test per run says
which. A point belongs to the cell ``floor((x - x0) / dx)``: that is monotonic in ``x`` in
floating point too, which is what makes the boundary cells found from segment bounds complete.
"""

from __future__ import annotations

import math

import numpy as np
import shapely
from numpy.typing import NDArray

from truce.geo.results import Floats, Ints

MIN_CELLS = 4096
MAX_CELLS = 1 << 20
CELLS_PER_AREA = 100
MAX_CANDIDATES = 8_000_000  # cells of the areas' bounding boxes, all areas together
# Segment bounds are widened by this much (degrees), far more than rounding moves the points
# that ``segmentize`` adds, and far less than a cell.
SLACK = 1e-9


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


def _ranges(first: Ints, last: Ints) -> tuple[Ints, Ints]:
    """Every integer from ``first[k]`` to ``last[k]``: (k, integer) for all k."""
    counts = np.maximum(last - first + 1, 0)
    owner = np.repeat(np.arange(len(first), dtype=np.int64), counts)
    starts = np.cumsum(counts) - counts
    return owner, first[owner] + np.arange(int(counts.sum()), dtype=np.int64) - starts[owner]


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

    def _column(self, x: Floats) -> Ints:
        return np.floor((x - self.x0) / self.dx).astype(np.int64)

    def _row(self, y: Floats) -> Ints:
        return np.floor((y - self.y0) / self.dy).astype(np.int64)

    def _spans(self, bounds: Floats) -> Ints:
        ix0, iy0 = self._column(bounds[:, 0]), self._row(bounds[:, 1])
        ix1, iy1 = self._column(bounds[:, 2]), self._row(bounds[:, 3])
        return np.stack([ix0, iy0, ix1 - ix0 + 1, iy1 - iy0 + 1])

    def _classify(self, spans: Ints) -> None:
        n_cells = self.nx * self.ny
        area, row, column = self._boundary(spans)
        self.part_offsets, self.part_areas = _csr(row * self.nx + column, area, n_cells)
        area, row, column = self._inside(spans, area, row, column)
        self.full_offsets, self.full_areas = _csr(row * self.nx + column, area, n_cells)

    def _boundary(self, spans: Ints) -> tuple[Ints, Ints, Ints]:
        """Every (area, row, column) whose cell the area's boundary may cross, sorted, once."""
        ix0, iy0, wide, tall = spans
        parts, part_of = shapely.get_parts(self.geometries, return_index=True)
        rings, ring_of = shapely.get_rings(parts, return_index=True)
        # Segments no longer than a cell, so that each touches at most a few cells.
        dense = shapely.segmentize(rings, min(self.dx, self.dy))
        xy, ring = shapely.get_coordinates(dense, return_index=True)
        same = ring[1:] == ring[:-1]  # consecutive points of one ring make a segment
        start, end = xy[:-1][same], xy[1:][same]
        owner = part_of[ring_of[ring[:-1][same]]]
        low, high = np.minimum(start, end) - SLACK, np.maximum(start, end) + SLACK
        # The cells of each segment's bounds, within the area's own bounding box.
        c0 = np.maximum(self._column(low[:, 0]), ix0[owner])
        c1 = np.minimum(self._column(high[:, 0]), ix0[owner] + wide[owner] - 1)
        r0 = np.maximum(self._row(low[:, 1]), iy0[owner])
        r1 = np.minimum(self._row(high[:, 1]), iy0[owner] + tall[owner] - 1)
        segment, column = _ranges(c0, c1)
        which, row = _ranges(r0[segment], r1[segment])
        segment, column = segment[which], column[which]
        keys = np.unique((owner[segment] * self.ny + row) * self.nx + column)
        return keys // (self.nx * self.ny), keys // self.nx % self.ny, keys % self.nx

    def _inside(
        self, spans: Ints, b_area: Ints, b_row: Ints, b_column: Ints
    ) -> tuple[Ints, Ints, Ints]:
        """Every (area, row, column) whose cell lies wholly inside the area."""
        ix0, iy0, wide, tall = spans
        # Along each row of an area's bounding box, the boundary cells and two sentinels just
        # outside the box cut the row into runs of cells that are all inside or all outside.
        area, row = _ranges(iy0, iy0 + tall - 1)
        cuts_area = np.concatenate([area, b_area, area])
        cuts_row = np.concatenate([row, b_row, row])
        cuts_column = np.concatenate([ix0[area] - 1, b_column, ix0[area] + wide[area]])
        # Each part is sorted by (area, row, column) already: a stable sort merges them.
        width = self.nx + 2
        order = np.argsort(
            (cuts_area * self.ny + cuts_row) * width + cuts_column + 1, kind="stable"
        )
        cuts_area, cuts_row, cuts_column = cuts_area[order], cuts_row[order], cuts_column[order]
        gap = (cuts_column[1:] - cuts_column[:-1] > 1) & (cuts_row[1:] == cuts_row[:-1])
        gap &= cuts_area[1:] == cuts_area[:-1]
        run_area, run_row = cuts_area[:-1][gap], cuts_row[:-1][gap]
        run_first, run_last = cuts_column[:-1][gap] + 1, cuts_column[1:][gap] - 1
        # One point per run: the centre of its first cell, well inside the cell.
        inside = shapely.intersects_xy(
            self.geometries[run_area],
            self.x0 + (run_first + 0.5) * self.dx,
            self.y0 + (run_row + 0.5) * self.dy,
        )
        run, column = _ranges(run_first[inside], run_last[inside])
        return run_area[inside][run], run_row[inside][run], column

    def candidates(self, x: Floats, y: Floats) -> tuple[Ints, Ints, Ints, Ints]:
        """(point, area) pairs: those certain (point in a fully covered cell), then those that
        need an exact test (see ``contains``), as (points, areas, points, areas)."""
        empty = np.empty(0, dtype=np.int64)
        if self.empty or len(x) == 0:
            return empty, empty, empty, empty
        ix = np.floor((x - self.x0) / self.dx)
        iy = np.floor((y - self.y0) / self.dy)
        inside = (ix >= 0) & (ix < self.nx) & (iy >= 0) & (iy < self.ny)
        points = np.flatnonzero(inside)
        cells = (iy[points] * self.nx + ix[points]).astype(np.int64)
        full_points, full_areas = _expand(self.full_offsets, self.full_areas, cells, points)
        cand_points, cand_areas = _expand(self.part_offsets, self.part_areas, cells, points)
        return full_points, full_areas, cand_points, cand_areas

    def contains(self, areas: Ints, x: Floats, y: Floats) -> NDArray[np.bool_]:
        """Whether area ``areas[i]`` contains (or has on its boundary) the point (x[i], y[i])."""
        found: NDArray[np.bool_] = shapely.intersects_xy(self.geometries[areas], x, y)
        return found

    def pairs(self, x: Floats, y: Floats) -> tuple[Ints, Ints]:
        """Every (point index, area index) with the point inside or on the area."""
        full_points, full_areas, cand_points, cand_areas = self.candidates(x, y)
        hit = self.contains(cand_areas, x[cand_points], y[cand_points])
        return (
            np.concatenate([full_points, cand_points[hit]]),
            np.concatenate([full_areas, cand_areas[hit]]),
        )
