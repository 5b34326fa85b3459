"""What every situation report's route shares: its language and format in the query, and
the report answered as JSON, HTML or PDF (docs/reports.md). Each kind's routes call
:func:`answer` with the report its service built."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Literal

from fastapi import Depends, FastAPI, Path, Query
from fastapi.responses import Response

from truce.api.deps import CurrentActor, MaybeActor, Reader
from truce.api.schemas import MAX_ID
from truce.domain.permissions import Actor
from truce.domain.sitreps import Sitrep
from truce.services import sitreps
from truce.store.uow import UnitOfWork

MEDIA_TYPES = {
    "json": "application/json",
    "html": "text/html; charset=utf-8",
    "pdf": "application/pdf",
}
ReportLang = Annotated[
    Literal["en", "ar", "ru"], Query(description="The language of the HTML and PDF.")
]
ReportFormat = Annotated[
    Literal["json", "html", "pdf"],
    Query(description="json (canonical, the same bytes every time), html or pdf."),
]
AsOf = Annotated[
    int | None,
    Query(ge=1, le=2**53 - 1, description="Build from the record as it stood at this entry."),
]
# The OpenAPI answers of a report route: the same report in three media types.
REPORT_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The report: JSON by default, or HTML or PDF as `format` asks.",
        "content": {
            "application/json": {"schema": {"type": "object"}},
            "text/html": {"schema": {"type": "string"}},
            "application/pdf": {"schema": {"type": "string", "format": "binary"}},
        },
    }
}


def answer(sitrep: Sitrep, fmt: str, lang: str, *, filename: str) -> Response:
    """The report in ``fmt``; a PDF comes as a download named ``filename``.pdf, and each
    answer carries the ledger head it was built from (``Truce-Ledger-Head: SEQ:HASH``)."""
    body = sitreps.render(sitrep, fmt, lang)
    headers = {"Truce-Ledger-Head": f"{sitrep.ledger_head.seq}:{sitrep.ledger_head.hash}"}
    if fmt == "pdf":
        headers["Content-Disposition"] = f'attachment; filename="{filename}-{lang}.pdf"'
    return Response(body, media_type=MEDIA_TYPES[fmt], headers=headers)


Day = Annotated[
    str, Path(pattern=r"^\d{4}-\d{2}-\d{2}$", description="The bulletin's date, YYYY-MM-DD.")
]


def install(api: FastAPI) -> None:
    @api.get("/sitreps/daily/{day}", tags=["situation reports"], response_class=Response,
             responses=REPORT_RESPONSES)  # fmt: skip
    def daily(
        day: Day,
        uow: Reader,
        actor: MaybeActor,
        format: ReportFormat = "json",
        lang: ReportLang = "en",
        as_of: AsOf = None,
    ) -> Response:
        """The daily bulletin for `day`: the window to the agreement's daily cut-off, built
        from the record at the ledger head (or as it stood at entry `as_of`)."""
        params: dict[str, Any] = {"date": day}
        if as_of is not None:
            params["as_of"] = as_of
        sitrep = sitreps.build("daily", params, uow, actor=actor)
        return answer(sitrep, format, lang, filename=f"daily-{day}")

    @api.get("/sitreps/taskforce/{day}", tags=["situation reports"], response_class=Response,
             responses=REPORT_RESPONSES)  # fmt: skip
    def taskforce(day: Day, uow: Reader, actor: CurrentActor, query: Asked) -> Response:
        """The task force pack for the meeting of `day`: open allegations by age, overdue
        requests and hotline acknowledgements, disputed findings, parties near the referral
        rule, the day's disagreements between the guarantors' maps, the condition clocks; the
        record at the end of `day` (agreement time) or at entry `as_of`. A working paper: for
        admins, guarantors and members only, never published."""
        return query.answer(uow, actor, "taskforce", {"date": day}, f"taskforce-{day}")

    @api.get("/cases/incidents/{incident_id}", tags=["situation reports"],
             response_class=Response, responses=REPORT_RESPONSES)  # fmt: skip
    def incident_case(
        incident_id: CaseId, uow: Reader, actor: CurrentActor, query: Asked
    ) -> Response:
        """The case file of an incident: every report, the applicability answer, the terms
        alleged, each allegation's requests and answers, assessments once unsealed, the
        finding, and the ledger entries behind it with their inclusion proofs. For admins,
        guarantors and members only."""
        params = {"incident": incident_id}
        return query.answer(uow, actor, "casefile", params, f"case-incident-{incident_id}")

    @api.get("/cases/allegations/{allegation_id}", tags=["situation reports"],
             response_class=Response, responses=REPORT_RESPONSES)  # fmt: skip
    def allegation_case(
        allegation_id: CaseId, uow: Reader, actor: CurrentActor, query: Asked
    ) -> Response:
        """The case file of an allegation, with every incident it names (as for an
        incident's). For admins, guarantors and members only."""
        params = {"allegation": allegation_id}
        return query.answer(uow, actor, "casefile", params, f"case-allegation-{allegation_id}")


CaseId = Annotated[int, Path(ge=1, le=MAX_ID, description="The incident's or allegation's id.")]


@dataclass
class ReportQuery:
    """What a report route reads from its query: the format, the language, the ledger entry
    to build from."""

    format: ReportFormat = "json"
    lang: ReportLang = "en"
    as_of: AsOf = None

    def answer(
        self, uow: UnitOfWork, actor: Actor | None, kind: str, params: dict[str, Any], name: str
    ) -> Response:
        """The report of ``kind`` for ``params`` (and ``as_of``), answered as asked."""
        built = dict(params) if self.as_of is None else {**params, "as_of": self.as_of}
        sitrep = sitreps.build(kind, built, uow, actor=actor)
        return answer(sitrep, self.format, self.lang, filename=name)


Asked = Annotated[ReportQuery, Depends()]
