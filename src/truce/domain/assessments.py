"""Two-key assessments of who did it: one guarantor proposes an incident's perpetrator, the other
approves or rejects.

Each source's claim of the perpetrator stays as the source made it (``incidents.Claim``); the
*assessed* perpetrator is a separate field that only the two guarantors together can set, as
they set a party's status (``proposals``): one side's desk proposes a registry party, or
*undetermined* when the guarantors cannot say who did it, with a reason; the other side
approves (the incident's assessed perpetrator is set, and the terms are checked against it
instead of the claims) or rejects, saying why. Neither side can set it alone: a guarantor
cannot answer its own side's proposal, whoever of its staff made it. While an assessment is
open its proposing side may withdraw it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from truce.domain.agreement import Agreement
from truce.domain.errors import Conflict, Forbidden, Invalid
from truce.domain.i18n import N_
from truce.domain.permissions import Action, Actor
from truce.domain.proposals import Decision, ProposalState, check_reason
from truce.domain.text import check_length

UNDETERMINED = "undetermined"  # the word the API and the ledger use for "no party we can name"


@dataclass(frozen=True)
class Assessed:
    """The perpetrator the guarantors agreed on: a registry party, or None for undetermined."""

    party_id: int | None

    @property
    def undetermined(self) -> bool:
        """Whether the guarantors agreed that they cannot name the perpetrator."""
        return self.party_id is None


@dataclass(frozen=True)
class IncidentRef:
    """What the two-key rule needs to know of an incident."""

    id: int
    agreement_id: int | None  # the agreement it was last checked against
    merged_into_id: int | None  # set when a merge removed it
    assessed: Assessed | None  # None: the guarantors have not assessed it


@dataclass(frozen=True)
class Assessment:
    """One guarantor's proposed perpetrator for an incident, and the other guarantor's answer.
    ``party_id`` None proposes *undetermined*."""

    id: int
    incident_id: int
    agreement_id: int
    party_id: int | None
    reason: str
    proposed_by: int
    proposer_state: str
    proposed_at: datetime
    state: ProposalState = ProposalState.OPEN
    decided_by: int | None = None
    decider_state: str | None = None
    decided_at: datetime | None = None
    decision_reason: str = ""

    @property
    def undetermined(self) -> bool:
        """Whether this proposes that the perpetrator cannot be determined."""
        return self.party_id is None

    @property
    def perpetrator(self) -> Assessed:
        """What the incident's assessed perpetrator becomes if this is approved."""
        return Assessed(self.party_id)


def _live(incident: IncidentRef) -> None:
    if incident.merged_into_id is not None:
        raise Conflict(
            N_("Incident {id} was merged into incident {into}: assess that one."),
            field="incident_id",
            id=incident.id,
            into=incident.merged_into_id,
        )


def check_assessment(
    actor: Actor,
    agreement: Agreement,
    incident: IncidentRef,
    party_id: int | None,
    open_assessments: Sequence[Assessment],
) -> str:
    """The proposer's state, if ``actor`` may propose ``party_id`` (None: undetermined) as the
    incident's perpetrator; else why not."""
    state = agreement.acting_guarantor(actor, Action.PROPOSE_ASSESSMENT)
    _live(incident)
    if incident.assessed is not None and incident.assessed.party_id == party_id:
        if party_id is None:
            raise Conflict(
                N_("The guarantors already assessed the perpetrator as undetermined."),
                field="party_id",
            )
        raise Conflict(
            N_("The guarantors already assessed party {party_id} as the perpetrator."),
            field="party_id",
            party_id=party_id,
        )
    mine = [a for a in open_assessments if a.proposer_state == state and a.state is _OPEN]
    if mine:
        raise Conflict(
            N_(
                "{state} already has an open assessment of this incident ({id}): withdraw it first."
            ),
            field="incident_id",
            state=state,
            id=mine[0].id,
        )
    return state


def decide_assessment(
    assessment: Assessment,
    actor: Actor,
    agreement: Agreement,
    incident: IncidentRef,
    decision: Decision,
    reason: str,
    at: datetime,
) -> Assessment:
    """The assessment after the other guarantor's answer; a rejection says why. A guarantor
    cannot answer its own side's assessment."""
    state = agreement.acting_guarantor(actor, Action.DECIDE_ASSESSMENT)
    require_open(assessment)
    if state == assessment.proposer_state:
        raise Forbidden(
            N_("{state} proposed this assessment; only the other guarantor may decide it."),
            state=state,
        )
    reason = reason.strip()
    if decision is Decision.REJECT:
        reason = check_reason(reason)
    else:
        reason = check_length(reason, "reason")
        _live(incident)
    outcome = ProposalState.APPROVED if decision is Decision.APPROVE else ProposalState.REJECTED
    return replace(
        assessment,
        state=outcome,
        decided_by=actor.user_id,
        decider_state=state,
        decided_at=at,
        decision_reason=reason,
    )


def withdraw_assessment(
    assessment: Assessment, actor: Actor, agreement: Agreement, at: datetime
) -> Assessment:
    """The assessment withdrawn by the side that proposed it."""
    state = agreement.acting_guarantor(actor, Action.PROPOSE_ASSESSMENT)
    require_open(assessment)
    if state != assessment.proposer_state:
        raise Forbidden(
            N_("Only the side that proposed an assessment ({state}) may withdraw it."),
            state=assessment.proposer_state,
        )
    return replace(
        assessment,
        state=ProposalState.WITHDRAWN,
        decided_by=actor.user_id,
        decider_state=state,
        decided_at=at,
    )


def supersede_assessment(assessment: Assessment, at: datetime) -> Assessment:
    """An open assessment made moot because another one of the same incident was approved."""
    require_open(assessment)
    return replace(assessment, state=ProposalState.SUPERSEDED, decided_at=at)


_OPEN = ProposalState.OPEN

# Whole sentences per outcome, so that each translates as one.
_CLOSED = {
    ProposalState.APPROVED: N_("This assessment was already approved by {side}."),
    ProposalState.REJECTED: N_("This assessment was already rejected by {side}."),
    ProposalState.WITHDRAWN: N_("This assessment was already withdrawn by {side}."),
    ProposalState.SUPERSEDED: N_(
        "This assessment was already superseded: another assessment of this incident was approved."
    ),
}


def require_open(assessment: Assessment) -> None:
    """Refuse to act on a closed assessment, saying who closed it."""
    if assessment.state is not _OPEN:
        raise Conflict(
            _CLOSED[assessment.state], field="assessment_id", side=assessment.decider_state
        )


def read_perpetrator(party_id: int | None, undetermined: bool) -> int | None:
    """The proposed perpetrator as a request names it: a party id, or ``undetermined`` (None);
    exactly one of the two."""
    if (party_id is None) == (not undetermined):
        raise Invalid(
            N_(
                "Name the perpetrator: give party_id (a registry party), or undetermined: true "
                "when nobody can say; not both."
            ),
            field="party_id",
        )
    return party_id
