"""How fast report files import, against the floor: the same CSV loaded by the sqlite3 shell.

1. **The file.** N rows (1,000,000 by default) made by replicating the real UCDP GED Syria file
   (``../shared/data/ucdp-ged-syria/``, or ``--csv``; nothing of it is copied into the
   project): each replica gets fresh ids, its points jittered by up to 0.01° (about a
   kilometre) and its days shifted by up to three, so that no row is a duplicate of another.
2. **Truce.** ``truce.services.imports.import_file`` on a fresh SQLite database holding the
   2016 scenario: every row read, checked, placed (its district from the point), its sides
   matched to registry parties, digested, and stored in batches of 2,000, each committed with
   a signed ledger entry. Timed from the call to its return.
3. **The floor.** The same CSV loaded into a bare table by the ``sqlite3`` shell's ``.import``
   (no types, no checks, no index): the speed of writing the file's values into SQLite at all.

It prints rows per second for both and their ratio (aim: at least 0.5), with the CPU that
other processes used meanwhile (the figures mean little on a busy machine).

Usage: .venv/bin/python bench/ingest.py [--rows 1000000] [--csv PATH] [--keep DIR]
"""

from __future__ import annotations

import argparse
import csv
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import numpy as np
from rich.table import Table
from shared import CpuWatch, console, machine

from truce.bootstrap import bootstrap, set_up
from truce.config import Settings
from truce.domain.permissions import SYSTEM
from truce.services import scenario
from truce.services.imports import ImportFile, import_file

ROOT = Path(__file__).resolve().parents[1]
SHARED = ("shared", "data", "ucdp-ged-syria", "ged_syria_2016_2019.csv")
LIBRARIES = ("truce", "sqlalchemy", "rapidfuzz", "shapely")
JITTER_DEGREES = 0.01
SHIFT_DAYS = 3
ID_STRIDE = 10_000_000  # replica k's ids are k * ID_STRIDE + UCDP's id


def real_file(given: Path | None) -> Path:
    if given is not None:
        return given
    for base in (ROOT.parent, ROOT.parent.parent):  # beside the checkout, or above wt/
        if base.joinpath(*SHARED).is_file():
            return base.joinpath(*SHARED)
    sys.exit("The UCDP GED Syria file is not in ../shared/data/ucdp-ged-syria/: give --csv.")


def build(source: Path, target: Path, rows: int, seed: int = 7) -> int:
    """Write ``rows`` rows replicating ``source``; returns how many were written."""
    with source.open(encoding="utf-8", newline="") as stream:
        reader = csv.reader(stream)
        header = next(reader)
        real = list(reader)
    col = {name: i for i, name in enumerate(header)}
    rng = np.random.default_rng(seed)
    written = 0
    with target.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(header)
        replica = 0
        while written < rows:
            count = min(len(real), rows - written)
            lat_jitter = rng.uniform(-JITTER_DEGREES, JITTER_DEGREES, count)
            lon_jitter = rng.uniform(-JITTER_DEGREES, JITTER_DEGREES, count)
            shifts = rng.integers(-SHIFT_DAYS, SHIFT_DAYS + 1, count)
            for i, row in enumerate(real[:count]):
                copy = list(row)
                copy[col["id"]] = str(replica * ID_STRIDE + int(row[col["id"]]))
                lat = float(row[col["latitude"]]) + lat_jitter[i]
                lon = float(row[col["longitude"]]) + lon_jitter[i]
                copy[col["latitude"]], copy[col["longitude"]] = f"{lat:.6f}", f"{lon:.6f}"
                copy[col["geom_wkt"]] = f"POINT ({lon:.6f} {lat:.6f})"
                shift = timedelta(days=int(shifts[i]))
                for name in ("date_start", "date_end"):
                    day = date.fromisoformat(row[col[name]][:10]) + shift
                    copy[col[name]] = day.isoformat()
                writer.writerow(copy)
            written += count
            replica += 1
    return written


def truce_import(file: Path, folder: Path) -> tuple[float, int, int]:
    """Seconds, rows stored and rows rejected, importing ``file`` into a fresh SQLite file."""
    settings = Settings(
        database_url=f"sqlite:///{folder / 'truce.db'}", secret_key=secrets.token_urlsafe(32)
    )
    truce = bootstrap(settings)
    set_up(truce)
    with truce.uow() as uow:
        scenario.load_scenario(scenario.read_scenario("syria-2016"), uow, actor=SYSTEM)
    began = time.perf_counter()
    # Intake only, as the floor only loads: linking into incidents (docs/incidents.md) is left out.
    summary = import_file(ImportFile(file, "ucdp", link=False), truce.uow, actor=SYSTEM)
    seconds = time.perf_counter() - began
    truce.close()
    return seconds, summary.stored, summary.rejected


def floor_import(file: Path, folder: Path) -> float:
    """Seconds the sqlite3 shell takes to .import ``file`` into a bare table."""
    shell = shutil.which("sqlite3")
    if shell is None:
        sys.exit("The sqlite3 shell is not installed (apt-get install sqlite3).")
    began = time.perf_counter()
    subprocess.run([shell, str(folder / "floor.db"), ".mode csv", f".import {file} ged"],
                   check=True)  # fmt: skip
    return time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--csv", type=Path, help="the UCDP GED Syria file")
    parser.add_argument("--keep", type=Path, help="keep the file and the databases here")
    args = parser.parse_args()
    folder = args.keep or Path(tempfile.mkdtemp(prefix="truce-ingest-"))
    folder.mkdir(parents=True, exist_ok=True)
    console.print(machine(LIBRARIES))
    file = folder / f"ucdp-{args.rows}.csv"
    with console.status(f"Writing {args.rows:,} rows…"):
        rows = build(real_file(args.csv), file, args.rows)
    size = file.stat().st_size / 1e6
    console.print(f"{file.name}: {rows:,} rows, {size:,.0f} MB")
    watch = CpuWatch()
    with console.status("Importing with Truce…"):
        seconds, stored, rejected = truce_import(file, folder)
    truce_others = watch.other_cores()
    watch = CpuWatch()
    floor = floor_import(file, folder)
    floor_others = watch.other_cores()
    table = Table("load", "rows", "seconds", "rows/s", "other processes' cores")
    for name, took, others in (("truce import ucdp", seconds, truce_others),
                               ("sqlite3 .import (floor)", floor, floor_others)):  # fmt: skip
        shown = f"{others:.2f}" if others is not None else "?"
        table.add_row(name, f"{rows:,}", f"{took:.1f}", f"{rows / took:,.0f}", shown)
    console.print(table)
    console.print(f"stored {stored:,}, rejected {rejected:,}; ratio to the floor: "
                  f"{floor / seconds:.2f} (aim: at least 0.5)")  # fmt: skip
    if args.keep is None:
        shutil.rmtree(folder)


if __name__ == "__main__":
    main()
