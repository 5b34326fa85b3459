"""Routes for incidents: the list (with a mirror's feeds), one incident, split and merge."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import FastAPI, Path, Query, Request, Response
from fastapi.encoders import jsonable_encoder

from truce.api import schemas, views
from truce.api.deps import CurrentActor, MaybeActor, Reader, Writer
from truce.api.schemas import MAX_ID, ApproveIn, AssessmentIn, MergeIn, RejectIn, SplitIn
from truce.domain.errors import Invalid
from truce.domain.i18n import N_
from truce.domain.incidents import IncidentFilters
from truce.domain.paging import DEFAULT_LIMIT
from truce.domain.permissions import Actor, redact
from truce.domain.proposals import Decision
from truce.services import assessments, common, incidents

IncidentId = Annotated[int, Path(ge=1, le=MAX_ID)]
AssessmentId = Annotated[int, Path(ge=1, le=MAX_ID)]
Verdict = Literal["protected", "excluded", "mixed", "unknown", "not_in_force"]
Outcome = Literal["allegation", "flagged", "not_a_violation", "no_term"]


def _bbox(text: str | None) -> tuple[float, float, float, float] | None:
    if text is None:
        return None
    parts = text.split(",")
    try:
        west, south, east, north = (float(p) for p in parts)
    except ValueError as exc:
        raise Invalid(
            N_("bbox is four numbers west,south,east,north in degrees, e.g. 35.5,32.3,42.4,37.4."),
            field="bbox",
        ) from exc
    return west, south, east, north


def _moment(value: datetime | None, name: str) -> datetime | None:
    return common.utc(value, name) if value is not None else None


def _public(data: dict[str, Any], actor: Actor | None) -> dict[str, Any]:
    """An incident without restricted fields for the public: its reports' channels and who
    moved a report or merged incidents."""
    data = jsonable_encoder(data)
    reports = data["reports"]
    data["reports"] = [{**redact(r, actor), "link": redact(r["link"], actor)} for r in reports]
    if data.get("tombstone"):
        data["tombstone"] = redact(data["tombstone"], actor)
    return data


def _assessed(uow: Any, incident_id: int, assessment_id: int, actor: Actor) -> dict[str, Any]:
    """The incident after an assessment step, with that assessment picked out."""
    incident = _public(incidents.incident_detail(uow, incident_id, actor=actor), actor)
    [mine] = [a for a in incident["assessments"] if a["id"] == assessment_id]
    return {"assessment": mine, "incident": incident}


def install(api: FastAPI) -> None:
    """Register the routes on the API application."""
    _assessment_routes(api)

    @api.get("/incidents", tags=["incidents"])
    def list_incidents(
        request: Request,
        response: Response,
        uow: Reader,
        since: Annotated[datetime | None, Query(description="Ends at or after (RFC 3339).")] = None,
        until: Annotated[datetime | None, Query(description="Starts before (RFC 3339).")] = None,
        bbox: Annotated[
            str | None,
            Query(max_length=100, description="west,south,east,north in degrees (WGS 84)."),
        ] = None,
        party_id: Annotated[
            int | None,
            Query(ge=1, le=MAX_ID, description="A source claims it as an actor, or assessed."),
        ] = None,
        event_type: Annotated[
            str | None,
            Query(max_length=60, description="An ACLED event type, or Ceasefire."),
        ] = None,
        verdict: Annotated[Verdict | None, Query(description="Applicability there and then.")] = (
            None
        ),
        outcome: Annotated[Outcome | None, Query(description="The check against the terms.")] = (
            None
        ),
        source: Annotated[str | None, Query(max_length=300)] = None,
        updated_since: Annotated[
            datetime | None,
            Query(
                description="Changed at or after (RFC 3339): the list is then in order of "
                "change, oldest first, for mirrors."
            ),
        ] = None,
        cursor: schemas.CursorQuery = None,
        limit: schemas.LimitQuery = DEFAULT_LIMIT,
    ) -> dict[str, Any]:
        """Incidents, newest first, with their sources and claimed perpetrators."""
        filters = IncidentFilters(
            since=_moment(since, "since"),
            until=_moment(until, "until"),
            bbox=_bbox(bbox),
            party_id=party_id,
            event_type=event_type,
            verdict=verdict,
            outcome=outcome,
            source=source,
            updated_since=_moment(updated_since, "updated_since"),
        )
        found = incidents.incidents_page(uow, filters, cursor=cursor, limit=limit)
        return views.listing(found, jsonable_encoder(found.items), request, response)

    @api.get("/incidents/tombstones", tags=["incidents"])
    def list_tombstones(
        request: Request,
        response: Response,
        uow: Reader,
        actor: MaybeActor,
        since: Annotated[datetime | None, Query(description="Removed at or after.")] = None,
        cursor: schemas.CursorQuery = None,
        limit: schemas.LimitQuery = DEFAULT_LIMIT,
    ) -> dict[str, Any]:
        """Incidents removed by a merge, oldest first: which one, into which, when, why."""
        found = incidents.tombstones_page(uow, since=since, cursor=cursor, limit=limit)
        items = [redact(jsonable_encoder(item), actor) for item in found.items]
        return views.listing(found, items, request, response)

    @api.get("/incidents/{incident_id}", tags=["incidents"])
    def get_incident(incident_id: IncidentId, uow: Reader, actor: MaybeActor) -> dict[str, Any]:
        """One incident with every report, each source's claim, the casualty ranges, its
        allegations, and its tombstone when it was merged into another."""
        return _public(incidents.incident_detail(uow, incident_id, actor=actor), actor)

    @api.post("/incidents/{incident_id}/split", status_code=201, tags=["incidents"])
    def split_incident(
        incident_id: IncidentId, body: SplitIn, actor: CurrentActor, uow: Writer
    ) -> dict[str, Any]:
        """Move some of an incident's reports into a new incident (ledger `incident.split`)."""
        cmd = incidents.SplitIncident(incident_id, tuple(body.report_ids), body.reason)
        new_id = incidents.split_incident(cmd, uow, actor=actor)
        return {
            "incident": _public(incidents.incident_detail(uow, incident_id, actor=actor), actor),
            "new_incident": _public(incidents.incident_detail(uow, new_id, actor=actor), actor),
        }

    @api.post("/incidents/{incident_id}/merge", tags=["incidents"])
    def merge_incidents(
        incident_id: IncidentId, body: MergeIn, actor: CurrentActor, uow: Writer
    ) -> dict[str, Any]:
        """Merge other incidents into this one; each leaves a tombstone (ledger
        `incident.merged`)."""
        cmd = incidents.MergeIncidents(incident_id, tuple(body.incident_ids), body.reason)
        incidents.merge_incidents(cmd, uow, actor=actor)
        return _public(incidents.incident_detail(uow, incident_id, actor=actor), actor)


def _assessment_routes(api: FastAPI) -> None:
    """Two keys for who did it: one guarantor proposes, the other approves or rejects."""

    @api.post("/incidents/{incident_id}/assessment", status_code=201, tags=["incidents"])
    def propose_assessment(
        incident_id: IncidentId, body: AssessmentIn, actor: CurrentActor, uow: Writer
    ) -> dict[str, Any]:
        """A guarantor proposes who perpetrated the incident: `party_id`, or `undetermined:
        true`, with a reason. Nothing changes until the *other* guarantor approves; each side
        has at most one open assessment per incident (ledger `incident.assessment_proposed`).
        Answers the assessment and the incident."""
        cmd = assessments.ProposeAssessment(
            incident_id, body.party_id, body.reason, body.undetermined
        )
        made = assessments.propose_assessment(cmd, uow, actor=actor)
        return _assessed(uow, incident_id, made.id, actor)

    @api.post("/incidents/{incident_id}/assessment/{assessment_id}/approve", tags=["incidents"])
    def approve_assessment(
        incident_id: IncidentId,
        assessment_id: AssessmentId,
        actor: CurrentActor,
        uow: Writer,
        body: ApproveIn | None = None,
    ) -> dict[str, Any]:
        """The other guarantor approves: the incident's `assessed_perpetrator` is set, the other
        open assessments are superseded, and the incident is checked against the terms with the
        assessed party (ledger `incident.assessment_decided`, `incident.perpetrator_assessed`,
        then `allegation.opened` for any allegation the check opens)."""
        reason = body.reason if body else ""
        cmd = assessments.DecideAssessment(incident_id, assessment_id, Decision.APPROVE, reason)
        assessments.decide(cmd, uow, actor=actor)
        return _assessed(uow, incident_id, assessment_id, actor)

    @api.post("/incidents/{incident_id}/assessment/{assessment_id}/reject", tags=["incidents"])
    def reject_assessment(
        incident_id: IncidentId,
        assessment_id: AssessmentId,
        body: RejectIn,
        actor: CurrentActor,
        uow: Writer,
    ) -> dict[str, Any]:
        """The other guarantor rejects, saying why (ledger `incident.assessment_decided`)."""
        cmd = assessments.DecideAssessment(incident_id, assessment_id, Decision.REJECT, body.reason)
        assessments.decide(cmd, uow, actor=actor)
        return _assessed(uow, incident_id, assessment_id, actor)

    @api.post("/incidents/{incident_id}/assessment/{assessment_id}/withdraw", tags=["incidents"])
    def withdraw_assessment(
        incident_id: IncidentId, assessment_id: AssessmentId, actor: CurrentActor, uow: Writer
    ) -> dict[str, Any]:
        """The proposing side takes its open assessment back (ledger
        `incident.assessment_withdrawn`)."""
        cmd = assessments.WithdrawAssessment(incident_id, assessment_id)
        assessments.withdraw(cmd, uow, actor=actor)
        return _assessed(uow, incident_id, assessment_id, actor)
