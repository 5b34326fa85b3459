"""Hotline pages: the inbox with the overdue list, a thread with its messages and receipts,
and the live feed the thread page listens to (server-sent events, signed in by the session)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sse_starlette import EventSourceResponse

from truce.api.hotline import event_stream, last_seen
from truce.bootstrap import Truce
from truce.domain.errors import DomainError, Invalid
from truce.domain.hotline import MAX_TEXT, Priority, ThreadKind, side_of
from truce.domain.i18n import N_
from truce.domain.permissions import Actor
from truce.services import common, hotline
from truce.web.pages import check_csrf, flash, signed_in
from truce.web.rendering import catalog, render

router = APIRouter(include_in_schema=False)
MAX_ID = 2**53 - 1
PageId = Annotated[int, Path(ge=1, le=MAX_ID)]
# The words hotline.js shows, in the page's language.
SCRIPT_TEXT = {
    "acknowledge": N_("Acknowledge"),
    "acknowledged": N_("acknowledged"),
    "read": N_("read"),
    "waiting": N_("not yet acknowledged"),
    "overdue": N_("overdue"),
    "live": N_("Live: new messages appear here."),
    "offline": N_("Reconnecting…"),
}
PRIORITIES = (N_("urgent"), N_("routine"))
KINDS = (N_("guarantors"), N_("liaison"))


def _truce(request: Request) -> Truce:
    truce: Truce = request.app.state.truce
    return truce


def _side_names(truce: Truce) -> dict[str, str]:
    """Each side as people name it: the state's name, the party's name."""
    with truce.uow(write=False) as uow:
        names = {f"state:{code}": name for code, name in uow.states.names().items()}
        names |= {f"party:{row.id}": row.name for row in uow.parties.all_rows()}
    return names


@router.get("/hotline", response_class=HTMLResponse)
def inbox_page(request: Request) -> Response:
    actor = signed_in(request)
    truce = _truce(request)
    with truce.uow(write=False) as uow:
        threads = hotline.inbox(uow, actor=actor)
        late = hotline.overdue(uow, actor=actor)
        agreement = common.agreement(uow, None)
        parties = [(row.id, row.name) for row in uow.parties.all_rows()]
        guarantors = [(code, uow.states.names().get(code, code)) for code in agreement.guarantors]
    return render(
        request, "hotline.html", user=actor, threads=threads, late=late, agreement=agreement,
        parties=parties, guarantors=guarantors, sides=_side_names(truce), side=side_of(actor),
    )  # fmt: skip


@router.post("/hotline/threads", dependencies=[Depends(check_csrf)])
def open_thread(
    request: Request,
    kind: Annotated[str, Form(max_length=20)],
    subject: Annotated[str, Form(max_length=1000)] = "",
    state: Annotated[str, Form(max_length=10)] = "",
    party_id: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    actor = signed_in(request)
    try:
        cmd = hotline.OpenThread(_kind(kind), subject, state or None, _party(party_id))
        with _truce(request).uow() as uow:
            thread = hotline.open_thread(cmd, uow, actor=actor)
    except DomainError as exc:
        flash(request, "error", exc.render(catalog(request).gettext))
        return RedirectResponse("/hotline", status_code=303)
    return RedirectResponse(f"/hotline/{thread.id}", status_code=303)


def _kind(text: str) -> ThreadKind:
    try:
        return ThreadKind(text)
    except ValueError as exc:
        raise Invalid(
            N_("Choose between the guarantors and a party's liaison."), field="kind"
        ) from exc


def _party(text: str) -> int | None:
    if not text.strip():
        return None
    if not text.strip().isdigit():
        raise Invalid(N_("party_id must name a party of the registry."), field="party_id")
    return int(text)


@router.get("/hotline/stream")
async def stream(
    request: Request, after: Annotated[int | None, Query(ge=0, le=MAX_ID)] = None
) -> Response:
    actor = signed_in(request)
    truce = _truce(request)
    with truce.uow(write=False) as uow:
        hotline.last_event(uow, actor=actor)  # refused now, not mid-stream
    start = last_seen(request.headers.get("last-event-id"), after)
    return EventSourceResponse(event_stream(truce, actor, start, request.is_disconnected))


@router.get("/hotline/{thread_id}", response_class=HTMLResponse)
def thread_page(request: Request, thread_id: PageId) -> Response:
    return _thread(request, thread_id, signed_in(request))


def _thread(
    request: Request, thread_id: int, actor: Actor, draft: str = "", error: str | None = None,
    priority: str = Priority.ROUTINE, lang: str = "",
) -> Response:  # fmt: skip
    truce = _truce(request)
    with truce.uow() as uow:
        hotline.mark_read(thread_id, uow, actor=actor)  # opening the thread is reading it
    with truce.uow(write=False) as uow:
        thread, messages = hotline.thread_messages(thread_id, uow, actor=actor)
        agreement = common.agreement(uow, thread.agreement_id)
        last = hotline.last_event(uow, actor=actor)
        now = uow.now()
    texts = {key: catalog(request).gettext(text) for key, text in SCRIPT_TEXT.items()}
    return render(
        request, "hotline_thread.html", status_code=422 if error else 200, user=actor,
        thread=thread, messages=messages, agreement=agreement, sides=_side_names(truce),
        side=side_of(actor), last_event=last, draft=draft, error=error, priority=priority,
        lang=lang, max_text=MAX_TEXT, texts=texts, now=now,
    )  # fmt: skip


@router.post("/hotline/{thread_id}/messages", dependencies=[Depends(check_csrf)])
def send(
    request: Request,
    thread_id: PageId,
    text: Annotated[str, Form(max_length=MAX_TEXT * 2)] = "",
    priority: Annotated[str, Form(max_length=10)] = Priority.ROUTINE,
    lang: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    actor = signed_in(request)
    try:
        chosen = Priority(priority)
    except ValueError:
        chosen = Priority.ROUTINE
    try:
        with _truce(request).uow() as uow:
            message = hotline.send_message(
                hotline.SendMessage(thread_id, text, chosen, lang or None), uow, actor=actor
            )
    except Invalid as exc:  # the page again, with what was written and what to fix
        said = exc.render(catalog(request).gettext)
        return _thread(request, thread_id, actor, text, said, chosen, lang)
    return RedirectResponse(f"/hotline/{thread_id}#m-{message.id}", status_code=303)


@router.post("/hotline/messages/{message_id}/acknowledge", dependencies=[Depends(check_csrf)])
def acknowledge(request: Request, message_id: PageId) -> Response:
    actor = signed_in(request)
    with _truce(request).uow() as uow:
        message = hotline.acknowledge(message_id, uow, actor=actor)
    flash(request, "ok", catalog(request).gettext(N_("Acknowledged.")))
    return RedirectResponse(f"/hotline/{message.thread_id}#m-{message_id}", status_code=303)


@router.post("/hotline/{thread_id}/read", dependencies=[Depends(check_csrf)])
def read(request: Request, thread_id: PageId) -> Response:
    actor = signed_in(request)
    with _truce(request).uow() as uow:
        hotline.mark_read(thread_id, uow, actor=actor)
    return Response(status_code=204)
