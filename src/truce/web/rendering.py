"""Rendering pages: the visitor's language and direction, the signed-in user, CSRF, flashes."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from babel.dates import format_datetime
from babel.support import NullTranslations
from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from markupsafe import Markup

from truce import __version__, i18n
from truce.bootstrap import Truce
from truce.domain.i18n import N_
from truce.domain.links import web_link
from truce.domain.paging import Page, address
from truce.domain.permissions import Actor
from truce.domain.sources import confidence_level, headline, web_url
from truce.services import users

HERE = Path(__file__).parent


def catalog(request: Request) -> NullTranslations:
    """The translations for this visitor."""
    return i18n.translations(locale_of(request))


def locale_of(request: Request) -> str:
    """The visitor's language: ?lang=, then this browser's choice (the session), then the
    signed-in user's saved language, then the browser's Accept-Language; once per request."""
    known = getattr(request.state, "locale", None)
    if isinstance(known, str):
        return known
    locale = i18n.negotiate(_choices(request), request.headers.get("accept-language"))
    request.state.locale = locale
    return locale


def _choices(request: Request) -> Iterator[str | None]:
    """The languages the visitor chose, most explicit first; the saved one is read only when
    neither the address nor the session names a language."""
    yield request.query_params.get("lang")
    yield request.session.get("lang")
    actor = current_user(request)
    if actor is not None:
        truce: Truce = request.app.state.truce
        with truce.uow(write=False) as uow:
            saved = users.saved_language(uow, actor=actor)
        yield saved


def language_switch(request: Request, locale: str) -> dict[str, Any]:
    """The header's language switch: each language in itself, where to come back to, and
    this page's address in each language (the head's hreflang alternates)."""
    query = [(k, v) for k, v in request.query_params.multi_items() if k != "lang"]
    # After a form's answer (a POST) there is no page to come back to but the registry.
    here = request.url.path + (f"?{urlencode(query)}" if query else "")
    return {
        "current": locale,
        "here": here if request.method == "GET" else "/",
        "choices": [
            {"code": code, "name": i18n.NAMES[code], "dir": i18n.direction(code)}
            for code in i18n.SUPPORTED
        ],
        "alternates": [
            (code, str(request.url.replace(query=urlencode([*query, ("lang", code)]))))
            for code in i18n.SUPPORTED
        ]
        if request.method == "GET"
        else [],
    }


def make_templates() -> Jinja2Templates:
    """The Jinja2 templates with gettext, the time filter and the link filter."""
    templates = Jinja2Templates(directory=HERE / "templates")
    templates.env.add_extension("jinja2.ext.i18n")
    templates.env.policies["ext.i18n.trimmed"] = True
    templates.env.filters["when"] = _when
    templates.env.filters["web_link"] = web_link
    templates.env.filters["link"] = link
    templates.env.filters["headline"] = headline
    templates.env.filters["confidence"] = confidence_level
    return templates


def link(url: str | None, label: str | None = None) -> Markup:
    """A stored address as a link when it is an http(s) one; anything else as plain text.

    Every address that came from outside (an article's URL, a party's source) goes through
    this filter, so a ``javascript:`` address can never become something to click."""
    if not url:
        return Markup("")
    safe = web_url(url)
    if safe is None:
        return Markup('<span class="not-a-link">{}</span>').format(url)
    return Markup('<a href="{}" rel="noopener noreferrer">{}</a>').format(safe, label or safe)


def _when(moment: Any, timezone: str = "UTC", locale: str = "en") -> str:
    """A UTC time shown in the agreement's time zone, with its offset."""
    if moment is None:
        return ""
    return format_datetime(moment, "d MMM y, HH:mm ZZZZZ", tzinfo=ZoneInfo(timezone), locale=locale)


SESSION = "session"  # the key of the session token in the signed cookie
_UNKNOWN = object()


def current_user(request: Request) -> Actor | None:
    """The signed-in user of this browser, looked up once per request in the sessions table."""
    known = getattr(request.state, "actor", _UNKNOWN)
    if known is not _UNKNOWN:
        return cast(Actor | None, known)
    token = request.session.get(SESSION)
    actor = None
    if isinstance(token, str):
        truce: Truce = request.app.state.truce
        with truce.uow(write=False) as uow:
            actor = users.actor_for_session(token, uow)
        if actor is None:
            del request.session[SESSION]  # over on the server: drop it from the cookie too
    request.state.actor = actor
    return actor


def pager(request: Request, page: Page[Any]) -> dict[str, Any]:
    """Where a page sits in its list, and links to its neighbours with the same filters."""
    query = request.query_params.multi_items()
    return {
        "first": page.first,
        "last": page.last,
        "total": page.total,
        "next": address(request.url.path, query, page.next),
        "previous": address(request.url.path, query, page.previous),
    }


def download_link(request: Request, kind: str) -> str:
    """This page's address as a download of every row its filters match."""
    query = [(k, v) for k, v in request.query_params.multi_items() if k not in ("cursor", "format")]
    return f"{request.url.path}?{urlencode([*query, ('format', kind)])}"


def render(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    """A page in the visitor's language, with the user, flash messages and CSRF token."""
    locale = locale_of(request)
    if request.query_params.get("lang") == locale:
        request.session["lang"] = locale  # remembered for the following pages
    translations = i18n.translations(locale)
    request.session.setdefault("csrf", secrets.token_urlsafe(32))
    truce: Truce = request.app.state.truce
    base = {
        "request": request,
        "user": context.pop("user", None) or current_user(request),
        "flashes": request.session.pop("flash", []),
        "csrf": request.session["csrf"],
        "locale": locale,
        "direction": i18n.direction(locale),
        "languages": language_switch(request, locale),
        "gettext": translations.gettext,
        "ngettext": translations.ngettext,
        "_": translations.gettext,
        "demo": truce.settings.demo,
        "version": __version__,
    }
    templates: Jinja2Templates = request.app.state.templates
    return templates.TemplateResponse(
        request, template, {**base, **context}, status_code=status_code
    )


# Values of enums that templates show through _(); listed so that extraction finds them.
SHOWN_VALUES = (
    N_("committed"),
    N_("excluded"),
    N_("suspended"),
    N_("unknown"),
    N_("open"),
    N_("approved"),
    N_("rejected"),
    N_("withdrawn"),
    N_("superseded"),
    N_("proposal"),
    N_("designation"),
    N_("agreed"),
    N_("pending"),
    N_("accepted"),
    N_("disputed"),
)
