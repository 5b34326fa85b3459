"""How fast the ledger signs, stores and verifies, against the speed of Ed25519 itself.

One run measures, on one machine:

1. the floor: PyNaCl (libsodium) Ed25519 sign and verify rates on one core, on a typical entry body;
2. signed appends through the real path (``UnitOfWork.record`` -> ``LedgerStore.append_many``,
   real commits), one entry per transaction and in batches, on SQLite and PostgreSQL;
3. verification of the whole ledger from each database (``verify_database``) and, for SQLite, from
   an export file (``export`` + ``verify_file``), as a fraction of the single-core verify rate.

Usage: .venv/bin/python bench/ledger.py [--entries N] [--single N] [--batch N] [--skip-postgres]
"""

from __future__ import annotations

import argparse
import os
import platform
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nacl.signing
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlalchemy import text

from truce.bootstrap import Truce, bootstrap, set_up
from truce.config import Settings
from truce.domain.permissions import SYSTEM
from truce.ledger.entry import body_bytes
from truce.ledger.verify import Report
from truce.services.ledger import export, verify_database, verify_file
from truce.store.ledger_store import Change

POSTGRES_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
FLOOR_SECONDS = 2.0
AIM_APPENDS = 10_000
AIM_VERIFY_RATIO = 0.8

console = Console()


class BenchFailure(RuntimeError):
    """A measured run that did not do what it should (verification failed, entries missing)."""


# --- what gets written -------------------------------------------------------------------------


def typical_change(number: int) -> Change:
    """A status proposal like the ones the service writes; its entry body is about 400 bytes."""
    party = 1 + number % 997
    return Change("party.status_proposed", f"party:{party}", {
        "proposal_id": number, "agreement_id": 1, "party_id": party, "status": "excluded",
        "reason": f"Monitors report fire on the crossing at Wadi al-Hajar, {number} — two rounds"
                  " confirmed by the liaison on the ground; the guarantor asks for a review.",
        "proposer_state": "TR", "current_status": "included",
    })  # fmt: skip


def typical_body() -> bytes:
    """The canonical bytes of a typical entry, as the ledger signs them."""
    change = typical_change(12345)
    return body_bytes(12346, "2024-05-01T12:00:00.000000Z", "system", "0123456789abcdef",
                      change.action, change.subject, change.payload, "0" * 64)  # fmt: skip


# --- the floor ---------------------------------------------------------------------------------


def rate_of(operation: Callable[[], Any], seconds: float) -> float:
    """Calls per second of ``operation`` over about ``seconds``, in this one thread."""
    calls, started = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - started) < seconds:
        for _ in range(500):
            operation()
        calls += 500
    return calls / elapsed


def measure_floor(body: bytes) -> tuple[float, float]:
    """PyNaCl's Ed25519 sign and verify rates on ``body``, one core."""
    key = nacl.signing.SigningKey.generate()
    verify_key = key.verify_key
    signature = key.sign(body).signature
    sign_rate = rate_of(lambda: key.sign(body), FLOOR_SECONDS)
    verify_rate = rate_of(lambda: verify_key.verify(body, signature), FLOOR_SECONDS)
    return sign_rate, verify_rate


# --- one database ------------------------------------------------------------------------------


@dataclass
class Figures:
    """What one database achieved."""

    name: str
    version: str
    single: tuple[int, float] | None = None  # entries, seconds
    batched: tuple[int, float] | None = None
    verified: tuple[int, float] | None = None
    exported: tuple[int, float] | None = None
    file_verified: tuple[int, float] | None = None
    notes: list[str] = field(default_factory=list)


def per_second(measure: tuple[int, float] | None) -> float | None:
    return measure[0] / measure[1] if measure else None


def open_truce(url: str, workdir: Path) -> Truce:
    """A set-up installation on ``url`` with a fresh secret and genesis entry."""
    settings = Settings(database_url=url, secret_file=workdir / "bench.secret")
    truce = bootstrap(settings, create_secret=True)
    set_up(truce)
    return truce


def append_singly(truce: Truce, count: int, first: int, advance: Callable[[int], None]) -> float:
    """Seconds to append ``count`` entries, each in its own committed transaction."""
    started = time.perf_counter()
    for number in range(first, first + count):
        with truce.uow() as uow:
            uow.record(SYSTEM, typical_change(number))
            uow.commit()
        advance(1)
    return time.perf_counter() - started


def append_batched(
    truce: Truce, count: int, batch: int, first: int, advance: Callable[[int], None]
) -> float:
    """Seconds to append ``count`` entries, ``batch`` per ``record`` call and commit."""
    elapsed = 0.0
    for start in range(first, first + count, batch):
        # Building the changes is the caller's work, not the ledger's: keep it out of the clock.
        changes = [typical_change(n) for n in range(start, min(start + batch, first + count))]
        started = time.perf_counter()
        with truce.uow() as uow:
            uow.record(SYSTEM, *changes)
            uow.commit()
        elapsed += time.perf_counter() - started
        advance(len(changes))
    return elapsed


def checked(report: Report, expected: int, what: str) -> None:
    """Raise unless ``report`` says every one of ``expected`` entries verified."""
    if not report.ok:
        raise BenchFailure(f"{what}: verification failed: {report.failure}")
    if report.checked != expected:
        raise BenchFailure(f"{what}: verified {report.checked} entries, expected {expected}")


def timed_verify(
    progress: Progress, label: str, total: int, run: Callable[[Callable[[int], None]], Report]
) -> tuple[Report, float]:
    """Run a verification under a progress bar; the report and the seconds it took."""
    task = progress.add_task(label, total=total)
    started = time.perf_counter()
    report = run(lambda done: progress.advance(task, done))
    return report, time.perf_counter() - started


def bench_database(
    figures: Figures, url: str, workdir: Path, args: argparse.Namespace, progress: Progress
) -> None:
    """Append, verify and (with ``--export`` targets) export-verify on one database."""
    truce = open_truce(url, workdir)
    try:
        task = progress.add_task(f"{figures.name}: 1 entry per commit", total=args.single)
        seconds = append_singly(truce, args.single, 1, lambda n: progress.advance(task, n))
        figures.single = (args.single, seconds)

        task = progress.add_task(f"{figures.name}: {args.batch} per commit", total=args.entries)
        seconds = append_batched(truce, args.entries, args.batch, args.single + 1,
                                 lambda n: progress.advance(task, n))  # fmt: skip
        figures.batched = (args.entries, seconds)

        total = 1 + args.single + args.entries  # the genesis entry, then both phases
        report, seconds = timed_verify(progress, f"{figures.name}: verify_database", total,
                                       lambda tick: verify_database(truce.db, progress=tick))
        checked(report, total, f"{figures.name} verify_database")
        figures.verified = (total, seconds)

        if figures.name == "SQLite":
            bench_export(figures, truce, workdir, total, progress)
    finally:
        truce.close()


def bench_export(
    figures: Figures, truce: Truce, workdir: Path, total: int, progress: Progress
) -> None:
    """Export the ledger to a file, then verify that file with no database."""
    path = workdir / "ledger.jsonl"
    started = time.perf_counter()
    with path.open("w", encoding="utf-8") as out:
        written = export(truce.db, out)
    figures.exported = (written, time.perf_counter() - started)
    if written != total:
        raise BenchFailure(f"export wrote {written} entries, expected {total}")
    report, seconds = timed_verify(progress, f"{figures.name}: verify_file", total,
                                   lambda tick: verify_file(path, progress=tick))  # fmt: skip
    checked(report, total, "verify_file")
    figures.file_verified = (total, seconds)
    figures.notes.append(f"export file {path.stat().st_size / 1e6:.1f} MB")


# --- the databases -----------------------------------------------------------------------------


@contextmanager
def sqlite_database(workdir: Path) -> Iterator[tuple[str, str]]:
    """A fresh SQLite file: its URL and the library version."""
    yield f"sqlite:///{workdir / 'bench.db'}", sqlite3.sqlite_version


@contextmanager
def postgres_database(_workdir: Path) -> Iterator[tuple[str, str]]:
    """A fresh PostgreSQL database, dropped afterwards: its URL and the server version."""
    import psycopg

    name = f"truce_bench_{os.getpid()}"
    with psycopg.connect(POSTGRES_ADMIN, autocommit=True, connect_timeout=5) as admin:
        version = str(admin.execute("SHOW server_version").fetchone()[0])  # type: ignore[index]
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield POSTGRES_URL.format(name=name), version
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def postgres_reachable() -> str | None:
    """None when PostgreSQL answers, else why not."""
    try:
        import psycopg

        with psycopg.connect(POSTGRES_ADMIN, autocommit=True, connect_timeout=5):
            return None
    except Exception as exc:  # any failure to connect means: skip, and say why
        return f"{type(exc).__name__}: {exc}".strip()


# --- reporting ---------------------------------------------------------------------------------


def rate_text(measure: tuple[int, float] | None) -> str:
    rate = per_second(measure)
    if rate is None or measure is None:
        return "—"
    return f"{rate:,.0f}/s  ({measure[0]:,} in {measure[1]:.2f} s)"


def ratio_text(measure: tuple[int, float] | None, verify_floor: float) -> str:
    rate = per_second(measure)
    return "—" if rate is None else f"{rate / verify_floor:.2f}×"


def summary(
    results: list[Figures], sign_rate: float, verify_rate: float, args: argparse.Namespace
) -> Table:
    table = Table(title="Ledger benchmark", show_lines=True)
    table.add_column("measure")
    for figures in results:
        table.add_column(f"{figures.name} {figures.version}")
    rows: list[tuple[str, Callable[[Figures], str]]] = [
        ("appends, 1 per commit", lambda f: rate_text(f.single)),
        (f"appends, {args.batch} per commit", lambda f: rate_text(f.batched)),
        ("verify_database", lambda f: rate_text(f.verified)),
        ("  ÷ raw verify rate", lambda f: ratio_text(f.verified, verify_rate)),
        ("export", lambda f: rate_text(f.exported)),
        ("verify_file", lambda f: rate_text(f.file_verified)),
        ("  ÷ raw verify rate", lambda f: ratio_text(f.file_verified, verify_rate)),
        ("notes", lambda f: "; ".join(f.notes) or ""),
    ]
    for label, cell in rows:
        table.add_row(label, *(cell(f) for f in results))
    table.caption = (
        f"floor (PyNaCl Ed25519, one core, {len(typical_body())}-byte body): "
        f"sign {sign_rate:,.0f}/s, verify {verify_rate:,.0f}/s"
    )
    return table


def aims_met(results: list[Figures], verify_rate: float) -> list[str]:
    """One line per aim, saying whether it was met."""
    lines = []
    for figures in results:
        batched = per_second(figures.batched) or 0.0
        mark = "met" if batched >= AIM_APPENDS else "NOT met"
        lines.append(f"{figures.name}: batched appends {batched:,.0f}/s "
                     f"(aim ≥ {AIM_APPENDS:,}/s, {mark})")  # fmt: skip
        for label, measure in (("verify_database", figures.verified),
                               ("verify_file", figures.file_verified)):  # fmt: skip
            rate = per_second(measure)
            if rate is not None:
                ratio = rate / verify_rate
                mark = "met" if ratio >= AIM_VERIFY_RATIO else "NOT met"
                lines.append(f"{figures.name}: {label} {ratio:.2f}× the raw verify rate "
                             f"(aim ≥ {AIM_VERIFY_RATIO}×, {mark})")  # fmt: skip
    return lines


# --- main --------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--entries", type=int, default=100_000,
                        help="entries appended in batches, then verified (default 100000)")
    parser.add_argument("--single", type=int, default=5_000,
                        help="entries appended one per transaction first (default 5000)")
    parser.add_argument("--batch", type=int, default=1_000,
                        help="changes per record() call and commit (default 1000)")
    parser.add_argument("--skip-postgres", action="store_true", help="measure SQLite only")
    args = parser.parse_args(argv)
    if args.entries < 1 or args.single < 0 or args.batch < 1:
        parser.error("--entries and --batch must be positive, --single not negative")
    return args


def machine() -> str:
    return (f"{os.cpu_count()} cores, Python {platform.python_version()}, "
            f"{platform.system()} {platform.machine()}")  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    console.print(f"[bold]Ledger benchmark[/] — {machine()}")
    body = typical_body()
    sign_rate, verify_rate = measure_floor(body)
    console.print(f"Floor, PyNaCl Ed25519 on one core, {len(body)}-byte body: "
                  f"sign {sign_rate:,.0f}/s, verify {verify_rate:,.0f}/s")  # fmt: skip

    targets: list[tuple[str, Callable[[Path], Any]]] = [("SQLite", sqlite_database)]
    if args.skip_postgres:
        console.print("PostgreSQL: skipped (--skip-postgres)")
    elif (why := postgres_reachable()) is not None:
        console.print(f"[yellow]PostgreSQL: unreachable at {POSTGRES_ADMIN}, skipped ({why})[/]")
    else:
        targets.append(("PostgreSQL", postgres_database))

    results: list[Figures] = []
    failed = None
    with tempfile.TemporaryDirectory(prefix="truce-bench-") as tmp:
        for name, make in targets:
            workdir = Path(tmp) / name.lower()
            workdir.mkdir()
            try:
                with make(workdir) as (url, version), progress_bar() as progress:
                    figures = Figures(name, version)
                    results.append(figures)
                    bench_database(figures, url, workdir, args, progress)
            except BenchFailure as exc:
                failed = str(exc)
                console.print(f"[red]FAILED: {exc}[/]")
                break

    console.print(summary(results, sign_rate, verify_rate, args))
    for line in aims_met(results, verify_rate):
        console.print(line)
    return 1 if failed else 0


def progress_bar() -> Progress:
    return Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        console=console,
    )  # fmt: skip


if __name__ == "__main__":
    sys.exit(main())
