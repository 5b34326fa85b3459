"""How fast Truce says whether a place is protected: in batches, and one question at a time.

One run, on this machine:

1. builds a map of Syria (lon 35.7–42.0, lat 32.3–37.3): mostly small settlement areas (circles
   and irregular polygons of 0.5–5 km, some multipolygons), a few hundred large irregular
   polygons, some replacements; about forty parties with changing statuses, both guarantors.
   It loads the map through the services (``store_area`` in one batch, ledger included) into a
   fresh SQLite database and a fresh PostgreSQL/PostGIS one;
2. draws random (point, time) queries over the map and the spring of 2016 and times the plain
   shapely ``STRtree`` spatial join (the baseline), the in-process batch (``Territory.classify``)
   and the PostGIS batch (``postgis.classify``), and fails unless the two engines agree;
3. serves the application (``truce serve``) and times single ``GET /api/v1/applicability``
   requests from one client, on each database.

Usage: .venv/bin/python bench/applicability.py [--areas N] [--points N] [--http N]
       [--skip-postgres]
"""

from __future__ import annotations

import argparse
import http.client
import json
import math
import os
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import numpy as np
import shapely
from rich.table import Table
from shared import (
    CpuWatch,
    console,
    load_average,
    machine,
    postgres_database,
    postgres_wanted,
    progress_bar,
)

from truce.bootstrap import Truce, bootstrap, set_up
from truce.config import Settings
from truce.domain.parties import Status
from truce.domain.permissions import SYSTEM, Actor
from truce.domain.proposals import Decision
from truce.geo.geometry import check_area
from truce.geo.results import VERDICTS, Batch, Floats, Ints, micros
from truce.services import standing, territory, users
from truce.services.scenario import load_scenario
from truce.store import postgis

WEST, SOUTH, EAST, NORTH = 35.7, 32.3, 42.0, 37.3
KM_PER_DEGREE = 111.2
START = datetime(2016, 2, 20, tzinfo=UTC)  # queries and validities span START .. END
END = datetime(2016, 4, 30, tzinfo=UTC)
SIGNED = datetime(2016, 2, 22, 10, 0, tzinfo=UTC)
EFFECTIVE = datetime(2016, 2, 26, 22, 0, tzinfo=UTC)  # 00:00 Damascus, 27 February
UNSC = "UNSC ISIL and Al-Qaida sanctions list"
DESKS = ("US", "RU")
SECRET = "applicability-benchmark-secret-not-for-use"
SMALL = 1_000  # points per call when PostGIS is asked about small batches
SAMPLE = 20_000  # points asked that way
WARM_UP = 200  # HTTP requests before the timed ones
REPEATS = 3  # in-memory batch timings: the median of this many runs
AIM_BATCH = 2_000_000  # points per second, in-process batch
AIM_P99_MS = 5.0  # single query through the API
LIBRARIES = ("shapely", "numpy", "SQLAlchemy", "psycopg", "fastapi", "uvicorn")

# Towns around which most settlement areas cluster: (lon, lat).
TOWNS = (
    (37.16, 36.20), (36.63, 35.93), (36.75, 35.13), (36.71, 34.73), (36.29, 33.51),
    (36.10, 32.62), (35.78, 35.52), (39.01, 35.95), (40.14, 35.33), (40.75, 36.50),
    (41.22, 37.05), (38.27, 34.56), (35.89, 34.89), (36.57, 32.71), (37.95, 36.53),
    (37.52, 36.37), (37.05, 36.59), (36.32, 35.81), (36.40, 33.57), (35.82, 33.13),
    (40.92, 34.45), (40.45, 35.02), (37.05, 35.01), (38.55, 35.84), (38.35, 36.89),
    (40.07, 36.85), (36.58, 35.36), (36.95, 34.31), (36.18, 33.00), (38.75, 35.20),
)  # fmt: skip


class BenchFailure(RuntimeError):
    """The engines disagreed, or the API failed."""


# --- the map -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class PartyPlan:
    """A party and its status history: (status, from when)."""

    name: str
    changes: tuple[tuple[Status, datetime], ...] = ()
    designated: bool = False


def party_plans(count: int) -> list[PartyPlan]:
    """Designated (excluded from 2014), committed from the start or later, some suspended or
    excluded during the spring, the rest never decided."""
    march5, march20, april1 = (
        datetime(2016, m, d, 9, tzinfo=UTC) for m, d in ((3, 5), (3, 20), (4, 1))
    )
    plans = []
    for i in range(count):
        name = f"Bench group {i + 1:02d}"
        share = i / count
        if share < 0.075:
            plans.append(PartyPlan(name, designated=True))
        elif share < 0.575:
            plans.append(PartyPlan(name, ((Status.COMMITTED, EFFECTIVE),)))
        elif share < 0.65:
            plans.append(PartyPlan(name, ((Status.COMMITTED, march5),)))
        elif share < 0.70:
            plans.append(
                PartyPlan(name, ((Status.COMMITTED, EFFECTIVE), (Status.SUSPENDED, april1)))
            )
        elif share < 0.75:
            plans.append(
                PartyPlan(name, ((Status.COMMITTED, EFFECTIVE), (Status.EXCLUDED, march20)))
            )
        else:
            plans.append(PartyPlan(name))
    return plans


@dataclass(frozen=True)
class AreaPlan:
    """One area to assert."""

    guarantor: str
    party: int  # index into the party plans
    geometry: dict[str, Any]
    radius_m: float | None
    valid_from: datetime
    valid_to: datetime | None
    label: str
    replaces: int | None = None  # index of an earlier area plan


class MapMaker:
    """Random but reproducible areas shaped like hand-drawn delineations."""

    def __init__(self, seed: int, parties: int) -> None:
        self.rng = np.random.default_rng(seed)
        self.weights = self.rng.dirichlet(np.full(parties, 0.8))
        self.parties = parties

    def place(self) -> tuple[float, float]:
        if self.rng.random() < 0.7:
            lon, lat = TOWNS[int(self.rng.integers(len(TOWNS)))]
            lon, lat = lon + self.rng.normal(0, 0.25), lat + self.rng.normal(0, 0.2)
        else:
            lon, lat = self.rng.uniform(WEST, EAST), self.rng.uniform(SOUTH, NORTH)
        lon = min(max(lon, WEST + 0.05), EAST - 0.05)
        lat = min(max(lat, SOUTH + 0.05), NORTH - 0.05)
        return float(lon), float(lat)

    def ring(self, lon: float, lat: float, radius_km: float, vertices: int) -> list[list[float]]:
        """A star-shaped (so simple) anticlockwise ring with a wobbly, noisy outline."""
        rng = self.rng
        step = 2 * math.pi / vertices
        angles = np.arange(vertices) * step + rng.uniform(0, 0.45 * step, vertices)
        harmonics = np.arange(1, 7)
        amplitudes = rng.normal(0, 0.18, len(harmonics)) / harmonics
        phases = rng.uniform(0, 2 * math.pi, len(harmonics))
        waves = amplitudes[:, None] * np.sin(harmonics[:, None] * angles + phases[:, None])
        wobble = waves.sum(axis=0)
        radius = radius_km * np.clip(1 + wobble + rng.normal(0, 0.03, vertices), 0.35, 1.4)
        xs = lon + radius * np.cos(angles) / (KM_PER_DEGREE * math.cos(math.radians(lat)))
        ys = lat + radius * np.sin(angles) / KM_PER_DEGREE
        points = np.round(np.column_stack([xs, ys]), 6).tolist()
        return [*points, points[0]]

    def shape(self, lon: float, lat: float, large: bool) -> tuple[dict[str, Any], float | None]:
        rng = self.rng
        if large:
            radius = float(rng.uniform(8, 30))
            ring = self.ring(lon, lat, radius, int(rng.integers(150, 600)))
            return {"type": "Polygon", "coordinates": [ring]}, None
        radius = float(np.exp(rng.uniform(math.log(0.5), math.log(5.0))))
        kind = rng.random()
        if kind < 0.35:  # a place and a radius, as a guarantor often gives them
            return {"type": "Point", "coordinates": [lon, lat]}, radius * 1000
        if kind < 0.85:
            ring = self.ring(lon, lat, radius, int(rng.integers(24, 160)))
            return {"type": "Polygon", "coordinates": [ring]}, None
        parts = int(rng.integers(2, 4))
        turn = rng.uniform(0, 2 * math.pi)
        polygons = []
        for part in range(parts):
            angle = turn + 2 * math.pi * part / parts
            x = lon + 2.2 * radius * math.cos(angle) / (KM_PER_DEGREE * math.cos(math.radians(lat)))
            y = lat + 2.2 * radius * math.sin(angle) / KM_PER_DEGREE
            size = radius * float(rng.uniform(0.3, 0.9))
            polygons.append([self.ring(x, y, size, int(rng.integers(16, 80)))])
        return {"type": "MultiPolygon", "coordinates": polygons}, None

    def validity(self) -> tuple[datetime, datetime | None]:
        rng = self.rng
        if rng.random() < 0.6:  # the first maps, handed over as the cessation began
            start = EFFECTIVE
        else:
            start = START + timedelta(seconds=int(rng.integers(0, 60 * 86_400)))
        end = start + timedelta(days=int(rng.integers(3, 60))) if rng.random() < 0.2 else None
        return start, end

    def party(self, large: bool) -> int:
        designated = max(1, round(0.075 * self.parties))
        if large and self.rng.random() < 0.4:  # the big desert areas are often the excluded's
            return int(self.rng.integers(designated))
        return int(self.rng.choice(self.parties, p=self.weights))

    def areas(self, count: int) -> list[AreaPlan]:
        """``count`` areas: 3 % large, 5 % replacements, a third asserted by both sides."""
        rng = self.rng
        large = max(1, count * 3 // 100)
        replacements = count * 5 // 100
        plans: list[AreaPlan] = []
        while len(plans) < count - replacements:
            big = len(plans) < large
            lon, lat = self.place()
            sides = ["US", "RU"] if rng.random() < 0.35 else [str(rng.choice(["US", "RU"]))]
            for side in sides[: count - replacements - len(plans)]:
                geometry, radius = self.shape(lon, lat, big)
                start, end = self.validity()
                label = f"{'region' if big else 'place'} {len(plans) + 1}"
                plans.append(AreaPlan(side, self.party(big), geometry, radius, start, end, label))
        replaced: set[int] = set()
        while len(plans) < count:
            old_index = int(rng.integers(len(plans)))
            old = plans[old_index]
            if old_index in replaced or old.replaces is not None:
                continue
            replaced.add(old_index)
            lon, lat = _centre(old.geometry)
            geometry, radius = self.shape(lon, lat, old.label.startswith("region"))
            start = old.valid_from + timedelta(days=int(rng.integers(1, 30)))
            plans.append(
                AreaPlan(
                    old.guarantor,
                    old.party,
                    geometry,
                    radius,
                    start,
                    None,
                    f"{old.label}, redrawn",
                    replaces=old_index,
                )
            )
        return plans


def _centre(geometry: dict[str, Any]) -> tuple[float, float]:
    if geometry["type"] == "Point":
        return geometry["coordinates"][0], geometry["coordinates"][1]
    points = np.array(
        geometry["coordinates"][0][0]
        if geometry["type"] == "MultiPolygon"
        else geometry["coordinates"][0]
    )
    return float(points[:, 0].mean()), float(points[:, 1].mean())


def queries(count: int, seed: int) -> tuple[Floats, Floats, Ints]:
    """Uniform random points over the map and times over the period (µs since 1970)."""
    rng = np.random.default_rng(seed)
    lon = rng.uniform(WEST, EAST, count)
    lat = rng.uniform(SOUTH, NORTH, count)
    span = int((END - START).total_seconds())
    at = micros(START) + rng.integers(0, span, count) * 1_000_000
    return lon, lat, at


# --- loading it through the services -----------------------------------------------------------


@dataclass
class Loaded:
    """A database with the map in it."""

    name: str
    version: str
    url: str
    truce: Truce
    agreement_id: int
    load_seconds: float = 0.0


def load(
    name: str,
    version: str,
    url: str,
    plans: list[AreaPlan],
    people: list[PartyPlan],
    tick: Callable[[int], None],
) -> Loaded:
    """Set up a fresh database, load the agreement and parties as a scenario, then assert
    every area in one batch, as the application would."""
    truce = bootstrap(Settings(database_url=url, secret_key=SECRET))
    set_up(truce)
    with truce.uow() as uow:
        agreement_id = load_scenario(scenario(people), uow, actor=SYSTEM)
    party_ids, desks = _cast(truce, people)
    _later_statuses(truce, agreement_id, people, party_ids, desks)
    started = time.perf_counter()
    ids: list[int] = []
    with truce.uow() as uow, uow.batch():
        for plan in plans:
            shape = check_area(plan.geometry, {"radius_m": plan.radius_m})
            command = territory.AssertArea(
                agreement_id=agreement_id,
                party_id=party_ids[plan.party],
                guarantor=plan.guarantor,
                geometry=plan.geometry,
                valid_from=plan.valid_from,
                valid_to=plan.valid_to,
                label=plan.label,
                radius_m=plan.radius_m,
                supersedes_id=None if plan.replaces is None else ids[plan.replaces],
            )
            ids.append(territory.store_area(command, uow, actor=desks[plan.guarantor], shape=shape))
            tick(1)
    loaded = Loaded(name, version, url, truce, agreement_id)
    loaded.load_seconds = time.perf_counter() - started
    if truce.db.dialect == "postgresql":
        analyse(truce)
    return loaded


def scenario(people: list[PartyPlan]) -> dict[str, Any]:
    """The agreement, the guarantors' desks, the parties and their first status, for
    ``load_scenario``."""
    stamp = datetime.isoformat
    first = [(i, plan.changes[0]) for i, plan in enumerate(people) if plan.changes]
    return {
        "states": [{"code": "US", "name": "United States"},
                   {"code": "RU", "name": "Russian Federation"}],
        "agreement": {
            "slug": "bench", "title": "Cessation of Hostilities (benchmark)",
            "signed_at": stamp(SIGNED), "effective_at": stamp(EFFECTIVE),
            "acceptance_deadline": stamp(EFFECTIVE - timedelta(hours=12)),
            "timezone": "Asia/Damascus",
            "guarantors": ["US", "RU"], "excluded_lists": [UNSC],
        },
        "desks": [{"username": f"{code.lower()}-desk", "state": code} for code in DESKS],
        "parties": [{"key": str(i), "name": plan.name} for i, plan in enumerate(people)],
        "designations": [
            {"party": str(i), "list_name": UNSC, "reference": f"QDe.{i}",
             "listed_at": "2014-05-14T00:00:00Z"}
            for i, plan in enumerate(people) if plan.designated
        ],
        "status": [
            {"party": str(i), "proposer": "US", "status": status.value, "reason": "agreed",
             "proposed_at": stamp(moment), "decision": "approve", "decided_at": stamp(moment)}
            for i, (status, moment) in first
        ],
    }  # fmt: skip


def _cast(truce: Truce, people: list[PartyPlan]) -> tuple[list[int], dict[str, Actor]]:
    """The parties' ids, in the order of the plans, and the guarantors' desks."""
    with truce.uow(write=False) as uow:
        by_name = {row.name: row.id for row in uow.parties.all_rows()}
        party_ids = [by_name[plan.name] for plan in people]
        desks = {}
        for code in DESKS:
            row = uow.users.by_name(f"{code.lower()}-desk")
            assert row is not None
            desks[code] = users.actor_of(row)
    return party_ids, desks


def _later_statuses(
    truce: Truce,
    agreement_id: int,
    people: list[PartyPlan],
    party_ids: list[int],
    desks: dict[str, Actor],
) -> None:
    """Status changes after the first: a scenario proposes every step before deciding any."""
    for plan, party_id in zip(people, party_ids, strict=True):
        for status, moment in plan.changes[1:]:
            with truce.uow(clock=lambda moment=moment: moment) as uow:
                cmd = standing.ProposeStatus(agreement_id, party_id, status, "changed")
                proposal = standing.propose_status(cmd, uow, actor=desks["US"])
            with truce.uow(clock=lambda moment=moment: moment) as uow:
                decision = standing.DecideProposal(proposal.id, Decision.APPROVE, "agreed")
                standing.decide_proposal(decision, uow, actor=desks["RU"])


def analyse(truce: Truce) -> None:
    """Give the planner statistics on the new rows, as autovacuum soon would."""
    with truce.db.writer_engine.connect() as conn:
        autovacuum = conn.exec_driver_sql("SHOW autovacuum").scalar()
        conn.exec_driver_sql("ANALYZE")
        conn.commit()
    console.print(f"PostgreSQL: ANALYZE after loading (autovacuum is {autovacuum} on this server)")


# --- measuring ---------------------------------------------------------------------------------


@dataclass
class Measure:
    """One timed phase."""

    label: str
    count: int
    seconds: float
    other_cores: float | None
    unit: str = "points"
    versus_baseline: bool = False  # a point-in-area query, comparable with the STRtree's

    @property
    def rate(self) -> float:
        return self.count / self.seconds


@dataclass
class Latency:
    """Single requests through HTTP: their latencies in milliseconds."""

    label: str
    millis: list[float]
    other_cores: float | None

    def percentile(self, p: float) -> float:
        return float(np.percentile(self.millis, p))


@dataclass
class Results:
    measures: list[Measure] = field(default_factory=list)
    latencies: list[Latency] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def timed(
        self,
        label: str,
        count: int,
        work: Callable[[], Any],
        unit: str = "points",
        repeats: int = 1,
        versus_baseline: bool = True,
    ) -> Any:
        """Run ``work`` ``repeats`` times; keep the median time and the last result."""
        times, value, watch = [], None, CpuWatch()
        for _ in range(repeats):
            started = time.perf_counter()
            value = work()
            times.append(time.perf_counter() - started)
        seconds = statistics.median(times)
        versus = unit == "points" and versus_baseline
        self.measures.append(Measure(label, count, seconds, watch.other_cores(), unit, versus))
        return value

    def rate(self, label: str) -> float | None:
        return next((m.rate for m in self.measures if m.label == label), None)


def baseline(results: Results, loaded: Loaded, lon: Any, lat: Any) -> None:
    """The plain spatial join: shapely 2's STRtree over the same geometries, one thread."""
    with loaded.truce.uow(write=False) as uow:
        geometries = [a.geometry for a in territory.area_facts(uow, loaded.agreement_id)]
    tree = results.timed(
        "STRtree build", len(geometries), lambda: shapely.STRtree(geometries), unit="areas"
    )
    points = results.timed(
        "shapely.points", len(lon), lambda: shapely.points(lon, lat), versus_baseline=False
    )
    pairs = results.timed(
        "STRtree.query(intersects)",
        len(lon),
        lambda: tree.query(points, predicate="intersects"),
        repeats=REPEATS,
    )
    results.notes.append(
        f"{pairs.shape[1]:,} (point, area) pairs; about"
        f" {pairs.shape[1] / len(lon):.2f} areas per point"
    )


def in_process(results: Results, loaded: Loaded, lon: Any, lat: Any, at: Any) -> Batch:
    """The in-process engine: building it (from the database), then the batch."""
    with loaded.truce.uow(write=False) as uow:
        agreement = uow.agreements.get(loaded.agreement_id)
        assert agreement is not None
        engine = results.timed(
            "Territory build (read + index)",
            1,
            lambda: territory.territory(uow, agreement),
            unit="build",
        )
    batch: Batch = results.timed(
        "Territory.classify", len(lon), lambda: engine.classify(lon, lat, at), repeats=REPEATS
    )
    return batch


def in_postgis(results: Results, loaded: Loaded, lon: Any, lat: Any, at: Any) -> Batch:
    """The PostGIS engine on every point: one call, one transaction (see ``postgis.classify``)."""

    def run() -> Batch:
        with loaded.truce.uow(write=False) as uow:
            agreement = uow.agreements.get(loaded.agreement_id)
            assert agreement is not None
            return postgis.classify(uow.session, agreement, lon, lat, at)

    batch: Batch = results.timed("postgis.classify", len(lon), run)
    return batch


def in_postgis_small(
    results: Results, loaded: Loaded, lon: Any, lat: Any, at: Any, tick: Callable[[int], None]
) -> Batch:
    """The PostGIS engine on small batches, which take the other path (arrays, no table)."""

    def run() -> Batch:
        parts = []
        with loaded.truce.uow(write=False) as uow:
            agreement = uow.agreements.get(loaded.agreement_id)
            assert agreement is not None
            for start in range(0, len(lon), SMALL):
                part = slice(start, start + SMALL)
                parts.append(
                    postgis.classify(uow.session, agreement, lon[part], lat[part], at[part])
                )
                tick(len(lon[part]))
        return Batch(
            np.concatenate([p.verdicts for p in parts]),
            {g: np.concatenate([p.by_guarantor[g] for p in parts]) for g in parts[0].by_guarantor},
        )

    batch: Batch = results.timed(f"postgis.classify, {SMALL:,} per call", len(lon), run)
    return batch


def first(batch: Batch, count: int) -> Batch:
    """The verdicts of the first ``count`` points."""
    return Batch(batch.verdicts[:count], {g: v[:count] for g, v in batch.by_guarantor.items()})


def must_agree(mine: Batch, theirs: Batch) -> None:
    """Raise unless both batches give every point the same verdicts, overall and per side."""
    same = mine.verdicts == theirs.verdicts
    for state, codes in mine.by_guarantor.items():
        same &= codes == theirs.by_guarantor[state]
    if not same.all():
        at = int(np.argmin(same))
        raise BenchFailure(
            f"the engines disagree on {int((~same).sum()):,} of {len(same):,} points; first at"
            f" index {at}: in-process {mine.verdict(at)}, PostGIS {theirs.verdict(at)}"
        )


def shares(batch: Batch) -> str:
    """How often each verdict came out."""
    counts = np.bincount(batch.verdicts, minlength=len(VERDICTS)) / len(batch.verdicts)
    return ", ".join(f"{v.value} {c:.1%}" for v, c in zip(VERDICTS, counts, strict=True))


# --- single questions through HTTP -------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def served(url: str) -> Iterator[tuple[int, int]]:
    """``truce serve`` on the database, in its own process: its port and process id."""
    port = free_port()
    env = {**os.environ, "TRUCE_SECRET_KEY": SECRET, "TRUCE_LOG_LEVEL": "warning"}
    command = [
        str(Path(sys.executable).with_name("truce")),
        "serve",
        "--db",
        url,
        "--port",
        str(port),
    ]
    server = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while True:
            if server.poll() is not None:
                raise BenchFailure(f"truce serve exited with {server.returncode}")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise BenchFailure("truce serve did not start within 60 s") from None
                time.sleep(0.1)
        yield port, server.pid
    finally:
        server.terminate()
        server.wait(timeout=30)


def ask(conn: http.client.HTTPConnection, lon: float, lat: float, at_us: int) -> dict[str, Any]:
    moment = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=at_us)
    query = urlencode(
        {"lat": f"{lat:.6f}", "lon": f"{lon:.6f}", "at": moment.strftime("%Y-%m-%dT%H:%M:%SZ")}
    )
    conn.request("GET", f"/api/v1/applicability?{query}")
    response = conn.getresponse()
    body = response.read()
    if response.status != 200:
        raise BenchFailure(f"GET /api/v1/applicability?{query}: {response.status} {body[:300]!r}")
    answer: dict[str, Any] = json.loads(body)
    return answer


def over_http(
    results: Results,
    loaded: Loaded,
    count: int,
    expected: Batch | None,
    tick: Callable[[int], None],
) -> None:
    """Sequential single requests from one client, after a warm-up; checks each verdict."""
    lon, lat, at = queries(count + WARM_UP, seed=99)
    # Round the query as it is sent, so the expected verdict is for exactly that place.
    lon, lat = np.round(lon, 6), np.round(lat, 6)
    with served(loaded.url) as (port, pid):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        for i in range(WARM_UP):  # the first request builds the engine's cache
            ask(conn, lon[i], lat[i], int(at[i]))
        watch = CpuWatch(ours=[pid])
        millis, verdicts = [], []
        for i in range(WARM_UP, WARM_UP + count):
            started = time.perf_counter()
            answer = ask(conn, float(lon[i]), float(lat[i]), int(at[i]))
            millis.append((time.perf_counter() - started) * 1000)
            verdicts.append(answer["verdict"])
            tick(1)
        results.latencies.append(
            Latency(f"{loaded.name} {loaded.version}", millis, watch.other_cores())
        )
        conn.close()
    if expected is not None:
        wanted = [v.value for v in (VERDICTS[c] for c in expected.verdicts[WARM_UP:])]
        wrong = sum(a != b for a, b in zip(verdicts, wanted, strict=True))
        if wrong:
            raise BenchFailure(f"{loaded.name}: {wrong} API verdicts differ from the batch's")


# --- reporting ---------------------------------------------------------------------------------


def batch_table(results: Results) -> Table:
    table = Table(title="Applicability benchmark: batches (count: points unless said)")
    for name in ("measure", "count", "seconds", "rate /s", "× STRtree", "others"):
        left = name == "measure"
        table.add_column(name, justify="left" if left else "right", min_width=30 if left else None)
    base = results.rate("STRtree.query(intersects)")
    for m in results.measures:
        ratio = f"{m.rate / base:.2f}" if base and m.versus_baseline else ""
        table.add_row(
            m.label,
            f"{m.count:,}" if m.unit == "points" else f"{m.count:,} {m.unit}",
            f"{m.seconds:.3f}",
            f"{m.rate:,.0f}" if m.unit == "points" else "",
            ratio,
            "?" if m.other_cores is None else f"{m.other_cores:.2f}",
        )
    table.caption = (
        f"The STRtree query and Territory.classify: the median of {REPEATS} runs. others: cores"
        " that other processes (on PostgreSQL, including the server) kept busy."
    )
    return table


def latency_table(results: Results) -> Table:
    table = Table(title="Applicability benchmark: single GET /api/v1/applicability, one client")
    for name in ("database", "requests", "req/s", "p50 ms", "p90 ms", "p99 ms", "max ms", "others"):
        table.add_column(name, justify="left" if name == "database" else "right")
    for row in results.latencies:
        table.add_row(
            row.label,
            f"{len(row.millis):,}",
            f"{1000 * len(row.millis) / sum(row.millis):,.0f}",
            *(f"{row.percentile(p):.2f}" for p in (50, 90, 99)),
            f"{max(row.millis):.2f}",
            "?" if row.other_cores is None else f"{row.other_cores:.2f}",
        )
    table.caption = "others: cores kept busy by processes other than the benchmark and the server."
    return table


def aims(results: Results) -> list[tuple[bool, str]]:
    found = []
    rate = results.rate("Territory.classify")
    if rate is not None:
        found.append(
            (rate >= AIM_BATCH, f"in-process batch: {rate:,.0f} points/s; aim ≥ {AIM_BATCH:,}/s")
        )
    for row in results.latencies:
        p99 = row.percentile(99)
        found.append(
            (
                p99 < AIM_P99_MS,
                f"{row.label} single query p99: {p99:.2f} ms; aim < {AIM_P99_MS:g} ms",
            )
        )
    return found


# --- main --------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    for option, default, what in (
        ("--areas", 10_000, "areas on the map"),
        ("--points", 1_000_000, "random (point, time) queries in the batches"),
        ("--http", 3_000, "single requests through HTTP, per database (0: none)"),
    ):
        parser.add_argument(option, type=int, default=default, help=f"{what} (default {default})")
    parser.add_argument("--skip-postgres", action="store_true", help="measure SQLite only")
    args = parser.parse_args(argv)
    if args.areas < 100 or args.points < 1 or args.http < 0:
        parser.error("--areas must be at least 100, --points positive, --http not negative")
    return args


def run(args: argparse.Namespace, results: Results, workdir: Path, with_pg: bool) -> None:
    people = party_plans(40)
    plans = MapMaker(2016, len(people)).areas(args.areas)
    lon, lat, at = queries(args.points, seed=7)
    with progress_bar() as progress:
        task = progress.add_task("SQLite: storing areas", total=len(plans))
        sqlite = load(
            "SQLite",
            sqlite3.sqlite_version,
            f"sqlite:///{workdir / 'bench.db'}",
            plans,
            people,
            lambda n: progress.advance(task, n),
        )
    kinds = {"Point": 0, "Polygon": 0, "MultiPolygon": 0}
    for plan in plans:
        kinds[plan.geometry["type"]] += 1
    console.print(
        f"Map: {len(plans):,} areas ({kinds['Point']:,} circles, {kinds['Polygon']:,} polygons,"
        f" {kinds['MultiPolygon']:,} multipolygons; {sum(p.replaces is not None for p in plans)}"
        f" replacements), {len(people)} parties. SQLite: stored in {sqlite.load_seconds:.1f} s"
        f" ({len(plans) / sqlite.load_seconds:,.0f} areas/s, one batch, ledger included)"
    )
    try:
        baseline(results, sqlite, lon, lat)
        mine = in_process(results, sqlite, lon, lat, at)
        console.print(f"In-process verdicts: {shares(mine)}")
        for note in results.notes:
            console.print(note)
        expected = in_process_single(sqlite, args.http)
        if with_pg:
            with postgres_database(("postgis",)) as (url, version):
                with progress_bar() as progress:
                    task = progress.add_task("PostgreSQL: storing areas", total=len(plans))
                    pg = load(
                        "PostgreSQL",
                        version.split()[0],
                        url,
                        plans,
                        people,
                        lambda n: progress.advance(task, n),
                    )
                console.print(f"PostgreSQL: stored in {pg.load_seconds:.1f} s")
                theirs = in_postgis(results, pg, lon, lat, at)
                must_agree(mine, theirs)
                console.print(f"[green]The engines agree on all {len(lon):,} points.")
                sample = slice(0, min(SAMPLE, len(lon)))
                with progress_bar() as progress:
                    task = progress.add_task(f"PostGIS, {SMALL:,} per call", total=sample.stop)
                    small = in_postgis_small(
                        results,
                        pg,
                        lon[sample],
                        lat[sample],
                        at[sample],
                        lambda n: progress.advance(task, n),
                    )
                must_agree(first(mine, sample.stop), small)
                console.print(f"[green]… and on the first {sample.stop:,} in calls of {SMALL:,}.")
                try:
                    bench_http(results, sqlite, args.http, expected)
                    bench_http(results, pg, args.http, expected)
                finally:
                    pg.truce.close()
        else:
            bench_http(results, sqlite, args.http, expected)
    finally:
        sqlite.truce.close()


def in_process_single(loaded: Loaded, count: int) -> Batch | None:
    """The verdicts the API should give for its queries, from the in-process batch."""
    if not count:
        return None
    lon, lat, at = queries(count + WARM_UP, seed=99)
    with loaded.truce.uow(write=False) as uow:
        return territory.where_many(
            uow, np.round(lon, 6), np.round(lat, 6), at, agreement_id=loaded.agreement_id
        )


def bench_http(results: Results, loaded: Loaded, count: int, expected: Batch | None) -> None:
    if not count:
        return
    with progress_bar() as progress:
        task = progress.add_task(f"{loaded.name}: GET /api/v1/applicability", total=count)
        over_http(results, loaded, count, expected, lambda n: progress.advance(task, n))


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    console.print(f"[bold]Applicability benchmark[/] — {machine(LIBRARIES)}")
    with_pg = postgres_wanted(args.skip_postgres)
    results = Results()
    failure = None
    with tempfile.TemporaryDirectory(prefix="truce-bench-") as tmp:
        try:
            run(args, results, Path(tmp), with_pg)
        except BenchFailure as exc:
            failure = str(exc)
            console.print(f"[red]FAILED: {exc}")
    console.print(batch_table(results))
    if results.latencies:
        console.print(latency_table(results))
    classify, pg = results.rate("Territory.classify"), results.rate("postgis.classify")
    if classify and pg:
        console.print(f"In-process batch ÷ PostGIS batch: {classify / pg:,.1f}×")
    for met, line in aims(results):
        console.print(f"{'[green]met' if met else '[red]NOT met'}[/]: {line}")
    console.print(f"load average at the end: {load_average()}")
    return 1 if failure else 0


if __name__ == "__main__":
    sys.exit(main())
