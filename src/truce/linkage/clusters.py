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

import heapq
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
    """For each wanted component that has inner edges, those edges (strongest first).

    A wanted component may have none: in incremental linking an existing incident is tied by
    its seed edges alone when the new report that brought it in scored below the threshold.
    """
    component = np.where(inside, labels[edges.left], -1)
    chosen = np.flatnonzero(np.isin(component, np.array(components_wanted, dtype=np.int64)))
    chosen = chosen[np.argsort(component[chosen], kind="stable")]
    keys, starts = np.unique(component[chosen], return_index=True)
    bounds = np.r_[starts, len(chosen)]  # one more than the keys, even when there are none
    return {int(k): chosen[s:e] for k, s, e in zip(keys, bounds[:-1], bounds[1:], strict=True)}


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
    """Average-linkage merging within one component; relabels its members.

    Groups start as single reports (or the existing incidents). The two linked groups whose
    pairs across support each other best merge first: the mean match weight across them (a
    pair not scored counts at the floor) is the highest, and reaches the threshold, and every
    report of one is compatible with every report of the other; then the next best, until
    none reaches the threshold. Each link left between two groups keeps the reason they stayed
    apart. Components are small, so this works on Python containers: numpy's per-call cost
    would dominate.
    """
    nodes, size = rules.nodes, len(members)
    local = {int(m): i for i, m in enumerate(members)}
    rows, cols = np.repeat(np.arange(size), size), np.tile(np.arange(size), size)
    fits = compatible(nodes, members[rows], members[cols], rules.window).reshape(size, size)
    box = _Component(fits.tolist(), nodes.incident[members].tolist(),
                     nodes.source[members].tolist())  # fmt: skip
    a_side = [local[m] for m in edges.left[inner].tolist()]
    b_side = [local[m] for m in edges.right[inner].tolist()]
    strong = edges.strong[inner].tolist()
    owner = list(range(size))
    groups: dict[int, list[int]] = {i: [i] for i in range(size)}
    for incident in set(box.incident) - {-1}:
        together = [i for i in range(size) if box.incident[i] == incident]
        for i in together:
            owner[i] = together[0]
            if i != together[0]:
                del groups[i]
        groups[together[0]] = together
    # per pair of groups with a scored pair across: [sum of weights, pairs scored, linked]
    cross: dict[int, dict[int, list[float]]] = {g: {} for g in groups}
    for a, b, weight, is_strong in zip(a_side, b_side, edges.weight[inner].tolist(), strong,
                                       strict=True):  # fmt: skip
        g, h = owner[a], owner[b]
        if g == h:
            continue
        entry = cross[g].setdefault(h, [0.0, 0.0, 0.0])
        entry[0] += weight
        entry[1] += 1
        entry[2] = max(entry[2], float(is_strong))
        cross[h][g] = entry
    known = {g: max(box.incident[i] for i in members_) >= 0 for g, members_ in groups.items()}
    version = dict.fromkeys(groups, 0)
    heap: list[tuple[float, int, int, int, int]] = []
    for g, row in cross.items():
        for h, entry in row.items():
            if g < h and entry[2]:
                heap.append((-_mean(entry, len(groups[g]), len(groups[h]), rules.floor), g, h,
                             0, 0))  # fmt: skip
    heapq.heapify(heap)
    while heap:
        negative, g, h, g_version, h_version = heapq.heappop(heap)
        if -negative < rules.threshold:
            break
        if (
            g not in groups
            or h not in groups
            or version[g] != g_version
            or (version[h] != h_version)
        ):
            continue  # stale: one of the groups changed since
        joining = groups[h]
        if (known[g] and known[h]) or not all(box.fits[i][j] for i in groups[g] for j in joining):
            continue
        groups[g] = groups[g] + groups.pop(h)
        known[g] = known[g] or known.pop(h)
        version[g] += 1
        for i in joining:
            owner[i] = g
        del cross[g][h]
        for x, other in cross.pop(h).items():
            if x == g:
                continue
            del cross[x][h]
            mine = cross[g].get(x)
            if mine is None:
                cross[g][x] = cross[x][g] = other
            else:
                mine[0] += other[0]
                mine[1] += other[1]
                mine[2] = max(mine[2], other[2])
        size_g = len(groups[g])
        for x, mine in cross[g].items():
            if mine[2]:
                low, high = (g, x) if g < x else (x, g)
                heapq.heappush(heap, (-_mean(mine, size_g, len(groups[x]), rules.floor), low,
                                      high, version[low], version[high]))  # fmt: skip
    apart: dict[tuple[int, int], str] = {}
    for edge, a_local, b_local, is_strong in zip(inner.tolist(), a_side, b_side, strong,
                                                 strict=True):  # fmt: skip
        if is_strong:
            g, h = owner[a_local], owner[b_local]
            if g == h:
                edges.outcome[edge] = MERGED
            else:
                if (g, h) not in apart:
                    apart[g, h] = _why_apart(groups[g], groups[h], box, rules)
                edges.outcome[edge] = apart[g, h]
    for i, m in enumerate(members):
        labels[m] = members[min(groups[owner[i]])]


def _mean(entry: list[float], size_a: int, size_b: int, floor: float) -> float:
    """The mean match weight across two groups; a pair not scored counts at the floor."""
    pairs = size_a * size_b
    return (entry[0] + floor * (pairs - entry[1])) / pairs


def _why_apart(a: list[int], b: list[int], box: _Component, rules: _Rules) -> str:
    """Why two groups joined by a link stayed apart."""
    if max(box.incident[i] for i in a) >= 0 and max(box.incident[j] for j in b) >= 0:
        return TWO_INCIDENTS
    if not all(box.fits[i][j] for i in a for j in b):
        sources_a = {box.source[i] for i in a}
        if not rules.window.same_source and any(box.source[j] in sources_a for j in b):
            return SAME_SOURCE
        return TOO_FAR_APART
    return UNSUPPORTED


@dataclass(frozen=True)
class _Component:
    """One component's members (local indices), as lists."""

    fits: list[list[bool]]
    incident: list[int]
    source: list[int]


def _smallest_id(nodes: Nodes, labels: Ints) -> Ints:
    """Each node's group named by the smallest report id in it."""
    smallest = np.full(len(labels), np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(smallest, labels, nodes.ids)
    return smallest[labels]
