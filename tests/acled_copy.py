"""An ACLED-format file of the real UCDP events (tests/data): the same 540 events as ACLED would
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
from pathlib import Path

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
from truce.importers import acled

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


def write_acled_copy(path: Path, *, bad_rows: list[dict[str, str]] = ()) -> list[Row]:  # type: ignore[assignment]
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
