"""How fast the situation reports build over a large record: the daily bulletin, and the 30-day
two-ledger report when that kind is registered.

1. **The record.** N incidents (1,000,000 by default) resampled from the REAL UCDP GED Syria
   events of 2016 (``../shared/data/ucdp-ged-syria/``, or ``--csv``; nothing of it is copied
   into the project): each incident is a real 2016 event drawn at random, kept on its day
   with a random hour, its point jittered by up to 0.01° (about a kilometre), its province
   (OCHA's spelling, as the importers write it), district, place, kind and deaths UCDP's;
   its check against the terms (outcome, verdict) drawn from an assumed mix (OUTCOMES,
   VERDICTS) in which a third are allegations or flagged.
   Each has 1 to 3 reports from distinct sources (UCDP, ACLED, SOHR, RU-MoD, monitor), each
   naming a side of the event as the perpetrator. So a day of 2016 holds about N / 366
   incidents, in the real proportions of days and provinces.
2. **Loading.** Into a fresh database (SQLite, and PostgreSQL unless unreachable or
   ``--skip-postgres``) holding the 2016 scenario, by bulk insert (executemany on SQLite,
   COPY on PostgreSQL), not through the services: the incidents were not written
   through the linkage, which is the other benches' business. Then ANALYZE, as a database in
   use has its statistics.
3. **Timing.** ``truce.services.sitreps.build("daily", {"date": D})`` for the busiest day of
   2016 and for a quiet one, each ``--repeat`` times (the best and the median are printed);
   then its JSON and HTML rendering, once. If the kind ``two-ledgers`` is registered, its
   report over the 30 days to D, likewise.

Aims (issue 11): a daily bulletin under 2 s and a 30-day two-ledger report under 10 s, at
1,000,000 incidents on either database; the script exits 1 when a figure misses its aim.

Usage: .venv/bin/python bench/reports.py [--incidents 1000000] [--csv PATH] [--repeat 3]
       [--skip-postgres] [--explain]
"""

from __future__ import annotations

import argparse
import csv
import json
import secrets
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
from rich.table import Table
from shared import (
    CpuWatch,
    console,
    machine,
    postgres_database,
    postgres_wanted,
    progress_bar,
)
from sqlalchemy import select, text

from truce.bootstrap import Truce, bootstrap, set_up
from truce.config import Settings
from truce.domain.errors import DomainError
from truce.domain.permissions import SYSTEM
from truce.domain.sitreps import daily_window
from truce.services import scenario, sitreps
from truce.store.tables import IncidentRow, PartyRow

ROOT = Path(__file__).resolve().parents[1]
SHARED = ("shared", "data", "ucdp-ged-syria", "ged_syria_2016_2019.csv")
LIBRARIES = ("truce", "sqlalchemy", "psycopg", "weasyprint")
AIMS = {"daily": 2.0, "two-ledgers": 10.0}
JITTER_DEGREES = 0.01
BATCH = 50_000
SOURCES = ("UCDP", "ACLED", "SOHR", "RU-MoD", "monitor")
REPORTS_PER_INCIDENT = np.array([0.5, 0.35, 0.15])  # 1, 2 or 3 reports
# UCDP's adm_1 as the importers write admin1 (OCHA's names: truce.sitreps.provinces).
PROVINCES = {
    "Aleppo Governorate": "Aleppo", "Rif Dimashq Governorate": "Rif Dimashq",
    "Homs Governorate": "Homs", "Idlib Governorate": "Idlib",
    "Deir ez Zor Governorate": "Deir ez-Zor", "Hamah Governorate": "Hama",
    "Daraa Governorate": "Daraa", "Latakia Governorate": "Latakia",
    "Ar Raqqah Governorate": "Raqqa", "Al Hasakah Governorate": "Al-Hasakah",
    "Damascus Governorate": "Damascus", "Quneitra Governorate": "Quneitra",
    "As Suwayda Governorate": "As-Suwayda", "Tartus Governorate": "Tartus",
}  # fmt: skip
# UCDP's type of violence as an incident's kind.
KINDS = {
    "1": ("Battles", "Armed clash"),
    "2": ("Battles", "Armed clash"),
    "3": ("Violence against civilians", "Attack"),
}
# Each incident checked against the terms (docs/incidents.md): an assumed mix, not measured,
# in which breaches are common, as they were in 2016 (the clocks stop on the first day).
OUTCOMES = {"allegation": 0.25, "flagged": 0.10, "not_a_violation": 0.35, "no_term": 0.30}
VERDICTS = {"protected": 0.35, "excluded": 0.30, "mixed": 0.15, "unknown": 0.15,
            "not_in_force": 0.05}  # fmt: skip
# The two-ledger kind is another helper's: the parameters it may take for a period.
PERIOD_PARAMS = (("since", "until"), ("start", "end"), ("from", "to"))


def real_file(given: Path | None) -> Path:
    if given is not None:
        return given
    for base in (ROOT.parent, ROOT.parent.parent):  # beside the checkout, or above wt/
        if base.joinpath(*SHARED).is_file():
            return base.joinpath(*SHARED)
    sys.exit("The UCDP GED Syria file is not in ../shared/data/ucdp-ged-syria/: give --csv.")


def events_of_2016(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return [row for row in csv.DictReader(handle) if row["date_start"].startswith("2016")]


# --- the record ------------------------------------------------------------------------------

INCIDENT_COLUMNS = (
    "id", "start", "end", "time_precision", "lat", "lon", "geo_precision", "admin1", "admin2",
    "location", "event_type", "sub_event_type", "kinds", "killed_low", "killed_best",
    "killed_high", "casualties", "reports", "created_at", "updated_at", "outcome", "verdict",
    "checked_at",
)  # fmt: skip
REPORT_COLUMNS = (
    "id", "channel", "source", "source_ref", "received_at", "occurred_start", "time_precision",
    "lat", "lon", "admin1", "admin2", "location", "event_type", "sub_event_type", "actor1",
    "actor1_party_id", "fatalities", "text", "hide_reporter",
)  # fmt: skip
LINK_COLUMNS = ("report_id", "incident_id", "comparisons", "links", "linked_by", "linked_at")


def columns(
    events: list[dict[str, str]], count: int, party_ids: list[int], sqlite: bool, seed: int = 7
) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """The rows of ``count`` incidents resampled from ``events``, their reports and links, as
    the driver takes them (times as text: SQLAlchemy's on SQLite, RFC 3339 on PostgreSQL)."""
    rng = np.random.default_rng(seed)
    day = np.array([e["date_start"][:10] for e in events], dtype="datetime64[s]")
    lat0 = np.array([float(e["latitude"]) for e in events])
    lon0 = np.array([float(e["longitude"]) for e in events])
    admin1 = np.array([PROVINCES.get(e["adm_1"]) for e in events], dtype=object)
    admin2 = np.array(
        [(e["adm_2"] or "").removesuffix(" district") or None for e in events], dtype=object
    )
    place = np.array([e["where_coordinates"] or None for e in events], dtype=object)
    kind = [KINDS.get(e["type_of_violence"], KINDS["1"]) for e in events]
    event_type = np.array([k[0] for k in kind], dtype=object)
    sub_type = np.array([k[1] for k in kind], dtype=object)
    kinds_json = np.array([json.dumps([list(k)]) for k in kind], dtype=object)
    killed = np.array([int(e["best"] or 0) for e in events])
    sides = np.array([(e["side_a"], e["side_b"]) for e in events], dtype=object)

    picks = rng.integers(0, len(events), count)
    start = day[picks] + rng.integers(0, 24 * 3600, count).astype("timedelta64[s]")
    recorded = start + rng.integers(3600, 48 * 3600, count).astype("timedelta64[s]")
    lat = lat0[picks] + rng.uniform(-JITTER_DEGREES, JITTER_DEGREES, count)
    lon = lon0[picks] + rng.uniform(-JITTER_DEGREES, JITTER_DEGREES, count)
    reports_of = rng.choice(len(REPORTS_PER_INCIDENT), count, p=REPORTS_PER_INCIDENT) + 1

    def stamp(moments: np.ndarray) -> list[str]:
        written = np.datetime_as_string(moments, unit="s")
        if sqlite:  # as SQLAlchemy writes a DateTime to SQLite
            return [t.replace("T", " ") + ".000000" for t in written.tolist()]
        return [t + "Z" for t in written.tolist()]

    starts, recorded_at = stamp(start), stamp(recorded)
    ends = stamp(start + np.timedelta64(3600, "s"))
    n = count
    incidents = list(zip(
        range(1, n + 1), starts, ends, ["hour"] * n, lat.tolist(), lon.tolist(), ["point"] * n,
        admin1[picks].tolist(), admin2[picks].tolist(), place[picks].tolist(),
        event_type[picks].tolist(), sub_type[picks].tolist(), kinds_json[picks].tolist(),
        killed[picks].tolist(), killed[picks].tolist(), killed[picks].tolist(), ["[]"] * n,
        reports_of.tolist(), recorded_at, recorded_at,
        rng.choice(list(OUTCOMES), n, p=list(OUTCOMES.values())).tolist(),
        rng.choice(list(VERDICTS), n, p=list(VERDICTS.values())).tolist(), recorded_at,
        strict=True,
    ))  # fmt: skip

    of = np.repeat(np.arange(count), reports_of)  # each report's incident (index)
    total = len(of)
    first = np.repeat(np.cumsum(reports_of) - reports_of, reports_of)
    number = np.arange(total) - first  # its place among its incident's reports
    offset = rng.integers(0, len(SOURCES), count)[of]
    source = np.array(SOURCES, dtype=object)[(offset + number) % len(SOURCES)]  # distinct
    perpetrator = sides[picks[of], rng.integers(0, 2, total)]
    state = np.array([p.startswith("Government") for p in perpetrator.tolist()])
    party = np.where(state, np.array(party_ids)[np.arange(total) % len(party_ids)], -1)
    report_ids = range(1, total + 1)
    p = picks[of]
    indices = of.tolist()
    received = [recorded_at[i] for i in indices]
    reports = list(zip(
        report_ids, ["import"] * total, source.tolist(), [f"bench-{i}" for i in report_ids],
        received, [starts[i] for i in indices], ["hour"] * total, lat[of].tolist(),
        lon[of].tolist(), admin1[p].tolist(), admin2[p].tolist(), place[p].tolist(),
        event_type[p].tolist(), sub_type[p].tolist(), perpetrator.tolist(),
        [None if x < 0 else x for x in party.tolist()], killed[p].tolist(), [""] * total,
        [False] * total, strict=True,
    ))  # fmt: skip
    links = list(zip(
        report_ids, (of + 1).tolist(), ["[]"] * total, ["[]"] * total, ["linkage"] * total,
        received, strict=True,
    ))  # fmt: skip
    return incidents, reports, links


def load(truce: Truce, events: list[dict[str, str]], count: int) -> tuple[float, int]:
    """Seconds to bulk-insert ``count`` incidents with their reports, and how many reports:
    executemany on SQLite, COPY on PostgreSQL, then ANALYZE."""
    with truce.uow(write=False) as uow:
        party_ids = list(uow.session.scalars(select(PartyRow.id).order_by(PartyRow.id)))
    sqlite = truce.db.url.startswith("sqlite")
    began = time.perf_counter()
    made = columns(events, count, party_ids, sqlite)
    tables = zip(("incidents", "reports", "incident_reports"), made,
                 (INCIDENT_COLUMNS, REPORT_COLUMNS, LINK_COLUMNS), strict=True)  # fmt: skip
    connection = truce.db.writer_engine.raw_connection()
    try:
        cursor = connection.cursor()
        with progress_bar() as bar:
            for table, values, names in tables:
                task = bar.add_task(f"inserting {table}", total=len(values))
                if sqlite:  # the driver is in autocommit mode: one transaction, not one a row
                    cursor.execute("BEGIN")
                quoted = ", ".join(f'"{name}"' for name in names)
                for begin in range(0, len(values), BATCH):
                    batch = values[begin : begin + BATCH]
                    if sqlite:
                        marks = ", ".join("?" * len(names))
                        cursor.executemany(
                            f"INSERT INTO {table} ({quoted}) VALUES ({marks})", batch
                        )
                    else:
                        with cursor.copy(f"COPY {table} ({quoted}) FROM STDIN") as copy:
                            for row in batch:
                                copy.write_row(row)
                    bar.advance(task, len(batch))
                connection.commit()
        cursor.execute("ANALYZE")
        connection.commit()
    finally:
        connection.close()
    return time.perf_counter() - began, len(made[1])


# --- timing ----------------------------------------------------------------------------------


def timed(call: Callable[[], Any], repeat: int) -> tuple[list[float], Any]:
    seconds, result = [], None
    for _ in range(repeat):
        began = time.perf_counter()
        result = call()
        seconds.append(time.perf_counter() - began)
    return seconds, result


def period_params(end: date, days: int) -> dict[str, str] | None:
    """The parameters of the two-ledger report over ``days`` days to ``end``, in whichever
    names that kind takes; None when it is not registered (or takes none of them)."""
    kind = sitreps.kinds().get("two-ledgers")
    if kind is None:
        return None
    first = (end - timedelta(days=days - 1)).isoformat()
    for since, until in PERIOD_PARAMS:
        params = {since: first, until: end.isoformat()}
        try:
            kind.normalise(params)
        except DomainError:
            continue
        return params
    return None


def measure(truce: Truce, name: str, days: dict[str, date], repeat: int, table: Table) -> list[str]:
    """Time each report on ``truce``; a row of ``table`` each; the aims missed."""
    missed = []
    cases: list[tuple[str, str, dict[str, Any]]] = [
        ("daily", f"daily, {label} ({day}: {count:,} incidents)", {"date": day.isoformat()})
        for label, (day, count) in _days_with_counts(truce, days).items()
    ]
    period = period_params(days["busiest"], 30)
    if period is not None:
        cases.append(("two-ledgers", f"two-ledgers, 30 days to {days['busiest']}", period))
    for kind, label, params in cases:
        watch = CpuWatch()

        def build(kind: str = kind, params: dict[str, Any] = params) -> Any:
            with truce.uow(write=False) as uow:
                return sitreps.build(kind, params, uow)

        seconds, sitrep = timed(build, repeat)
        began = time.perf_counter()
        body = sitreps.render(sitrep, "json")
        json_seconds = time.perf_counter() - began
        began = time.perf_counter()
        sitreps.render(sitrep, "html", "en")
        html_seconds = time.perf_counter() - began
        best, median = min(seconds), statistics.median(seconds)
        aim = AIMS[kind]
        ok = median < aim
        if not ok:
            missed.append(f"{name}: {label} took {median:.2f} s (aim {aim:.0f} s)")
        others = watch.other_cores()
        table.add_row(
            name, label, f"{best:.2f} s", f"{median:.2f} s",
            f"< {aim:.0f} s " + ("✓" if ok else "✗"),
            f"{json_seconds:.2f} s ({len(body) / 1e6:.1f} MB)", f"{html_seconds:.2f} s",
            "?" if others is None else f"{others:.2f}",
        )  # fmt: skip
    return missed


def _days_with_counts(truce: Truce, days: dict[str, date]) -> dict[str, tuple[date, int]]:
    with truce.uow(write=False) as uow:
        agreement = uow.agreements.all()[-1]
        rules = agreement.bulletin_rules()
        found = {}
        for label, day in days.items():
            since, until = daily_window(day, agreement.timezone, rules)
            count = uow.session.scalar(
                select(text("count(*)")).select_from(IncidentRow)
                .where(IncidentRow.start >= since, IncidentRow.start < until)
            )  # fmt: skip
            found[label] = (day, int(count or 0))
    return found


def explain(truce: Truce, day: date) -> None:
    """The plans of the daily bulletin's two big queries (incidents, and their claims)."""
    with truce.uow(write=False) as uow:
        agreement = uow.agreements.all()[-1]
        since, until = daily_window(day, agreement.timezone, agreement.bulletin_rules())
        by = datetime.now(UTC)
        store = uow.sitreps
        truce_engine[:] = [uow.session.get_bind()]
        statements = {
            "incidents": _statement(store.incidents, since, until, by),
            "claims": _statement(store.claims, since, until, by),
            "30-day starts": _statement(
                store.incident_starts, since - timedelta(days=29), until, by
            ),
            "a clock's incidents": _statement(
                lambda *a: next(uow.clocks.incidents_in_order(*a), None),
                agreement.effective_at, until, ("allegation", "flagged"),
            ),
        }  # fmt: skip
        prefix = "EXPLAIN QUERY PLAN " if truce.db.url.startswith("sqlite") else "EXPLAIN "
        for label, (sql, params) in statements.items():
            console.print(f"[bold]{label}[/bold]")
            for row in uow.session.connection().exec_driver_sql(prefix + sql, params):
                console.print("  " + " ".join(str(v) for v in row), highlight=False)


truce_engine: list[Any] = []  # the engine explain() watches


def _statement(method: Callable[..., Any], *args: Any) -> tuple[str, Any]:
    """The SQL a store method runs and its parameters, as the driver was given them."""
    from sqlalchemy import event

    captured: list[tuple[str, Any]] = []
    engine = truce_engine[0]

    def catch(conn: Any, cursor: Any, statement: str, parameters: Any, *rest: Any) -> None:
        captured.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", catch)
    try:
        method(*args)
    finally:
        event.remove(engine, "before_cursor_execute", catch)
    return captured[-1]


def fresh(url: str) -> Truce:
    truce = bootstrap(Settings(database_url=url, secret_key=secrets.token_urlsafe(32)))
    set_up(truce)
    with truce.uow() as uow:
        scenario.load_scenario(scenario.read_scenario("syria-2016"), uow, actor=SYSTEM)
    return truce


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--incidents", type=int, default=1_000_000)
    parser.add_argument("--csv", type=Path, default=None)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--skip-postgres", action="store_true")
    parser.add_argument("--explain", action="store_true", help="Print the queries' plans.")
    args = parser.parse_args()
    events = events_of_2016(real_file(args.csv))
    by_day = Counter(e["date_start"][:10] for e in events)
    busiest = date.fromisoformat(max(by_day, key=lambda d: (by_day[d], d)))
    quiet = date.fromisoformat(min(by_day, key=lambda d: (by_day[d], d)))
    days = {"busiest": busiest, "quiet": quiet}
    console.print(machine(LIBRARIES), highlight=False)
    console.print(f"{len(events):,} real UCDP events of 2016, resampled to {args.incidents:,}")
    table = Table(title=f"Reports over {args.incidents:,} incidents")
    for column in ("database", "report", "best", "median", "aim", "JSON", "HTML", "others"):
        table.add_column(column)
    missed: list[str] = []
    backends: list[tuple[str, Callable[[], Any]]] = [("SQLite", _sqlite)]
    if postgres_wanted(args.skip_postgres):
        backends.append(("PostgreSQL", _postgres))
    for name, opened in backends:
        with opened() as url:
            truce = fresh(url)
            try:
                seconds, reports = load(truce, events, args.incidents)
                console.print(
                    f"{name}: {args.incidents:,} incidents and {reports:,} reports inserted in"
                    f" {seconds:.0f} s (with ANALYZE)",
                    highlight=False,
                )
                if args.explain:
                    explain(truce, busiest)
                missed += measure(truce, name, days, args.repeat, table)
            finally:
                truce.close()
    console.print(table)
    if sitreps.kinds().get("two-ledgers") is None:
        console.print("two-ledgers: not registered in this checkout; not measured")
    for line in missed:
        console.print(f"[red]missed:[/red] {line}")
    sys.exit(1 if missed else 0)


@contextmanager
def _sqlite() -> Iterator[str]:
    with tempfile.TemporaryDirectory(prefix="truce-bench-reports-") as folder:
        yield f"sqlite:///{folder}/truce.db"


@contextmanager
def _postgres() -> Iterator[str]:
    with postgres_database() as (url, version):
        console.print(f"PostgreSQL {version}")
        yield url


if __name__ == "__main__":
    main()
