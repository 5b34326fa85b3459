"""From scored pairs to incidents: connected components, split where they chain distinct events.

A component of links at or above the threshold is kept as one incident when every two of its
reports are linked above the threshold and *mutually* compatible: within the time window and
the distance (or the same province when one gives only a province), and not from one source
(unless configured). A chain A–B–C can join two events that A and C alone would never be
linked for; such a component is rebuilt greedily instead: links in order of decreasing match
weight, each merging two groups only when every report of one is compatible with every report
of the other and the pairs across the two groups support the merge on average (their mean
match weight reaches the threshold). Links refused are kept with the reason, so a person sees
what was not merged and why.

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
UNSUPPORTED = "the other reports of the two groups do not support it"
BELOW_THRESHOLD = "below the threshold"


@dataclass(frozen=True)
class Window:
    """How far apart two reports of one incident may be."""

    max_gap_hours: float = 24.0  # less than: a day report and one of the day after next are not one
    max_km: float = 10.0
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
    outcome: list[str]  # per edge, in the order given


def compatible(nodes: Nodes, a: Ints, b: Ints, window: Window) -> Bools:
    """Whether reports ``a[i]`` and ``b[i]`` may be one incident (vectorised)."""
    gap = np.maximum(nodes.start[a], nodes.start[b]) - np.minimum(nodes.end[a], nodes.end[b])
    ok: Bools = gap < window.max_gap_hours
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
        h = (
            np.sin((lat2 - lat1) / 2) ** 2
            + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
        )
        return np.asarray(2 * EARTH_KM * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0))))


def cluster(
    nodes: Nodes, left: Ints, right: Ints, weight: Floats, window: Window, threshold: float,
    floor: float,
) -> Clustering:  # fmt: skip
    """Group the nodes along the edges (node indices) whose weight reaches ``threshold``.

    ``left``/``right``/``weight`` hold every scored pair down to ``floor`` (the weight below
    which pairs were not kept): they are the support a merge needs.
    """
    order = np.lexsort((nodes.ids[right], nodes.ids[left], -weight))
    left, right, weight = left[order], right[order], weight[order]
    strong = weight >= threshold
    seed = _incident_edges(nodes)
    labels = components(len(nodes.ids), np.concatenate([left[strong], seed[0]]),
                        np.concatenate([right[strong], seed[1]]))  # fmt: skip
    outcome = np.where(strong, MERGED, BELOW_THRESHOLD).astype(object)
    edges = _Edges(left, right, weight, strong, outcome)
    inside = labels[left] == labels[right]
    cliques = np.bincount(labels[left[strong & inside]], minlength=len(labels))
    doubtful = list(_doubtful(nodes, labels, cliques, window))
    if doubtful:
        by_component = _edges_by_component(labels, edges, inside, [c for c, _ in doubtful])
        for component, members in doubtful:
            rules = _Rules(nodes, window, threshold, floor)
            _rebuild(rules, members, by_component.get(component, _NO_EDGES), edges, labels)
    group = _smallest_id(nodes, labels)
    unsorted = np.empty(len(order), dtype=object)
    unsorted[order] = outcome
    return Clustering(group, unsorted.tolist())


@dataclass(frozen=True)
class _Edges:
    left: Ints
    right: Ints
    weight: Floats
    strong: Bools
    outcome: NDArray[np.object_]


@dataclass(frozen=True)
class _Rules:
    nodes: Nodes
    window: Window
    threshold: float
    floor: float


_NO_EDGES = np.empty(0, dtype=np.int64)


def _edges_by_component(
    labels: Ints, edges: _Edges, inside: Bools, components_wanted: list[int]
) -> dict[int, Ints]:
    """For each wanted component, its inner edges (strongest first)."""
    component = np.where(inside, labels[edges.left], -1)
    chosen = np.flatnonzero(np.isin(component, np.array(components_wanted, dtype=np.int64)))
    chosen = chosen[np.argsort(component[chosen], kind="stable")]
    keys, starts = np.unique(component[chosen], return_index=True)
    ends = np.r_[starts[1:], len(chosen)]
    return {int(k): chosen[s:e] for k, s, e in zip(keys, starts, ends, strict=True)}


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


def _doubtful(
    nodes: Nodes, labels: Ints, cliques: Ints, window: Window
) -> Iterator[tuple[int, Ints]]:
    """The components (label, member indices) to rebuild: those that are not a clique of
    strong links, or hold two members that may not be one incident, or existing reports."""
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
        bad |= cliques[labels[members[:, 0]]] < len(i)
        bad |= (nodes.incident[members] >= 0).any(axis=1)
        for row in np.flatnonzero(bad):
            yield int(labels[members[row, 0]]), members[row]


def _rebuild(rules: _Rules, members: Ints, inner: Ints, edges: _Edges, labels: Ints) -> None:
    """Greedy merging within one component, strongest link first; relabels its members.

    A link merges its two groups when every report of one may be one incident with every
    report of the other, and the pairs across them support it on average: their mean match
    weight reaches the threshold (a pair not scored counts at the floor). Components are small,
    so this works on Python lists: numpy's per-call cost would dominate.
    """
    nodes, size = rules.nodes, len(members)
    local = {int(m): i for i, m in enumerate(members)}
    rows, cols = np.repeat(np.arange(size), size), np.tile(np.arange(size), size)
    fits = compatible(nodes, members[rows], members[cols], rules.window).reshape(size, size)
    weights = np.full((size, size), rules.floor)
    a_side = [local[m] for m in edges.left[inner].tolist()]
    b_side = [local[m] for m in edges.right[inner].tolist()]
    weights[a_side, b_side] = weights[b_side, a_side] = edges.weight[inner]
    box = _Component(fits.tolist(), weights.tolist(), nodes.incident[members].tolist(),
                     nodes.source[members].tolist())  # fmt: skip
    group: list[list[int]] = [[i] for i in range(size)]
    for known in set(box.incident) - {-1}:
        together = [i for i in range(size) if box.incident[i] == known]
        for i in together:
            group[i] = together
    strong = edges.strong[inner].tolist()
    for edge, a_local, b_local, is_strong in zip(inner.tolist(), a_side, b_side, strong,
                                                 strict=True):  # fmt: skip
        if not is_strong:
            continue
        a, b = group[a_local], group[b_local]
        verdict = _verdict(a, b, box, rules)
        edges.outcome[edge] = verdict
        if verdict == MERGED:
            merged = a + b
            for i in merged:
                group[i] = merged
    for i, m in enumerate(members):
        labels[m] = members[min(group[i])]


@dataclass(frozen=True)
class _Component:
    """One component's members (local indices), as lists."""

    fits: list[list[bool]]
    weights: list[list[float]]
    incident: list[int]
    source: list[int]


def _verdict(a: list[int], b: list[int], box: _Component, rules: _Rules) -> str:
    """Whether groups ``a`` and ``b`` (local indices) merge, or why not."""
    if a is b:
        return ALREADY_TOGETHER
    if max(box.incident[i] for i in a) >= 0 and max(box.incident[j] for j in b) >= 0:
        return TWO_INCIDENTS
    if not all(box.fits[i][j] for i in a for j in b):
        sources_a = {box.source[i] for i in a}
        if not rules.window.same_source and any(box.source[j] in sources_a for j in b):
            return SAME_SOURCE
        return TOO_FAR_APART
    support = sum(box.weights[i][j] for i in a for j in b) / (len(a) * len(b))
    return MERGED if support >= rules.threshold else UNSUPPORTED


def _smallest_id(nodes: Nodes, labels: Ints) -> Ints:
    """Each node's group named by the smallest report id in it."""
    smallest = np.full(len(labels), np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(smallest, labels, nodes.ids)
    return smallest[labels]
