"""Setting up: secrets, users and keys, the 2016 scenario, and the CLI that does it."""

import re
import socket

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from truce.bootstrap import bootstrap
from truce.cli import app
from truce.cli import opened as cli_opened
from truce.config import Settings
from truce.domain.errors import Conflict, Forbidden, Invalid
from truce.domain.paging import MAX_LIMIT
from truce.domain.parties import Status
from truce.domain.permissions import SYSTEM, Actor, Role
from truce.ledger.keyfile import load_key_file
from truce.ledger.keys import Signer
from truce.services import ledger, parties, scenario, users
from truce.services.instance import WrongSecret, initialise
from truce.store.tables import TokenRow, UserRow

runner = CliRunner()


def test_a_different_secret_is_refused(truce):
    other = bootstrap(Settings(database_url=truce.db.url, secret_key="not the original secret"))
    try:
        with other.uow() as uow, pytest.raises(WrongSecret):
            initialise(uow, "again")
    finally:
        other.close()


def test_new_users_get_a_signing_key_registered_in_the_ledger(truce):
    with truce.uow() as uow:
        view = users.add_user(users.NewUser("field-7", Role.MONITOR), uow, actor=SYSTEM)
    with truce.uow(write=False) as uow:
        actions = [(e.action, e.payload.get("key_id")) for e in uow.ledger.page(0, 10)]
    assert ("key.registered", view.key_id) in actions
    assert ledger.verify_database(truce.db).ok


def test_user_rules_are_enforced(truce):
    with truce.uow() as uow:
        users.add_user(users.NewUser("analyst-1", Role.ANALYST), uow, actor=SYSTEM)
    with truce.uow() as uow, pytest.raises(Conflict):
        users.add_user(users.NewUser("analyst-1", Role.ANALYST), uow, actor=SYSTEM)
    with truce.uow() as uow, pytest.raises(Invalid) as unbound:
        users.add_user(users.NewUser("guarantor-1", Role.GUARANTOR), uow, actor=SYSTEM)
    assert unbound.value.field == "state"
    with truce.uow() as uow, pytest.raises(Invalid) as short:
        users.add_user(users.NewUser("analyst-2", Role.ANALYST, "short"), uow, actor=SYSTEM)
    assert short.value.field == "password"


def test_passwords_and_tokens_are_stored_only_as_hashes(truce):
    password = "a long enough password"
    with truce.uow() as uow:
        users.add_user(users.NewUser("analyst-3", Role.ANALYST, password), uow, actor=SYSTEM)
    with truce.uow() as uow:
        actor = users.authenticate("analyst-3", password, uow)
        token = users.issue_token("laptop", uow, actor=actor)
    with truce.uow(write=False) as uow:
        stored_user = uow.session.scalar(select(UserRow).where(UserRow.username == "analyst-3"))
        stored_tokens = list(uow.session.scalars(select(TokenRow.token_hash)))
        assert password not in stored_user.password_hash and stored_user.password_hash.startswith(
            "$argon2"
        )
        assert token not in stored_tokens and len(stored_tokens) == 1
        assert users.actor_for_token(token, uow).username == "analyst-3"


def test_the_2016_scenario_loads_with_its_facts(truce):
    with truce.uow() as uow:
        scenario.load_scenario(scenario.read_scenario("syria-2016"), uow, actor=SYSTEM)
    with truce.uow(write=False) as uow:
        agreement, page = parties.registry(uow, actor=None, limit=MAX_LIMIT)
    entries = page.items
    assert page.total == len(entries) and page.next is None
    by_name = {e.name: e for e in entries}
    assert agreement.acceptance_deadline.isoformat() == "2016-02-26T10:00:00+00:00"
    assert agreement.effective_at.isoformat() == "2016-02-26T22:00:00+00:00"
    assert len(agreement.terms) == 6 and len(entries) >= 20
    assert {e.sponsor for e in entries} >= {"US", "RU"}
    assert by_name["Jabhat al-Nusra"].status is Status.EXCLUDED
    assert by_name["Islamic State of Iraq and the Levant"].status is Status.EXCLUDED
    assert by_name["Syrian Arab Army"].status is Status.COMMITTED
    assert by_name["Free Syrian Army"].status is Status.COMMITTED
    for disputed in ("Ahrar al-Sham", "Jaysh al-Islam"):
        assert by_name[disputed].disputed and len(by_name[disputed].open_proposals) == 2
    assert any(e.first_commitment and e.first_commitment.late for e in entries)
    assert any(e.first_commitment and not e.first_commitment.late for e in entries)
    assert any(e.uncertain for e in entries)
    assert ledger.verify_database(truce.db).ok


def test_a_scenario_that_fails_halfway_commits_nothing(truce):
    data = scenario.read_scenario("syria-2016")
    data["commitments"].append(
        {"party": "no-such-party", "guarantor": "US", "committed_at": "2016-02-25T12:00:00+02:00"}
    )
    with truce.uow(write=False) as uow:
        before = uow.ledger.head()
    with truce.uow() as uow, pytest.raises(Invalid):
        scenario.load_scenario(data, uow, actor=SYSTEM)
    with truce.uow(write=False) as uow:
        assert uow.ledger.head() == before
        assert uow.agreements.all() == [] and uow.parties.all_rows() == []


def test_loading_a_scenario_twice_is_refused(truce):
    with truce.uow() as uow:
        scenario.load_scenario(scenario.read_scenario("syria-2016"), uow, actor=SYSTEM)
    with truce.uow() as uow, pytest.raises(Conflict):
        scenario.load_scenario(scenario.read_scenario("syria-2016"), uow, actor=SYSTEM)


@pytest.mark.parametrize("role", [Role.GUARANTOR, Role.MONITOR, Role.ANALYST])
def test_only_an_admin_loads_a_scenario(truce, role):
    someone = Actor(
        user_id=99, username="someone", role=role, state="US" if role is Role.GUARANTOR else None
    )
    with truce.uow() as uow, pytest.raises(Forbidden, match="may not create agreements"):
        scenario.load_scenario(scenario.read_scenario("syria-2016"), uow, actor=someone)
    with truce.uow(write=False) as uow:
        assert uow.agreements.all() == [] and uow.parties.all_rows() == []


def test_cli_sets_up_a_fresh_sqlite_database_and_lists_parties(tmp_path):
    db = str(tmp_path / "fresh.db")
    result = runner.invoke(app, ["demo", "--db", db, "--no-serve"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "fresh.db.secret").exists()
    assert oct((tmp_path / "fresh.db.secret").stat().st_mode & 0o777) == "0o600"
    listed = runner.invoke(app, ["parties", "list", "--db", db, "-q", "جبهة النصرة", "--json"])
    assert listed.exit_code == 0 and "Jabhat al-Nusra" in listed.output
    verified = runner.invoke(app, ["ledger", "verify", "--db", db])
    assert verified.exit_code == 0, verified.output
    # The scenario's guarantor desks hold their own keys, in files beside the database; the
    # server has only the public halves, and every entry of theirs rests on their key.
    desks = ("us-desk-2016", "ru-desk-2016")
    signed = 0
    with cli_opened(db, demo=True) as truce, truce.uow(write=False) as uow:
        entries = uow.ledger.page(0, 100_000)
        for name in desks:
            key_file = tmp_path / "demo-keys" / f"{name}.key"
            assert f"{name} holds its own key: {key_file}" in result.output
            assert oct(key_file.stat().st_mode & 0o777) == "0o600"
            row = uow.session.scalar(select(UserRow).where(UserRow.username == name))
            assert row.sealed_seed is None and row.custody == "holder"
            assert bytes(row.public_key) == load_key_file(key_file, name).public_key
            theirs = [e for e in entries if e.actor == name]
            assert theirs and all(e.intent is not None for e in theirs)
            signed += len(theirs)
    found = re.search(
        r"(\d+) entries signed by authors who hold.*?(\d+) entries rest", verified.output
    )
    assert found, verified.output
    assert int(found.group(1)) == signed > 0
    assert int(found.group(2)) == len(entries) - signed
    again = runner.invoke(app, ["demo", "--db", db, "--no-serve"])
    assert "already holds an agreement" in again.output
    # The sign-ins are printed on every start, not only the first.
    for output in (result.output, again.output):
        assert "Demo sign-ins" in output
        for name in ("admin", "us-ops", "ru-ops", "uk-member", "monitor", "fsa-liaison"):
            assert f"{name}-demo-2016" in output
        # Each guarantor gets a one-time code for their browser's key until they enrol one.
        codes = dict(re.findall(r"enrolment code for (\S+): (\S+)", output))
        assert set(codes) == {"us-ops", "ru-ops"}, output
    # us-ops's browser enrols with the code of the last start: from then on no code for them.
    with cli_opened(db, demo=True) as truce, truce.uow() as uow:
        us_ops = uow.users.by_name("us-ops")
        assert us_ops is not None
        enrolled = users.EnrolKey(codes["us-ops"], Signer.generate("us-ops").public_key)
        users.enrol_key(enrolled, uow, actor=users.actor_of(us_ops))
    third = runner.invoke(app, ["demo", "--db", db, "--no-serve"])
    assert re.findall(r"enrolment code for (\S+):", third.output) == ["ru-ops"], third.output


def test_demo_help_names_the_demo_database():
    shown = runner.invoke(app, ["demo", "--help"], env={"COLUMNS": "200"})
    assert shown.exit_code == 0, shown.output
    assert "Default: var/demo.db." in shown.output and "var/truce.db" not in shown.output
    assert "Default: var/truce.db." in runner.invoke(app, ["serve", "--help"]).output


@pytest.fixture
def taken_port():
    """A port another program is listening on."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as other:
        other.bind(("127.0.0.1", 0))
        other.listen()
        yield other.getsockname()[1]


def test_a_taken_port_is_said_before_any_address_is_printed(tmp_path, taken_port):
    db = str(tmp_path / "serve.db")
    assert runner.invoke(app, ["db", "upgrade", "--db", db]).exit_code == 0
    served = runner.invoke(app, ["serve", "--db", db, "--port", str(taken_port)])
    assert served.exit_code == 2, served.output
    assert f"port {taken_port} on 127.0.0.1 is taken" in served.output
    assert f"--port {taken_port + 1}" in served.output
    assert "Truce on" not in served.output and "Traceback" not in served.output


def test_the_demo_on_a_taken_port_stops_before_loading_anything(tmp_path, taken_port):
    db = tmp_path / "demo.db"
    result = runner.invoke(app, ["demo", "--db", str(db), "--port", str(taken_port)])
    assert result.exit_code == 2, result.output
    assert "is taken" in result.output and "--port" in result.output
    assert "Truce on" not in result.output and not db.exists()


def test_cli_users_add_reads_the_password_and_issues_a_token(tmp_path):
    db = str(tmp_path / "users.db")
    assert runner.invoke(app, ["db", "upgrade", "--db", db]).exit_code == 0
    result = runner.invoke(
        app,
        ["users", "add", "ops-admin", "--role", "admin", "--db", db, "--password-stdin", "--token"],
        input="a long enough password\n",
    )
    assert result.exit_code == 0, result.output
    assert "truce_" in result.output
    bad = runner.invoke(app, ["users", "add", "x", "--role", "admin", "--db", db, "--no-password"])
    assert bad.exit_code == 2 and "user name" in bad.output


def test_cli_names_a_database_that_needs_upgrading(tmp_path):
    result = runner.invoke(app, ["parties", "list", "--db", str(tmp_path / "empty.db")])
    assert result.exit_code == 2
    assert "truce db upgrade" in result.output
