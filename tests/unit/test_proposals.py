"""Two-key status changes: one guarantor proposes, the other guarantor decides."""

from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from tests.unit.cessation import UN_LIST, cessation
from truce.domain.errors import Conflict, Forbidden, Invalid
from truce.domain.parties import Designation, Status
from truce.domain.permissions import SYSTEM, Actor, Role
from truce.domain.proposals import (
    Accord,
    Decision,
    Proposal,
    ProposalState,
    accord,
    check_proposal,
    check_reason,
    decide,
    standing_rejection,
    supersede,
    views,
    withdraw,
)

NOW = datetime(2016, 3, 1, 9, 0, tzinfo=UTC)
LATER = NOW + timedelta(hours=5)
AGREEMENT = cessation()
LISTED = Designation(9, UN_LIST, "QDe.137", datetime(2014, 5, 14, tzinfo=UTC))
EU_LISTED = Designation(9, "EU terrorist list", "EU-1", datetime(2014, 5, 14, tzinfo=UTC))

US_1 = Actor(11, "us-one", Role.GUARANTOR, state="US")
US_2 = Actor(12, "us-two", Role.GUARANTOR, state="US")
RU_1 = Actor(21, "ru-one", Role.GUARANTOR, state="RU")
RU_2 = Actor(22, "ru-two", Role.GUARANTOR, state="RU")
NOT_GUARANTORS = [
    Actor(31, "fr-member", Role.MEMBER, state="FR"),
    Actor(32, "monitor", Role.MONITOR),
    Actor(33, "analyst", Role.ANALYST),
    Actor(34, "liaison", Role.LIAISON, party_id=9),
    Actor(35, "admin", Role.ADMIN),
    SYSTEM,
    Actor(36, "fr-guarantor", Role.GUARANTOR, state="FR"),  # guarantor of another agreement
    Actor(37, "tr-guarantor", Role.GUARANTOR, state="TR"),
    Actor(38, "unbound", Role.GUARANTOR),
]
NOT_GUARANTOR_IDS = [actor.username for actor in NOT_GUARANTORS]


def proposal(status: Status = Status.SUSPENDED, by: Actor = US_1, **changes: object) -> Proposal:
    assert by.state is not None
    made = Proposal(
        id=5,
        agreement_id=AGREEMENT.id,
        party_id=9,
        status=status,
        reason="shelled a committed party",
        proposed_by=by.user_id,
        proposer_state=by.state,
        proposed_at=NOW,
    )
    return replace(made, **changes)


def propose(
    actor: Actor,
    current: Status = Status.COMMITTED,
    proposed: Status = Status.SUSPENDED,
    open_proposals: Sequence[Proposal] = (),
    designations: Sequence[Designation] = (),
) -> str:
    return check_proposal(actor, AGREEMENT, current, proposed, open_proposals, designations, NOW)


@pytest.mark.parametrize("actor", [US_1, US_2, RU_1])
def test_a_guarantor_of_the_agreement_may_propose(actor: Actor) -> None:
    assert propose(actor) == actor.state


@pytest.mark.parametrize("actor", NOT_GUARANTORS, ids=NOT_GUARANTOR_IDS)
def test_nobody_else_may_propose(actor: Actor) -> None:
    with pytest.raises(Forbidden):
        propose(actor)


@pytest.mark.parametrize("status", list(Status))
def test_proposing_the_current_status_is_a_conflict(status: Status) -> None:
    with pytest.raises(Conflict) as raised:
        propose(US_1, current=status, proposed=status)
    assert raised.value.field == "status"


def test_one_open_proposal_per_side() -> None:
    open_us = proposal(by=US_1)
    with pytest.raises(Conflict) as raised:
        propose(US_2, proposed=Status.EXCLUDED, open_proposals=[open_us])
    assert "US" in str(raised.value)
    assert propose(RU_1, proposed=Status.EXCLUDED, open_proposals=[open_us]) == "RU"


@pytest.mark.parametrize("state", [s for s in ProposalState if s is not ProposalState.OPEN])
def test_a_closed_proposal_does_not_block_a_new_one(state: ProposalState) -> None:
    closed = proposal(by=US_1, state=state)
    assert propose(US_2, open_proposals=[closed]) == "US"


@pytest.mark.parametrize("status", [Status.COMMITTED, Status.SUSPENDED, Status.UNKNOWN])
def test_a_designated_party_cannot_be_proposed_as_anything_but_excluded(status: Status) -> None:
    current = Status.EXCLUDED
    with pytest.raises(Conflict) as raised:
        propose(RU_1, current=current, proposed=status, designations=[LISTED])
    assert UN_LIST in str(raised.value)
    assert "QDe.137" in str(raised.value)


def test_a_designated_party_may_be_proposed_as_excluded() -> None:
    assert propose(RU_1, proposed=Status.EXCLUDED, designations=[LISTED]) == "RU"


def test_a_listing_the_agreement_does_not_exclude_does_not_block() -> None:
    delisted = replace(LISTED, delisted_at=NOW - timedelta(days=1))
    assert propose(RU_1, designations=[EU_LISTED, delisted]) == "RU"


@pytest.mark.parametrize("decision", list(Decision))
@pytest.mark.parametrize("decider", [US_1, US_2], ids=["the proposer", "a colleague"])
def test_the_proposing_state_cannot_decide(decision: Decision, decider: Actor) -> None:
    with pytest.raises(Forbidden) as raised:
        decide(proposal(by=US_1), decider, AGREEMENT, decision, "agreed", [], LATER)
    assert "US" in str(raised.value)


@pytest.mark.parametrize("actor", NOT_GUARANTORS, ids=NOT_GUARANTOR_IDS)
def test_nobody_but_a_guarantor_may_decide(actor: Actor) -> None:
    with pytest.raises(Forbidden):
        decide(proposal(by=US_1), actor, AGREEMENT, Decision.APPROVE, "ok", [], LATER)


def test_the_other_guarantor_approves() -> None:
    made = proposal(by=US_1)
    decided = decide(made, RU_2, AGREEMENT, Decision.APPROVE, "confirmed", [], LATER)
    assert decided.state is ProposalState.APPROVED
    assert decided.decided_by == RU_2.user_id
    assert decided.decider_state == "RU"
    assert decided.decided_at == LATER
    assert decided.decision_reason == "confirmed"
    assert (decided.status, decided.proposed_by, decided.proposer_state) == (
        Status.SUSPENDED,
        US_1.user_id,
        "US",
    )
    assert made.state is ProposalState.OPEN


def test_the_other_guarantor_rejects() -> None:
    decided = decide(proposal(by=RU_1), US_2, AGREEMENT, Decision.REJECT, "no proof", [], LATER)
    assert decided.state is ProposalState.REJECTED
    assert (decided.decided_by, decided.decider_state) == (US_2.user_id, "US")
    assert decided.decided_at == LATER
    assert decided.decision_reason == "no proof"


@pytest.mark.parametrize("state", [s for s in ProposalState if s is not ProposalState.OPEN])
@pytest.mark.parametrize("decision", list(Decision))
def test_deciding_a_proposal_that_is_not_open_is_a_conflict(
    state: ProposalState, decision: Decision
) -> None:
    with pytest.raises(Conflict) as raised:
        decide(proposal(by=US_1, state=state), RU_1, AGREEMENT, decision, "late", [], LATER)
    assert raised.value.field == "proposal_id"
    assert state.value in str(raised.value)


def test_approving_a_designated_party_as_anything_but_excluded_is_refused() -> None:
    made = proposal(Status.COMMITTED, by=US_1)
    with pytest.raises(Conflict) as raised:
        decide(made, RU_1, AGREEMENT, Decision.APPROVE, "ok", [LISTED], LATER)
    assert "QDe.137" in str(raised.value)
    rejected = decide(made, RU_1, AGREEMENT, Decision.REJECT, "listed", [LISTED], LATER)
    assert rejected.state is ProposalState.REJECTED


def test_approving_the_exclusion_of_a_designated_party_is_allowed() -> None:
    made = proposal(Status.EXCLUDED, by=RU_1)
    decided = decide(made, US_1, AGREEMENT, Decision.APPROVE, "listed", [LISTED], LATER)
    assert decided.state is ProposalState.APPROVED


def test_withdraw_by_the_proposing_side() -> None:
    withdrawn = withdraw(proposal(by=US_1), US_2, AGREEMENT, LATER)
    assert withdrawn.state is ProposalState.WITHDRAWN
    assert (withdrawn.decided_by, withdrawn.decider_state) == (US_2.user_id, "US")
    assert withdrawn.decided_at == LATER


@pytest.mark.parametrize("actor", [RU_1, *NOT_GUARANTORS], ids=["ru", *NOT_GUARANTOR_IDS])
def test_nobody_else_may_withdraw(actor: Actor) -> None:
    with pytest.raises(Forbidden):
        withdraw(proposal(by=US_1), actor, AGREEMENT, LATER)


def test_a_closed_proposal_cannot_be_withdrawn() -> None:
    with pytest.raises(Conflict):
        withdraw(proposal(by=US_1, state=ProposalState.REJECTED), US_1, AGREEMENT, LATER)


def test_supersede_closes_an_open_proposal() -> None:
    superseded = supersede(proposal(by=RU_1), LATER)
    assert superseded.state is ProposalState.SUPERSEDED
    assert superseded.decided_at == LATER
    with pytest.raises(Conflict):
        supersede(superseded, LATER)


def test_without_open_proposals_both_views_are_the_agreed_status() -> None:
    view = views(Status.COMMITTED, [], AGREEMENT.guarantors)
    assert view == {"US": Status.COMMITTED, "RU": Status.COMMITTED}
    assert accord([]) is Accord.AGREED


def test_a_side_with_an_open_proposal_sees_its_proposal() -> None:
    view = views(Status.COMMITTED, [proposal(Status.SUSPENDED, by=US_1)], AGREEMENT.guarantors)
    assert view == {"US": Status.SUSPENDED, "RU": Status.COMMITTED}


def test_a_proposal_nobody_has_answered_is_pending_not_disputed() -> None:
    # The other side has said nothing yet: no disagreement has happened.
    assert accord([proposal(Status.SUSPENDED, by=US_1)]) is Accord.PENDING
    assert accord([proposal(Status.COMMITTED, by=RU_1)]) is Accord.PENDING


def test_opposite_open_proposals_are_disputed() -> None:
    open_ = [proposal(Status.COMMITTED, by=US_1), proposal(Status.EXCLUDED, by=RU_1)]
    assert accord(open_) is Accord.DISPUTED


def answered(status: Status, by: Actor, state: ProposalState, hours: int, pid: int) -> Proposal:
    at = NOW + timedelta(hours=hours)
    return proposal(status, by=by, id=pid, state=state, decided_at=at, decided_by=99)


def test_a_rejection_is_a_dispute_until_a_later_approval() -> None:
    rejected = answered(Status.SUSPENDED, US_1, ProposalState.REJECTED, 1, pid=1)
    assert accord([rejected]) is Accord.DISPUTED
    assert standing_rejection([rejected]) == rejected
    # A new proposal from either side does not end it: the refusal still stands ...
    assert accord([rejected, proposal(Status.EXCLUDED, by=RU_1, id=2)]) is Accord.DISPUTED
    # ... an approval after it does.
    approved = answered(Status.EXCLUDED, RU_1, ProposalState.APPROVED, 2, pid=2)
    assert accord([rejected, approved]) is Accord.AGREED
    assert standing_rejection([rejected, approved]) is None
    # A rejection after an approval is a dispute again; withdrawals are not answers.
    later = answered(Status.COMMITTED, RU_1, ProposalState.REJECTED, 3, pid=3)
    withdrawn = answered(Status.SUSPENDED, US_1, ProposalState.WITHDRAWN, 4, pid=4)
    assert accord([rejected, approved, later, withdrawn]) is Accord.DISPUTED


def test_withdrawn_and_superseded_proposals_leave_the_guarantors_agreed() -> None:
    withdrawn = answered(Status.SUSPENDED, US_1, ProposalState.WITHDRAWN, 1, pid=1)
    superseded = answered(Status.SUSPENDED, RU_1, ProposalState.SUPERSEDED, 1, pid=2)
    assert accord([withdrawn, superseded]) is Accord.AGREED


def test_closed_proposals_do_not_shape_the_views() -> None:
    rejected = proposal(Status.SUSPENDED, by=US_1, state=ProposalState.REJECTED)
    view = views(Status.COMMITTED, [rejected], AGREEMENT.guarantors)
    assert view == {"US": Status.COMMITTED, "RU": Status.COMMITTED}


def test_both_sides_proposing_the_same_status_is_not_a_dispute() -> None:
    open_ = [proposal(Status.EXCLUDED, by=US_1), proposal(Status.EXCLUDED, by=RU_1)]
    view = views(Status.COMMITTED, open_, AGREEMENT.guarantors)
    assert view == {"US": Status.EXCLUDED, "RU": Status.EXCLUDED}
    assert accord(open_) is Accord.PENDING


def test_a_reason_is_trimmed_and_required() -> None:
    assert check_reason("  shelled Douma \n") == "shelled Douma"
    with pytest.raises(Invalid) as raised:
        check_reason(" \t\n")
    assert raised.value.field == "reason"
