"""From scored pairs to incidents: connected components, split where they chain distinct events.

A component of links above the threshold is kept as one incident when its reports are
*mutually* compatible: every two of them within the time window and the distance (or the same
province when one gives only a province), and no two from one source (unless configured). A
chain A–B–C can join two events that A and C alone would never be linked for; such a component
is rebuilt greedily instead: links in order of decreasing match weight, each merging two groups
only when every report of one is compatible with every report of the other. Links refused are
kept with the reason, so a person sees what was not merged and why.

Existing incidents (incremental linking) are groups from the start; two of them are never
merged here: that is a person's decision (a ledgered merge).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

Ints = NDArray[np.int64]
Floats = NDArray[np.float64]
Bools = NDArray[np.bool_]

EARTH_KM = 6371.0
MERGED = "merged"
TOO_FAR_APART = "would join reports too far apart in time or place"
SAME_SOURCE = "would join two reports from one source"
TWO_INCIDENTS = "would merge two existing incidents"
ALREADY_TOGETHER = "already in one incident"


@dataclass(frozen=True)
class Window:
    """How far apart two reports of one incident may be."""

    max_gap_hours: float = 72.0
    max_km: float = 25.0
    same_source: bool = False


@dataclass(frozen=True)
class Nodes:
    """Per report (sorted by id): what the compatibility check reads."""

    ids: Ints
    start: Floats
    end: Floats
    lat: Floats  # radians, NaN when there is no point
    lon: Floats
    fine: Bools  # an exact or near point
    admin1: Ints  # a code per name, -1 when unknown
    source: Ints
    incident: Ints  # the existing incident, -1 for a new report

    def index(self, report_ids: Ints) -> Ints:
        return np.searchsorted(self.ids, report_ids).astype(np.int64)


@dataclass(frozen=True)
class Clustering:
    """The group of each node (the smallest report id in it) and the fate of each edge."""

    group: Ints
    outcome: list[str]


def compatible(nodes: Nodes, a: Ints, b: Ints, window: Window) -> Bools:
    """Whether reports ``a[i]`` and ``b[i]`` may be one incident (vectorised)."""
    gap = np.maximum(nodes.start[a], nodes.start[b]) - np.minimum(nodes.end[a], nodes.end[b])
    ok: Bools = gap <= window.max_gap_hours
    both_fine = nodes.fine[a] & nodes.fine[b]
    km = _haversine_km(nodes.lat[a], nodes.lon[a], nodes.lat[b], nodes.lon[b])
    admin_a, admin_b = nodes.admin1[a], nodes.admin1[b]
    same_area = (admin_a == admin_b) | (admin_a < 0) | (admin_b < 0)
    ok &= np.where(both_fine, km <= window.max_km, same_area)
    if not window.same_source:
        ok &= nodes.source[a] != nodes.source[b]
    same_incident = (nodes.incident[a] >= 0) & (nodes.incident[a] == nodes.incident[b])
    return np.asarray(ok | same_incident, dtype=np.bool_)


def _haversine_km(lat1: Floats, lon1: Floats, lat2: Floats, lon2: Floats) -> Floats:
    with np.errstate(invalid="ignore"):
        h = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin(
            (lon2 - lon1) / 2
        ) ** 2
        return np.asarray(2 * EARTH_KM * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0))))


def cluster(nodes: Nodes, left: Ints, right: Ints, weight: Floats, window: Window) -> Clustering:
    """Group the nodes along the edges (node indices, strongest first after sorting)."""
    order = np.lexsort((nodes.ids[right], nodes.ids[left], -weight))
    left, right = left[order], right[order]
    seed = _incident_edges(nodes)
    labels = components(len(nodes.ids), np.concatenate([left, seed[0]]),
                        np.concatenate([right, seed[1]]))  # fmt: skip
    outcome = [MERGED] * len(left)
    for members in _doubtful(nodes, labels, window):
        _rebuild(nodes, members, labels, left, right, outcome, window)
    group = _smallest_id(nodes, labels)
    unsorted = [""] * len(left)
    for position, edge in enumerate(order):
        unsorted[edge] = outcome[position]
    return Clustering(group, unsorted)


def _incident_edges(nodes: Nodes) -> tuple[Ints, Ints]:
    """Edges that tie the reports of each existing incident together."""
    known = np.flatnonzero(nodes.incident >= 0)
    if len(known) == 0:
        empty = np.empty(0, dtype=np.int64)
        return empty, empty
    by_incident = known[np.argsort(nodes.incident[known], kind="stable")]
    same = nodes.incident[by_incident[1:]] == nodes.incident[by_incident[:-1]]
    return by_incident[:-1][same], by_incident[1:][same]


def components(count: int, left: Ints, right: Ints) -> Ints:
    """Connected components: for each node, the smallest node index of its component."""
    labels = np.arange(count, dtype=np.int64)
    while True:
        low = np.minimum(labels[left], labels[right])
        before = labels.copy()
        np.minimum.at(labels, left, low)
        np.minimum.at(labels, right, low)
        labels = labels[labels]  # pointer jumping: follow to the root
        if np.array_equal(labels, before):
            return labels


def _doubtful(nodes: Nodes, labels: Ints, window: Window) -> Iterator[Ints]:
    """The components (as member indices) where some two members are not compatible."""
    order = np.argsort(labels, kind="stable")
    sorted_labels = labels[order]
    starts = np.flatnonzero(np.r_[True, sorted_labels[1:] != sorted_labels[:-1]])
    sizes = np.diff(np.r_[starts, len(order)])
    for size in np.unique(sizes[sizes >= 2]):
        firsts = starts[sizes == size]
        members = order[firsts[:, None] + np.arange(size)[None, :]]
        i, j = np.triu_indices(int(size), k=1)
        ok = compatible(nodes, members[:, i].ravel(), members[:, j].ravel(), window)
        bad = ~ok.reshape(len(firsts), len(i)).all(axis=1)
        incidents = _distinct_incidents(nodes, members)
        for row in np.flatnonzero(bad | (incidents > 1)):
            yield members[row]


def _distinct_incidents(nodes: Nodes, members: Ints) -> Ints:
    known = np.where(nodes.incident[members] >= 0, nodes.incident[members], -1)
    ordered = np.sort(known, axis=1)
    changes = (ordered[:, 1:] != ordered[:, :-1]) & (ordered[:, 1:] >= 0)
    return np.asarray(changes.sum(axis=1) + (ordered[:, 0] >= 0), dtype=np.int64)


def _rebuild(
    nodes: Nodes, members: Ints, labels: Ints, left: Ints, right: Ints,
    outcome: list[str], window: Window,
) -> None:  # fmt: skip
    """Greedy merging within one doubtful component; relabels its members, notes each edge."""
    group = {int(m): [int(m)] for m in members}
    for incident_group in _incident_groups(nodes, members):
        for m in incident_group:
            group[m] = incident_group
    inside = np.isin(left, members)
    for edge in np.flatnonzero(inside):
        a, b = group[int(left[edge])], group[int(right[edge])]
        outcome[edge] = _merge_or_refuse(nodes, a, b, window)
        if outcome[edge] == MERGED:
            merged = a + b
            for m in merged:
                group[m] = merged
    for m in members:
        labels[m] = min(group[int(m)])


def _incident_groups(nodes: Nodes, members: Ints) -> list[list[int]]:
    known = [int(m) for m in members if nodes.incident[m] >= 0]
    by_incident: dict[int, list[int]] = {}
    for m in known:
        by_incident.setdefault(int(nodes.incident[m]), []).append(m)
    return list(by_incident.values())


def _merge_or_refuse(nodes: Nodes, a: list[int], b: list[int], window: Window) -> str:
    if a is b:
        return ALREADY_TOGETHER
    if _incident_of(nodes, a) >= 0 and _incident_of(nodes, b) >= 0:
        return TWO_INCIDENTS
    pairs_a = np.repeat(np.array(a, dtype=np.int64), len(b))
    pairs_b = np.tile(np.array(b, dtype=np.int64), len(a))
    if compatible(nodes, pairs_a, pairs_b, window).all():
        return MERGED
    if not window.same_source and set(nodes.source[a]) & set(nodes.source[b]):
        return SAME_SOURCE
    return TOO_FAR_APART


def _incident_of(nodes: Nodes, group: list[int]) -> int:
    return int(nodes.incident[group].max())


def _smallest_id(nodes: Nodes, labels: Ints) -> Ints:
    """Each node's group named by the smallest report id in it."""
    smallest = np.full(len(labels), np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(smallest, labels, nodes.ids)
    return smallest[labels]
