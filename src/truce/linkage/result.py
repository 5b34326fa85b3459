"""What a link run returns: each report's incident, and each link above the threshold, explained.

Both are ``pyarrow`` tables, so a run over a million reports builds no Python object per row;
:meth:`Linkage.decisions` and :meth:`Linkage.explain` turn links into dataclasses on demand.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from truce.linkage.clusters import BELOW_THRESHOLD, MERGED, Clustering, Nodes
from truce.linkage.model import COMPARISONS, Comparison, Level


@dataclass(frozen=True)
class ComparisonOutcome:
    """One comparison of a pair: the level it fell in and that level's Bayes factor."""

    comparison: str
    level: str
    bayes_factor: float

    @property
    def match_weight(self) -> float:
        """log2 of the Bayes factor: what this comparison adds to the pair's match weight."""
        return math.log2(self.bayes_factor)


@dataclass(frozen=True)
class LinkDecision:
    """A pair scored at or above the threshold, and whether clustering merged it (or why not)."""

    left_id: int
    right_id: int
    match_weight: float
    match_probability: float
    outcome: str  # "merged", or the reason it was not
    comparisons: tuple[ComparisonOutcome, ...]

    @property
    def merged(self) -> bool:
        return self.outcome == MERGED


@dataclass(frozen=True)
class Linkage:
    """The result of a run.

    ``assignments``: ``report_id``, ``incident_id`` (the existing incident a new report joined;
    null in a batch run and for new incidents) and ``group`` (the smallest report id of its
    group: reports with the same group are one incident). One row per report of the batch, or
    per *new* report for :func:`truce.linkage.link_new`.

    ``links``: ``left_id`` < ``right_id``, ``match_weight``, ``match_probability``, ``mw_<name>``
    per comparison (its log2 Bayes factor) and ``outcome``.
    """

    assignments: pa.Table
    links: pa.Table

    @classmethod
    def build(
        cls, nodes: Nodes, scored: pa.Table, result: Clustering, incidents: Mapping[int, int],
        report_ids: pa.Array | None = None,
    ) -> Linkage:  # fmt: skip
        incident = _incident_of_group(nodes, result.group)
        assignments = pa.table({
            "report_id": pa.array(nodes.ids, pa.int64()),
            "incident_id": pa.array(incident, pa.int64(), mask=incident < 0),
            "group": pa.array(result.group, pa.int64()),
        })  # fmt: skip
        if report_ids is not None:
            keep = pc.is_in(assignments["report_id"], value_set=report_ids)
            assignments = assignments.filter(keep)
        links = scored.rename_columns(
            ["left_id", "right_id", *scored.column_names[2:]]
        ).append_column("outcome", pa.array(result.outcome, pa.string()))
        links = links.filter(pc.not_equal(links["outcome"], BELOW_THRESHOLD))
        return cls(assignments, links)

    def groups(self) -> list[list[int]]:
        """The report ids of each group, sorted, groups in order of their smallest id."""
        by_group: dict[int, list[int]] = {}
        rows = zip(self.assignments["group"].to_pylist(),
                   self.assignments["report_id"].to_pylist(), strict=True)  # fmt: skip
        for group, report_id in rows:
            by_group.setdefault(group, []).append(report_id)
        return [sorted(by_group[group]) for group in sorted(by_group)]

    def decisions(self) -> Iterator[LinkDecision]:
        """Every link above the threshold, explained (in order of its ids)."""
        for row in self.links.to_pylist():
            yield _decision(row)

    def explain(self, a: int, b: int) -> LinkDecision | None:
        """The decision on the pair ``a``, ``b``; None when it scored below the threshold."""
        low, high = min(a, b), max(a, b)
        mask = pc.and_(pc.equal(self.links["left_id"], low), pc.equal(self.links["right_id"], high))
        rows = self.links.filter(mask).to_pylist()
        return _decision(rows[0]) if rows else None


def _incident_of_group(nodes: Nodes, group: np.ndarray) -> np.ndarray:
    """For each node, the existing incident of its group, or -1."""
    incident = np.full(len(group), -1, dtype=np.int64)
    known = nodes.incident >= 0
    by_group = dict(zip(group[known].tolist(), nodes.incident[known].tolist(), strict=True))
    if by_group:
        incident = np.fromiter((by_group.get(g, -1) for g in group.tolist()), np.int64,
                               len(group))  # fmt: skip
    return incident


def _decision(row: dict[str, object]) -> LinkDecision:
    outcomes = tuple(
        _outcome(comparison, float(row[f"mw_{comparison.name}"]))  # type: ignore[arg-type]
        for comparison in COMPARISONS
    )
    return LinkDecision(
        left_id=int(row["left_id"]),  # type: ignore[call-overload]
        right_id=int(row["right_id"]),  # type: ignore[call-overload]
        match_weight=float(row["match_weight"]),  # type: ignore[arg-type]
        match_probability=float(row["match_probability"]),  # type: ignore[arg-type]
        outcome=str(row["outcome"]),
        comparisons=outcomes,
    )


def _outcome(comparison: Comparison, weight: float) -> ComparisonOutcome:
    level = level_of(comparison, weight)
    return ComparisonOutcome(comparison.name, level.label, 2.0**weight)


def level_of(comparison: Comparison, weight: float) -> Level:
    """The level whose match weight splink reported (each level's weight is distinct)."""
    for level in comparison.levels:
        if math.isclose(level_weight(level), weight, abs_tol=1e-9):
            return level
    raise ValueError(f"no level of {comparison.name!r} has match weight {weight}")


def level_weight(level: Level) -> float:
    """log2(m / u); 0 for the null level, which says nothing either way."""
    return 0.0 if level.is_null else math.log2(level.m / level.u)
