"""State proven from the ledger: `truce ledger verify --state` rebuilds the party-status tables
from the entries alone and names every row a direct SQL write made differ; `truce ledger replay`
rebuilds them in an empty database."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from truce.bootstrap import Truce
from truce.cli import app
from truce.domain.permissions import SYSTEM
from truce.services import demo, ledger
from truce.store import replay
from truce.store.db import Database

runner = CliRunner()


@pytest.fixture
def scenario(truce: Truce) -> Truce:
    """The 2016 scenario and the demo's users, as `make demo` loads them."""
    demo.load_scenario_and_users(truce.uow, actor=SYSTEM)
    return truce


def sql(truce: Truce, statement: str) -> None:
    with truce.db.writer_engine.begin() as connection:
        connection.execute(text(statement))


def verify_state(truce: Truce):
    return runner.invoke(app, ["ledger", "verify", "--state", "--db", truce.db.url])


def test_the_scenario_s_tables_match_a_replay_of_its_ledger(scenario: Truce) -> None:
    report = ledger.verify_state(scenario.db)
    assert report.differences == []
    with scenario.db.snapshot() as connection:
        live = replay.live_rows(connection)
    # The scenario writes every replayed table, so the comparison is not of empty tables.
    assert all(live[name] for name in replay.REPLAYED), {n: len(r) for n, r in live.items()}
    assert report.rows == sum(len(rows) for rows in live.values())
    assert report.old_payloads == 0
    result = verify_state(scenario)
    assert result.exit_code == 0, result.output
    assert "state OK" in result.output


def test_a_direct_update_of_status_changes_is_named(scenario: Truce) -> None:
    with scenario.db.snapshot() as connection:
        change_id = min(replay.read_rows(connection, "status_changes"))[0]
    sql(scenario, f"UPDATE status_changes SET status = 'committed' WHERE id = {change_id}")
    report = ledger.verify_state(scenario.db)
    assert [(d.table, d.key, d.kind, set(d.columns)) for d in report.differences] == [
        ("status_changes", (change_id,), "changed", {"status"})
    ]
    result = verify_state(scenario)
    assert result.exit_code == 1, result.output
    assert f"status_changes [{change_id}]: status: table 'committed', ledger " in result.output
    assert "state FAILED" in result.output


def test_rows_written_or_deleted_without_an_entry_are_named(scenario: Truce) -> None:
    with scenario.db.snapshot() as connection:
        commitments = replay.read_rows(connection, "commitments")
        designations = replay.read_rows(connection, "designations")
    (first,) = min(commitments)
    sql(scenario, f"DELETE FROM commitments WHERE id = {first}")
    sql(scenario, "UPDATE commitments SET late = NOT late, note = 'edited' "
                  f"WHERE id = {max(commitments)[0]}")  # fmt: skip
    moved = min(designations)[0]
    sql(scenario, f"UPDATE designations SET recorded_at = listed_at WHERE id = {moved}")
    sql(scenario, "UPDATE agreement_states SET role = 'member' WHERE role = 'guarantor'"
                  " AND state_code = 'US'")  # fmt: skip
    found = {(d.table, d.key): d for d in ledger.verify_state(scenario.db).differences}
    (demoted,) = [key for name, key in found if name == "agreement_states"]
    assert demoted[1] == "US" and found[("agreement_states", demoted)].columns == {
        "role": ("member", "guarantor")
    }
    del found[("agreement_states", demoted)]
    assert found[("commitments", (first,))].kind == "missing"
    assert set(found[("commitments", max(commitments))].columns) == {"late", "note"}
    assert set(found[("designations", (moved,))].columns) == {"recorded_at"}
    assert len(found) == 3


def test_replay_into_an_empty_database_reproduces_the_tables(scenario: Truce, tmp_path) -> None:
    target_url = f"sqlite:///{tmp_path / 'replayed.db'}"
    result = runner.invoke(app, ["ledger", "replay", "--into", target_url, "--db", scenario.db.url])
    assert result.exit_code == 0, result.output
    target = Database(target_url)
    try:
        with scenario.db.snapshot() as live, target.snapshot() as copy:
            assert replay.compare(replay.live_rows(live), replay.live_rows(copy)) == []
            assert replay.live_rows(copy)["status_changes"]
        again = runner.invoke(
            app, ["ledger", "replay", "--into", target_url, "--db", scenario.db.url]
        )
        assert again.exit_code == 2
        said = " ".join(again.output.replace("│", " ").split())
        assert "already holds rows in " + ", ".join(replay.REPLAYED) in said
    finally:
        target.dispose()


def test_every_table_is_replayed_or_says_why_not() -> None:
    skipped = replay.not_replayed()
    assert set(skipped) | set(replay.REPLAYED) == set(replay.Base.metadata.tables)
    assert "derived from the ledger" in skipped["merkle_nodes"]
