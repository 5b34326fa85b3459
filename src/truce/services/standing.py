"""Commitments, designations and two-key status changes: how a party's standing changes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from truce.domain.agreement import Agreement
from truce.domain.errors import Forbidden, Invalid, NotFound
from truce.domain.i18n import N_
from truce.domain.parties import (
    Commitment,
    Designation,
    Status,
    StatusChange,
    check_commitment,
    status_at,
)
from truce.domain.permissions import Action, Actor, Role, require
from truce.domain.proposals import (
    Decision,
    Proposal,
    ProposalState,
    check_proposal,
    check_reason,
    decide,
    supersede,
    withdraw,
)
from truce.services import common
from truce.store.ledger_store import Change
from truce.store.uow import UnitOfWork


@dataclass(frozen=True)
class RecordCommitment:
    agreement_id: int
    party_id: int
    guarantor: str
    committed_at: datetime | None = None
    channel: str = ""
    note: str = ""


def record_commitment(cmd: RecordCommitment, uow: UnitOfWork, *, actor: Actor) -> Commitment:
    """Record a party's acceptance of the terms, made to a guarantor; flag it late if it is."""
    require(actor, Action.RECORD_COMMITMENT)
    agreement = common.agreement(uow, cmd.agreement_id)
    party = common.party(uow, cmd.party_id)
    committed_at = _commitment_time(cmd, uow, actor)
    _check_recorder(actor, cmd)
    recorded_at = uow.now()
    check = check_commitment(
        agreement, party, cmd.guarantor, committed_at, uow.designations.of(party.id)
    )
    commitment = uow.commitments.add(
        agreement.id,
        Commitment(
            id=0,
            party_id=party.id,
            guarantor=cmd.guarantor,
            committed_at=committed_at,
            late=check.late,
            recorded_at=recorded_at,
            recorded_by=actor.username,
            channel=cmd.channel,
            note=cmd.note,
        ),
    )
    uow.record(
        actor,
        Change(
            "commitment.recorded",
            f"party:{party.id}",
            {
                "commitment_id": commitment.id,
                "agreement_id": agreement.id,
                "party_id": party.id,
                "guarantor": cmd.guarantor,
                "committed_at": common.stamp(committed_at),
                "late": check.late,
                "channel": cmd.channel,
                "note": cmd.note,
                "recorded_at": common.stamp(recorded_at),  # for replay (docs/ledger.md)
            },
        ),
    )
    uow.commit()
    return commitment


def _commitment_time(cmd: RecordCommitment, uow: UnitOfWork, actor: Actor) -> datetime:
    now = uow.now()
    if cmd.committed_at is None:
        return now
    if actor.role is Role.LIAISON:
        raise Invalid(
            N_("A party's own declaration is timed when it is received; omit committed_at."),
            field="committed_at",
        )
    committed_at = common.utc(cmd.committed_at, "committed_at")
    if committed_at > now:
        raise Invalid(N_("committed_at is in the future."), field="committed_at")
    return committed_at


def _check_recorder(actor: Actor, cmd: RecordCommitment) -> None:
    if actor.role is Role.LIAISON and actor.party_id != cmd.party_id:
        raise Forbidden(N_("A liaison declares commitments for their own party only."))
    if actor.role is Role.GUARANTOR and actor.state != cmd.guarantor:
        raise Forbidden(
            N_("Guarantor staff record commitments made to their own state ({state})."),
            state=actor.state or "",
        )


@dataclass(frozen=True)
class RecordDesignation:
    party_id: int
    list_name: str
    reference: str
    listed_at: datetime
    delisted_at: datetime | None = None
    source: str = ""


def record_designation(cmd: RecordDesignation, uow: UnitOfWork, *, actor: Actor) -> int:
    """Record a listing; every agreement that excludes the list excludes the party from then."""
    require(actor, Action.RECORD_DESIGNATION)
    party = common.party(uow, cmd.party_id)
    listed_at = common.utc(cmd.listed_at, "listed_at")
    delisted_at = common.utc(cmd.delisted_at, "delisted_at") if cmd.delisted_at else None
    if delisted_at is not None and delisted_at <= listed_at:
        raise Invalid(N_("delisted_at must come after listed_at."), field="delisted_at")
    if not cmd.list_name.strip() or not cmd.reference.strip():
        raise Invalid(N_("A designation names its list and reference."), field="list_name")
    recorded_at = uow.now()
    designation_id = uow.designations.add(
        Designation(
            party_id=party.id,
            list_name=cmd.list_name.strip(),
            reference=cmd.reference.strip(),
            listed_at=listed_at,
            delisted_at=delisted_at,
            source=cmd.source,
            recorded_by=actor.username,
            recorded_at=recorded_at,
        )
    )
    changes = [
        Change(
            "designation.recorded",
            f"party:{party.id}",
            {
                "designation_id": designation_id,
                "party_id": party.id,
                "list_name": cmd.list_name,
                "reference": cmd.reference,
                "listed_at": common.stamp(listed_at),
                "delisted_at": common.stamp(delisted_at),
                "source": cmd.source,
                "recorded_at": common.stamp(recorded_at),
            },
        )
    ]
    for agreement in uow.agreements.all():
        if agreement.excludes_list(cmd.list_name.strip()):
            changes.append(_exclude(uow, agreement.id, party.id, designation_id, listed_at))
    uow.record(actor, *changes)
    uow.commit()
    return designation_id


def _exclude(
    uow: UnitOfWork, agreement_id: int, party_id: int, designation_id: int, at: datetime
) -> Change:
    recorded_at = uow.now()
    change_id = uow.status_changes.add(
        agreement_id,
        party_id,
        StatusChange(
            Status.EXCLUDED,
            at,
            "designation",
            designation_id=designation_id,
            recorded_at=recorded_at,
        ),
    )
    return Change(
        "party.status_changed",
        f"party:{party_id}",
        {
            "agreement_id": agreement_id,
            "party_id": party_id,
            "status": Status.EXCLUDED.value,
            "effective_at": common.stamp(at),
            "cause": "designation",
            "designation_id": designation_id,
            "status_change_id": change_id,
            "recorded_at": common.stamp(recorded_at),
        },
    )


@dataclass(frozen=True)
class ProposeStatus:
    agreement_id: int
    party_id: int
    status: Status
    reason: str


def propose_status(cmd: ProposeStatus, uow: UnitOfWork, *, actor: Actor) -> Proposal:
    """One guarantor proposes a party's status; it takes effect only when the other approves."""
    agreement = common.agreement(uow, cmd.agreement_id)
    common.party(uow, cmd.party_id)
    reason = check_reason(cmd.reason)
    now = uow.now()
    current = status_at(uow.status_changes.of(agreement.id, cmd.party_id), now)
    open_ = uow.proposals.list(agreement.id, cmd.party_id, ProposalState.OPEN)
    state = check_proposal(
        actor, agreement, current, cmd.status, open_, uow.designations.of(cmd.party_id), now
    )
    proposal = Proposal(
        0, agreement.id, cmd.party_id, cmd.status, reason, actor.user_id, state, now
    )
    proposal_id = uow.proposals.add(proposal)
    uow.record(
        actor,
        Change(
            "party.status_proposed",
            f"party:{cmd.party_id}",
            {
                "proposal_id": proposal_id,
                "agreement_id": agreement.id,
                "party_id": cmd.party_id,
                "status": cmd.status.value,
                "reason": reason,
                "proposer_state": state,
                "current_status": current.value,
                "proposed_at": common.stamp(now),  # for replay (docs/ledger.md)
            },
        ),
    )
    uow.commit()
    return _proposal(uow, proposal_id)


def _proposal(uow: UnitOfWork, proposal_id: int, *, lock: bool = False) -> Proposal:
    found = uow.proposals.get(proposal_id, lock=lock)
    if found is None:
        raise NotFound(N_("There is no proposal {id}."), field="proposal_id", id=proposal_id)
    return found


@dataclass(frozen=True)
class DecideProposal:
    proposal_id: int
    decision: Decision
    reason: str = ""


def decide_proposal(cmd: DecideProposal, uow: UnitOfWork, *, actor: Actor) -> Proposal:
    """The other guarantor approves (the status changes now) or rejects a proposal."""
    proposal = _proposal(uow, cmd.proposal_id, lock=True)
    agreement = common.agreement(uow, proposal.agreement_id)
    now = uow.now()
    decided = decide(
        proposal,
        actor,
        agreement,
        cmd.decision,
        cmd.reason.strip(),
        uow.designations.of(proposal.party_id),
        now,
    )
    if decided.state is ProposalState.OPEN:  # one more answer; others still to come
        return _approved_in_part(uow, decided, cmd, actor, agreement, now)
    uow.proposals.close(decided)
    changes = [
        Change(
            "party.status_decided",
            f"party:{proposal.party_id}",
            {
                "proposal_id": proposal.id,
                "decision": cmd.decision.value,
                "reason": cmd.reason.strip(),
                "decider_state": decided.decider_state,
                "outcome": decided.state.value,
                "decided_at": common.stamp(now),
            },
        )
    ]
    if decided.state is ProposalState.APPROVED:
        changes += _apply(uow, decided, now)
    uow.record(actor, *changes)
    uow.commit()
    return decided


def _approved_in_part(
    uow: UnitOfWork,
    decided: Proposal,
    cmd: DecideProposal,
    actor: Actor,
    agreement: Agreement,
    now: datetime,
) -> Proposal:
    state, vote = decided.votes[-1]
    assert actor.user_id is not None
    uow.proposals.add_vote(decided, state, vote, actor.user_id, now, cmd.reason.strip())
    uow.record(
        actor,
        Change(
            "party.status_decided",
            f"party:{decided.party_id}",
            {
                "proposal_id": decided.id,
                "decision": cmd.decision.value,
                "reason": cmd.reason.strip(),
                "decider_state": state,
                "outcome": decided.state.value,
                "awaiting": list(decided.awaiting(agreement.guarantors)),
                "decided_at": common.stamp(now),
            },
        ),
    )
    uow.commit()
    return decided


def _apply(uow: UnitOfWork, proposal: Proposal, now: datetime) -> list[Change]:
    change_id = uow.status_changes.add(
        proposal.agreement_id,
        proposal.party_id,
        StatusChange(proposal.status, now, "proposal", proposal_id=proposal.id, recorded_at=now),
    )
    changes = [
        Change(
            "party.status_changed",
            f"party:{proposal.party_id}",
            {
                "agreement_id": proposal.agreement_id,
                "party_id": proposal.party_id,
                "status": proposal.status.value,
                "effective_at": common.stamp(now),
                "cause": "proposal",
                "proposal_id": proposal.id,
                "status_change_id": change_id,
                "recorded_at": common.stamp(now),
            },
        )
    ]
    # The other open proposals for this party are now moot: they proposed from the old status.
    for other in uow.proposals.list(proposal.agreement_id, proposal.party_id, ProposalState.OPEN):
        uow.proposals.close(supersede(other, now))
        changes.append(
            Change(
                "party.status_superseded",
                f"party:{proposal.party_id}",
                {
                    "proposal_id": other.id,
                    "by_proposal_id": proposal.id,
                    "decided_at": common.stamp(now),
                },
            )
        )
    return changes


def withdraw_proposal(proposal_id: int, uow: UnitOfWork, *, actor: Actor) -> Proposal:
    """The proposing side takes its proposal back."""
    proposal = _proposal(uow, proposal_id)
    agreement = common.agreement(uow, proposal.agreement_id)
    withdrawn = withdraw(proposal, actor, agreement, uow.now())
    uow.proposals.close(withdrawn)
    payload = {"proposal_id": proposal.id, "decided_at": common.stamp(withdrawn.decided_at)}
    uow.record(actor, Change("party.status_withdrawn", f"party:{proposal.party_id}", payload))
    uow.commit()
    return withdrawn
