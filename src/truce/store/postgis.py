"""The PostGIS applicability engine: the same answers as the in-process one, computed in SQL.

Every query is set-based, never one round trip per point: a few points are unnested from arrays
and look up their areas through the areas' GiST index; many points are copied into a temporary,
indexed table that each area searches (see ``classify``).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import text
from sqlalchemy.orm import Session

from truce.domain.agreement import Agreement
from truce.domain.parties import Status
from truce.domain.territory import Presence, presence_of, verdict_of
from truce.geo.results import (
    NOT_IN_FORCE,
    Applicability,
    AreaHit,
    Batch,
    Floats,
    Ints,
    PartyHit,
    micros,
)

# An area of the agreement that holds at {at}. Where the GiST index should find the areas on
# its own, {agreement} is ``_GIST_ONLY``: no index serves that expression, so the planner cannot
# mistake the agreement for a selective filter when the table has no statistics yet.
_ACTIVE = """
    {agreement} = :agreement
    AND a.valid_from <= {at}
    AND (LEAST(a.valid_to, a.superseded_at) IS NULL OR {at} < LEAST(a.valid_to, a.superseded_at))
"""
_GIST_ONLY = "a.agreement_id + 0"
# The party's status at {at}: the latest change not after it (ties by id).
_STATUS = """
    LEFT JOIN LATERAL (
        SELECT s.status FROM status_changes s
        WHERE s.agreement_id = :agreement AND s.party_id = a.party_id AND s.effective_at <= {at}
        ORDER BY s.effective_at DESC, s.id DESC LIMIT 1
    ) st ON true
"""
_POINT = "ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)"

_HITS = f"""
    SELECT a.id, a.party_id, p.name, a.asserted_by, a.review, a.label,
           COALESCE(st.status, 'unknown') AS status
    FROM areas a JOIN parties p ON p.id = a.party_id
    {_STATUS.format(at=":at")}
    WHERE {_ACTIVE.format(at=":at", agreement=_GIST_ONLY)} AND ST_Intersects(a.geom, {_POINT})
"""

# Nearest by the index (degrees), then exact metres on the spheroid among the closest few. The
# parties committed at :at are found first: when there are none, no area is read at all.
_NEAREST = f"""
    WITH committed AS (
        SELECT array_agg(party_id) AS ids FROM (
            SELECT DISTINCT ON (s.party_id) s.party_id, s.status FROM status_changes s
            WHERE s.agreement_id = :agreement AND s.effective_at <= :at
            ORDER BY s.party_id, s.effective_at DESC, s.id DESC
        ) latest
        WHERE status = 'committed'
    )
    SELECT MIN(ST_Distance(c.geom::geography, {_POINT}::geography)) / 1000.0
    FROM (
        SELECT a.geom FROM areas a
        WHERE (SELECT ids FROM committed) IS NOT NULL
            AND a.party_id = ANY(CAST((SELECT ids FROM committed) AS int[]))
            AND {_ACTIVE.format(at=":at", agreement="a.agreement_id")}
        ORDER BY a.geom <-> {_POINT} LIMIT 16
    ) c
"""

# One round trip: the areas at the place, each with the distance to the nearest protected area
# (no area: one row of NULLs with the distance). Inside a protected area, that distance is 0.
_ANSWER = text(f"""
    WITH hits AS ({_HITS})
    SELECT h.*, n.km FROM (
        SELECT CASE WHEN EXISTS (SELECT FROM hits WHERE status = 'committed') THEN 0.0
                    ELSE ({_NEAREST}) END AS km
    ) n LEFT JOIN hits h ON true
    ORDER BY h.party_id, h.id
""")

# Each party's status from one change to the next (ties by id: the later one holds).
_EPOCHS = """
    epochs AS (
        SELECT party_id, status, since, until FROM (
            SELECT s.party_id, s.status, s.effective_at AS since,
                   lead(s.effective_at) OVER (
                       PARTITION BY s.party_id ORDER BY s.effective_at, s.id
                   ) AS until
            FROM status_changes s WHERE s.agreement_id = :agreement
        ) changes
        WHERE status IN ('committed', 'excluded')
    )
"""
# One row per (point, area in force there, status that counts): the point's index, and a code
# with the bit (committed: 1, excluded: 2) shifted to the two bits of the area's guarantor.
_CODE = """
    array_agg({point}), array_agg(
        (CASE e.status WHEN 'committed' THEN 1::int8 ELSE 2::int8 END)
        << (2 * (array_position(CAST(:guarantors AS text[]), {guarantor}::text) - 1))
    )
"""
_IN_EPOCH = "e.party_id = {party} AND e.since <= {at} AND (e.until IS NULL OR {at} < e.until)"
_POINT_OF = "ST_SetSRID(ST_MakePoint({p}lon, {p}lat), 4326)"
_MAKE_POINT = _POINT_OF.format(p="p.")

# A few points: each point looks up its areas through the areas' GiST index, then their status.
# The lateral subquery (kept apart by OFFSET 0) and the materialised result keep that order
# whatever the planner's statistics say.
_FEW = text(f"""
    WITH p AS (
        SELECT i, lon, lat, TIMESTAMPTZ 'epoch' + at_us * INTERVAL '1 microsecond' AS at
        FROM unnest(CAST(:ids AS int4[]), CAST(:lons AS float8[]), CAST(:lats AS float8[]),
                    CAST(:ats AS int8[])) AS t(i, lon, lat, at_us)
    ), hits AS MATERIALIZED (
        SELECT p.i, p.at, a.party_id, a.asserted_by
        FROM p CROSS JOIN LATERAL (
            SELECT a.party_id, a.asserted_by FROM areas a
            WHERE ST_Intersects(a.geom, {_MAKE_POINT})
                AND a.asserted_by = ANY(CAST(:guarantors AS text[]))
                AND {_ACTIVE.format(at="p.at", agreement=_GIST_ONLY)}
            OFFSET 0
        ) a
    ), {_EPOCHS}
    SELECT {_CODE.format(point="h.i", guarantor="h.asserted_by")}
    FROM hits h JOIN epochs e ON {_IN_EPOCH.format(party="h.party_id", at="h.at")}
""")

# Many points: they go into a temporary table, sorted by place and indexed, and each area looks
# up its points. Consecutive tests then share one area, which PostGIS prepares once (a cached
# point-in-polygon index) instead of parsing it again for every point. The areas are
# materialised so that the planner cannot turn the join around.
_POINTS_TABLE = "truce_batch_points"
_MANY = text(f"""
    WITH a AS MATERIALIZED (
        SELECT a.geom, a.party_id, a.asserted_by, a.agreement_id,
               a.valid_from, a.valid_to, a.superseded_at
        FROM areas a
        WHERE a.agreement_id = :agreement AND a.asserted_by = ANY(CAST(:guarantors AS text[]))
    ), {_EPOCHS}
    SELECT {_CODE.format(point="p.i", guarantor="a.asserted_by")}
    FROM a JOIN epochs e ON e.party_id = a.party_id
    JOIN {_POINTS_TABLE} p ON ST_Intersects(a.geom, {_MAKE_POINT})
        AND {_ACTIVE.format(at="p.at", agreement="a.agreement_id")}
        AND {_IN_EPOCH.format(party="a.party_id", at="p.at")}
""")
MANY_FROM = 5_000  # points; from here a temporary table and index beat per-point lookups
_SORT_CELL = 0.05  # degrees: points are sent sorted by cells of this size, row by row

# COPY ... (FORMAT BINARY) rows: (i int4, lon float8, lat float8, at timestamptz).
_COPY_HEADER = b"PGCOPY\n\xff\r\n\x00" + bytes(8)
_COPY_TRAILER = b"\xff\xff"
_COPY_ROW = np.dtype(
    [("fields", ">i2"), ("n_i", ">i4"), ("i", ">i4"), ("n_lon", ">i4"), ("lon", ">f8"),
     ("n_lat", ">i4"), ("lat", ">f8"), ("n_at", ">i4"), ("at", ">i8")]
)  # fmt: skip
_PG_EPOCH_US = 946_684_800_000_000  # PostgreSQL counts time from 2000-01-01 UTC


def answer(
    session: Session, agreement: Agreement, lat: float, lon: float, at: datetime
) -> Applicability:
    """Who is active at (lat, lon) at ``at``, and the verdict, from PostGIS."""
    params = {"agreement": agreement.id, "lat": lat, "lon": lon, "at": at}
    rows = session.execute(_ANSWER, params).all()
    nearest = rows[0].km
    parties = _party_hits([row for row in rows if row.id is not None])
    in_force = at >= agreement.effective_at
    by_guarantor = {}
    for state in agreement.guarantors:
        presence = Presence.NONE
        for party in parties:
            if any(area.guarantor == state for area in party.areas):
                presence |= presence_of(party.status)
        by_guarantor[state] = verdict_of(presence, in_force)
    overall = Presence.NONE
    for party in parties:
        overall |= presence_of(party.status)
    return Applicability(
        lat=lat,
        lon=lon,
        at=at,
        in_force=in_force,
        verdict=verdict_of(overall, in_force),
        by_guarantor=by_guarantor,
        parties=parties,
        nearest_protected_km=None if nearest is None else round(float(nearest), 3),
    )


def _party_hits(rows: list) -> tuple[PartyHit, ...]:  # type: ignore[type-arg]
    grouped: dict[int, list] = defaultdict(list)  # type: ignore[type-arg]
    for row in rows:
        grouped[row.party_id].append(row)
    return tuple(
        PartyHit(
            pid,
            found[0].name,
            Status(found[0].status),
            tuple(AreaHit(r.id, r.asserted_by, r.review, r.label) for r in found),
        )
        for pid, found in grouped.items()
    )


def classify(session: Session, agreement: Agreement, lon: Floats, lat: Floats, at: Ints) -> Batch:
    """Verdicts for many (point, time) pairs, set-based; ``at`` in microseconds since 1970.

    Up to ``MANY_FROM`` points are one statement over arrays. More are copied into a temporary
    table (dropped before returning), indexed, and joined in one statement.
    """
    lon = np.asarray(lon, dtype=np.float64)
    lat = np.asarray(lat, dtype=np.float64)
    at = np.asarray(at, dtype=np.int64)
    count = len(lon)
    params = {"agreement": agreement.id, "guarantors": list(agreement.guarantors)}
    if count < MANY_FROM:
        found = session.execute(
            _FEW,
            {**params, "ids": list(range(count)), "lons": lon.tolist(), "lats": lat.tolist(),
             "ats": at.tolist()},
        ).one()  # fmt: skip
    else:
        found = _classify_many(session, params, lon, lat, at)
    # Each point's bits from every area that holds there, or-ed together.
    merged = np.zeros(count, dtype=np.int64)
    if found[0]:
        np.bitwise_or.at(merged, np.asarray(found[0], np.int64), np.asarray(found[1], np.int64))
    in_force = at >= micros(agreement.effective_at)
    by_guarantor = {
        state: _codes((merged >> (2 * side)) & 3, in_force)
        for side, state in enumerate(agreement.guarantors)
    }
    overall = np.zeros(count, dtype=np.int64)
    for side in range(len(agreement.guarantors)):
        overall |= (merged >> (2 * side)) & 3
    return Batch(_codes(overall, in_force), by_guarantor)


def _classify_many(
    session: Session, params: dict[str, Any], lon: Floats, lat: Floats, at: Ints
) -> Any:
    # If anything fails, the transaction is rolled back and that drops the table.
    # For the rest of the transaction: compiling these plans costs more than it saves.
    session.execute(text("SET LOCAL jit = off"))
    session.execute(
        text(
            f"CREATE TEMPORARY TABLE {_POINTS_TABLE}"
            " (i int4, lon float8, lat float8, at timestamptz) ON COMMIT DROP"
        )
    )
    cursor = session.connection().connection.driver_connection.cursor()  # type: ignore[union-attr]
    with cursor, cursor.copy(f"COPY {_POINTS_TABLE} FROM STDIN (FORMAT BINARY)") as copy:
        copy.write(_copy_rows(lon, lat, at))
    index = f"CREATE INDEX ON {_POINTS_TABLE} USING gist (({_POINT_OF.format(p='')}))"
    session.execute(text(index))
    found = session.execute(_MANY, params).one()
    session.execute(text(f"DROP TABLE {_POINTS_TABLE}"))
    return found


def _copy_rows(lon: Floats, lat: Floats, at: Ints) -> bytes:
    """The points as COPY BINARY data, sorted so that neighbours on the map are stored together."""
    cell = np.floor(lat / _SORT_CELL) * 1e5 + np.floor(lon / _SORT_CELL)
    order = np.argsort(cell)
    rows = np.empty(len(lon), dtype=_COPY_ROW)
    rows["fields"], rows["n_i"], rows["n_lon"], rows["n_lat"], rows["n_at"] = 4, 4, 8, 8, 8
    rows["i"] = order
    rows["lon"] = lon[order]
    rows["lat"] = lat[order]
    rows["at"] = at[order] - _PG_EPOCH_US
    return _COPY_HEADER + rows.tobytes() + _COPY_TRAILER


def _codes(bits: Ints, in_force: NDArray[np.bool_]) -> NDArray[np.int8]:
    """Verdict codes from (committed: 1, excluded: 2) bits: the same numbering as ``VERDICTS``."""
    codes = bits.astype(np.int8)
    codes[~in_force] = NOT_IN_FORCE
    return codes


class PostGIS:
    """The PostGIS engine inside one unit of work's transaction (``uow.postgis``)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def answer(self, agreement: Agreement, lat: float, lon: float, at: datetime) -> Applicability:
        """Who is active at (lat, lon) at ``at``, and the verdict (see ``answer``)."""
        return answer(self.session, agreement, lat, lon, at)

    def classify(self, agreement: Agreement, lon: Floats, lat: Floats, at: Ints) -> Batch:
        """Verdicts for many (point, time) pairs (see ``classify``)."""
        return classify(self.session, agreement, lon, lat, at)
