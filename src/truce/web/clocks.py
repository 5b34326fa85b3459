"""The condition clocks page: each clock's counter (kept current by htmx), its runs and its
resets, with the guarantors' forms to propose, answer or withdraw a reset."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from truce.bootstrap import Truce
from truce.domain.errors import DomainError, Invalid
from truce.domain.i18n import N_
from truce.domain.joint import Vote
from truce.services import clocks
from truce.web.pages import check_csrf, flash, signed_in
from truce.web.rendering import catalog, current_user, render

router = APIRouter(include_in_schema=False)
MAX_ID = 2**53 - 1
SPAN_ENDS = (N_("running"), N_("breached"), N_("reset"))
RESET_STATES = (N_("open"), N_("agreed"), N_("refused"), N_("withdrawn"))
VOTES = (N_("approve"), N_("reject"))


def _truce(request: Request) -> Truce:
    truce: Truce = request.app.state.truce
    return truce


def _page(request: Request, template: str) -> Response:
    actor = current_user(request)
    with _truce(request).uow(write=False) as uow:
        if not uow.agreements.all():
            return render(request, "empty.html", user=actor)
        found = clocks.clocks(uow)
        states = uow.states.names()
    side = found[0].agreement.guarantor_of(actor) if found else None
    return render(
        request,
        template,
        user=actor,
        clocks=found,
        side=side,
        states=states,
        agreement=found[0].agreement if found else None,
    )


@router.get("/clocks", response_class=HTMLResponse)
def clocks_page(request: Request) -> Response:
    return _page(request, "clocks.html")


@router.get("/clocks/panel", response_class=HTMLResponse)
def clocks_panel(request: Request) -> Response:
    """The counters alone, which the page fetches again every half minute."""
    return _page(request, "clocks_panel.html")


def _done(request: Request, success: str) -> Response:
    flash(request, "ok", catalog(request).gettext(success))
    return RedirectResponse("/clocks", status_code=303)


def _attempt(request: Request, run: object) -> Response | None:
    try:
        run()  # type: ignore[operator]
    except DomainError as exc:
        flash(request, "error", exc.render(catalog(request).gettext))
        return RedirectResponse("/clocks", status_code=303)
    return None


@router.post("/clocks/{key}/resets", dependencies=[Depends(check_csrf)])
def propose(
    request: Request,
    key: Annotated[str, Path(max_length=60)],
    reason: Annotated[str, Form(max_length=4000)] = "",
) -> Response:
    actor = signed_in(request)
    with _truce(request).uow() as uow:
        refused = _attempt(
            request,
            lambda: clocks.propose_reset(clocks.ProposeReset(key, reason), uow, actor=actor),
        )
    return refused or _done(
        request, N_("Reset proposed: it is made when every other guarantor approves.")
    )


@router.post("/clocks/resets/{reset_id}/votes", dependencies=[Depends(check_csrf)])
def vote(
    request: Request,
    reset_id: Annotated[int, Path(ge=1, le=MAX_ID)],
    choice: Annotated[str, Form(max_length=10)],
    reason: Annotated[str, Form(max_length=4000)] = "",
) -> Response:
    actor = signed_in(request)

    def answer() -> object:
        try:
            chosen = Vote(choice)
        except ValueError as exc:
            raise Invalid(N_("Choose approve or reject."), field="vote") from exc
        return clocks.vote_on_reset(clocks.VoteOnReset(reset_id, chosen, reason), uow, actor=actor)

    with _truce(request).uow() as uow:
        refused = _attempt(request, answer)
    return refused or _done(request, N_("Answer recorded."))


@router.post("/clocks/resets/{reset_id}/withdraw", dependencies=[Depends(check_csrf)])
def withdraw(request: Request, reset_id: Annotated[int, Path(ge=1, le=MAX_ID)]) -> Response:
    actor = signed_in(request)
    with _truce(request).uow() as uow:
        refused = _attempt(request, lambda: clocks.withdraw_reset(reset_id, uow, actor=actor))
    return refused or _done(request, N_("Reset withdrawn."))
