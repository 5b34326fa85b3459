"""Place search for the report form: names in any script, over the offline gazetteer.

The gazetteer is the news pipeline's (GeoNames towns with their Arabic, Cyrillic and Latin
spellings, Syria's governorates and districts, UCDP's villages), folded by
:func:`truce.domain.text.fold`, so "Kafr Zita", "كفر زيتا" and "Кафр-Зита" find the same town.
A name matches when the query begins it or one of its words; the same name exactly comes first,
then places in Syria, then the more populous. Each answer carries the province and district
its point lies in (the geocoder's units, as reports store them).
"""

from __future__ import annotations

from dataclasses import dataclass

from truce.domain.errors import Invalid
from truce.domain.i18n import N_
from truce.domain.text import fold
from truce.importers.geocode import geocoder
from truce.news.gazetteer import Entry, gazetteer

MAX_QUERY = 100
MAX_PLACES = 20
MIN_KEY = 2  # folded characters: one letter finds half the gazetteer
PLACE_KINDS = ("city", "admin2", "admin1", "region")  # not whole countries


@dataclass(frozen=True, slots=True)
class Place:
    """One place a name found: where it is, what it is, and its units in Syria."""

    name: str
    lat: float
    lon: float
    kind: str
    country: str | None
    admin1: str | None
    admin2: str | None
    population: int
    exact: bool  # the query is this place's name, not only its start


def search_places(query: str, *, limit: int = 10) -> list[Place]:
    """The places whose name (in any script) begins with ``query`` or has a word that does."""
    if len(query) > MAX_QUERY:
        raise Invalid(N_("q is at most {most} characters."), field="q", most=MAX_QUERY)
    if not 1 <= limit <= MAX_PLACES:
        raise Invalid(N_("limit must be between 1 and {most}."), field="limit", most=MAX_PLACES)
    key = fold(query)
    if len(key) < MIN_KEY:
        raise Invalid(N_("q: type at least {least} letters of the place's name."), field="q",
                      least=MIN_KEY)  # fmt: skip
    places = gazetteer()
    found: dict[int, bool] = {}  # entry number -> exact
    inner = f" {key}"
    for name, codes in places.names():
        if name == key or name.startswith(key) or inner in name:
            for code in codes:
                number = code >> 1
                found[number] = found.get(number, False) or name == key
    entries = [(places.entries[n], exact) for n, exact in found.items()]
    kept = [(e, exact) for e, exact in entries if e.kind in PLACE_KINDS]
    # A town before the unit of the same name: a report is filed at a point.
    kept.sort(key=lambda item: (not item[1], item[0].country != "SY",
                                PLACE_KINDS.index(item[0].kind), -item[0].population,
                                item[0].name))  # fmt: skip
    return _with_units(_distinct(kept)[:limit])


def _distinct(entries: list[tuple[Entry, bool]]) -> list[tuple[Entry, bool]]:
    """One of each place: the same name at the same point is one answer."""
    seen: set[tuple[str, float, float]] = set()
    out = []
    for entry, exact in entries:
        mark = (entry.name, round(entry.lat, 3), round(entry.lon, 3))
        if mark not in seen:
            seen.add(mark)
            out.append((entry, exact))
    return out


def _with_units(entries: list[tuple[Entry, bool]]) -> list[Place]:
    units = geocoder()
    districts = units.districts_at([e.lat for e, _ in entries], [e.lon for e, _ in entries])
    places = []
    for (entry, exact), district in zip(entries, districts, strict=True):
        province = units.units.get(district.parent) if district and district.parent else None
        places.append(
            Place(
                name=entry.name,
                lat=entry.lat,
                lon=entry.lon,
                kind=entry.kind,
                country=entry.country,
                admin1=province.name if province else None,
                admin2=district.name if district else None,
                population=entry.population,
                exact=exact,
            )
        )
    return places


__all__ = ["MAX_PLACES", "Place", "search_places"]
