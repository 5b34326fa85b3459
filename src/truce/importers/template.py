"""Truce's own CSV template for reports (``truce import reports FILE``): one column per field of
the report record, described in docs/incidents.md ("Importing reports"). Only ``source``,
``occurred_start``, ``event_type``, ``sub_event_type`` and a place (``lat`` and ``lon``, a
``location`` or an ``admin1``) are required.

A casualty cell is one number (the best figure), ``low-high``, or ``low-best-high``:
``3``, ``2-5``, ``2-3-5``. ``attachments`` lists SHA-256 digests of attachments already
uploaded, separated by spaces. ``python -m truce.importers.template`` prints the example file
that ``data/reports-template.csv`` holds and the API serves at /api/v1/reports/template.
"""

from __future__ import annotations

import csv
import io
import re
import sys

from truce.domain.i18n import N_
from truce.domain.reports import CATEGORIES, MEASURES, TOTAL, Channel, Figure, ReportDraft
from truce.importers.rows import Cells, Format

CASUALTY_COLUMNS = tuple(f"{m}_{c}" for m in MEASURES for c in (*CATEGORIES, TOTAL))
COLUMNS = (
    "source", "reliability", "source_ref", "reporter", "hide_reporter", "received_at",
    "occurred_start", "occurred_end", "time_precision", "lat", "lon", "location",
    "geo_precision", "country", "admin1", "admin2", "event_type", "sub_event_type",
    "weapon_class", "actor1", "actor1_party_id", "actor2", "actor2_party_id",
    *CASUALTY_COLUMNS, "text", "lang", "attachments", "amends_id",
)  # fmt: skip
REQUIRED = ("source", "occurred_start", "event_type", "sub_event_type")
_FIGURE = re.compile(r"^\s*(\d+)\s*(?:-\s*(\d+)\s*)?(?:-\s*(\d+)\s*)?$")

EXAMPLES = (
    {
        "source": "Example: a local council", "reliability": "C", "source_ref": "council-0042",
        "reporter": "a resident of the town", "hide_reporter": "yes",
        "occurred_start": "2016-02-27T14:30:00+02:00", "time_precision": "day",
        "lat": "35.3743", "lon": "36.6033", "location": "Kafr Zita", "geo_precision": "exact",
        "event_type": "Ceasefire", "sub_event_type": "impact or airburst explosion",
        "weapon_class": "mortar", "actor1": "Government of Syria", "actor2": "Civilians",
        "killed_civilians": "1", "injured_civilians": "2-4",
        "text": "Two mortar rounds hit the market in the afternoon.", "lang": "en",
    },
    {
        "source": "Example: a relief agency", "reliability": "B",
        "source_ref": "convoy-2016-03-02",
        "occurred_start": "2016-03-02", "time_precision": "day", "location": "Darayya",
        "admin1": "Rif Dimashq", "event_type": "Ceasefire",
        "sub_event_type": "humanitarian access denied",
        "text": "The convoy was turned back at the checkpoint.", "lang": "en",
    },
    {
        "source": "Example: a monitor's weekly note", "reliability": "F",
        "occurred_start": "2016-03-07", "time_precision": "week", "admin1": "Idlib",
        "admin2": "Ariha", "geo_precision": "district", "event_type": "Battles",
        "sub_event_type": "Armed clash", "actor1": "Jabhat al-Nusra", "actor2": "Syrian Arab Army",
        "killed_side_a": "3-5-8", "killed_side_b": "2",
        "text": "اشتباكات متقطعة خلال الأسبوع", "lang": "ar",
    },
)  # fmt: skip


def _figure(cells: Cells, column: str) -> Figure | None:
    value = cells.text(column)
    if value is None:
        return None
    found = _FIGURE.match(value)
    if found is None:
        cells.bad(column, value, N_("{column} must be a count (3), a range (2-5) or low-best-high "
                  "(2-3-5), not {value!r}."))  # fmt: skip
        return None
    numbers = [int(n) for n in found.groups() if n is not None]
    if len(numbers) == 1:
        return Figure(best=numbers[0])
    if len(numbers) == 2:
        return Figure(low=numbers[0], high=numbers[1])
    return Figure(*numbers)


def parse(cells: Cells) -> ReportDraft:
    """One row of the template as a report."""
    casualties = {}
    for measure in MEASURES:
        for category in (*CATEGORIES, TOTAL):
            figure = _figure(cells, f"{measure}_{category}")
            if figure is not None:
                casualties[(measure, category)] = figure
    cells.required("source")
    return ReportDraft(
        channel=Channel.CSV,
        source=cells.text("source") or "",
        reliability=(cells.text("reliability") or "F").upper(),
        source_ref=cells.text("source_ref"),
        reporter=cells.text("reporter"),
        hide_reporter=cells.flag("hide_reporter"),
        received_at=cells.moment("received_at"),
        event_type=cells.required("event_type") or "",
        sub_event_type=cells.required("sub_event_type") or "",
        occurred_start=cells.moment("occurred_start"),
        occurred_end=cells.moment("occurred_end"),
        time_precision=cells.text("time_precision") or "day",
        lat=cells.number("lat"),
        lon=cells.number("lon"),
        location=cells.text("location"),
        geo_precision=cells.text("geo_precision"),
        country=cells.text("country"),
        admin1=cells.text("admin1"),
        admin2=cells.text("admin2"),
        weapon_class=cells.text("weapon_class"),
        actor1=cells.text("actor1"),
        actor1_party_id=cells.integer("actor1_party_id"),
        actor2=cells.text("actor2"),
        actor2_party_id=cells.integer("actor2_party_id"),
        casualties=casualties,
        text=cells.text("text") or "",
        lang=cells.text("lang"),
        attachments=tuple((cells.text("attachments") or "").lower().split()),
        amends_id=cells.integer("amends_id"),
    )


FORMAT = Format(
    kind="reports",
    channel=Channel.CSV,
    source="",
    reliability="F",
    required=REQUIRED,
    columns=COLUMNS,
    column_of={f"{m}.{c}": f"{m}_{c}" for m in MEASURES for c in (*CATEGORIES, TOTAL)},
    parse=parse,
)


def example_csv() -> str:
    """The example file: the template's header and a few rows, each a different case."""
    out = io.StringIO()
    writer = csv.DictWriter(out, COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(EXAMPLES)
    return out.getvalue()


if __name__ == "__main__":
    sys.stdout.write(example_csv())
