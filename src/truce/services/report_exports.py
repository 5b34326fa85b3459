"""Reports and incidents out, in the shapes other tools read: an ACLED-shaped CSV and a
UCDP-GED-shaped CSV of reports (one row per report, importable again by ``truce import acled``
and ``truce import ucdp``: importing them adds nothing, see :mod:`truce.importers.exports`), and
GeoJSON of incidents or of reports.

The files are streamed: reports are read page after page, each page in its own short read
(services/exports.every). They hold what the public may read: no reporter, whoever asks.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any, Literal

from truce.domain.incidents import IncidentFilters
from truce.domain.paging import MAX_LIMIT, Page
from truce.domain.permissions import Actor
from truce.domain.reports import Report
from truce.importers import acled, ucdp
from truce.importers.exports import acled_row, incident_feature, report_feature, ucdp_row
from truce.services import incidents, reports
from truce.services.exports import CSV, GEOJSON, Download, OpenUow, every
from truce.store.reports import ReportFilters
from truce.store.uow import UnitOfWork

Shape = Literal["acled", "ucdp"]
COLUMNS: dict[str, tuple[str, ...]] = {"acled": acled.COLUMNS, "ucdp": ucdp.COLUMNS}
_ROWS = {"acled": acled_row, "ucdp": ucdp_row}
ROWS_PER_CHUNK = 500


def every_report(
    open_uow: OpenUow, filters: ReportFilters, *, actor: Actor | None
) -> Iterator[Report]:
    """Every report the filters keep, as ``actor`` may read them, the latest events first.
    The filters are checked now, before any byte of a download is sent."""
    reports.check_filters(filters)

    def read(uow: UnitOfWork, cursor: str | None) -> Page[Report]:
        return reports.list_reports(uow, filters, actor=actor, cursor=cursor, limit=MAX_LIMIT)

    return every(open_uow, read)


def plain_csv(header: Iterable[str], rows: Iterable[dict[str, str]]) -> Iterator[bytes]:
    """A CSV file as the formats' own exports write them: UTF-8 without a byte-order mark,
    values as they are (no spreadsheet quoting, so that the file reads back the same)."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, list(header), extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for number, row in enumerate(rows, start=1):
        writer.writerow(row)
        if number % ROWS_PER_CHUNK == 0:
            yield _drain(buffer)
    yield _drain(buffer)


def _drain(buffer: io.StringIO) -> bytes:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text.encode("utf-8")


def reports_csv(
    shape: Shape, open_uow: OpenUow, filters: ReportFilters, *, actor: Actor | None
) -> Download:
    """Reports as an ACLED or UCDP GED file (``shape``), one row each."""
    found = every_report(open_uow, filters, actor=actor)
    write = _ROWS[shape]
    rows = (write(report) for report in found if report.draft.occurred_start is not None)
    name = f"truce-reports-{shape}-{_today(open_uow)}.csv"
    return Download(name, CSV, plain_csv(COLUMNS[shape], rows))


def _today(open_uow: OpenUow) -> str:
    with open_uow() as uow:
        now: datetime = uow.now()
        return now.date().isoformat()


def _collection(features: Iterable[dict[str, Any]]) -> Iterator[bytes]:
    yield b'{"type":"FeatureCollection","features":['
    for number, feature in enumerate(features):
        text = json.dumps(feature, ensure_ascii=False, default=str, separators=(",", ":"))
        yield (("," if number else "") + text).encode("utf-8")
    yield b"]}\n"


def reports_geojson(open_uow: OpenUow, filters: ReportFilters, *, actor: Actor | None) -> Download:
    """Reports as GeoJSON points (a report placed by name only has no geometry)."""
    found = every_report(open_uow, filters, actor=actor)
    name = f"truce-reports-{_today(open_uow)}.geojson"
    return Download(name, GEOJSON, _collection(report_feature(r) for r in found))


def incidents_geojson(
    open_uow: OpenUow, filters: IncidentFilters, *, actor: Actor | None
) -> Download:
    """Live incidents as GeoJSON points, with their sources, claimed perpetrators, casualty
    range, verdict and outcome (the properties of the incidents list)."""
    del actor  # the incidents list is public

    def read(uow: UnitOfWork, cursor: str | None) -> Page[dict[str, Any]]:
        return incidents.incidents_page(uow, filters, cursor=cursor, limit=MAX_LIMIT)

    found = every(open_uow, read)
    name = f"truce-incidents-{_today(open_uow)}.geojson"
    return Download(name, GEOJSON, _collection(incident_feature(i) for i in found))
