"""Incidents: reports linked into them, checked against the terms, split and merged by people.

The flow of one incident (docs/incidents.md): new reports are linked to the incidents of the
reports near them (``link_reports``, incremental: only the new ones are scored), each incident's
summary is refreshed from its reports, and each is checked against the terms at its place and
time (``check_incidents``), which opens allegations. Linking and checking are the
installation's own work, signed by its key; splitting and merging are a person's decision
(``incident.edit``). Every change is a ledger entry: ``incident.reports_linked``,
``allegation.opened``, ``incident.split``, ``incident.merged``, ``incidents.checked``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from truce.domain.agreement import Agreement
from truce.domain.assessments import Assessment
from truce.domain.breaches import (
    Check,
    Outcome,
    PartyPresent,
    check_incident,
    reason_from,
)
from truce.domain.errors import Conflict, Invalid, NotFound
from truce.domain.events import TAXONOMY
from truce.domain.i18n import N_
from truce.domain.incidents import (
    Account,
    Allegation,
    IncidentFilters,
    IncidentRecord,
    ReportLink,
    Summary,
    Tombstone,
    facts_of,
    summarise,
)
from truce.domain.paging import Page
from truce.domain.parties import Status, status_at
from truce.domain.permissions import SYSTEM, Action, Actor, allowed, require
from truce.domain.proposals import ProposalState
from truce.domain.reports import Report, casualties_record, casualty_total
from truce.domain.territory import Verdict
from truce.domain.text import check_length
from truce.domain.webhooks import ALLEGATION_OPENED
from truce.geo.engine import Territory
from truce.linkage import LinkDecision, LinkRecord, link_new
from truce.services import common, territory, webhooks
from truce.services import reports as filed  # which imports this module: names used in calls
from truce.store.ledger_store import Change
from truce.store.uow import UnitOfWork

LINKAGE = "linkage"  # who linked a report that no person moved
# Existing reports this far before the first new report's window and after the last one's are
# passed to the linker: its widest time bucket (72 h) and then some.
NEAR = timedelta(days=4)
LINK_GEO_PRECISIONS = ("exact", "near", "district", "province", "country")
# A page's gettext, for reasons in its language (the API answers in English).
Translate = Callable[[str], str] | None


# --- reports as the domain and the linker see them ------------------------------------------


def account_of(report: Report) -> Account:
    """A stored report as an incident sums it up."""
    draft = report.draft
    assert draft.occurred_start is not None and draft.occurred_end is not None
    return Account(
        report_id=report.id,
        source=draft.source,
        start=draft.occurred_start,
        end=draft.occurred_end,
        time_precision=draft.time_precision,
        event_type=draft.event_type,
        sub_event_type=draft.sub_event_type,
        lat=draft.lat,
        lon=draft.lon,
        geo_precision=draft.geo_precision,
        admin1=draft.admin1,
        admin2=draft.admin2,
        location=draft.location,
        actor1=draft.actor1,
        actor1_party_id=draft.actor1_party_id,
        actor2=draft.actor2,
        actor2_party_id=draft.actor2_party_id,
        casualties=draft.casualties,
    )


def _linkable(report: Report) -> bool:
    """Whether the linker can compare the report: a window, and a point or a province."""
    draft = report.draft
    placed = (draft.lat is not None and draft.lon is not None) or bool(draft.admin1)
    return (
        draft.occurred_start is not None
        and draft.occurred_end is not None
        and placed
        and draft.geo_precision in (*LINK_GEO_PRECISIONS, None)
    )


def record_of(report: Report) -> LinkRecord:
    """A stored report as the linker compares it."""
    draft = report.draft
    assert draft.occurred_start is not None and draft.occurred_end is not None
    point = draft.lat is not None and draft.lon is not None
    precision = draft.geo_precision if draft.geo_precision in LINK_GEO_PRECISIONS else None
    killed = casualty_total(draft.casualties, "killed")
    return LinkRecord(
        report_id=report.id,
        start=draft.occurred_start,
        end=draft.occurred_end,
        time_precision=draft.time_precision,  # type: ignore[arg-type]
        lat=draft.lat if point else None,
        lon=draft.lon if point else None,
        geo_precision=precision or ("exact" if point else "province"),  # type: ignore[arg-type]
        admin1=draft.admin1,
        admin2=draft.admin2,
        event_type=draft.event_type,
        sub_event_type=draft.sub_event_type,
        actor1_party_id=draft.actor1_party_id,
        actor2_party_id=draft.actor2_party_id,
        actor1=draft.actor1,
        actor2=draft.actor2,
        killed_best=killed.central if killed else None,
        text=draft.text or "",
        source=draft.source,
        location=draft.location,
    )


# --- linking ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Linked:
    """What one linking run did."""

    reports: int  # reports put into incidents
    created: int  # incidents created
    joined: int  # reports that joined an incident that existed before
    unlinkable: int  # reports the linker cannot compare: each is an incident of its own
    incidents: tuple[int, ...]  # every incident that gained a report


def link_reports(uow: UnitOfWork, report_ids: Sequence[int] | None = None) -> Linked:
    """Put reports that are in no incident yet (of ``report_ids``, or all) into incidents,
    linking them to the incidents of the reports near them; then check the incidents that
    changed against the terms. Reports already in an incident are left where they are, so a
    second run adds nothing. Signed by the installation: the linker decides, not a person."""
    new = [r for r in uow.incident_reports.unlinked_reports(report_ids) if _dated(r)]
    if not new:
        return Linked(0, 0, 0, 0, ())
    now = uow.now()
    comparable = [r for r in new if _linkable(r)]
    placed = _place_reports(uow, comparable) if comparable else {}
    alone = [r for r in new if not _linkable(r)]
    for row in alone:
        placed[row.id] = _Placement(None, row.id)
    _follow_amendments(uow, new, placed)
    joined = sum(1 for p in placed.values() if p.incident_id is not None)
    incidents, created = _store_placements(uow, new, placed, now)
    summaries = {**created, **refresh(uow, incidents - set(created), now)}

    def linked() -> None:
        uow.record(SYSTEM, *_linked_changes(uow, placed, created))

    check(uow, summaries, linked)
    uow.commit()
    return Linked(len(new), len(created), joined, len(alone), tuple(sorted(incidents)))


def _dated(report: Report) -> bool:
    return report.draft.occurred_start is not None and report.draft.occurred_end is not None


@dataclass
class _Placement:
    """Where linking put one new report: an existing incident, or a new group (its smallest
    report id), and the link that explains it."""

    incident_id: int | None
    group: int
    best: LinkDecision | None = None
    links: list[dict[str, Any]] = field(default_factory=list)
    amends: int | None = None  # the report this one corrects, whose incident it joins

    def linked_to(self, report_id: int) -> int | None:
        """The report that put this one where it is."""
        if self.best is None:
            return self.amends
        return self.best.right_id if self.best.left_id == report_id else self.best.left_id


def _follow_amendments(
    uow: UnitOfWork, new: Sequence[Report], placed: dict[int, _Placement]
) -> None:
    """A correction goes where the report it corrects is, whatever the linker thought: it is
    the same source's account of the same event (the linker never pairs one source's reports)."""
    amending = sorted((r.id, r.draft.amends_id) for r in new if r.draft.amends_id is not None)
    stored = uow.incident_reports.incident_of(original for _, original in amending)
    for report_id, original in amending:
        if original in placed:  # corrected in the same batch (originals come first, by id)
            into = placed[original]
            placed[report_id] = _Placement(into.incident_id, into.group, amends=original)
        elif original in stored:
            placed[report_id] = _Placement(stored[original], report_id, amends=original)
        else:
            continue  # the original is in no incident (not dated): linked as it stands
        placed[report_id].links.append({"report_id": original, "outcome": "amends"})


def _place_reports(uow: UnitOfWork, new: Sequence[Report]) -> dict[int, _Placement]:
    start = min(r.draft.occurred_start for r in new if r.draft.occurred_start) - NEAR
    end = max(r.draft.occurred_end for r in new if r.draft.occurred_end) + NEAR
    near = [(row, incident) for row, incident in uow.incident_reports.near(start, end)
            if _linkable(row)]  # fmt: skip
    # Every report of the incidents near ones belong to, as link_new asks.
    incidents = {incident for _, incident in near}
    members = uow.incident_reports.of(incidents)
    existing = {link.report_id: (report, link.incident_id)
                for found in members.values() for link, report in found
                if _linkable(report)}  # fmt: skip
    result = link_new(
        [record_of(r) for r in new],
        [record_of(report) for report, _ in existing.values()],
        {report_id: incident for report_id, (_, incident) in existing.items()},
    )
    placed = {
        row["report_id"]: _Placement(row["incident_id"], row["group"])
        for row in result.assignments.to_pylist()
    }
    incident_of = {rid: inc for rid, (_, inc) in existing.items()}

    def unit(report_id: int) -> tuple[str, int]:
        """The incident a report ends in: an existing one, or a new group."""
        if report_id in incident_of:
            return ("incident", incident_of[report_id])
        mine = placed[report_id]
        if mine.incident_id is not None:
            return ("incident", mine.incident_id)
        return ("group", mine.group)

    for decision in result.decisions():
        pair = ((decision.left_id, decision.right_id), (decision.right_id, decision.left_id))
        for me, other in pair:
            if me not in placed:
                continue
            mine = placed[me]
            mine.links.append(_link_data(decision, other))
            together = unit(me) == unit(other)
            if decision.merged and together and _better(decision, mine.best):
                mine.best = decision
    return placed


def _better(decision: LinkDecision, best: LinkDecision | None) -> bool:
    return best is None or decision.match_weight > best.match_weight


def _link_data(decision: LinkDecision, other: int) -> dict[str, Any]:
    return {
        "report_id": other,
        "match_weight": round(decision.match_weight, 4),
        "match_probability": round(decision.match_probability, 6),
        "outcome": decision.outcome,
    }


def _comparisons(decision: LinkDecision) -> list[dict[str, Any]]:
    return [
        {"comparison": c.comparison, "level": c.level, "bayes_factor": round(c.bayes_factor, 6)}
        for c in decision.comparisons
    ]


def _store_placements(
    uow: UnitOfWork, new: Sequence[Report], placed: dict[int, _Placement], now: datetime
) -> tuple[set[int], dict[int, Summary]]:
    """Create the incidents of new groups and file each report; the incidents touched, and the
    summaries of those created."""
    by_id = {report.id: report for report in new}
    groups: dict[int, list[int]] = defaultdict(list)
    for report_id, placement in placed.items():
        if placement.incident_id is None:
            groups[placement.group].append(report_id)
    ordered = sorted(groups.items())
    summary_of = {group: summarise(current([by_id[m] for m in members]))
                  for group, members in ordered}  # fmt: skip
    ids = uow.incidents.create([(summary_of[g], len(members)) for g, members in ordered], now)
    created_for = {group: incident_id for (group, _), incident_id in zip(ordered, ids, strict=True)}
    links = []
    for report_id, placement in sorted(placed.items()):
        if placement.incident_id is None:
            placement.incident_id = created_for[placement.group]
        best = placement.best
        links.append(
            ReportLink(
                report_id=report_id,
                incident_id=placement.incident_id,
                linked_by=LINKAGE,
                linked_at=now,
                linked_to=placement.linked_to(report_id),
                match_probability=best.match_probability if best else None,
                match_weight=best.match_weight if best else None,
                comparisons=tuple(_comparisons(best)) if best else (),
                links=tuple(placement.links),
            )
        )
    uow.incident_reports.add_many(links)
    touched = {p.incident_id for p in placed.values() if p.incident_id is not None}
    return touched, {created_for[g]: summary for g, summary in summary_of.items()}


def _linked_changes(
    uow: UnitOfWork, placed: dict[int, _Placement], created: Collection[int]
) -> list[Change]:
    """One ledger entry per incident that gained reports: which, and the link behind each;
    with the images of the incident (summed up and checked) and of its new links."""
    by_incident: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for report_id, placement in sorted(placed.items()):
        assert placement.incident_id is not None
        best = placement.best
        by_incident[placement.incident_id].append({
            "report_id": report_id,
            "linked_to": placement.linked_to(report_id),
            "match_probability": f"{best.match_probability:.6f}" if best else None,
            "match_weight": f"{best.match_weight:.4f}" if best else None,
        })  # fmt: skip
    # Read in two queries however many incidents a run touches (an import links thousands).
    summed = {row["id"]: row for row in uow.images("incidents", by_incident)}
    links = {row["report_id"]: row for row in uow.images("incident_reports", placed)}
    return [
        Change(
            "incident.reports_linked",
            f"incident:{incident_id}",
            {
                "incident_id": incident_id,
                "created": incident_id in created,
                "reports": reports,
                "images": {
                    "incidents": [summed[incident_id]],
                    "incident_reports": [links[r["report_id"]] for r in reports],
                },
            },
        )
        for incident_id, reports in sorted(by_incident.items())
    ]


# --- summaries ----------------------------------------------------------------------------


def refresh(uow: UnitOfWork, incident_ids: Iterable[int], now: datetime) -> dict[int, Summary]:
    """Recompute the summary of each incident from its reports; the summaries by incident."""
    ids = sorted(set(incident_ids))
    records = uow.incidents.many(ids)
    members = uow.incident_reports.of(ids)
    summaries: dict[int, Summary] = {}
    for incident_id in ids:
        record = records[incident_id]
        reports = [report for _, report in members.get(incident_id, [])]
        summary = summarise(
            current(reports),
            record.assessed_perpetrator_id,
            undetermined=record.perpetrator_undetermined,
        )
        uow.incidents.store_summary(incident_id, summary, len(reports), now)
        summaries[incident_id] = summary
    uow.incidents.flush()
    return summaries


def current(reports: Sequence[Report]) -> list[Account]:
    """The accounts an incident sums up: every report but those a later one corrects."""
    amended = {r.draft.amends_id for r in reports if r.draft.amends_id is not None}
    return [account_of(r) for r in reports if r.id not in amended]


# --- checking against the terms -----------------------------------------------------------


@dataclass(frozen=True)
class _Nowhere:
    """The applicability of an incident without a point: nobody can say who is there."""

    verdict: Verdict
    parties: tuple[PartyPresent, ...] = ()


@dataclass(frozen=True)
class Checked:
    """What one check run did."""

    incidents: int
    opened: tuple[int, ...]  # the allegations opened


def check_incidents(uow: UnitOfWork, incident_ids: Iterable[int]) -> Checked:
    """Check incidents against the terms again (after a change of their reports, areas or
    statuses); open the allegations not yet open. Signed by the installation: one entry
    ``incidents.checked`` with the incidents as summed up and checked again."""
    ids = sorted(set(incident_ids))
    summaries = refresh(uow, ids, uow.now()) if ids else {}

    def checked() -> None:
        if summaries:
            payload = {"incident_ids": sorted(summaries),
                       "images": {"incidents": uow.images("incidents", summaries)}}  # fmt: skip
            uow.record(SYSTEM, Change("incidents.checked", "incidents", payload))

    opened = check(uow, summaries, checked)
    uow.commit()
    return Checked(len(summaries), opened)


def check(
    uow: UnitOfWork, summaries: dict[int, Summary], lead: Callable[[], None] | None = None
) -> tuple[int, ...]:
    """Check each incident against the newest agreement's terms, store the outcome, open the
    allegations not yet open (ledger ``allegation.opened``); the ids of those opened.

    ``lead`` records the entries of the change that led to the check: called once the check
    is stored, so the images they carry show the incidents as checked, and before the
    allegations' entries, which follow from it."""
    if not summaries or not uow.agreements.all():
        if lead:
            lead()
        return ()
    agreement = common.agreement(uow, None)
    rules = agreement.breach_rules()
    engine = territory.territory(uow, agreement)
    changes = uow.status_changes.by_party(agreement.id)
    parties = uow.parties.all_rows()
    names = {row.id: row.name for row in parties}
    sides = {row.id: row.side for row in parties}
    known = uow.allegations.keys(summaries)
    now = uow.now()
    opened: list[Allegation] = []
    for incident_id, summary in sorted(summaries.items()):
        place = _applicability(engine, agreement, summary, summary.moment)

        def party_status(party_id: int, at: datetime) -> Status:
            return status_at(changes.get(party_id, []), at)

        facts = facts_of(summary, party_status, lambda pid: names.get(pid, str(pid)), sides)
        found = check_incident(facts, place, rules)
        uow.incidents.store_check(incident_id, agreement.id, found, now)
        opened += _allegations(incident_id, agreement, found, known, now)
    stored = uow.allegations.add_many(opened)
    if lead:
        lead()
    opened_rows = {row["id"]: row for row in uow.images("allegations", [a.id for a in stored])}
    told = [_opened_change(allegation, opened_rows[allegation.id]) for allegation in stored]
    uow.record(SYSTEM, *told)
    # The receivers are told the allegation, not the row images kept for replay.
    told_out = [{k: v for k, v in c.payload.items() if k != "images"} for c in told]
    webhooks.emit(uow, ALLEGATION_OPENED, told_out)
    return tuple(allegation.id for allegation in stored)


def _applicability(engine: Territory, agreement: Agreement, summary: Summary, at: datetime) -> Any:
    if summary.lat is None or summary.lon is None:
        in_force = agreement.in_force(at)
        return _Nowhere(Verdict.UNKNOWN if in_force else Verdict.NOT_IN_FORCE)
    return engine.answer(summary.lat, summary.lon, at)


def allegation_key(incident_id: int, agreement_id: int, term: int, party_id: int | None) -> str:
    """What makes an allegation one: an incident, a term of an agreement, a party."""
    return f"{incident_id}:{agreement_id}:{term}:{party_id if party_id is not None else '-'}"


def _allegations(
    incident_id: int, agreement: Agreement, found: Check, known: set[str], now: datetime
) -> list[Allegation]:
    rows = []
    for item in found.allegations:
        key = allegation_key(incident_id, agreement.id, item.term, item.party_id)
        if key in known:
            continue
        known.add(key)
        rows.append(
            Allegation(
                id=0,
                key=key,
                incident_id=incident_id,
                agreement_id=agreement.id,
                term=item.term,
                party_id=item.party_id,
                flagged=item.outcome is Outcome.FLAGGED,
                state="open",
                reason=item.reason.data(),
                opened_at=now,
            )
        )
    return rows


def _opened_change(allegation: Allegation, image: dict[str, Any]) -> Change:
    payload = allegation_data(allegation)
    payload["allegation_id"] = payload.pop("id")
    del payload["opened_at"]  # the entry's own time says when
    payload["images"] = {"allegations": [image]}
    return Change("allegation.opened", f"allegation:{allegation.id}", payload)


# --- split and merge ------------------------------------------------------------------------


@dataclass(frozen=True)
class SplitIncident:
    """Take some reports out of an incident into a new one."""

    incident_id: int
    report_ids: tuple[int, ...]
    reason: str = ""


@dataclass(frozen=True)
class MergeIncidents:
    """Merge other incidents into one: their reports move to it, they leave tombstones."""

    incident_id: int
    others: tuple[int, ...]
    reason: str = ""


def _live(uow: UnitOfWork, incident_id: int, field_name: str = "incident_id") -> IncidentRecord:
    row = uow.incidents.get(incident_id)
    if row is None:
        raise NotFound(N_("No incident {id}."), field=field_name, id=incident_id)
    if row.merged_into_id is not None:
        raise Conflict(
            N_("Incident {id} was merged into incident {into}: act on that one."),
            field=field_name,
            id=incident_id,
            into=row.merged_into_id,
        )
    return row


def split_incident(cmd: SplitIncident, uow: UnitOfWork, *, actor: Actor) -> int:
    """Move ``report_ids`` out of an incident into a new incident; its id. Both are checked
    against the terms again."""
    require(actor, Action.EDIT_INCIDENTS)
    reason = check_length(cmd.reason.strip(), "reason")
    source = _live(uow, cmd.incident_id)
    held = {link.report_id for link, _ in uow.incident_reports.of([source.id]).get(source.id, [])}
    moving = sorted(set(cmd.report_ids))
    if not moving:
        raise Invalid(N_("Name the reports to split off: report_ids is empty."), field="report_ids")
    strangers = [r for r in moving if r not in held]
    if strangers:
        raise Invalid(
            N_("Reports {ids} are not in incident {id}: split only its own reports."),
            field="report_ids",
            ids=", ".join(map(str, strangers)),
            id=source.id,
        )
    if len(moving) == len(held):
        raise Invalid(
            N_("Splitting off every report would leave incident {id} empty: keep at least one."),
            field="report_ids",
            id=source.id,
        )
    now = uow.now()
    [new_id] = uow.incidents.create([(source_summary(uow, moving), len(moving))], now)
    uow.incident_reports.move(moving, new_id, actor.username, now)
    summaries = refresh(uow, [source.id, new_id], now)

    def split() -> None:
        payload = {"incident_id": source.id, "new_incident_id": new_id, "report_ids": moving,
                   "reason": reason, "images": {
                       "incidents": uow.images("incidents", [source.id, new_id]),
                       "incident_reports": uow.images("incident_reports", moving)}}  # fmt: skip
        uow.record(actor, Change("incident.split", f"incident:{source.id}", payload))

    check(uow, summaries, split)
    uow.commit()
    return new_id


def source_summary(uow: UnitOfWork, report_ids: Sequence[int]) -> Summary:
    """The summary of some stored reports, as if they were one incident."""
    return summarise(current(uow.reports.many(report_ids)))


def merge_incidents(cmd: MergeIncidents, uow: UnitOfWork, *, actor: Actor) -> int:
    """Merge ``others`` into an incident: their reports and allegations move to it, and each
    leaves a tombstone. The merged incident is checked against the terms again."""
    require(actor, Action.EDIT_INCIDENTS)
    reason = check_length(cmd.reason.strip(), "reason")
    target = _live(uow, cmd.incident_id)
    others = sorted(set(cmd.others))
    if not others:
        raise Invalid(N_("Name the incidents to merge in: incident_ids is empty."),
                      field="incident_ids")  # fmt: skip
    if target.id in others:
        raise Invalid(N_("An incident cannot be merged into itself."), field="incident_ids")
    removed = [_live(uow, other, "incident_ids") for other in others]
    now = uow.now()
    members = uow.incident_reports.of(others)
    moved = sorted(link.report_id for found in members.values() for link, _ in found)
    uow.incident_reports.move(moved, target.id, actor.username, now)
    kept = {(a.agreement_id, a.term, a.party_id) for a in uow.allegations.of(target.id)}
    allegations = []
    stones = []
    uow.incidents.merged([row.id for row in removed], target.id, now)
    for row in removed:
        for allegation in uow.allegations.of(row.id):
            what = (allegation.agreement_id, allegation.term, allegation.party_id)
            if what in kept:
                continue  # the merged incident has the same allegation: this one stays put
            kept.add(what)
            uow.allegations.move(allegation.id, target.id, allegation_key(target.id, *what))
            allegations.append(allegation.id)
        stones.append(
            uow.tombstones.add(Tombstone(0, row.id, target.id, reason, actor.username, now))
        )
    summaries = refresh(uow, [target.id], now)

    def merged() -> None:
        payload = {"incident_id": target.id, "merged": others, "report_ids": moved,
                   "allegation_ids": allegations, "reason": reason, "images": {
                       "incidents": uow.images("incidents", [target.id, *others]),
                       "incident_reports": uow.images("incident_reports", moved),
                       "allegations": uow.images("allegations", allegations),
                       "tombstones": uow.images("tombstones", stones)}}  # fmt: skip
        uow.record(actor, Change("incident.merged", f"incident:{target.id}", payload))

    check(uow, summaries, merged)
    uow.commit()
    return target.id


# --- reading ------------------------------------------------------------------------------

VERDICTS = tuple(v.value for v in Verdict)
OUTCOMES = tuple(o.value for o in Outcome)


def _killed(row: IncidentRecord) -> dict[str, int | None]:
    return {"low": row.killed_low, "best": row.killed_best, "high": row.killed_high}


def incident_data(row: IncidentRecord, translate: Translate = None) -> dict[str, Any]:
    """An incident as the list shows it (its reports aside); its reason in English, or in the
    language of ``translate`` (a page's gettext)."""
    reason = reason_from(row.outcome_reason).render(translate) if row.outcome_reason else None
    return {
        "id": row.id,
        "start": row.start,
        "end": row.end,
        "time_precision": row.time_precision,
        "lat": row.lat,
        "lon": row.lon,
        "geo_precision": row.geo_precision,
        "admin1": row.admin1,
        "admin2": row.admin2,
        "location": row.location,
        "event_type": row.event_type,
        "sub_event_type": row.sub_event_type,
        "kinds": [{"event_type": k[0], "sub_event_type": k[1]} for k in row.kinds],
        "killed": _killed(row),
        "report_count": row.reports,
        "assessed_perpetrator_id": row.assessed_perpetrator_id,
        "perpetrator_undetermined": bool(row.perpetrator_undetermined),
        "agreement_id": row.agreement_id,
        "verdict": row.verdict,
        "outcome": row.outcome,
        "outcome_reason": reason,
        "checked_at": row.checked_at,
        "merged_into_id": row.merged_into_id,
        "created_at": row.created_at,
        "updated_at": row.updated_at,
    }


def _check_filters(filters: IncidentFilters) -> IncidentFilters:
    if filters.verdict is not None and filters.verdict not in VERDICTS:
        raise Invalid(N_("verdict must be one of {known}."), field="verdict",
                      known=", ".join(VERDICTS))  # fmt: skip
    if filters.outcome is not None and filters.outcome not in OUTCOMES:
        raise Invalid(N_("outcome must be one of {known}."), field="outcome",
                      known=", ".join(OUTCOMES))  # fmt: skip
    if filters.event_type is not None and filters.event_type not in TAXONOMY:
        raise Invalid(N_("event_type must be one of {known}."), field="event_type",
                      known=", ".join(TAXONOMY))  # fmt: skip
    if filters.source is not None and not filters.source.isprintable():
        raise Invalid(N_("source must not hold control characters."), field="source")
    if filters.bbox is not None:
        west, south, east, north = filters.bbox
        if not (-180 <= west <= east <= 180 and -90 <= south <= north <= 90):
            raise Invalid(
                N_("bbox is west,south,east,north in degrees, west <= east and south <= north, "
                   "e.g. 35.5,32.3,42.4,37.4."),
                field="bbox",
            )  # fmt: skip
    for name in ("since", "until", "updated_since"):
        value = getattr(filters, name)
        if value is not None:
            common.utc(value, name)
    return filters


def incidents_page(
    uow: UnitOfWork, filters: IncidentFilters, *, cursor: str | None = None, limit: int = 100
) -> Page[dict[str, Any]]:
    """A page of incidents (newest first; by when they changed with ``updated_since``), each
    with its sources and the parties the sources claim as perpetrators."""
    found = uow.incidents.page(_check_filters(filters), cursor, limit)
    rows = found.items
    members = uow.incident_reports.of(row.id for row in rows)
    items = []
    for row in rows:
        reports = [report for _, report in members.get(row.id, [])]
        data = incident_data(row)
        data["sources"] = list(dict.fromkeys(r.draft.source for r in reports))
        data["claimed_perpetrators"] = sorted(
            {r.draft.actor1_party_id for r in reports if r.draft.actor1_party_id is not None}
        )
        items.append(data)
    return Page(items, found.total, found.start, found.next, found.previous)


def incident_detail(
    uow: UnitOfWork, incident_id: int, *, actor: Actor | None = None, translate: Translate = None
) -> dict[str, Any]:
    """An incident with every report (and how it joined), each source's claim, the casualty
    ranges, its allegations and, when merged away, its tombstone. A report's reporter is
    there only for those who may read it (``reports.may_see_reporter``)."""
    row = uow.incidents.get(incident_id)
    if row is None:
        raise NotFound(N_("No incident {id}."), field="incident_id", id=incident_id)
    data = incident_data(row, translate)
    members = uow.incident_reports.of([row.id]).get(row.id, [])
    data["casualties"] = [dict(c) for c in row.casualties]
    data["reports"] = [_report_data(report, link, actor) for link, report in members]
    data["claims"] = [
        {"report_id": r.id, "source": r.draft.source, "perpetrator": r.draft.actor1,
         "perpetrator_party_id": r.draft.actor1_party_id, "target": r.draft.actor2,
         "target_party_id": r.draft.actor2_party_id, "event_type": r.draft.event_type,
         "sub_event_type": r.draft.sub_event_type}
        for _, r in members
    ]  # fmt: skip
    data["allegations"] = [allegation_data(a, translate) for a in uow.allegations.of(row.id)]
    _with_assessment(uow, data, actor)
    stone = uow.tombstones.of(row.id)
    data["tombstone"] = tombstone_data(stone) if stone else None
    return data


def _with_assessment(uow: UnitOfWork, data: dict[str, Any], actor: Actor | None) -> None:
    """The guarantors' assessed perpetrator beside the claims: the one approved (None while
    unassessed), the assessments still pending, every assessment; and, on each allegation,
    whether the assessment set aside the claim it rests on."""
    found = uow.assessments.of(data["id"])
    names = uow.users.names([a.proposed_by for a in found] + [a.decided_by for a in found])
    staff = allowed(actor, Action.READ_RESTRICTED)
    views = [assessment_data(uow, a, names if staff else {}) for a in found]
    approved = [v for v in views if v["state"] == ProposalState.APPROVED.value]
    assessed = data["assessed_perpetrator_id"] is not None or data["perpetrator_undetermined"]
    data["assessed_perpetrator"] = None
    if assessed and approved:
        latest = max(approved, key=lambda v: (v["decided_at"], v["id"]))
        data["assessed_perpetrator"] = {
            "party_id": latest["party_id"],
            "party_name": latest["party_name"],
            "undetermined": latest["undetermined"],
            "assessment_id": latest["id"],
            "assessed_at": latest["decided_at"],
        }
    data["pending_assessments"] = [v for v in views if v["state"] == ProposalState.OPEN.value]
    data["assessments"] = views
    for allegation in data["allegations"]:
        allegation["set_aside_by_assessment"] = assessed and (
            allegation["party_id"] != data["assessed_perpetrator_id"]
        )


def assessment_data(
    uow: UnitOfWork, assessment: Assessment, names: dict[int, str]
) -> dict[str, Any]:
    """One assessment of an incident's perpetrator; its users' names only when ``names`` has
    them (staff), else the states that acted alone (the public)."""
    party = uow.parties.get(assessment.party_id) if assessment.party_id is not None else None
    data: dict[str, Any] = {
        "id": assessment.id,
        "incident_id": assessment.incident_id,
        "agreement_id": assessment.agreement_id,
        "party_id": assessment.party_id,
        "party_name": party.name if party else None,
        "undetermined": assessment.undetermined,
        "reason": assessment.reason,
        "proposer_state": assessment.proposer_state,
        "proposed_at": assessment.proposed_at,
        "state": assessment.state.value,
        "decider_state": assessment.decider_state,
        "decided_at": assessment.decided_at,
        "decision_reason": assessment.decision_reason,
    }
    if names:
        data["proposed_by"] = names.get(assessment.proposed_by)
        data["decided_by"] = names.get(assessment.decided_by) if assessment.decided_by else None
    return data


def _report_data(report: Report, link: ReportLink, actor: Actor | None) -> dict[str, Any]:
    draft = report.draft
    killed = casualty_total(draft.casualties, "killed")
    injured = casualty_total(draft.casualties, "injured")
    data = {
        "id": report.id, "channel": draft.channel, "source": draft.source,
        "source_reliability": draft.reliability, "source_ref": draft.source_ref,
        "received_at": draft.received_at, "occurred_start": draft.occurred_start,
        "occurred_end": draft.occurred_end, "time_precision": draft.time_precision,
        "lat": draft.lat, "lon": draft.lon, "geo_precision": draft.geo_precision,
        "country": draft.country, "admin1": draft.admin1, "admin2": draft.admin2,
        "location": draft.location, "event_type": draft.event_type,
        "sub_event_type": draft.sub_event_type, "weapon_class": draft.weapon_class,
        "actor1": draft.actor1, "actor1_party_id": draft.actor1_party_id,
        "actor2": draft.actor2, "actor2_party_id": draft.actor2_party_id,
        "fatalities": killed.central if killed else None,
        "injured": injured.central if injured else None,
        "casualties": casualties_record(draft.casualties) or None, "text": draft.text,
        "lang": draft.lang, "amends_id": draft.amends_id,
    }  # fmt: skip
    if draft.reporter and filed.may_see_reporter(report, actor):
        data["reporter"] = draft.reporter
    data["link"] = {
        "linked_to": link.linked_to,
        "match_probability": link.match_probability,
        "match_weight": link.match_weight,
        "comparisons": [dict(c) for c in link.comparisons],
        "links": [dict(item) for item in link.links],
        "linked_by": link.linked_by,
        "linked_at": link.linked_at,
    }
    return data


def allegation_data(row: Allegation, translate: Translate = None) -> dict[str, Any]:
    """One allegation, its reason in words."""
    return {
        "id": row.id,
        "incident_id": row.incident_id,
        "agreement_id": row.agreement_id,
        "term": row.term,
        "party_id": row.party_id,
        "flagged": row.flagged,
        "state": row.state,
        "reason": reason_from(row.reason).render(translate),
        "opened_at": row.opened_at,
    }


def tombstone_data(row: Tombstone) -> dict[str, Any]:
    """One removed incident, for mirrors."""
    return {
        "id": row.id,
        "incident_id": row.incident_id,
        "merged_into_id": row.merged_into_id,
        "reason": row.reason,
        "removed_by": row.removed_by,
        "removed_at": row.removed_at,
    }


def tombstones_page(
    uow: UnitOfWork, *, since: datetime | None = None, cursor: str | None = None, limit: int = 100
) -> Page[dict[str, Any]]:
    """Incidents removed by merges, oldest removal first (from ``since``)."""
    found = uow.tombstones.page(common.utc(since, "since") if since else None, cursor, limit)
    return found.map(tombstone_data)
