"""An import killed halfway (SIGKILL, after its first batch committed) and run again stores
exactly what one uninterrupted run stores, on SQLite and on PostgreSQL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from tests.helpers import ROOT, assert_state_replays, sqlite_truce
from truce.bootstrap import Truce
from truce.domain.permissions import SYSTEM
from truce.services import ledger, scenario
from truce.services.imports import ImportFile, import_file

DEMO_UCDP = ROOT / "data" / "ucdp" / "ged-syria-2016-02-27-to-03-31.csv"
BATCH = 10  # 54 batches of the 540 events: the kill lands halfway


@pytest.fixture(autouse=True)
def _state_replays(truce: Truce) -> Iterator[None]:
    """After each test, its tables are what a replay of its ledger gives."""
    yield
    assert_state_replays(truce)


def _truce_command(truce: Truce, *args: str) -> subprocess.Popen[bytes]:
    secret = truce.settings.secret_key
    assert secret is not None
    env = {
        **os.environ,
        "TRUCE_DATABASE_URL": truce.db.url,
        "TRUCE_SECRET_KEY": secret.get_secret_value(),
        "PYTHONPATH": str(ROOT / "src"),
    }
    code = "from truce.cli import app; app()"
    return subprocess.Popen([sys.executable, "-c", code, *args], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # fmt: skip


def _last_row(truce: Truce) -> int:
    with truce.db.reader_engine.connect() as connection:
        found = connection.execute(text("SELECT max(last_row) FROM imports")).scalar()
    return int(found or 0)


def _stored(truce: Truce) -> list[tuple[str, str, str]]:
    query = "SELECT source_ref, content_digest, admin2 FROM reports ORDER BY source_ref"
    with truce.db.reader_engine.connect() as connection:
        return [(a, b, c) for a, b, c in connection.execute(text(query))]


def test_an_import_killed_halfway_goes_on_where_it_stopped(
    truce: Truce, sqlite_template: Path, tmp_path: Path
) -> None:
    with truce.uow() as uow:
        scenario.load_scenario(scenario.read_scenario("syria-2016"), uow, actor=SYSTEM)
    args = ("import", "ucdp", str(DEMO_UCDP), "--batch-size", str(BATCH),
            "--rejects", str(tmp_path / "rejects.csv"))  # fmt: skip
    process = _truce_command(truce, *args)
    deadline = time.monotonic() + 120
    while _last_row(truce) == 0 and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    process.send_signal(signal.SIGKILL)
    process.communicate(timeout=30)
    killed_at = _last_row(truce)
    assert process.returncode == -signal.SIGKILL, "the import ended before it could be killed"
    assert 0 < killed_at < 540 and killed_at % BATCH == 0  # whole batches only
    assert len(_stored(truce)) == killed_at

    again = _truce_command(truce, *args)
    out, err = again.communicate(timeout=300)
    assert again.returncode == 0, err.decode()
    assert f"resumed after row {killed_at}" in out.decode()

    # One clean run of the same file, into a database of its own.
    (tmp_path / "clean").mkdir()
    clean = sqlite_truce(sqlite_template, tmp_path / "clean")
    with clean.uow() as uow:
        scenario.load_scenario(scenario.read_scenario("syria-2016"), uow, actor=SYSTEM)
    import_file(ImportFile(DEMO_UCDP, "ucdp"), clean.uow, actor=SYSTEM)
    assert _stored(truce) == _stored(clean)
    assert len(_stored(truce)) == 540
    clean.close()

    with truce.uow(write=False) as uow:
        entries = [e for e in uow.ledger.page(0, 100_000) if e.subject.startswith("import:")]
    imported = [e.payload for e in entries if e.action == "reports.imported"]
    assert sum(p["stored"] for p in imported) == 540
    rows = [tuple(p["rows"]) for p in imported]
    assert rows == [(first, first + BATCH - 1) for first in range(1, 541, BATCH)]
    assert [e.action for e in entries][-1] == "import.finished"
    assert ledger.verify_database(truce.db).ok
