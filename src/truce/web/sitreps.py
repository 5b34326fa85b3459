"""What every situation report's page shares: the report drawn inside the site (the same
template as its print, as a fragment), with links to its PDF, HTML and JSON and the ledger
head it was built from. Each kind's pages build the report and call :func:`report_page`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup

from truce.bootstrap import Truce
from truce.domain.errors import DomainError, Unauthenticated
from truce.domain.i18n import N_
from truce.domain.permissions import Action, allowed
from truce.domain.sitreps import Sitrep, parse_day
from truce.services import sitreps, sitreps_daily, sitreps_two_ledgers
from truce.sitreps import render_html
from truce.sitreps.render import stylesheet
from truce.store.sitreps import Published
from truce.web.pages import PER_PAGE, Cursor
from truce.web.rendering import catalog, current_user, locale_of, pager, render


def report_page(request: Request, sitrep: Sitrep, *, api_path: str, title: str) -> HTMLResponse:
    """The page of one report; ``api_path`` is its API route (``/api/v1/sitreps/…``), from
    which the downloads are linked in the page's language."""
    lang = locale_of(request)
    query = [(k, v) for k, v in request.query_params.multi_items() if k not in {"lang", "format"}]
    downloads = {
        fmt: f"{api_path}?{urlencode([*query, ('format', fmt), ('lang', lang)])}"
        for fmt in ("pdf", "html", "json")
    }
    # Our own template, which escapes what it shows: safe to hold in the page.
    report = Markup(render_html(sitrep, lang, fragment=True))
    return render(
        request, "sitrep.html", report=report, sitrep=sitrep, downloads=downloads, title=title
    )


router = APIRouter(include_in_schema=False)
Day = Annotated[str, Path(pattern=r"^\d{4}-\d{2}-\d{2}$")]


@dataclass(frozen=True)
class ReportKind:
    """A kind of report the index offers: ``form`` names the part of reports.html that asks
    for its parameters (a GET form, so it works without JavaScript)."""

    key: str
    title: str  # N_(): translated in the page
    description: str  # N_()
    form: str
    restricted: bool = False  # a working paper: offered only to roles that may read it
    # The day the form offers: the newest day with incidents, or today (a meeting's pack is
    # read on the day, from the record as it stands then).
    offers_today: bool = False


# The kinds the index offers, in order (each kind's helper adds its own).
REPORT_KINDS: list[ReportKind] = [
    ReportKind(
        "daily",
        N_("Daily bulletin"),
        N_(
            "The incidents of the 24 hours to the agreement's daily cut-off, by province and "
            "type, with the commitments, allegations, findings, hotline and condition clock "
            "of the day, a map and the last 30 days."
        ),
        "date",
    ),
    ReportKind(
        "two-ledgers",
        N_("The two-ledger report"),
        N_(
            "Each source's count beside the merged incidents over a period, by day, province "
            "and claimed party, and where and why the sources differ."
        ),
        "period",
    ),
    ReportKind(
        "taskforce",
        N_("Task force pack"),
        N_(
            "For the weekly meeting: open allegations by age, overdue requests and "
            "acknowledgements, disputed findings, parties near referral, the maps' "
            "disagreements and the condition clock. A working paper."
        ),
        "date",
        restricted=True,
        offers_today=True,
    ),
]


def _published_row(report: Published) -> dict[str, Any]:
    date = report.params.get("date")
    return {
        "report": report,
        "title": next((k.title for k in REPORT_KINDS if k.key == report.kind), report.kind),
        "href": f"/reports/{report.kind}/{date}" if report.kind == "daily" and date else None,
        "date": date,
    }


def _index(
    request: Request, cursor: str | None, *, error: DomainError | None = None, typed: str = ""
) -> HTMLResponse:
    truce: Truce = request.app.state.truce
    may_read_papers = allowed(current_user(request), Action.READ_CASE_FILES)
    with truce.uow(write=False) as uow:
        if not uow.agreements.all():
            return render(request, "empty.html")
        newest = sitreps_daily.newest_day(uow)
        found = sitreps.published_page(uow, cursor=cursor, limit=PER_PAGE)
    return render(
        request,
        "reports.html",
        status_code=422 if error else 200,
        kinds=[k for k in REPORT_KINDS if not k.restricted or may_read_papers],
        newest_day=newest.isoformat() if newest else "",
        today=datetime.now(UTC).date().isoformat(),
        period=(sitreps_two_ledgers.DEFAULT_FROM, sitreps_two_ledgers.DEFAULT_TO),
        typed_day=typed,
        published=[_published_row(r) for r in found.items],
        pager=pager(request, found),
        error=error.render(catalog(request).gettext) if error else None,
        error_field=error.field if error else None,
    )


@router.get("/reports/sitrep.css")
def report_style() -> Response:
    """The reports' style, for the pages that hold one (no inline style under the site's CSP)."""
    return Response(
        stylesheet(), media_type="text/css", headers={"Cache-Control": "public, max-age=3600"}
    )


@router.get("/reports", response_class=HTMLResponse)
def reports_index(request: Request, cursor: Cursor = None) -> Response:
    """The kinds of situation report, each with the form that asks for one, and the reports
    published, newest cut-off first."""
    return _index(request, cursor)


TypedDay = Annotated[str, Query(max_length=40)]


@router.get("/reports/daily", response_class=HTMLResponse)
def daily_for(request: Request, date: TypedDay = "") -> Response:
    """The index's date form (GET, so without JavaScript too): on to that day's bulletin, or
    back to the index naming the date when it is not one."""
    return _to_day(request, "daily", date)


@router.get("/reports/taskforce", response_class=HTMLResponse)
def taskforce_for(request: Request, date: TypedDay = "") -> Response:
    """The index's form for the task force pack of a meeting's day."""
    return _to_day(request, "taskforce", date)


def _to_day(request: Request, kind: str, date: str) -> Response:
    typed = date.strip()
    try:
        day = parse_day(typed)
    except DomainError as exc:
        return _index(request, None, error=exc, typed=typed)
    lang = request.query_params.get("lang")
    suffix = f"?lang={quote(lang)}" if lang else ""
    return RedirectResponse(f"/reports/{kind}/{day.isoformat()}{suffix}", status_code=303)


@router.get("/reports/daily/{day}", response_class=HTMLResponse)
def daily(request: Request, day: Day) -> Response:
    """The daily bulletin for ``day``, as the public reads it."""
    truce: Truce = request.app.state.truce
    with truce.uow(write=False) as uow:
        if not uow.agreements.all():
            return render(request, "empty.html")
        sitrep = sitreps.build("daily", {"date": day}, uow, actor=current_user(request))
    title = catalog(request).gettext("Daily bulletin")
    return report_page(request, sitrep, api_path=f"/api/v1/sitreps/daily/{day}", title=title)


# The task force's working papers: signing in comes first (the page sends the public to the
# sign-in page); a role that may not read them is refused by the service.
CaseId = Annotated[int, Path(ge=1, le=2**53 - 1)]


def _working_paper(request: Request, kind: str, params: dict[str, object]) -> Sitrep:
    actor = current_user(request)
    if actor is None:
        raise Unauthenticated(N_("Sign in to read the task force's working papers."))
    truce: Truce = request.app.state.truce
    with truce.uow(write=False) as uow:
        return sitreps.build(kind, params, uow, actor=actor)


@router.get("/reports/taskforce/{day}", response_class=HTMLResponse)
def taskforce(request: Request, day: Day) -> Response:
    """The task force pack for the meeting of ``day``."""
    sitrep = _working_paper(request, "taskforce", {"date": day})
    title = catalog(request).gettext("Task force pack")
    return report_page(request, sitrep, api_path=f"/api/v1/sitreps/taskforce/{day}", title=title)


# The case files' titles, one whole sentence each for the translators.
CASE_TITLES = {
    "incident": N_("Case file of incident #%(id)s"),
    "allegation": N_("Case file of allegation #%(id)s"),
}


def _case_page(request: Request, subject: str, subject_id: int) -> Response:
    sitrep = _working_paper(request, "casefile", {subject: subject_id})
    title = catalog(request).gettext(CASE_TITLES[subject]) % {"id": subject_id}
    api_path = f"/api/v1/cases/{subject}s/{subject_id}"
    return report_page(request, sitrep, api_path=api_path, title=title)


@router.get("/cases/incidents/{incident_id}", response_class=HTMLResponse)
def incident_case(request: Request, incident_id: CaseId) -> Response:
    """The case file of one incident."""
    return _case_page(request, "incident", incident_id)


@router.get("/cases/allegations/{allegation_id}", response_class=HTMLResponse)
def allegation_case(request: Request, allegation_id: CaseId) -> Response:
    """The case file of one allegation."""
    return _case_page(request, "allegation", allegation_id)
