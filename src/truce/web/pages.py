"""Web pages: read without JavaScript; every form posts with a CSRF token and redirects."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, fields
from datetime import date, datetime, timedelta
from functools import partial
from typing import Annotated, Any, Literal
from urllib.parse import quote, urlparse
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Form, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response, StreamingResponse

from truce import i18n
from truce.api.app import ledger_download
from truce.api.deps import client_address
from truce.bootstrap import Truce
from truce.domain import times
from truce.domain.agreement import Agreement
from truce.domain.errors import DomainError, Forbidden, Invalid, TooManyAttempts, Unauthenticated
from truce.domain.i18n import N_
from truce.domain.paging import MAX_CURSOR
from truce.domain.parties import Status
from truce.domain.permissions import Action, Actor, Role, allowed
from truce.domain.proposals import Accord, Decision
from truce.domain.text import check_length
from truce.ledger import intents
from truce.ledger.keys import unb64
from truce.services import common, exports, ledger, news, parties, standing, territory, users
from truce.services import intents as intents_service
from truce.store.uow import PENDING_INTENT, UnitOfWork
from truce.web.highlight import highlighted
from truce.web.rendering import (
    SESSION,
    catalog,
    current_user,
    datetime_pattern,
    download_link,
    locale_of,
    pager,
    render,
    when,
)

router = APIRouter(include_in_schema=False)
INTENT_FIELD, INTENT_SIG_FIELD = "truce_intent", "truce_intent_sig"  # as static/sign.js sends
MAX_ID = 2**53 - 1
PageId = Annotated[int, Path(ge=1, le=MAX_ID)]


def _truce(request: Request) -> Truce:
    truce: Truce = request.app.state.truce
    return truce


def signed_in(request: Request) -> Actor:
    """The signed-in user; otherwise the visitor is sent to sign in."""
    actor = current_user(request)
    if actor is None:
        raise Unauthenticated(N_("Sign in first."))
    return actor


async def check_csrf(request: Request, csrf: Annotated[str, Form()] = "") -> None:
    """Refuse a form that did not come from one of our pages; take up the intent the page
    signed for a user who holds their own key (static/sign.js), for the units of work of
    this request."""
    expected = request.session.get("csrf")
    if not expected or not secrets.compare_digest(str(expected), csrf):
        raise Forbidden(N_("The form expired or came from another site; reload and try again."))
    form = await request.form()
    encoded, signature = form.get(INTENT_FIELD), form.get(INTENT_SIG_FIELD)
    if not isinstance(encoded, str) or not isinstance(signature, str):
        return
    sent = {
        name: [value for value in form.getlist(name) if isinstance(value, str)]
        for name in dict.fromkeys(form.keys())
        if name not in (INTENT_FIELD, INTENT_SIG_FIELD, "csrf")
    }
    facts = intents_service.RequestFacts(
        "POST", request.url.path, intents.form_payload({k: v for k, v in sent.items() if v})
    )
    window = _truce(request).settings.intent_window_seconds
    PENDING_INTENT.set(intents_service.offered(encoded, signature, facts, window_seconds=window))


def flash(request: Request, kind: str, message: str) -> None:
    """A message shown once on the next page."""
    request.session.setdefault("flash", []).append({"kind": kind, "message": message})


def _back(target: str) -> RedirectResponse:
    return RedirectResponse(target, status_code=303)


PER_PAGE = 50
Cursor = Annotated[str | None, Query(max_length=MAX_CURSOR)]
CsvFormat = Annotated[Literal["csv"] | None, Query()]


@router.get("/", response_class=HTMLResponse)
def registry_page(
    request: Request,
    q: Annotated[str | None, Query(max_length=200)] = None,
    status: Annotated[str, Query(max_length=16)] = "",
    accord: Annotated[str, Query(max_length=16)] = "",
    cursor: Cursor = None,
    format: CsvFormat = None,
) -> Response:
    actor = current_user(request)
    # The search form always sends status and accord; their "any" choice is the empty string.
    wanted = _status(status) if status else None
    stand = _accord(accord) if accord else None
    truce = _truce(request)
    with truce.uow(write=False) as uow:
        if not uow.agreements.all():
            return render(request, "empty.html", user=actor)
        if format == "csv":
            found_all = exports.registry_csv(
                _reading(truce), actor=actor, query=q, status=wanted, accord_is=stand
            )
            return _download(found_all)
        agreement, entries = parties.registry(
            uow,
            actor=actor,
            query=q,
            status=wanted,
            accord_is=stand,
            cursor=cursor,
            limit=PER_PAGE,
        )
        states = uow.states.names()
    return render(
        request,
        "registry.html",
        user=actor,
        agreement=agreement,
        entries=entries.items,
        pager=pager(request, entries),
        download=download_link(request, "csv"),
        q=q or "",
        status=wanted,
        accord=stand,
        accords=list(Accord),
        states=states,
        statuses=list(Status),
    )


def _reading(truce: Truce) -> Callable[[], UnitOfWork]:
    """Read-only units of work, one for each page of a download."""
    return partial(truce.uow, write=False)


def _download(found: exports.Download) -> Response:
    return StreamingResponse(found.chunks, media_type=found.media_type, headers=found.headers)


@router.get("/parties/{party_id}", response_class=HTMLResponse)
def party_page(request: Request, party_id: PageId) -> Response:
    return _show_party(request, party_id, current_user(request))


def _show_party(
    request: Request,
    party_id: int,
    actor: Actor | None,
    *,
    refused: DomainError | None = None,
    drafts: dict[str, str] | None = None,
) -> Response:
    """The party page; after a refused form, with why and with what was typed in its fields."""
    with _truce(request).uow(write=False) as uow:
        agreement, detail = parties.party_detail(uow, party_id, actor=actor)
        states = uow.states.names()
    extra: dict[str, Any] = {}
    if refused is not None:
        translate = catalog(request).gettext
        kept = translate("What you wrote is kept in the form below.")
        extra["flashes"] = [{"kind": "error", "message": f"{refused.render(translate)} {kept}"}]
    return render(
        request,
        "party.html",
        status_code=422 if refused else 200,
        user=actor,
        agreement=agreement,
        party=_flat(detail),
        states=states,
        statuses=list(Status),
        can=_abilities(actor, agreement, detail),
        drafts=drafts or {},
        **extra,
    )


def _form_text(text: str) -> str:
    # Browsers send a textarea's line breaks as CR LF but count them as one character.
    return text.replace("\r\n", "\n")


def _too_long(
    request: Request, party_id: int, actor: Actor, drafts: dict[str, str], field: str
) -> Response | None:
    """The party page again, with what was typed kept, when ``drafts[field]`` is too long."""
    try:
        check_length(drafts[field], field.split(":")[0])
    except Invalid as exc:
        return _show_party(request, party_id, actor, refused=exc, drafts=drafts)
    return None


def _flat(detail: parties.PartyDetail) -> dict[str, Any]:
    """The party's registry row and its history as one mapping for the template."""
    entry = {f.name: getattr(detail.entry, f.name) for f in fields(detail.entry)}
    entry.update(pending=detail.entry.pending, disputed=detail.entry.disputed)
    return {
        **entry,
        **{f.name: getattr(detail, f.name) for f in fields(detail) if f.name != "entry"},
    }


def _abilities(actor: Actor | None, agreement: Any, detail: Any) -> dict[str, Any]:
    is_guarantor = agreement.guarantor_of(actor) is not None
    may_commit = allowed(actor, Action.RECORD_COMMITMENT) and (
        actor is not None and (actor.role is not Role.LIAISON or actor.party_id == detail.entry.id)
    )
    return {
        "propose": is_guarantor,
        "decide": is_guarantor,
        "commit": may_commit,
        "state": actor.state if actor else None,
        "set_time": actor is not None and actor.role is not Role.LIAISON,
    }


@router.post("/parties/{party_id}/proposals", dependencies=[Depends(check_csrf)])
def propose(
    request: Request,
    party_id: PageId,
    status: Annotated[str, Form(max_length=16)],
    reason: Annotated[str, Form()] = "",
) -> Response:
    actor = signed_in(request)
    reason = _form_text(reason)
    drafts = {"reason": reason, "status": status}
    if again := _too_long(request, party_id, actor, drafts, "reason"):
        return again
    with _truce(request).uow() as uow:
        agreement = common.agreement(uow, None)
        cmd = standing.ProposeStatus(agreement.id, party_id, _status(status), reason)
        _attempt(
            request,
            lambda: standing.propose_status(cmd, uow, actor=actor),
            N_("Proposal recorded. It takes effect when the other guarantor approves."),
        )
    return _back(f"/parties/{party_id}")


def _status(text: str) -> Status:
    try:
        return Status(text)
    except ValueError as exc:
        raise Invalid(N_("Choose a status from the list."), field="status") from exc


def _accord(text: str) -> Accord:
    try:
        return Accord(text)
    except ValueError as exc:
        raise Invalid(N_("Choose agreed, pending or disputed."), field="accord") from exc


def _attempt(request: Request, action: Callable[[], object], success: str) -> None:
    """Run a service; show its refusal as a message on the next page instead of an error page."""
    translations = catalog(request)
    try:
        action()
    except Unauthenticated:
        raise
    except DomainError as exc:
        flash(request, "error", exc.render(translations.gettext))
        return
    flash(request, "ok", translations.gettext(success))


@router.post("/proposals/{proposal_id}/decision", dependencies=[Depends(check_csrf)])
def decide(
    request: Request,
    proposal_id: PageId,
    decision: Annotated[str, Form(max_length=16)],
    party_id: Annotated[int, Form(ge=1, le=MAX_ID)],
    reason: Annotated[str, Form()] = "",
) -> Response:
    actor = signed_in(request)
    reason = _form_text(reason)
    drafts = {f"reason:{proposal_id}": reason}
    if again := _too_long(request, party_id, actor, drafts, f"reason:{proposal_id}"):
        return again
    with _truce(request).uow() as uow:
        chosen = Decision(decision) if decision in {d.value for d in Decision} else None
        if chosen is None:
            raise Invalid(N_("Approve or reject."), field="decision")
        cmd = standing.DecideProposal(proposal_id, chosen, reason)
        _attempt(
            request,
            lambda: standing.decide_proposal(cmd, uow, actor=actor),
            N_("Decision recorded."),
        )
    return _back(f"/parties/{party_id}")


@router.post("/proposals/{proposal_id}/withdraw", dependencies=[Depends(check_csrf)])
def withdraw(
    request: Request, proposal_id: PageId, party_id: Annotated[int, Form(ge=1, le=MAX_ID)]
) -> Response:
    actor = signed_in(request)
    with _truce(request).uow() as uow:
        _attempt(
            request,
            lambda: standing.withdraw_proposal(proposal_id, uow, actor=actor),
            N_("Proposal withdrawn."),
        )
    return _back(f"/parties/{party_id}")


@router.post("/parties/{party_id}/commitments", dependencies=[Depends(check_csrf)])
def commit(
    request: Request,
    party_id: PageId,
    guarantor: Annotated[str, Form(max_length=16)],
    committed_at: Annotated[str, Form(max_length=40)] = "",
    note: Annotated[str, Form()] = "",
) -> Response:
    actor = signed_in(request)
    note = _form_text(note)
    drafts = {"note": note, "guarantor": guarantor, "committed_at": committed_at}
    if again := _too_long(request, party_id, actor, drafts, "note"):
        return again
    with _truce(request).uow() as uow:
        agreement = common.agreement(uow, None)
        moment = None
        if committed_at:  # a datetime-local field: the agreement's clock
            moment = times.read_time(
                committed_at,
                field="committed_at",
                zone=agreement.timezone,
                on_agreement_clock=True,
            )
        cmd = standing.RecordCommitment(agreement.id, party_id, guarantor, moment, "web", note)
        _attempt(
            request,
            lambda: standing.record_commitment(cmd, uow, actor=actor),
            N_("Commitment recorded."),
        )
    return _back(f"/parties/{party_id}")


@router.get("/agreement", response_class=HTMLResponse)
def agreement_page(request: Request) -> Response:
    with _truce(request).uow(write=False) as uow:
        agreement = common.agreement(uow, None)
        states = uow.states.names()
    return render(request, "agreement.html", agreement=agreement, states=states)


@router.get("/map", response_class=HTMLResponse)
def map_page(
    request: Request,
    day: Annotated[str, Query(alias="date", max_length=10)] = "",
) -> Response:
    """The map: areas, disagreements and what applies at a point, for one day (map.js)."""
    with _truce(request).uow(write=False) as uow:
        if not uow.agreements.all():
            return render(request, "empty.html")
        agreement = common.agreement(uow, None)
        states = uow.states.names()
    days, chosen = _map_day(agreement, day)
    noon = times.noon(chosen, agreement.timezone)
    locale = locale_of(request)
    return render(
        request,
        "map.html",
        agreement=agreement,
        states=states,
        days=days,
        day=chosen,
        day_label=when(noon, agreement.timezone, locale),
        datetime_pattern=datetime_pattern(locale),
        at=noon.isoformat(),
        plural_samples=i18n.plural_samples(locale),
        download=f"/areas?date={chosen.isoformat()}&format=geojson",
    )


def _map_day(agreement: Agreement, text: str) -> tuple[MapDays, date]:
    """The map's days and the one asked for, kept inside them."""
    days = MapDays.of(agreement.signed_at, agreement.effective_at, agreement.timezone)
    return days, min(max(_day(text, days.default), days.first), days.last)


@router.get("/areas", response_class=HTMLResponse)
def areas_page(
    request: Request,
    day: Annotated[str, Query(alias="date", max_length=10)] = "",
    guarantor: Annotated[str, Query(max_length=16)] = "",
    cursor: Cursor = None,
    format: Annotated[Literal["geojson"] | None, Query()] = None,
) -> Response:
    """The areas of one day as a table (the map's moment: noon in the agreement's zone), and
    their GeoJSON."""
    truce = _truce(request)
    with truce.uow(write=False) as uow:
        if not uow.agreements.all():
            return render(request, "empty.html")
        agreement = common.agreement(uow, None)
        _, chosen = _map_day(agreement, day)
        at = times.noon(chosen, agreement.timezone)
        layer = guarantor or None
        if format == "geojson":
            return _download(exports.areas_geojson(_reading(truce), at, guarantor=layer))
        _, found = territory.areas_page(uow, at, guarantor=layer, cursor=cursor, limit=PER_PAGE)
        names = {row.id: row.name for row in uow.parties.all_rows()}
        states = uow.states.names()
    return render(
        request,
        "areas.html",
        agreement=agreement,
        rows=[(area, status, names.get(area.party_id, "")) for area, status in found.items],
        pager=pager(request, found),
        download=download_link(request, "geojson"),
        day=chosen,
        day_label=when(at, agreement.timezone, locale_of(request)),
        guarantor=layer,
        states=states,
    )


@dataclass(frozen=True)
class MapDays:
    """The map slider's days: a week before signature to 120 days in force.

    Calendar days in the agreement's zone, so "the day after it took effect" (the default) is
    the day a reader there would name; the map then asks for noon, there, on the chosen day.
    """

    first: date
    last: date
    default: date
    signed: date
    effective: date

    @classmethod
    def of(cls, signed_at: datetime, effective_at: datetime, timezone: str) -> MapDays:
        zone = ZoneInfo(timezone)
        signed = signed_at.astimezone(zone).date()
        effective = effective_at.astimezone(zone).date()
        return cls(
            first=signed - timedelta(days=7),
            last=effective + timedelta(days=120),
            default=effective + timedelta(days=1),
            signed=signed,
            effective=effective,
        )

    def offset(self, day: date) -> int:
        """The slider's value for a day."""
        return (day - self.first).days


def _day(text: str, default: date) -> date:
    """The ?date= of a bookmarked or no-JavaScript map; the default when absent or malformed."""
    try:
        return times.read_date(text, field="date") if text else default
    except Invalid:
        return default


@router.get("/ledger", response_class=HTMLResponse)
def ledger_page(request: Request, cursor: Cursor = None) -> Response:
    actor = signed_in(request)
    with _truce(request).uow(write=False) as uow:
        seq, head = uow.ledger.head()
        entries = ledger.entries(uow, actor=actor, newest_first=True, cursor=cursor, limit=PER_PAGE)
    return render(
        request,
        "ledger.html",
        user=actor,
        entries=entries.items,
        pager=pager(request, entries),
        head_seq=seq,
        head_hash=head,
    )


@router.get("/ledger/export")
def ledger_export(request: Request) -> Response:
    """The ledger export for the signed-in user, as the API gives it to a token."""
    return ledger_download(_truce(request), signed_in(request))


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, next: Annotated[str, Query(max_length=200)] = "/") -> Response:
    username = request.session.pop("last_username", "")
    return render(request, "login.html", next=_safe_next(next), username=username)


def _safe_next(target: str) -> str:
    """Only local paths: never send a visitor to another site after signing in."""
    parsed = urlparse(target)
    if parsed.scheme or parsed.netloc or not target.startswith("/") or target.startswith("//"):
        return "/"
    return target


@router.post("/login", dependencies=[Depends(check_csrf)])
def login(
    request: Request,
    username: Annotated[str, Form(max_length=40)],
    password: Annotated[str, Form(max_length=1000)],
    next: Annotated[str, Form(max_length=200)] = "/",
) -> Response:
    truce = _truce(request)
    name, target = username.strip(), _safe_next(next)
    try:
        with truce.uow(write=False) as uow:
            cmd = users.SignIn(name, password, client_address(request))
            actor = users.sign_in(cmd, uow, limits=truce.sign_ins)
    except TooManyAttempts as exc:
        flash(request, "error", exc.render(catalog(request).gettext))
        locked = render(request, "login.html", status_code=429, next=target, username=name)
        locked.headers["Retry-After"] = str(exc.retry_after)
        return locked
    except Unauthenticated:
        flash(request, "error", catalog(request).gettext("Wrong user name or password."))
        request.session["last_username"] = name
        return RedirectResponse(f"/login?next={quote(target)}", status_code=303)
    _start_session(request, actor)
    with truce.uow(write=False) as uow:
        saved = users.saved_language(uow, actor=actor)
        enrolling = users.enrolment_open(uow, actor)
    if saved:  # the user's own choice, over one made in this browser before signing in
        request.session["lang"] = saved
    if enrolling:  # an admin gave them a code: this browser is to make their key first
        return RedirectResponse(f"/account/key?next={quote(target)}", status_code=303)
    return RedirectResponse(target, status_code=303)


def _start_session(request: Request, actor: Actor) -> None:
    """A new server-side session in a fresh cookie (so a planted cookie is never promoted)."""
    truce = _truce(request)
    client = users.NewSession(
        truce.settings.session_hours,
        request.headers.get("user-agent", ""),
        client_address(request),
    )
    with truce.uow() as uow:
        token = users.open_session(client, uow, actor=actor)
    _clear_session(request)
    request.session[SESSION] = token
    request.session["csrf"] = secrets.token_urlsafe(32)


def _clear_session(request: Request) -> None:
    """Forget everything this browser's cookie holds but its language."""
    lang = request.session.get("lang")
    request.session.clear()
    if lang:
        request.session["lang"] = lang


@router.post("/logout", dependencies=[Depends(check_csrf)])
def logout(request: Request) -> Response:
    token = request.session.get(SESSION)
    if isinstance(token, str):
        with _truce(request).uow() as uow:
            users.end_session(token, uow)
    _clear_session(request)  # the page after signing out still speaks the visitor's language
    return RedirectResponse("/", status_code=303)


@router.get("/account", response_class=HTMLResponse)
def account_page(request: Request) -> Response:
    return render(request, "account.html", user=signed_in(request))


@router.get("/account/key", response_class=HTMLResponse)
def key_page(request: Request, next: Annotated[str, Query(max_length=200)] = "/") -> Response:
    """Enrol this browser's key with the one-time code an admin gave (static/sign.js makes it)."""
    actor = signed_in(request)
    with _truce(request).uow(write=False) as uow:
        custody = users.custody_of(uow, actor)
    return render(
        request, "account_key.html", user=actor, enrolling=True, custody=custody,
        next=_safe_next(next),
    )  # fmt: skip


@router.post("/account/key", dependencies=[Depends(check_csrf)])
def enrol_key(
    request: Request,
    code: Annotated[str, Form(max_length=100)],
    public_key: Annotated[str, Form(max_length=100)] = "",
    next: Annotated[str, Form(max_length=200)] = "/",
) -> Response:
    actor = signed_in(request)
    try:
        raw = unb64(public_key) if public_key else b""
    except ValueError:
        raw = b""
    with _truce(request).uow() as uow:
        try:
            users.enrol_key(users.EnrolKey(code, raw), uow, actor=actor)
        except DomainError as exc:
            flash(request, "error", exc.render(catalog(request).gettext))
            return _back(f"/account/key?next={quote(_safe_next(next))}")
    flash(
        request,
        "ok",
        catalog(request).gettext(
            "This browser now holds your signing key; the server has only its public half."
        ),
    )
    return _back(_safe_next(next))


@router.post("/account/password", dependencies=[Depends(check_csrf)])
def change_password(
    request: Request,
    current_password: Annotated[str, Form(max_length=1000)],
    new_password: Annotated[str, Form(max_length=1000)],
    confirm_password: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    """A new password for the signed-in user; every other session and token of theirs ends."""
    actor = signed_in(request)
    truce = _truce(request)
    cmd = users.ChangePassword(
        actor.username, new_password, current_password, client_address(request)
    )
    try:
        if confirm_password != new_password:
            raise Invalid(N_("The two new passwords differ."), field="confirm_password")
        with truce.uow() as uow:
            users.change_password(cmd, uow, actor=actor, limits=truce.sign_ins)
    except DomainError as exc:
        flash(request, "error", exc.render(catalog(request).gettext))
        return _back("/account")
    _start_session(request, actor)
    flash(
        request,
        "ok",
        catalog(request).gettext(
            "Password changed. Your other sign-ins and API tokens have ended."
        ),
    )
    return _back("/account")


@router.post("/lang", dependencies=[Depends(check_csrf)])
def switch_language(
    request: Request,
    lang: Annotated[str, Form(max_length=8)],
    next: Annotated[str, Form(max_length=2000)] = "/",
) -> Response:
    """The header's language switch: this browser remembers the choice, and a signed-in user
    keeps it for every later sign-in; then back to the page it was made on."""
    code = i18n.check_locale(lang)
    actor = current_user(request)
    if actor is not None:
        with _truce(request).uow() as uow:
            users.choose_language(users.ChooseLanguage(code), uow, actor=actor)
    request.session["lang"] = code
    return _back(_safe_next(next))


@router.get("/lang/{code}")
def choose_language(request: Request, code: Annotated[str, Path(max_length=8)]) -> Response:
    """A link to a language, remembered in this browser's session only (a GET changes no user)."""
    request.session["lang"] = i18n.check_locale(code)
    return RedirectResponse("/", status_code=303)


@router.get("/statements", response_class=HTMLResponse)
def statements_page(
    request: Request,
    speaker: Annotated[str, Query(max_length=100)] = "",
    party: Annotated[str, Query(max_length=20)] = "",
    since: Annotated[str, Query(max_length=10)] = "",
    until: Annotated[str, Query(max_length=10)] = "",
    cursor: Cursor = None,
    format: CsvFormat = None,
) -> Response:
    party_id = int(party) if party.isdigit() and int(party) <= MAX_ID else None
    truce = _truce(request)
    # From and To are days on the agreement's clock, To included (as in the API).
    start, end = times.read_period(since, until, zone=partial(_timezone, truce))
    filters: news.StatementFilters = {
        "speaker": speaker.strip() or None,
        "party_id": party_id,
        "since": start,
        "until": end,
    }
    if format == "csv":
        return _download(exports.statements_csv(_reading(truce), **filters))
    with truce.uow(write=False) as uow:
        rows = news.statements(uow, **filters, cursor=cursor, limit=PER_PAGE)
        parties_list = uow.parties.all_rows()
    return render(
        request,
        "statements.html",
        rows=rows.items,
        pager=pager(request, rows),
        download=download_link(request, "csv"),
        speaker=speaker,
        party=party_id,
        since=since,
        until=until,
        parties=parties_list,
    )


def _timezone(truce: Truce) -> str:
    with truce.uow(write=False) as uow:
        return common.timezone(uow)


@router.get("/articles", response_class=HTMLResponse)
def articles_page(request: Request, cursor: Cursor = None) -> Response:
    with _truce(request).uow(write=False) as uow:
        rows = news.articles(uow, cursor=cursor, limit=PER_PAGE)
    return render(request, "articles.html", rows=rows.items, pager=pager(request, rows))


@router.get("/articles/{article_id}", response_class=HTMLResponse)
def article_page(request: Request, article_id: PageId) -> Response:
    with _truce(request).uow(write=False) as uow:
        row = news.article(uow, article_id)
        agreements = uow.agreements.all()
    return render(
        request,
        "article.html",
        article=row,
        timezone=agreements[0].timezone if agreements else "UTC",  # the site's times
        extraction=row.extraction,
        marked=highlighted(row.text, row.extraction),
    )
