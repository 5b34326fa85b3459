"""What every situation report's page shares: the report drawn inside the site (the same
template as its print, as a fragment), with links to its PDF, HTML and JSON and the ledger
head it was built from. Each kind's pages build the report and call :func:`report_page`."""

from __future__ import annotations

from importlib import resources
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup

from truce.bootstrap import Truce
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
    return render(
        request, "sitrep.html", report=report, sitrep=sitrep, downloads=downloads, title=title
    )


router = APIRouter(include_in_schema=False)
Day = Annotated[str, Path(pattern=r"^\d{4}-\d{2}-\d{2}$")]


@router.get("/reports/report.css")
def report_css() -> Response:
    """The reports' style sheet, which a printed report holds in its <style>: a page of the
    site links it instead, as the site's content security policy refuses inline styles."""
    css = (resources.files("truce.sitreps") / "templates" / "report.css").read_text("utf-8")
    return Response(css, media_type="text/css", headers={"Cache-Control": "public, max-age=3600"})


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
