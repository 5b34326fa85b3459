"""What the linker reads: one row per report, as a frozen dataclass or as a columnar table.

Services hand over a few hundred reports as :class:`LinkRecord`; a bulk run (an import of a
whole ACLED file, the benchmark) hands over a ``pyarrow.Table`` with the columns of
:data:`SCHEMA`, which skips building a Python object per report. Both go through
:func:`as_table`, which checks every row and names the report, the field and the fix when one is
wrong.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from typing import Literal, NoReturn

import pyarrow as pa
import pyarrow.compute as pc

from truce.domain.errors import Invalid
from truce.domain.events import event_kind
from truce.domain.i18n import N_

TimePrecision = Literal["day", "week", "month"]
GeoPrecision = Literal["exact", "near", "district", "province", "country"]
TIME_PRECISIONS: tuple[str, ...] = ("day", "week", "month")
GEO_PRECISIONS: tuple[str, ...] = ("exact", "near", "district", "province", "country")


@dataclass(frozen=True)
class LinkRecord:
    """One report, reduced to what linking compares.

    ``location`` is the name of the place as the source gave it; names are compared fuzzily,
    in any transliteration. ``start``/``end`` are the observed window (timezone-aware; ``end``
    after ``start``: a day report spans its whole day unless the source gave hours).
    ``admin1``/``admin2`` are compared exactly, so give them as the geocoder spells them (codes
    or gazetteer names). ``geo_precision`` ``country`` is a report that places the event only
    in the country (UCDP's where_prec 6): its point, if any, says nothing. Actors are the
    *claimed* perpetrator (``actor1``) and target (``actor2``): a registry party id where the
    name was matched, and the name as given.
    """

    report_id: int
    start: datetime
    end: datetime
    time_precision: TimePrecision
    lat: float | None
    lon: float | None
    geo_precision: GeoPrecision | None
    admin1: str | None
    admin2: str | None
    event_type: str
    sub_event_type: str
    actor1_party_id: int | None
    actor2_party_id: int | None
    actor1: str | None
    actor2: str | None
    killed_best: int | None
    text: str
    source: str
    location: str | None = None  # the place name the source gave ("Kafr Zita"), if any


SCHEMA = pa.schema(
    [
        pa.field("report_id", pa.int64(), nullable=False),
        pa.field("start", pa.timestamp("us", tz="UTC"), nullable=False),
        pa.field("end", pa.timestamp("us", tz="UTC"), nullable=False),
        pa.field("time_precision", pa.string(), nullable=False),
        pa.field("lat", pa.float64()),
        pa.field("lon", pa.float64()),
        pa.field("geo_precision", pa.string()),
        pa.field("admin1", pa.string()),
        pa.field("admin2", pa.string()),
        pa.field("event_type", pa.string(), nullable=False),
        pa.field("sub_event_type", pa.string(), nullable=False),
        pa.field("actor1_party_id", pa.int64()),
        pa.field("actor2_party_id", pa.int64()),
        pa.field("actor1", pa.string()),
        pa.field("actor2", pa.string()),
        pa.field("killed_best", pa.int64()),
        pa.field("text", pa.string(), nullable=False),
        pa.field("source", pa.string(), nullable=False),
        pa.field("location", pa.string()),
    ]
)
FIELDS = tuple(field.name for field in fields(LinkRecord))


def as_table(records: Sequence[LinkRecord] | pa.Table) -> pa.Table:
    """The reports as a table of :data:`SCHEMA`, checked; Invalid names the first bad row."""
    if isinstance(records, pa.Table):
        table = _conform(records)
    else:
        table = pa.Table.from_pylist([_row(record) for record in records], schema=SCHEMA)
    _check(table)
    return table


def _row(record: LinkRecord) -> dict[str, object]:
    row = {name: getattr(record, name) for name in FIELDS}
    for name in ("start", "end"):
        moment = row[name]
        if not isinstance(moment, datetime) or moment.tzinfo is None:
            _refuse(record.report_id, name, N_("give a timezone-aware datetime"))
        row[name] = moment.astimezone(UTC)
    return row


def _conform(table: pa.Table) -> pa.Table:
    if "location" not in table.column_names:  # optional: most bulk sources give none
        table = table.append_column("location", pa.nulls(len(table), pa.string()))
    missing = [name for name in FIELDS if name not in table.column_names]
    if missing:
        raise Invalid(
            N_("The report table lacks the columns {missing}: add them (see linkage.SCHEMA)."),
            field=missing[0],
            missing=", ".join(missing),
        )
    try:
        return table.select(list(FIELDS)).cast(SCHEMA)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
        raise Invalid(
            N_("The report table does not fit linkage.SCHEMA: {reason}"), reason=str(exc)
        ) from exc


def _check(table: pa.Table) -> None:
    ids = table["report_id"]
    if pc.count_distinct(ids).as_py() != len(ids):
        counts = pc.value_counts(ids)
        twice = counts.filter(pc.greater(counts.field("counts"), 1))[0]["values"].as_py()
        _refuse(twice, "report_id", N_("each report appears once in a batch"))
    _check_required(table)
    _check_values(table, "time_precision", TIME_PRECISIONS, allow_null=False)
    _check_values(table, "geo_precision", GEO_PRECISIONS, allow_null=True)
    _check_window(table)
    _check_place(table)
    _check_kinds(table)


def _check_required(table: pa.Table) -> None:
    for field in SCHEMA:
        if not field.nullable and table[field.name].null_count:
            row = pc.index(pc.is_null(table[field.name]), True).as_py()
            _refuse(table["report_id"][row].as_py(), field.name, N_("this field is required"))


def _check_values(table: pa.Table, name: str, allowed: tuple[str, ...], allow_null: bool) -> None:
    column = table[name]
    bad = pc.invert(pc.is_in(column, value_set=pa.array(allowed)))
    if allow_null:
        bad = pc.and_(bad, pc.is_valid(column))
    _refuse_first(table, bad, name, N_("use one of: ") + ", ".join(allowed))


def _check_window(table: pa.Table) -> None:
    bad = pc.greater(table["start"], table["end"])
    _refuse_first(table, bad, "end", N_("the window must not end before it starts"))


def _check_place(table: pa.Table) -> None:
    lat, lon = table["lat"], table["lon"]
    half = pc.xor(pc.is_null(lat), pc.is_null(lon))
    _refuse_first(table, half, "lon", N_("give both lat and lon, or neither"))
    out = pc.or_(pc.greater(pc.abs(lat), 90.0), pc.greater(pc.abs(lon), 180.0))
    _refuse_first(table, pc.fill_null(out, False), "lat", N_("lat must be in ±90, lon in ±180"))
    nowhere = pc.and_(pc.is_null(lat), pc.is_null(table["admin1"]))
    _refuse_first(table, nowhere, "admin1", N_("give a point or at least admin1"))


def _check_kinds(table: pa.Table) -> None:
    kinds = (
        table.select(["event_type", "sub_event_type"])
        .group_by(["event_type", "sub_event_type"])
        .aggregate([])
        .to_pylist()
    )
    for kind in kinds:
        event_kind(kind["event_type"], kind["sub_event_type"])  # raises Invalid, naming it


def _refuse_first(table: pa.Table, bad: pa.ChunkedArray, name: str, fix: str) -> None:
    if pc.any(pc.fill_null(bad, False)).as_py():
        row = pc.index(pc.fill_null(bad, False), True).as_py()
        _refuse(table["report_id"][row].as_py(), name, fix)


def _refuse(report_id: object, name: str, fix: str) -> NoReturn:
    raise Invalid(
        N_("Report {report_id}: {name} is not valid: {fix}."),
        field=name,
        report_id=report_id,
        name=name,
        fix=fix,
    )
