"""Who decided: allegations filed, asked about, assessed by each guarantor under seal, and the
joint finding; persistent violators referred to the members.

The ledger records each assessment by the SHA-256 of its content when it is submitted (every
signed-in role reads the ledger; the assessment stays sealed until all are in), so anyone can
check afterwards that the assessment shown is the one submitted then.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from datetime import datetime

from truce.domain.agreement import Agreement
from truce.domain.errors import Conflict, Invalid, NotFound
from truce.domain.findings import (
    Assessment,
    AssessmentDraft,
    FindingState,
    check_answer,
    check_assessment,
    check_question,
    finding_of,
    referral_due,
    sealed,
    visible_to,
)
from truce.domain.hotline import party_side, side_of, state_side
from truce.domain.i18n import N_
from truce.domain.permissions import SYSTEM, Action, Actor, require
from truce.domain.webhooks import ALLEGATION_OPENED, FINDING_MADE, REFERRAL_OPENED, REQUEST_OVERDUE
from truce.services import common, webhooks
from truce.store.findings import Allegation, Finding, InformationRequest, Referral
from truce.store.ledger_store import Change
from truce.store.uow import UnitOfWork

QUEUE_LIMIT = 50


def _allegation(uow: UnitOfWork, allegation_id: int, *, lock: bool = False) -> Allegation:
    found = uow.findings.allegation(allegation_id, lock=lock)
    if found is None:
        raise NotFound(N_("No allegation {id}."), field="allegation_id", id=allegation_id)
    return found


# --- filing --------------------------------------------------------------------------------


@dataclass(frozen=True)
class FileAllegation:
    incident_ids: tuple[int, ...]
    party_id: int
    term: int
    evidence: str = ""
    agreement_id: int | None = None


def file_allegation(cmd: FileAllegation, uow: UnitOfWork, *, actor: Actor) -> Allegation:
    """An allegation by hand: it goes to every guarantor's queue at once."""
    require(actor, Action.FILE_ALLEGATION)
    agreement = common.agreement(uow, cmd.agreement_id)
    agreement.term(cmd.term)  # NotFound naming the term
    incidents = tuple(dict.fromkeys(cmd.incident_ids))
    if not incidents:
        raise Invalid(N_("incident_ids must name at least one incident."), field="incident_ids")
    for incident_id in incidents:
        row = uow.incidents.get(incident_id)
        if row is None or row.merged_into_id is not None:
            raise Invalid(
                N_("No live incident {id}: name the incident it was merged into."),
                field="incident_ids",
                id=incident_id,
            )
    if uow.parties.get(cmd.party_id) is None:
        raise Invalid(N_("party_id must name a party of the registry."), field="party_id")
    evidence = cmd.evidence.strip()
    if len(evidence) > 10_000:
        raise Invalid(
            N_("evidence is longer than {limit} characters."), field="evidence", limit=10_000
        )
    key = f"{incidents[0]}:{agreement.id}:{cmd.term}:{cmd.party_id}"
    existing = uow.findings.by_key(key)
    if existing is not None:
        raise Conflict(
            N_("This allegation is already open as allegation {id}."),
            field="incident_ids",
            id=existing,
        )
    reason = {"template": N_("Filed by {who}."), "params": {"who": actor.username}}
    allegation_id = uow.findings.file(
        key,
        incidents,
        agreement.id,
        cmd.term,
        cmd.party_id,
        reason,
        evidence,
        actor.username,
        uow.now(),
    )
    payload = {
        "allegation_id": allegation_id,
        "incident_ids": list(incidents),
        "term": cmd.term,
        "party_id": cmd.party_id,
        "filed": True,
    }
    rows = {"allegations": uow.images("allegations", [allegation_id]),
            "allegation_filings": uow.images("allegation_filings", [allegation_id])}  # fmt: skip
    uow.record(actor, Change("allegation.filed", f"allegation:{allegation_id}",
                             {**payload, "images": rows}))  # fmt: skip
    webhooks.emit(uow, ALLEGATION_OPENED, [payload])
    uow.commit()
    return _allegation(uow, allegation_id)


# --- assessing -----------------------------------------------------------------------------


@dataclass(frozen=True)
class SubmitAssessment:
    allegation_id: int
    draft: AssessmentDraft
    amend: bool = False  # a new version of one's own, after submitting


def _digest(draft: AssessmentDraft) -> str:
    text = json.dumps(asdict(draft), sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def submit_assessment(cmd: SubmitAssessment, uow: UnitOfWork, *, actor: Actor) -> Assessment:
    """A guarantor's assessment, sealed until every guarantor has one; once only (an amendment
    is a new version). The finding is made in the same transaction when they agree."""
    allegation = _allegation(uow, cmd.allegation_id, lock=True)
    agreement = common.agreement(uow, allegation.agreement_id)
    state = agreement.acting_guarantor(actor, Action.ASSESS_ALLEGATION)
    draft = check_assessment(cmd.draft)
    if uow.findings.finding(allegation.id) is not None:
        raise Conflict(
            N_("The guarantors have already made their finding on this allegation."),
            field="allegation_id",
        )
    mine = [a for a in uow.findings.assessments(allegation.id) if a.state == state]
    if mine and not cmd.amend:
        raise Conflict(
            N_("{state} has already assessed this allegation: amend it instead."),
            field="allegation_id",
            state=state,
        )
    if cmd.amend and not mine:
        raise Conflict(
            N_("{state} has no assessment of this allegation to amend."),
            field="allegation_id",
            state=state,
        )
    version = max((a.version for a in mine), default=0) + 1
    now = uow.now()
    assessment_id = uow.findings.add_assessment(
        allegation.id, state, version, draft, actor.username, now
    )
    action = "assessment.amended" if cmd.amend else "assessment.submitted"
    uow.record(
        actor,
        Change(
            action,
            f"allegation:{allegation.id}",
            {
                "allegation_id": allegation.id,
                "assessment_id": assessment_id,
                "state": state,
                "version": version,
                "content_sha256": _digest(draft),
            },
        ),
    )
    _decide(uow, allegation, agreement, now)
    uow.commit()
    [made] = [a for a in uow.findings.assessments(allegation.id) if a.id == assessment_id]
    return made


def _decide(uow: UnitOfWork, allegation: Allegation, agreement: Agreement, now: datetime) -> None:
    """Make the finding if the assessments (or the deadline) decide it; refer the party if its
    confirmed findings trip the rule."""
    if uow.findings.finding(allegation.id) is not None:
        return
    rules = agreement.finding_rules()
    state = finding_of(
        agreement.decision_rule(),
        agreement.guarantors,
        uow.findings.assessments(allegation.id),
        allegation.opened_at + rules.assess_within,
        now,
    )
    if state is None:
        return
    finding_id = uow.findings.add_finding(allegation.id, state, now)
    payload = {
        "finding_id": finding_id,
        "allegation_id": allegation.id,
        "state": state.value,
        "party_id": allegation.party_id,
        "term": allegation.term,
    }
    rows = {"findings": uow.images("findings", [finding_id])}
    uow.record(SYSTEM, Change("finding.made", f"allegation:{allegation.id}",
                              {**payload, "images": rows}))  # fmt: skip
    webhooks.emit(uow, FINDING_MADE, [payload])
    if state is FindingState.CONFIRMED and allegation.party_id is not None:
        _refer(uow, agreement, allegation.party_id, now)


def _refer(uow: UnitOfWork, agreement: Agreement, party_id: int, now: datetime) -> None:
    rules = agreement.finding_rules()
    confirmed = uow.findings.confirmed_against(agreement.id, party_id)
    referred = {
        fid for r in uow.findings.referrals(agreement.id, party_id) for fid in r.finding_ids
    }
    fresh = [(fid, at) for fid, at in confirmed if fid not in referred]
    if not referral_due([at for _, at in fresh], now, rules):
        return
    window = [fid for fid, at in fresh if now - rules.referral_within <= at]
    referral_id = uow.findings.add_referral(agreement.id, party_id, window, now)
    payload = {"referral_id": referral_id, "party_id": party_id, "finding_ids": window}
    rows = {"referrals": uow.images("referrals", [referral_id])}
    uow.record(SYSTEM, Change("referral.opened", f"party:{party_id}",
                              {**payload, "images": rows}))  # fmt: skip
    webhooks.emit(uow, REFERRAL_OPENED, [payload])


# --- requests for information --------------------------------------------------------------


@dataclass(frozen=True)
class RequestInformation:
    allegation_id: int
    question: str
    to: str = "party"  # the suspected party's liaisons, or "sponsor": its sponsoring guarantor


def request_information(
    cmd: RequestInformation, uow: UnitOfWork, *, actor: Actor
) -> InformationRequest:
    allegation = _allegation(uow, cmd.allegation_id)
    agreement = common.agreement(uow, allegation.agreement_id)
    state = agreement.acting_guarantor(actor, Action.ASSESS_ALLEGATION)
    question = check_question(cmd.question)
    party = uow.parties.get(allegation.party_id) if allegation.party_id is not None else None
    if party is None:
        raise Invalid(N_("This allegation names no party to ask."), field="allegation_id")
    if cmd.to == "party":
        to_side = party_side(party.id)
    elif cmd.to == "sponsor" and party.sponsor:
        to_side = state_side(party.sponsor)
    else:
        raise Invalid(
            N_("to must be party, or sponsor for a party with a sponsoring guarantor."), field="to"
        )
    now = uow.now()
    due = now + agreement.finding_rules().answer_within
    request_id = uow.findings.add_request(
        allegation.id, to_side, question, state, actor.username, now, due
    )
    uow.record(
        actor,
        Change(
            "request.sent",
            f"allegation:{allegation.id}",
            {
                "request_id": request_id,
                "allegation_id": allegation.id,
                "to_side": to_side,
                "due_at": common.stamp(due),
                "question_sha256": hashlib.sha256(question.encode()).hexdigest(),
                "images": {
                    "information_requests": uow.images("information_requests", [request_id])
                },
            },
        ),
    )
    uow.commit()
    found = uow.findings.request(request_id)
    assert found is not None
    return found


def answer_request(
    request_id: int, answer: str, uow: UnitOfWork, *, actor: Actor
) -> InformationRequest:
    """The asked side answers; the answer is attached to the allegation."""
    found = uow.findings.request(request_id)
    if found is None or side_of(actor) != found.to_side:
        raise NotFound(N_("No request {id} to you."), field="request_id", id=request_id)
    text = check_answer(answer)
    if not uow.findings.answer(request_id, text, actor.username, uow.now()):
        raise Conflict(N_("This request has already been answered."), field="request_id")
    uow.record(
        actor,
        Change(
            "request.answered",
            f"allegation:{found.allegation_id}",
            {
                "request_id": request_id,
                "allegation_id": found.allegation_id,
                "late": uow.now() > found.due_at,
                "answer_sha256": hashlib.sha256(text.encode()).hexdigest(),
                "images": {
                    "information_requests": uow.images("information_requests", [request_id])
                },
            },
        ),
    )
    uow.commit()
    answered = uow.findings.request(request_id)
    assert answered is not None
    return answered


def requests_to_me(uow: UnitOfWork, *, actor: Actor) -> list[InformationRequest]:
    side = side_of(actor)
    return uow.findings.requests_to(side) if side else []


# --- deadlines (the worker's round) --------------------------------------------------------


def sweep(uow: UnitOfWork) -> tuple[int, int]:
    """Requests gone overdue (reported once) and allegations past their deadline without
    agreement (disputed); how many of each."""
    now = uow.now()
    overdue = []
    for request in uow.findings.newly_overdue(now):
        if uow.findings.mark_overdue(request.id, now):
            overdue.append(
                {
                    "request_id": request.id,
                    "allegation_id": request.allegation_id,
                    "to_side": request.to_side,
                    "due_at": common.stamp(request.due_at),
                }
            )
    if overdue:
        uow.record(
            SYSTEM,
            *(
                Change(
                    "request.overdue",
                    f"allegation:{o['allegation_id']}",
                    {
                        **o,
                        "images": {
                            "information_requests": uow.images(
                                "information_requests", [o["request_id"]]
                            )
                        },
                    },
                )
                for o in overdue
            ),
        )
        webhooks.emit(uow, REQUEST_OVERDUE, overdue)
    disputed = 0
    for agreement in uow.agreements.all():
        deadline = now - agreement.finding_rules().assess_within
        for allegation in uow.findings.opened_before(agreement.id, deadline):
            _decide(uow, allegation, agreement, now)
            disputed += 1
    uow.commit()
    return len(overdue), disputed


# --- reading -------------------------------------------------------------------------------


@dataclass(frozen=True)
class AllegationView:
    allegation: Allegation
    agreement: Agreement
    due_at: datetime
    submitted: tuple[str, ...]  # the guarantors that have assessed (never what, while sealed)
    sealed: bool
    assessments: tuple[Assessment, ...]  # what the reader may see
    finding: Finding | None
    requests: tuple[InformationRequest, ...]
    referrals: tuple[Referral, ...]


def _reader_state(actor: Actor | None, agreement: Agreement) -> str | None:
    return agreement.guarantor_of(actor)


def allegation_view(uow: UnitOfWork, allegation_id: int, *, actor: Actor | None) -> AllegationView:
    """An allegation with its deadline, who has assessed, the assessments the reader may see
    (only its own until every guarantor has submitted; everyone's after), the finding and the
    requests."""
    allegation = _allegation(uow, allegation_id)
    agreement = common.agreement(uow, allegation.agreement_id)
    every = uow.findings.assessments(allegation.id)
    shown = visible_to(_reader_state(actor, agreement), agreement.guarantors, every)
    referrals = (
        tuple(uow.findings.referrals(agreement.id, allegation.party_id))
        if allegation.party_id is not None
        else ()
    )
    return AllegationView(
        allegation,
        agreement,
        allegation.opened_at + agreement.finding_rules().assess_within,
        tuple(sorted({a.state for a in every})),
        sealed(agreement.guarantors, every),
        tuple(shown),
        uow.findings.finding(allegation.id),
        tuple(uow.findings.requests(allegation.id)),
        referrals,
    )


def agenda(uow: UnitOfWork) -> list[tuple[Allegation, datetime]]:
    """The task force's agenda: allegations the guarantors did not agree on by the deadline."""
    agreement = common.agreement(uow, None)
    return uow.findings.with_finding(agreement.id, FindingState.DISPUTED)


@dataclass(frozen=True)
class QueueItem:
    allegation: Allegation
    due_at: datetime
    submitted: tuple[str, ...]


def queue(
    uow: UnitOfWork, *, actor: Actor | None, limit: int = QUEUE_LIMIT, offset: int = 0
) -> tuple[list[QueueItem], int, Agreement]:
    """Allegations awaiting a finding, oldest first, with their deadlines and who has assessed;
    a page of them and how many in all."""
    agreement = common.agreement(uow, None)
    if not 1 <= limit <= 500 or offset < 0:
        raise Invalid(N_("limit is 1 to 500 and offset 0 or more."), field="limit")
    found, total = uow.findings.undecided(agreement.id, limit, offset)
    submitted = uow.findings.submitted_by_states([a.id for a in found])
    within = agreement.finding_rules().assess_within
    items = [QueueItem(a, a.opened_at + within, tuple(sorted(submitted[a.id]))) for a in found]
    return items, total, agreement
