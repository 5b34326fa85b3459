"""What the benchmarks in this folder share: the CPU watch, the machine line, progress bars and
a throw-away PostgreSQL database.

The scripts run as ``.venv/bin/python bench/<name>.py``, so this folder is on ``sys.path`` and
they import this module as ``shared``.
"""

from __future__ import annotations

import os
import platform
import resource
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from importlib import metadata

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

POSTGRES_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/{name}"

console = Console()
if not console.is_terminal:  # output to a file or a pipe: wide enough for the tables
    console = Console(width=120)


class CpuWatch:
    """CPU time the whole machine spent busy, less what this process and its children spent.

    The figures mean little if something else was running, so each phase reports how many
    cores other processes (on PostgreSQL, including the server) used while it ran. The CPU of
    the processes in ``ours`` (say, an application server the benchmark started and is still
    running) counts as the benchmark's own.
    """

    def __init__(self, ours: Sequence[int] = ()) -> None:
        self.ours = tuple(ours)
        self.started = time.perf_counter()
        self.machine, self.own = _machine_busy(), self._own()

    def _own(self) -> float:
        return _own_cpu() + sum(process_cpu(pid) for pid in self.ours)

    def other_cores(self) -> float | None:
        machine = _machine_busy()
        if machine is None or self.machine is None:
            return None
        wall = time.perf_counter() - self.started
        return max(0.0, (machine - self.machine) - (self._own() - self.own)) / wall


def _machine_busy() -> float | None:
    """Seconds all CPUs spent busy since boot (Linux), or None elsewhere."""
    try:
        with open("/proc/stat", encoding="ascii") as stat:
            ticks = [int(value) for value in stat.readline().split()[1:9]]
    except (OSError, ValueError):
        return None
    idle = ticks[3] + ticks[4]  # idle and iowait
    return (sum(ticks) - idle) / os.sysconf("SC_CLK_TCK")


def _own_cpu() -> float:
    # Worker processes are children; they count once they have exited.
    total = 0.0
    for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN):
        usage = resource.getrusage(who)
        total += usage.ru_utime + usage.ru_stime
    return total


def process_cpu(pid: int) -> float:
    """Seconds of CPU a running process has used (Linux), or 0 when it cannot be read."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime


def installed(package: str) -> str:
    try:
        return f"{package} {metadata.version(package)}"
    except metadata.PackageNotFoundError:  # psycopg is optional
        return f"{package} not installed"


def machine(packages: Sequence[str]) -> str:
    """Cores, Python, OS, the versions of ``packages`` and the load average, on one line."""
    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    libraries = ", ".join(installed(name) for name in packages)
    return (
        f"{os.cpu_count()} cores, Python {platform.python_version()}, {platform.system()}"
        f" {platform.machine()}; {libraries}; load average {load}"
    )


def load_average() -> str:
    return ", ".join(f"{v:.2f}" for v in os.getloadavg())


def progress_bar() -> Progress:
    return Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        console=console,
    )  # fmt: skip


@contextmanager
def postgres_database(
    extensions: Sequence[str] = (), suffix: str = ""
) -> Iterator[tuple[str, str]]:
    """A fresh PostgreSQL database, dropped afterwards: its URL and the server's version
    (``suffix`` tells apart two held at once)."""
    import psycopg

    name = f"truce_bench_{os.getpid()}{suffix}"
    with psycopg.connect(POSTGRES_ADMIN, autocommit=True, connect_timeout=5) as admin:
        row = admin.execute("SHOW server_version").fetchone()
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            if extensions:
                target = POSTGRES_ADMIN.rsplit("/", 1)[0] + f"/{name}"
                with psycopg.connect(target, autocommit=True, connect_timeout=5) as conn:
                    for extension in extensions:
                        conn.execute(f'CREATE EXTENSION IF NOT EXISTS "{extension}"')
            yield POSTGRES_URL.format(name=name), str(row[0]) if row else "?"
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def postgres_wanted(skip: bool) -> bool:
    """Whether to measure PostgreSQL too (not when ``skip``, nor when it is unreachable); when
    not, a line says why."""
    if skip:
        console.print("PostgreSQL: skipped (--skip-postgres)")
        return False
    if (why := postgres_unreachable()) is not None:
        console.print(f"[yellow]PostgreSQL is unreachable at {POSTGRES_ADMIN}; skipping it. {why}")
        return False
    return True


def postgres_unreachable() -> str | None:
    """Why PostgreSQL cannot be used, or None when it answers."""
    try:
        import psycopg

        with psycopg.connect(POSTGRES_ADMIN, autocommit=True, connect_timeout=5):
            return None
    except Exception as exc:  # whatever the cause, the answer is: skip it, and say why
        return f"{type(exc).__name__}: {exc}".strip()
