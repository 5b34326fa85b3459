"""Real events, reported twice: UCDP's rows and an ACLED-format copy of them link one to one.

The 540 events of the UCDP GED Syria file between 27 February and 31 March 2016 (the Cessation
of Hostilities' first month; tests/data holds the rows, credited in NOTICE) are read as UCDP
reports, and again as an ACLED file would give them: ACLED's names for the actors, the Nusra
Front under its name of the day where UCDP uses its later one (Jabhat Fateh al-Sham), points
100–500 m away, the day moved by one where UCDP's date precision says it is uncertain, ACLED's
event types (weapons from the headline), its place names and its notes. Every real event must
give exactly one incident holding its two reports, in a batch and incrementally.

What the importers do before linking is done here as they would do it: the actor names matched
to registry parties (a group's later name to the same party), the admin names geocoded to one
spelling.
"""

from __future__ import annotations

import csv
import math
import random
import re
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from truce.linkage import LinkRecord, link, link_new
from truce.linkage.records import GeoPrecision

ROWS = Path(__file__).resolve().parents[1] / "data" / "ucdp-ged-syria-2016-02-27-to-03-31.csv"
ACLED_IDS = 10_000_000  # an ACLED report's id: this plus the UCDP row's id
DAY = timedelta(days=1)

# Registry parties (ids as a registry would give them) of the names in these rows.
SAA, ISIL, SDF, NUSRA, AHRAR, JAYSH_ISLAM, FAYLAQ_RAHMAN, FSA, SOUTHERN_FRONT, LSY, DIV13 = range(
    1, 12
)
# UCDP's name -> (ACLED's name in Feb-Mar 2016, the party an alias match finds, or None).
ACTORS: dict[str, tuple[str, int | None]] = {
    "Government of Syria": ("Military Forces of Syria (2000-2024)", SAA),
    "IS": ("Islamic State (Syria)", ISIL),
    "SDF": ("QSD: Syrian Democratic Forces", SDF),
    "Syrian insurgents": ("Opposition Rebels (Syria)", None),
    "Civilians": ("Civilians (Syria)", None),
    "Fatah Halab": ("Fatah Halab Operations Room", None),
    "Ahrar al-Sham": ("Ahrar al Sham", AHRAR),
    "Mare' Operations Room": ("Marea Operations Room", None),
    # UCDP names the Nusra Front by the name it took in July 2016; in March it was still this.
    "Jabhat Fateh al-Sham": ("Jabhat al Nusra", NUSRA),
    "Jaysh al-Islam": ("Jaish al Islam", JAYSH_ISLAM),
    "Rahman Corps": ("Faylaq al Rahman", FAYLAQ_RAHMAN),
    "Tahrir al- Sham Army": ("Jaysh Tahrir al Sham", None),
    "Government of Iraq": ("Military Forces of Iraq (2014-)", None),
    "FSA": ("Free Syrian Army", FSA),
    "Shohadaa al-Yarmouk": ("Liwa Shuhada al Yarmouk", LSY),
    "Islamic Front": ("Islamic Front", None),
    "Aknaf Bait al-Maqdis": ("Aknaf Bayt al Maqdis", None),
    "Southern Front": ("Southern Front", SOUTHERN_FRONT),
    "NSA": ("New Syrian Army", None),
    "13th Division": ("13th Division", DIV13),
}
SHELLING = ("Explosions/Remote violence", "Shelling/artillery/missile attack")
AIR = ("Explosions/Remote violence", "Air/drone strike")
BLAST = ("Explosions/Remote violence", "Remote explosive/landmine/IED")
CLASH = ("Battles", "Armed clash")
ATTACK = ("Violence against civilians", "Attack")
# What ACLED's coders read in a report, as the headline words it: the weapon first.
HEADLINE_KINDS = (
    (BLAST, re.compile(r"explosi|IED|landmine|car bomb|booby|suicide", re.I)),
    (AIR, re.compile(r"air ?strike|warplane|aerial|helicopter|barrel|jets?\b|aircraft", re.I)),
    (SHELLING, re.compile(r"shell|rocket|missile|mortar|artillery|bombard", re.I)),
)
VERBS = {
    SHELLING: "shelled", AIR: "carried out air strikes on", BLAST: "set off explosives against",
    CLASH: "clashed with", ATTACK: "attacked",
}  # fmt: skip
PLACE_WORDS = re.compile(r"\s+(town|village|city|camp|suburb|district|governorate|area)$", re.I)


@dataclass(frozen=True)
class Row:
    """One UCDP GED row, as read from the CSV."""

    id: int
    start: date
    end: date
    date_prec: int
    where_prec: int
    where: str
    admin1: str | None
    admin2: str | None
    lat: float
    lon: float
    violence: int
    side_a: str
    side_b: str
    best: int
    headline: str

    @property
    def event(self) -> tuple[object, ...]:
        """What the two files say about the event; rows equal in it cannot be told apart."""
        return (self.start, self.end, self.date_prec, self.where_prec, self.where, self.lat,
                self.lon, self.violence, self.side_a, self.side_b, self.best)  # fmt: skip


def read_rows() -> list[Row]:
    with ROWS.open(encoding="utf-8", newline="") as handle:
        return [
            Row(
                id=int(r["id"]),
                start=date.fromisoformat(r["date_start"]),
                end=date.fromisoformat(r["date_end"]),
                date_prec=int(r["date_prec"]),
                where_prec=int(r["where_prec"]),
                where=r["where_coordinates"],
                admin1=_admin(r["adm_1"]),
                admin2=_admin(r["adm_2"]),
                lat=float(r["latitude"]),
                lon=float(r["longitude"]),
                violence=int(r["type_of_violence"]),
                side_a=_first(r["side_a"]),
                side_b=_first(r["side_b"]),
                best=int(r["best"]),
                headline=r["source_headline"],
            )
            for r in csv.DictReader(handle)
        ]


def _admin(name: str) -> str | None:
    """The admin unit as the geocoder spells it for both files."""
    return re.sub(r"\s+(governorate|district)$", "", name, flags=re.I) or None


def _first(side: str) -> str:
    """The first group of a side ("Ahrar al-Sham, Jabhat Fateh al-Sham" -> "Ahrar al-Sham"):
    the actor; ACLED lists the others as associated actors."""
    return side.split(",")[0].strip()


def _moment(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def _geo_precision(row: Row) -> GeoPrecision:
    """UCDP's where_prec: 1 the place, 2 within 25 km of it, 3 the district, 4 the province,
    5 a part of the country (a region, a road between towns), 6 the country."""
    if row.where_prec == 1:
        return "exact"
    if row.where_prec == 2:
        return "near"
    if row.where_prec == 3 and row.admin2:
        return "district"
    return "province" if row.admin1 else "country"


def ucdp_report(row: Row) -> LinkRecord:
    exact = row.date_prec == 1 and row.start == row.end
    span = (row.end - row.start).days + 1
    first, second = ACTORS[row.side_a], ACTORS[row.side_b]
    kind = ATTACK if row.violence == 3 else CLASH  # UCDP codes the fighting, not the weapon
    return LinkRecord(
        report_id=row.id, start=_moment(row.start), end=_moment(row.end) + DAY,
        time_precision="day" if exact else "week" if span <= 7 else "month",
        lat=row.lat, lon=row.lon, geo_precision=_geo_precision(row),
        admin1=row.admin1, admin2=row.admin2, event_type=kind[0], sub_event_type=kind[1],
        actor1_party_id=first[1], actor2_party_id=second[1], actor1=row.side_a,
        actor2=row.side_b, killed_best=row.best, text=row.headline, source="UCDP",
        location=row.where,
    )  # fmt: skip


def acled_report(row: Row, rng: random.Random) -> LinkRecord:
    """The row as ACLED would code it."""
    day = row.start
    if row.date_prec > 1:  # UCDP is unsure of the day: ACLED may have another one
        day += rng.choice((-1, 0, 1)) * DAY
    kind = _acled_kind(row)
    actor1, party1 = ACTORS[row.side_a]
    actor2, party2 = ACTORS[row.side_b]
    lat, lon = _moved(row.lat, row.lon, rng.uniform(0.1, 0.5), rng.uniform(0, 2 * math.pi))
    place = PLACE_WORDS.sub("", row.where) if row.where_prec <= 2 else (row.admin2 or row.admin1)
    note = (f"On {day.day} {day:%B %Y}, {actor1} {VERBS[kind]} {actor2} in {place}. "
            f"{row.best} fatalities.")  # fmt: skip
    week = row.date_prec > 1  # ACLED's time precision 2: the week around the date
    return LinkRecord(
        report_id=ACLED_IDS + row.id,
        start=_moment(day) - (3 * DAY if week else timedelta()),
        end=_moment(day) + (4 * DAY if week else DAY), time_precision="week" if week else "day",
        lat=lat, lon=lon, geo_precision=_geo_precision(row),
        admin1=row.admin1, admin2=row.admin2, event_type=kind[0], sub_event_type=kind[1],
        actor1_party_id=party1, actor2_party_id=party2, actor1=actor1, actor2=actor2,
        killed_best=row.best, text=note, source="ACLED", location=place,
    )  # fmt: skip


def _acled_kind(row: Row) -> tuple[str, str]:
    for kind, pattern in HEADLINE_KINDS:
        if pattern.search(row.headline):
            return kind
    return ATTACK if row.violence == 3 else CLASH


def _moved(lat: float, lon: float, km: float, bearing: float) -> tuple[float, float]:
    dlat = km * math.cos(bearing) / 111.2
    dlon = km * math.sin(bearing) / (111.2 * math.cos(math.radians(lat)))
    return lat + dlat, lon + dlon


@pytest.fixture(scope="module")
def rows() -> dict[int, Row]:
    return {row.id: row for row in read_rows()}


@pytest.fixture(scope="module")
def reports(rows: dict[int, Row]) -> tuple[list[LinkRecord], list[LinkRecord]]:
    rng = random.Random(2016)
    return [ucdp_report(r) for r in rows.values()], [acled_report(r, rng) for r in rows.values()]


def test_the_extract_holds_the_540_events_of_the_first_month(rows, reports):
    assert len(rows) == 540
    assert min(r.start for r in rows.values()) == date(2016, 2, 27)
    assert max(r.start for r in rows.values()) == date(2016, 3, 31)
    later_name = [r for r in rows.values() if "Jabhat Fateh al-Sham" in (r.side_a, r.side_b)]
    assert len(later_name) >= 10  # the later name of the Nusra Front is tested many times
    ucdp, acled = reports
    distance = [_km(u, a) for u, a in zip(ucdp, acled, strict=True)]
    assert min(distance) > 0.099 and max(distance) < 0.501


def _km(a: LinkRecord, b: LinkRecord) -> float:
    assert a.lat is not None and a.lon is not None and b.lat is not None and b.lon is not None
    p1, p2 = math.radians(a.lat), math.radians(b.lat)
    h = (
        math.sin((p2 - p1) / 2) ** 2
        + math.cos(p1) * math.cos(p2) * math.sin(math.radians(b.lon - a.lon) / 2) ** 2
    )
    return 2 * 6371 * math.asin(math.sqrt(h))


def _wrong(groups: list[list[int]], rows: dict[int, Row]) -> list[list[int]]:
    """Groups that are not one UCDP report with the ACLED copy of its row (or of a row that
    says the same in every field, which no linker could tell apart)."""
    wrong = []
    for group in groups:
        sources = Counter("ACLED" if i >= ACLED_IDS else "UCDP" for i in group)
        if sources != Counter({"UCDP": 1, "ACLED": 1}):
            wrong.append(group)
            continue
        ucdp, acled = sorted(group)
        if rows[ucdp].event != rows[acled - ACLED_IDS].event:
            wrong.append(group)
    return wrong


def test_each_real_event_is_one_incident_with_both_reports(rows, reports):
    ucdp, acled = reports
    groups = link([*ucdp, *acled]).groups()
    wrong = _wrong(groups, rows)
    assert wrong == [], f"{len(wrong)} of {len(groups)} incidents are wrong: {wrong[:10]}"
    assert len(groups) == 540


def test_acled_reports_linked_incrementally_join_their_ucdp_incidents(rows, reports):
    ucdp, acled = reports
    incidents = {report.report_id: report.report_id for report in ucdp}  # one each
    added = link_new(acled, ucdp, incidents)
    joined = dict(zip(added.assignments["report_id"].to_pylist(),
                      added.assignments["incident_id"].to_pylist(), strict=True))  # fmt: skip
    groups = [[incident, report] for report, incident in joined.items() if incident is not None]
    alone = [report for report, incident in joined.items() if incident is None]
    wrong = _wrong(groups, rows)
    assert alone == [] and wrong == [], f"{len(alone)} left alone, {len(wrong)} joined wrongly"
