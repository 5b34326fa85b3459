"""The two-ledger report (docs/reports.md): for a period, each source's count side by side with
the merged view, made into a signed, reproducible document from the counts of
services/counts.py (domain/counts.py says how each is counted).

For each day of the period, and by province and by the party each source attributes an event
to (its claimed perpetrator): the reports each source gave and the incidents they were merged
into. Then where and why the ledgers differ: what each source counts (the event types it
reports), the incidents two or more sources counted alike (by pair of sources), those only one
source counted, and the days a source reported nothing while another did.

Only reports linked, and incidents made, by the time of the ledger head the report is built
from are counted, so a later import changes nothing of a report rebuilt at that head.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta
from itertools import combinations
from typing import Any

from truce.domain.counts import CountBy, CountFilters, Counts
from truce.domain.errors import Invalid
from truce.domain.i18n import N_
from truce.domain.permissions import Actor
from truce.domain.sitreps import Sitrep, parse_day, rfc3339
from truce.services import common, counts, sitreps
from truce.sitreps.provinces import governorate
from truce.store.uow import UnitOfWork

KIND = "two-ledgers"
MAX_DAYS = 92  # a quarter at most: one table row and one chart point per day
DEFAULT_FROM = "2016-02-27"  # the cessation of hostilities' first month
DEFAULT_TO = "2016-03-31"
PARAMS = ("from", "to", "as_of")


def normalise(params: Mapping[str, Any]) -> dict[str, Any]:
    """``from`` and ``to`` (YYYY-MM-DD, both included, at most 92 days), and ``as_of`` (a
    ledger entry) when rebuilding an old one."""
    unknown = sorted(set(params) - set(PARAMS))
    if unknown:
        raise Invalid(
            N_("The two-ledger report takes from, to and as_of, not {names}."),
            field=unknown[0],
            names=", ".join(unknown),
        )
    days = {}
    for name in ("from", "to"):
        text = params.get(name)
        if not isinstance(text, str):
            raise Invalid(
                N_("{name}: give the period's first and last days as YYYY-MM-DD."),
                field=name,
                name=name,
            )
        days[name] = parse_day(text, name)
    if days["to"] < days["from"]:
        raise Invalid(
            N_("to ({to}) is before from ({since}): the period must not end before it starts."),
            field="to",
            to=days["to"].isoformat(),
            since=days["from"].isoformat(),
        )
    if (days["to"] - days["from"]).days + 1 > MAX_DAYS:
        raise Invalid(
            N_("The period is {days} days: ask for at most {most} days in one report."),
            field="to",
            days=(days["to"] - days["from"]).days + 1,
            most=MAX_DAYS,
        )
    return sitreps.with_as_of(
        {"from": days["from"].isoformat(), "to": days["to"].isoformat()}, params
    )


def build(uow: UnitOfWork, params: Mapping[str, Any], *, actor: Actor | None = None) -> Sitrep:
    """The two-ledger report of ``params["from"]`` to ``params["to"]`` from the record at
    ``params.get("as_of")``."""
    first, last = parse_day(params["from"], "from"), parse_day(params["to"], "to")
    agreement = common.agreement(uow, None)
    record = sitreps.record_at(uow, sitreps.as_of_param(params))

    filters = CountFilters(since=first, until=last, recorded_by=record.written_by)
    by_key, memberships = counts.count_by_every_key(filters, uow, actor=actor)
    by_province, by_party, by_type = (
        by_key[CountBy.PROVINCE], by_key[CountBy.PARTY], by_key[CountBy.EVENT_TYPE],
    )  # fmt: skip
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    sources = sorted(set(by_province.sources) | {source for *_, source in memberships})
    daily = _daily(by_province, days, sources)
    totals, merged = by_province.totals()
    content = {
        "from": first.isoformat(),
        "to": last.isoformat(),
        "days": len(days),
        "agreement": {"id": agreement.id, "title": agreement.title},
        "sources": sources,
        "totals": {"by_source": {s: totals.get(s, 0) for s in sources}, "merged": merged},
        "daily": daily,
        "by_province": _by_key(by_province, sources, province=True),
        "by_party": _by_key(by_party, sources),
        "event_types": _event_types(by_type, sources),
        "overlap": _overlap(memberships, sources),
        "silent_days": _silent_days(daily, sources),
    }
    # The record ends where the period does, or at the ledger head if that is sooner.
    period_end = datetime.combine(last + timedelta(days=1), time(), UTC)
    cutoff = min(period_end, record.written_by)
    return Sitrep(KIND, dict(params), rfc3339(cutoff), record.head, content)


def _daily(found: Counts, days: list[date], sources: list[str]) -> list[dict[str, Any]]:
    """Every day of the period, a day no source reported included (zeros)."""
    by_day = {day: (by_source, merged) for day, by_source, merged in found.daily()}
    rows = []
    for day in days:
        by_source, merged = by_day.get(day, ({}, 0))
        rows.append({"day": day.isoformat(),
                     "by_source": {s: by_source.get(s, 0) for s in sources},
                     "merged": merged})  # fmt: skip
    return rows


def _by_key(found: Counts, sources: list[str], *, province: bool = False) -> list[dict[str, Any]]:
    """Each key's reports per source and incidents over the period: the most incidents first,
    then by name; the key no source named (no province, no registry party) last."""
    keys: dict[str | None, tuple[str | None, Counter[str], list[int]]] = {}
    for row in found.rows:
        label, by_source, merged = keys.setdefault(row.key, (row.label, Counter(), [0]))
        by_source.update(row.by_source)
        merged[0] += row.merged
    out = []
    for key, (label, by_source, merged) in keys.items():
        item: dict[str, Any] = {
            "key": key,
            "label": label,
            "by_source": {s: by_source.get(s, 0) for s in sources},
            "merged": merged[0],
        }
        if province:
            place = governorate(key) if key else None
            item["pcode"] = place.pcode if place else None
        out.append(item)
    return sorted(
        out,
        key=lambda r: (r["key"] is None, -r["merged"], -sum(r["by_source"].values()),
                       r["label"] or ""),
    )  # fmt: skip


def _event_types(found: Counts, sources: list[str]) -> dict[str, Any]:
    """What each source counts: its reports per event type, and the incidents' types (an
    incident under its most reported type)."""
    per_source: dict[str, Counter[str]] = {s: Counter() for s in sources}
    merged: Counter[str] = Counter()
    for row in found.rows:
        for source, n in row.by_source.items():
            per_source.setdefault(source, Counter())[row.key or ""] += n
        merged[row.key or ""] += row.merged
    types = sorted({t for c in per_source.values() for t in c} | set(merged))
    return {
        "types": types,
        "by_source": {s: {t: n for t, n in sorted(c.items()) if n} for s, c in per_source.items()},
        "merged": {t: n for t, n in sorted(merged.items()) if n},
        "only_in": {
            s: [t for t in types if per_source[s][t] and
                not any(per_source[o][t] for o in sources if o != s)]
            for s in sources
        },
    }  # fmt: skip


def _overlap(memberships: list[tuple[int, date, str]], sources: list[str]) -> dict[str, Any]:
    """Which incidents one source counted and which two or more counted alike."""
    of_incident: dict[int, set[str]] = defaultdict(set)
    for incident, _, source in memberships:
        of_incident[incident].add(source)
    pairs: Counter[tuple[str, str]] = Counter()
    only: Counter[str] = Counter()
    by_number: Counter[int] = Counter()
    for found in of_incident.values():
        by_number[len(found)] += 1
        if len(found) == 1:
            only[next(iter(found))] += 1
        for pair in combinations(sorted(found), 2):
            pairs[pair] += 1
    return {
        "incidents": len(of_incident),
        "by_sources": {str(n): by_number[n] for n in sorted(by_number)},
        "two_or_more": sum(n for k, n in by_number.items() if k >= 2),
        "only_one": sum(only.values()),
        "only_by": {s: only.get(s, 0) for s in sources},
        "pairs": [
            {"sources": [a, b], "incidents": pairs[(a, b)]} for a, b in combinations(sources, 2)
        ],
    }


def _silent_days(daily: list[dict[str, Any]], sources: list[str]) -> dict[str, list[str]]:
    """Per source, the days it gave no report while another source gave one."""
    return {
        source: [
            row["day"]
            for row in daily
            if not row["by_source"][source]
            and any(n for s, n in row["by_source"].items() if s != source)
        ]
        for source in sources
    }


sitreps.register(KIND, build, normalise=normalise)
