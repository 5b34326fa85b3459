"""Two-key assessments of an incident's perpetrator: one guarantor proposes, the other decides;
and what the terms are checked against once the guarantors have assessed it."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from tests.unit.cessation import cessation
from truce.domain.assessments import (
    Assessed,
    Assessment,
    IncidentRef,
    check_assessment,
    decide_assessment,
    read_perpetrator,
    require_open,
    supersede_assessment,
    withdraw_assessment,
)
from truce.domain.breaches import ActorFact, Outcome
from truce.domain.errors import Conflict, Forbidden, Invalid
from truce.domain.incidents import Account, facts_of, summarise
from truce.domain.parties import Status
from truce.domain.permissions import SYSTEM, Actor, Role
from truce.domain.proposals import Decision, ProposalState

NOW = datetime(2016, 3, 1, 9, 0, tzinfo=UTC)
LATER = NOW + timedelta(hours=3)
AGREEMENT = cessation()
INCIDENT = IncidentRef(40, AGREEMENT.id, None, None)

US_1 = Actor(11, "us-one", Role.GUARANTOR, state="US")
US_2 = Actor(12, "us-two", Role.GUARANTOR, state="US")
RU_1 = Actor(21, "ru-one", Role.GUARANTOR, state="RU")
NOT_GUARANTORS = [
    Actor(31, "fr-member", Role.MEMBER, state="FR"),
    Actor(32, "monitor", Role.MONITOR),
    Actor(33, "analyst", Role.ANALYST),
    Actor(34, "liaison", Role.LIAISON, party_id=9),
    Actor(35, "admin", Role.ADMIN),
    SYSTEM,
    Actor(37, "tr-guarantor", Role.GUARANTOR, state="TR"),  # a guarantor of no such agreement
]
NAMES = [actor.username for actor in NOT_GUARANTORS]


def assessment(by: Actor = US_1, party_id: int | None = 7, **changes: object) -> Assessment:
    assert by.state is not None
    made = Assessment(5, INCIDENT.id, AGREEMENT.id, party_id, "their battery fired", by.user_id,
                      by.state, NOW)  # fmt: skip
    return replace(made, **changes)


def answer(
    actor: Actor, decision: Decision = Decision.APPROVE, reason: str = "", **changes: object
) -> Assessment:
    return decide_assessment(
        assessment(**changes), actor, AGREEMENT, INCIDENT, decision, reason, LATER
    )


@pytest.mark.parametrize("actor", [US_1, US_2, RU_1])
def test_a_guarantor_of_the_agreement_proposes_a_party_or_undetermined(actor: Actor) -> None:
    assert check_assessment(actor, AGREEMENT, INCIDENT, 7, []) == actor.state
    assert check_assessment(actor, AGREEMENT, INCIDENT, None, []) == actor.state


@pytest.mark.parametrize("actor", NOT_GUARANTORS, ids=NAMES)
def test_nobody_else_proposes_or_decides(actor: Actor) -> None:
    with pytest.raises(Forbidden):
        check_assessment(actor, AGREEMENT, INCIDENT, 7, [])
    with pytest.raises(Forbidden):
        answer(actor)
    with pytest.raises(Forbidden):
        withdraw_assessment(assessment(), actor, AGREEMENT, LATER)


def test_the_refusal_names_who_may_not_do_what() -> None:
    with pytest.raises(Forbidden) as refused:
        check_assessment(Actor(32, "monitor", Role.MONITOR), AGREEMENT, INCIDENT, 7, [])
    assert str(refused.value) == "A monitor may not propose who perpetrated an incident."
    with pytest.raises(Forbidden) as public:
        answer(None)  # type: ignore[arg-type]
    assert "Someone not signed in may not decide who perpetrated" in str(public.value)


def test_one_open_assessment_per_side_and_none_for_what_is_already_assessed() -> None:
    with pytest.raises(Conflict) as twice:
        check_assessment(US_2, AGREEMENT, INCIDENT, 8, [assessment(US_1)])
    assert "US already has an open assessment of this incident (5)" in str(twice.value)
    assert twice.value.field == "incident_id"
    # The other side may answer with its own view while ours is open.
    assert check_assessment(RU_1, AGREEMENT, INCIDENT, 8, [assessment(US_1)]) == "RU"
    # A closed one of our side does not count.
    closed = assessment(US_1, state=ProposalState.REJECTED)
    assert check_assessment(US_1, AGREEMENT, INCIDENT, 8, [closed]) == "US"
    assessed = replace(INCIDENT, assessed=Assessed(7))
    with pytest.raises(Conflict) as same:
        check_assessment(US_1, AGREEMENT, assessed, 7, [])
    assert same.value.field == "party_id" and "already assessed party 7" in str(same.value)
    assert check_assessment(US_1, AGREEMENT, assessed, None, []) == "US"  # a change of view
    undetermined = replace(INCIDENT, assessed=Assessed(None))
    with pytest.raises(Conflict, match="undetermined"):
        check_assessment(US_1, AGREEMENT, undetermined, None, [])


def test_a_merged_away_incident_is_not_assessed_its_successor_is() -> None:
    gone = replace(INCIDENT, merged_into_id=41)
    with pytest.raises(Conflict) as merged:
        check_assessment(US_1, AGREEMENT, gone, 7, [])
    assert "merged into incident 41" in str(merged.value)
    with pytest.raises(Conflict):
        decide_assessment(assessment(), RU_1, AGREEMENT, gone, Decision.APPROVE, "", LATER)


def test_only_the_other_guarantor_approves() -> None:
    for own in (US_1, US_2):  # whoever of the proposing side's staff
        with pytest.raises(Forbidden) as refused:
            answer(own)
        assert "US proposed this assessment; only the other guarantor" in str(refused.value)
    approved = answer(RU_1, reason="radar tracks agree")
    assert approved.state is ProposalState.APPROVED
    assert (approved.decided_by, approved.decider_state, approved.decided_at) == (21, "RU", LATER)
    assert approved.decision_reason == "radar tracks agree"
    assert approved.perpetrator == Assessed(7) and not approved.perpetrator.undetermined
    assert answer(RU_1, party_id=None).perpetrator.undetermined


def test_a_rejection_says_why() -> None:
    for empty in ("", "   "):
        with pytest.raises(Invalid) as silent:
            answer(RU_1, Decision.REJECT, empty)
        assert silent.value.field == "reason"
    rejected = answer(RU_1, Decision.REJECT, "  the crater faces the other way ")
    assert rejected.state is ProposalState.REJECTED
    assert rejected.decision_reason == "the crater faces the other way"


def test_a_closed_assessment_is_answered_once_naming_who_closed_it() -> None:
    approved = answer(RU_1)
    with pytest.raises(Conflict) as again:
        decide_assessment(approved, RU_1, AGREEMENT, INCIDENT, Decision.REJECT, "no", LATER)
    assert str(again.value) == "This assessment was already approved by RU."
    assert again.value.field == "assessment_id"
    with pytest.raises(Conflict, match="withdrawn by US"):
        require_open(withdraw_assessment(assessment(), US_2, AGREEMENT, LATER))
    with pytest.raises(Conflict, match="superseded"):
        require_open(supersede_assessment(assessment(), LATER))


def test_only_the_proposing_side_withdraws_and_only_while_open() -> None:
    withdrawn = withdraw_assessment(assessment(US_1), US_2, AGREEMENT, LATER)
    assert (withdrawn.state, withdrawn.decider_state) == (ProposalState.WITHDRAWN, "US")
    with pytest.raises(Forbidden, match=r"proposed an assessment \(US\)"):
        withdraw_assessment(assessment(US_1), RU_1, AGREEMENT, LATER)
    with pytest.raises(Conflict):
        withdraw_assessment(withdrawn, US_1, AGREEMENT, LATER)


def test_a_request_names_a_party_or_undetermined_exactly_once() -> None:
    assert read_perpetrator(7, False) == 7
    assert read_perpetrator(None, True) is None
    for party_id, undetermined in ((None, False), (7, True)):
        with pytest.raises(Invalid) as wrong:
            read_perpetrator(party_id, undetermined)
        assert wrong.value.field == "party_id" and "undetermined: true" in str(wrong.value)


# --- what the terms are checked against -------------------------------------------------------

ACCOUNTS = [
    Account(1, "UCDP GED", NOW, NOW, "day", "Battles", "Armed clash", actor1="Syrian Army",
            actor1_party_id=3, actor2="FSA", actor2_party_id=9),
    Account(2, "SOHR", NOW, NOW, "day", "Battles", "Armed clash", actor1="Jaysh al-Islam",
            actor1_party_id=4, actor2="FSA", actor2_party_id=9),
]  # fmt: skip


def facts(**assessed: object) -> list[ActorFact]:
    summary = summarise(ACCOUNTS, **assessed)  # type: ignore[arg-type]
    found = facts_of(summary, lambda pid, at: Status.COMMITTED, lambda pid: f"party {pid}")
    assert found.undetermined is summary.undetermined
    return list(found.perpetrators)


def test_the_assessment_takes_precedence_over_the_claims_which_stay() -> None:
    assert [p.party_id for p in facts()] == [3, 4]  # unassessed: every claim
    assert [p.party_id for p in facts(assessed_perpetrator=4)] == [4]
    assert facts(undetermined=True) == []  # the guarantors name nobody
    summary = summarise(ACCOUNTS, 4)
    assert summary.assessed and summary.claimed_perpetrators == (3, 4)  # claims untouched
    assert not summarise(ACCOUNTS).assessed
    assert summarise(ACCOUNTS, undetermined=True).assessed
    # A party assessed wins over an undetermined flag left behind.
    assert not summarise(ACCOUNTS, 4, undetermined=True).undetermined


def test_undetermined_flags_the_term_for_no_party() -> None:
    from truce.domain.breaches import BreachRule, KindPattern, Relation, check_incident
    from truce.domain.territory import Verdict

    class Place:
        verdict = Verdict.PROTECTED
        parties: tuple[object, ...] = ()

    rule = BreachRule(2, (KindPattern("Battles"),), (Relation.COVERED_PARTY,))
    summary = summarise(ACCOUNTS, undetermined=True)
    found = facts_of(summary, lambda pid, at: Status.COMMITTED, lambda pid: f"party {pid}")
    checked = check_incident(found, Place(), [rule])  # type: ignore[arg-type]
    [term] = checked.terms
    assert (term.term, term.party_id, term.outcome) == (2, None, Outcome.FLAGGED)
    assert term.reason.render().startswith("The guarantors assessed the perpetrator as undet")
    assessed = summarise(ACCOUNTS, 4)
    found = facts_of(assessed, lambda pid, at: Status.COMMITTED, lambda pid: f"party {pid}")
    checked = check_incident(found, Place(), [rule])  # type: ignore[arg-type]
    assert [(t.party_id, t.outcome) for t in checked.terms] == [(4, Outcome.ALLEGATION)]
