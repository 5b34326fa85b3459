"""Who perpetrated an incident, as the guarantors assess it: two keys, as for statuses.

One guarantor's desk proposes the perpetrator (a registry party, or undetermined) with a
reason; the other guarantor approves or rejects it (a rejection says why); the proposing side
may withdraw it while it is open. Approval sets the incident's assessed perpetrator, closes the
other open assessments of the incident as superseded, and checks the incident against the
terms again with the assessed party instead of the claimed ones (which stay as each source
made them). Each step is one ledger entry in the same transaction:
``incident.assessment_proposed``, ``incident.assessment_decided`` (with
``incident.perpetrator_assessed`` and ``incident.assessment_superseded`` on approval, then the
installation's ``allegation.opened`` for what the new check opens),
``incident.assessment_withdrawn``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from truce.domain.assessments import (
    Assessed,
    Assessment,
    IncidentRef,
    check_assessment,
    decide_assessment,
    read_perpetrator,
    supersede_assessment,
    withdraw_assessment,
)
from truce.domain.errors import NotFound
from truce.domain.i18n import N_
from truce.domain.permissions import Action, Actor, require
from truce.domain.proposals import Decision, ProposalState, check_reason
from truce.services import common, incidents
from truce.store.ledger_store import Change
from truce.store.uow import UnitOfWork


@dataclass(frozen=True)
class ProposeAssessment:
    """Propose who perpetrated an incident: ``party_id``, or ``undetermined`` (exactly one)."""

    incident_id: int
    party_id: int | None
    reason: str
    undetermined: bool = False


@dataclass(frozen=True)
class DecideAssessment:
    """The other guarantor's answer to an assessment; a rejection gives its reason."""

    incident_id: int
    assessment_id: int
    decision: Decision
    reason: str = ""


@dataclass(frozen=True)
class WithdrawAssessment:
    incident_id: int
    assessment_id: int


def _incident(uow: UnitOfWork, incident_id: int) -> IncidentRef:
    found = uow.incidents.ref(incident_id)
    if found is None:
        raise NotFound(N_("No incident {id}."), field="incident_id", id=incident_id)
    return found


def _assessment(uow: UnitOfWork, incident_id: int, assessment_id: int) -> Assessment:
    found = uow.assessments.get(assessment_id)
    if found is None or found.incident_id != incident_id:
        raise NotFound(
            N_("Incident {incident_id} has no assessment {id}: see its pending_assessments."),
            field="assessment_id",
            incident_id=incident_id,
            id=assessment_id,
        )
    return found


def _perpetrator(assessed: Assessed | None) -> dict[str, Any] | None:
    if assessed is None:
        return None
    return {"party_id": assessed.party_id, "undetermined": assessed.undetermined}


def propose_assessment(cmd: ProposeAssessment, uow: UnitOfWork, *, actor: Actor) -> Assessment:
    """One guarantor proposes the incident's perpetrator; it is set only when the other
    guarantor approves."""
    require(actor, Action.PROPOSE_ASSESSMENT)
    party_id = read_perpetrator(cmd.party_id, cmd.undetermined)
    reason = check_reason(cmd.reason)
    incident = _incident(uow, cmd.incident_id)
    agreement = common.agreement(uow, incident.agreement_id)
    if party_id is not None:
        common.party(uow, party_id)
    pending = uow.assessments.of(incident.id, ProposalState.OPEN)
    state = check_assessment(actor, agreement, incident, party_id, pending)
    now = uow.now()
    proposal = Assessment(0, incident.id, agreement.id, party_id, reason, actor.user_id, state, now)
    assessment_id = uow.assessments.add(proposal)
    uow.record(
        actor,
        Change(
            "incident.assessment_proposed",
            f"incident:{incident.id}",
            {
                "assessment_id": assessment_id,
                "incident_id": incident.id,
                "agreement_id": agreement.id,
                "party_id": party_id,
                "undetermined": party_id is None,
                "reason": reason,
                "proposer_state": state,
                "current": _perpetrator(incident.assessed),
                "images": {
                    "incident_assessments": uow.images("incident_assessments", [assessment_id])
                },
            },
        ),
    )
    uow.commit()
    return _assessment(uow, incident.id, assessment_id)


def decide(cmd: DecideAssessment, uow: UnitOfWork, *, actor: Actor) -> Assessment:
    """The other guarantor approves (the assessed perpetrator is set, and the incident checked
    against the terms with it) or rejects, saying why."""
    require(actor, Action.DECIDE_ASSESSMENT)
    assessment = _assessment(uow, cmd.incident_id, cmd.assessment_id)
    incident = _incident(uow, assessment.incident_id)
    agreement = common.agreement(uow, assessment.agreement_id)
    now = uow.now()
    decided = decide_assessment(
        assessment, actor, agreement, incident, cmd.decision, cmd.reason, now
    )
    uow.assessments.close(decided)
    changes = [
        Change(
            "incident.assessment_decided",
            f"incident:{incident.id}",
            {
                "assessment_id": decided.id,
                "incident_id": incident.id,
                "decision": cmd.decision.value,
                "reason": decided.decision_reason,
                "decider_state": decided.decider_state,
                "outcome": decided.state.value,
            },
        )
    ]
    changes[0].payload["images"] = {"incident_assessments": [decided.id]}
    approved = decided.state is ProposalState.APPROVED
    if approved:
        changes += _assess(uow, incident, decided)

    def record() -> None:
        # Each entry's images (ids until now), read once the incident is checked again.
        for change in changes:
            wanted = change.payload["images"]
            change.payload["images"] = {name: uow.images(name, ids) for name, ids in wanted.items()}
        uow.record(actor, *changes)

    if approved:
        # The terms again, with the assessed party: the installation's own check.
        incidents.check(uow, incidents.refresh(uow, [incident.id], now), record)
    else:
        record()
    uow.commit()
    return decided


def _assess(uow: UnitOfWork, incident: IncidentRef, approved: Assessment) -> list[Change]:
    now = approved.decided_at or uow.now()
    uow.incidents.assess(incident.id, approved.perpetrator, now)
    changes = [
        Change(
            "incident.perpetrator_assessed",
            f"incident:{incident.id}",
            {
                "incident_id": incident.id,
                "assessment_id": approved.id,
                "party_id": approved.party_id,
                "undetermined": approved.undetermined,
                "previous": _perpetrator(incident.assessed),
                "images": {"incidents": [incident.id]},
            },
        )
    ]
    # The other side's open assessment is moot: it answered the question this one settled.
    for other in uow.assessments.of(incident.id, ProposalState.OPEN):
        uow.assessments.close(supersede_assessment(other, now))
        changes.append(
            Change(
                "incident.assessment_superseded",
                f"incident:{incident.id}",
                {
                    "assessment_id": other.id,
                    "by_assessment_id": approved.id,
                    "images": {"incident_assessments": [other.id]},
                },
            )
        )
    return changes


def withdraw(cmd: WithdrawAssessment, uow: UnitOfWork, *, actor: Actor) -> Assessment:
    """The proposing side takes its open assessment back."""
    require(actor, Action.PROPOSE_ASSESSMENT)
    assessment = _assessment(uow, cmd.incident_id, cmd.assessment_id)
    agreement = common.agreement(uow, assessment.agreement_id)
    withdrawn = withdraw_assessment(assessment, actor, agreement, uow.now())
    uow.assessments.close(withdrawn)
    uow.record(
        actor,
        Change(
            "incident.assessment_withdrawn",
            f"incident:{assessment.incident_id}",
            {
                "assessment_id": assessment.id,
                "incident_id": assessment.incident_id,
                "images": {
                    "incident_assessments": uow.images("incident_assessments", [assessment.id])
                },
            },
        ),
    )
    uow.commit()
    return withdrawn
