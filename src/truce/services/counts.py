"""Counts as each source counts them, beside the merged view (domain/counts.py): daily counts by
province, event type or claimed party, per reporting source and in incidents. Public: anyone
may read them, as anyone may read the incidents list."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from truce.domain.counts import (
    CountBy,
    CountFilters,
    CountRow,
    Counts,
    MergedTally,
    check_filters,
)
from truce.domain.permissions import Actor
from truce.store.uow import UnitOfWork


def count_incidents(query: CountFilters, uow: UnitOfWork, *, actor: Actor | None = None) -> Counts:
    """Reports per source and incidents, per day and key, under the filters."""
    del actor  # public: the counts hold nothing a visitor may not see
    filters = check_filters(query)
    tally = MergedTally([filters.by], filters.party_id)
    tally.add_all(uow.counts.incident_claims(filters))
    return _counted(filters, tally, uow)


def count_by_every_key(
    query: CountFilters, uow: UnitOfWork, *, actor: Actor | None = None
) -> tuple[dict[CountBy, Counts], list[tuple[int, date, str]]]:
    """The counts under the filters by each key (province, type, party), from one read of
    the incidents, and each incident's sources (MergedTally.incident_sources): for a report
    that shows them side by side (the two-ledger report), which would otherwise read the same
    incidents once per key."""
    del actor  # public, as count_incidents
    filters = check_filters(query)
    tally = MergedTally(list(CountBy), filters.party_id, sources=True)
    tally.add_all(uow.counts.incident_claims(filters))
    found = {by: _counted(replace(filters, by=by), tally, uow) for by in CountBy}
    return found, tally.incident_sources()


def _counted(filters: CountFilters, tally: MergedTally, uow: UnitOfWork) -> Counts:
    per_source = uow.counts.by_source(filters)
    merged = tally.counts(filters.by)
    names = uow.parties.names() if filters.by is CountBy.PARTY else {}
    rows: dict[tuple[date, str | None], tuple[dict[str, int], list[int]]] = {}
    for day, key, source, n in per_source:
        rows.setdefault((day, key), ({}, [0]))[0][source] = n
    for day, key, n in merged:
        rows.setdefault((day, key), ({}, [0]))[1][0] = n
    sources = sorted({source for _, _, source, _ in per_source})
    out = []
    for (day, key), (by_source, count) in sorted(
        rows.items(), key=lambda item: (item[0][0], item[0][1] is None, item[0][1] or "")
    ):
        label = names.get(int(key), key) if key is not None and names else key
        out.append(CountRow(day, key, label, by_source, count[0]))
    return Counts(filters, tuple(sources), tuple(out))


def count_choices(uow: UnitOfWork) -> dict[str, list[str]]:
    """What the filters of the counts page offer: the sources and the provinces stored."""
    return {"sources": uow.counts.sources(), "provinces": uow.counts.provinces()}
