"""How well and how fast reports are linked into incidents: pairwise precision, recall, F1.

Reports with known truth are made from REAL events, the UCDP GED Syria file (read from
``../shared/data/ucdp-ged-syria/``, or ``--csv``; nothing of it is copied into the project):

1. **Events.** Each UCDP row is an event: its day, point, districts, sides and deaths. Its kind
   comes from the headline (air strike, shelling, explosive, clash; one-sided violence is an
   attack on civilians); its perpetrator is one of the two sides (the state, for strikes).
   Some events get a **twin**, a distinct event close by: the same town shelled the same day
   by the other side, a clash 2–6 km away, or the same attack again the next day.
2. **Replicas.** To reach N reports the events are replicated with fresh ids, each replica
   shifted by the file's span (so the density of events per day stays the real one), with
   places jittered by a few hundred metres and days by up to one.
3. **Reports.** Each event gets 1–4 reports from distinct sources (UCDP, ACLED, SOHR, RU-MoD,
   monitor), each with its own noise: the day (sometimes the next one, sometimes a week or
   month window), hours for the monitors, the point (hundreds of metres to a few km, sometimes
   only the district or province centroid, or the country's where the event has no province),
   the kind (UCDP cannot tell a shelling from a clash, monitors use the ceasefire kinds), actor
   names (aliases, transliterations, the Nusra Front under its older or later name, sides in
   UCDP's dyad order), party ids where a registry match would find them, deaths (± a few,
   sometimes missing), the place name and a text in the source's own style. UCDP's report is
   UCDP's row as it is: its point and precision (where_prec), its place name ("Saraf
   village") and, as its text, the headline of its source article (often a daily toll that
   names neither the place nor the sides).

Then ``truce.linkage.link`` runs on the reports, timed, with the peak RSS; pairs in one predicted
incident are compared with pairs of one true event. ``--new`` also measures the incremental
path: that many random reports linked with ``link_new`` against all the others (whose incidents
come from a batch run over them).

``--calibrate REPORTS`` measures the model's m, u and prior instead, on a set generated with seed
11, and writes them to ``src/truce/linkage/parameters.json``.

Usage: .venv/bin/python bench/dedup.py [--reports 10000 100000 1000000] [--new 1000]
       [--csv PATH] [--seed 7] [--threads N] [--calibrate REPORTS]
"""

from __future__ import annotations

import argparse
import json
import re
import resource
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
from rich.table import Table
from shared import CpuWatch, console, machine

from truce.domain.events import BATTLES, CEASEFIRE, EXPLOSIONS, VIOLENCE_AGAINST_CIVILIANS
from truce.linkage import DEFAULT, Linkage, LinkConfig, link, link_new
from truce.linkage.engine import score_candidates
from truce.linkage.model import COMPARISONS, PARAMETERS_FILE

CSV = (
    Path(__file__).resolve().parents[2]
    / "shared"
    / "data"
    / "ucdp-ged-syria"
    / ("ged_syria_2016_2019.csv")
)
LIBRARIES = ("truce", "splink", "duckdb", "pyarrow", "numpy")
SOURCES = ("UCDP", "ACLED", "SOHR", "RU-MoD", "monitor")
SOURCE_WEIGHTS = np.array([0.8, 0.9, 0.8, 0.35, 0.45])
REPORTS_PER_EVENT = np.array([0.25, 0.35, 0.25, 0.15])  # 1, 2, 3 or 4 reports
TWIN_SHARE = 0.15
CALIBRATION_SEED = 11
COUNTRY = (35.0, 38.0)  # the point UCDP gives an event it places only in Syria
EPOCH = np.datetime64("1970-01-01T00:00:00", "s")
HOUR, DAY = 3600, 86400

SHELLING = (EXPLOSIONS, "Shelling/artillery/missile attack")
AIR = (EXPLOSIONS, "Air/drone strike")
IED = (EXPLOSIONS, "Remote explosive/landmine/IED")
SUICIDE = (EXPLOSIONS, "Suicide bomb")
CLASH = (BATTLES, "Armed clash")
ATTACK = (VIOLENCE_AGAINST_CIVILIANS, "Attack")
KINDS = (SHELLING, AIR, IED, SUICIDE, CLASH, ATTACK)
REMOTE = {0, 1, 2, 3}
_HEADLINE_KINDS = (
    (3, re.compile(r"suicide", re.I)),
    (2, re.compile(r"explosi|IED|landmine|car bomb|booby|blast", re.I)),
    (1, re.compile(r"air ?strike|warplane|raid|helicopter|barrel|jets?\b|aircraft", re.I)),
    (0, re.compile(r"shell|rocket|missile|mortar|artillery|bombard", re.I)),
    (4, re.compile(r"clash|fight|battle|advance|attack|ambush|confront", re.I)),
)

# Names of one group as sources spell them; the party id a registry match would give.
ALIASES: dict[str, tuple[int | None, tuple[str, ...]]] = {
    "Government of Syria": (1, ("Government of Syria", "Syrian Arab Army", "SAA",
        "Regime forces", "Syrian government forces", "Military Forces of Syria")),
    "Syrian insurgents": (None, ("Syrian insurgents", "Opposition factions", "Rebels",
        "Islamist factions", "rebel groups")),
    "IS": (3, ("IS", "ISIS", "Islamic State", "ISIL", "Daesh", "Tanzim al-Dawla")),
    "SDF": (4, ("SDF", "Syrian Democratic Forces", "QSD", "Quwwat Suriya al-Dimuqratiya")),
    "Ahrar al-Sham": (6, ("Ahrar al-Sham", "Ahrar ash-Sham", "Harakat Ahrar al-Sham")),
    "Jaysh al-Islam": (7, ("Jaysh al-Islam", "Jaish al-Islam", "Army of Islam")),
    "Government of Turkey": (8, ("Government of Turkey", "Turkish Armed Forces", "Turkish army")),
    "Government of Russia": (9, ("Government of Russia", "Russian Aerospace Forces",
        "Russian forces")),
    "Civilians": (None, ("Civilians", "civilians", "residents")),
}  # fmt: skip
# UCDP's "Syrian insurgents" is, to the other sources, one named group (or just "rebels").
INSURGENT_GROUPS = ("Ahrar al-Sham", "Jaysh al-Islam", "Free Syrian Army", "Faylaq al-Rahman",
                    "Nour al-Din al-Zenki", "Jaysh al-Izza")  # fmt: skip
ALIASES["Free Syrian Army"] = (10, ("Free Syrian Army", "FSA", "al-Jaysh al-Suri al-Hurr"))
ALIASES["Faylaq al-Rahman"] = (11, ("Faylaq al-Rahman", "Failaq al-Rahman", "Al-Rahman Legion"))
ALIASES["Nour al-Din al-Zenki"] = (12, ("Nour al-Din al-Zenki", "Nur al-Din al-Zinki",
                                        "Harakat Nour al-Din al-Zenki"))  # fmt: skip
ALIASES["Jaysh al-Izza"] = (13, ("Jaysh al-Izza", "Jaish al-Izza", "Army of Glory"))
NUSRA_PARTY = 5
NUSRA_NAMES = (  # (in use from, names): the Nusra Front, renamed twice
    (np.datetime64("2012-01-01"), ("Jabhat al-Nusra", "Al-Nusra Front", "Jabhat an-Nusra")),
    (np.datetime64("2016-07-28"), ("Jabhat Fateh al-Sham", "JFS", "Jabhat Fatah al-Sham")),
    (np.datetime64("2017-01-28"), ("Hay'at Tahrir al-Sham", "HTS", "Hayat Tahrir al-Sham")),
)
NUSRA_UCDP = {"Jabhat Fateh al-Sham", "HTS", "Jabhat al-Nusra", "Hay'at Tahrir al-Sham"}
PARTY_MATCHED = {"UCDP": 0.95, "ACLED": 0.95, "SOHR": 0.85, "RU-MoD": 0.85, "monitor": 0.9}


class MissingData(SystemExit):
    pass


# --- events ------------------------------------------------------------------------------------


@dataclass
class Events:
    """One row per true event (numpy columns)."""

    event: np.ndarray
    day: np.ndarray  # datetime64[D]
    hour: np.ndarray  # when it happened, in hours after midnight
    lat: np.ndarray
    lon: np.ndarray
    imprecise: np.ndarray  # UCDP gave only a centroid
    # UCDP's where_prec: 1 the place, 2 near it, 3 district, 4 province, 5 region, 6 country
    where_prec: np.ndarray
    ucdp_lat: np.ndarray  # UCDP's point: the event's, or the centroid it gave
    ucdp_lon: np.ndarray
    admin1: np.ndarray
    admin2: np.ndarray
    town: np.ndarray
    where: np.ndarray  # UCDP's place name as it gives it ("Saraf village")
    headline: np.ndarray  # the headline of UCDP's source article, UCDP's report's text
    perpetrator: np.ndarray  # canonical names (keys of ALIASES, or as UCDP gives them)
    target: np.ndarray
    side_a: np.ndarray
    side_b: np.ndarray
    kind: np.ndarray  # index into KINDS
    killed: np.ndarray

    def __len__(self) -> int:
        return len(self.event)

    def take(self, rows: np.ndarray) -> Events:
        return Events(**{name: value[rows] for name, value in vars(self).items()})

    @staticmethod
    def concat(parts: list[Events]) -> Events:
        return Events(**{
            name: np.concatenate([getattr(part, name) for part in parts]) for name in vars(parts[0])
        })  # fmt: skip


def read_base(path: Path) -> Events:
    """The real events of the UCDP GED file."""
    if not path.is_file():
        raise MissingData(
            f"UCDP GED Syria file not found at {path}. It lives in ../shared/data/ucdp-ged-syria/"
            " beside the project; give another copy with --csv PATH."
        )
    table = pacsv.read_csv(path, convert_options=pacsv.ConvertOptions(strings_can_be_null=True))
    columns = {name: table[name].to_numpy(zero_copy_only=False) for name in (
        "date_start", "latitude", "longitude", "adm_1", "adm_2", "where_coordinates", "side_a",
        "side_b", "best", "type_of_violence", "source_headline", "where_prec",
    )}  # fmt: skip
    columns = _one_event_per_day_place_and_dyad(columns)
    side_a = np.array([_first_side(s) for s in columns["side_a"]], dtype=object)
    side_b = np.array([_first_side(s) for s in columns["side_b"]], dtype=object)
    kind = np.array([_kind(h, v) for h, v in zip(columns["source_headline"],
                     columns["type_of_violence"], strict=True)])  # fmt: skip
    rng = np.random.default_rng(0)
    state = np.array([s.startswith("Government") for s in side_a])
    perpetrator_is_a = np.where(np.isin(kind, [1, 5]) | state & (kind == 0), True,
                                rng.random(len(kind)) < 0.5)  # fmt: skip
    insurgents = rng.choice(INSURGENT_GROUPS, len(kind))
    side_a = np.where(side_a == "Syrian insurgents", "insurgents:" + insurgents, side_a)
    side_b = np.where(side_b == "Syrian insurgents", "insurgents:" + insurgents, side_b)
    lat, lon = columns["latitude"].astype(float), columns["longitude"].astype(float)
    where_prec = columns["where_prec"].astype(np.int64)
    imprecise = where_prec >= 3  # UCDP gives a centroid: the event was elsewhere
    ucdp_lat, ucdp_lon = lat.copy(), lon.copy()
    moved = _move(lat, lon, rng.uniform(2, 12, len(lat)), rng)
    lat, lon = np.where(imprecise, moved[0], lat), np.where(imprecise, moved[1], lon)
    admin1 = np.array([_admin(a) for a in columns["adm_1"]], dtype=object)
    admin2 = np.array([_admin(a) for a in columns["adm_2"]], dtype=object)
    headline = np.array([h or "" for h in columns["source_headline"]], dtype=object)
    return Events(
        event=np.arange(len(kind), dtype=np.int64),
        day=np.array(columns["date_start"], dtype="datetime64[D]"),
        hour=rng.uniform(5, 21, len(kind)),
        lat=lat, lon=lon, imprecise=imprecise, where_prec=where_prec, ucdp_lat=ucdp_lat,
        ucdp_lon=ucdp_lon, admin1=admin1, admin2=admin2,
        town=np.array([_town(w) for w in columns["where_coordinates"]], dtype=object),
        where=np.array([w or "" for w in columns["where_coordinates"]], dtype=object),
        headline=headline,
        perpetrator=np.where(perpetrator_is_a, side_a, side_b),
        target=np.where(perpetrator_is_a, side_b, side_a),
        side_a=side_a, side_b=side_b, kind=kind,
        killed=columns["best"].astype(np.int64),
    )  # fmt: skip


def _one_event_per_day_place_and_dyad(columns: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Rows of one day, point and dyad as one event (deaths summed): UCDP splits some days'
    fighting by source article, and no report could tell those rows apart."""
    key = np.array([f"{d}|{y}|{x}|{a}|{b}" for d, y, x, a, b in zip(
        columns["date_start"], columns["latitude"], columns["longitude"], columns["side_a"],
        columns["side_b"], strict=True)])  # fmt: skip
    _, first, inverse = np.unique(key, return_index=True, return_inverse=True)
    first_sorted = np.sort(first)
    merged = {name: value[first_sorted] for name, value in columns.items()}
    deaths = np.bincount(inverse, weights=columns["best"].astype(float))
    merged["best"] = deaths[np.argsort(first)].astype(np.int64)  # keys in order of first row
    return merged


def _first_side(side: str | None) -> str:
    return (side or "unknown").split(",")[0].strip()


def _kind(headline: str | None, violence: int) -> int:
    for kind, pattern in _HEADLINE_KINDS:
        if headline and pattern.search(headline):
            return kind
    return 5 if violence == 3 else 4


def _admin(name: str | None) -> str | None:
    return None if not name else name.replace(" governorate", "").replace(" district", "")


def _town(where: str | None) -> str:
    words = (where or "").split()
    kept = [
        w
        for w in words
        if w.lower()
        not in {
            "village",
            "town",
            "city",
            "area",
            "district",
            "governorate",
            "neighbourhood",
            "province",
        }
    ]
    return " ".join(kept) or "the area"


def add_twins(base: Events, rng: np.random.Generator) -> Events:
    """Distinct events close in time and place to some of the base events."""
    rows = np.flatnonzero(rng.random(len(base)) < TWIN_SHARE)
    twin = base.take(rows)
    twin.event = len(base) + np.arange(len(rows), dtype=np.int64)  # a distinct event
    style = rng.choice(3, size=len(rows), p=[0.5, 0.3, 0.2])
    counter, nearby, again = style == 0, style == 1, style == 2
    # the other side shells the same town the same day
    twin.perpetrator, twin.target = (
        np.where(counter, twin.target, twin.perpetrator),
        np.where(counter, twin.perpetrator, twin.target),
    )
    twin.kind = np.where(counter, 0, np.where(nearby, 4, twin.kind))
    km = np.where(nearby, rng.uniform(2, 6, len(rows)), rng.uniform(0, 1.5, len(rows)))
    twin.lat, twin.lon = _move(twin.lat, twin.lon, km, rng)
    # UCDP places a twin where it is, or at the centroid it gave the event
    twin.ucdp_lat = np.where(twin.imprecise, twin.ucdp_lat, twin.lat)
    twin.ucdp_lon = np.where(twin.imprecise, twin.ucdp_lon, twin.lon)
    twin.day = twin.day + np.where(again, 1, 0).astype("timedelta64[D]")
    twin.hour = rng.uniform(5, 21, len(rows))
    twin.killed = rng.poisson(np.maximum(twin.killed, 1)).astype(np.int64)
    both = Events.concat([base, twin])
    return both.take(np.argsort(both.day, kind="stable"))  # twins beside their events


def _move(lat: np.ndarray, lon: np.ndarray, km: np.ndarray, rng: np.random.Generator
          ) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    bearing = rng.uniform(0, 2 * np.pi, len(lat))
    dlat = km * np.cos(bearing) / 111.2
    dlon = km * np.sin(bearing) / (111.2 * np.cos(np.radians(lat)))
    return lat + dlat, lon + dlon


def replicate(events: Events, needed: int, rng: np.random.Generator) -> Events:
    """Enough events, in replicas laid end to end in time, with jittered places and days."""
    span = int((events.day.max() - events.day.min()).astype(int)) + 7
    parts, count = [], 0
    replica = 0
    while count < needed:
        part = events.take(np.arange(len(events)))
        if replica:
            lat, lon = _move(part.lat, part.lon, rng.uniform(0, 0.8, len(part)), rng)
            part.ucdp_lat = part.ucdp_lat + lat - part.lat
            part.ucdp_lon = part.ucdp_lon + lon - part.lon
            part.lat, part.lon = lat, lon
            shift = replica * span + rng.integers(-1, 2, len(part))
            part.day = part.day + shift.astype("timedelta64[D]")
        part.event = part.event + replica * len(events)
        parts.append(part)
        count += len(part)
        replica += 1
    return Events.concat(parts).take(np.arange(needed))


# --- reports -----------------------------------------------------------------------------------


def reports_for(events: Events, target: int, rng: np.random.Generator) -> pa.Table:
    """About ``target`` reports of the events (then cut to exactly ``target``)."""
    count = rng.choice(4, size=len(events), p=REPORTS_PER_EVENT) + 1
    per_event = np.argsort(rng.random((len(events), len(SOURCES))) ** (1 / SOURCE_WEIGHTS),
                           axis=1)[:, ::-1]  # fmt: skip
    rows = np.repeat(np.arange(len(events)), count)
    rank = np.arange(len(rows)) - np.repeat(np.cumsum(count) - count, count)
    source = per_event[rows, rank]
    order = rng.permutation(len(rows))[:target]
    rows, source = rows[order], source[order]
    return _reports(events.take(rows), source, rng)


def _reports(ev: Events, source: np.ndarray, rng: np.random.Generator) -> pa.Table:
    n = len(ev)
    names = np.array(SOURCES, dtype=object)[source]
    start, end, time_precision = _times(ev, source, rng)
    lat, lon, geo_precision = _places(ev, source, rng)
    event_type, sub_type = _kinds(ev, source, rng)
    actor1, actor2, party1, party2 = _actors(ev, source, rng)
    killed = _killed(ev, source, rng)
    location = _locations(ev, source, geo_precision, rng)
    text = [_text(*row) for row in zip(names, ev.town, actor1, actor2, sub_type, killed,
                                       ev.headline, strict=True)]  # fmt: skip
    return pa.table({
        "report_id": pa.array(np.arange(1, n + 1), pa.int64()),
        "start": pa.array(start, pa.timestamp("s", tz="UTC")),
        "end": pa.array(end, pa.timestamp("s", tz="UTC")),
        "time_precision": pa.array(time_precision, pa.string()),
        "lat": pa.array(lat, pa.float64(), mask=np.isnan(lat)),
        "lon": pa.array(lon, pa.float64(), mask=np.isnan(lon)),
        "geo_precision": pa.array(geo_precision, pa.string()),
        "admin1": pa.array(ev.admin1, pa.string()),
        "admin2": pa.array(ev.admin2, pa.string()),
        "event_type": pa.array(event_type, pa.string()),
        "sub_event_type": pa.array(sub_type, pa.string()),
        "actor1_party_id": pa.array(party1, pa.int64(), mask=party1 < 0),
        "actor2_party_id": pa.array(party2, pa.int64(), mask=party2 < 0),
        "actor1": pa.array(actor1, pa.string()),
        "actor2": pa.array(actor2, pa.string()),
        "killed_best": pa.array(killed, pa.int64(), mask=killed < 0),
        "text": pa.array(text, pa.string()),
        "source": pa.array(names, pa.string()),
        "location": pa.array(location, pa.string()),
        "event": pa.array(ev.event, pa.int64()),
    })  # fmt: skip


def _times(ev: Events, source: np.ndarray, rng: np.random.Generator
           ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:  # fmt: skip
    n = len(ev)
    late = rng.random(n) < np.array([0.05, 0.08, 0.15, 0.1, 0.02])[source]  # "yesterday"
    day = ev.day + late.astype("timedelta64[D]")
    seconds = (day.astype("datetime64[s]") - EPOCH).astype(np.int64)
    start, end = seconds.copy(), seconds + DAY
    hours = rng.random(n) < np.array([0.0, 0.0, 0.3, 0.4, 0.9])[source]
    # sources that give hours give the time of the event, give or take
    at = seconds + ((ev.hour + rng.normal(0, 0.75, n)).clip(0, 23) * 4).round().astype(np.int64) * (
        HOUR // 4
    )
    start = np.where(hours, at, start)
    end = np.where(hours, at + rng.integers(1, 3, n) * HOUR, end)
    coarse = rng.random(n)
    week, month = coarse < 0.03, (coarse >= 0.03) & (coarse < 0.04)
    monday = seconds - ((seconds // DAY + 3) % 7) * DAY
    start = np.where(week, monday, start)
    end = np.where(week, monday + 7 * DAY, end)
    first = (day.astype("datetime64[M]").astype("datetime64[s]") - EPOCH).astype(np.int64)
    after = ((day.astype("datetime64[M]") + 1).astype("datetime64[s]") - EPOCH).astype(np.int64)
    start, end = np.where(month, first, start), np.where(month, after, end)
    precision = np.where(week, "week", np.where(month, "month", "day")).astype(object)
    return start, end, precision


def _centroids(ev: Events, key: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    _, inverse = np.unique(key.astype(str), return_inverse=True)
    lat = np.bincount(inverse, ev.lat) / np.bincount(inverse)
    lon = np.bincount(inverse, ev.lon) / np.bincount(inverse)
    return lat[inverse], lon[inverse]


def _places(ev: Events, source: np.ndarray, rng: np.random.Generator
            ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:  # fmt: skip
    """Each source's point and its precision. UCDP gives its own point and precision (its
    where_prec); the others their point with their noise, or only a district or province
    centroid (or the country's, when the event has no such unit)."""
    n = len(ev)
    sigma = np.array([0.0, 0.4, 1.0, 1.5, 0.3])[source]
    # where UCDP knows only a point near the event, the others often know no better
    vague = (source != 0) & (ev.where_prec == 2) & (rng.random(n) < 0.6)
    sigma = np.where(vague, np.maximum(sigma, 1.0), sigma)
    lat, lon = _move(ev.lat, ev.lon, np.abs(rng.normal(0, 1, n)) * sigma, rng)
    precision = np.where(sigma <= 0.5, "exact", "near").astype(object)
    coarse = rng.random(n)
    district = (coarse < 0.08) | ev.imprecise & (coarse < 0.5)
    province = (coarse >= 0.08) & (coarse < 0.11)
    ucdp = source == 0
    district = np.where(ucdp, ev.where_prec == 3, district)
    province = np.where(ucdp, ev.where_prec >= 4, province)
    precision = np.where(ucdp & (ev.where_prec == 2), "near", precision)
    lat, lon = np.where(ucdp, ev.ucdp_lat, lat), np.where(ucdp, ev.ucdp_lon, lon)
    # a unit the event has no name for cannot be given: the next wider one instead
    no_district, no_province = ev.admin2 == None, ev.admin1 == None  # noqa: E711
    province |= district & no_district
    district &= ~no_district
    country = (province | (ucdp & (ev.where_prec >= 6))) & no_province
    province &= ~country
    d_lat, d_lon = _centroids(ev, ev.admin2)
    p_lat, p_lon = _centroids(ev, ev.admin1)
    lat = np.where(district, d_lat, np.where(province, p_lat, np.where(country, COUNTRY[0], lat)))
    lon = np.where(district, d_lon, np.where(province, p_lon, np.where(country, COUNTRY[1], lon)))
    precision = np.where(district, "district", np.where(province, "province", precision))
    precision = np.where(country, "country", precision)
    return lat, lon, precision.astype(object)


def _locations(ev: Events, source: np.ndarray, precision: np.ndarray, rng: np.random.Generator
               ) -> np.ndarray:  # fmt: skip
    """The place name each source gives: the town (in its own spelling), sometimes only the
    district, or none (a monitor gives coordinates)."""
    n = len(ev)
    pick = rng.random(n)
    names = np.array([_transliterate(town, p) for town, p in zip(ev.town, pick, strict=True)],
                     dtype=object)  # fmt: skip
    others = source != 0
    vague = others & ((rng.random(n) < 0.1) | (precision == "district"))
    names[vague] = [f"{a} countryside" if a else None for a in ev.admin2[vague]]
    province = others & (precision == "province")
    names[province] = [f"{a} countryside" if a else None for a in ev.admin1[province]]
    names[others & (precision == "country")] = None
    names[(source == 4) & (rng.random(n) < 0.4)] = None
    names[~others] = ev.where[~others]  # UCDP's own: "Saraf village", "Ar Rastan district"
    return names


_MONITOR_KINDS = {0: "impact or airburst explosion", 1: "impact or airburst explosion",
                  2: "impact or airburst explosion", 3: "impact or airburst explosion",
                  4: "ground assault", 5: "ground assault"}  # fmt: skip


def _kinds(ev: Events, source: np.ndarray, rng: np.random.Generator
           ) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    n = len(ev)
    kind = ev.kind.copy()
    wrong = rng.random(n) < np.array([0.0, 0.08, 0.12, 0.2, 0.1])[source]
    kind = np.where(wrong, rng.choice(len(KINDS), n), kind)
    ucdp = source == 0
    kind = np.where(ucdp & (kind != 5), 4, kind)  # UCDP codes fighting, not weapons
    ru = (source == 3) & np.isin(kind, list(REMOTE))
    kind = np.where(ru, 0, kind)  # the Russian bulletins: "shelling"
    event_type = np.array([KINDS[k][0] for k in kind], dtype=object)
    sub_type = np.array([KINDS[k][1] for k in kind], dtype=object)
    monitor = source == 4
    sub_type[monitor] = [_MONITOR_KINDS[k] for k in kind[monitor]]
    event_type[monitor] = CEASEFIRE
    projectile = monitor & (rng.random(n) < 0.3) & np.isin(kind, list(REMOTE))
    sub_type[projectile] = "projectile"
    return event_type, sub_type


def _actors(ev: Events, source: np.ndarray, rng: np.random.Generator
            ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:  # fmt: skip
    ucdp = source == 0
    first = np.where(ucdp, ev.side_a, ev.perpetrator)
    second = np.where(ucdp, ev.side_b, ev.target)
    unnamed = rng.random(len(ev)) < np.array([0.0, 0.02, 0.1, 0.05, 0.5])[source]
    no_target = rng.random(len(ev)) < np.array([0.0, 0.05, 0.2, 0.3, 0.6])[source]
    name1, party1 = _names(first, ev.day, source, rng)
    name2, party2 = _names(second, ev.day, source, rng)
    name1[unnamed], party1[unnamed] = None, -1
    name2[no_target | unnamed], party2[no_target | unnamed] = None, -1
    return name1, name2, party1, party2


def _names(canonical: np.ndarray, day: np.ndarray, source: np.ndarray, rng: np.random.Generator
           ) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    n = len(canonical)
    names = np.empty(n, dtype=object)
    party = np.full(n, -1, dtype=np.int64)
    pick = rng.random(n)
    matched = rng.random(n) < np.array([PARTY_MATCHED[s] for s in SOURCES])[source]
    old_name = rng.random(n) < np.where(source == 3, 0.8, 0.1)  # older names, mostly RU-MoD
    for i in range(n):
        name, pid = _alias(canonical[i], day[i], source[i], pick[i], old_name[i])
        names[i] = _transliterate(name, (pick[i] * 7) % 1) if source[i] != 0 else name
        if pid is not None and matched[i]:
            party[i] = pid
    return names, party


def _alias(canonical: str, day: np.datetime64, source: int, pick: float, old_name: bool
           ) -> tuple[str, int | None]:  # fmt: skip
    if canonical.startswith("insurgents:"):
        if source == 0:
            return "Syrian insurgents", None
        if pick < 0.4:
            return ("Rebels", "Opposition factions", "rebel groups")[int(pick * 7.5)], None
        canonical = canonical.removeprefix("insurgents:")
    if canonical in NUSRA_UCDP:
        era = sum(1 for begun, _ in NUSRA_NAMES if day >= begun) - 1
        era = 0 if old_name else era
        names = NUSRA_NAMES[era][1]
        return names[int(pick * len(names))], NUSRA_PARTY
    if canonical in ALIASES:
        pid, names = ALIASES[canonical]
        return (canonical if source == 0 else names[int(pick * len(names))]), pid
    return canonical, None


def _transliterate(name: str, pick: float) -> str:
    if pick < 0.15:
        return name.replace("al-", "el-").replace("Al-", "El-")
    if pick < 0.25:
        return name.replace("ay", "ai").replace("-", " ").replace("ee", "i")
    if pick < 0.3:
        return name.lower()
    if pick < 0.35:
        return name.replace(" ", "")
    return name


def _killed(ev: Events, source: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    n = len(ev)
    noise = rng.integers(-3, 4, n) * (rng.random(n) < np.array([0.0, 0.3, 0.5, 0.5, 0.3])[source])
    killed = np.maximum(ev.killed + noise, 0)
    missing = rng.random(n) < np.array([0.0, 0.02, 0.1, 0.6, 0.5])[source]
    return np.where(missing, -1, killed)


_VERBS = {
    "Shelling/artillery/missile attack": "shelled",
    "Air/drone strike": "carried out air strikes on",
    "Remote explosive/landmine/IED": "detonated an explosive device in",
    "Suicide bomb": "sent a suicide bomber into", "Armed clash": "clashed with opponents near",
    "Attack": "attacked civilians in", "impact or airburst explosion": "impacts observed at",
    "projectile": "projectiles observed over", "ground assault": "ground assault at",
}  # fmt: skip


def _text(source: str, town: str, actor1: str | None, actor2: str | None, sub: str,
          killed: int, headline: str) -> str:  # fmt: skip
    """The report's text in its source's style; UCDP's is the headline of its source article
    (a daily toll, a report on a region: often naming neither the place nor the sides)."""
    if source == "UCDP" and headline:
        return headline
    who = actor1 or "Unidentified forces"
    verb = _VERBS[sub]
    toll = f", {killed} killed" if killed >= 0 else ""
    if source == "SOHR":
        return f"{who} {verb} {town}{toll}; the death toll is expected to rise"
    if source == "RU-MoD":
        return f"Ceasefire violation registered: {who} {verb} {town}"
    if source == "monitor":
        return f"Team observed {verb.split()[0]} near {town}{toll}"
    if source == "ACLED":
        return f"{who} {verb} {town} against {actor2 or 'unknown'}{toll}."
    return f"{who} - {actor2 or 'unknown'}: {town}{toll}"


# --- scoring -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scores:
    precision: float
    recall: float
    true_pairs: int
    predicted_pairs: int

    @property
    def f1(self) -> float:
        total = self.precision + self.recall
        return 2 * self.precision * self.recall / total if total else 0.0


def _pairs(counts: np.ndarray) -> int:
    return int((counts * (counts - 1) // 2).sum())


def pairwise(event: np.ndarray, group: np.ndarray) -> Scores:
    """Pairs in one predicted group against pairs of one true event."""
    truth = _pairs(np.unique(event, return_counts=True)[1])
    predicted = _pairs(np.unique(group, return_counts=True)[1])
    both = _pairs(np.unique(np.stack([event, group]), axis=1, return_counts=True)[1])
    return Scores(both / predicted if predicted else 1.0, both / truth if truth else 1.0,
                  truth, predicted)  # fmt: skip


def pairwise_touching(event: np.ndarray, group: np.ndarray, new: np.ndarray) -> Scores:
    """As pairwise, for the pairs with at least one new report."""

    def touching(key: np.ndarray) -> int:
        _, inverse, counts = np.unique(key, return_inverse=True, return_counts=True)
        new_in = np.bincount(inverse, weights=new).astype(np.int64)
        old_in = counts - new_in
        return _pairs(new_in) + int((new_in * old_in).sum())

    pair_key = event.astype(np.int64) * (int(group.max()) + 1) + group
    truth, predicted, both = touching(event), touching(group), touching(pair_key)
    return Scores(both / predicted if predicted else 1.0, both / truth if truth else 1.0,
                  truth, predicted)  # fmt: skip


# --- the run -----------------------------------------------------------------------------------


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def generate(base: Events, reports: int, seed: int) -> pa.Table:
    rng = np.random.default_rng(seed)
    events = add_twins(base, rng)
    needed = int(reports / 2.3 * 1.02) + 10
    return reports_for(replicate(events, needed, rng), reports, rng)


def batch(table: pa.Table, config: LinkConfig) -> tuple[Linkage, float]:
    started = time.perf_counter()
    result = link(table.drop_columns(["event"]), config)
    return result, time.perf_counter() - started


def groups_of(result: Linkage, report_ids: np.ndarray) -> np.ndarray:
    return _lookup(result.assignments["report_id"].to_numpy(),
                   result.assignments["group"].to_numpy(), report_ids)  # fmt: skip


def _lookup(ids: np.ndarray, values: np.ndarray, keys: np.ndarray) -> np.ndarray:
    order = np.argsort(ids)
    return values[order][np.searchsorted(ids[order], keys)]


def incremental(table: pa.Table, new_count: int, seed: int, config: LinkConfig
                ) -> tuple[Scores, Scores, float, float]:  # fmt: skip
    """Batch over all but ``new_count`` random reports, then link those: quality and time."""
    rng = np.random.default_rng(seed + 1)
    ids = table["report_id"].to_numpy()
    is_new = np.zeros(len(ids), dtype=bool)
    is_new[rng.choice(len(ids), new_count, replace=False)] = True
    old, new = table.filter(pa.array(~is_new)), table.filter(pa.array(is_new))
    existing, _ = batch(old, config)
    incidents = dict(zip(existing.assignments["report_id"].to_pylist(),
                         existing.assignments["group"].to_pylist(), strict=True))  # fmt: skip
    started = time.perf_counter()
    added = link_new(new.drop_columns(["event"]), old.drop_columns(["event"]), incidents, config)
    elapsed = time.perf_counter() - started
    new_ids = new["report_id"].to_numpy()
    joined = added.assignments
    incident = pc.fill_null(joined["incident_id"], -1).to_numpy()
    label = np.where(incident >= 0, incident, joined["group"].to_numpy() + ids.max() + 1)
    group = groups_of(existing, ids[~is_new])
    all_group = np.empty(len(ids), dtype=np.int64)
    all_group[~is_new] = group
    all_group[is_new] = _lookup(joined["report_id"].to_numpy(), label, new_ids)
    event = table["event"].to_numpy()
    incremental_scores = pairwise_touching(event, all_group, is_new.astype(np.int64))
    full, _ = batch(table, config)
    batch_scores = pairwise_touching(event, groups_of(full, ids), is_new.astype(np.int64))
    return incremental_scores, batch_scores, elapsed, peak_rss_mb()


FLOOR = 0.001  # no level is impossible: unseen levels get this share before normalising


def calibrate(base: Events, reports: int, seed: int) -> dict[str, object]:
    """m and u of every level, and the prior, measured on the candidate pairs of a generated
    set (the model's figures are these, from seed 11; the benchmark runs on seed 7)."""
    table = generate(base, reports, seed)
    scored = score_candidates(table.drop_columns(["event"]))
    ids, event = table["report_id"].to_numpy(), table["event"].to_numpy()
    match = (_lookup(ids, event, scored["unique_id_l"].to_numpy())
             == _lookup(ids, event, scored["unique_id_r"].to_numpy()))  # fmt: skip
    figures: dict[str, dict[str, list[float]]] = {}
    for comparison in COMPARISONS:
        gamma = scored[f"gamma_{comparison.name}"].to_numpy()
        levels = [level for level in comparison.levels if not level.is_null]
        shares = {}
        for index, level in enumerate(levels):
            chosen = gamma == len(levels) - 1 - index  # splink counts down to the else level
            # unseen, a level counts as ten times likelier for different events than for one
            shares[level.label] = [
                (chosen & match).sum() + FLOOR / 10 * match.sum(),
                (chosen & ~match).sum() + FLOOR * (~match).sum(),
            ]
        m_total = sum(m for m, _ in shares.values())
        u_total = sum(u for _, u in shares.values())
        figures[comparison.name] = {label: [round(m / m_total, 4), round(u / u_total, 4)]
                                    for label, (m, u) in shares.items()}  # fmt: skip
    return {
        "prior": round(float(match.mean()), 4),
        "trained_on": f"bench/dedup.py --calibrate: {reports:,} generated reports, seed {seed}, "
                      f"{len(scored):,} candidate pairs",
        "comparisons": figures,
    }  # fmt: skip


def run(args: argparse.Namespace) -> int:
    base = read_base(args.csv)
    if args.calibrate:
        figures = calibrate(base, args.calibrate, CALIBRATION_SEED)
        text = re.sub(r"\[\s+([\d.]+),\s+([\d.]+)\s+\]", r"[\1, \2]", json.dumps(figures, indent=2))
        PARAMETERS_FILE.write_text(text + "\n", encoding="utf-8")
        console.print(f"wrote {PARAMETERS_FILE} ({figures['trained_on']})")
        return 0
    config = LinkConfig(threads=args.threads) if args.threads else DEFAULT
    console.print(machine(LIBRARIES))
    console.print(f"{len(base):,} real events from {args.csv.name}; seed {args.seed}; "
                  f"threshold {config.threshold}")  # fmt: skip
    results = Table("reports", "events", "true pairs", "precision", "recall", "F1",
                    "link s", "peak RSS MB", "others")  # fmt: skip
    failed = False
    largest: pa.Table | None = None
    for count in args.reports:
        table = generate(base, count, args.seed)
        watch = CpuWatch()
        result, elapsed = batch(table, config)
        others = watch.other_cores()
        scores = pairwise(table["event"].to_numpy(),
                          groups_of(result, table["report_id"].to_numpy()))  # fmt: skip
        results.add_row(
            f"{count:,}",
            f"{len(pc.unique(table['event'])):,}",
            f"{scores.true_pairs:,}",
            f"{scores.precision:.4f}",
            f"{scores.recall:.4f}",
            f"{scores.f1:.4f}",
            f"{elapsed:.1f}",
            f"{peak_rss_mb():,.0f}",
            "?" if others is None else f"{others:.2f}",
        )
        failed |= scores.precision < 0.95 or scores.recall < 0.95
        largest = table
    console.print(results)
    if args.new and largest is not None:
        inc, full, elapsed, rss = incremental(largest, args.new, args.seed, config)
        console.print(
            f"incremental: {args.new:,} new against {len(largest) - args.new:,} existing in "
            f"{elapsed:.2f} s (peak RSS {rss:,.0f} MB); pairs with a new report: "
            f"precision {inc.precision:.4f}, recall {inc.recall:.4f} (batch over all: "
            f"{full.precision:.4f}, {full.recall:.4f})"
        )
    return 1 if failed else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reports", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--new", type=int, default=1000, help="reports for the incremental run")
    parser.add_argument("--csv", type=Path, default=CSV)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument(
        "--calibrate",
        type=int,
        metavar="REPORTS",
        default=0,
        help="measure m, u and the prior on this many reports (seed 11) and "
        "write them to src/truce/linkage/parameters.json",
    )
    return run(parser.parse_args())


if __name__ == "__main__":
    sys.exit(main())
