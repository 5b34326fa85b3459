"""Routes for the published situation reports (docs/reports.md, "Published"): issuing one,
the list, one's metadata and digests, and its content as issued."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import FastAPI, Path, Query, Request, Response
from pydantic import AfterValidator, Field, StringConstraints

from truce.api import schemas, views
from truce.api.deps import CurrentActor, Reader, Writer
from truce.api.schemas import MAX_ID, Strict, _printable
from truce.api.sitreps import REPORT_RESPONSES, ReportFormat, ReportLang, answer
from truce.domain.paging import DEFAULT_LIMIT
from truce.services import sitreps

KindName = Annotated[
    str, StringConstraints(min_length=1, max_length=40, pattern=r"^[a-z][a-z0-9-]*$")
]
ParamName = Annotated[
    str, StringConstraints(min_length=1, max_length=40, pattern=r"^[a-z][a-z0-9_]*$")
]
ParamValue = (
    Annotated[str, StringConstraints(max_length=200), AfterValidator(_printable)]
    | Annotated[int, Field(strict=True, ge=-MAX_ID, le=MAX_ID)]
    | bool
)
ReportId = Annotated[int, Path(ge=1, le=MAX_ID, description="A published report's id.")]


class PublishIn(Strict):
    # No examples: a fuzzer given one would issue that report (three PDFs drawn) every run.
    kind: KindName = Field(description="The kind of report, e.g. `daily`.")
    params: dict[ParamName, ParamValue] = Field(
        default_factory=dict,
        max_length=20,
        description='The kind\'s parameters, e.g. the daily bulletin\'s `{"date": "2016-03-04"}`.',
    )


def install(api: FastAPI) -> None:
    """Register the routes on the API application (before any /sitreps/{kind} route)."""

    @api.post("/sitreps/published", status_code=201, tags=["situation reports"])
    def publish(body: PublishIn, actor: CurrentActor, uow: Writer) -> dict[str, Any]:
        """Issue a report (ledger `report.published`): store it as built from the record
        now, with the digests of its JSON and of its HTML and PDF in each language. A report
        of the same kind and parameters is issued once: 409 after."""
        sitreps.kind_param(body.kind)  # 422 naming `kind`, not 404: it is a bad parameter
        issued = sitreps.publish(sitreps.Publish(body.kind, body.params), uow, actor=actor)
        return sitreps.as_dict(issued)

    @api.get("/sitreps/published", tags=["situation reports"])
    def list_published(
        request: Request,
        response: Response,
        uow: Reader,
        kind: Annotated[KindName | None, Query(description="Only this kind.")] = None,
        cursor: schemas.CursorQuery = None,
        limit: schemas.LimitQuery = DEFAULT_LIMIT,
    ) -> dict[str, Any]:
        """The published reports, newest cut-off first, with their digests."""
        page = sitreps.published_page(uow, kind=kind, cursor=cursor, limit=limit)
        return views.listing(page, [sitreps.as_dict(r) for r in page.items], request, response)

    @api.get("/sitreps/published/{report_id}", tags=["situation reports"])
    def get_published(report_id: ReportId, uow: Reader) -> dict[str, Any]:
        """One published report: its kind, parameters, the ledger head it was built from,
        its digests and the ledger entry that issued it."""
        return sitreps.as_dict(sitreps.published_report(uow, report_id))

    @api.get("/sitreps/published/{report_id}/content", tags=["situation reports"],
             response_class=Response, responses=REPORT_RESPONSES)  # fmt: skip
    def published_content(
        report_id: ReportId,
        uow: Reader,
        format: ReportFormat = "json",
        lang: ReportLang = "en",
    ) -> Response:
        """The report as issued, drawn from its stored JSON (not rebuilt from today's
        record): its JSON, HTML and PDF hash to the digests of its ledger entry."""
        issued = sitreps.published_report(uow, report_id)
        name = f"{issued.kind}-{issued.id}"
        return answer(sitreps.sitrep_of(issued), format, lang, filename=name)
