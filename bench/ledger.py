"""How fast the ledger signs, stores and verifies, against the speed of Ed25519 itself.

One run measures, on this machine:

1. the floor: PyNaCl (libsodium) Ed25519 sign and verify rates on one core, on a typical entry;
2. signed appends through the real path (``UnitOfWork.record`` -> ``LedgerStore.append_many``,
   real commits), one entry per transaction and in batches, on SQLite and PostgreSQL;
3. verification of the whole ledger from each database (``verify_database``) and, for SQLite,
   from an export file (``export`` + ``verify_file``), as a multiple of the one-core verify rate.

Usage: .venv/bin/python bench/ledger.py [--entries N] [--single N] [--batch N] [--skip-postgres]
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nacl.signing
from rich.progress import Progress
from rich.table import Table
from shared import CpuWatch, console, load_average, machine, postgres_wanted, progress_bar
from shared import postgres_database as fresh_postgres

from truce.bootstrap import Truce, bootstrap, set_up
from truce.config import Settings
from truce.domain.permissions import SYSTEM
from truce.ledger.entry import body_bytes
from truce.ledger.verify import Report
from truce.services.ledger import export, verify_database, verify_file
from truce.store.ledger_store import Change

FLOOR_SECONDS = 3.0
AIM_APPENDS = 10_000  # signed appends per second, SQLite, batched
AIM_VERIFY = 0.8  # verified entries per second, as a multiple of the one-core verify rate
LIBRARIES = ("PyNaCl", "SQLAlchemy", "psycopg")


class BenchFailure(RuntimeError):
    """A run that did not do what it should: verification failed, or entries went missing."""


# --- what gets written -------------------------------------------------------------------------


def typical_change(number: int) -> Change:
    """A status proposal like the ones the services write; its entry body is about 400 bytes."""
    party = 1 + number % 997
    return Change("party.status_proposed", f"party:{party}", {
        "proposal_id": number, "agreement_id": 1, "party_id": party, "status": "excluded",
        "reason": f"Shelling reported near Wadi al-Hajar on day {number % 365}; confirmed by"
                  " two monitors.",
        "proposer_state": "US", "current_status": "committed",
    })  # fmt: skip


def typical_body() -> bytes:
    """The canonical bytes of a typical entry, exactly as the ledger signs them."""
    change = typical_change(12345)
    return body_bytes(12346, "2016-02-27T12:00:00.000000Z", "system", "0123456789abcdef",
                      change.action, change.subject, change.payload, "0" * 64)  # fmt: skip


# --- measuring ---------------------------------------------------------------------------------


@dataclass
class Measure:
    """One timed phase: how many entries, how long, and how busy the rest of the machine was."""

    database: str
    kind: str  # "single", "batched", "verify" or "export"
    label: str
    entries: int
    seconds: float
    other_cores: float | None = None

    @property
    def rate(self) -> float:
        return self.entries / self.seconds


def rate_of(operation: Callable[[], Any], seconds: float) -> float:
    """Calls per second of ``operation`` over about ``seconds``, in this one thread."""
    calls, started = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - started) < seconds:
        for _ in range(500):
            operation()
        calls += 500
    return calls / elapsed


def measure_floor(body: bytes) -> tuple[float, float]:
    """PyNaCl's Ed25519 sign and verify rates on ``body``, on one core."""
    key = nacl.signing.SigningKey.generate()
    verify_key = key.verify_key
    signature = key.sign(body).signature
    sign_rate = rate_of(lambda: key.sign(body), FLOOR_SECONDS)
    verify_rate = rate_of(lambda: verify_key.verify(body, signature), FLOOR_SECONDS)
    return sign_rate, verify_rate


# --- one database ------------------------------------------------------------------------------


@dataclass
class Run:
    """Everything one database is put through, and what it measured."""

    database: str
    version: str
    url: str
    workdir: Path
    args: argparse.Namespace
    progress: Progress
    measures: list[Measure] = field(default_factory=list)

    def timed(self, kind: str, label: str, entries: int, work: Callable[[], float | None]) -> None:
        """Run ``work``; it may return the seconds to count, else the whole call counts."""
        watch = CpuWatch()
        started = time.perf_counter()
        counted = work()
        seconds = counted if counted is not None else time.perf_counter() - started
        self.measures.append(
            Measure(self.database, kind, label, entries, seconds, watch.other_cores())
        )

    def bar(self, label: str, total: int) -> Callable[[int], None]:
        task = self.progress.add_task(f"{self.database}: {label}", total=total)
        return lambda done: self.progress.advance(task, done)


def open_truce(url: str, workdir: Path) -> Truce:
    """A set-up installation on ``url``, with a fresh secret and genesis entry."""
    settings = Settings(database_url=url, secret_file=workdir / "bench.secret")
    truce = bootstrap(settings, create_secret=True)
    set_up(truce)
    return truce


def append_singly(truce: Truce, count: int, first: int, advance: Callable[[int], None]) -> None:
    """Append ``count`` entries, each in its own committed transaction, as a service does."""
    for number in range(first, first + count):
        with truce.uow() as uow:
            uow.record(SYSTEM, typical_change(number))
            uow.commit()
        advance(1)


def append_batched(
    truce: Truce, count: int, batch: int, first: int, advance: Callable[[int], None]
) -> float:
    """Seconds spent appending ``count`` entries, ``batch`` per ``record`` call and commit."""
    elapsed = 0.0
    for start in range(first, first + count, batch):
        # Making up the changes is the caller's work, not the ledger's: keep it off the clock.
        changes = [typical_change(n) for n in range(start, min(start + batch, first + count))]
        started = time.perf_counter()
        with truce.uow() as uow:
            uow.record(SYSTEM, *changes)
            uow.commit()
        elapsed += time.perf_counter() - started
        advance(len(changes))
    return elapsed


def must_verify(report: Report, expected: int, what: str) -> None:
    """Raise unless ``report`` says all ``expected`` entries verified."""
    if not report.ok:
        raise BenchFailure(f"{what}: verification failed: {report.failure}")
    if report.checked != expected:
        raise BenchFailure(f"{what}: verified {report.checked} entries, expected {expected}")


def bench_database(run: Run, *, with_export: bool) -> None:
    """Append one by one, then in batches; verify it all; export it and verify the file."""
    args = run.args
    total = 1 + args.single + args.entries  # the genesis entry, then both append phases
    truce = open_truce(run.url, run.workdir)
    try:
        if args.single:
            tick = run.bar("1 entry per commit", args.single)
            run.timed("single", "append, 1 per commit", args.single,
                      lambda: append_singly(truce, args.single, 1, tick))  # fmt: skip
        tick = run.bar(f"{args.batch:,} per commit", args.entries)
        run.timed(
            "batched",
            f"append, {args.batch:,} per commit",
            args.entries,
            lambda: append_batched(truce, args.entries, args.batch, args.single + 1, tick),
        )

        tick = run.bar("verify_database", total)
        run.timed(
            "verify",
            "verify_database",
            total,
            lambda: must_verify(
                verify_database(truce.db, progress=tick), total, f"{run.database} verify_database"
            ),
        )
        if with_export:
            bench_export(run, truce, total)
    finally:
        truce.close()


def bench_export(run: Run, truce: Truce, total: int) -> None:
    """Export the ledger to a file, then verify the file with no database."""
    path = run.workdir / "ledger.jsonl"

    def write() -> None:
        with path.open("w", encoding="utf-8") as out:
            if (written := export(truce.db, out)) != total:
                raise BenchFailure(f"export wrote {written} entries, expected {total}")

    run.timed("export", "export", total, write)
    console.print(f"{run.database}: export file {path.stat().st_size / 1e6:.1f} MB")
    tick = run.bar("verify_file", total)
    run.timed(
        "verify",
        "verify_file",
        total,
        lambda: must_verify(verify_file(path, progress=tick), total, "verify_file"),
    )


# --- the databases -----------------------------------------------------------------------------


@contextmanager
def sqlite_database(workdir: Path) -> Iterator[tuple[str, str]]:
    """A fresh SQLite file: its URL and the SQLite library's version."""
    yield f"sqlite:///{workdir / 'bench.db'}", sqlite3.sqlite_version


@contextmanager
def postgres_database(_workdir: Path) -> Iterator[tuple[str, str]]:
    """A fresh PostgreSQL database, dropped afterwards: its URL and the server's version."""
    with fresh_postgres() as found:
        yield found


Target = Callable[[Path], AbstractContextManager[tuple[str, str]]]


def targets(args: argparse.Namespace) -> list[tuple[str, Target]]:
    chosen: list[tuple[str, Target]] = [("SQLite", sqlite_database)]
    if postgres_wanted(args.skip_postgres):
        chosen.append(("PostgreSQL", postgres_database))
    return chosen


# --- reporting ---------------------------------------------------------------------------------


def summary(
    measures: list[Measure], versions: dict[str, str], sign_rate: float, verify_rate: float
) -> Table:
    table = Table(title="Ledger benchmark (rates in entries per second)")
    for name in ("measure", "entries", "seconds", "rate", "÷ floor", "others"):
        table.add_column(name, justify="left" if name == "measure" else "right")
    table.add_row("Ed25519 sign, 1 core", "", "", f"{sign_rate:,.0f}", "", "")
    table.add_row("Ed25519 verify, 1 core", "", "", f"{verify_rate:,.0f}", "", "")
    floors = {"single": sign_rate, "batched": sign_rate, "verify": verify_rate}
    for database, version in versions.items():
        table.add_section()
        table.add_row(f"[bold]{database} {version}", "", "", "", "", "")
        for m in (m for m in measures if m.database == database):
            floor = floors.get(m.kind)
            table.add_row(
                f"  {m.label}", f"{m.entries:,}", f"{m.seconds:.2f}", f"{m.rate:,.0f}",
                f"{m.rate / floor:.2f}" if floor else "",
                "?" if m.other_cores is None else f"{m.other_cores:.2f}",
            )  # fmt: skip
    table.caption = (
        "÷ floor: appends over the sign rate, verification over the verify rate."
        " others: cores that other processes (on PostgreSQL, including the server) kept busy."
    )
    return table


def aims(measures: list[Measure], verify_rate: float) -> list[tuple[bool, str]]:
    """Whether each aim was met, and a line saying so."""
    found = []
    for m in measures:
        if m.database == "SQLite" and m.kind == "batched":
            met = m.rate >= AIM_APPENDS
            found.append((met, f"SQLite batched appends: {m.rate:,.0f}/s; aim ≥ {AIM_APPENDS:,}/s"))
        if m.kind == "verify":
            ratio = m.rate / verify_rate
            met = ratio >= AIM_VERIFY
            found.append((met, f"{m.database} {m.label}: {ratio:.2f}× the one-core verify rate;"
                               f" aim ≥ {AIM_VERIFY}×"))  # fmt: skip
    return found


# --- main --------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument(
        "--entries",
        type=int,
        default=100_000,
        help="entries appended in batches, then verified (default 100000)",
    )
    parser.add_argument(
        "--single",
        type=int,
        default=5_000,
        help="entries appended one per transaction, first (default 5000)",
    )
    parser.add_argument(
        "--batch",
        type=int,
        default=1_000,
        help="changes per record() call and commit (default 1000)",
    )
    parser.add_argument("--skip-postgres", action="store_true", help="measure SQLite only")
    args = parser.parse_args(argv)
    if args.entries < 1 or args.single < 0 or args.batch < 1:
        parser.error("--entries and --batch must be positive, and --single not negative")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    console.print(f"[bold]Ledger benchmark[/] — {machine(LIBRARIES)}")
    body = typical_body()
    sign_rate, verify_rate = measure_floor(body)
    console.print(f"Floor: PyNaCl Ed25519 on one core, {len(body)}-byte entry body:"
                  f" sign {sign_rate:,.0f}/s, verify {verify_rate:,.0f}/s")  # fmt: skip

    measures: list[Measure] = []
    versions: dict[str, str] = {}
    failure = None
    with tempfile.TemporaryDirectory(prefix="truce-bench-") as tmp:
        for name, target in targets(args):
            workdir = Path(tmp) / name.lower()
            workdir.mkdir()
            try:
                with target(workdir) as (url, version), progress_bar() as progress:
                    versions[name] = version
                    run = Run(name, version, url, workdir, args, progress)
                    try:
                        bench_database(run, with_export=name == "SQLite")
                    finally:
                        measures.extend(run.measures)
            except BenchFailure as exc:
                failure = str(exc)
                console.print(f"[red]FAILED: {exc}")
                break

    console.print(summary(measures, versions, sign_rate, verify_rate))
    for met, line in aims(measures, verify_rate):
        console.print(f"{'[green]met' if met else '[red]NOT met'}[/]: {line}")
    console.print(f"load average at the end: {load_average()}")
    return 1 if failure else 0


if __name__ == "__main__":
    sys.exit(main())
