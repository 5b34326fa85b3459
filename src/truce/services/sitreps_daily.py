"""The daily bulletin (docs/reports.md): for a date, what the record holds of the window that
closes at the agreement's daily cut-off (2016: the 24 hours to 18:00 Damascus time).

Incidents registered in the window, by province and type, each with its time, place and the
perpetrator each source claims; commitments made and status changes; allegations filed and
findings reached; the hotline's activity (counts only); the condition clocks on that day;
the day's incidents on a map; the last 30 days' incidents a day."""

from __future__ import annotations

from bisect import bisect_right
from collections import Counter, defaultdict
from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from truce.domain.errors import Invalid
from truce.domain.i18n import N_
from truce.domain.permissions import Actor
from truce.domain.sitreps import Sitrep, daily_window, parse_day, rfc3339
from truce.services import clocks, common, sitreps
from truce.sitreps.provinces import governorate
from truce.store.sitreps import Claim, WindowIncident
from truce.store.uow import UnitOfWork

KIND = "daily"
SERIES_DAYS = 30


def normalise(params: Mapping[str, Any]) -> dict[str, Any]:
    """``date`` (YYYY-MM-DD), and ``as_of`` (a ledger entry) when rebuilding an old one."""
    unknown = sorted(set(params) - {"date", "as_of"})
    if unknown:
        raise Invalid(
            N_("The daily bulletin takes date and as_of, not {names}."),
            field=unknown[0],
            names=", ".join(unknown),
        )
    text = params.get("date")
    if not isinstance(text, str):
        raise Invalid(N_("date: give the bulletin's date as YYYY-MM-DD."), field="date")
    return sitreps.with_as_of({"date": parse_day(text).isoformat()}, params)


def build(uow: UnitOfWork, params: Mapping[str, Any], *, actor: Actor | None = None) -> Sitrep:
    """The bulletin for ``params["date"]`` from the record at ``params.get("as_of")``."""
    day = parse_day(params["date"])
    agreement = common.agreement(uow, None)
    rules = agreement.bulletin_rules()
    since, until = daily_window(day, agreement.timezone, rules)
    record = sitreps.record_at(uow, sitreps.as_of_param(params))
    written_by = record.written_by
    incidents = uow.sitreps.incidents(since, until, written_by)
    claims = uow.sitreps.claims(since, until, written_by)
    content = {
        "date": day.isoformat(),
        "timezone": agreement.timezone,
        "agreement": {"id": agreement.id, "title": agreement.title},
        "window": {
            "start": rfc3339(since),
            "end": rfc3339(until),
            "cutoff": rules.daily_cutoff.strftime("%H:%M"),
            "hours": rules.window_hours,
        },
        "totals": {
            "incidents": len(incidents),
            "killed": sum(i.killed_best or 0 for i in incidents),
            "reports": len(claims),
        },
        "by_province": _by_province(incidents),
        "event_types": sorted({i.event_type for i in incidents}),
        "incidents": _incidents(incidents, claims),
        "commitments": [
            {
                "party_id": party_id,
                "party": name,
                "guarantor": state,
                "at": rfc3339(at),
                "late": late,
            }
            for party_id, name, state, at, late in uow.sitreps.commitments(since, until, written_by)
        ],
        "status_changes": [
            {
                "party_id": party_id,
                "party": name,
                "status": status,
                "at": rfc3339(at),
                "cause": cause,
            }
            for party_id, name, status, at, cause in uow.sitreps.status_changes(
                since, until, written_by
            )
        ],
        "allegations": _allegations(uow, since, _held(until, written_by)),
        "findings": _findings(uow, since, _held(until, written_by)),
        "hotline": uow.sitreps.hotline_counts(since, _held(until, written_by)),
        "clocks": _clocks(uow, until),
        "last_30_days": _series(uow, day, agreement.timezone, rules, written_by),
    }
    # as_of is not a parameter of the report: the head it names is printed on it. So a rebuild
    # at the head a published report was built from gives that report's JSON, byte for byte.
    identity = {name: value for name, value in params.items() if name != "as_of"}
    return Sitrep(KIND, identity, rfc3339(until), record.head, content)


def _held(until: datetime, written_by: datetime) -> datetime:
    """The end (excluded) of what the head holds of things dated when they were written
    (allegations, findings, hotline messages): the window's end, or just after the head's
    time, when the head is older (a row is written with its own entry, at that time)."""
    return min(until, written_by + timedelta(microseconds=1))


def _by_province(incidents: list[WindowIncident]) -> list[dict[str, Any]]:
    """Incidents per province and type: the most first, then by name; unplaced last."""
    by_type: dict[str, Counter[str]] = defaultdict(Counter)
    for incident in incidents:
        by_type[incident.admin1 or ""][incident.event_type] += 1
    rows = []
    for admin1, counted in by_type.items():
        found = governorate(admin1)
        rows.append({
            "admin1": admin1 or None,
            "pcode": found.pcode if found else None,
            "total": sum(counted.values()),
            "by_type": dict(sorted(counted.items())),
        })  # fmt: skip
    return sorted(rows, key=lambda r: (r["admin1"] is None, -r["total"], r["admin1"] or ""))


def _incidents(incidents: list[WindowIncident], claims: list[Claim]) -> list[dict[str, Any]]:
    claimed: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for claim in claims:
        claimed[claim.incident_id].append(
            {"source": claim.source, "perpetrator": claim.actor1, "party_id": claim.party_id}
        )
    return [
        {
            "id": i.id,
            "time": rfc3339(i.start),
            "admin1": i.admin1,
            "admin2": i.admin2,
            "location": i.location,
            "lat": i.lat,
            "lon": i.lon,
            "event_type": i.event_type,
            "sub_event_type": i.sub_event_type,
            "killed": i.killed_best,
            "claims": claimed.get(i.id, []),
        }
        for i in incidents
    ]


def _allegations(uow: UnitOfWork, since: datetime, until: datetime) -> dict[str, Any]:
    found = uow.sitreps.allegations(since, until)
    return {
        "filed": len(found),
        "flagged": sum(1 for *_, flagged, _ in found if flagged),
        "items": [
            {
                "id": a_id,
                "incident_id": incident_id,
                "term": term,
                "party_id": party_id,
                "flagged": flagged,
                "at": rfc3339(at),
            }
            for a_id, incident_id, term, party_id, flagged, at in found
        ],
    }


def _findings(uow: UnitOfWork, since: datetime, until: datetime) -> dict[str, Any]:
    found = uow.sitreps.findings(since, until)
    return {
        "reached": len(found),
        "by_state": dict(sorted(Counter(state for _, _, state, _ in found).items())),
        "items": [
            {"id": f_id, "allegation_id": allegation_id, "state": state, "at": rfc3339(at)}
            for f_id, allegation_id, state, at in found
        ],
    }


def _clocks(uow: UnitOfWork, until: datetime) -> list[dict[str, Any]]:
    """Each condition clock on the bulletin's day, counted from incidents before the cut-off."""
    return [
        {"key": c.state.rule.key, "name": c.state.rule.name, "days": c.state.rule.days,
         "calm_days": c.state.calm_days, "met": c.state.met, "running": c.state.running}
        for c in clocks.clocks(uow, until=until)
    ]  # fmt: skip


def _series(
    uow: UnitOfWork, day: Any, zone: str, rules: Any, written_by: datetime
) -> list[list[Any]]:
    """Incidents in each of the 30 bulletin windows to this one: [[date, count], ...]."""
    days = [day - timedelta(days=back) for back in range(SERIES_DAYS - 1, -1, -1)]
    windows = [daily_window(d, zone, rules) for d in days]
    ends = [end for _, end in windows]
    counted = [0] * len(days)
    for start in uow.sitreps.incident_starts(windows[0][0], ends[-1], written_by):
        index = bisect_right(ends, start)
        if index < len(days) and start >= windows[index][0]:
            counted[index] += 1
    return [[d.isoformat(), n] for d, n in zip(days, counted, strict=True)]


def newest_day(uow: UnitOfWork) -> date | None:
    """The date of the bulletin whose window holds the newest incident (None when there is no
    incident, or no agreement): the first cut-off after it, on the agreement's clock."""
    if not uow.agreements.all():
        return None
    newest = uow.sitreps.newest_incident_start()
    if newest is None:
        return None
    agreement = common.agreement(uow, None)
    rules = agreement.bulletin_rules()
    moment = newest.replace(tzinfo=newest.tzinfo or UTC)
    local = moment.astimezone(ZoneInfo(agreement.timezone))
    day = local.date()
    while daily_window(day, agreement.timezone, rules)[1] <= moment:
        day += timedelta(days=1)
    return day


sitreps.register(KIND, build, normalise=normalise)
