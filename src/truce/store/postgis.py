"""The PostGIS applicability engine: the same answers as the in-process one, computed in SQL.

Every query is set-based: a batch of points is one statement (arrays unnested into a point set
and joined to the areas through the GiST index), never one round trip per point.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

import numpy as np
from sqlalchemy import text
from sqlalchemy.orm import Session

from truce.domain.agreement import Agreement
from truce.domain.parties import Status
from truce.domain.territory import Presence, presence_of, verdict_of
from truce.geo.engine import (
    NOT_IN_FORCE,
    Applicability,
    AreaHit,
    Batch,
    PartyHit,
    micros,
)
from truce.geo.grid import Floats, Ints

# Active at :at, and the party's status then (the latest change not after :at; ties by id).
_ACTIVE = """
    a.agreement_id = :agreement
    AND a.valid_from <= {at}
    AND (LEAST(a.valid_to, a.superseded_at) IS NULL OR {at} < LEAST(a.valid_to, a.superseded_at))
"""
_STATUS = """
    LEFT JOIN LATERAL (
        SELECT s.status FROM status_changes s
        WHERE s.agreement_id = :agreement AND s.party_id = a.party_id AND s.effective_at <= {at}
        ORDER BY s.effective_at DESC, s.id DESC LIMIT 1
    ) st ON true
"""
_POINT = "ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)"

_HITS = text(f"""
    SELECT a.id, a.party_id, p.name, a.asserted_by, a.review, a.label,
           COALESCE(st.status, 'unknown') AS status
    FROM areas a JOIN parties p ON p.id = a.party_id
    {_STATUS.format(at=":at")}
    WHERE {_ACTIVE.format(at=":at")} AND ST_Intersects(a.geom, {_POINT})
    ORDER BY a.party_id, a.id
""")

# Nearest by the index (degrees), then exact metres on the spheroid among the closest few.
_NEAREST = text(f"""
    SELECT MIN(ST_Distance(c.geom::geography, {_POINT}::geography)) / 1000.0
    FROM (
        SELECT a.geom FROM areas a {_STATUS.format(at=":at")}
        WHERE {_ACTIVE.format(at=":at")} AND st.status = 'committed'
        ORDER BY a.geom <-> {_POINT} LIMIT 16
    ) c
""")

_BATCH = text(f"""
    WITH pts AS (
        SELECT i, ST_SetSRID(ST_MakePoint(lon, lat), 4326) AS geom,
               to_timestamp(at_us / 1e6) AS at
        FROM unnest(CAST(:ids AS int[]), CAST(:lons AS float8[]), CAST(:lats AS float8[]),
                    CAST(:ats AS float8[])) AS t(i, lon, lat, at_us)
    )
    SELECT pts.i, a.asserted_by,
           bool_or(st.status = 'committed') AS committed,
           bool_or(st.status = 'excluded') AS excluded
    FROM pts JOIN areas a ON ST_Intersects(a.geom, pts.geom) AND {_ACTIVE.format(at="pts.at")}
    {_STATUS.format(at="pts.at")}
    GROUP BY pts.i, a.asserted_by
""")


def answer(
    session: Session, agreement: Agreement, lat: float, lon: float, at: datetime
) -> Applicability:
    """Who is active at (lat, lon) at ``at``, and the verdict, from PostGIS."""
    params = {"agreement": agreement.id, "lat": lat, "lon": lon, "at": at}
    rows = session.execute(_HITS, params).all()
    parties = _party_hits(rows)
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
    nearest = session.execute(_NEAREST, params).scalar()
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
    """Verdicts for many (point, time) pairs in one statement; ``at`` in microseconds."""
    count = len(lon)
    rows = session.execute(
        _BATCH,
        {
            "agreement": agreement.id,
            "ids": list(range(count)),
            "lons": np.asarray(lon).tolist(),
            "lats": np.asarray(lat).tolist(),
            "ats": np.asarray(at, dtype=np.float64).tolist(),
        },
    ).all()
    in_force = np.asarray(at) >= micros(agreement.effective_at)
    flags = {state: np.zeros((count, 2), dtype=bool) for state in agreement.guarantors}
    for i, state, committed, excluded in rows:
        if state in flags:
            flags[state][i] = (bool(committed), bool(excluded))
    overall = np.logical_or.reduce(list(flags.values()))
    return Batch(_codes(overall, in_force), {s: _codes(f, in_force) for s, f in flags.items()})


def _codes(flags: np.ndarray, in_force: np.ndarray) -> np.ndarray:  # type: ignore[type-arg]
    codes = flags[:, 0].astype(np.int8) + 2 * flags[:, 1].astype(np.int8)
    codes[~in_force] = NOT_IN_FORCE
    return codes
