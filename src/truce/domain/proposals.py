"""Two-key status changes: one guarantor proposes, the other approves or rejects."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from truce.domain.agreement import Agreement
from truce.domain.errors import Conflict, Forbidden, Invalid
from truce.domain.i18n import N_, Word
from truce.domain.joint import JointState, Vote, joint_outcome
from truce.domain.parties import Designation, Status, excluding_designation
from truce.domain.permissions import Action, Actor
from truce.domain.text import check_length


class ProposalState(StrEnum):
    """Where a proposal stands."""

    OPEN = "open"
    APPROVED = "approved"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"
    SUPERSEDED = "superseded"


class Decision(StrEnum):
    """What the other guarantor answers."""

    APPROVE = "approve"
    REJECT = "reject"


@dataclass(frozen=True)
class Proposal:
    """One guarantor's proposed status for a party, and the other guarantor's answer."""

    id: int
    agreement_id: int
    party_id: int
    status: Status
    reason: str
    proposed_by: int
    proposer_state: str
    proposed_at: datetime
    state: ProposalState = ProposalState.OPEN
    decided_by: int | None = None
    decider_state: str | None = None
    decided_at: datetime | None = None
    decision_reason: str = ""
    # With more than two guarantors: the answers given so far, the proposal still open.
    votes: tuple[tuple[str, Vote], ...] = ()

    @property
    def approvals(self) -> tuple[str, ...]:
        """The states that approved while the proposal stays open."""
        return tuple(state for state, vote in self.votes if vote is Vote.APPROVE)

    def awaiting(self, guarantors: Sequence[str]) -> tuple[str, ...]:
        """The guarantors whose approval the open proposal still needs."""
        given = {self.proposer_state, *(state for state, _ in self.votes)}
        return tuple(state for state in guarantors if state not in given)


def check_proposal(
    actor: Actor,
    agreement: Agreement,
    current: Status,
    proposed: Status,
    open_proposals: Sequence[Proposal],
    designations: Sequence[Designation],
    at: datetime,
) -> str:
    """The proposer's state, if ``actor`` may propose ``proposed``; else why not."""
    state = agreement.acting_guarantor(actor, Action.PROPOSE_STATUS)
    if proposed is current:
        raise Conflict(
            N_("The party is already {status}."), field="status", status=Word(proposed.value)
        )
    if any(p.proposer_state == state and p.state is ProposalState.OPEN for p in open_proposals):
        raise Conflict(
            N_("{state} already has an open proposal for this party: withdraw it first."),
            state=state,
        )
    _refuse_designated(agreement, proposed, designations, at)
    return state


def _refuse_designated(
    agreement: Agreement, proposed: Status, designations: Sequence[Designation], at: datetime
) -> None:
    designation = excluding_designation(agreement, designations, at)
    if proposed is not Status.EXCLUDED and designation is not None:
        raise Conflict(
            N_("The party is designated on {list} ({reference}); it stays excluded."),
            field="status",
            list=designation.list_name,
            reference=designation.reference,
        )


def decide(
    proposal: Proposal,
    actor: Actor,
    agreement: Agreement,
    decision: Decision,
    reason: str,
    designations: Sequence[Designation],
    at: datetime,
) -> Proposal:
    """The proposal after the other guarantor's answer; a guarantor cannot answer its own."""
    state = agreement.acting_guarantor(actor, Action.DECIDE_STATUS)
    require_open(proposal)
    if state == proposal.proposer_state:
        raise Forbidden(
            N_("{state} made this proposal; only the other guarantor may decide it."),
            state=state,
        )
    if state in dict(proposal.votes):
        raise Conflict(
            N_("{state} has already answered this proposal; it waits for {others}."),
            field="proposal_id",
            state=state,
            others=", ".join(proposal.awaiting(agreement.guarantors)),
        )
    if decision is Decision.APPROVE:
        _refuse_designated(agreement, proposal.status, designations, at)
    vote = Vote.APPROVE if decision is Decision.APPROVE else Vote.REJECT
    votes = {proposal.proposer_state: Vote.APPROVE, **dict(proposal.votes), state: vote}
    joint = joint_outcome(agreement.decision_rule(), agreement.guarantors, votes)
    if joint is JointState.OPEN:  # recorded; the others still to answer
        return replace(proposal, votes=(*proposal.votes, (state, vote)))
    outcome = ProposalState.APPROVED if joint is JointState.AGREED else ProposalState.REJECTED
    return replace(
        proposal,
        state=outcome,
        decided_by=actor.user_id,
        decider_state=state,
        decided_at=at,
        decision_reason=reason,
    )


def withdraw(proposal: Proposal, actor: Actor, agreement: Agreement, at: datetime) -> Proposal:
    """The proposal withdrawn by its own side."""
    state = agreement.acting_guarantor(actor, Action.PROPOSE_STATUS)
    require_open(proposal)
    if state != proposal.proposer_state:
        raise Forbidden(N_("Only the side that proposed may withdraw a proposal."))
    return replace(
        proposal,
        state=ProposalState.WITHDRAWN,
        decided_by=actor.user_id,
        decider_state=state,
        decided_at=at,
    )


def supersede(proposal: Proposal, at: datetime) -> Proposal:
    """An open proposal made moot because another one for the same party was approved."""
    require_open(proposal)
    return replace(proposal, state=ProposalState.SUPERSEDED, decided_at=at)


# Whole sentences per outcome, so that each translates as one.
_CLOSED = {
    ProposalState.APPROVED: N_("This proposal was already approved by {side}."),
    ProposalState.REJECTED: N_("This proposal was already rejected by {side}."),
    ProposalState.WITHDRAWN: N_("This proposal was already withdrawn by {side}."),
    ProposalState.SUPERSEDED: N_(
        "This proposal was already superseded: another proposal for this party was approved."
    ),
}


def require_open(proposal: Proposal) -> None:
    """Refuse to act on a closed proposal, saying who closed it."""
    if proposal.state is not ProposalState.OPEN:
        raise Conflict(_CLOSED[proposal.state], field="proposal_id", side=proposal.decider_state)


def views(
    current: Status, open_proposals: Sequence[Proposal], guarantors: Sequence[str]
) -> dict[str, Status]:
    """Each guarantor's view of a party's status: its open proposal, else the agreed status."""
    proposed = {p.proposer_state: p.status for p in open_proposals if p.state is ProposalState.OPEN}
    return {state: proposed.get(state, current) for state in guarantors}


class Accord(StrEnum):
    """Whether the guarantors agree on a party's status."""

    AGREED = "agreed"  # nothing open, and no answer refused
    PENDING = "pending"  # one side proposed; the other has not answered yet
    DISPUTED = "disputed"  # the sides' views conflict


def accord(proposals: Sequence[Proposal]) -> Accord:
    """Where the guarantors stand on one party, from all its proposals (open and closed).

    Disputed when the two sides have open proposals for different statuses, or when the latest
    answer one side gave the other's proposal was a rejection (until a later approval). A
    proposal nobody has answered yet is only pending: no disagreement has happened."""
    open_ = [p for p in proposals if p.state is ProposalState.OPEN]
    if len({p.status for p in open_}) > 1 or standing_rejection(proposals) is not None:
        return Accord.DISPUTED
    return Accord.PENDING if open_ else Accord.AGREED


def standing_rejection(proposals: Sequence[Proposal]) -> Proposal | None:
    """The rejected proposal, when a rejection is the latest answer either side gave."""
    answered = [p for p in proposals if p.state in _ANSWERS]
    latest = max(answered, key=lambda p: (p.decided_at or p.proposed_at, p.id), default=None)
    return latest if latest is not None and latest.state is ProposalState.REJECTED else None


_ANSWERS = frozenset({ProposalState.APPROVED, ProposalState.REJECTED})


def check_reason(reason: str) -> str:
    """A proposal's reason, trimmed; proposals must say why."""
    reason = reason.strip()
    if not reason:
        raise Invalid(N_("Say why: the reason must not be empty."), field="reason")
    return check_length(reason, "reason")
