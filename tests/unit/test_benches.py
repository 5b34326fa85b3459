"""The benchmarks still run: each script on a few thousand rows of the real UCDP month, so that
a change of a service's signature cannot leave `make bench-*` broken unnoticed (the figures
themselves are measured by hand: docs/benchmarks.md)."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest

from tests.helpers import ROOT, UCDP_GED, shared_file

GED = shared_file(*UCDP_GED)  # the benchmarks replicate the whole real file


def run(*args: str, missed_aim: int | None = None) -> str:
    """The script's output; it must exit 0, or ``missed_aim`` (the exit code a bench gives when
    its figures fall short of the issue's aim: a result, not a crash)."""
    done = subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        env={"PATH": "/usr/bin:/bin", "COLUMNS": "200", "PYTHONPATH": str(ROOT / "src")},
    )
    assert done.returncode in (0, missed_aim), done.stdout[-2000:] + done.stderr[-4000:]
    assert "Traceback" not in done.stderr
    return done.stdout


@pytest.mark.skipif(shutil.which("sqlite3") is None, reason="the floor needs the sqlite3 shell")
def test_the_import_bench_runs_and_prints_both_speeds() -> None:
    out = run("bench/ingest.py", "--rows", "2000", "--csv", str(GED))
    assert "ratio" in out.lower() and "2,000" in out


def test_the_linking_bench_runs_and_prints_its_scores() -> None:
    out = run(
        "bench/dedup.py", "--reports", "2000", "--new", "100", "--csv", str(GED), missed_aim=1
    )
    assert "precision" in out and "incremental" in out


def test_the_reports_bench_runs_and_prints_the_daily_bulletins_time() -> None:
    out = run(
        "bench/reports.py", "--incidents", "3000", "--repeat", "1", "--skip-postgres",
        "--csv", str(GED), missed_aim=1,
    )  # fmt: skip
    assert "3,000 incidents" in out and "daily, busiest" in out


def test_the_ledger_bench_runs_with_and_without_the_tree_and_times_proofs() -> None:
    out = run(
        "bench/ledger.py", "--entries", "300", "--single", "20", "--batch", "100",
        "--proof-leaves", "3000", "--proofs", "60", "--mirror-entries", "1500", "--skip-postgres",
    )  # fmt: skip
    assert "SQLite by turns (no tree)" in out and "with the tree:" in out
    assert "inclusion proof at 3,000 leaves: p99" in out
    assert "mirror sync aim: 1,500 entries verified and replayed" in out
    assert "a later sync of 1,000 new entries with 1,500 held" in out and "per new entry" in out
