"""Checking, repairing and converting area geometries (WGS 84 longitude/latitude, RFC 7946).

Every problem is reported in words a map editor understands, with where it is; ``repair`` fixes
what can be fixed without guessing (ring orientation, self-intersections) and nothing else.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Polygon, mapping, shape
from shapely.geometry.polygon import orient

EARTH_RADIUS_M = 6_371_008.8
CIRCLE_VERTICES = 64
MAX_RADIUS_M = 200_000
WGS84_NAMES = frozenset(
    {
        "urn:ogc:def:crs:OGC:1.3:CRS84",
        "urn:ogc:def:crs:OGC::CRS84",
        "urn:ogc:def:crs:EPSG::4326",
        "urn:ogc:def:crs:EPSG:4326",
        "EPSG:4326",
        "CRS84",
    }
)


class GeometryProblem(ValueError):
    """A geometry that cannot be stored as it is; the message says what and where."""

    def __init__(self, message: str, *, repairable: bool = False) -> None:
        super().__init__(message)
        self.repairable = repairable


@dataclass(frozen=True)
class AreaShape:
    """A checked area: a (multi)polygon, and the point and radius it came from, if any."""

    geometry: Polygon | MultiPolygon
    point: tuple[float, float] | None = None
    radius_m: float | None = None
    repaired: tuple[str, ...] = ()


def check_crs(crs: Any) -> None:
    """Refuse a GeoJSON ``crs`` member that names anything but WGS 84 longitude/latitude."""
    if crs is None:
        return
    name = crs.get("properties", {}).get("name") if isinstance(crs, dict) else None
    if name not in WGS84_NAMES:
        raise GeometryProblem(
            f"the coordinate reference system is {name or crs!r}; Truce reads only WGS 84"
            " longitude/latitude (RFC 7946): reproject the file, e.g. with"
            " `ogr2ogr -t_srs EPSG:4326 out.geojson in.geojson`"
        )


def _coordinates(geojson: dict[str, Any]) -> np.ndarray:
    flat: list[float] = []

    def walk(node: Any) -> None:
        if isinstance(node, list | tuple) and node and isinstance(node[0], int | float):
            flat.extend(float(v) for v in node[:2])
            if len(node) < 2:
                raise GeometryProblem("a position needs longitude and latitude")
        elif isinstance(node, list | tuple):
            for child in node:
                walk(child)
        else:
            raise GeometryProblem(f"coordinates must be arrays of numbers, found {node!r}")

    walk(geojson.get("coordinates"))
    return np.asarray(flat, dtype=float).reshape(-1, 2)


def _check_range(points: np.ndarray) -> None:
    if points.size == 0:
        raise GeometryProblem("the geometry has no coordinates")
    if not np.isfinite(points).all():
        raise GeometryProblem("a coordinate is not a finite number")
    lon, lat = points[:, 0], points[:, 1]
    bad = (np.abs(lon) > 180) | (np.abs(lat) > 90)
    if bad.any():
        first = points[int(np.argmax(bad))]
        hint = (
            " — these look like projected metres: reproject to WGS 84 longitude/latitude"
            if np.abs(points).max() > 1000
            else " — longitude must be within ±180 and latitude within ±90 (order: lon, lat)"
        )
        raise GeometryProblem(f"coordinate ({first[0]:g}, {first[1]:g}) is out of range{hint}")


def _winding_problem(geometry: Polygon | MultiPolygon) -> str | None:
    polygons = geometry.geoms if isinstance(geometry, MultiPolygon) else [geometry]
    for number, polygon in enumerate(polygons, start=1):
        if not polygon.exterior.is_ccw:
            return f"polygon {number}: the outer ring runs clockwise (RFC 7946: anticlockwise)"
        if any(ring.is_ccw for ring in polygon.interiors):
            return f"polygon {number}: a hole runs anticlockwise (RFC 7946: clockwise)"
    return None


def oriented(geometry: Polygon | MultiPolygon) -> Polygon | MultiPolygon:
    """The geometry with RFC 7946 ring orientation."""
    if isinstance(geometry, MultiPolygon):
        return MultiPolygon([orient(p, 1.0) for p in geometry.geoms])
    return orient(geometry, 1.0)


def _polygonal(geometry: Any) -> Polygon | MultiPolygon:
    """The polygons in a geometry (make_valid can return collections with lines)."""
    if isinstance(geometry, Polygon | MultiPolygon):
        return geometry
    parts = [g for g in getattr(geometry, "geoms", []) if isinstance(g, Polygon | MultiPolygon)]
    polygons = [p for part in parts for p in getattr(part, "geoms", [part])]
    if not polygons:
        raise GeometryProblem("nothing of the geometry is left as an area after repair")
    return polygons[0] if len(polygons) == 1 else MultiPolygon(polygons)


def check_area(geojson: Any, properties: dict[str, Any], *, repair: bool = False) -> AreaShape:
    """A storable area from a GeoJSON geometry (a point needs ``radius_m``)."""
    if not isinstance(geojson, dict) or "type" not in geojson:
        raise GeometryProblem("the feature has no geometry object")
    kind = geojson["type"]
    if kind == "Point":
        return _circle_area(geojson, properties)
    if kind not in ("Polygon", "MultiPolygon"):
        raise GeometryProblem(
            f"a {kind} cannot be an area: use a Polygon, a MultiPolygon, or a Point with radius_m"
        )
    _check_range(_coordinates(geojson))
    try:
        geometry = shape(geojson)
    except (ValueError, TypeError, AttributeError, IndexError, shapely.errors.GEOSException) as exc:
        raise GeometryProblem(f"the {kind} is malformed: {_first_line(exc)}") from exc
    assert isinstance(geometry, Polygon | MultiPolygon)  # the type was checked above
    return _checked(geometry, repair)


def _first_line(exc: Exception) -> str:
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__


def _checked(geometry: Polygon | MultiPolygon, repair: bool) -> AreaShape:
    if geometry.is_empty:
        raise GeometryProblem("the area is empty")
    repaired: list[str] = []
    if not shapely.is_valid(geometry):
        reason = shapely.is_valid_reason(geometry)
        if not repair:
            raise GeometryProblem(
                f"invalid polygon: {reason}; use --repair to fix it", repairable=True
            )
        geometry = _polygonal(shapely.make_valid(geometry))
        repaired.append(f"fixed {reason}")
    winding = _winding_problem(geometry)
    if winding:
        if not repair:
            raise GeometryProblem(f"{winding}; use --repair to fix it", repairable=True)
        geometry = oriented(geometry)
        repaired.append("reoriented rings")
    if geometry.area == 0:
        raise GeometryProblem("the area has no surface (all its points lie on a line)")
    return AreaShape(geometry=geometry, repaired=tuple(repaired))


def _circle_area(geojson: dict[str, Any], properties: dict[str, Any]) -> AreaShape:
    points = _coordinates(geojson)
    _check_range(points)
    radius = properties.get("radius_m")
    if isinstance(radius, bool) or not isinstance(radius, int | float):
        raise GeometryProblem("a Point area needs a numeric radius_m property (metres)")
    if not 0 < radius <= MAX_RADIUS_M:
        raise GeometryProblem(f"radius_m must be between 0 and {MAX_RADIUS_M:,} metres")
    lon, lat = float(points[0][0]), float(points[0][1])
    return AreaShape(circle(lon, lat, float(radius)), point=(lon, lat), radius_m=float(radius))


def circle(lon: float, lat: float, radius_m: float, vertices: int = CIRCLE_VERTICES) -> Polygon:
    """A geodesic circle on the sphere, as a counter-clockwise polygon of ``vertices`` points."""
    angular = radius_m / EARTH_RADIUS_M
    phi, lam = math.radians(lat), math.radians(lon)
    ring = []
    for step in range(vertices):
        bearing = 2 * math.pi * step / vertices
        phi2 = math.asin(
            math.sin(phi) * math.cos(angular)
            + math.cos(phi) * math.sin(angular) * math.cos(bearing)
        )
        lam2 = lam + math.atan2(
            math.sin(bearing) * math.sin(angular) * math.cos(phi),
            math.cos(angular) - math.sin(phi) * math.sin(phi2),
        )
        ring.append((math.degrees(lam2), math.degrees(phi2)))
    return orient(Polygon(ring), 1.0)


def to_geojson(geometry: Polygon | MultiPolygon, digits: int = 6) -> dict[str, Any]:
    """The geometry as a GeoJSON object, rounded to ``digits`` decimals (about 0.1 m)."""
    rounded = shapely.set_precision(geometry, 10**-digits, mode="pointwise")
    data: dict[str, Any] = dict(mapping(rounded))
    return data


def from_wkb(data: bytes) -> Polygon | MultiPolygon:
    """A stored geometry."""
    geometry = shapely.from_wkb(data)
    assert isinstance(geometry, Polygon | MultiPolygon)
    return geometry


def to_wkb(geometry: Polygon | MultiPolygon) -> bytes:
    """The geometry as it is stored."""
    data: bytes = shapely.to_wkb(geometry)
    return data


def bounds(geometry: Polygon | MultiPolygon) -> Sequence[float]:
    """min lon, min lat, max lon, max lat."""
    return tuple(float(v) for v in geometry.bounds)
