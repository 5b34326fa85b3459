"""State proven from the ledger: `truce ledger verify --state` rebuilds the domain tables from
the entries alone and names every row a direct SQL write made differ; `truce ledger replay`
rebuilds them in an empty database."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import date

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
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
    # The scenario writes every table of the registry, the statuses and the areas but votes
    # (tested below), so the comparison is not of empty tables; the demo writes the others.
    assert all(live[n] for n in replay.REPLAYED[: replay.REPLAYED.index("articles")]
               if n != "proposal_votes"), {n: len(r) for n, r in live.items()}  # fmt: skip
    assert report.rows == sum(len(rows) for rows in live.values())
    assert report.old_payloads == 0
    result = verify_state(scenario)
    assert result.exit_code == 0, result.output
    assert "state OK" in result.output


@pytest.fixture
def the_demo(truce: Truce) -> Truce:
    """Everything `truce demo` loads: the scenario and its users, the news, the UCDP GED events
    of March 2016 and the demo users' reports, linked into incidents and checked (which opens
    allegations)."""
    from truce.cli.demo import _load  # what `truce demo` runs on an empty database

    _load(truce)
    return truce


def test_the_demo_s_tables_match_a_replay_then_direct_edits_are_named(the_demo: Truce) -> None:
    report = ledger.verify_state(the_demo.db)
    assert report.differences == []
    assert report.old_payloads == 0
    with the_demo.db.snapshot() as connection:
        live = replay.live_rows(connection)
    # The demo writes every replayed table up to allegations but votes and rejected rows;
    # people's decisions on incidents are tested below, the findings, hotline, clocks, webhooks
    # and witnesses in their own tests (each checks the replay after it).
    written = replay.REPLAYED[: replay.REPLAYED.index("allegations") + 1]
    assert {n for n in replay.REPLAYED if live[n]} == set(written) - {
        "proposal_votes", "import_rejects"
    }  # fmt: skip
    assert report.rows == sum(len(rows) for rows in live.values())
    imported = [r for r in live["reports"].values() if r["import_id"] is not None]
    assert len(imported) == 540 and all(r["raw"] for r in imported)  # raw: not in the ledger

    def first(name: str, where=lambda row: True) -> int:
        return min(key for key, row in live[name].items() if where(row))[0]

    report_id = first("reports", lambda r: r["channel"] == "form")
    incident_id = first("incidents", lambda r: r["outcome"] is not None)
    allegation_id = first("allegations")
    area_id = first("areas")
    linked = first("incident_reports", lambda r: r["match_weight"] is not None)
    sql(the_demo, f"UPDATE reports SET fatalities = 99, lat = lat + 0.01 WHERE id = {report_id}")
    sql(the_demo, f"UPDATE incidents SET outcome = 'no_breach' WHERE id = {incident_id}")
    sql(the_demo, f"UPDATE allegations SET flagged = NOT flagged WHERE id = {allegation_id}")
    sql(the_demo, "UPDATE areas SET label = 'moved', approximate = NOT approximate"
                  f" WHERE id = {area_id}")  # fmt: skip
    sql(the_demo, f"UPDATE incident_reports SET match_weight = 0 WHERE report_id = {linked}")
    sql(the_demo, f"DELETE FROM statements WHERE id = {first('statements')}")
    # Who gave a report is not ledger state: changing it is no difference.
    sql(the_demo, f"UPDATE reports SET reporter = 'someone else' WHERE id = {report_id}")
    named = {(d.table, d.key, d.kind, *sorted(d.columns))
             for d in ledger.verify_state(the_demo.db).differences}  # fmt: skip
    assert named == {
        ("reports", (report_id,), "changed", "fatalities", "lat"),
        ("incidents", (incident_id,), "changed", "outcome"),
        ("allegations", (allegation_id,), "changed", "flagged"),
        ("areas", (area_id,), "changed", "approximate", "label"),
        ("incident_reports", (linked,), "changed", "match_weight"),
        ("statements", (first("statements"),), "missing"),
    }
    result = verify_state(the_demo)
    assert result.exit_code == 1
    assert f"incidents [{incident_id}]: outcome: table 'no_breach', ledger " in result.output


def test_assessed_split_and_merged_incidents_replay_into_an_empty_database(
    the_demo: Truce, empty_url: str
) -> None:
    """People's decisions on the demo's incidents (an assessment approved, with the other
    side's open one superseded; one withdrawn; a split; a merge, which moves allegations and
    leaves a tombstone), then the whole ledger replayed into an empty database."""
    from truce.domain.proposals import Decision
    from truce.services import assessments, incidents, users

    truce = the_demo
    with truce.uow(write=False) as uow:
        us, ru = (users.actor_of(uow.users.by_name(n)) for n in ("us-ops", "ru-ops"))
        fsa = uow.parties.by_slug("free-syrian-army").id
    with truce.db.snapshot() as connection:
        live = replay.live_rows(connection)
    alleged = sorted({row["incident_id"] for row in live["allegations"].values()})
    many = sorted({row["incident_id"] for row in live["incident_reports"].values()
                   if row["match_weight"] is not None})  # fmt: skip
    assessed, withdrawn = alleged[0], alleged[1]

    def propose(incident_id: int, who, party_id: int | None = fsa) -> int:
        cmd = assessments.ProposeAssessment(incident_id, party_id, "the sources agree",
                                            undetermined=party_id is None)  # fmt: skip
        with truce.uow() as uow:
            return assessments.propose_assessment(cmd, uow, actor=who).id

    first = propose(assessed, us)
    propose(assessed, ru, None)  # superseded when the first is approved
    with truce.uow() as uow:
        cmd = assessments.DecideAssessment(assessed, first, Decision.APPROVE)
        assessments.decide(cmd, uow, actor=ru)
    taken_back = propose(withdrawn, us)
    with truce.uow() as uow:
        cmd = assessments.WithdrawAssessment(withdrawn, taken_back)
        assessments.withdraw(cmd, uow, actor=us)
    with truce.db.snapshot() as connection:
        held = replay.read_rows(connection, "incident_reports")
    split_from = next(i for i in many
                      if sum(1 for r in held.values() if r["incident_id"] == i) >= 2)  # fmt: skip
    moving = max(key[0] for key, r in held.items() if r["incident_id"] == split_from)
    with truce.uow() as uow:
        cmd = incidents.SplitIncident(split_from, (moving,), "two strikes, not one")
        new_id = incidents.split_incident(cmd, uow, actor=us)
    # Into a later incident than one of those merged, so one row points forward at another.
    into, other = alleged[3], alleged[2]
    with truce.uow() as uow:
        cmd = incidents.MergeIncidents(into, (other, new_id), "the same shelling")
        incidents.merge_incidents(cmd, uow, actor=us)

    report = ledger.verify_state(truce.db)
    assert report.differences == [] and report.old_payloads == 0
    with truce.db.snapshot() as connection:
        live = replay.live_rows(connection)
    assert live["incidents"][(assessed,)]["assessed_perpetrator_id"] == fsa
    assert {r["state"] for r in live["incident_assessments"].values()} == {
        "approved", "superseded", "withdrawn"
    }  # fmt: skip
    assert {r["incident_id"] for r in live["tombstones"].values()} == {other, new_id}
    assert live["incidents"][(other,)]["merged_into_id"] == into

    result = runner.invoke(app, ["ledger", "replay", "--into", empty_url, "--db", truce.db.url])
    assert result.exit_code == 0, result.output
    target = Database(empty_url)
    try:
        with target.snapshot() as copy:
            assert replay.compare(live, replay.live_rows(copy)) == []
    finally:
        target.dispose()


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
    sql(scenario, "UPDATE party_aliases SET lang = 'xx' WHERE id = 1")
    moved = min(designations)[0]
    sql(scenario, f"UPDATE designations SET recorded_at = listed_at WHERE id = {moved}")
    sql(scenario, "UPDATE agreement_states SET role = 'member' WHERE role = 'guarantor'"
                  " AND state_code = 'US'")  # fmt: skip
    # A password or language changes no ledger state; a role does.
    sql(scenario, "UPDATE users SET role = 'admin', password_hash = 'x', locale = 'ar'"
                  " WHERE username = 'monitor'")  # fmt: skip
    found = {(d.table, d.key): d for d in ledger.verify_state(scenario.db).differences}
    ((promoted, difference),) = [(k, d) for (n, k), d in found.items() if n == "users"]
    assert difference.columns == {"role": ("admin", "monitor")}
    del found[("users", promoted)]
    (demoted,) = [key for name, key in found if name == "agreement_states"]
    assert demoted[1] == "US" and found[("agreement_states", demoted)].columns == {
        "role": ("member", "guarantor")
    }
    del found[("agreement_states", demoted)]
    assert found[("commitments", (first,))].kind == "missing"
    assert set(found[("commitments", max(commitments))].columns) == {"late", "note"}
    assert set(found[("designations", (moved,))].columns) == {"recorded_at"}
    assert found[("party_aliases", (1,))].columns["lang"][0] == "xx"
    assert len(found) == 4


@pytest.fixture
def empty_url(backend: str, tmp_path) -> Iterator[str]:
    """A database of the test's engine with nothing in it, not even a schema."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'replayed.db'}"
        return
    from tests.conftest import PG_SERVER, _pg_connect

    name = f"truce_replay_{os.getpid()}"
    with _pg_connect() as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')
    with _pg_connect(name) as connection:
        connection.execute("CREATE EXTENSION IF NOT EXISTS postgis")
    yield make_url(PG_SERVER).set(database=name).render_as_string(hide_password=False)
    with _pg_connect() as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_replay_into_an_empty_database_reproduces_the_tables(
    scenario: Truce, empty_url: str
) -> None:
    target_url = empty_url
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
        assert "already holds rows in states, users, agreements, agreement_states" in said
    finally:
        target.dispose()


def test_every_table_is_replayed_or_says_why_not() -> None:
    skipped = replay.not_replayed()
    assert set(skipped) | set(replay.REPLAYED) == set(replay.Base.metadata.tables)
    assert "derived from the ledger" in skipped["merkle_nodes"]
    # Every table is replayed or has a reason of its own: none waits for an applier.
    assert [name for name, why in skipped.items() if why == replay.NOT_YET] == []


def test_proposals_answers_and_withdrawals_replay_exactly(world) -> None:
    """Every way a proposal ends (approved by three guarantors after a first answer, rejected,
    withdrawn), replayed and compared; then a direct edit of a proposal is named."""
    from truce.domain.agreement import State
    from truce.domain.parties import Status
    from truce.domain.permissions import Actor, Role
    from truce.domain.proposals import Decision
    from truce.services import agreements, standing, users

    truce = world.truce
    with truce.uow() as uow:
        agreements.add_state(State("TR", "Turkey"), uow, actor=SYSTEM)
        base = uow.agreements.get(world.agreement_id)
    with truce.uow() as uow:
        astana = agreements.create_agreement(
            agreements.NewAgreement(
                slug="astana", title="Astana memorandum", signed_at=base.signed_at,
                effective_at=base.effective_at, acceptance_deadline=base.acceptance_deadline,
                timezone="Asia/Damascus", guarantors=("RU", "TR", "US"),
            ),
            uow, actor=SYSTEM,
        )  # fmt: skip
    with truce.uow() as uow:
        view = users.add_user(
            users.NewUser("tr-ops", Role.GUARANTOR, None, state="TR"), uow, actor=SYSTEM
        )
    actors = {**world.actors, "tr": Actor(view.id, "tr-ops", Role.GUARANTOR, "TR")}

    def propose(agreement_id: int, party: str, who: str, status=Status.COMMITTED) -> int:
        cmd = standing.ProposeStatus(agreement_id, world.parties[party], status, "declared")
        with truce.uow() as uow:
            return standing.propose_status(cmd, uow, actor=actors[who]).id

    def answer(proposal_id: int, who: str, decision=Decision.APPROVE) -> None:
        with truce.uow() as uow:
            cmd = standing.DecideProposal(proposal_id, decision, f"{who} answers")
            standing.decide_proposal(cmd, uow, actor=actors[who])

    approved = propose(astana.id, "ahrar", "ru")
    answer(approved, "tr")  # a vote; the proposal stays open
    answer(approved, "us")
    answer(propose(world.agreement_id, "ahrar", "us"), "ru", Decision.REJECT)
    withdrawn = propose(world.agreement_id, "fsa", "us")
    with truce.uow() as uow:
        standing.withdraw_proposal(withdrawn, uow, actor=actors["us"])

    from truce.ledger.keys import Signer
    from truce.services import parties

    holder = Signer.generate("holding-monitor").public_key
    with truce.uow() as uow:
        cmd = users.NewUser("holding-monitor", Role.MONITOR, None, public_key=holder)
        users.add_user(cmd, uow, actor=SYSTEM)
    renamed = parties.NewAlias(world.parties["ahrar"], "حركة أحرار الشام", "ar", date(2014, 1, 1))
    with truce.uow() as uow:
        parties.add_alias(renamed, uow, actor=SYSTEM)

    report = ledger.verify_state(truce.db)
    assert report.differences == []
    with truce.db.snapshot() as connection:
        live = replay.live_rows(connection)
    (holding,) = [u for u in live["users"].values() if u["username"] == "holding-monitor"]
    assert (holding["custody"], holding["public_key"], holding["sealed_seed"]) == (
        "holder",
        holder,
        None,
    )
    (added,) = [a for a in live["party_aliases"].values() if a["text"] == renamed.text]
    assert added["valid_from"] == date(2014, 1, 1)
    assert len(live["status_proposals"]) == 3 and len(live["proposal_votes"]) == 1
    assert {row["state"] for row in live["status_proposals"].values()} == {
        "approved", "rejected", "withdrawn"
    }  # fmt: skip

    sql(truce, f"UPDATE status_proposals SET decided_by = NULL WHERE id = {withdrawn}")
    sql(truce, "UPDATE proposal_votes SET vote = 'reject'")
    named = {(d.table, d.key, *d.columns) for d in ledger.verify_state(truce.db).differences}
    assert named == {
        ("status_proposals", (withdrawn,), "decided_by"),
        ("proposal_votes", (approved, "TR"), "vote"),
    }
