#!/usr/bin/env python3
"""Build the map page's offline basemap: Syria's governorates and districts, simplified.

Source: UN OCHA's COD-AB for Syria (valid 2020-12-17), as GeoJSON:
    syr_admin1.geojson (governorates) and syr_admin2.geojson (districts).
Output: src/truce/web/static/basemap/syr_admin1.geojson and syr_admin2.geojson.

Run:  .venv/bin/python scripts/build-basemap.py [SOURCE_DIR]   (needs shapely >= 2)

The districts are simplified as a network of shared borders, not one polygon at a time: each
border between two districts is simplified once, so neighbours still meet exactly (no slivers or
double lines). The governorates are then the union of their districts (in the source they nest
exactly), so their outlines coincide with the district lines too.
"""

from __future__ import annotations

import json
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

from shapely import (
    STRtree,
    get_parts,
    line_merge,
    make_valid,
    polygonize,
    set_precision,
    unary_union,
)
from shapely.geometry import MultiPolygon, Polygon, mapping, shape
from shapely.geometry.base import BaseGeometry

ROOT = Path(__file__).resolve().parents[1]
SOURCE = Path("/work/shared/data/syria-admin-boundaries")
TARGET = ROOT / "src/truce/web/static/basemap"
TOLERANCE = 0.005  # degrees, about 500 m: invisible at the zoom levels that show all of Syria
GRID = 0.0001  # coordinates rounded to 4 decimals (about 10 m)
KEEP = ("adm1_name", "adm1_name1", "adm1_pcode", "adm2_name", "adm2_name1", "adm2_pcode")


def read(path: Path) -> list[dict[str, Any]]:
    features: list[dict[str, Any]] = json.loads(path.read_text(encoding="utf-8"))["features"]
    return features


def simplify_together(geoms: list[BaseGeometry]) -> list[BaseGeometry]:
    """Simplify polygons that tile a region, keeping the borders they share identical."""
    borders = line_merge(unary_union([make_valid(g).boundary for g in geoms]))
    lines = []
    for line in get_parts(borders):
        simpler = line.simplify(TOLERANCE, preserve_topology=True)
        # A small closed ring (an enclave) could collapse; keep it as it was.
        lines.append(simpler if len(simpler.coords) >= 4 or not line.is_closed else line)
    faces = list(get_parts(polygonize(lines)))
    # Each face goes to the original polygon that holds most of it.
    tree = STRtree(geoms)
    pieces: dict[int, list[Polygon]] = defaultdict(list)
    for face in faces:
        point = face.representative_point()
        candidates = [i for i in tree.query(point) if geoms[i].covers(point)]
        if not candidates:
            continue  # a hole in the source (none expected), left empty
        best = max(candidates, key=lambda i: geoms[i].intersection(face).area)
        pieces[int(best)].append(face)
    result = []
    for index, original in enumerate(geoms):
        if not pieces[index]:
            # Fall back to simplifying this one alone rather than losing it.
            result.append(original.simplify(TOLERANCE, preserve_topology=True))
        else:
            result.append(unary_union(pieces[index]))
    return result


def tidy(geom: BaseGeometry) -> BaseGeometry:
    """Round to the grid (which also keeps the geometry valid) as a (Multi)Polygon."""
    rounded = set_precision(make_valid(geom), GRID)
    polygons = [p for p in get_parts(rounded) if isinstance(p, Polygon) and not p.is_empty]
    return polygons[0] if len(polygons) == 1 else MultiPolygon(polygons)


def feature(properties: dict[str, Any], geom: BaseGeometry) -> dict[str, Any]:
    kept = {k: properties[k] for k in KEEP if k in properties}
    return {"type": "Feature", "properties": kept, "geometry": mapping(geom)}


def write(path: Path, features: list[dict[str, Any]]) -> None:
    collection = {"type": "FeatureCollection", "features": features}
    path.write_text(
        json.dumps(collection, ensure_ascii=False, separators=(",", ":")), encoding="utf-8"
    )
    print(f"{path.relative_to(ROOT)}: {len(features)} features, {path.stat().st_size // 1024} kB")


def check(name: str, before: BaseGeometry, after: BaseGeometry) -> None:
    """Refuse output that lost a noticeable part of a district or governorate."""
    if not after.is_valid or abs(after.area - before.area) > 0.05 * before.area + 1e-4:
        raise SystemExit(f"{name}: simplification went wrong ({before.area} -> {after.area})")


def main() -> None:
    source = Path(sys.argv[1]) if len(sys.argv) > 1 else SOURCE
    districts = read(source / "syr_admin2.geojson")
    governorates = read(source / "syr_admin1.geojson")
    originals = [shape(f["geometry"]) for f in districts]
    simplified = [tidy(g) for g in simplify_together(originals)]
    for f, before, after in zip(districts, originals, simplified, strict=True):
        check(f["properties"]["adm2_name"], before, after)

    by_governorate: dict[str, list[BaseGeometry]] = defaultdict(list)
    for f, geom in zip(districts, simplified, strict=True):
        by_governorate[f["properties"]["adm1_pcode"]].append(geom)
    outlines = []
    for f in governorates:
        code = f["properties"]["adm1_pcode"]
        geom = tidy(unary_union(by_governorate[code]))
        check(f["properties"]["adm1_name"], shape(f["geometry"]), geom)
        outlines.append(feature(f["properties"], geom))

    TARGET.mkdir(parents=True, exist_ok=True)
    write(TARGET / "syr_admin1.geojson", outlines)
    write(
        TARGET / "syr_admin2.geojson",
        [feature(f["properties"], g) for f, g in zip(districts, simplified, strict=True)],
    )


if __name__ == "__main__":
    main()
