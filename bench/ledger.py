"""How fast the ledger signs, stores and verifies, against the speed of Ed25519 itself.

One run measures, on this machine:

1. the floor: PyNaCl (libsodium) Ed25519 sign and verify rates on one core, on a typical entry;
2. signed appends through the real path (``UnitOfWork.record`` -> ``LedgerStore.append_many``,
   real commits), one entry per transaction and in batches, on SQLite and PostgreSQL;
3. verification of the whole ledger from each database (``verify_database``) and, for SQLite,
   from an export file (``export`` + ``verify_file``), as a multiple of the one-core verify rate;
4. the same appends on a second fresh database with the Merkle tree's writes switched off
   (``MerkleStore.grow`` a no-op), to give appends with the tree as a share of appends without;
5. inclusion and consistency proofs at 1,000,000 leaves: the node table is filled directly (the
   complete subtrees of 1,000,000 leaf hashes, bulk-inserted: appending 1,000,000 signed entries
   would take minutes and measure appends again), then random proofs are read through
   ``MerkleStore`` in one read transaction, timed one by one (p50, p99), each checked against
   the root with ``verify_inclusion``/``verify_consistency``.

6. a witness mirror's first sync (``truce mirror`` 's ``sync_once``) of a SQLite server's
   ledger of ``--mirror-entries`` entries (parties created through the service, the rest typical
   entries of an action no table replays), served by ``truce serve`` in its own process on
   127.0.0.1: fetching the pages, verifying every entry, storing it with the tree, replaying it
   into the replayed tables and posting the cosignature, as entries per second against the
   one-core Ed25519 verify rate of step 1 (the aim: ≥ 0.8 × it); then a later sync of
   ``MIRROR_NEW`` new entries, which should cost what they cost, not what the mirror holds.

Usage: .venv/bin/python bench/ledger.py [--entries N] [--single N] [--batch N]
       [--proof-leaves N] [--proofs N] [--mirror-entries N] [--skip-postgres]
"""

from __future__ import annotations

import argparse
import hashlib
import random
import resource
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any

import nacl.signing
from rich.progress import Progress
from rich.table import Table
from shared import (
    CpuWatch,
    console,
    load_average,
    machine,
    postgres_wanted,
    process_cpu,
    progress_bar,
)
from shared import postgres_database as fresh_postgres
from sqlalchemy import text

from truce.bootstrap import Truce, bootstrap, set_up
from truce.config import Settings
from truce.domain.permissions import SYSTEM
from truce.ledger.entry import body_bytes
from truce.ledger.merkle import Frontier, verify_consistency, verify_inclusion
from truce.ledger.verify import Report
from truce.services.ledger import export, verify_database, verify_file
from truce.store.ledger_store import Change
from truce.store.merkle_store import MerkleStore

FLOOR_SECONDS = 3.0
AIM_APPENDS = 10_000  # signed appends per second, SQLite, batched
AIM_VERIFY = 0.8  # verified entries per second, as a multiple of the one-core verify rate
AIM_TREE = 0.9  # appends with the Merkle tree kept, as a share of appends without it
AIM_PROOF_P99_MS = 1.0  # an inclusion proof at 1,000,000 entries, 99th percentile
AIM_MIRROR = 0.8  # mirror sync (verified and replayed entries/s), × the one-core verify rate
NO_TREE = " (no tree)"
MIRROR_NEW = 1_000  # entries new at the mirror's second sync
WARM_UP = 50  # proofs read first and not counted: the caches fill
LIBRARIES = ("PyNaCl", "SQLAlchemy", "psycopg")


Counted = tuple[float, float]  # wall-clock and CPU seconds


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
    cpu_seconds: float = 0.0  # this process's CPU time (on PostgreSQL, not the server's)

    @property
    def rate(self) -> float:
        return self.entries / self.seconds

    @property
    def cpu_rate(self) -> float:
        return self.entries / self.cpu_seconds if self.cpu_seconds else 0.0


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

    def timed(
        self, kind: str, label: str, entries: int, work: Callable[[], Counted | None]
    ) -> None:
        """Run ``work``; it may return the (wall, CPU) seconds to count, else the whole call
        counts."""
        watch = CpuWatch()
        started, cpu_started = time.perf_counter(), time.process_time()
        counted = work()
        seconds, cpu = counted or (time.perf_counter() - started, time.process_time() - cpu_started)
        self.measures.append(
            Measure(self.database, kind, label, entries, seconds, watch.other_cores(), cpu)
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
) -> Counted:
    """Wall and CPU seconds spent appending ``count`` entries, ``batch`` per ``record`` call
    and commit."""
    elapsed = cpu = 0.0
    for start in range(first, first + count, batch):
        # Making up the changes is the caller's work, not the ledger's: keep it off the clock.
        changes = [typical_change(n) for n in range(start, min(start + batch, first + count))]
        started, cpu_started = time.perf_counter(), time.process_time()
        with truce.uow() as uow:
            uow.record(SYSTEM, *changes)
            uow.commit()
        elapsed += time.perf_counter() - started
        cpu += time.process_time() - cpu_started
        advance(len(changes))
    return elapsed, cpu


def must_verify(report: Report, expected: int, what: str) -> None:
    """Raise unless ``report`` says all ``expected`` entries verified."""
    if not report.ok:
        raise BenchFailure(f"{what}: verification failed: {report.failure}")
    if report.checked != expected:
        raise BenchFailure(f"{what}: verified {report.checked} entries, expected {expected}")


@contextmanager
def tree_switched_off() -> Iterator[None]:
    """Appends that write no Merkle nodes: what the ledger cost before the tree."""
    grow = MerkleStore.grow
    MerkleStore.grow = lambda self, size, entry_hashes: None  # type: ignore[method-assign]
    try:
        yield
    finally:
        MerkleStore.grow = grow  # type: ignore[method-assign]


def bench_appends(run: Run, truce: Truce) -> None:
    """Append one by one, then in batches."""
    args = run.args
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


def bench_turns(run: Run, target: Target) -> None:
    """``bench_tree_cost`` on ``run``'s database and a second fresh one without the tree."""
    other = run.workdir / "without"
    other.mkdir()
    with target(other) as (other_url, _):
        kept = open_truce(run.url, run.workdir)
        with tree_switched_off():
            without = open_truce(other_url, other)
        try:
            bench_tree_cost(run, kept, without)
        finally:
            kept.close()
            without.close()


def bench_tree_cost(run: Run, kept: Truce, without: Truce) -> None:
    """Appends with the tree (``kept``) and without (``without``, a second fresh database),
    taking turns a few entries at a time, so that both sides see the same load on a shared
    machine; the sums give each side's rate."""
    args = run.args
    totals = {(kind, side): [0.0, 0.0] for kind in ("single", "batched") for side in (0, 1)}
    rounds = 20
    single_turn = max(1, args.single // rounds)
    batch_turn = max(1, args.entries // rounds)
    tick = run.bar("with and without the tree, by turns", 2 * rounds * (single_turn + batch_turn))
    first = 1
    for _ in range(rounds):
        for side, truce in enumerate((kept, without)):
            with tree_switched_off() if side else nullcontext():
                if args.single:
                    started, cpu = time.perf_counter(), time.process_time()
                    append_singly(truce, single_turn, first, tick)
                    totals["single", side][0] += time.perf_counter() - started
                    totals["single", side][1] += time.process_time() - cpu
                wall, cpu = append_batched(truce, batch_turn, args.batch, first + single_turn, tick)
                totals["batched", side][0] += wall
                totals["batched", side][1] += cpu
        first += single_turn + batch_turn
    for (kind, side), (wall, cpu) in totals.items():
        if kind == "single" and not args.single:
            continue
        count = rounds * (single_turn if kind == "single" else batch_turn)
        label = "append, 1 per commit" if kind == "single" else f"append, {args.batch:,} per commit"
        database = run.database + (NO_TREE if side else "")
        run.measures.append(Measure(database, kind, label, count, wall, None, cpu))


def bench_database(run: Run, *, with_export: bool) -> None:
    """Append one by one, then in batches; verify it all; export it and verify the file."""
    args = run.args
    total = 1 + args.single + args.entries  # the genesis entry, then both append phases
    truce = open_truce(run.url, run.workdir)
    try:
        bench_appends(run, truce)
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


# --- proofs at a million leaves ----------------------------------------------------------------


@dataclass
class ProofTimes:
    """The seconds each proof took, one by one."""

    database: str
    kind: str  # "inclusion" or "consistency"
    leaves: int
    seconds: list[float]
    cpu: list[float]  # this thread's CPU time for each (on PostgreSQL, not the server's)

    def percentile(self, share: float, of: list[float] | None = None) -> float:
        """The time (in ms) that ``share`` of the proofs took at most."""
        ordered = sorted(self.seconds if of is None else of)
        return ordered[min(len(ordered) - 1, int(share * len(ordered)))] * 1000


def leaf_hashes(count: int) -> Iterator[bytes]:
    """``count`` distinct 32-byte leaves, as entry hashes are."""
    for number in range(count):
        yield hashlib.sha256(number.to_bytes(8, "big")).digest()


def fill_tree(truce: Truce, leaves: int, advance: Callable[[int], None]) -> bytes:
    """Write the complete subtrees of ``leaves`` leaf hashes straight into the node table (as
    appends would have, without the entries); the root."""
    frontier = Frontier()
    chunk = 50_000
    with truce.db.writer_engine.begin() as conn:
        conn.execute(text("DELETE FROM merkle_nodes"))
        postgres = conn.dialect.name == "postgresql"
        copy_from = "COPY merkle_nodes (level, idx, hash) FROM STDIN"
        source = leaf_hashes(leaves)
        for start in range(0, leaves, chunk):
            rows = [node for leaf in islice(source, chunk) for node in frontier.append(leaf)]
            if postgres:  # COPY: ten times executemany's speed, and this is set-up, not measure
                cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
                with cursor.copy(copy_from) as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                conn.execute(text("INSERT INTO merkle_nodes (level, idx, hash) VALUES"
                                  " (:level, :idx, :hash)"),
                             [{"level": a, "idx": b, "hash": c} for a, b, c in rows])  # fmt: skip
            advance(min(chunk, leaves - start))
    if postgres:
        with truce.db.writer_engine.begin() as conn:
            conn.execute(text("ANALYZE merkle_nodes"))
    return frontier.root()


def bench_proofs(run: Run, truce: Truce) -> list[ProofTimes]:
    """Random inclusion and consistency proofs at ``--proof-leaves``, each timed and checked."""
    leaves, samples = run.args.proof_leaves, run.args.proofs
    expected_root = fill_tree(truce, leaves, run.bar(f"{leaves:,} leaves' nodes", leaves))
    rng = random.Random(2016)
    inclusion: list[Counted] = []
    consistency: list[Counted] = []
    tick = run.bar("proofs", 2 * samples)
    with truce.uow(write=False) as uow:
        tree = uow.ledger.tree
        if tree.root(leaves) != expected_root:
            raise BenchFailure("the stored tree's root is not the one its leaves make")
        for number in range(samples + WARM_UP):
            seq = rng.randint(1, leaves)
            started, cpu_started = time.perf_counter(), time.thread_time()
            leaf, path = tree.inclusion_and_leaf(seq, leaves)
            elapsed = time.perf_counter() - started, time.thread_time() - cpu_started
            if not verify_inclusion(seq - 1, leaves, leaf, path, expected_root):
                raise BenchFailure(f"the inclusion proof of {seq} does not verify")
            if number >= WARM_UP:
                inclusion.append(elapsed)
                tick(1)
        for number in range(samples + WARM_UP):
            old = rng.randint(1, leaves - 1)
            started, cpu_started = time.perf_counter(), time.thread_time()
            path = tree.consistency(old, leaves)
            elapsed = time.perf_counter() - started, time.thread_time() - cpu_started
            old_root = tree.root(old)  # what the verifier holds already: not timed
            if not verify_consistency(old, leaves, old_root, expected_root, path):
                raise BenchFailure(f"the consistency proof from {old} does not verify")
            if number >= WARM_UP:
                consistency.append(elapsed)
                tick(1)
    return [
        ProofTimes(run.database, kind, leaves, [t[0] for t in times], [t[1] for t in times])
        for kind, times in (("inclusion", inclusion), ("consistency", consistency))
    ]


# --- a witness mirror ------------------------------------------------------------------------


def mirror_server(workdir: Path, entries: int) -> tuple[str, str, Path]:
    """A SQLite server's ledger of about ``entries`` entries with a signed checkpoint, a US
    guarantor with a registered witness key: the database URL, the guarantor's token, the key."""
    from truce.cli.witness import WitnessKey
    from truce.domain.agreement import State
    from truce.domain.permissions import Role
    from truce.ledger.note import VerifierKey
    from truce.services import agreements, checkpoints, parties, users
    from truce.services.checkpoints import CheckpointPolicy

    url = f"sqlite:///{workdir / 'server.db'}"
    truce = open_truce(url, workdir)
    try:
        with truce.uow() as uow:
            agreements.add_state(State("US", "United States"), uow, actor=SYSTEM)
            view = users.add_user(users.NewUser("us-ops", Role.GUARANTOR, None, state="US"),
                                  uow, actor=SYSTEM)  # fmt: skip
        with truce.uow(write=False) as uow:
            guarantor = users.actor_of(uow.users.by_name("us-ops"))
        key = WitnessKey("us.example/bench-mirror", nacl.signing.SigningKey.generate().encode())
        key_file = workdir / "witness.key"
        key_file.write_text(key.encode() + "\n", encoding="ascii")
        with truce.uow() as uow:
            vkey = VerifierKey.parse(key.public.encode()).encode()
            checkpoints.register_witness(checkpoints.RegisterWitness(view.id, vkey), uow,
                                         actor=guarantor)  # fmt: skip
            token = users.issue_token("bench", uow, actor=guarantor)
        # A share of real, replayed changes; the rest typical entries no table replays.
        party_count = max(1, entries // 100)
        with truce.uow() as uow, uow.batch():
            for n in range(party_count):
                # Each digit then its place: folding collapses repeated characters.
                letters = "".join(f"{d}{chr(ord('a') + i)}" for i, d in enumerate(str(n)))
                parties.create_party(parties.NewParty(f"Bench party {letters}", side="opposition",
                                                      aliases=((f"BP {letters}", "en"),)),
                                     uow, actor=SYSTEM)  # fmt: skip
            uow.commit()
        with truce.uow() as uow:
            head = uow.ledger.head()[0]
        filler = max(0, entries - head)
        for start in range(0, filler, 1000):
            with truce.uow() as uow:
                batch = range(start, min(start + 1000, filler))
                uow.record(SYSTEM, *(Change("bench.typical", f"bench:{n}",
                                            typical_change(n).payload) for n in batch))  # fmt: skip
                uow.commit()
        with truce.uow() as uow:
            checkpoints.sign_due(uow, CheckpointPolicy(), force=True)
    finally:
        truce.close()
    return url, token, key_file


@dataclass(frozen=True)
class MirrorSync:
    """A mirror's first sync, with the one-core verify rate measured just before it (the load
    of a shared machine moves within a run) and what the server's process spent."""

    measure: Measure
    verify_rate: float
    server_cpu: float
    workers_cpu: float  # the mirror's signature-checking processes (reaped when they finish)
    incremental: Counted  # a later sync of MIRROR_NEW entries


def bench_mirror(workdir: Path, entries: int) -> MirrorSync:
    """A mirror's first sync of a served ledger: entries per second, wall and this process."""
    import os
    import socket
    import subprocess
    import urllib.request

    from truce.cli import mirror as mirror_cli

    console.print(f"Mirror: building a served ledger of {entries:,} entries …")
    url, token, key_file = mirror_server(workdir, entries)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "TRUCE_SECRET_FILE": str(workdir / "bench.secret"),
           "TRUCE_LOG_LEVEL": "warning"}  # fmt: skip
    server = subprocess.Popen(  # the server in its own process, as it would be on its machine
        [sys.executable, "-c", "from truce.cli import app; app()", "serve", "--db", url,
         "--host", "127.0.0.1", "--port", str(port)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"{base}/api/v1/ledger/head", timeout=2):
                    break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise BenchFailure("the bench's server did not start") from None
                time.sleep(0.1)
        state_file = workdir / "mirror" / "mirror.json"
        mirror_db = str(workdir / "mirror" / "mirror.db")
        made = mirror_cli.MirrorServer(base, token)
        mirror_cli.mirror.prepare(mirror_cli.Database(mirror_db))
        log_key = str(made.checkpoint()["log_key"])
        state = mirror_cli.MirrorState(base, "us-ops", str(key_file), mirror_db, log_key)
        state.write(state_file)
        witness_key = mirror_cli.WitnessKey.read(key_file)
        _, verify_now = measure_floor(typical_body())
        watch, server_started = CpuWatch(ours=[server.pid]), process_cpu(server.pid)
        children = resource.getrusage(resource.RUSAGE_CHILDREN)  # the server is not reaped yet
        started, cpu_started = time.perf_counter(), time.process_time()
        done = mirror_cli.sync_once(made, witness_key, state_file, state)
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu_started
        reaped = resource.getrusage(resource.RUSAGE_CHILDREN)
        workers_cpu = (reaped.ru_utime + reaped.ru_stime) - (children.ru_utime + children.ru_stime)
        server_cpu, others = process_cpu(server.pid) - server_started, watch.other_cores()
        synced = int(done.split("checkpoint ")[1].split(" ")[0])
        if not state.posted or "mirrored and cosigned" not in done:
            raise BenchFailure(f"the mirror did not sync: {done}")
        console.print(f"Mirror: {done}")
        incremental = bench_mirror_again(workdir, url, made, witness_key, state_file, state)
    finally:
        server.terminate()
        server.wait(timeout=30)
    measure = Measure("SQLite", "mirror", "mirror sync", synced, seconds, others, cpu)
    return MirrorSync(measure, verify_now, server_cpu, workers_cpu, incremental)


def bench_mirror_again(
    workdir: Path, url: str, server: Any, key: Any, state_file: Path, state: Any
) -> Counted:
    """A later sync of a few new entries, with the first sync's held: wall and CPU seconds
    (the mirror resumes its verifier's state and applies only the new entries' changes, so this
    should not grow with what it holds)."""
    from truce.cli import mirror as mirror_cli
    from truce.services import checkpoints
    from truce.services.checkpoints import CheckpointPolicy

    truce = open_truce(url, workdir)
    try:
        with truce.uow() as uow:
            new = [Change("bench.typical", f"bench:new:{n}", typical_change(n).payload)
                   for n in range(MIRROR_NEW)]  # fmt: skip
            uow.record(SYSTEM, *new)
            uow.commit()
        with truce.uow() as uow:
            checkpoints.sign_due(uow, CheckpointPolicy(), force=True)
    finally:
        truce.close()
    started, cpu_started = time.perf_counter(), time.process_time()
    done = mirror_cli.sync_once(server, key, state_file, state)
    counted = time.perf_counter() - started, time.process_time() - cpu_started
    if "mirrored and cosigned" not in done:
        raise BenchFailure(f"the mirror did not sync again: {done}")
    return counted


# --- the databases -----------------------------------------------------------------------------


@contextmanager
def sqlite_database(workdir: Path) -> Iterator[tuple[str, str]]:
    """A fresh SQLite file: its URL and the SQLite library's version."""
    yield f"sqlite:///{workdir / 'bench.db'}", sqlite3.sqlite_version


@contextmanager
def postgres_database(workdir: Path) -> Iterator[tuple[str, str]]:
    """A fresh PostgreSQL database, dropped afterwards: its URL and the server's version."""
    with fresh_postgres(suffix="_" + workdir.name.replace("-", "_")) as found:
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
    for name in ("measure", "entries", "seconds", "rate", "÷ floor", "others", "per CPU s"):
        table.add_column(name, justify="left" if name == "measure" else "right")
    table.add_row("Ed25519 sign, 1 core", "", "", f"{sign_rate:,.0f}", "", "", "")
    table.add_row("Ed25519 verify, 1 core", "", "", f"{verify_rate:,.0f}", "", "", "")
    floors = {"single": sign_rate, "batched": sign_rate, "verify": verify_rate}
    for database, version in versions.items():
        table.add_section()
        table.add_row(f"[bold]{database} {version}", "", "", "", "", "", "")
        for m in (m for m in measures if m.database == database):
            floor = floors.get(m.kind)
            table.add_row(
                f"  {m.label}", f"{m.entries:,}", f"{m.seconds:.2f}", f"{m.rate:,.0f}",
                f"{m.rate / floor:.2f}" if floor else "",
                "?" if m.other_cores is None else f"{m.other_cores:.2f}",
                f"{m.cpu_rate:,.0f}" if m.kind in ("single", "batched") else "",
            )  # fmt: skip
    table.caption = (
        "÷ floor: appends over the sign rate, verification over the verify rate."
        " others: cores that other processes (on PostgreSQL, including the server) kept busy."
        " per CPU s: appends per second of this process's CPU (less sensitive to a busy"
        " machine; on PostgreSQL the server's work is not in it)."
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
    return found + tree_aims(measures)


def tree_aims(measures: list[Measure]) -> list[tuple[bool, str]]:
    """Appends with the tree over appends without it, per database and kind."""
    kept = {(m.database, m.kind): m for m in measures if m.kind in ("single", "batched")}
    found = []
    for (database, kind), m in kept.items():
        without = kept.get((database + NO_TREE, kind))
        if without is None or database.endswith(NO_TREE):
            continue
        ratio = m.rate / without.rate
        cpu = m.cpu_rate / without.cpu_rate if without.cpu_rate else 0.0
        line = (f"{database} appends ({kind}) with the tree: {ratio:.2f}× without it"
                f" (this process's CPU: {cpu:.2f}×)")  # fmt: skip
        found.append((ratio >= AIM_TREE, f"{line}; aim ≥ {AIM_TREE}×"))
    return found


def proof_summary(proofs: list[ProofTimes]) -> Table:
    table = Table(title="Merkle proofs from the node table (ms per proof)")
    columns = ("database", "proof", "leaves", "proofs", "p50", "p99", "max", "CPU p50", "CPU p99")
    for name in columns:
        table.add_column(name, justify="left" if name in ("database", "proof") else "right")
    for p in proofs:
        table.add_row(p.database, p.kind, f"{p.leaves:,}", f"{len(p.seconds):,}",
                      f"{p.percentile(0.5):.3f}", f"{p.percentile(0.99):.3f}",
                      f"{max(p.seconds) * 1000:.3f}", f"{p.percentile(0.5, p.cpu):.3f}",
                      f"{p.percentile(0.99, p.cpu):.3f}")  # fmt: skip
    table.caption = (
        "inclusion: the audit path and the leaf hash; consistency: the path; each one query."
        " One read transaction; the first 50 of each not counted. CPU: this"
        " thread's (on PostgreSQL the server's work is not in it)."
    )
    return table


def proof_aims(proofs: list[ProofTimes]) -> list[tuple[bool, str]]:
    return [(p.percentile(0.99) < AIM_PROOF_P99_MS,
             f"{p.database} inclusion proof at {p.leaves:,} leaves: p99"
             f" {p.percentile(0.99):.3f} ms (CPU {p.percentile(0.99, p.cpu):.3f} ms);"
             f" aim < {AIM_PROOF_P99_MS} ms")
            for p in proofs if p.kind == "inclusion"]  # fmt: skip


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
    parser.add_argument(
        "--proof-leaves",
        type=int,
        default=1_000_000,
        help="leaves of the tree proofs are read from; 0 skips the proofs (default 1000000)",
    )
    parser.add_argument(
        "--proofs", type=int, default=2_000, help="proofs of each kind timed (default 2000)"
    )
    parser.add_argument(
        "--mirror-entries",
        type=int,
        default=20_000,
        help="entries a mirror syncs from a served SQLite ledger; 0 skips it (default 20000)",
    )
    parser.add_argument("--skip-postgres", action="store_true", help="measure SQLite only")
    args = parser.parse_args(argv)
    if args.entries < 1 or args.single < 0 or args.batch < 1:
        parser.error("--entries and --batch must be positive, and --single not negative")
    if args.proof_leaves < 0 or (args.proof_leaves and (args.proof_leaves < 2 or args.proofs < 1)):
        parser.error("--proof-leaves is 0 or at least 2, and --proofs positive")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    console.print(f"[bold]Ledger benchmark[/] — {machine(LIBRARIES)}")
    body = typical_body()
    sign_rate, verify_rate = measure_floor(body)
    console.print(f"Floor: PyNaCl Ed25519 on one core, {len(body)}-byte entry body:"
                  f" sign {sign_rate:,.0f}/s, verify {verify_rate:,.0f}/s")  # fmt: skip

    measures: list[Measure] = []
    proofs: list[ProofTimes] = []
    versions: dict[str, str] = {}
    failure = None
    with tempfile.TemporaryDirectory(prefix="truce-bench-") as tmp:
        for name, target in targets(args):
            try:
                for phase in ("tree", "turns", "proofs"):
                    if phase == "proofs" and not args.proof_leaves:
                        continue
                    workdir = Path(tmp) / f"{name.lower()}-{phase}"
                    workdir.mkdir()
                    with target(workdir) as (url, version), progress_bar() as progress:
                        label = f"{name} by turns" if phase == "turns" else name
                        run = Run(label, version, url, workdir, args, progress)
                        if phase == "tree":
                            versions[name] = version
                            try:
                                bench_database(run, with_export=name == "SQLite")
                            finally:
                                measures.extend(run.measures)
                        elif phase == "turns":
                            versions[label] = versions[label + NO_TREE] = version
                            try:
                                bench_turns(run, target)
                            finally:
                                measures.extend(run.measures)
                        else:
                            truce = open_truce(url, workdir)
                            try:
                                proofs.extend(bench_proofs(run, truce))
                            finally:
                                truce.close()
            except BenchFailure as exc:
                failure = str(exc)
                console.print(f"[red]FAILED: {exc}")
                break

    console.print(summary(measures, versions, sign_rate, verify_rate))
    if proofs:
        console.print(proof_summary(proofs))
    for met, line in aims(measures, verify_rate) + proof_aims(proofs):
        console.print(f"{'[green]met' if met else '[red]NOT met'}[/]: {line}")
    if args.mirror_entries and not failure:
        with tempfile.TemporaryDirectory(prefix="truce-bench-mirror-") as tmp:
            mirrored = bench_mirror(Path(tmp), args.mirror_entries)
        synced, verify_now = mirrored.measure, mirrored.verify_rate
        ratio = synced.rate / verify_now
        others = "?" if synced.other_cores is None else f"{synced.other_cores:.2f}"
        console.print(f"{'[green]met' if ratio >= AIM_MIRROR else '[red]NOT met'}[/]: mirror sync"
                      f" aim: {synced.entries:,} entries verified and replayed in"
                      f" {synced.seconds:.2f} s = {synced.rate:,.0f} entries/s; one-core Ed25519"
                      f" verify just before it {verify_now:,.0f}/s (step 1: {verify_rate:,.0f}/s):"
                      f" {ratio:.2f}×; aim ≥ {AIM_MIRROR}×")  # fmt: skip
        mirror_cpu = synced.cpu_seconds + mirrored.workers_cpu
        console.print(f"  CPU: mirror process {synced.cpu_seconds:.2f} s, its verify workers"
                      f" {mirrored.workers_cpu:.2f} s ({synced.entries / mirror_cpu:,.0f} entries"
                      f" per mirror CPU-second: {synced.entries / mirror_cpu / verify_now:.2f}× the"
                      f" verify rate), server process {mirrored.server_cpu:.2f} s; other"
                      f" processes kept {others} cores busy")  # fmt: skip
        wall, cpu = mirrored.incremental
        console.print(f"  a later sync of {MIRROR_NEW:,} new entries with {synced.entries:,} held:"
                      f" {wall:.2f} s ({cpu:.2f} s CPU: {cpu / MIRROR_NEW * 1e6:,.0f} µs per new"
                      " entry)")  # fmt: skip
    else:
        console.print(f"mirror sync aim: ≥ {AIM_MIRROR} × the one-core verify rate ="
                      f" {AIM_MIRROR * verify_rate:,.0f} entries/s (not measured)")  # fmt: skip
    console.print(f"load average at the end: {load_average()}")
    return 1 if failure else 0


if __name__ == "__main__":
    sys.exit(main())
