"""The "two ledgers" of the tests: the real UCDP events (tests/data) and an ACLED-format file of
the same events, imported into one installation. The ACLED file: the same 540 events as ACLED would
code them, written as ACLED's export writes its rows, for the importers.

The approach of tests/unit/test_linkage_real.py, as a file: ACLED's names for the actors, the
Nusra Front under its name of the day where UCDP gives the name it took in July 2016 (Jabhat
Fateh al-Sham; the scenario's alias carries its validity dates), points 100-500 m away, the day
moved by one where UCDP's date precision says it is uncertain, ACLED's event types (the weapon
from the headline), its place names and its notes.
"""

from __future__ import annotations

import csv
import math
import random
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select

from tests.unit.test_linkage_real import (
    ACTORS,
    DAY,
    PLACE_WORDS,
    ROWS,
    VERBS,
    Row,
    _acled_kind,
    _moved,
    read_rows,
)
from truce.bootstrap import Truce
from truce.domain.permissions import SYSTEM
from truce.importers import acled
from truce.services import imports, scenario
from truce.store.tables import IncidentReportRow, IncidentRow, ReportRow

UCDP_FILE = ROWS  # tests/data/ucdp-ged-syria-2016-02-27-to-03-31.csv
ACLED_IDS = 10_000_000


def acled_row(row: Row, rng: random.Random) -> dict[str, str]:
    """One UCDP row as ACLED would code it."""
    day = row.start
    if row.date_prec > 1:  # UCDP is unsure of the day: ACLED may have another one
        day += rng.choice((-1, 0, 1)) * DAY
    kind = _acled_kind(row)
    actor1 = ACTORS[row.side_a][0]
    actor2 = ACTORS[row.side_b][0]
    lat, lon = _moved(row.lat, row.lon, rng.uniform(0.1, 0.5), rng.uniform(0, 2 * math.pi))
    place = PLACE_WORDS.sub("", row.where) if row.where_prec <= 2 else (row.admin2 or row.admin1)
    note = (f"On {day.day} {day:%B %Y}, {actor1} {VERBS[kind]} {actor2} in {place or 'Syria'}. "
            f"{row.best} fatalities.")  # fmt: skip
    precision = {1: "1", 2: "2"}.get(row.where_prec, "3" if row.where_prec >= 4 else "2")
    return {
        "event_id_cnty": f"SYR{ACLED_IDS + row.id}",
        "event_date": f"{day.day} {day:%B %Y}",
        "year": str(day.year),
        "time_precision": "2" if row.date_prec > 1 else "1",
        "disorder_type": "Political violence",
        "event_type": kind[0],
        "sub_event_type": kind[1],
        "actor1": actor1,
        "actor2": actor2,
        "civilian_targeting": "Civilian targeting" if row.violence == 3 else "",
        "iso": "760",
        "region": "Middle East",
        "country": "Syria",
        "admin1": row.admin1 or "",
        "admin2": row.admin2 or "",
        "location": place or "",
        "latitude": f"{lat:.4f}",
        "longitude": f"{lon:.4f}",
        "geo_precision": precision,
        "source": "SOHR",
        "source_scale": "National",
        "notes": note,
        "fatalities": str(row.best),
    }


def write_acled_copy(path: Path, *, bad_rows: Sequence[dict[str, str]] = ()) -> list[Row]:
    """Write the ACLED copy of the 540 events (then ``bad_rows``) to ``path``; the UCDP rows."""
    rows = read_rows()
    rng = random.Random(2016)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, acled.COLUMNS, extrasaction="ignore")
        writer.writeheader()
        for row in rows:
            writer.writerow(acled_row(row, rng))
        for bad in bad_rows:
            writer.writerow(bad)
    return rows


BAD_ROWS = [  # (the row's changes to a good one, the column a reject must name)
    ({"event_date": "31 February 2016"}, "event_date"),
    ({"latitude": "north of Aleppo"}, "latitude"),
    ({"event_type": "Riot"}, "event_type"),
    ({"fatalities": "many"}, "fatalities"),
]
GOOD = {
    "event_date": "2016-03-01", "time_precision": "1", "event_type": "Battles",
    "sub_event_type": "Armed clash", "actor1": "Military Forces of Syria (2000-2024)",
    "actor2": "Opposition Rebels (Syria)", "country": "Syria", "admin1": "Aleppo",
    "location": "Aleppo", "latitude": "36.2", "longitude": "37.15", "geo_precision": "1",
    "source": "SOHR", "notes": "A bad row.", "fatalities": "1",
}  # fmt: skip
NUSRA = "Jabhat Fateh al-Sham"  # UCDP's name for the Nusra Front, taken in July 2016


@dataclass
class Ledgers:
    truce: Truce
    rows: dict[int, Row]  # UCDP id -> the real row
    acled_file: Path
    rejects: Path
    summaries: list[imports.ImportSummary]
    parties: dict[str, int]  # slug -> id


def store_counts(truce: Truce) -> tuple[int, int, int]:
    """(reports, live incidents, report-incident links)."""
    with truce.uow(write=False) as uow:
        s = uow.session
        live = select(func.count()).where(IncidentRow.merged_into_id.is_(None))
        return (
            s.scalar(select(func.count()).select_from(ReportRow)) or 0,
            s.scalar(live.select_from(IncidentRow)) or 0,
            s.scalar(select(func.count()).select_from(IncidentReportRow)) or 0,
        )


def incident_groups(truce: Truce) -> dict[int, list[tuple[str, str]]]:
    """Each live incident's reports as (source, source_ref)."""
    with truce.uow(write=False) as uow:
        found = uow.session.execute(
            select(IncidentReportRow.incident_id, ReportRow.source, ReportRow.source_ref)
            .join(ReportRow, ReportRow.id == IncidentReportRow.report_id)
            .join(IncidentRow, IncidentRow.id == IncidentReportRow.incident_id)
            .where(IncidentRow.merged_into_id.is_(None))
        )
        groups: dict[int, list[tuple[str, str]]] = defaultdict(list)
        for incident, source, ref in found:
            groups[incident].append((source, ref))
        return groups


def import_as(truce: Truce, path: Path, kind: str, rejects: Path | None = None):
    cmd = imports.ImportFile(path, kind, rejects=rejects)
    return imports.import_file(cmd, truce.uow, actor=SYSTEM)


def build_ledgers(truce: Truce, tmp_path: Path) -> Ledgers:
    """The 2016 scenario, the UCDP month imported, then its ACLED copy with the bad rows."""
    with truce.uow() as uow:
        scenario.load_scenario(scenario.read_scenario("syria-2016"), uow, actor=SYSTEM)
    with truce.uow(write=False) as uow:
        slugs = {row.slug: row.id for row in uow.parties.all_rows()}
    acled_file = tmp_path / "acled-syria-2016-03.csv"
    bad = [{**GOOD, **change, "event_id_cnty": f"SYRBAD{n}"} for n, (change, _) in
           enumerate(BAD_ROWS, start=1)]  # fmt: skip
    rows = write_acled_copy(acled_file, bad_rows=bad)
    rejects = tmp_path / "acled.rejects.csv"
    first = import_as(truce, UCDP_FILE, "ucdp")
    second = import_as(truce, acled_file, "acled", rejects)
    return Ledgers(truce, {r.id: r for r in rows}, acled_file, rejects, [first, second], slugs)
