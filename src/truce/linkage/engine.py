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
from truce.linkage.features import Grid, build_features
from truce.linkage.model import COMPARISONS, settings
from truce.linkage.records import LinkRecord, as_table
from truce.linkage.result import Linkage

Reports: TypeAlias = Sequence[LinkRecord] | pa.Table


@dataclass(frozen=True)
class LinkConfig:
    """What a link run may change: the merge threshold, the window, blocking sizes, threads."""

    threshold: float = 0.5  # match probability at or above which two reports are merged
    floor: float = 0.01  # pairs scored below this are not kept: they count as this
    window: Window = field(default_factory=Window)
    grid: Grid = field(default_factory=Grid)
    threads: int | None = None  # DuckDB threads; None: one per core


DEFAULT = LinkConfig()
_NODE_COLUMNS = "unique_id, t_start, t_end, lat, lon, geo_fine, admin1, source"


def link(reports: Reports, config: LinkConfig = DEFAULT) -> Linkage:
    """Link a batch of reports into incidents: every pair scored, every merge explained."""
    table = as_table(reports)
    with _session(config) as con:
        build_features(con, table, "reports", config.grid)
        linker = _linker(con, "reports", config)
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
        linker = _linker(con, "reports", config, gammas=True)
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
    _check_disjoint(new_table, old_table, incidents)
    with _session(config) as con:
        build_features(con, new_table, "new_reports", config.grid)
        build_features(con, old_table, "old_reports", config.grid)
        linker = _linker(con, "new_reports", config)
        api = linker._db_api
        new_df, old_df = api.register("new_reports"), api.register("old_reports")
        within = linker.inference.predict_within(
            new_df, threshold_match_probability=config.floor, warning_mode="never"
        )
        between = linker.inference.predict_between(
            new_df, old_df, threshold_match_probability=config.floor, warning_mode="never"
        )
        scored = _union(con, within, between)
        _keep_touched_incidents(con, scored, incidents)
        return _finish(con, scored, "all_reports", incidents, config, new_table["report_id"])


def _keep_touched_incidents(
    con: duckdb.DuckDBPyConnection, scored: pa.Table, incidents: Mapping[int, int]
) -> None:
    """Table ``all_reports``: the new reports, and every report of an incident one links to."""
    membership = pa.table({
        "report_id": pa.array(list(incidents.keys()), pa.int64()),
        "incident_id": pa.array(list(incidents.values()), pa.int64()),
    })  # fmt: skip
    linked = pa.table({"report_id": pc.unique(pa.concat_arrays([
        scored["unique_id_l"].combine_chunks(), scored["unique_id_r"].combine_chunks(),
    ]))})  # fmt: skip
    con.register("membership", membership)
    con.register("linked", linked)
    con.execute("""
        create table all_reports as
        select * from new_reports
        union all
        select o.* from old_reports o join membership m on m.report_id = o.unique_id
        where m.incident_id in (
            select m2.incident_id from membership m2 join linked using (report_id)
        )
    """)


def _check_disjoint(new: pa.Table, old: pa.Table, incidents: Mapping[int, int]) -> None:
    both = pc.is_in(new["report_id"], value_set=old["report_id"])
    if pc.any(both).as_py():
        report_id = new["report_id"].filter(both)[0].as_py()
        raise Invalid(
            N_("Report {report_id} is both new and existing: pass it once."),
            field="report_id", report_id=report_id,
        )  # fmt: skip
    missing = [rid for rid in old["report_id"].to_pylist() if rid not in incidents]
    if missing:
        raise Invalid(
            N_("Existing report {report_id} has no incident: give its incident id."),
            field="incidents", report_id=missing[0],
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
    model = settings(config.grid, config.window.same_source, gammas)
    # The settings are fixed and tested (tests/unit/test_linkage_model.py): no run-time checks.
    return Linker(api.register(table), model, log_level=None, validate_settings=False)


def _union(
    con: duckdb.DuckDBPyConnection, within: SplinkDataFrame, between: SplinkDataFrame
) -> pa.Table:
    columns = _score_columns()
    return con.sql(
        f"select {columns} from {within.physical_name} union all "
        f"select {columns} from {between.physical_name}"
    ).arrow().read_all()


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
