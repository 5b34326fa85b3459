"""Several server processes on one PostgreSQL: `truce serve --workers 4` behind one port, 50
writers at once. The ledger must not fork, no write may be lost or stored twice, and the chain
must verify afterwards. Bounded: 50 writers, 4 reports each, on 127.0.0.1 only."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import requests
from sqlalchemy import text

from tests.helpers import World, token_for
from truce.services.ledger import verify_database

pytestmark = [pytest.mark.slow]
ON_POSTGRES = pytest.mark.parametrize(
    "backend", [pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True
)
ON_SQLITE = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)

API = "/api/v1"
WORKERS = 4
WRITERS = 50
REPORTS_EACH = 4
TRUCE = (sys.executable, "-c", "from truce.cli import app; app()")


def _report(ref: str) -> dict[str, Any]:
    return {
        "source": "SOHR",
        "source_ref": ref,
        "occurred_start": "2016-03-01T14:30:00+02:00",
        "location": "Kafr Zita",
        "admin1": "Hama",
        "event_type": "Ceasefire",
        "sub_event_type": "impact or airburst explosion",
        "actor1": "Jabhat al-Nusra",
        "actor2": "Free Syrian Army",
        "text": f"Load test report {ref}.",
        "lang": "en",
    }


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def served(world: World, tmp_path: Path) -> Iterator[str]:
    """`truce serve --workers 4` on the world's (PostgreSQL) database, in its own process."""
    port = _free_port()
    env = {**os.environ, "TRUCE_SECRET_KEY": world.truce.secret or "", "TRUCE_LOG_LEVEL": "warning"}
    command = [
        *TRUCE, "serve", "--db", world.truce.settings.database_url,
        "--port", str(port), "--workers", str(WORKERS),
    ]  # fmt: skip
    log = tmp_path / "serve.log"
    with log.open("wb") as output:
        server = subprocess.Popen(command, env=env, stdout=output, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_answering(base, server, log)
        yield base
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def _wait_until_answering(base: str, server: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"truce serve --workers stopped: {log.read_text()}")
        try:
            if requests.get(f"{base}{API}/ledger/head", timeout=2).status_code == 200:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.2)
    pytest.fail("truce serve --workers did not answer within 60 s")


def _file(base: str, token: str, ref: str) -> tuple[str, int, int | None]:
    """POST one report, retrying a 503 (the writer's turn ran out) as the API asks."""
    headers = {"Authorization": f"Bearer {token}"}
    for _attempt in range(20):
        response = requests.post(
            f"{base}{API}/reports", json=_report(ref), headers=headers, timeout=60
        )
        if response.status_code != 503:
            report_id = response.json().get("id") if response.status_code < 300 else None
            return ref, response.status_code, report_id
        time.sleep(float(response.headers.get("retry-after", "1")))
    return ref, 503, None


@ON_POSTGRES
def test_fifty_writers_on_four_workers_neither_fork_nor_lose_nor_double(
    world: World, served: str
) -> None:
    tokens = [token_for(world, "monitor"), token_for(world, "liaison")]
    before = _ledger_size(world)
    # Each report is sent by two writers at once: one must store it, the other find it stored.
    refs = [f"load-{writer}-{n}" for writer in range(WRITERS // 2) for n in range(REPORTS_EACH)]
    jobs = [(ref, tokens[i % 2]) for ref in refs for i in range(2)]
    with ThreadPoolExecutor(max_workers=WRITERS) as pool:
        answers = list(pool.map(lambda job: _file(served, job[1], job[0]), jobs))

    statuses = Counter(status for _, status, _ in answers)
    assert set(statuses) <= {200, 201}, statuses
    assert statuses[201] == len(refs), statuses  # each report stored once, by one of its writers
    ids_by_ref: dict[str, set[int | None]] = {}
    for ref, _, report_id in answers:
        ids_by_ref.setdefault(ref, set()).add(report_id)
    assert all(len(ids) == 1 for ids in ids_by_ref.values())  # both writers got the same report

    with world.truce.db.writer_engine.connect() as connection:
        stored = connection.execute(
            text(
                "SELECT source_ref, count(*) FROM reports WHERE source_ref LIKE 'load-%'"
                " GROUP BY source_ref"
            )
        ).all()
        filed = connection.execute(
            text("SELECT count(*) FROM ledger_entries WHERE action = 'report.filed'")
        ).scalar_one()
    assert sorted(ref for ref, _ in stored) == sorted(refs)
    assert all(copies == 1 for _, copies in stored)
    assert filed == len(refs)
    report = verify_database(world.truce.db)
    assert report.ok, report.failure
    assert report.head_seq > before  # one chain, every entry after the other: no fork


def _ledger_size(world: World) -> int:
    with world.truce.db.writer_engine.connect() as connection:
        return int(connection.execute(text("SELECT count(*) FROM ledger_entries")).scalar_one())


@ON_SQLITE
def test_several_workers_on_sqlite_are_refused_with_the_reason(world: World) -> None:
    done = subprocess.run(
        [*TRUCE, "serve", "--db", world.truce.settings.database_url,
         "--port", str(_free_port()), "--workers", "2"],
        capture_output=True, text=True, timeout=60,
        env={**os.environ, "TRUCE_SECRET_KEY": world.truce.secret or ""},
    )  # fmt: skip
    assert done.returncode == 2, done.stdout + done.stderr
    assert "--workers" in done.stderr and "PostgreSQL" in done.stderr
