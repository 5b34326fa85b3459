"""Where a report happened: its point, its province and district, spelled one way for every source.

Sources spell Syria's admin units their own way ("Idlib Governorate" and "Mintaqat Azaz district"
in UCDP, "Idleb" and "A'zaz" in OCHA's boundaries, "Idlib" in ACLED), and linking compares the
units exactly. So every report's ``admin1``/``admin2`` are written here as one list spells them
(OpenSyria's English names, keyed by OCHA p-codes), whatever the source wrote (its own spelling
stays in the report's ``raw`` row):

- a report with a point gets the province and district the point lies in (OCHA's district
  polygons, simplified to 0.002°, about 200 m), looked up for a whole batch at once;
- a report with a place name and no point is placed at the gazetteer's town of that name (the
  news pipeline's offline GeoNames gazetteer, in any script), preferring one in the district or
  province the source names, with precision ``near``;
- a report with only a district or province is placed at its centroid, with precision
  ``district`` or ``province``.

The units ship in ``importers/data/syria-admin-units.json``, built by
``python -m truce.importers.geocode --ocha DIR --opensyria DIR`` from the OCHA COD-AB boundaries
and the OpenSyria names (see NOTICE).
"""

from __future__ import annotations

import argparse
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from rapidfuzz import fuzz, process
from shapely.geometry import mapping, shape

from truce.domain.i18n import N_
from truce.domain.reports import GeoPrecision, Problem, ReportDraft, evolve
from truce.domain.text import fold
from truce.news.gazetteer import Gazetteer, gazetteer

DATA_FILE = "syria-admin-units.json"
COUNTRY = "Syria"
SIMPLIFY_DEGREES = 0.002
NAME_CUTOFF = 90  # rapidfuzz WRatio for a unit name spelled another way
NEAREST_DEGREES = 0.05  # a point this close to a district (a coast, a border) lies in it
# Spellings no list has: UCDP's name of Aleppo's central district (Mount Simeon).
EXTRA_NAMES = {"SY0200": ["Jabal Saman", "Jabal Sam'an"]}
# Words around a unit's name that say what it is, in the spellings sources use.
_UNIT_WORDS = re.compile(
    r"\b(?:governorate|province|district|subdistrict|sub-district|mohafaza|muhafazat|"
    r"mintaqat|mantiqa|markaz|nahiya|countryside)\b|محافظة|منطقة|ناحية|مركز",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class Unit:
    """A province (level 1) or district (level 2) of Syria."""

    pcode: str
    level: int
    name: str
    parent: str | None
    lat: float
    lon: float


def unit_key(name: str) -> str:
    """A unit's name without the words that say what it is, folded."""
    return fold(_UNIT_WORDS.sub(" ", name))


class Geocoder:
    """Points to districts, names to points; built once per process (see :func:`geocoder`)."""

    def __init__(self, data: dict[str, Any], places: Callable[[], Gazetteer] | None) -> None:
        self.units = {u["pcode"]: Unit(u["pcode"], u["level"], u["name"], u.get("parent"),
                                       u["lat"], u["lon"]) for u in data["units"]}  # fmt: skip
        self._names: dict[int, dict[str, str]] = {1: {}, 2: {}}
        for item in data["units"]:
            names = self._names[item["level"]]
            for name in item["names"]:
                names.setdefault(unit_key(name), item["pcode"])
        for item in data["units"]:  # the names of its subdistricts, after every district's own
            for name in item.get("within", ()):
                self._names[2].setdefault(unit_key(name), item["pcode"])
        districts = [u for u in data["units"] if u["level"] == 2]
        self._district_codes = [u["pcode"] for u in districts]
        self._shapes = [shape(u["geometry"]) for u in districts]
        shapely.prepare(self._shapes)
        self._bounds = np.array([s.bounds for s in self._shapes])
        self._tree = shapely.STRtree(self._shapes)
        self._places = places
        self._named: dict[tuple[str, int, str | None], Unit | None] = {}

    def districts_at(self, lats: Sequence[float], lons: Sequence[float]) -> list[Unit | None]:
        """The district each point lies in (None outside Syria), for many points at once.

        Each district tests only the points inside its bounding box, in one vectorised call
        (about a microsecond a point); the few points no outline holds are given the nearest
        district within NEAREST_DEGREES (the simplified outline cuts coasts and borders)."""
        if not len(lats):
            return []
        x, y = np.asarray(lons, dtype=float), np.asarray(lats, dtype=float)
        found = np.full(len(x), -1)
        for number, (west, south, east, north) in enumerate(self._bounds):
            inside = (found < 0) & (x >= west) & (x <= east) & (y >= south) & (y <= north)
            candidates = np.nonzero(inside)[0]
            if len(candidates):
                hit = shapely.contains_xy(self._shapes[number], x[candidates], y[candidates])
                found[candidates[hit]] = number
        missed = np.nonzero(found < 0)[0]
        if len(missed):
            points = shapely.points(x[missed], y[missed])
            where, which = self._tree.query_nearest(points, max_distance=NEAREST_DEGREES)
            for point_index, shape_index in zip(where.tolist(), which.tolist(), strict=True):
                if found[missed[point_index]] < 0:
                    found[missed[point_index]] = shape_index
        units = [self.units[code] for code in self._district_codes]
        return [units[number] if number >= 0 else None for number in found.tolist()]

    def unit_named(self, name: str | None, level: int, within: str | None = None) -> Unit | None:
        """The province (1) or district (2) a source names, in any spelling; a district of the
        province ``within`` when given."""
        if not name:
            return None
        memo = (name, level, within)
        if memo not in self._named:
            self._named[memo] = self._find_unit(name, level, within)
        return self._named[memo]

    def _find_unit(self, name: str, level: int, within: str | None) -> Unit | None:
        names = self._names[level]
        if within is not None:
            names = {k: c for k, c in names.items() if self.units[c].parent == within}
        key = unit_key(name)
        if key in names:
            return self.units[names[key]]
        best = process.extractOne(key, list(names), scorer=fuzz.WRatio, score_cutoff=NAME_CUTOFF)
        return self.units[names[best[0]]] if best and len(key) >= 4 else None

    def town(
        self, name: str, admin1: Unit | None, admin2: Unit | None
    ) -> tuple[float, float] | None:
        """The point of the town a source names, in Syria, in its district or province when
        those are known (the most populous of the towns so named)."""
        if self._places is None:
            return None
        found = self._places().find(fold(name))  # the gazetteer loads on the first name
        hits = [h.entry for h in found if h.entry.country == "SY"]
        hits = [e for e in hits if e.kind in ("city", "region")] or hits
        if not hits:
            return None
        districts = self.districts_at([e.lat for e in hits], [e.lon for e in hits])
        for wanted in (admin2, admin1):
            if wanted is None:
                continue
            inside = [
                e for e, d in zip(hits, districts, strict=True)
                if d is not None and wanted.pcode in (d.pcode, d.parent)
            ]  # fmt: skip
            if inside:
                hits = inside
                break
        best = max(hits, key=lambda e: e.population)
        return best.lat, best.lon

    def place(self, drafts: Sequence[ReportDraft]) -> list[ReportDraft | Problem]:
        """Each draft with its point and its units written alike, or the problem that keeps it
        from being placed."""
        placed: list[ReportDraft | Problem] = [self._point_of(d) for d in drafts]
        with_points = [
            (i, d) for i, d in enumerate(placed) if isinstance(d, ReportDraft) and d.has_point
        ]
        lats = [d.lat or 0.0 for _, d in with_points]
        lons = [d.lon or 0.0 for _, d in with_points]
        for (i, draft), district in zip(with_points, self.districts_at(lats, lons), strict=True):
            precision = draft.geo_precision
            if district is None or precision == GeoPrecision.COUNTRY:
                continue  # abroad, or a point that stands for the whole country
            province = self.units[district.parent] if district.parent else None
            # A point that stands for a province says nothing of the district it falls in.
            admin2 = None if precision == GeoPrecision.PROVINCE else district.name
            placed[i] = evolve(draft, country=COUNTRY, admin2=admin2,
                                admin1=province.name if province else draft.admin1)  # fmt: skip
        return placed

    def _point_of(self, draft: ReportDraft) -> ReportDraft | Problem:
        if draft.has_point:
            return draft
        province = self.unit_named(draft.admin1, 1)
        district = self.unit_named(draft.admin2, 2, province.pcode if province else None)
        if draft.location:
            point = self.town(draft.location, province, district)
            if point is not None:
                precision = draft.geo_precision or GeoPrecision.NEAR
                return evolve(draft, lat=point[0], lon=point[1], geo_precision=precision)
        for unit, precision in (
            (district, GeoPrecision.DISTRICT),
            (province, GeoPrecision.PROVINCE),
        ):
            if unit is not None:
                return evolve(draft, lat=unit.lat, lon=unit.lon, geo_precision=precision)
        if draft.location:
            return Problem(
                "location",
                N_("No place named {name!r} is known: give its lat and lon, or its district "
                   "(admin2) or province (admin1)."),
                {"name": draft.location},
            )  # fmt: skip
        named = draft.admin2 or draft.admin1
        field = "admin2" if draft.admin2 else "admin1"
        return Problem(
            field,
            N_("No province or district named {name!r} is known in Syria: give lat and lon, or "
               "a name such as 'Idlib' or 'Rif Dimashq'."),
            {"name": named},
        )  # fmt: skip


@cache
def geocoder() -> Geocoder:
    """The geocoder over the shipped units and the news gazetteer, built once per process."""
    text = resources.files("truce.importers").joinpath("data", DATA_FILE).read_text("utf-8")
    return Geocoder(json.loads(text), gazetteer)


# -- Regenerating the shipped data ------------------------------------------------------------


def build_units(ocha: Path, opensyria: Path) -> dict[str, Any]:
    """Provinces and districts: OpenSyria's names and spellings, OCHA's p-codes and polygons."""
    named: dict[str, dict[str, Any]] = {}
    district_codes: dict[str, str] = {}
    for file in ("governorates", "districts"):
        for listed in json.loads((opensyria / f"{file}.json").read_text("utf-8")):
            pcode = listed.get("externalIds", {}).get("ochaPcode")
            if pcode:
                names = [listed["name"]["en"], listed["name"]["ar"]]
                names += [a["value"] for a in listed.get("aliases", [])]
                named[pcode] = {"name": listed["name"]["en"], "names": names}
                district_codes[listed["id"]] = pcode
    # A subdistrict's names find its district, after every district's own names: sources
    # name districts made since (UCDP's "Atarib district" lies in Jebel Saman's).
    within: dict[str, list[str]] = {}
    for sub in json.loads((opensyria / "subdistricts.json").read_text("utf-8")):
        pcode = district_codes.get(sub.get("districtId", ""))
        if pcode:
            names = [sub["name"]["en"], *(a["value"] for a in sub.get("aliases", []))]
            within.setdefault(pcode, []).extend(names)
    units = []
    for level in (1, 2):
        collection = json.loads((ocha / f"syr_admin{level}.geojson").read_text("utf-8"))
        for feature in collection["features"]:
            props = feature["properties"]
            pcode = props[f"adm{level}_pcode"]
            own = named.get(pcode, {"name": props[f"adm{level}_name"], "names": []})
            extra = [
                props[f"adm{level}_name"],
                props[f"adm{level}_name1"],
                props[f"adm{level}_ref_n"],
            ]
            unit: dict[str, Any] = {
                "pcode": pcode,
                "level": level,
                "name": own["name"],
                "parent": props["adm1_pcode"] if level == 2 else None,
                "lat": round(props["center_lat"], 5),
                "lon": round(props["center_lon"], 5),
                "names": list(dict.fromkeys(n for n in [*own["names"], *extra] if n)),
            }
            if level == 2:
                unit["names"] += EXTRA_NAMES.get(pcode, [])
                unit["within"] = list(dict.fromkeys(within.get(pcode, [])))
            if level == 2:
                simple = shape(feature["geometry"]).simplify(
                    SIMPLIFY_DEGREES, preserve_topology=True
                )
                unit["geometry"] = mapping(shapely.set_precision(simple, 0.0001))
            units.append(unit)
    return {
        "source": "Boundaries and p-codes: UN OCHA / UN Cartographic Section COD-AB (2020-12-17),"
        f" simplified to {SIMPLIFY_DEGREES} degrees; names: OpenSyria Data Geography (CC BY 4.0)",
        "units": units,
    }


def main(argv: list[str] | None = None) -> None:
    """Regenerate truce/importers/data/syria-admin-units.json."""
    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--ocha", type=Path, required=True, help="syr_admin1/2.geojson's folder")
    parser.add_argument("--opensyria", type=Path, required=True, help="districts.json's folder")
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "data" / DATA_FILE)
    args = parser.parse_args(argv)
    built = build_units(args.ocha, args.opensyria)
    lines = ",\n".join(
        json.dumps(u, ensure_ascii=False, separators=(",", ":")) for u in built["units"]
    )
    head = json.dumps(built["source"], ensure_ascii=False)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(f'{{"source": {head},\n"units": [\n{lines}\n]}}\n', "utf-8")


if __name__ == "__main__":
    main()
