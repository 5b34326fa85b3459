"""The task force pack and case files: the records they are made of, read as they stood at a
cut-off, and handed to the pure functions of ``domain.taskforce`` and ``domain.casefile``.

Reading "as of a cut-off" means: what had been recorded by then (an allegation opened by
then, a finding made by then, an answer given by then), and the ledger head of the last entry
written by then, which the report prints. Incidents and reports are read as they stand (their
summaries are not versioned), but only those recorded by the cut-off count.

Both kinds are registered ``restricted``: they are the task force's working papers, built
only for who may ``Action.READ_CASE_FILES`` and never published (services/sitreps.py).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from truce.domain import casefile, taskforce
from truce.domain.agreement import Agreement, Term
from truce.domain.clocks import Span
from truce.domain.errors import Invalid, NotFound
from truce.domain.findings import FindingState
from truce.domain.i18n import N_
from truce.domain.joint import JointState
from truce.domain.permissions import Action, Actor, require
from truce.domain.sitreps import LedgerHead, Sitrep, parse_day, rfc3339
from truce.services import checkpoints, clocks, common, sitreps, territory
from truce.store.findings import Allegation
from truce.store.uow import UnitOfWork

TASK_FORCE = "taskforce"
CASE_FILE = "casefile"


def end_of_day(agreement: Agreement, day: date) -> datetime:
    """The end of ``day`` in the agreement's local time: the pack is the record at midnight."""
    zone = ZoneInfo(agreement.timezone)
    local = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone)
    return local.astimezone(UTC)


def _record(
    uow: UnitOfWork, params: Mapping[str, Any], cutoff: datetime | None
) -> tuple[datetime, LedgerHead]:
    """The cut-off and the ledger head: the record at ``as_of`` (the newest entry when not
    given), ending earlier at ``cutoff`` when that comes first."""
    record = sitreps.record_at(uow, sitreps.as_of_param(params))
    if cutoff is None or cutoff >= record.written_by:
        return record.written_by, record.head
    seq, digest = uow.ledger.head_at(cutoff)
    return cutoff, LedgerHead(seq, digest)


def _check_names(params: Mapping[str, Any], allowed: set[str], kind: str) -> None:
    unknown = sorted(set(params) - allowed)
    if unknown:
        raise Invalid(
            N_("The {kind} report takes {allowed}, not {names}."),
            field=unknown[0],
            kind=kind,
            allowed=", ".join(sorted(allowed)),
            names=", ".join(unknown),
        )


def _party_names(uow: UnitOfWork) -> dict[int, str]:
    return {row.id: row.name for row in uow.parties.all_rows()}


# --- the task force pack ---------------------------------------------------------------------


def pack_record(uow: UnitOfWork, agreement: Agreement, cutoff: datetime) -> taskforce.PackRecord:
    """Every record the pack needs, as it stood at ``cutoff``."""
    names = _party_names(uow)
    rules = agreement.finding_rules()
    undecided = uow.findings.undecided_at(agreement.id, cutoff)
    disputed_rows = uow.findings.findings_at(agreement.id, FindingState.DISPUTED, cutoff)
    places = Places(uow, [*undecided, *(a for a, _ in disputed_rows)])
    submitted = uow.findings.submitted_by_states_at([a.id for a in undecided], cutoff)
    open_allegations = [
        taskforce.OpenAllegation(
            a.id,
            a.incident_ids,
            a.party_id,
            names.get(a.party_id) if a.party_id is not None else None,
            a.term,
            a.opened_at,
            a.opened_at + rules.assess_within,
            tuple(sorted(submitted[a.id])),
            **places.of(a),
        )
        for a in undecided
    ]
    requests = [
        taskforce.OverdueRequest(
            r.id, r.allegation_id, r.to_side, r.asker_state, r.asked_at, r.due_at
        )
        for r in uow.findings.overdue_requests_at(agreement.id, cutoff)
    ]
    acknowledgements = [
        taskforce.OverdueAcknowledgement(
            m.id, m.thread_id, r.side, m.author_side, m.priority.value, m.sent_at, r.due_at
        )
        for m, r in uow.hotline.overdue_at(agreement.id, cutoff)
    ]
    disputed = [
        taskforce.DisputedFinding(
            a.id, a.incident_ids, a.party_id, _name(names, a), a.term, at, **places.of(a)
        )
        for a, at in disputed_rows
    ]
    return taskforce.PackRecord(
        agreement.id,
        agreement.title,
        tuple(agreement.guarantors),
        cutoff,
        rules,
        open_allegations,
        requests,
        acknowledgements,
        disputed,
        _parties(uow, agreement, cutoff, names),
        _disagreements(uow, agreement, cutoff),
        _clocks(uow, agreement, cutoff),
        names,
    )


class Places:
    """Where and when each allegation's first incident began, read in one query."""

    def __init__(self, uow: UnitOfWork, allegations: Sequence[Allegation]) -> None:
        self.incidents = uow.incidents.many({a.incident_ids[0] for a in allegations})

    def of(self, allegation: Allegation) -> dict[str, Any]:
        found = self.incidents.get(allegation.incident_ids[0])
        if found is None:
            return {"admin1": None, "occurred_at": None}
        return {"admin1": found.admin1, "occurred_at": found.start}


def _name(names: dict[int, str], allegation: Allegation) -> str | None:
    return names.get(allegation.party_id) if allegation.party_id is not None else None


def _parties(
    uow: UnitOfWork, agreement: Agreement, cutoff: datetime, names: dict[int, str]
) -> list[taskforce.PartyRecord]:
    confirmed = uow.findings.confirmed_by_party_at(agreement.id, cutoff)
    referrals: dict[int, list[datetime]] = {}
    for referral in uow.findings.referrals_at(agreement.id, cutoff):
        referrals.setdefault(referral.party_id, []).append(referral.opened_at)
    return [
        taskforce.PartyRecord(
            party_id,
            names.get(party_id, str(party_id)),
            tuple(confirmed.get(party_id, ())),
            tuple(referrals.get(party_id, ())),
        )
        for party_id in sorted(set(confirmed) | set(referrals))
    ]


def _disagreements(
    uow: UnitOfWork, agreement: Agreement, cutoff: datetime
) -> list[taskforce.AreaDisagreement]:
    _, found = territory.disagreements_at(uow, cutoff, agreement_id=agreement.id)
    items = []
    for item in found:
        point = item.geometry.representative_point() if not item.geometry.is_empty else None
        items.append(
            taskforce.AreaDisagreement(
                item.kind.value,
                tuple(sorted(item.area_ids)),
                tuple(sorted(item.party_ids)),
                tuple(sorted(item.guarantors)),
                point.y if point is not None else None,
                point.x if point is not None else None,
            )
        )
    return items


def _clocks(
    uow: UnitOfWork, agreement: Agreement, cutoff: datetime
) -> list[taskforce.ClockReading]:
    readings = []
    for clock in clocks.clocks(uow, agreement.id, until=cutoff):
        state = clock.state
        span: Span | None = state.current
        open_reset = any(
            r.state is JointState.OPEN or (r.decided_at is not None and r.decided_at > cutoff)
            for r in clock.resets
        )
        readings.append(
            taskforce.ClockReading(
                state.rule.key,
                state.rule.name,
                state.rule.days,
                state.calm_days,
                state.running,
                state.met,
                span.started_on if span else None,
                span.stopped_on if span else None,
                open_reset,
            )
        )
    return readings


def normalise_pack(params: Mapping[str, Any]) -> dict[str, Any]:
    """``date`` (YYYY-MM-DD, the meeting's day), and ``as_of`` (a ledger entry)."""
    _check_names(params, {"date", "as_of"}, TASK_FORCE)
    text = params.get("date")
    if not isinstance(text, str):
        raise Invalid(N_("date: give the meeting's date as YYYY-MM-DD."), field="date")
    return sitreps.with_as_of({"date": parse_day(text).isoformat()}, params)


def build_pack(uow: UnitOfWork, params: Mapping[str, Any], *, actor: Actor | None) -> Sitrep:
    """The task force pack for the meeting of ``params["date"]``: the record at the end of
    that day (or at ``as_of``, when that comes first)."""
    require(actor, Action.READ_CASE_FILES)
    agreement = common.agreement(uow, None)
    day = parse_day(params["date"])
    cutoff, head = _record(uow, params, end_of_day(agreement, day))
    content = taskforce.pack(pack_record(uow, agreement, cutoff))
    content["date"] = day.isoformat()
    content["timezone"] = agreement.timezone
    return Sitrep(TASK_FORCE, dict(params), rfc3339(cutoff), head, content)


# --- case files ------------------------------------------------------------------------------


def normalise_case(params: Mapping[str, Any]) -> dict[str, Any]:
    """``incident`` or ``allegation`` (an id, exactly one), and ``as_of`` (a ledger entry)."""
    _check_names(params, {"incident", "allegation", "as_of"}, CASE_FILE)
    given = [name for name in ("incident", "allegation") if params.get(name) is not None]
    if not given:
        raise Invalid(
            N_("Name the incident or the allegation the case file is of (incident=ID)."),
            field="incident",
        )
    if len(given) > 1:
        raise Invalid(
            N_("Name one incident or one allegation for a case file, not both."),
            field="allegation",
        )
    [name] = given
    value = params[name]
    if isinstance(value, str) and value.isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 2**53 - 1:
        raise Invalid(N_("{name} must be the id of one, a whole number."), field=name, name=name)
    return sitreps.with_as_of({name: value}, params)


def build_case(uow: UnitOfWork, params: Mapping[str, Any], *, actor: Actor | None) -> Sitrep:
    """The case file of one incident (with every allegation about it) or of one allegation
    (with every incident it names), from the record at ``as_of`` (the newest entry)."""
    require(actor, Action.READ_CASE_FILES)
    if params.get("allegation") is not None:
        found = uow.findings.allegation(params["allegation"])
        if found is None:
            raise NotFound(N_("No allegation {id}."), field="allegation", id=params["allegation"])
        agreement = common.agreement(uow, found.agreement_id)
        incident_ids = list(found.incident_ids)
        allegations = [found]
        kind, subject_id = "allegation", found.id
    else:
        row = uow.incidents.get(params["incident"])
        if row is None:
            raise NotFound(N_("No incident {id}."), field="incident", id=params["incident"])
        incident_ids = [row.id]
        allegations = uow.findings.of_incidents(incident_ids)
        agreement = common.agreement(uow, allegations[0].agreement_id if allegations else None)
        kind, subject_id = "incident", row.id
    cutoff, head = _record(uow, params, None)
    record = _case_record(uow, agreement, kind, subject_id, incident_ids, allegations, cutoff, head)
    content = casefile.case_file(record)
    content["timezone"] = agreement.timezone
    return Sitrep(CASE_FILE, dict(params), rfc3339(cutoff), head, content)


def _case_record(
    uow: UnitOfWork,
    agreement: Agreement,
    kind: str,
    subject_id: int,
    incident_ids: list[int],
    allegations: list[Allegation],
    cutoff: datetime,
    head: LedgerHead,
) -> casefile.CaseRecord:
    names = _party_names(uow)
    places = Places(uow, allegations)
    rows = uow.incidents.many(incident_ids)
    incidents = [rows[i] for i in sorted(rows) if rows[i].created_at <= cutoff]
    members = uow.incident_reports.of([i.id for i in incidents])
    reports = [
        (link, report)
        for incident in incidents
        for link, report in members.get(incident.id, [])
        if link.linked_at <= cutoff
    ]
    allegations = [a for a in allegations if a.opened_at <= cutoff]
    terms: list[Term] = []
    for number in sorted({a.term for a in allegations}):
        try:
            terms.append(agreement.term(number))
        except NotFound:
            continue
    subjects = [f"incident:{i.id}" for i in incidents]
    subjects += [f"allegation:{a.id}" for a in allegations]
    subjects += [f"report:{report.id}" for _, report in reports]
    entries = uow.ledger.about(subjects, head.seq) if head.seq else []
    root = (head.seq, uow.ledger.tree.root(head.seq).hex()) if head.seq else None
    return casefile.CaseRecord(
        kind,
        subject_id,
        cutoff,
        tuple(agreement.guarantors),
        incidents,
        reports,
        {i.id: _applicability(uow, agreement, i.lat, i.lon, i.start) for i in incidents},
        terms,
        [_case_allegation(uow, agreement, a, cutoff, names, places) for a in allegations],
        [
            casefile.LedgerRef(
                e.seq, e.at, e.action, e.subject, e.hash, e.prev, _inclusion(uow, e.seq, head.seq)
            )
            for e in entries
        ],
        root,
        names,
    )


def _inclusion(uow: UnitOfWork, seq: int, size: int) -> casefile.InclusionPath:
    """Entry ``seq``'s audit path in the tree as it stood at the file's ledger head."""
    proof = checkpoints.inclusion(uow, seq, size)
    return casefile.InclusionPath(
        proof.tree_size, proof.leaf_hash.hex(), tuple(h.hex() for h in proof.hashes)
    )


def _applicability(
    uow: UnitOfWork, agreement: Agreement, lat: float | None, lon: float | None, at: datetime
) -> dict[str, Any] | None:
    """The applicability answer for the incident's place at its start (None without a point)."""
    if lat is None or lon is None:
        return None
    answer = territory.where(uow, lat, lon, at, agreement_id=agreement.id)
    return territory.answer_record(answer)


def _case_allegation(
    uow: UnitOfWork,
    agreement: Agreement,
    allegation: Allegation,
    cutoff: datetime,
    names: dict[int, str],
    places: Places,
) -> casefile.CaseAllegation:
    requests = [
        casefile.CaseRequest(
            r.id,
            r.to_side,
            r.asker_state,
            r.question,
            r.asked_at,
            r.due_at,
            r.answer if r.answered_at is not None and r.answered_at <= cutoff else None,
            r.answered_at if r.answered_at is not None and r.answered_at <= cutoff else None,
        )
        for r in uow.findings.requests(allegation.id)
        if r.asked_at <= cutoff
    ]
    assessments = [a for a in uow.findings.assessments(allegation.id) if a.submitted_at <= cutoff]
    finding = uow.findings.finding(allegation.id)
    made = (
        (finding.state.value, finding.decided_at)
        if finding is not None and finding.decided_at <= cutoff
        else None
    )
    return casefile.CaseAllegation(
        allegation.id,
        allegation.incident_ids,
        allegation.party_id,
        _name(names, allegation),
        allegation.term,
        allegation.flagged,
        allegation.reason,
        allegation.evidence,
        allegation.opened_at,
        allegation.opened_at + agreement.finding_rules().assess_within,
        requests,
        assessments,
        made,
        **places.of(allegation),
    )


sitreps.register(TASK_FORCE, build_pack, normalise=normalise_pack, restricted=True)
sitreps.register(CASE_FILE, build_case, normalise=normalise_case, restricted=True)
