"""A map drawn as SVG: the governorates of the offline basemap (the same OCHA boundaries the
/map page draws, src/truce/web/static/basemap) and a point for each incident placed.

The projection is equirectangular with the longitude scaled by the cosine of the map's middle
latitude, fine at Syria's size. Coordinates are rounded to a tenth of a pixel, so the same
points give the same bytes."""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from html import escape
from pathlib import Path
from typing import Any

BASEMAP = Path(__file__).parent.parent / "web" / "static" / "basemap" / "syr_admin1.geojson"
WIDTH = 640
# Syria and a margin around it: west, south, east, north.
BOUNDS = (35.4, 32.1, 42.6, 37.5)


@dataclass(frozen=True)
class Point:
    """One thing to mark: where, its label (a tooltip), and a class for its colour."""

    lon: float
    lat: float
    label: str = ""
    kind: str = "incident"


@dataclass(frozen=True)
class Province:
    pcode: str
    rings: tuple[tuple[tuple[float, float], ...], ...]


@lru_cache(maxsize=1)
def provinces() -> tuple[Province, ...]:
    """The governorates' outer and inner rings, in the basemap's order."""
    features = json.loads(BASEMAP.read_text(encoding="utf-8"))["features"]
    return tuple(
        Province(feature["properties"]["adm1_pcode"], tuple(_rings(feature["geometry"])))
        for feature in features
    )


def _rings(geometry: dict[str, Any]) -> Iterable[tuple[tuple[float, float], ...]]:
    polygons = geometry["coordinates"]
    if geometry["type"] == "Polygon":
        polygons = [polygons]
    for polygon in polygons:
        for ring in polygon:
            yield tuple((float(x), float(y)) for x, y in ring)


class Projection:
    """Longitude and latitude to SVG pixels over ``BOUNDS``."""

    def __init__(self, width: int = WIDTH) -> None:
        west, south, east, north = BOUNDS
        self.x_scale = math.cos(math.radians((south + north) / 2))
        self.scale = width / ((east - west) * self.x_scale)
        self.width = width
        self.height = round((north - south) * self.scale)

    def __call__(self, lon: float, lat: float) -> tuple[float, float]:
        west, _, _, north = BOUNDS
        return (
            round((lon - west) * self.x_scale * self.scale, 1),
            round((north - lat) * self.scale, 1),
        )


def _path(rings: Sequence[Sequence[tuple[float, float]]], project: Projection) -> str:
    parts = []
    for ring in rings:
        points = [project(lon, lat) for lon, lat in ring]
        parts.append("M" + "L".join(f"{x:g},{y:g}" for x, y in points) + "Z")
    return "".join(parts)


def map_svg(points: Iterable[Point], *, title: str = "", highlight: Iterable[str] = ()) -> str:
    """The map as an inline SVG element: governorates (those in ``highlight``, p-codes,
    shaded), then the points, each with its label as a tooltip."""
    project = Projection()
    shaded = set(highlight)
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="sitrep-map" role="img" '
        f'viewBox="0 0 {project.width} {project.height}" width="{project.width}" '
        f'height="{project.height}">',
        f"<title>{escape(title)}</title>",
        '<rect width="100%" height="100%" fill="#eef3f7"/>',
    ]
    for province in provinces():
        fill = "#f6e3c6" if province.pcode in shaded else "#ffffff"
        out.append(
            f'<path class="province" data-pcode="{province.pcode}" fill="{fill}" '
            f'stroke="#7a8a99" stroke-width="0.8" fill-rule="evenodd" '
            f'd="{_path(province.rings, project)}"/>'
        )
    for point in points:
        x, y = project(point.lon, point.lat)
        out.append(
            f'<circle class="{escape(point.kind)}" cx="{x:g}" cy="{y:g}" r="4" '
            f'fill="#c0392b" fill-opacity="0.75" stroke="#5a1a12" stroke-width="0.6">'
            f"<title>{escape(point.label)}</title></circle>"
        )
    out.append("</svg>")
    return "".join(out)
