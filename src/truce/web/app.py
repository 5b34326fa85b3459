"""The web application: server-rendered pages that work without JavaScript, and the API."""

from __future__ import annotations

import re
import secrets
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.sessions import SessionMiddleware

from truce import __version__
from truce.api.app import create_api
from truce.api.errors import http_error as api_http_error
from truce.bootstrap import Truce, bootstrap, require_set_up
from truce.domain.errors import DomainError, Forbidden, Unauthenticated
from truce.domain.i18n import N_
from truce.web import clocks as clock_pages
from truce.web import counts as count_pages
from truce.web import findings as finding_pages
from truce.web import hotline as hotline_pages
from truce.web import incidents as incident_pages
from truce.web import pages
from truce.web import sitreps as sitrep_pages
from truce.web import sitreps_two_ledgers as two_ledger_pages
from truce.web.rendering import HERE, catalog, make_templates, render

STATUS_OF = {
    "invalid": 422,
    "not_found": 404,
    "unauthenticated": 401,
    "forbidden": 403,
    "conflict": 409,
}


def create_app(truce: Truce) -> FastAPI:
    """The whole application: web pages at /, the API at /api/v1."""
    app = FastAPI(
        title="Truce", version=__version__, docs_url=None, redoc_url=None, openapi_url=None
    )
    app.state.truce = truce
    app.state.templates = make_templates()
    if truce.settings.read_only:  # added first, so the session middleware wraps it
        app.middleware("http")(_refuse_writes)
    session_secret = truce.secret or secrets.token_urlsafe(32)
    app.add_middleware(
        SessionMiddleware,
        secret_key=session_secret,
        session_cookie="truce_session",
        max_age=truce.settings.session_hours * 3600,
        same_site="lax",
        https_only=truce.settings.cookie_secure,
    )
    app.middleware("http")(_security_headers)
    # Before the API's mount, which would otherwise answer for /api/v1/docs.
    app.add_api_route("/api/v1/docs", _api_docs, methods=["GET"], include_in_schema=False)
    app.mount("/api/v1", create_api(truce))
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    app.add_exception_handler(DomainError, _page_error)
    app.add_exception_handler(RequestValidationError, _bad_request)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.include_router(count_pages.router)  # before the pages: /incidents/counts is no id
    app.include_router(pages.router)
    app.include_router(hotline_pages.router)
    app.include_router(clock_pages.router)
    app.include_router(finding_pages.router)
    app.include_router(incident_pages.router)
    app.include_router(sitrep_pages.router)
    app.include_router(two_ledger_pages.router)
    return app


def app_from_environment() -> FastAPI:
    """The application of one process of `truce serve --workers N`, wired from the TRUCE_*
    environment its supervisor set (uvicorn imports this by name in each process)."""
    truce = bootstrap()
    require_set_up(truce)
    return create_app(truce)


READS = frozenset({"GET", "HEAD", "OPTIONS"})
READ_ONLY = N_("This server is a read-only copy; make changes on the server it copies.")


async def _refuse_writes(request: Request, call_next: Any) -> Response:
    """A read-only copy answers every write 405 before any route runs, so nothing can write."""
    if request.method in READS:
        response: Response = await call_next(request)
        return response
    if request.url.path.startswith("/api/"):
        body = {"detail": READ_ONLY, "code": "read_only", "field": None}
        return JSONResponse(body, status_code=405, headers={"Allow": "GET, HEAD, OPTIONS"})
    message = catalog(request).gettext(READ_ONLY)
    title = N_("That did not work")
    return render(request, "error.html", status_code=405, title=title, message=message)


async def _security_headers(request: Request, call_next: Any) -> Response:
    response: Response = await call_next(request)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault(
        "Content-Security-Policy",
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'",
    )
    return response


def _api_docs(request: Request) -> Response:
    """Swagger UI for the API, from our own static files (make vendor) under the site's CSP."""
    return render(request, "api_docs.html", openapi_url="/api/v1/openapi.json")


async def _page_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, DomainError)
    if isinstance(exc, Unauthenticated):
        return RedirectResponse(f"/login?next={quote(request.url.path)}", status_code=303)
    message = exc.render(catalog(request).gettext)
    status = STATUS_OF.get(exc.code, 400)
    title = N_("Not allowed") if isinstance(exc, Forbidden) else N_("That did not work")
    back = await _party_of(request)
    return render(
        request, "error.html", status_code=status, title=title, message=message, party_id=back
    )


async def _bad_request(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    problems = "; ".join(
        f"{'.'.join(str(p) for p in e.get('loc', ())[1:]) or 'request'}: {e.get('msg', '')}"
        for e in exc.errors()
    )
    title = N_("That did not work")
    back = await _party_of(request)
    return render(
        request, "error.html", status_code=422, title=title, message=problems, party_id=back
    )


_PARTY_PAGE = re.compile(r"^/parties/(\d{1,16})(?:/|$)")


async def _party_of(request: Request) -> int | None:
    """The party a failed page or form was about, for the way back to it."""
    if match := _PARTY_PAGE.match(request.url.path):
        return int(match.group(1))
    if request.method != "POST":
        return None
    party = (await request.form()).get("party_id")  # parsed once already, so cached
    return int(party) if isinstance(party, str) and party.isdigit() and len(party) < 17 else None


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    if request.url.path.startswith("/api/"):
        # A path the API's mount cannot take (a newline in it escapes its pattern) is still
        # answered as the API answers: JSON, not a page.
        return await api_http_error(request, exc)
    title = N_("Not found") if exc.status_code == 404 else N_("That did not work")
    translate = catalog(request).gettext
    message = translate(N_("There is no such page.")) if exc.status_code == 404 else str(exc.detail)
    return render(request, "error.html", status_code=exc.status_code, title=title, message=message)
