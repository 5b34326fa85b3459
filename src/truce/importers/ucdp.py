"""UCDP GED files (the Georeferenced Event Dataset, version 19.1 column names and later).

One row is one event as UCDP codes it, its ``id`` the report's ``source_ref``. UCDP codes who
fought whom and how many died, not how: the kind is read from the row, its type of violence
(1 state-based and 2 non-state conflict are fighting, 3 one-sided violence is an attack on
civilians) refined by the headline of the source article UCDP cites (an air strike, shelling,
a bomb), so that the kind compares with ACLED's and a monitor's.

Deaths are kept per UCDP's categories (``deaths_a``, ``deaths_b``, ``deaths_civilians``,
``deaths_unknown``) with ``low``/``best``/``high`` as the total's range (the range the three
span, where a row gives them out of order: 101 rows of GED Syria do); ``side_a`` is the
claimed perpetrator, ``side_b`` the target (``Civilians`` for one-sided violence).
"""

from __future__ import annotations

import re

from truce.domain.events import (
    BATTLES,
    EXPLOSIONS,
    VIOLENCE_AGAINST_CIVILIANS,
)
from truce.domain.i18n import N_
from truce.domain.reports import (
    TOTAL,
    Channel,
    Figure,
    GeoPrecision,
    ReportDraft,
    TimePrecision,
)
from truce.importers.rows import Cells, Format, day_end, day_start

SOURCE = "UCDP GED"
COLUMNS = (
    "id", "year", "active_year", "type_of_violence", "conflict_new_id", "conflict_name",
    "dyad_new_id", "dyad_name", "side_a_new_id", "side_a", "side_b_new_id", "gwnob", "side_b",
    "number_of_sources", "source_article", "source_office", "source_date", "source_headline",
    "source_original", "where_prec", "where_coordinates", "adm_1", "adm_2", "latitude",
    "longitude", "geom_wkt", "priogrid_gid", "country", "country_id", "region",
    "event_clarity", "date_prec", "date_start", "date_end", "deaths_a", "deaths_b",
    "deaths_civilians", "deaths_unknown", "low", "best", "high",
)  # fmt: skip
REQUIRED = ("id", "type_of_violence", "side_a", "side_b", "date_start", "latitude", "longitude")

# where_prec: 1 the place itself, 2 within 25 km of it, 3 a district, 4 a province, 5 a
# larger region or a line (a road, a front), 6 the country, 7 waters or airspace.
GEO_PRECISION = {
    "1": GeoPrecision.EXACT,
    "2": GeoPrecision.NEAR,
    "3": GeoPrecision.DISTRICT,
    "4": GeoPrecision.PROVINCE,
    "5": GeoPrecision.PROVINCE,
    "6": GeoPrecision.COUNTRY,
    "7": GeoPrecision.COUNTRY,
}
# date_prec: 1 the day, 2 within 2-6 days, 3 the week, 4 the month (8-30 days), 5 longer.
TIME_PRECISION = {
    "1": TimePrecision.DAY,
    "2": TimePrecision.WEEK,
    "3": TimePrecision.WEEK,
    "4": TimePrecision.MONTH,
    "5": TimePrecision.MONTH,
}

# What a headline says was used, most telling first (a chemical attack from the air is
# chemical): stems found anywhere in the lower-cased headline, and whole words.
_MEANS = (
    ("Chemical weapon", ("chemical", "chlorine", "sarin", "toxic gas"), ()),
    ("Suicide bomb", ("suicide",), ()),
    ("Air/drone strike", ("airstrike", "air strike", "air raid", "airraid", "warplane",
                          "helicopter", "barrel", "aircraft", "drone"), ("jet", "jets", "raid",
                                                                          "raids")),
    ("Shelling/artillery/missile attack", ("shell", "artiller", "rocket", "missile", "mortar",
                                           "cannon", "bombard", "projectile"), ()),
    ("Remote explosive/landmine/IED", ("car bomb", "explosive", "landmine", "booby", "blast",
                                       "explosion", "bomb"), ("ied", "ieds", "mine", "mines")),
)  # fmt: skip
_WORD = re.compile(r"[a-z]+")


def kind_of(violence: str | None, headline: str) -> tuple[str, str]:
    """The event type and sub-type a UCDP row describes."""
    low = headline.lower()
    words: set[str] | None = None
    for sub, stems, whole in _MEANS:
        for stem in stems:
            if stem in low:
                return EXPLOSIONS, sub
        if whole:
            words = words if words is not None else set(_WORD.findall(low))
            if not words.isdisjoint(whole):
                return EXPLOSIONS, sub
    if violence == "3":
        return VIOLENCE_AGAINST_CIVILIANS, "Attack"
    return BATTLES, "Armed clash"


def _total(low: int | None, best: int | None, high: int | None) -> Figure:
    """UCDP's total: some rows give a low above the best or a high below it (2, 0, 2); the
    range kept is the one the three figures span, the best as UCDP gives it."""
    given = [n for n in (low, best, high) if n is not None]
    if given == sorted(given):
        return Figure(low, best, high)
    return Figure(min(given), best, max(given))


def parse(cells: Cells) -> ReportDraft:
    """One UCDP GED row as a report."""
    ref = cells.required("id")
    violence = cells.required("type_of_violence")
    if violence is not None and violence not in ("1", "2", "3"):
        cells.bad("type_of_violence", violence, N_("{column} must be 1, 2 or 3 (state-based, "
                  "non-state or one-sided violence), not {value!r}."))  # fmt: skip
    start = cells.day("date_start")
    end = cells.day("date_end") or start
    headline = cells.text("source_headline") or ""
    event_type, sub_event_type = kind_of(violence, headline)
    counts = {
        category: cells.integer(column)
        for category, column in (("side_a", "deaths_a"), ("side_b", "deaths_b"),
                                 ("civilians", "deaths_civilians"),
                                 ("unknown", "deaths_unknown"))
    }  # fmt: skip
    casualties = {("killed", c): Figure(best=n) for c, n in counts.items() if n is not None}
    low, best, high = cells.integer("low"), cells.integer("best"), cells.integer("high")
    given = [n for n in counts.values() if n is not None]
    if (low, high) != (best, best) or (best is not None and best != sum(given)):
        casualties[("killed", TOTAL)] = _total(low, best, high)
    cells.required("side_a")
    cells.required("date_start")
    return ReportDraft(
        channel=Channel.UCDP,
        source=SOURCE,
        reliability="B",
        source_ref=ref,
        event_type=event_type,
        sub_event_type=sub_event_type,
        occurred_start=day_start(start),
        occurred_end=day_end(end),
        time_precision=TIME_PRECISION.get(cells.text("date_prec") or "1", TimePrecision.DAY),
        lat=cells.number("latitude"),
        lon=cells.number("longitude"),
        location=cells.text("where_coordinates"),
        geo_precision=GEO_PRECISION.get(cells.text("where_prec") or ""),
        country=cells.text("country"),
        admin1=cells.text("adm_1"),
        admin2=cells.text("adm_2"),
        actor1=cells.text("side_a"),
        actor2=cells.text("side_b"),
        casualties=casualties,
        text=headline,
        lang="en",
    )


FORMAT = Format(
    kind="ucdp",
    channel=Channel.UCDP,
    source=SOURCE,
    reliability="B",
    required=REQUIRED,
    columns=COLUMNS,
    column_of={
        "source_ref": "id",
        "occurred_start": "date_start",
        "occurred_end": "date_end",
        "time_precision": "date_prec",
        "lat": "latitude",
        "lon": "longitude",
        "location": "where_coordinates",
        "geo_precision": "where_prec",
        "admin1": "adm_1",
        "admin2": "adm_2",
        "event_type": "type_of_violence",
        "sub_event_type": "type_of_violence",
        "actor1": "side_a",
        "actor2": "side_b",
        "killed.side_a": "deaths_a",
        "killed.side_b": "deaths_b",
        "killed.civilians": "deaths_civilians",
        "killed.unknown": "deaths_unknown",
        "killed.total": "best",
        "casualties": "best",
        "text": "source_headline",
    },
    parse=parse,
)
