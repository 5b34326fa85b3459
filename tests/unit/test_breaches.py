"""The terms of 2016 as machine-checkable rules, and the check of one incident against them."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from tests.unit.cessation import cessation
from truce.domain.agreement import Term, check_agreement
from truce.domain.breaches import (
    ActorFact,
    BreachRule,
    IncidentFacts,
    KindPattern,
    Outcome,
    Reason,
    Relation,
    check_incident,
    parse_rule,
    reason_from,
    rule_data,
)
from truce.domain.errors import Invalid
from truce.domain.events import event_kind
from truce.domain.i18n import Word
from truce.domain.parties import Status
from truce.domain.territory import Verdict
from truce.geo.engine import Applicability, PartyHit
from truce.services.scenario import _term, read_scenario

TERMS = tuple(_term(t) for t in read_scenario("syria-2016")["agreement"]["terms"])
RULES = cessation(terms=TERMS).breach_rules()
AT = datetime(2016, 3, 5, 9, 0, tzinfo=UTC)

SAA = ActorFact(1, "Syrian Arab Army", Status.COMMITTED)
FSA = ActorFact(12, "Free Syrian Army", Status.COMMITTED)
ISIL = ActorFact(31, "Islamic State of Iraq and the Levant", Status.EXCLUDED)
RUSSIA = ActorFact(10, "Armed Forces of the Russian Federation", Status.UNKNOWN)
GUNMEN = ActorFact(None, "unidentified gunmen")

AIR_STRIKE = event_kind("Explosions/Remote violence", "Air/drone strike")
REGAINS = event_kind("Battles", "Government regains territory")
ACCESS = event_kind("Ceasefire", "humanitarian access denied")
PROTEST = event_kind("Protests", "Peaceful protest")


def place(verdict: Verdict, *present: ActorFact) -> Applicability:
    """The territory engine's answer, as it gives it."""
    parties = tuple(
        PartyHit(p.party_id or 0, p.name, p.status or Status.UNKNOWN, ()) for p in present
    )
    in_force = verdict is not Verdict.NOT_IN_FORCE
    return Applicability(35.9, 36.6, AT, in_force, verdict, {}, parties, None)


PROTECTED = place(Verdict.PROTECTED, FSA)
EXCLUDED = place(Verdict.EXCLUDED, ISIL)
MIXED = place(Verdict.MIXED, FSA, ActorFact(32, "Jabhat al-Nusra", Status.EXCLUDED))
UNKNOWN = place(Verdict.UNKNOWN)


def facts(*kinds: object, by: tuple[ActorFact, ...] = (SAA,), **more: object) -> IncidentFacts:
    base = IncidentFacts(AT, tuple(kinds) or (AIR_STRIKE,), by, (FSA,))  # type: ignore[arg-type]
    return replace(base, **more)  # type: ignore[arg-type]


def test_the_2016_terms_2_to_5_carry_rules_and_1_and_6_none() -> None:
    assert [r.term for r in RULES] == [2, 3, 4, 5]
    assert TERMS[0].breach is None and TERMS[5].breach is None
    assert [r.assess for r in RULES] == [False, False, False, True]


def test_a_strike_on_a_committed_party_in_protected_territory_is_an_allegation_of_term_2() -> None:
    check = check_incident(facts(), PROTECTED, RULES)
    assert check.outcome is Outcome.ALLEGATION
    assert check.verdict is Verdict.PROTECTED
    term2 = [t for t in check.terms if t.term == 2]
    assert [(t.party_id, t.outcome) for t in term2] == [(SAA.party_id, Outcome.ALLEGATION)]
    assert check.reason.render() == (
        "Syrian Arab Army may have breached term 2: against Free Syrian Army, a party to the "
        "cessation."
    )
    # Term 5 is never alleged by the machine: proportionality is for the guarantors.
    assert [(t.term, t.outcome) for t in check.allegations] == [
        (2, Outcome.ALLEGATION),
        (5, Outcome.FLAGGED),
    ]


def test_a_strike_in_an_excluded_area_is_not_a_violation_with_the_reason() -> None:
    check = check_incident(facts(targets=(ISIL,)), EXCLUDED, RULES)
    assert check.outcome is Outcome.NOT_A_VIOLATION
    assert check.allegations == ()
    assert "Excluded area" in check.reason.render()
    assert "Islamic State of Iraq and the Levant" in check.reason.render()


def test_a_strike_in_a_mixed_area_is_flagged_for_the_guarantors() -> None:
    check = check_incident(facts(), MIXED, RULES)
    assert check.outcome is Outcome.FLAGGED
    assert {t.outcome for t in check.terms} == {Outcome.FLAGGED}
    assert check.reason.render().startswith("Mixed area")
    assert [t.term for t in check.allegations] == [2, 5]


def test_an_incident_of_a_kind_no_term_forbids_breaches_no_term() -> None:
    check = check_incident(facts(PROTEST), PROTECTED, RULES)
    assert check.outcome is Outcome.NO_TERM and check.terms == ()
    assert check.reason.render() == "No term of the agreement forbids incidents of this kind."


def test_before_the_cessation_nothing_is_a_violation() -> None:
    check = check_incident(facts(), place(Verdict.NOT_IN_FORCE), RULES)
    assert check.outcome is Outcome.NOT_A_VIOLATION
    assert "not in force" in check.reason.render()


def test_an_excluded_perpetrator_is_not_bound() -> None:
    check = check_incident(facts(by=(ISIL,)), PROTECTED, RULES)
    assert check.outcome is Outcome.NOT_A_VIOLATION
    assert "excluded from the cessation" in check.reason.render()


def test_an_undecided_perpetrator_or_none_identified_is_flagged() -> None:
    russia = check_incident(facts(by=(RUSSIA,)), PROTECTED, RULES)
    assert russia.outcome is Outcome.FLAGGED
    assert "standing was unknown" in russia.reason.render()
    nobody = check_incident(facts(by=(GUNMEN,)), PROTECTED, RULES)
    assert nobody.outcome is Outcome.FLAGGED
    assert (nobody.terms[0].party_id, "unidentified gunmen" in nobody.reason.render()) == (
        None,
        True,
    )


def test_each_claimed_perpetrator_gets_its_own_allegation() -> None:
    check = check_incident(facts(by=(SAA, FSA, SAA), targets=(FSA, SAA)), PROTECTED, RULES)
    assert [(t.term, t.party_id) for t in check.terms if t.outcome is Outcome.ALLEGATION] == [
        (2, SAA.party_id),
        (2, FSA.party_id),
    ]


def test_no_party_breaches_a_term_against_itself_or_its_own_side() -> None:
    ndf = ActorFact(2, "National Defence Forces", Status.COMMITTED)
    sides = {SAA.party_id: "government", ndf.party_id: "government", FSA.party_id: "opposition"}
    own = place(Verdict.PROTECTED, SAA, ndf)
    clash = facts(targets=(ndf,), sides=sides)
    assert check_incident(clash, own, RULES).outcome is Outcome.NOT_A_VIOLATION
    # Government-held territory is protected, but not from the government.
    unnamed = facts(targets=(), sides=sides)
    check = check_incident(unnamed, own, RULES)
    assert check.outcome is Outcome.NOT_A_VIOLATION
    assert "No target that the term protects" in check.reason.render()
    assert check_incident(unnamed, place(Verdict.PROTECTED, SAA, FSA), RULES).outcome is (
        Outcome.ALLEGATION
    )


def test_an_unnamed_target_in_protected_territory_is_taken_to_be_the_parties_there() -> None:
    check = check_incident(facts(REGAINS, targets=()), PROTECTED, RULES)
    alleged = {t.term for t in check.terms if t.outcome is Outcome.ALLEGATION}
    assert alleged == {2, 3}
    assert "Free Syrian Army" in check.reason.render()


def test_a_strike_on_an_excluded_target_outside_protected_territory_is_not_a_violation() -> None:
    check = check_incident(facts(targets=(ISIL,)), UNKNOWN, RULES)
    assert check.outcome is Outcome.NOT_A_VIOLATION
    assert "Islamic State of Iraq and the Levant: excluded" in check.reason.render()
    # The verdict is said as a phrase, translated as one, never as its bare value.
    said = check.reason.render(lambda text: f"<{text}>")
    assert "<no delineation says who is active there>" in said and "unknown)" not in said


def test_civilians_are_protected_in_protected_territory_only() -> None:
    against = facts(targets=(), civilians=True)
    assert check_incident(against, PROTECTED, RULES).outcome is Outcome.ALLEGATION
    assert "civilians" in check_incident(against, PROTECTED, RULES).reason.render()
    assert check_incident(against, UNKNOWN, RULES).outcome is Outcome.NOT_A_VIOLATION


def test_denied_access_breaches_term_4_wherever_the_cessation_applies() -> None:
    check = check_incident(facts(ACCESS, targets=()), UNKNOWN, RULES)
    assert [(t.term, t.outcome) for t in check.terms] == [(4, Outcome.ALLEGATION)]


def test_rules_round_trip_through_their_data() -> None:
    for rule in RULES:
        assert parse_rule(rule.term, rule_data(rule)) == rule
    assert KindPattern("Battles").matches(REGAINS)
    assert not KindPattern("Battles", "Armed clash").matches(REGAINS)


@pytest.mark.parametrize(
    ("data", "field", "says"),
    [
        ([], "terms.2.breach", "object"),
        ({"kinds": {"Battles": "*"}, "targets": ["any"], "why": 1}, "terms.2.breach", "why"),
        ({"kinds": {}, "targets": ["any"]}, "terms.2.breach.kinds", "sub-types"),
        ({"kinds": {"Battle": "*"}, "targets": ["any"]}, "terms.2.breach.kinds", "'Battle'"),
        ({"kinds": {"Battles": ["Air/drone strike"]}, "targets": ["any"]}, "sub_event_type", ""),
        ({"kinds": {"Battles": "all"}, "targets": ["any"]}, "terms.2.breach.kinds", "list"),
        ({"kinds": {"Battles": "*"}, "targets": ["enemies"]}, "terms.2.breach.targets", "any"),
        ({"kinds": {"Battles": "*"}}, "terms.2.breach.targets", "covered_party"),
        ({"kinds": {"Battles": "*"}, "targets": ["any"], "assess": "yes"}, "terms.2.breach.assess",
         "true"),
    ],
)  # fmt: skip
def test_a_malformed_rule_is_refused_naming_the_field(data: object, field: str, says: str) -> None:
    with pytest.raises(Invalid) as caught:
        parse_rule(2, data)
    assert caught.value.field == field
    assert says in str(caught.value)


def test_an_agreement_refuses_a_rule_filed_under_another_term() -> None:
    rule = BreachRule(3, (KindPattern("Battles"),), (Relation.ANY,))
    with pytest.raises(Invalid) as caught:
        check_agreement(cessation(terms=(Term(2, "a", "a", rule),)))
    assert caught.value.field == "terms.2.breach"


def test_a_reason_keeps_its_words_and_parts_through_storage_and_translation() -> None:
    inner = Reason("in {verdict} territory", {"verdict": Word("protected")})
    reason = Reason("{party} did it {what}", {"party": "SAA", "what": inner})
    back = reason_from(reason.data())
    assert back == reason
    russian = {"in {verdict} territory": "на {verdict} территории", "protected": "защищённой"}
    assert back.render(lambda s: russian.get(s, s)) == "SAA did it на защищённой территории"
