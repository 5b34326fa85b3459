"""ACLED files (the Armed Conflict Location & Event Data export, as its data export tool writes
it: the 2019 columns and later ones; unknown columns are kept in the report's raw row).

One row is one event as ACLED codes it, its ``event_id_cnty`` the report's ``source_ref``;
``event_type`` and ``sub_event_type`` are ACLED's own taxonomy, which Truce uses. ``actor1`` is
the claimed perpetrator and ``actor2`` the target. ACLED counts ``fatalities`` without saying
whose: civilians when the event targets civilians, unknown otherwise. ``event_date`` may be
written 2016-02-27 or 27 February 2016.
"""

from __future__ import annotations

from datetime import date, timedelta

from truce.domain.events import VIOLENCE_AGAINST_CIVILIANS
from truce.domain.reports import (
    Channel,
    Figure,
    GeoPrecision,
    ReportDraft,
    TimePrecision,
    window_end,
)
from truce.importers.rows import Cells, Format, day_end, day_start

SOURCE = "ACLED"
COLUMNS = (
    "event_id_cnty", "event_date", "year", "time_precision", "disorder_type", "event_type",
    "sub_event_type", "actor1", "assoc_actor_1", "inter1", "actor2", "assoc_actor_2", "inter2",
    "interaction", "civilian_targeting", "iso", "region", "country", "admin1", "admin2",
    "admin3", "location", "latitude", "longitude", "geo_precision", "source", "source_scale",
    "notes", "fatalities", "tags", "timestamp",
)  # fmt: skip
REQUIRED = ("event_id_cnty", "event_date", "event_type", "sub_event_type", "actor1",
            "latitude", "longitude")  # fmt: skip

# geo_precision: 1 the town itself, 2 near it or part of a region, 3 a larger region (the
# coordinates of its capital).
GEO_PRECISION = {"1": GeoPrecision.EXACT, "2": GeoPrecision.NEAR, "3": GeoPrecision.PROVINCE}


def _geo_precision(cells: Cells) -> str | None:
    """ACLED's precision 3 is "a larger region": the province it names, or, when it names
    neither a province nor a place, the whole country (its point is then only a stand-in)."""
    precision = GEO_PRECISION.get(cells.text("geo_precision") or "")
    if precision == GeoPrecision.PROVINCE and not (cells.text("admin1") or cells.text("location")):
        return GeoPrecision.COUNTRY
    return precision


# time_precision: 1 the day, 2 a week or a few days around it, 3 the month.
TIME_PRECISION = {"1": TimePrecision.DAY, "2": TimePrecision.WEEK, "3": TimePrecision.MONTH}


def _window(day: date | None, precision: str) -> tuple[date | None, date | None]:
    if day is None or precision == TimePrecision.DAY:
        return day, day
    if precision == TimePrecision.WEEK:  # the days around the one coded
        return day - timedelta(days=3), day + timedelta(days=3)
    return day.replace(day=1), None  # the month the date falls in


def parse(cells: Cells) -> ReportDraft:
    """One ACLED row as a report."""
    ref = cells.required("event_id_cnty")
    precision = TIME_PRECISION.get(cells.text("time_precision") or "1", TimePrecision.DAY)
    first, last = _window(cells.day("event_date"), precision)
    start = day_start(first)
    end = day_end(last) if last else None
    if start is not None and end is None:
        end = window_end(start, precision)
    event_type = cells.required("event_type") or ""
    targeted = (cells.text("civilian_targeting") or "").casefold().startswith("civilian")
    category = "civilians" if targeted or event_type == VIOLENCE_AGAINST_CIVILIANS else "unknown"
    killed = cells.integer("fatalities")
    cells.required("actor1")
    return ReportDraft(
        channel=Channel.ACLED,
        source=SOURCE,
        reliability="B",
        source_ref=ref,
        event_type=event_type,
        sub_event_type=cells.required("sub_event_type") or "",
        occurred_start=start,
        occurred_end=end,
        time_precision=precision,
        lat=cells.number("latitude"),
        lon=cells.number("longitude"),
        location=cells.text("location"),
        geo_precision=_geo_precision(cells),
        country=cells.text("country"),
        admin1=cells.text("admin1"),
        admin2=cells.text("admin2"),
        actor1=cells.text("actor1"),
        actor2=cells.text("actor2"),
        casualties={("killed", category): Figure(best=killed)} if killed is not None else {},
        text=cells.text("notes") or "",
        lang="en",
    )


FORMAT = Format(
    kind="acled",
    channel=Channel.ACLED,
    source=SOURCE,
    reliability="B",
    required=REQUIRED,
    columns=COLUMNS,
    column_of={
        "source_ref": "event_id_cnty",
        "occurred_start": "event_date",
        "occurred_end": "event_date",
        "lat": "latitude",
        "lon": "longitude",
        "killed": "fatalities",
        "casualties": "fatalities",
        "text": "notes",
    },
    parse=parse,
)
