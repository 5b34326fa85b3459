"""Routes for reports: filing one, reading them, their attachments, the CSV template.

Who gave a report (``reporter``) and who filed it (``recorded_by``) are absent from the
answers of the public, and, when the reporter is hidden, of every role but admin.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import FastAPI, File, Path, Query, Request, Response, UploadFile
from fastapi.encoders import jsonable_encoder
from pydantic import BaseModel, Field, StringConstraints

from truce.api import schemas, views
from truce.api.deps import CurrentActor, MaybeActor, Reader, Writer
from truce.api.schemas import MAX_ID, Id, Lang, LongText, Moment, ShortText, Strict
from truce.domain.paging import DEFAULT_LIMIT
from truce.domain.permissions import Actor
from truce.domain.reports import (
    CATEGORIES,
    MEASURES,
    TOTAL,
    Figure,
    GeoPrecision,
    Reliability,
    Report,
    ReportDraft,
    TimePrecision,
    casualty_total,
)
from truce.importers.template import example_csv
from truce.services import common, reports
from truce.store.reports import Attachment, ReportFilters

ReportId = Annotated[int, Path(ge=1, le=MAX_ID)]
Digest = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]
DigestPath = Annotated[str, Path(pattern=r"^[0-9a-f]{64}$", description="SHA-256, in hex.")]
Count = Annotated[int, Field(strict=True, ge=0, le=1_000_000)]
CSV_TEMPLATE: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The CSV template with example rows (docs/incidents.md).",
        "content": {"text/csv": {"schema": {"type": "string"}}},
    }
}
ATTACHMENT_BYTES: dict[int | str, dict[str, Any]] = {
    200: {"description": "The attachment's bytes.", "content": {"application/octet-stream": {}}}
}
ALREADY_STORED: dict[int | str, dict[str, Any]] = {
    200: {"description": "The same account was already stored: the stored report, unchanged."}
}


class CasualtyIn(Strict):
    measure: Literal["killed", "injured"]
    category: Literal["side_a", "side_b", "civilians", "unknown", "total"] = Field(
        description="side_a: actor1's side; side_b: actor2's; total: every category together."
    )
    low: Count | None = None
    best: Count | None = None
    high: Count | None = None


class ReportIn(Strict):
    """One account, as its source gives it. Give a point (lat and lon), a place name, or at
    least a province (admin1)."""

    channel: Literal["api", "form", "hotline"] = "api"
    source: ShortText = Field("", description="Who gives the account; default: the filer's "
                              "state, party, or 'Truce monitoring'.")  # fmt: skip
    reliability: Reliability = Field(Reliability.F, description="The source's grade, A to F.")
    source_ref: Annotated[str, StringConstraints(max_length=1000)] | None = Field(
        None, description="The source's own id of the account: sent twice, it is stored once."
    )
    reporter: ShortText | None = Field(None, description="Who reported; default: the filer.")
    hide_reporter: bool = Field(False, description="Only admins may read who reported.")
    occurred_start: Moment
    occurred_end: Moment | None = None
    time_precision: TimePrecision = TimePrecision.DAY
    lat: Annotated[float, Field(ge=-90, le=90)] | None = None
    lon: Annotated[float, Field(ge=-180, le=180)] | None = None
    location: ShortText | None = None
    geo_precision: GeoPrecision | None = None
    country: ShortText | None = None
    admin1: ShortText | None = None
    admin2: ShortText | None = None
    event_type: Annotated[str, StringConstraints(min_length=1, max_length=60)]
    sub_event_type: Annotated[str, StringConstraints(min_length=1, max_length=80)]
    weapon_class: ShortText | None = None
    actor1: ShortText | None = Field(None, description="The claimed perpetrator.")
    actor1_party_id: Id | None = None
    actor2: ShortText | None = Field(None, description="The claimed target.")
    actor2_party_id: Id | None = None
    casualties: Annotated[list[CasualtyIn], Field(max_length=10)] = Field(default_factory=list)
    text: LongText = ""
    lang: Lang | None = None
    attachments: Annotated[list[Digest], Field(max_length=20)] = Field(default_factory=list)
    amends_id: Id | None = Field(None, description="The report this one corrects.")

    def draft(self) -> ReportDraft:
        figures: dict[tuple[str, str], Figure] = {
            (c.measure, c.category): Figure(c.low, c.best, c.high) for c in self.casualties
        }
        values = self.model_dump(exclude={"casualties", "attachments"})
        return ReportDraft(**values, casualties=figures, attachments=tuple(self.attachments))


class AttachmentOut(BaseModel):
    sha256: str
    media_type: str
    size: int
    name: str


def _time(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def _figure(figure: Figure | None) -> dict[str, int | None] | None:
    return None if figure is None else {"low": figure.low, "best": figure.best, "high": figure.high}


def report_json(report: Report, actor: Actor | None) -> dict[str, Any]:
    """One report as the API answers it, without who reported unless ``actor`` may read it."""
    draft = report.draft
    casualties = [
        {"measure": m, "category": c, **(_figure(f) or {})}
        for m in MEASURES
        for c in (*CATEGORIES, TOTAL)
        if (f := draft.casualties.get((m, c))) is not None
    ]
    data: dict[str, Any] = {
        "id": report.id,
        "channel": draft.channel,
        "source": draft.source,
        "reliability": draft.reliability,
        "source_ref": draft.source_ref,
        "hide_reporter": draft.hide_reporter,
        "received_at": _time(draft.received_at),
        "occurred_start": _time(draft.occurred_start),
        "occurred_end": _time(draft.occurred_end),
        "time_precision": draft.time_precision,
        "lat": draft.lat,
        "lon": draft.lon,
        "location": draft.location,
        "geo_precision": draft.geo_precision,
        "country": draft.country,
        "admin1": draft.admin1,
        "admin2": draft.admin2,
        "event_type": draft.event_type,
        "sub_event_type": draft.sub_event_type,
        "weapon_class": draft.weapon_class,
        "actor1": draft.actor1,
        "actor1_party_id": draft.actor1_party_id,
        "actor2": draft.actor2,
        "actor2_party_id": draft.actor2_party_id,
        "actor_matches": [
            {
                "role": m.role,
                "name": m.name,
                "party_id": m.party_id,
                "alias": m.alias,
                "score": m.score,
                "current": m.current,
            }
            for m in report.actor_matches
        ],
        "casualties": casualties,
        "killed": _figure(casualty_total(draft.casualties, "killed")),
        "injured": _figure(casualty_total(draft.casualties, "injured")),
        "text": draft.text,
        "lang": draft.lang,
        "attachments": list(draft.attachments),
        "amends_id": draft.amends_id,
        "content_digest": report.content_digest,
        "import_id": report.import_id,
        "import_row": report.import_row,
        "article_id": report.article_id,
    }
    if reports.may_see_reporter(report, actor):
        data["reporter"] = draft.reporter
        data["recorded_by"] = report.recorded_by
    return data


def install(api: FastAPI) -> None:
    """Register the routes on the API application."""

    @api.post("/reports", status_code=201, tags=["reports"], responses=ALREADY_STORED)
    def file_report(
        body: ReportIn, response: Response, actor: CurrentActor, uow: Writer
    ) -> dict[str, Any]:
        """File one account (monitor, liaison, guarantor, member). The same account sent again
        (the same source and `source_ref`, or the same content) answers 200 with the report
        already stored."""
        filed = reports.file_report(body.draft(), uow, actor=actor)
        if not filed.created:
            response.status_code = 200
        return report_json(filed.report, actor)

    @api.get("/reports", tags=["reports"])
    def list_reports(
        request: Request,
        response: Response,
        uow: Reader,
        actor: MaybeActor,
        channel: Literal["api", "form", "csv", "acled", "ucdp", "hotline", "news"] | None = None,
        source: Annotated[str | None, Query(max_length=300)] = None,
        since: Annotated[datetime | None, Query(description="Occurred at or after.")] = None,
        until: Annotated[datetime | None, Query(description="Occurred before.")] = None,
        party_id: Annotated[
            int | None, Query(ge=1, le=MAX_ID, description="As claimed perpetrator or target.")
        ] = None,
        import_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
        cursor: schemas.CursorQuery = None,
        limit: schemas.LimitQuery = DEFAULT_LIMIT,
    ) -> dict[str, Any]:
        """Reports from every channel, the latest events first."""
        filters = ReportFilters(
            channel=channel,
            source=source if source and source.isprintable() else None,
            since=common.utc(since, "since") if since else None,
            until=common.utc(until, "until") if until else None,
            party_id=party_id,
            import_id=import_id,
        )
        found = reports.list_reports(uow, filters, actor=actor, cursor=cursor, limit=limit)
        items = [report_json(r, actor) for r in found.items]
        return views.listing(found, items, request, response)

    @api.get("/reports/template", tags=["reports"], response_class=Response,
             responses=CSV_TEMPLATE)  # fmt: skip
    def template() -> Response:
        """Truce's CSV template of reports, with example rows (`truce import reports FILE`)."""
        return Response(
            example_csv(),
            media_type="text/csv",
            headers={"Content-Disposition": 'attachment; filename="reports-template.csv"'},
        )

    @api.get("/reports/{report_id}", tags=["reports"])
    def get_report(report_id: ReportId, uow: Reader, actor: MaybeActor) -> dict[str, Any]:
        """One report from any channel."""
        return report_json(reports.get_report(uow, report_id, actor=actor), actor)

    @api.post("/attachments", status_code=201, tags=["reports"], responses=ALREADY_STORED)
    async def add_attachment(
        file: Annotated[UploadFile, File(description="A photo, a scan, a recording (10 MB).")],
        response: Response,
        actor: CurrentActor,
        uow: Writer,
    ) -> AttachmentOut:
        """Keep a file a report will name by its SHA-256 (in `attachments`)."""
        content = await file.read(reports.MAX_ATTACHMENT + 1)
        stored, created = reports.store_attachment(
            content, file.content_type or "", file.filename or "", uow, actor=actor
        )
        if not created:
            response.status_code = 200
        return _attachment(stored)

    @api.get("/attachments/{sha256}", tags=["reports"], response_class=Response,
             responses=ATTACHMENT_BYTES)  # fmt: skip
    def get_attachment(sha256: DigestPath, actor: CurrentActor, uow: Reader) -> Response:
        """An attachment's bytes, for signed-in users."""
        found, content = reports.attachment(uow, sha256)
        return Response(content, media_type=found.media_type)


def _attachment(found: Attachment) -> AttachmentOut:
    return AttachmentOut(**jsonable_encoder(found))
