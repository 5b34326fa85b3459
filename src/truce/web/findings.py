"""Allegation pages: the guarantors' queue, one allegation with its requests for information,
its sealed assessments (side by side once all are in) and the finding, and the forms."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Form, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from truce.bootstrap import Truce
from truce.domain.breaches import reason_from
from truce.domain.errors import DomainError, Invalid
from truce.domain.findings import AssessmentDraft, Conclusion, Threat
from truce.domain.hotline import side_of
from truce.domain.i18n import N_
from truce.domain.permissions import Action, allowed
from truce.services import findings
from truce.web.pages import check_csrf, flash, signed_in
from truce.web.rendering import catalog, current_user, render

router = APIRouter(include_in_schema=False)
MAX_ID = 2**53 - 1
PageId = Annotated[int, Path(ge=1, le=MAX_ID)]
PER_PAGE = 50
WORDS = (
    N_("confirmed"), N_("not_confirmed"), N_("inconclusive"), N_("disputed"),
    N_("low"), N_("medium"), N_("high"),
)  # fmt: skip


def _truce(request: Request) -> Truce:
    truce: Truce = request.app.state.truce
    return truce


def _names(truce: Truce) -> tuple[dict[int, str], dict[str, str]]:
    with truce.uow(write=False) as uow:
        parties = {row.id: row.name for row in uow.parties.all_rows()}
        states = uow.states.names()
    return parties, states


@router.get("/allegations", response_class=HTMLResponse)
def queue_page(request: Request, page: Annotated[int, Query(ge=1, le=10**6)] = 1) -> Response:
    actor = current_user(request)
    truce = _truce(request)
    with truce.uow(write=False) as uow:
        if not uow.agreements.all():
            return render(request, "empty.html", user=actor)
        items, total, agreement = findings.queue(
            uow, actor=actor, limit=PER_PAGE, offset=(page - 1) * PER_PAGE
        )
        asked = findings.requests_to_me(uow, actor=actor) if actor else []
        disputed = findings.agenda(uow)
    parties, states = _names(truce)
    return render(
        request,
        "allegations.html",
        user=actor,
        may_read_case=allowed(actor, Action.READ_CASE_FILES),
        pack_day=datetime.now(ZoneInfo(agreement.timezone)).date().isoformat(),
        items=items,
        total=total,
        page=page,
        pages=max(1, -(-total // PER_PAGE)),
        agreement=agreement,
        parties=parties,
        states=states,
        side=agreement.guarantor_of(actor),
        asked=asked,
        disputed=disputed,
    )


@router.get("/allegations/{allegation_id}", response_class=HTMLResponse)
def allegation_page(request: Request, allegation_id: PageId) -> Response:
    actor = current_user(request)
    truce = _truce(request)
    with truce.uow(write=False) as uow:
        view = findings.allegation_view(uow, allegation_id, actor=actor)
    parties, states = _names(truce)
    side = view.agreement.guarantor_of(actor)
    why = reason_from(view.allegation.reason).render(catalog(request).gettext)
    return render(
        request,
        "allegation.html",
        user=actor,
        may_read_case=allowed(actor, Action.READ_CASE_FILES),
        view=view,
        why=why,
        agreement=view.agreement,
        parties=parties,
        states=states,
        side=side,
        my_side=side_of(actor),
        mine=[a for a in view.assessments if a.state == side],
        conclusions=list(Conclusion),
        threats=list(Threat),
    )


def _back(request: Request, allegation_id: int, attempt: object, success: str) -> Response:
    try:
        attempt()  # type: ignore[operator]
    except DomainError as exc:
        flash(request, "error", exc.render(catalog(request).gettext))
    else:
        flash(request, "ok", catalog(request).gettext(success))
    return RedirectResponse(f"/allegations/{allegation_id}", status_code=303)


@router.post("/allegations/{allegation_id}/assessments", dependencies=[Depends(check_csrf)])
def assess(
    request: Request,
    allegation_id: PageId,
    conclusion: Annotated[str, Form(max_length=20)],
    threat: Annotated[str, Form(max_length=10)],
    rationale: Annotated[str, Form(max_length=20_000)] = "",
    nature: Annotated[str, Form(max_length=1000)] = "",
    extent: Annotated[str, Form(max_length=1000)] = "",
    evidence: Annotated[str, Form(max_length=20_000)] = "",
    amend: Annotated[str, Form(max_length=5)] = "",
) -> Response:
    actor = signed_in(request)

    def submit() -> object:
        try:
            draft = AssessmentDraft(
                Conclusion(conclusion), nature, extent, Threat(threat), rationale, evidence
            )
        except ValueError as exc:
            raise Invalid(
                N_("Choose a conclusion and a threat from the lists."), field="conclusion"
            ) from exc
        with _truce(request).uow() as uow:
            return findings.submit_assessment(
                findings.SubmitAssessment(allegation_id, draft, amend == "yes"), uow, actor=actor
            )

    return _back(
        request,
        allegation_id,
        submit,
        N_("Assessment submitted. It stays sealed until every guarantor has submitted."),
    )


@router.post("/allegations/{allegation_id}/requests", dependencies=[Depends(check_csrf)])
def ask(
    request: Request,
    allegation_id: PageId,
    question: Annotated[str, Form(max_length=20_000)] = "",
    to: Annotated[str, Form(max_length=10)] = "party",
) -> Response:
    actor = signed_in(request)

    def send() -> object:
        with _truce(request).uow() as uow:
            cmd = findings.RequestInformation(allegation_id, question, to)
            return findings.request_information(cmd, uow, actor=actor)

    return _back(request, allegation_id, send, N_("Request sent."))


@router.post("/requests/{request_id}/answer", dependencies=[Depends(check_csrf)])
def answer(
    request: Request,
    request_id: PageId,
    allegation_id: Annotated[int, Form(ge=1, le=MAX_ID)],
    text: Annotated[str, Form(max_length=20_000)] = "",
) -> Response:
    actor = signed_in(request)

    def reply() -> object:
        with _truce(request).uow() as uow:
            return findings.answer_request(request_id, text, uow, actor=actor)

    return _back(request, allegation_id, reply, N_("Answer sent."))
