"""Commitments, designations and two-key status changes, through the services and a real store."""

from datetime import UTC, datetime, timedelta

import pytest

from tests.helpers import DEADLINE, UNSC
from truce.domain.errors import Conflict, Forbidden, Invalid
from truce.domain.parties import Status, status_at
from truce.domain.permissions import SYSTEM
from truce.domain.proposals import Accord, Decision, ProposalState
from truce.services import parties, standing


def head(world):
    with world.truce.uow(write=False) as uow:
        return uow.ledger.head()


def commit(world, who, party, at=None, guarantor="US"):
    cmd = standing.RecordCommitment(world.agreement_id, world.parties[party], guarantor, at)
    with world.truce.uow() as uow:
        return standing.record_commitment(cmd, uow, actor=world.actors[who])


def propose(world, who, party, status, reason="because"):
    cmd = standing.ProposeStatus(world.agreement_id, world.parties[party], status, reason)
    with world.truce.uow() as uow:
        return standing.propose_status(cmd, uow, actor=world.actors[who])


def decide(world, who, proposal_id, decision=Decision.APPROVE):
    with world.truce.uow() as uow:
        cmd = standing.DecideProposal(proposal_id, decision, "checked")
        return standing.decide_proposal(cmd, uow, actor=world.actors[who])


def status_of(world, party):
    with world.truce.uow(write=False) as uow:
        _, detail = parties.party_detail(uow, world.parties[party], actor=SYSTEM)
    return detail.entry


def test_commitment_after_the_deadline_is_kept_and_flagged_late(world):
    late = commit(world, "us", "fsa", DEADLINE + timedelta(seconds=1))
    on_time = commit(world, "us", "fsa", DEADLINE)
    assert late.late and not on_time.late
    with world.truce.uow(write=False) as uow:
        stored = uow.commitments.list(world.agreement_id, world.parties["fsa"])
    assert [c.late for c in stored] == [False, True]  # ordered by committed_at


def test_designated_party_commitment_is_refused_and_nothing_is_stored(world):
    before = head(world)
    with pytest.raises(Conflict) as refused:
        commit(world, "us", "nusra", DEADLINE - timedelta(days=1))
    assert "QDe.137" in str(refused.value) and UNSC in str(refused.value)
    assert head(world) == before
    with world.truce.uow(write=False) as uow:
        assert uow.commitments.list(world.agreement_id) == []


def test_liaison_declares_only_for_own_party_and_only_now(world):
    assert commit(world, "liaison", "fsa").late  # now is long after 2016
    with pytest.raises(Forbidden):
        commit(world, "liaison", "ahrar")
    with pytest.raises(Invalid) as backdated:
        commit(world, "liaison", "fsa", DEADLINE - timedelta(days=1))
    assert backdated.value.field == "committed_at"


def test_guarantor_records_commitments_made_to_its_own_state_only(world):
    with pytest.raises(Forbidden):
        commit(world, "us", "fsa", guarantor="RU")
    assert commit(world, "ru", "fsa", guarantor="RU").guarantor == "RU"


def test_future_and_naive_commitment_times_are_refused(world):
    with pytest.raises(Invalid):
        commit(world, "us", "fsa", datetime.now(UTC) + timedelta(hours=1))
    with pytest.raises(Invalid) as naive:
        commit(world, "us", "fsa", datetime(2016, 2, 25, 12, 0))
    assert naive.value.field == "committed_at"


def test_status_changes_only_when_the_other_guarantor_approves(world):
    proposal = propose(world, "us", "ahrar", Status.COMMITTED)
    entry = status_of(world, "ahrar")
    assert entry.status is Status.UNKNOWN
    assert entry.views == {"US": Status.COMMITTED, "RU": Status.UNKNOWN}
    # Russia has not answered yet: pending, not a disagreement.
    assert entry.pending and not entry.disputed
    decided = decide(world, "ru", proposal.id)
    assert decided.state is ProposalState.APPROVED and decided.decider_state == "RU"
    entry = status_of(world, "ahrar")
    assert entry.status is Status.COMMITTED and not entry.pending and not entry.disputed


@pytest.mark.parametrize("who", ["us", "us2"])
def test_the_proposing_side_cannot_approve(world, who):
    proposal = propose(world, "us", "ahrar", Status.COMMITTED)
    with pytest.raises(Forbidden):
        decide(world, who, proposal.id)
    assert status_of(world, "ahrar").status is Status.UNKNOWN


@pytest.mark.parametrize("who", ["member", "monitor", "analyst", "liaison", "admin"])
def test_only_guarantors_propose(world, who):
    before = head(world)
    with pytest.raises(Forbidden):
        propose(world, who, "ahrar", Status.COMMITTED)
    assert head(world) == before


def test_rejection_keeps_the_status_and_both_views_stay_visible(world):
    us_view = propose(world, "us", "ahrar", Status.COMMITTED)
    propose(world, "ru", "ahrar", Status.EXCLUDED)
    entry = status_of(world, "ahrar")
    assert entry.views == {"US": Status.COMMITTED, "RU": Status.EXCLUDED} and entry.disputed
    decide(world, "ru", us_view.id, Decision.REJECT)
    entry = status_of(world, "ahrar")
    assert entry.status is Status.UNKNOWN
    assert entry.views == {"US": Status.UNKNOWN, "RU": Status.EXCLUDED}
    assert entry.disputed and not entry.pending
    assert entry.rejected is not None and entry.rejected.id == us_view.id


def test_a_rejected_proposal_is_disputed_until_a_later_approval(world):
    first = propose(world, "ru", "fsa", Status.SUSPENDED)
    decide(world, "us", first.id, Decision.REJECT)
    entry = status_of(world, "fsa")
    assert entry.disputed and entry.views == {"US": Status.UNKNOWN, "RU": Status.UNKNOWN}
    with world.truce.uow(write=False) as uow:
        disputed = parties.registry(uow, actor=None, accord_is=Accord.DISPUTED)[1]
        pending = parties.registry(uow, actor=None, accord_is=Accord.PENDING)[1]
    assert [e.id for e in disputed.items] == [world.parties["fsa"]] and disputed.total == 1
    assert pending.items == [] and pending.total == 0
    second = propose(world, "us", "fsa", Status.COMMITTED)
    decide(world, "ru", second.id)
    entry = status_of(world, "fsa")
    assert entry.status is Status.COMMITTED and entry.accord is Accord.AGREED


def test_approval_supersedes_the_other_sides_open_proposal(world):
    us_view = propose(world, "us", "ahrar", Status.COMMITTED)
    ru_view = propose(world, "ru", "ahrar", Status.EXCLUDED)
    decide(world, "us", ru_view.id)
    with world.truce.uow(write=False) as uow:
        assert uow.proposals.get(us_view.id).state is ProposalState.SUPERSEDED
    assert status_of(world, "ahrar").status is Status.EXCLUDED
    with pytest.raises(Conflict):
        decide(world, "ru", us_view.id)


def test_one_open_proposal_per_side_and_withdrawal(world):
    first = propose(world, "us", "ahrar", Status.COMMITTED)
    with pytest.raises(Conflict):
        propose(world, "us2", "ahrar", Status.SUSPENDED)
    with world.truce.uow() as uow, pytest.raises(Forbidden):
        standing.withdraw_proposal(first.id, uow, actor=world.actors["ru"])
    with world.truce.uow() as uow:
        standing.withdraw_proposal(first.id, uow, actor=world.actors["us2"])
    assert propose(world, "us", "ahrar", Status.SUSPENDED).state is ProposalState.OPEN


def test_a_designated_party_cannot_be_proposed_as_committed(world):
    with pytest.raises(Conflict):
        propose(world, "us", "nusra", Status.COMMITTED)
    assert status_of(world, "nusra").status is Status.EXCLUDED


def test_designation_excludes_from_its_listing_date_and_blocks_pending_approval(world):
    proposal = propose(world, "us", "ahrar", Status.COMMITTED)
    listed = datetime(2016, 2, 29, tzinfo=UTC)
    cmd = standing.RecordDesignation(world.parties["ahrar"], UNSC, "QDe.999", listed)
    with world.truce.uow() as uow:
        standing.record_designation(cmd, uow, actor=world.actors["ru"])
    with pytest.raises(Conflict):
        decide(world, "ru", proposal.id)
    with world.truce.uow(write=False) as uow:
        changes = uow.status_changes.of(world.agreement_id, world.parties["ahrar"])
    assert status_at(changes, listed - timedelta(seconds=1)) is Status.UNKNOWN
    assert status_at(changes, listed) is Status.EXCLUDED


def test_every_change_writes_ledger_entries_in_its_transaction(world):
    seq, _ = head(world)
    proposal = propose(world, "us", "ahrar", Status.COMMITTED)
    assert head(world)[0] == seq + 1
    decide(world, "ru", proposal.id)
    with world.truce.uow(write=False) as uow:
        actions = [e.action for e in uow.ledger.page(seq, 10)]
    assert actions == ["party.status_proposed", "party.status_decided", "party.status_changed"]


def test_search_finds_a_party_by_any_script_and_spelling(world):
    nusra = world.parties["nusra"]
    with world.truce.uow(write=False) as uow:
        for query in ("nusra", "Nusrah", "al-Nusra Front", "جبهة النصرة", "النصرة", "Нусра"):
            assert parties.search(uow, query) == [nusra], query
        assert parties.search(uow, "ahrar al sham") == [world.parties["ahrar"]]
        assert parties.search(uow, "zzz") == []
        assert parties.search(uow, "%") == []


def test_with_three_guarantors_a_status_changes_only_when_all_three_approve(world):
    """Astana, 2017: Russia, Turkey and Iran. The same rule as 2016's two keys: every guarantor
    approves, so two approvals of three change nothing yet."""
    from truce.domain.agreement import State
    from truce.domain.permissions import Actor, Role
    from truce.services import agreements, users

    with world.truce.uow() as uow:
        agreements.add_state(State("TR", "Turkey"), uow, actor=SYSTEM)
        base = uow.agreements.get(world.agreement_id)
    with world.truce.uow() as uow:
        astana = agreements.create_agreement(
            agreements.NewAgreement(
                slug="astana",
                title="Astana memorandum",
                signed_at=base.signed_at,
                effective_at=base.effective_at,
                acceptance_deadline=base.acceptance_deadline,
                timezone="Asia/Damascus",
                guarantors=("RU", "TR", "US"),
            ),
            uow,
            actor=SYSTEM,
        )
    with world.truce.uow() as uow:
        view = users.add_user(
            users.NewUser("tr-ops", Role.GUARANTOR, None, state="TR"), uow, actor=SYSTEM
        )
    world.actors["tr"] = Actor(view.id, "tr-ops", Role.GUARANTOR, "TR")
    cmd = standing.ProposeStatus(astana.id, world.parties["ahrar"], Status.COMMITTED, "declared")
    with world.truce.uow() as uow:
        proposal = standing.propose_status(cmd, uow, actor=world.actors["ru"])

    first = decide(world, "tr", proposal.id)
    assert first.state is ProposalState.OPEN and first.approvals == ("TR",)
    assert first.awaiting(("RU", "TR", "US")) == ("US",)
    with world.truce.uow(write=False) as uow:
        assert uow.status_changes.of(astana.id, world.parties["ahrar"]) == []
    with pytest.raises(Conflict):
        decide(world, "tr", proposal.id)
    with pytest.raises(Forbidden):
        decide(world, "ru", proposal.id)  # its own proposal
    last = decide(world, "us", proposal.id)
    assert last.state is ProposalState.APPROVED and last.decider_state == "US"
    with world.truce.uow(write=False) as uow:
        [change] = uow.status_changes.of(astana.id, world.parties["ahrar"])
    assert change.status is Status.COMMITTED
    with world.truce.uow(write=False) as uow:  # the 2016 agreement of this world is untouched
        assert uow.status_changes.of(world.agreement_id, world.parties["ahrar"]) == []


def test_the_decision_rule_is_agreement_data(world):
    """A majority of three: two approvals decide, and a rejection alone does not refuse."""
    from truce.domain.agreement import State
    from truce.domain.errors import Invalid as Refused
    from truce.domain.permissions import Actor, Role
    from truce.services import agreements, users

    with world.truce.uow() as uow:
        agreements.add_state(State("TR", "Turkey"), uow, actor=SYSTEM)
        base = uow.agreements.get(world.agreement_id)

    def new(slug, procedures):
        cmd = agreements.NewAgreement(
            slug=slug,
            title=slug,
            signed_at=base.signed_at,
            effective_at=base.effective_at,
            acceptance_deadline=base.acceptance_deadline,
            timezone="Asia/Damascus",
            guarantors=("RU", "TR", "US"),
            procedures=procedures,
        )
        with world.truce.uow() as uow:
            return agreements.create_agreement(cmd, uow, actor=SYSTEM)

    with pytest.raises(Refused) as bad:
        new("bad", {"decisions": {"rule": "loudest"}})
    assert bad.value.field == "procedures.decisions.rule"
    majority = new("majority", {"decisions": {"rule": "majority"}})
    with world.truce.uow() as uow:
        view = users.add_user(
            users.NewUser("tr-ops", Role.GUARANTOR, None, state="TR"), uow, actor=SYSTEM
        )
    world.actors["tr"] = Actor(view.id, "tr-ops", Role.GUARANTOR, "TR")
    cmd = standing.ProposeStatus(majority.id, world.parties["fsa"], Status.COMMITTED, "declared")
    with world.truce.uow() as uow:
        proposal = standing.propose_status(cmd, uow, actor=world.actors["ru"])
    rejected = decide(world, "tr", proposal.id, Decision.REJECT)
    assert rejected.state is ProposalState.OPEN and rejected.votes[0][0] == "TR"
    approved = decide(world, "us", proposal.id)
    assert approved.state is ProposalState.APPROVED
