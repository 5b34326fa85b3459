"""Routes for counts (as each source counts them, and merged) and for exports of reports and
incidents (ACLED- and UCDP-shaped CSV, GeoJSON). Registered before the incident routes, so that
/incidents/counts is not read as an incident's id."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from fastapi import Depends, FastAPI, Query, Request
from fastapi.responses import Response, StreamingResponse
from pydantic import BaseModel, Field

from truce.api import views
from truce.api.charts import SVG, counts_svg
from truce.api.deps import MaybeActor, Reader
from truce.api.schemas import MAX_ID
from truce.domain.counts import CountBy, CountFilters, Counts
from truce.domain.incidents import IncidentFilters
from truce.services import common, counts, report_exports
from truce.services.exports import Download
from truce.store.reports import ReportFilters

Channel = Literal["api", "form", "csv", "acled", "ucdp", "hotline", "news"]


class CountRowOut(BaseModel):
    """One day and key."""

    day: date = Field(description="The day (UTC) the events happened on.")
    key: str | None = Field(
        description="The province (admin1), event type or party id; null: none given."
    )
    label: str | None = Field(description="The key in words (a party's name).")
    counts: dict[str, int] = Field(
        description="Reports per source, as each source counts them (sources with none left out)."
    )
    merged: int = Field(description="Incidents: the reports of every source merged.")


class CountTotalsOut(BaseModel):
    counts: dict[str, int] = Field(description="Reports per source over every row.")
    merged: int = Field(description="Incidents over every row (by party: once per party claimed).")


class CountsOut(BaseModel):
    """Daily counts per source side by side, and the merged view (docs/incidents.md)."""

    by: CountBy
    since: date | None
    until: date | None
    sources: list[str] = Field(description="Every source counted, by name.")
    rows: list[CountRowOut]
    totals: CountTotalsOut


def counts_out(found: Counts) -> CountsOut:
    totals, merged = found.totals()
    f = found.filters
    rows = [CountRowOut(day=r.day, key=r.key, label=r.label, counts=r.by_source, merged=r.merged)
            for r in found.rows]  # fmt: skip
    return CountsOut(by=f.by, since=f.since, until=f.until, sources=list(found.sources),
                     rows=rows, totals=CountTotalsOut(counts=totals, merged=merged))  # fmt: skip


def count_filters(
    by: Annotated[
        CountBy,
        Query(description="What each row counts by, besides the day: province, type or party."),
    ] = CountBy.PROVINCE,
    since: Annotated[date | None, Query(description="The first day (UTC), e.g. 2016-02-27.")] = (
        None
    ),
    until: Annotated[date | None, Query(description="The last day (UTC), included.")] = None,
    admin1: Annotated[str | None, Query(max_length=200, description="A province.")] = None,
    event_type: Annotated[
        str | None, Query(max_length=60, description="An ACLED event type, or Ceasefire.")
    ] = None,
    party_id: Annotated[
        int | None,
        Query(ge=1, le=MAX_ID, description="The party a source attributes it to (claimed)."),
    ] = None,
    source: Annotated[str | None, Query(max_length=300, description="One source only.")] = None,
) -> CountFilters:
    """The counts' filters, read from the query (shared by the page and the chart)."""
    return CountFilters(by=by, since=since, until=until, admin1=admin1, event_type=event_type,
                        party_id=party_id, source=source)  # fmt: skip


CountQuery = Annotated[CountFilters, Depends(count_filters)]


def _download(found: Download) -> StreamingResponse:
    return views.download(found)


def _moment(value: datetime | None, name: str) -> datetime | None:
    return common.utc(value, name) if value is not None else None


Responses = dict[int | str, dict[str, Any]]


def _file(media_type: str, kind: str, description: str) -> Responses:
    return {200: {"content": {media_type: {"schema": {"type": kind}}}, "description": description}}


SVG_RESPONSE = _file(SVG, "string", "The chart, as SVG.")
CSV_RESPONSE = _file("text/csv", "string", "The file, streamed.")
GEOJSON_RESPONSE = _file("application/geo+json", "object", "A FeatureCollection, streamed.")


def install(api: FastAPI) -> None:
    """Register the routes on the API application (before the incident routes)."""
    _count_routes(api)
    _export_routes(api)


def _count_routes(api: FastAPI) -> None:
    @api.get("/incidents/counts", tags=["incidents"], response_model=CountsOut)
    def incident_counts(uow: Reader, actor: MaybeActor, query: CountQuery) -> CountsOut:
        """Daily counts by province, event type or claimed party: each source's reports side
        by side (the "two ledgers" of 2016), and the incidents they were merged into."""
        return counts_out(counts.count_incidents(query, uow, actor=actor))

    @api.get("/incidents/counts.svg", tags=["incidents"], response_class=Response,
             responses=SVG_RESPONSE)  # fmt: skip
    def incident_counts_chart(uow: Reader, actor: MaybeActor, query: CountQuery) -> Response:
        """The counts as a chart (SVG, drawn on the server): each source's reports a day and
        the incidents a day, under the same filters as /incidents/counts."""
        found = counts.count_incidents(query, uow, actor=actor)
        return Response(counts_svg(found), media_type=SVG)


def _export_routes(api: FastAPI) -> None:
    def report_filters(
        channel: Channel | None,
        source: str | None,
        since: datetime | None,
        until: datetime | None,
        party_id: int | None,
    ) -> ReportFilters:
        return ReportFilters(channel=channel, source=source, since=_moment(since, "since"),
                             until=_moment(until, "until"), party_id=party_id)  # fmt: skip

    for shape in ("acled", "ucdp"):
        _csv_route(api, shape, report_filters)

    @api.get("/exports/reports.geojson", tags=["exports"], response_class=Response,
             responses=GEOJSON_RESPONSE)  # fmt: skip
    def export_reports_geojson(
        request: Request,
        actor: MaybeActor,
        channel: Channel | None = None,
        source: Annotated[str | None, Query(max_length=300)] = None,
        since: Annotated[datetime | None, Query(description="Occurred at or after.")] = None,
        until: Annotated[datetime | None, Query(description="Occurred before.")] = None,
        party_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    ) -> StreamingResponse:
        """Every report the filters keep, as GeoJSON points (no reporter)."""
        filters = report_filters(channel, source, since, until, party_id)
        truce = request.app.state.truce
        return _download(report_exports.reports_geojson(
            lambda: truce.uow(write=False), filters, actor=actor))  # fmt: skip

    @api.get("/exports/incidents.geojson", tags=["exports"], response_class=Response,
             responses=GEOJSON_RESPONSE)  # fmt: skip
    def export_incidents_geojson(
        request: Request,
        actor: MaybeActor,
        since: Annotated[datetime | None, Query(description="Ends at or after.")] = None,
        until: Annotated[datetime | None, Query(description="Starts before.")] = None,
        party_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
        event_type: Annotated[str | None, Query(max_length=60)] = None,
        source: Annotated[str | None, Query(max_length=300)] = None,
    ) -> StreamingResponse:
        """Every live incident the filters keep, as GeoJSON points with its sources, claimed
        perpetrators, casualty range, verdict and outcome."""
        filters = IncidentFilters(since=_moment(since, "since"), until=_moment(until, "until"),
                                  party_id=party_id, event_type=event_type,
                                  source=source)  # fmt: skip
        truce = request.app.state.truce
        return _download(report_exports.incidents_geojson(
            lambda: truce.uow(write=False), filters, actor=actor))  # fmt: skip


def _csv_route(api: FastAPI, shape: str, report_filters: object) -> None:
    label = {"acled": "ACLED", "ucdp": "UCDP GED"}[shape]

    def export_csv(
        request: Request,
        actor: MaybeActor,
        channel: Channel | None = None,
        source: Annotated[str | None, Query(max_length=300)] = None,
        since: Annotated[datetime | None, Query(description="Occurred at or after.")] = None,
        until: Annotated[datetime | None, Query(description="Occurred before.")] = None,
        party_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    ) -> StreamingResponse:
        filters = report_filters(channel, source, since, until, party_id)  # type: ignore[operator]
        truce = request.app.state.truce
        return _download(report_exports.reports_csv(
            shape, lambda: truce.uow(write=False), filters, actor=actor))  # type: ignore[arg-type]  # fmt: skip

    export_csv.__doc__ = (
        f"Every report the filters keep as a {label}-shaped CSV file, one row each, which "
        f"`truce import {shape}` reads back adding nothing: a {label} report keeps its own id, "
        "any other carries `truce:` and its content digest (docs/incidents.md, Exports)."
    )
    export_csv.__name__ = f"export_{shape}_csv"
    api.get(f"/exports/{shape}.csv", tags=["exports"], response_class=Response,
            responses=CSV_RESPONSE)(export_csv)  # fmt: skip
