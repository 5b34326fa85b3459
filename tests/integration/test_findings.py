"""Who decided, on both databases, over the real UCDP month: allegations filed against a party,
a request for information answered by its liaison, two sealed assessments, the joint finding;
a third confirmed finding within 14 days refers the party, the guarantors exclude it with two
keys, and its area answers differently from then on. Disagreement past the deadline is
disputed; two guarantors submitting at the same instant make one finding."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import func, select

from tests.helpers import assert_state_replays, ledger_entries
from tests.ucdp import PROTECTED, ROWS, Month, ucdp_month
from truce.bootstrap import Truce
from truce.domain.errors import Conflict, Forbidden, NotFound
from truce.domain.findings import AssessmentDraft, Conclusion, FindingState, Threat
from truce.domain.parties import Status
from truce.domain.permissions import SYSTEM, Role
from truce.domain.proposals import Decision
from truce.domain.territory import Verdict
from truce.services import findings, standing, territory, users
from truce.services.worker import run_round
from truce.store.ledger_store import utc_now
from truce.store.tables import FindingRow

CONFIRMED = AssessmentDraft(
    Conclusion.CONFIRMED,
    "shelling of a populated area",
    "four killed",
    Threat.HIGH,
    "Two sources agree; our own imagery.",
)
NOT_CONFIRMED = AssessmentDraft(
    Conclusion.NOT_CONFIRMED, "", "", Threat.LOW, "No source we trust places the party there."
)


@pytest.fixture(autouse=True)
def _state_replays(truce: Truce) -> Iterator[None]:
    """After each test, its tables are what a replay of its ledger gives."""
    yield
    assert_state_replays(truce)


@pytest.fixture
def month(truce: Truce) -> Month:
    found = ucdp_month(truce, link=True)
    for name, role, state, party in (
        ("ru-ops", Role.GUARANTOR, "RU", None),
        ("fsa-liaison", Role.LIAISON, None, "fsa"),
    ):
        with truce.uow() as uow:
            party_id = found.parties[party] if party else None
            view = users.add_user(
                users.NewUser(name, role, None, state=state, party_id=party_id), uow, actor=SYSTEM
            )
            found.actors[name] = users.actor_of(uow.users.get(view.id))  # type: ignore[arg-type]
    return found


def fsa_incidents(month: Month, count: int) -> list[int]:
    """Incidents of the month whose UCDP sides include the insurgents (the FSA's side)."""
    ids = []
    for row in ROWS:
        if "insurgents" in row["side_b"] and row["id"] in month.report_of:
            incident = month.incident_of(row["id"])
            if incident not in ids:
                ids.append(incident)
        if len(ids) == count:
            return ids
    raise AssertionError("the month has too few such incidents")


def file(month: Month, incident_id: int, term: int = 2) -> int:
    cmd = findings.FileAllegation((incident_id,), month.parties["fsa"], term, "Monitor's note.")
    with month.truce.uow() as uow:
        return findings.file_allegation(cmd, uow, actor=month.actors["monitor"]).id


def assess(
    month: Month,
    who: str,
    allegation_id: int,
    draft: AssessmentDraft = CONFIRMED,
    amend: bool = False,
) -> None:
    with month.truce.uow() as uow:
        findings.submit_assessment(
            findings.SubmitAssessment(allegation_id, draft, amend), uow, actor=month.actors[who]
        )


def test_the_whole_procedure_from_allegation_to_exclusion(month: Month) -> None:
    truce = month.truce
    us, ru = "guarantor", "ru-ops"
    first, second, third = fsa_incidents(month, 3)
    allegation = file(month, first)

    # A request for information to the suspected party, answered by its liaison.
    with truce.uow() as uow:
        asked = findings.request_information(
            findings.RequestInformation(allegation, "Were your units at this place that day?"),
            uow,
            actor=month.actors[us],
        )
    assert asked.to_side == f"party:{month.parties['fsa']}"
    with truce.uow() as uow, pytest.raises(NotFound):
        findings.answer_request(asked.id, "Not us.", uow, actor=month.actors["monitor"])
    with truce.uow() as uow:
        answered = findings.answer_request(
            asked.id,
            "  Our units held the hill, not the town.",
            uow,
            actor=month.actors["fsa-liaison"],
        )
    assert answered.answer == "  Our units held the hill, not the town."  # kept as given

    # Sealed: the first assessment is hidden from the other guarantor and from everyone else.
    assess(month, us, allegation)
    with truce.uow(write=False) as uow:
        for reader, shown in (
            (month.actors[ru], 0),
            (month.actors["monitor"], 0),
            (month.actors[us], 1),
            (None, 0),
        ):
            view = findings.allegation_view(uow, allegation, actor=reader)
            assert view.sealed and len(view.assessments) == shown and view.submitted == ("US",)
            assert view.finding is None
    with pytest.raises(Conflict):
        assess(month, us, allegation)  # once only
    for who in ("monitor", "member", "fsa-liaison"):
        with pytest.raises(Forbidden):
            assess(month, who, allegation)
    assess(month, ru, allegation)
    with truce.uow(write=False) as uow:
        view = findings.allegation_view(uow, allegation, actor=month.actors["monitor"])
    assert not view.sealed and {a.state for a in view.assessments} == {"US", "RU"}
    assert view.finding is not None and view.finding.state is FindingState.CONFIRMED
    with pytest.raises(Conflict):
        assess(month, us, allegation, amend=True)  # decided: nothing more to amend

    # Two more confirmed findings against the same party within 14 days: a referral.
    for incident in (second, third):
        other = file(month, incident)
        assess(month, us, other)
        assess(month, ru, other)
    with truce.uow(write=False) as uow:
        [referral] = uow.findings.referrals(view.agreement.id, month.parties["fsa"])
    assert len(referral.finding_ids) == 3
    assert ledger_entries(truce, "referral.opened") == 1

    # Exclusion through the two-key status proposals: only then the area changes.
    # Ar Rastan (UCDP 216744): only the FSA is active there, so it was protected.
    [place] = [r for r in ROWS if r["id"] == PROTECTED]
    lat, lon = float(place["latitude"]), float(place["longitude"])
    with truce.uow(write=False) as uow:
        before = territory.where(uow, lat, lon, utc_now())
    proposal = standing.ProposeStatus(
        view.agreement.id,
        month.parties["fsa"],
        Status.EXCLUDED,
        f"Referral {referral.id}: three confirmed findings.",
    )
    with truce.uow() as uow:
        proposed = standing.propose_status(proposal, uow, actor=month.actors[ru])
    with truce.uow(write=False) as uow:
        assert territory.where(uow, lat, lon, utc_now()).verdict is before.verdict
    with truce.uow() as uow:
        standing.decide_proposal(
            standing.DecideProposal(proposed.id, Decision.APPROVE, "Agreed"),
            uow,
            actor=month.actors[us],
        )
    with truce.uow(write=False) as uow:
        after = territory.where(uow, lat, lon, utc_now() + timedelta(seconds=1))
    fsa = [p for p in after.parties if p.party_id == month.parties["fsa"]]
    assert fsa and fsa[0].status is Status.EXCLUDED
    assert before.verdict is Verdict.PROTECTED and after.verdict is Verdict.EXCLUDED
    assert (
        ledger_entries(truce, "finding.made") == 3
        and ledger_entries(truce, "assessment.submitted") == 6
    )


def test_disagreement_past_the_deadline_is_disputed_and_amending_can_agree(month: Month) -> None:
    first, second = fsa_incidents(month, 2)
    disputed, amended = file(month, first), file(month, second)
    for allegation in (disputed, amended):
        assess(month, "guarantor", allegation)
        assess(month, "ru-ops", allegation, NOT_CONFIRMED)
    with month.truce.uow(write=False) as uow:
        view = findings.allegation_view(uow, disputed, actor=month.actors["monitor"])
    assert not view.sealed and view.finding is None  # all in, no agreement yet
    assess(month, "ru-ops", amended, CONFIRMED, amend=True)  # a new version, not an edit
    with month.truce.uow(write=False) as uow:
        view = findings.allegation_view(uow, amended, actor=SYSTEM)
    assert view.finding is not None and view.finding.state is FindingState.CONFIRMED
    assert sorted(a.version for a in view.assessments if a.state == "RU") == [1, 2]

    with time_machine.travel(utc_now() + timedelta(days=7, minutes=1), tick=False):
        lapsed, _ = run_round(month.truce.uow)
    assert lapsed >= 1
    with month.truce.uow(write=False) as uow:
        late = findings.allegation_view(uow, disputed, actor=SYSTEM)
    assert late.finding is not None and late.finding.state is FindingState.DISPUTED
    with month.truce.uow(write=False) as uow:
        agenda = [a.id for a, _ in findings.agenda(uow)]  # the task force's agenda
    assert disputed in agenda and amended not in agenda


def test_two_guarantors_submitting_at_once_make_one_finding(month: Month) -> None:
    allegation = file(month, month.incident_of(PROTECTED))
    start = threading.Barrier(2)
    failures: list[BaseException] = []

    def submit(who: str) -> None:
        try:
            start.wait(timeout=10)
            assess(month, who, allegation)
        except BaseException as exc:
            failures.append(exc)

    threads = [threading.Thread(target=submit, args=(who,)) for who in ("guarantor", "ru-ops")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert failures == []
    with month.truce.uow(write=False) as uow:
        made = uow.session.scalar(
            select(func.count()).where(FindingRow.allegation_id == allegation)
        )
        view = findings.allegation_view(uow, allegation, actor=SYSTEM)
    assert made == 1 and view.finding is not None and len(view.assessments) == 2


def test_a_filed_allegation_is_checked(month: Month) -> None:
    from truce.domain.errors import Invalid

    incident = month.incident_of(PROTECTED)
    bad = [
        (findings.FileAllegation((), month.parties["fsa"], 2), "incident_ids"),
        (findings.FileAllegation((10**9,), month.parties["fsa"], 2), "incident_ids"),
        (findings.FileAllegation((incident,), 10**9, 2), "party_id"),
    ]
    for cmd, field in bad:
        with month.truce.uow() as uow, pytest.raises(Invalid) as refused:
            findings.file_allegation(cmd, uow, actor=month.actors["monitor"])
        assert refused.value.field == field
    with month.truce.uow() as uow, pytest.raises(NotFound):
        findings.file_allegation(
            findings.FileAllegation((incident,), month.parties["fsa"], 99),
            uow,
            actor=month.actors["monitor"],
        )
    with month.truce.uow() as uow, pytest.raises(Forbidden):
        findings.file_allegation(
            findings.FileAllegation((incident,), month.parties["fsa"], 2),
            uow,
            actor=month.actors["analyst"],
        )
    file(month, incident)
    with pytest.raises(Conflict):
        file(month, incident)
    with month.truce.uow(write=False) as uow:
        items, total, _ = findings.queue(uow, actor=month.actors["guarantor"], limit=500)
    assert total >= 1 and any(i.allegation.filed_by == "monitor-1" for i in items)


def test_with_three_guarantors_the_finding_waits_for_all_three(month: Month) -> None:
    """Astana, 2017: Russia, Turkey and Iran, each assessing under seal."""
    from truce.services import agreements

    truce = month.truce
    with truce.uow() as uow:
        base = uow.agreements.get(uow.agreements.all()[0].id)
        assert base is not None
        astana = agreements.create_agreement(
            agreements.NewAgreement(
                slug="astana-2017",
                title="Memorandum on de-escalation areas",
                signed_at=base.signed_at,
                effective_at=base.effective_at,
                acceptance_deadline=base.acceptance_deadline,
                timezone="Asia/Damascus",
                guarantors=("RU", "TR", "IR"),
                terms=base.terms,
            ),
            uow,
            actor=SYSTEM,
        )
    for name, state in (("tr-ops", "TR"), ("ir-ops", "IR")):
        with truce.uow() as uow:
            view = users.add_user(
                users.NewUser(name, Role.GUARANTOR, None, state=state), uow, actor=SYSTEM
            )
            month.actors[name] = users.actor_of(uow.users.get(view.id))  # type: ignore[arg-type]
    cmd = findings.FileAllegation(
        (month.incident_of(PROTECTED),), month.parties["fsa"], 2, agreement_id=astana.id
    )
    with truce.uow() as uow:
        allegation = findings.file_allegation(cmd, uow, actor=month.actors["ru-ops"]).id
    with pytest.raises(Forbidden):
        assess(month, "guarantor", allegation)  # the US is no guarantor of this one
    for who in ("ru-ops", "tr-ops"):
        assess(month, who, allegation)
    with truce.uow(write=False) as uow:
        view = findings.allegation_view(uow, allegation, actor=month.actors["tr-ops"])
    assert view.sealed and view.finding is None and [a.state for a in view.assessments] == ["TR"]
    assess(month, "ir-ops", allegation)
    with truce.uow(write=False) as uow:
        view = findings.allegation_view(uow, allegation, actor=month.actors["tr-ops"])
    assert not view.sealed and len(view.assessments) == 3
    assert view.finding is not None and view.finding.state is FindingState.CONFIRMED


def test_an_unanswered_request_is_overdue_at_its_deadline(month: Month) -> None:
    allegation = file(month, month.incident_of(PROTECTED))
    with month.truce.uow() as uow:
        asked = findings.request_information(
            findings.RequestInformation(allegation, "Who held the ridge?", "sponsor"),
            uow,
            actor=month.actors["guarantor"],
        )
    assert asked.to_side == "state:US"  # the FSA's sponsor
    with time_machine.travel(asked.due_at - timedelta(minutes=1), tick=False):
        assert run_round(month.truce.uow)[0] == 0
    with time_machine.travel(asked.due_at + timedelta(minutes=1), tick=False):
        assert run_round(month.truce.uow)[0] == 1
        assert run_round(month.truce.uow)[0] == 0  # reported once
    with month.truce.uow(write=False) as uow:
        [late] = findings.allegation_view(uow, allegation, actor=SYSTEM).requests
    assert late.overdue_at is not None and late.answer is None
    assert ledger_entries(month.truce, "request.overdue") == 1
