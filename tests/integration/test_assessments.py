"""The assessed perpetrator of an incident, set by the two guarantors together, on a real store
(SQLite and PostgreSQL) over the real UCDP GED events of March 2016 and the 2016 scenario."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any

import pytest
from sqlalchemy import func, select

from tests.helpers import assert_state_replays
from tests.ucdp import EXCLUDED, MIXED, PROTECTED, Month, ucdp_month
from truce.bootstrap import Truce, bootstrap
from truce.domain.errors import Conflict, DomainError, Forbidden, Invalid, NotFound
from truce.domain.permissions import SYSTEM, Actor, Role
from truce.domain.proposals import Decision
from truce.services import assessments, incidents, users
from truce.services import ledger as ledger_service
from truce.store.tables import AllegationRow, LedgerEntryRow


@pytest.fixture(autouse=True)
def _state_replays(truce: Truce) -> Iterator[None]:
    """After each test, its tables are what a replay of its ledger gives."""
    yield
    assert_state_replays(truce)


@pytest.fixture
def month(truce: Truce) -> Month:
    found = ucdp_month(truce)
    with truce.uow() as uow:
        incidents.link_reports(uow)
        fsa = found.parties["fsa"]
        for name, role, state, party in (("ru-desk", Role.GUARANTOR, "RU", None),
                                         ("ru-desk-2", Role.GUARANTOR, "RU", None),
                                         ("us-desk-2", Role.GUARANTOR, "US", None),
                                         ("fsa-liaison", Role.LIAISON, None, fsa)):  # fmt: skip
            view = users.add_user(
                users.NewUser(name, role, None, state=state, party_id=party), uow, actor=SYSTEM
            )
            found.actors[name] = users.actor_of(uow.users.get(view.id))  # type: ignore[arg-type]
        found.parties["tiger"] = next(
            p.id for p in uow.parties.all_rows() if p.slug == "tiger-forces"
        )
    return found


def detail(month: Month, incident_id: int, actor: Actor | None = None) -> dict:
    with month.truce.uow(write=False) as uow:
        return incidents.incident_detail(uow, incident_id, actor=actor)


def ledger(month: Month, since: int = 0) -> list[tuple[str, str, dict]]:
    """The entries after the first ``since``: action, who signed, payload (without the row
    images kept for replay, tested in test_state_replay.py)."""
    with month.truce.uow(write=False) as uow:
        found = uow.ledger.page(since, 100_000)
    return [(e.action, e.actor, {k: v for k, v in e.payload.items() if k != "images"})
            for e in found]  # fmt: skip


def ledger_size(month: Month) -> int:
    with month.truce.uow(write=False) as uow:
        return uow.session.scalar(select(func.count()).select_from(LedgerEntryRow)) or 0


def propose(month: Month, who: str, incident_id: int, party: str | None, reason: str = "radar"):
    cmd = assessments.ProposeAssessment(
        incident_id, month.parties[party] if party else None, reason, undetermined=party is None
    )
    with month.truce.uow() as uow:
        return assessments.propose_assessment(cmd, uow, actor=month.actors[who])


def answer(month: Month, who: str, incident_id: int, assessment_id: int, decision: Decision,
           reason: str = ""):  # fmt: skip
    cmd = assessments.DecideAssessment(incident_id, assessment_id, decision, reason)
    with month.truce.uow() as uow:
        return assessments.decide(cmd, uow, actor=month.actors[who])


def test_us_proposes_russia_approves_the_assessed_party_is_checked_against_the_terms(
    month: Month,
) -> None:
    incident = month.incident_of(PROTECTED)
    saa, isil, tiger = month.parties["saa"], month.parties["isil"], month.parties["tiger"]
    before = detail(month, incident)
    assert (before["outcome"], before["assessed_perpetrator"]) == ("allegation", None)
    assert {a["party_id"] for a in before["allegations"]} == {saa}
    claims = before["claims"]
    mark = ledger_size(month)

    proposed = propose(month, "guarantor", incident, "isil", "the shells came from ISIL lines")
    pending = detail(month, incident, month.actors["analyst"])
    assert pending["assessed_perpetrator"] is None  # one key turns nothing
    assert pending["outcome"] == "allegation"
    [open_one] = pending["pending_assessments"]
    assert (open_one["id"], open_one["party_id"], open_one["proposer_state"]) == (
        proposed.id, isil, "US")  # fmt: skip
    assert open_one["party_name"] == "Islamic State of Iraq and the Levant"
    assert open_one["proposed_by"] == "guarantor-1"  # staff read the user
    public = detail(month, incident)["pending_assessments"][0]
    assert "proposed_by" not in public and public["proposer_state"] == "US"

    approved = answer(month, "ru-desk", incident, proposed.id, Decision.APPROVE, "agreed")
    assert approved.decider_state == "RU"
    after = detail(month, incident)
    assert after["assessed_perpetrator"] == {
        "party_id": isil, "party_name": "Islamic State of Iraq and the Levant",
        "undetermined": False, "assessment_id": proposed.id, "assessed_at": approved.decided_at,
    }  # fmt: skip
    assert after["assessed_perpetrator_id"] == isil and after["pending_assessments"] == []
    # Checked again with the assessed party, an excluded one: not a violation. The claims
    # stay as the sources made them, and the allegations the claims opened are kept, marked.
    assert after["outcome"] == "not_a_violation"
    assert "Islamic State of Iraq and the Levant is excluded" in after["outcome_reason"]
    assert after["claims"] == claims
    assert {a["party_id"] for a in after["allegations"]} == {saa}
    assert all(a["set_aside_by_assessment"] for a in after["allegations"])
    written = ledger(month, mark)
    assert [(action, who) for action, who, _ in written] == [
        ("incident.assessment_proposed", "guarantor-1"),
        ("incident.assessment_decided", "ru-desk"),
        ("incident.perpetrator_assessed", "ru-desk"),
    ]
    assert written[0][2]["party_id"] == isil and written[0][2]["current"] is None
    assert written[2][2] == {"incident_id": incident, "assessment_id": proposed.id,
                             "party_id": isil, "undetermined": False, "previous": None}  # fmt: skip

    # A second view: Russia proposes the Tiger Forces (committed), the US approves, and the
    # check opens the allegation against them.
    again = propose(month, "ru-desk", incident, "tiger", "ground observers saw their guns")
    mark = ledger_size(month)
    answer(month, "us-desk-2", incident, again.id, Decision.APPROVE)
    final = detail(month, incident)
    assert final["assessed_perpetrator"]["party_id"] == tiger
    assert (
        final["outcome"] == "allegation"
        and "Tiger Forces may have breached term 2" in (final["outcome_reason"])
    )
    alleged = {a["party_id"]: a["set_aside_by_assessment"] for a in final["allegations"]}
    assert alleged == {saa: True, tiger: False}
    written = ledger(month, mark)
    actions = [action for action, _, _ in written]
    assert actions[:2] == ["incident.assessment_decided", "incident.perpetrator_assessed"]
    assert written[1][2]["previous"] == {"party_id": isil, "undetermined": False}
    opened = [(who, p["party_id"]) for action, who, p in written if action == "allegation.opened"]
    assert opened and set(opened) == {("system", tiger)}
    with month.truce.uow(write=False) as uow:
        query = select(func.count()).where(AllegationRow.party_id == tiger)
        assert uow.session.scalar(query) == len(opened)
    # The incidents list finds it by the assessed party too.
    with month.truce.uow(write=False) as uow:
        found = incidents.incidents_page(uow, incidents.IncidentFilters(party_id=tiger))
    assert incident in {item["id"] for item in found.items}


def test_undetermined_sets_the_claims_aside_and_flags_the_terms(month: Month) -> None:
    incident = month.incident_of(PROTECTED)
    proposed = propose(month, "ru-desk", incident, None, "two sides shelled; no one can say")
    assert proposed.undetermined
    answer(month, "guarantor", incident, proposed.id, Decision.APPROVE)
    found = detail(month, incident)
    assert found["assessed_perpetrator"]["undetermined"] is True
    assert found["assessed_perpetrator"]["party_id"] is None
    assert found["perpetrator_undetermined"] is True
    assert found["outcome"] == "flagged"
    assert found["outcome_reason"].startswith("The guarantors assessed the perpetrator as undet")
    assert any(a["party_id"] is None for a in found["allegations"])
    assert all(a["set_aside_by_assessment"] == (a["party_id"] is not None)
               for a in found["allegations"])  # fmt: skip
    with month.truce.uow() as uow, pytest.raises(Conflict, match="already assessed"):
        cmd = assessments.ProposeAssessment(incident, None, "again", undetermined=True)
        assessments.propose_assessment(cmd, uow, actor=month.actors["guarantor"])


def test_no_side_sets_it_alone(month: Month) -> None:
    incident = month.incident_of(PROTECTED)
    proposed = propose(month, "guarantor", incident, "isil")
    mark = ledger_size(month)
    for who in ("guarantor", "us-desk-2"):  # the proposer, and anyone else of its side
        with pytest.raises(Forbidden, match="only the other guarantor may decide"):
            answer(month, who, incident, proposed.id, Decision.APPROVE)
    with pytest.raises(Conflict, match="US already has an open assessment"):
        propose(month, "us-desk-2", incident, "tiger")
    assert ledger_size(month) == mark
    assert detail(month, incident)["assessed_perpetrator"] is None


@pytest.mark.parametrize("role", ["monitor", "fsa-liaison", "member", "analyst", "public"])
def test_other_roles_may_neither_propose_nor_decide(month: Month, role: str) -> None:
    incident = month.incident_of(PROTECTED)
    proposed = propose(month, "guarantor", incident, "isil")
    actor = None if role == "public" else month.actors[role]
    mark = ledger_size(month)
    calls = (
        lambda uow: assessments.propose_assessment(
            assessments.ProposeAssessment(incident, month.parties["tiger"], "seen"), uow,
            actor=actor),  # type: ignore[arg-type]
        lambda uow: assessments.decide(
            assessments.DecideAssessment(incident, proposed.id, Decision.APPROVE), uow,
            actor=actor),  # type: ignore[arg-type]
        lambda uow: assessments.withdraw(
            assessments.WithdrawAssessment(incident, proposed.id), uow,
            actor=actor),  # type: ignore[arg-type]
    )  # fmt: skip
    for call in calls:
        with month.truce.uow() as uow, pytest.raises(Forbidden) as refused:
            call(uow)
        assert "perpetrated an incident" in str(refused.value)
    assert ledger_size(month) == mark
    assert detail(month, incident)["pending_assessments"][0]["state"] == "open"


def test_the_other_side_rejects_with_a_reason_and_the_proposer_withdraws(month: Month) -> None:
    incident = month.incident_of(PROTECTED)
    proposed = propose(month, "guarantor", incident, "isil")
    with pytest.raises(Invalid) as silent:
        answer(month, "ru-desk", incident, proposed.id, Decision.REJECT, "  ")
    assert silent.value.field == "reason"
    mark = ledger_size(month)
    rejected = answer(month, "ru-desk", incident, proposed.id, Decision.REJECT, "no ISIL there")
    assert (rejected.state.value, rejected.decision_reason) == ("rejected", "no ISIL there")
    [(action, who, payload)] = ledger(month, mark)
    assert (action, who, payload["outcome"], payload["reason"]) == (
        "incident.assessment_decided", "ru-desk", "rejected", "no ISIL there")  # fmt: skip
    found = detail(month, incident)
    assert found["assessed_perpetrator"] is None and found["outcome"] == "allegation"
    assert [a["state"] for a in found["assessments"]] == ["rejected"]
    with pytest.raises(Conflict, match="already rejected by RU"):
        answer(month, "ru-desk", incident, proposed.id, Decision.APPROVE)

    second = propose(month, "guarantor", incident, "tiger")
    refused = pytest.raises(Forbidden, match=r"proposed an assessment \(US\)")
    with refused, month.truce.uow() as uow:
        cmd = assessments.WithdrawAssessment(incident, second.id)
        assessments.withdraw(cmd, uow, actor=month.actors["ru-desk"])
    with month.truce.uow() as uow:
        cmd = assessments.WithdrawAssessment(incident, second.id)
        withdrawn = assessments.withdraw(cmd, uow, actor=month.actors["us-desk-2"])
    assert withdrawn.state.value == "withdrawn"
    assert ledger(month, ledger_size(month) - 1)[0][0] == "incident.assessment_withdrawn"
    assert detail(month, incident)["pending_assessments"] == []


def test_approving_one_side_supersedes_the_other_and_bad_ids_are_named(month: Month) -> None:
    incident = month.incident_of(PROTECTED)
    ours = propose(month, "guarantor", incident, "isil")
    theirs = propose(month, "ru-desk", incident, "tiger")
    mark = ledger_size(month)
    answer(month, "guarantor", incident, theirs.id, Decision.APPROVE)
    states = {a["id"]: a["state"] for a in detail(month, incident)["assessments"]}
    assert states == {ours.id: "superseded", theirs.id: "approved"}
    superseded = [p for action, _, p in ledger(month, mark)
                  if action == "incident.assessment_superseded"]  # fmt: skip
    assert superseded == [{"assessment_id": ours.id, "by_assessment_id": theirs.id}]
    with pytest.raises(NotFound) as missing:
        answer(month, "ru-desk", incident + 1, ours.id, Decision.APPROVE)  # another incident's
    assert missing.value.field == "assessment_id"
    with pytest.raises(NotFound) as nothing:
        propose(month, "guarantor", 10**9, "isil")
    assert nothing.value.field == "incident_id"
    with month.truce.uow() as uow, pytest.raises(Invalid) as both:
        cmd = assessments.ProposeAssessment(incident, month.parties["isil"], "x", True)
        assessments.propose_assessment(cmd, uow, actor=month.actors["guarantor"])
    assert both.value.field == "party_id"
    with month.truce.uow() as uow, pytest.raises(NotFound) as party:
        cmd = assessments.ProposeAssessment(incident, 10**9, "x")
        assessments.propose_assessment(cmd, uow, actor=month.actors["guarantor"])
    assert party.value.field == "party_id"


def _race(*actions: Callable[[], Any]) -> list[Any]:
    """Run ``actions`` at the same moment, each in its own thread: results, or refusals."""
    barrier = threading.Barrier(len(actions))

    def run(action: Callable[[], Any]) -> Any:
        barrier.wait(timeout=30)
        try:
            return action()
        except DomainError as refusal:
            return refusal

    with ThreadPoolExecutor(len(actions)) as pool:
        return list(pool.map(run, actions))


def test_racing_answers_and_proposals_land_once(month: Month) -> None:
    """Two desks at the same moment, through two separately wired Truces (two processes):
    an approval racing a rejection decides the assessment once, and two proposals of one side
    leave one open; the loser gets a conflict and writes nothing."""
    other = bootstrap(month.truce.settings)
    first, second = month.truce, other
    rounds = [month.incident_of(ref) for ref in (PROTECTED, EXCLUDED, MIXED)]

    def decide_in(truce: Truce, who: str, incident: int, aid: int, decision: Decision) -> Any:
        cmd = assessments.DecideAssessment(incident, aid, decision, "because")
        with truce.uow() as uow:
            return assessments.decide(cmd, uow, actor=month.actors[who])

    def propose_in(truce: Truce, who: str, incident: int, party: str) -> Any:
        cmd = assessments.ProposeAssessment(incident, month.parties[party], "seen")
        with truce.uow() as uow:
            return assessments.propose_assessment(cmd, uow, actor=month.actors[who])

    try:
        for incident in rounds:
            made = propose(month, "guarantor", incident, "isil")
            outcomes = _race(
                partial(decide_in, first, "ru-desk", incident, made.id, Decision.APPROVE),
                partial(decide_in, second, "ru-desk-2", incident, made.id, Decision.REJECT),
            )
            refusals = [o for o in outcomes if isinstance(o, DomainError)]
            assert len(refusals) == 1 and isinstance(refusals[0], Conflict), outcomes
            [won] = [o for o in outcomes if not isinstance(o, DomainError)]
            assert str(refusals[0]) == f"This assessment was already {won.state.value} by RU."
            decided = [p for a, _, p in ledger(month) if a == "incident.assessment_decided"
                       and p["assessment_id"] == made.id]  # fmt: skip
            assert len(decided) == 1 and decided[0]["outcome"] == won.state.value
            found = detail(month, incident)["assessed_perpetrator"]
            assert (found is not None) == (won.state.value == "approved")

            outcomes = _race(
                partial(propose_in, first, "ru-desk", incident, "tiger"),
                partial(propose_in, second, "ru-desk-2", incident, "saa"),
            )
            refusals = [o for o in outcomes if isinstance(o, DomainError)]
            assert len(refusals) == 1 and "RU already has an open assessment" in str(refusals[0])
            pending = detail(month, incident)["pending_assessments"]
            assert [a["proposer_state"] for a in pending] == ["RU"]
    finally:
        other.close()
    report = ledger_service.verify_database(month.truce.db, workers=1)
    assert report.ok, report.failure
