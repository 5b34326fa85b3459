"""What every situation report's page shares: the report drawn inside the site (the same
template as its print, as a fragment), with links to its PDF, HTML and JSON and the ledger
head it was built from. Each kind's pages build the report and call :func:`report_page`."""

from __future__ import annotations

import base64
import hashlib
import re
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup

from truce.bootstrap import Truce
from truce.domain.errors import Unauthenticated
from truce.domain.i18n import N_
from truce.domain.sitreps import Sitrep
from truce.services import sitreps
from truce.sitreps import render_html
from truce.web.rendering import catalog, current_user, locale_of, render


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
    page = render(
        request, "sitrep.html", report=report, sitrep=sitrep, downloads=downloads, title=title
    )
    page.headers["Content-Security-Policy"] = report_policy(report)
    return page


_STYLE = re.compile(r"<style>(.*?)</style>", re.DOTALL)


def report_policy(report: str) -> str:
    """The site's content security policy, letting in the report's own <style> blocks by
    their SHA-256 (the report is self-contained for print; no other inline style runs)."""
    hashes = sorted(
        {
            "'sha256-" + base64.b64encode(hashlib.sha256(css.encode()).digest()).decode() + "'"
            for css in _STYLE.findall(report)
        }
    )
    styles = " ".join(["'self'", *hashes])
    return f"default-src 'self'; img-src 'self' data:; style-src {styles}; script-src 'self'"


router = APIRouter(include_in_schema=False)
Day = Annotated[str, Path(pattern=r"^\d{4}-\d{2}-\d{2}$")]


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
