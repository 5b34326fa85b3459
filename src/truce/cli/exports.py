"""`truce export acled|ucdp|geojson FILE`: reports as ACLED- or UCDP-shaped CSV, and incidents
(or reports) as GeoJSON. The CSV files import again with `truce import acled|ucdp`, adding
nothing (docs/incidents.md, "Exports")."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import partial
from pathlib import Path
from typing import Annotated, Literal

import typer

from truce.cli.base import console, friendly, opened
from truce.domain.incidents import IncidentFilters
from truce.services import report_exports
from truce.services.exports import Download
from truce.store.reports import ReportFilters

app = typer.Typer(help="Reports and incidents out: ACLED, UCDP GED and GeoJSON files.")

File = Annotated[Path, typer.Argument(help="The file to write (replaced if it exists).",
                                      dir_okay=False, writable=True)]  # fmt: skip
Since = Annotated[str | None, typer.Option(help="The first day, e.g. 2016-02-27 (UTC).")]
Until = Annotated[str | None, typer.Option(help="The last day, included (UTC).")]
Source = Annotated[str | None, typer.Option(help="Only this source's reports (e.g. ACLED).")]
Party = Annotated[int | None, typer.Option("--party-id", min=1, help="A party a source names.")]
Db = Annotated[
    str | None,
    typer.Option("--db", envvar="TRUCE_DATABASE_URL", show_envvar=True,
                 help="Database URL or SQLite file path. Default: var/truce.db."),
]  # fmt: skip


def _day(value: str | None, name: str, *, end: bool = False) -> datetime | None:
    if value is None:
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError as exc:
        raise typer.BadParameter(
            f"{value!r} is no day such as 2016-02-27", param_hint=name
        ) from exc
    return datetime.combine(day + timedelta(days=1) if end else day, time(), UTC)


def _write(found: Download, file: Path) -> int:
    size = 0
    with file.open("wb") as out:
        for chunk in found.chunks:
            out.write(chunk)
            size += len(chunk)
    return size


def _csv(shape: Literal["acled", "ucdp"]) -> None:
    def command(file: File, since: Since = None, until: Until = None, source: Source = None,
                party_id: Party = None, db: Db = None) -> None:  # fmt: skip
        start, end = _day(since, "--since"), _day(until, "--until", end=True)
        filters = ReportFilters(source=source, since=start, until=end, party_id=party_id)
        with opened(db) as truce:
            found = report_exports.reports_csv(
                shape, partial(truce.uow, write=False), filters, actor=None
            )
            size = _write(found, file)
        console.print(f"Wrote {file} ({size:,} bytes).")

    label = {"acled": "ACLED", "ucdp": "UCDP GED"}[shape]
    command.__doc__ = (
        f"Reports as a {label}-shaped CSV file, one row each; `truce import {shape}` reads it "
        "back adding nothing."
    )
    app.command(shape)(friendly(command))


_csv("acled")
_csv("ucdp")


@app.command("geojson")
@friendly
def geojson(
    file: File,
    of: Annotated[
        str, typer.Option(help="incidents (the merged view) or reports (every account).")
    ] = "incidents",
    since: Since = None,
    until: Until = None,
    source: Source = None,
    party_id: Party = None,
    db: Db = None,
) -> None:
    """Incidents (or reports) as GeoJSON points, for a map."""
    if of not in ("incidents", "reports"):
        raise typer.BadParameter("incidents or reports", param_hint="--of")
    start, end = _day(since, "--since"), _day(until, "--until", end=True)
    with opened(db) as truce:
        read = partial(truce.uow, write=False)
        if of == "reports":
            filters = ReportFilters(source=source, since=start, until=end, party_id=party_id)
            found = report_exports.reports_geojson(read, filters, actor=None)
        else:
            chosen = IncidentFilters(since=start, until=end, source=source, party_id=party_id)
            found = report_exports.incidents_geojson(read, chosen, actor=None)
        size = _write(found, file)
    console.print(f"Wrote {file} ({size:,} bytes).")
