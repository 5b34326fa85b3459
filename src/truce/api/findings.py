"""Routes for allegations as the guarantors work them: the queue, filing, one allegation with
what the reader may see of its sealed assessments, assessing, and requests for information."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any, Literal

from fastapi import FastAPI, Path, Query
from fastapi.encoders import jsonable_encoder
from pydantic import Field, StringConstraints

from truce.api.deps import CurrentActor, MaybeActor, Reader, Writer
from truce.api.schemas import MAX_ID, Strict
from truce.domain.findings import MAX_SHORT, MAX_TEXT, AssessmentDraft, Conclusion, Threat
from truce.domain.permissions import Action, Actor, allowed
from truce.services import findings

Id = Annotated[int, Path(ge=1, le=MAX_ID)]
Text = Annotated[str, StringConstraints(max_length=MAX_TEXT)]
Short = Annotated[str, StringConstraints(max_length=MAX_SHORT)]


class AllegationIn(Strict):
    incident_ids: Annotated[
        list[Annotated[int, Field(ge=1, le=MAX_ID)]], Field(min_length=1, max_length=50)
    ]
    party_id: Annotated[int, Field(ge=1, le=MAX_ID)]
    term: Annotated[int, Field(ge=1, le=1000)]
    evidence: Text = ""


class AssessmentIn(Strict):
    conclusion: Conclusion
    nature: Short = ""
    extent: Short = ""
    threat: Threat
    rationale: Annotated[str, StringConstraints(min_length=1, max_length=MAX_TEXT)]
    evidence: Text = ""
    amend: bool = Field(False, description="A new version of one's own assessment.")


class RequestIn(Strict):
    question: Annotated[str, StringConstraints(min_length=1, max_length=MAX_TEXT)]
    to: Literal["party", "sponsor"] = "party"


class AnswerIn(Strict):
    answer: Annotated[str, StringConstraints(min_length=1, max_length=MAX_TEXT)]


def _dict(value: Any) -> dict[str, Any]:
    encoded: dict[str, Any] = jsonable_encoder(value)
    return encoded


def _filer(value: str | None, actor: Actor | None) -> str | None:
    # Who filed is a person: the public learns only that someone did.
    return value if allowed(actor, Action.READ_RESTRICTED) or value is None else "—"


def allegation_view(view: findings.AllegationView, actor: Actor | None) -> dict[str, Any]:
    data = asdict(view.allegation) | {"filed_by": _filer(view.allegation.filed_by, actor)}
    data |= {
        "due_at": view.due_at,
        "submitted": list(view.submitted),
        "sealed": view.sealed,
        "assessments": [asdict(a) for a in view.assessments],
        "finding": asdict(view.finding) if view.finding else None,
        "requests": [asdict(r) for r in view.requests] if actor is not None else [],
        "referrals": [asdict(r) for r in view.referrals],
    }
    if actor is None:
        for item in data["assessments"]:
            item["submitted_by"] = None
    result: dict[str, Any] = jsonable_encoder(data)
    return result


def install(api: FastAPI) -> None:
    """Register the routes on the API application."""

    @api.get("/allegations", tags=["allegations"])
    def list_allegations(
        uow: Reader,
        actor: MaybeActor,
        limit: Annotated[int, Query(ge=1, le=500)] = 50,
        offset: Annotated[int, Query(ge=0, le=10**9)] = 0,
    ) -> dict[str, Any]:
        """Allegations awaiting the guarantors' finding, oldest first: each with its deadline
        and the guarantors that have assessed it (never what they said while sealed)."""
        items, total, _ = findings.queue(uow, actor=actor, limit=limit, offset=offset)
        return _dict(
            {
                "total": total,
                "limit": limit,
                "offset": offset,
                "items": [
                    asdict(i.allegation)
                    | {
                        "filed_by": _filer(i.allegation.filed_by, actor),
                        "due_at": i.due_at,
                        "submitted": list(i.submitted),
                    }
                    for i in items
                ],
            }
        )

    @api.post("/allegations", status_code=201, tags=["allegations"])
    def file_allegation(body: AllegationIn, actor: CurrentActor, uow: Writer) -> dict[str, Any]:
        """File an allegation: the incidents, the party, the term, the evidence (guarantor,
        member, monitor, liaison). It goes to every guarantor's queue at once."""
        cmd = findings.FileAllegation(
            tuple(body.incident_ids), body.party_id, body.term, body.evidence
        )
        made = findings.file_allegation(cmd, uow, actor=actor)
        return allegation_view(findings.allegation_view(uow, made.id, actor=actor), actor)

    @api.get("/allegations/{allegation_id}", tags=["allegations"])
    def get_allegation(allegation_id: Id, uow: Reader, actor: MaybeActor) -> dict[str, Any]:
        """One allegation. Its assessments are sealed until every guarantor has submitted: a
        guarantor sees only its own before that, everyone else none."""
        return allegation_view(findings.allegation_view(uow, allegation_id, actor=actor), actor)

    @api.post("/allegations/{allegation_id}/assessments", status_code=201, tags=["allegations"])
    def submit_assessment(
        allegation_id: Id, body: AssessmentIn, actor: CurrentActor, uow: Writer
    ) -> dict[str, Any]:
        """Submit the caller's guarantor's assessment (once; `amend` for a new version). When
        the guarantors agree, the finding is made at once."""
        draft = AssessmentDraft(
            body.conclusion, body.nature, body.extent, body.threat, body.rationale, body.evidence
        )
        cmd = findings.SubmitAssessment(allegation_id, draft, body.amend)
        findings.submit_assessment(cmd, uow, actor=actor)
        return allegation_view(findings.allegation_view(uow, allegation_id, actor=actor), actor)

    @api.post("/allegations/{allegation_id}/requests", status_code=201, tags=["allegations"])
    def request_information(
        allegation_id: Id, body: RequestIn, actor: CurrentActor, uow: Writer
    ) -> dict[str, Any]:
        """Ask the suspected party (its liaisons) or its sponsoring guarantor, with a deadline."""
        cmd = findings.RequestInformation(allegation_id, body.question, body.to)
        return _dict(asdict(findings.request_information(cmd, uow, actor=actor)))

    @api.get("/requests", tags=["allegations"])
    def my_requests(actor: CurrentActor, uow: Reader) -> list[dict[str, Any]]:
        """The requests for information put to the caller's side, soonest deadline first."""
        return [_dict(asdict(r)) for r in findings.requests_to_me(uow, actor=actor)]

    @api.post("/requests/{request_id}/answer", tags=["allegations"])
    def answer(request_id: Id, body: AnswerIn, actor: CurrentActor, uow: Writer) -> dict[str, Any]:
        """Answer a request put to the caller's side (once)."""
        return _dict(asdict(findings.answer_request(request_id, body.answer, uow, actor=actor)))
