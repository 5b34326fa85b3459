"""Reading GeoJSON files of areas: every feature checked, every problem named, nothing guessed."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from truce.geo.geometry import AreaShape, GeometryProblem, check_area, check_crs


class GeoJSONError(ValueError):
    """A file that is not a GeoJSON feature collection Truce can read."""


@dataclass(frozen=True)
class Feature:
    """A checked feature: its position in the file, its name, properties and shape."""

    index: int
    name: str
    properties: dict[str, Any]
    shape: AreaShape


@dataclass(frozen=True)
class FeatureError:
    """Why one feature cannot be stored."""

    index: int
    name: str
    problem: str
    repairable: bool = False

    def __str__(self) -> str:
        return f"feature {self.index + 1} ({self.name}): {self.problem}"


def feature_name(feature: Any, index: int) -> str:
    """How to call a feature in messages: its label, name or id, else its number."""
    properties = feature.get("properties") if isinstance(feature, dict) else None
    for key in ("label", "name", "title"):
        if isinstance(properties, dict) and isinstance(properties.get(key), str):
            return str(properties[key])[:80]
    if isinstance(feature, dict) and feature.get("id") is not None:
        return f"id {feature['id']}"
    return f"#{index + 1}"


def load(path: Path) -> dict[str, Any]:
    """The parsed file; GeoJSONError when it is not JSON or not GeoJSON."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as exc:
        raise GeoJSONError(f"{path} is not UTF-8 text") from exc
    except json.JSONDecodeError as exc:
        raise GeoJSONError(f"{path} is not JSON: {exc.msg} at line {exc.lineno}") from exc
    return parse(data)


def parse(data: Any) -> dict[str, Any]:
    """A FeatureCollection (a lone Feature is wrapped in one)."""
    if isinstance(data, dict) and data.get("type") == "Feature":
        data = {"type": "FeatureCollection", "features": [data]}
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise GeoJSONError("expected a GeoJSON FeatureCollection or Feature")
    if not isinstance(data.get("features"), list):
        raise GeoJSONError("the FeatureCollection has no 'features' array")
    try:
        check_crs(data.get("crs"))
    except GeometryProblem as exc:
        raise GeoJSONError(str(exc)) from exc
    return data


def read_features(
    collection: dict[str, Any], *, repair: bool = False
) -> tuple[list[Feature], list[FeatureError]]:
    """Every feature checked: the good ones, and the problem with each bad one."""
    good: list[Feature] = []
    bad: list[FeatureError] = []
    for index, feature in enumerate(collection["features"]):
        name = feature_name(feature, index)
        if not isinstance(feature, dict) or feature.get("type") != "Feature":
            bad.append(FeatureError(index, name, "not a GeoJSON Feature"))
            continue
        properties = feature.get("properties") or {}
        if not isinstance(properties, dict):
            bad.append(FeatureError(index, name, "properties must be an object"))
            continue
        try:
            check_crs(feature.get("crs"))
            shape = check_area(feature.get("geometry"), properties, repair=repair)
        except GeometryProblem as exc:
            bad.append(FeatureError(index, name, str(exc), exc.repairable))
            continue
        good.append(Feature(index, name, properties, shape))
    return good, bad
