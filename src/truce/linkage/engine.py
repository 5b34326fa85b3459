"""Running the model: score candidate pairs with splink in DuckDB, then cluster them.

:func:`link` links a whole batch; :func:`link_new` links new reports against existing ones
(with their incidents) without scoring the existing reports against each other.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TypeAlias

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from numpy.typing import NDArray
from splink import DuckDBAPI, Linker
from splink.internals.splink_dataframe import SplinkDataFrame

from truce.domain.errors import Invalid
from truce.domain.i18n import N_
from truce.linkage.clusters import Nodes, Window, cluster
from truce.linkage.features import Grid, build_features, mark_candidates, names_table
from truce.linkage.model import COMPARISONS, blocking_rules, settings
from truce.linkage.records import LinkRecord, as_table
from truce.linkage.result import Linkage

Reports: TypeAlias = Sequence[LinkRecord] | pa.Table


@dataclass(frozen=True)
class LinkConfig:
    """What a link run may change: the merge threshold, the window, blocking sizes, threads."""

    threshold: float = 0.15  # match probability at or above which two reports are merged
    floor: float = 0.01  # pairs scored below this are not kept: they count as this
    window: Window = field(default_factory=Window)
    grid: Grid = field(default_factory=Grid)
    threads: int | None = None  # DuckDB threads; None: one per core


DEFAULT = LinkConfig()
_NODE_COLUMNS = "unique_id, t_start, t_end, lat, lon, geo_fine, admin1, source"
# The same columns from a table of raw reports (SCHEMA), without the costly text features.
_NODE_SQL = """
    select report_id as unique_id, epoch("start") / 3600.0 as t_start,
        epoch("end") / 3600.0 as t_end, lat, lon,
        lat is not null and coalesce(geo_precision, 'exact') in ('exact', 'near') as geo_fine,
        admin1, source
    from {table}
"""


def link(reports: Reports, config: LinkConfig = DEFAULT) -> Linkage:
    """Link a batch of reports into incidents: every pair scored, every merge explained."""
    table = as_table(reports)
    with _session(config) as con:
        build_features(con, table, "reports", config.grid)
        (keyed,) = mark_candidates(con, ["reports"], blocking_rules(config.window))
        linker = _linker(con, keyed, config)
        scored = linker.inference.predict(
            threshold_match_probability=config.floor, warning_mode="never"
        )
        return _finish(con, scored, "reports", {}, config)


def score_candidates(reports: Reports, config: LinkConfig = DEFAULT) -> pa.Table:
    """Every candidate pair blocking finds, scored, whatever its score (for calibration and
    review): ``unique_id_l``, ``unique_id_r``, ``match_weight``, ``match_probability``,
    ``gamma_<comparison>`` (the level's index, most specific highest; -1 for the null level)
    and ``mw_<comparison>``."""
    table = as_table(reports)
    with _session(config) as con:
        build_features(con, table, "reports", config.grid)
        (keyed,) = mark_candidates(con, ["reports"], blocking_rules(config.window))
        linker = _linker(con, keyed, config, gammas=True)
        scored = linker.inference.predict(warning_mode="never")
        gammas = ", ".join(f"gamma_{comparison.name}" for comparison in COMPARISONS)
        columns = f"{_score_columns()}, {gammas}"
        return con.sql(f"select {columns} from {scored.physical_name}").arrow().read_all()


def _arrow(con: duckdb.DuckDBPyConnection, scored: SplinkDataFrame) -> pa.Table:
    return con.sql(f"select {_score_columns()} from {scored.physical_name}").arrow().read_all()


def link_new(
    new: Reports, existing: Reports, incidents: Mapping[int, int], config: LinkConfig = DEFAULT
) -> Linkage:
    """Link ``new`` reports to each other and to ``existing`` ones, which keep their incidents.

    ``incidents`` maps each existing report id to its incident id. Pass the existing reports
    that could match: those within a few days of the new ones (the window plus the time bucket
    on each side, see docs/incidents.md), with every report of the incidents they belong to.
    A new report joins the existing incident it links to best, if it is compatible with all
    of that incident's reports; two existing incidents are never merged here.
    """
    new_table, old_table = as_table(new), as_table(existing)
    membership = _membership(incidents)
    _check_disjoint(new_table, old_table, membership)
    with _session(config) as con:
        con.register("new_raw", new_table)
        con.register("old_raw", old_table)
        con.register("membership", membership)
        near = _near_in_time(new_table, old_table, config)
        names = names_table(con, [new_table, near])
        build_features(con, new_table, "new_reports", config.grid, names)
        build_features(con, near, "old_reports", config.grid, names)
        new_keyed, old_keyed = mark_candidates(
            con,
            ["new_reports", "old_reports"],
            blocking_rules(config.window),
            touching="new_reports",
        )
        linker = _linker(con, new_keyed, config)
        api = linker._db_api
        new_df, old_df = api.register(new_keyed), api.register(old_keyed)
        within = linker.inference.predict_within(
            new_df, threshold_match_probability=config.floor, warning_mode="never"
        )
        between = linker.inference.predict_between(
            new_df, old_df, threshold_match_probability=config.floor, warning_mode="never"
        )
        scored = _union(con, within, between)
        _keep_touched_incidents(con, scored)
        return _finish(con, scored, "all_reports", incidents, config, new_table["report_id"])


def _membership(incidents: Mapping[int, int]) -> pa.Table:
    return pa.table({
        "report_id": pa.array(list(incidents.keys()), pa.int64()),
        "incident_id": pa.array(list(incidents.values()), pa.int64()),
    })  # fmt: skip


def _near_in_time(new: pa.Table, old: pa.Table, config: LinkConfig) -> pa.Table:
    """The existing reports whose window comes within a time bucket of a new one's: no other
    can be a candidate (every blocking rule shares a bucket, or needs overlapping windows)."""
    margin = int(2 * config.grid.bucket_hours * 3600e6)  # microseconds, as the timestamps
    low, high = _merged_windows(_micros(new["start"]) - margin, _micros(new["end"]) + margin)
    start, end = _micros(old["start"]), _micros(old["end"])
    last = np.searchsorted(low, end, side="right") - 1  # the last window opening before the end
    near = (last >= 0) & (high[np.maximum(last, 0)] >= start)
    return old.filter(pa.array(near))


def _micros(column: pa.ChunkedArray) -> NDArray[np.int64]:
    return np.asarray(column.cast(pa.int64()).to_numpy(), dtype=np.int64)


def _merged_windows(low: NDArray[np.int64], high: NDArray[np.int64]
                    ) -> tuple[NDArray[np.int64], NDArray[np.int64]]:  # fmt: skip
    """Overlapping windows merged into disjoint ones, in order."""
    order = np.argsort(low, kind="stable")
    low, high = low[order], np.maximum.accumulate(high[order])
    opens = np.r_[True, low[1:] > high[:-1]]
    starts = np.flatnonzero(opens)
    ends = np.r_[starts[1:], len(low)] - 1
    return low[starts], high[ends]


def _keep_touched_incidents(con: duckdb.DuckDBPyConnection, scored: pa.Table) -> None:
    """Table ``all_reports`` (what clustering reads): the new reports, and every report of an
    incident one of them links to."""
    linked = pa.table({"report_id": pc.unique(pa.concat_arrays([
        scored["unique_id_l"].combine_chunks(), scored["unique_id_r"].combine_chunks(),
    ]))})  # fmt: skip
    con.register("linked", linked)
    con.execute(f"""
        create table all_reports as
        {_NODE_SQL.format(table="new_raw")}
        union all
        {_NODE_SQL.format(table="old_raw")}
        where report_id in (
            select m.report_id from membership m where m.incident_id in (
                select m2.incident_id from membership m2 join linked using (report_id)
            )
        )
    """)


def _check_disjoint(new: pa.Table, old: pa.Table, membership: pa.Table) -> None:
    both = pc.is_in(new["report_id"], value_set=old["report_id"])
    if pc.any(both).as_py():
        report_id = new["report_id"].filter(both)[0].as_py()
        raise Invalid(
            N_("Report {report_id} is both new and existing: pass it once."),
            field="report_id", report_id=report_id,
        )  # fmt: skip
    missing = pc.invert(pc.is_in(old["report_id"], value_set=membership["report_id"]))
    if pc.any(missing).as_py():
        raise Invalid(
            N_("Existing report {report_id} has no incident: give its incident id."),
            field="incidents", report_id=old["report_id"].filter(missing)[0].as_py(),
        )  # fmt: skip


@contextmanager
def _session(config: LinkConfig) -> Iterator[duckdb.DuckDBPyConnection]:
    con = duckdb.connect(config={"threads": config.threads} if config.threads else {})
    try:
        yield con
    finally:
        con.close()


def _linker(
    con: duckdb.DuckDBPyConnection, table: str, config: LinkConfig, gammas: bool = False
) -> Linker:
    api = DuckDBAPI(connection=con)
    model = settings(config.grid, gammas)
    # The settings are fixed and tested (tests/unit/test_linkage_model.py): no run-time checks.
    return Linker(api.register(table), model, log_level=None, validate_settings=False)


def _union(
    con: duckdb.DuckDBPyConnection, within: SplinkDataFrame, between: SplinkDataFrame
) -> pa.Table:
    columns = _score_columns()
    return (
        con.sql(
            f"select {columns} from {within.physical_name} union all "
            f"select {columns} from {between.physical_name}"
        )
        .arrow()
        .read_all()
    )


def _score_columns() -> str:
    weights = ", ".join(f"mw_{comparison.name}" for comparison in COMPARISONS)
    return f"unique_id_l, unique_id_r, match_weight, match_probability, {weights}"


def _finish(
    con: duckdb.DuckDBPyConnection, scored: SplinkDataFrame | pa.Table, table: str,
    incidents: Mapping[int, int], config: LinkConfig, report_ids: pa.ChunkedArray | None = None,
) -> Linkage:  # fmt: skip
    if isinstance(scored, SplinkDataFrame):
        scored = _arrow(con, scored)
    scored = _ordered(scored)
    nodes = _nodes(con, table, incidents)
    left = nodes.index(scored["unique_id_l"].to_numpy())
    right = nodes.index(scored["unique_id_r"].to_numpy())
    result = cluster(
        nodes, left, right, scored["match_weight"].to_numpy(), config.window,
        _weight(config.threshold), _weight(config.floor),
    )  # fmt: skip
    return Linkage.build(nodes, scored, result, incidents, report_ids)


def _weight(probability: float) -> float:
    return math.log2(probability / (1 - probability))


def _ordered(scored: pa.Table) -> pa.Table:
    """Pairs with the smaller id on the left, sorted: the same input gives the same output."""
    low = pc.min_element_wise(scored["unique_id_l"], scored["unique_id_r"])
    high = pc.max_element_wise(scored["unique_id_l"], scored["unique_id_r"])
    scored = scored.set_column(0, "unique_id_l", low).set_column(1, "unique_id_r", high)
    return scored.sort_by([("unique_id_l", "ascending"), ("unique_id_r", "ascending")])


def _nodes(con: duckdb.DuckDBPyConnection, table: str, incidents: Mapping[int, int]) -> Nodes:
    rows = con.sql(f"select {_NODE_COLUMNS} from {table} order by unique_id").arrow().read_all()
    ids = rows["unique_id"].to_numpy()
    incident = np.fromiter((incidents.get(int(i), -1) for i in ids), np.int64, len(ids))
    return Nodes(
        ids=ids,
        start=rows["t_start"].to_numpy(),
        end=rows["t_end"].to_numpy(),
        lat=np.radians(rows["lat"].to_numpy(zero_copy_only=False)),
        lon=np.radians(rows["lon"].to_numpy(zero_copy_only=False)),
        fine=rows["geo_fine"].to_numpy(zero_copy_only=False),
        admin1=_codes(rows["admin1"]),
        source=_codes(rows["source"]),
        incident=incident,
    )


def _codes(column: pa.ChunkedArray) -> NDArray[np.int64]:
    encoded = column.combine_chunks().dictionary_encode()
    return np.asarray(pc.fill_null(encoded.indices, -1).to_numpy(), dtype=np.int64)
