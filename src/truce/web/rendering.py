"""Rendering pages: the visitor's language and direction, the signed-in user, CSRF, flashes."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, cast
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_datetime, format_skeleton
from babel.numbers import format_decimal
from babel.support import NullTranslations
from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup, escape

from truce import __version__, i18n
from truce.bootstrap import Truce
from truce.domain.i18n import N_
from truce.domain.links import web_link
from truce.domain.paging import Page, address
from truce.domain.permissions import Action, Actor, allowed
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
    templates.env.filters["when"] = when
    templates.env.filters["day"] = day_filter
    templates.env.filters["number"] = number_filter
    templates.env.filters["moment"] = moment_filter
    templates.env.globals["fill"] = fill
    templates.env.filters["isolate"] = isolate
    templates.env.filters["web_link"] = web_link
    templates.env.filters["link"] = link
    templates.env.filters["headline"] = headline
    templates.env.filters["confidence"] = confidence_level
    templates.env.tests["web_url"] = lambda value: web_url(value) is not None
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


def when(moment: datetime | None, timezone: str = "UTC", locale: str = "en") -> Markup:
    """A moment in a time zone, in the words and order of ``locale``: "Feb 27, 2016, 02:00
    +02:00", "27 февр. 2016 г., 02:00 +02:00", "27 فبراير 2016، 02:00 +02:00".

    In a right-to-left language the clock and its offset are one left-to-right island (a
    ``<bdi dir="ltr">``), so that the line does not show "+02:00 02:00" or "02:00+"."""
    if moment is None:
        return Markup("")
    zone = ZoneInfo(timezone)
    day = format_skeleton("yMMMd", moment, tzinfo=zone, locale=locale)
    clock = format_skeleton("Hm", moment, tzinfo=zone, locale=locale)
    offset = format_datetime(moment, "xxx", tzinfo=zone, locale=locale)
    return date_and_time(day, f"{clock} {offset}", locale)


def date_and_time(day: str, clock: str, locale: str) -> Markup:
    """A date and a time joined as ``locale`` joins them ("{1}, {0}"; Arabic with «،»), the
    time a left-to-right island in a right-to-left language."""
    isolated = (
        Markup('<bdi dir="ltr">{}</bdi>').format(clock)
        if i18n.direction(locale) == "rtl"
        else escape(clock)
    )
    return Markup(escape(datetime_pattern(locale))).format(isolated, day)


def datetime_pattern(locale: str) -> str:
    """How ``locale`` joins a date ({1}) and a time ({0}), for map.js to do the same."""
    return str(Locale.parse(locale).datetime_formats["medium"]).replace("'", "")


@pass_context
def day_filter(context: Context, value: date | datetime | str | None) -> str:
    """A calendar day in the page's language ("Feb 27, 2016", "27 февр. 2016 г."); text that
    is not an ISO day (a month alone, say) is shown as it is."""
    if value is None:
        return ""
    if isinstance(value, str):
        try:
            day = date.fromisoformat(value)
        except ValueError:
            return value
    else:
        day = value.date() if isinstance(value, datetime) else value
    return format_skeleton("yMMMd", day, locale=context.get("locale", "en"))


@pass_context
def number_filter(context: Context, value: float | None, digits: int = 0) -> str:
    """A count or a measure in the page's language: 1,234 · 1 234; ``digits`` decimals."""
    if value is None:
        return ""
    pattern = "#,##0" + ("." + "0" * digits if digits else "")
    return format_decimal(value, pattern, locale=context.get("locale", "en"))


@pass_context
def moment_filter(context: Context, text: str) -> Markup:
    """A ledger time (RFC 3339, UTC) in the page's language, to the second."""
    moment = datetime.fromisoformat(text)
    locale = context.get("locale", "en")
    day = format_skeleton("yMMMd", moment, tzinfo=UTC, locale=locale)
    clock = format_skeleton("Hms", moment, tzinfo=UTC, locale=locale)
    return date_and_time(day, clock, locale)


@pass_context
def fill(context: Context, message: str, **values: Any) -> Markup:
    """A translated sentence with its values put in (``%(name)s``), each value isolated.

    The sentence is escaped; markup among the values (a time from ``when``) is kept. In a
    right-to-left page each value goes in a ``<bdi>`` (see ``isolate``), so that "عرض 1–50 من
    183" keeps its numbers and dash in order and "US" beside Arabic words does not take their
    punctuation."""
    return Markup(escape(message)) % {
        name: isolate(context, value) for name, value in values.items()
    }


@pass_context
def isolate(context: Context, value: Any) -> Markup:
    """``value`` (text or markup) as a bidi isolate in a right-to-left page: a ``<bdi>``, whose
    direction is its first strong letter's and which does not reorder the text around it. A
    left-to-right page shows it as it is: its values (numbers, codes, Latin names, dates) read
    in order there already, and a name in Arabic script sits in an element of its own with
    its ``dir``."""
    if context.get("direction") == "rtl":
        return Markup("<bdi>{}</bdi>").format(value)
    return escape(value)


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


def _custody(request: Request, user: Actor | None) -> str | None:
    if user is None:
        return None
    truce: Truce = request.app.state.truce
    with truce.uow(write=False) as uow:
        return users.custody_of(uow, user)


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
    user = context.pop("user", None) or current_user(request)
    base = {
        # A user who holds their own key: this browser signs the forms they post (sign.js).
        "key_holder": _custody(request, user) == "holder",
        "request": request,
        "user": user,
        "may_file": allowed(user, Action.FILE_REPORT),
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
    if "states" in context:
        context["states"] = state_names(context["states"], locale)
    templates: Jinja2Templates = request.app.state.templates
    return templates.TemplateResponse(
        request, template, {**base, **context}, status_code=status_code
    )


def state_names(names: dict[str, str], locale: str) -> dict[str, str]:
    """The states' names in the page's language: CLDR's name of each ISO code (Babel) where
    the page is not in English, else the name the state was registered with."""
    if locale == i18n.DEFAULT_LOCALE:
        return names
    territories = Locale.parse(locale).territories
    return {code: territories.get(code, name) for code, name in names.items()}


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
    # roles
    N_("admin"),
    N_("guarantor"),
    N_("member"),
    N_("monitor"),
    N_("liaison"),
    N_("analyst"),
    # the sides of the scenario's parties (a free text: another side is shown as written)
    N_("government"),
    N_("opposition"),
    N_("foreign"),
    N_("kurdish-led"),
    # the channel of a commitment recorded on the party page
    N_("web"),
    # how a statement is quoted (news.model.Statement.kind)
    N_("direct"),
    N_("mixed"),
    N_("indirect"),
)
