"""Keys held by their owners: a guarantor whose private key the server never has, and the
operator who holds the database and the installation's secret trying to write in their name."""

from __future__ import annotations

import base64
import os
import re
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from tests.helpers import World
from truce.cli import app
from truce.domain.errors import Conflict, Forbidden, Invalid
from truce.domain.parties import Status
from truce.domain.permissions import SYSTEM
from truce.ledger import intents
from truce.ledger.entry import Authored, Entry, public_key_payload
from truce.ledger.keyfile import KeyFileError, load_key_file
from truce.ledger.keys import Signer, signature_holds, unb64
from truce.ledger.verify import verify as verify_entries
from truce.services import scenario, standing, users
from truce.store.ledger_store import Change
from truce.store.tables import LedgerEntryRow, UserRow
from truce.store.uow import OfferedIntent

runner = CliRunner()
HOLDER_NAME = "ru-keeper"


def cli(*args: str) -> object:
    return runner.invoke(app, list(args))


def new_key(path: Path, *extra: str) -> str:
    result = cli("keys", "new", str(path), *extra)
    assert result.exit_code == 0, result.output
    found = re.search(r"public key (\S+)", result.output)
    assert found, result.output
    return found.group(1)


@pytest.fixture
def keeper(world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Signer:
    """A Russian guarantor who holds their own key (made with `truce keys new`, registered with
    `truce users add --public-key`); their signer, loaded from the key file."""
    monkeypatch.setenv("TRUCE_SECRET_KEY", world.truce.secret)
    key_file = tmp_path / "ru-keeper.pem"
    public = new_key(key_file)
    result = cli(
        "users", "add", HOLDER_NAME, "--role", "guarantor", "--state", "RU", "--no-password",
        "--public-key", public, "--db", world.truce.db.url,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "held by the user" in result.output
    with world.truce.uow(write=False) as uow:
        user = uow.users.by_name(HOLDER_NAME)
        assert user is not None
        world.actors["keeper"] = users.actor_of(user)
    return load_key_file(key_file, HOLDER_NAME)


def propose_cmd(world: World, party: str = "ahrar") -> standing.ProposeStatus:
    return standing.ProposeStatus(
        world.agreement_id, world.parties[party], Status.COMMITTED, "declared acceptance"
    )


def signed_offer(signer: Signer, **overrides: object) -> OfferedIntent:
    fields: dict = {
        "action": "POST /api/v1/status-proposals",
        "subject": "/api/v1/status-proposals",
        "payload": {"party": "ahrar", "status": "committed"},
    } | overrides
    intent, signature = intents.sign_intent(signer, **fields)
    return OfferedIntent(intent, signature, window=timedelta(minutes=5))


def propose_as_keeper(world: World, offer: OfferedIntent, party: str = "ahrar"):
    with world.truce.uow() as uow:
        uow.intent = offer
        proposal = standing.propose_status(
            propose_cmd(world, party), uow, actor=world.actors["keeper"]
        )
        return proposal, uow.last_receipt


def ledger_verify(world: World, *extra: str):
    return cli("ledger", "verify", "--db", world.truce.db.url, *extra)


def entries(world: World) -> list[Entry]:
    with world.truce.uow(write=False) as uow:
        return uow.ledger.page(0, 100_000)


def head_seq(world: World) -> int:
    with world.truce.uow(write=False) as uow:
        head = uow.ledger.head()
        assert head is not None
        return int(head[0])


# --- key files --------------------------------------------------------------------------------


def test_keys_new_writes_a_private_file_and_prints_its_public_key(tmp_path: Path) -> None:
    path = tmp_path / "me.pem"
    public = new_key(path)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    signer = load_key_file(path, "me")
    assert signer.public_key == unb64(public)
    assert path.read_text().startswith("-----BEGIN PRIVATE KEY-----")
    # Never overwritten: the key in it may be the only copy.
    again = cli("keys", "new", str(path))
    assert again.exit_code != 0
    assert load_key_file(path, "me").public_key == signer.public_key


def test_a_passphrase_seals_the_key_file(tmp_path: Path) -> None:
    secret = tmp_path / "passphrase"
    secret.write_text("correct horse battery staple\n")
    path = tmp_path / "sealed.pem"
    public = new_key(path, "--passphrase-file", str(secret))
    assert "ENCRYPTED PRIVATE KEY" in path.read_text()
    assert load_key_file(path, "me", b"correct horse battery staple").public_key == unb64(public)
    with pytest.raises(KeyFileError, match="passphrase"):
        load_key_file(path, "me", b"wrong")
    with pytest.raises(KeyFileError):
        load_key_file(path, "me")


def test_a_bad_public_key_is_refused_naming_the_option(world: World) -> None:
    result = cli(
        "users", "add", "x-ops", "--role", "guarantor", "--state", "RU", "--no-password",
        "--public-key", "not-a-key", "--db", world.truce.db.url,
    )  # fmt: skip
    assert result.exit_code == 2
    assert "--public-key" in result.output


# --- registration -----------------------------------------------------------------------------


def test_a_key_holder_has_no_private_key_on_the_server(world: World, keeper: Signer) -> None:
    with world.truce.db.writer_engine.connect() as conn:
        row = conn.execute(
            select(UserRow.sealed_seed, UserRow.custody, UserRow.public_key).where(
                UserRow.username == HOLDER_NAME
            )
        ).one()
        others = conn.execute(
            select(func.count()).where(UserRow.sealed_seed.is_(None))
        ).scalar_one()
    assert row.sealed_seed is None
    assert row.custody == "holder"
    assert bytes(row.public_key) == keeper.public_key
    assert others == 1  # every other user's key is held by the server
    with (
        world.truce.uow(write=False) as uow,
        pytest.raises(RuntimeError, match="no server-held signing key"),
    ):
        uow.signer(world.actors["keeper"])
    registered = {
        e.payload["holder"]: e.payload for e in entries(world) if e.action == "key.registered"
    }
    assert registered[HOLDER_NAME]["custody"] == "holder"
    assert registered[HOLDER_NAME]["key_id"] == keeper.key_id
    assert registered["ru-ops"]["custody"] == "server"


def test_the_same_public_key_cannot_be_registered_twice(world: World, keeper: Signer) -> None:
    result = cli(
        "users", "add", "ru-twin", "--role", "guarantor", "--state", "RU", "--no-password",
        "--public-key", base64.b64encode(keeper.public_key).decode(),
        "--db", world.truce.db.url,
    )  # fmt: skip
    assert result.exit_code == 2
    assert "registered already" in result.output


# --- writing with a signed intent -------------------------------------------------------------


def test_a_signed_change_carries_the_intent_and_verifies(world: World, keeper: Signer) -> None:
    offer = signed_offer(keeper)
    _, receipt = propose_as_keeper(world, offer)
    written = [e for e in entries(world) if e.intent is not None]
    assert [e.action for e in written] == ["party.status_proposed"]
    entry = written[0]
    assert entry.actor == HOLDER_NAME
    assert entry.intent == offer.intent
    assert entry.intent_sig == offer.signature
    assert signature_holds(keeper.public_key, intents.intent_bytes(entry.intent), entry.intent_sig)
    with world.truce.uow(write=False) as uow:
        system = uow.sequencer()
    assert entry.key_id == system.key_id  # the server only sequences it
    # The receipt names the entry, and the sequencing key signed it.
    assert receipt is not None
    body = receipt.to_json()
    assert body["entries"] == [{"seq": entry.seq, "hash": entry.hash}]
    assert body["intent_sha256"] == intents.intent_hash(offer.intent)
    assert intents.receipt_holds(system.public_key, body)
    assert not intents.receipt_holds(keeper.public_key, body)
    assert not intents.receipt_holds(system.public_key, body | {"entries": []})
    result = ledger_verify(world)
    assert result.exit_code == 0, result.output
    report = verify_entries(entries(world))
    assert report.ok and report.authored == 1
    assert report.server_custody == head_seq(world) - 1


def test_a_key_holder_cannot_write_without_an_intent(world: World, keeper: Signer) -> None:
    before = head_seq(world)
    with world.truce.uow() as uow, pytest.raises(Forbidden, match="hold your own signing key"):
        standing.propose_status(propose_cmd(world), uow, actor=world.actors["keeper"])
    assert head_seq(world) == before


def test_a_replayed_intent_is_refused(world: World, keeper: Signer) -> None:
    offer = signed_offer(keeper)
    propose_as_keeper(world, offer, "ahrar")
    before = head_seq(world)
    with pytest.raises(Forbidden, match="used already"):
        propose_as_keeper(world, offer, "fsa")
    assert head_seq(world) == before


def other_signature(offer: OfferedIntent, keeper: Signer) -> OfferedIntent:
    return OfferedIntent(offer.intent, Signer.generate("x").sign(b"x"), offer.window)


def edited_after_signing(offer: OfferedIntent, keeper: Signer) -> OfferedIntent:
    return OfferedIntent(offer.intent | {"nonce": "n" * 20}, offer.signature, offer.window)


def stale_client_time(offer: OfferedIntent, keeper: Signer) -> OfferedIntent:
    return signed_offer(keeper, at=datetime(2016, 2, 27, tzinfo=UTC))


def unregistered_key(offer: OfferedIntent, keeper: Signer) -> OfferedIntent:
    return signed_offer(Signer.generate(HOLDER_NAME))


@pytest.mark.parametrize(
    "spoil", [other_signature, edited_after_signing, stale_client_time, unregistered_key]
)
def test_an_intent_that_does_not_hold_is_refused(world: World, keeper: Signer, spoil) -> None:
    before = head_seq(world)
    with pytest.raises(Forbidden):
        propose_as_keeper(world, spoil(signed_offer(keeper), keeper))
    assert head_seq(world) == before


# --- the operator's forgeries -----------------------------------------------------------------
# Whoever runs the server holds the database and the installation's secret: the store and every
# key the server holds are theirs. Each forgery below is appended through the store itself, as
# a real append would be, so that the chain, the hashes and the head are all in order; only the
# signatures can give it away.


def forge(world: World, build) -> int:
    """Append what ``build(uow)`` returns (signer, changes, author) through the store; its
    first seq."""
    with world.truce.uow() as uow:
        signer, changes, author = build(uow)
        written = uow.ledger.append_many(signer, changes, author)
        uow.commit()
    return written[0].seq


def forged_proposal() -> Change:
    return Change("party.status_proposed", "party:1", {"status": "excluded", "forged": True})


def fails_at(world: World, seq: int) -> str:
    result = ledger_verify(world)
    assert result.exit_code == 1, result.output
    assert f"FAILED at entry {seq}:" in result.output, result.output
    report = verify_entries(entries(world))
    assert report.failure is not None and report.failure.seq == seq
    return result.output


def test_forgery_with_the_server_key_in_the_holders_name_fails(world, keeper) -> None:
    def build(uow):
        system = uow.sequencer()
        as_keeper = Signer(system.seed, HOLDER_NAME)  # the system key, the keeper's name
        return as_keeper, [forged_proposal()], None

    output = fails_at(world, forge(world, build))
    assert "belongs to 'system'" in output


def test_forgery_with_a_fresh_key_fails(world, keeper) -> None:
    output = fails_at(
        world, forge(world, lambda uow: (Signer.generate(HOLDER_NAME), [forged_proposal()], None))
    )
    assert "never registered" in output


def test_forgery_with_another_users_server_held_key_fails(world, keeper) -> None:
    def build(uow):
        ru_ops = uow.signer(world.actors["ru"])
        return Signer(ru_ops.seed, HOLDER_NAME), [forged_proposal()], None

    output = fails_at(world, forge(world, build))
    assert "belongs to 'ru-ops'" in output


def test_forgery_by_registering_a_new_key_for_the_holder_fails(world, keeper) -> None:
    fresh = Signer.generate(HOLDER_NAME)

    def register(uow):
        payload = public_key_payload(fresh.public_key, HOLDER_NAME, "holder")
        return uow.sequencer(), [Change("key.registered", "user:99", payload)], None

    at = forge(world, register)
    forge(world, lambda uow: (fresh, [forged_proposal()], None))
    output = fails_at(world, at)
    assert "holds their own key" in output


def test_forgery_of_an_intent_with_a_key_the_holder_does_not_hold_fails(world, keeper) -> None:
    impostor = Signer.generate(HOLDER_NAME)

    def build(uow):
        intent, _ = intents.sign_intent(
            keeper, action="POST /api/v1/status-proposals", subject="/api/v1/status-proposals",
            payload={"status": "excluded"},
        )  # fmt: skip
        # The keeper's key id and name, but the operator's signature.
        signature = impostor.sign(intents.intent_bytes(intent))
        return uow.sequencer(), [forged_proposal()], Authored(HOLDER_NAME, intent, signature)

    output = fails_at(world, forge(world, build))
    assert "author's signature of its intent does not hold" in output


def test_forgery_by_reusing_a_genuine_intent_fails(world, keeper) -> None:
    propose_as_keeper(world, signed_offer(keeper))
    genuine = next(e for e in entries(world) if e.intent is not None)

    # Something else is written in between (the entries of one request, which share its
    # intent, are consecutive; see docs/ledger.md for what the receipt adds).
    with world.truce.uow() as uow:
        standing.propose_status(propose_cmd(world, "fsa"), uow, actor=world.actors["ru"])

    def build(uow):
        author = Authored(HOLDER_NAME, genuine.intent, genuine.intent_sig)
        return uow.sequencer(), [forged_proposal()], author

    output = fails_at(world, forge(world, build))
    assert f"already used at entry {genuine.seq}" in output


def test_a_resumed_verify_finds_at_every_cut_what_the_whole_walk_finds(world, keeper) -> None:
    propose_as_keeper(world, signed_offer(keeper))
    genuine = next(e for e in entries(world) if e.intent is not None)
    with world.truce.uow() as uow:
        standing.propose_status(propose_cmd(world, "fsa"), uow, actor=world.actors["ru"])
    good = entries(world)
    reused = Authored(HOLDER_NAME, genuine.intent, genuine.intent_sig)
    forge(world, lambda uow: (uow.sequencer(), [forged_proposal()], reused))
    tampered = entries(world)
    whole_good, whole_bad = verify_entries(good), verify_entries(tampered)
    assert whole_good.ok and whole_bad.failure is not None
    for cut in range(1, len(good)):
        before = verify_entries(tampered[:cut])
        assert before.state is not None
        # What a mirror keeps: the nonces the entries before the cut carried.
        used = {str(e.intent["nonce"]): e.seq for e in tampered[:cut] if e.intent is not None}

        def held(nonces, used=used):
            return {n: used[n] for n in nonces if n in used}

        rest = verify_entries(good[cut:], resume=before.state, nonces_held=held)
        assert rest.ok and rest.state == whole_good.state, cut
        assert rest.signatures == sum(1 + (e.intent is not None) for e in good[cut:])
        rest = verify_entries(tampered[cut:], resume=before.state, nonces_held=held)
        assert rest.failure == whole_bad.failure, cut


def test_verify_counts_the_entries_that_rest_on_server_custody(world, keeper) -> None:
    propose_as_keeper(world, signed_offer(keeper))
    with world.truce.db.writer_engine.connect() as conn:
        unsigned = conn.execute(
            select(func.count()).where(LedgerEntryRow.intent.is_(None))
        ).scalar_one()
    result = ledger_verify(world)
    assert result.exit_code == 0, result.output
    assert (
        f"1 entry signed by authors who hold their own key; {unsigned} entries rest only on keys"
        " the server holds"
    ) in result.output


def test_an_export_with_intents_verifies_offline(world, keeper, tmp_path) -> None:
    propose_as_keeper(world, signed_offer(keeper))
    path = tmp_path / "ledger.jsonl"
    assert cli("ledger", "export", str(path), "--db", world.truce.db.url).exit_code == 0
    result = cli("ledger", "verify", "--file", str(path))
    assert result.exit_code == 0, result.output
    # The intent is covered by the entry's hash: editing it in the file is caught.
    lines = path.read_text().splitlines()
    edited = [line.replace('"status":"committed"', '"status":"excluded"') for line in lines]
    assert edited != lines
    path.write_text("\n".join(edited) + "\n")
    assert cli("ledger", "verify", "--file", str(path)).exit_code == 1


# --- the command line with --key --------------------------------------------------------------


def propose_args(world: World, party: str) -> list[str]:
    return ["parties", "propose", str(world.parties[party]), "committed", "--reason", "declared"]


def test_the_command_line_signs_with_the_key_file(world, keeper, tmp_path) -> None:
    url = world.truce.db.url
    key_file = tmp_path / "ru-keeper.pem"
    refused = cli(*propose_args(world, "ahrar"),
                  "--as", HOLDER_NAME, "--db", url)  # fmt: skip
    assert refused.exit_code == 2
    assert "intent you signed" in refused.output
    proposed = cli(*propose_args(world, "ahrar"),
                   "--as", HOLDER_NAME, "--key", str(key_file), "--db", url)  # fmt: skip
    assert proposed.exit_code == 0, proposed.output
    proposal_id = re.search(r"proposal (\d+)", proposed.output).group(1)  # type: ignore[union-attr]
    # The other guarantor's key is held by the server: --as alone, as before.
    decided = cli("parties", "decide", proposal_id, "approve", "--as", "us-ops", "--db", url)
    assert decided.exit_code == 0, decided.output
    signed = [e for e in entries(world) if e.intent is not None]
    assert [e.action for e in signed] == ["party.status_proposed"]
    intent = signed[0].intent
    assert intent["action"] == "truce parties propose"
    assert intent["payload"]["status"] == "committed"
    assert intent["key_id"] == keeper.key_id
    result = ledger_verify(world)
    assert result.exit_code == 0, result.output
    assert "1 entry signed by authors who hold their own key" in result.output


def test_another_key_file_is_refused(world, keeper, tmp_path) -> None:
    other = tmp_path / "other.pem"
    new_key(other)
    before = head_seq(world)
    result = cli(*propose_args(world, "ahrar"),
                 "--as", HOLDER_NAME, "--key", str(other), "--db", world.truce.db.url)  # fmt: skip
    assert result.exit_code == 2
    assert "not the key you hold" in result.output
    assert head_seq(world) == before


def test_a_sealed_key_file_asks_for_its_passphrase(world, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("TRUCE_SECRET_KEY", world.truce.secret)
    secret = tmp_path / "passphrase"
    secret.write_text("s3cret words\n")
    key_file = tmp_path / "sealed.pem"
    public = new_key(key_file, "--passphrase-file", str(secret))
    url = world.truce.db.url
    added = cli("users", "add", "us-keeper", "--role", "guarantor", "--state", "US",
                "--no-password", "--public-key", public, "--db", url)  # fmt: skip
    assert added.exit_code == 0, added.output
    asked: list[str] = []
    monkeypatch.setattr("getpass.getpass", lambda prompt: asked.append(prompt) or "s3cret words")
    result = cli(*propose_args(world, "fsa"),
                 "--as", "us-keeper", "--key", str(key_file), "--db", url)  # fmt: skip
    assert result.exit_code == 0, result.output
    assert asked and str(key_file) in asked[0]
    assert ledger_verify(world).exit_code == 0


def test_an_import_in_batches_signs_each_batch(world, keeper, tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)  # where a rejects file would go
    template = Path(__file__).resolve().parents[2] / "data" / "reports-template.csv"
    result = cli("import", "reports", str(template), "--batch-size", "1", "--as", HOLDER_NAME,
                 "--key", str(tmp_path / "ru-keeper.pem"), "--db", world.truce.db.url)  # fmt: skip
    assert result.exit_code == 0, result.output
    signed = [e for e in entries(world) if e.intent is not None]
    batches = [e for e in signed if e.action == "reports.imported"]
    assert len(batches) >= 2, [e.action for e in signed]
    # Each committed batch is signed on its own: a fresh intent (new nonce) for each.
    assert len({e.intent["nonce"] for e in batches}) == len(batches)
    assert all(e.intent["action"] == "truce import reports" for e in signed)
    verified = ledger_verify(world)
    assert verified.exit_code == 0, verified.output


# --- enrolment with a one-time code -----------------------------------------------------------


def test_an_enrolment_code_moves_a_user_to_their_own_key(world, monkeypatch) -> None:
    monkeypatch.setenv("TRUCE_SECRET_KEY", world.truce.secret)
    printed = cli("users", "enrol", "ru-ops", "--db", world.truce.db.url)
    assert printed.exit_code == 0, printed.output
    code = re.search(r"enrolment code for ru-ops: (\S+)", printed.output).group(1)  # type: ignore[union-attr]
    browser = Signer.generate("ru-ops")
    ru = world.actors["ru"]
    with world.truce.uow() as uow:
        assert users.enrolment_open(uow, ru)
        users.enrol_key(users.EnrolKey(code, browser.public_key), uow, actor=ru)
    with world.truce.db.writer_engine.connect() as conn:
        row = conn.execute(
            select(UserRow.sealed_seed, UserRow.custody).where(UserRow.username == "ru-ops")
        ).one()
    assert row.sealed_seed is None and row.custody == "holder"
    with world.truce.uow() as uow:
        assert not users.enrolment_open(uow, ru)
        with pytest.raises(Conflict):  # a holder's key is theirs: no second enrolment
            users.enrol_key(users.EnrolKey(code, Signer.generate("x").public_key), uow, actor=ru)
    refused = cli("users", "enrol", "ru-ops", "--db", world.truce.db.url)
    assert refused.exit_code == 2 and "holds their own key already" in refused.output
    # Their earlier entries keep verifying with the key the server held then; from now on only
    # their own key's intents write in their name.
    with world.truce.uow() as uow:
        uow.intent = signed_offer(browser)
        standing.propose_status(propose_cmd(world), uow, actor=ru)
    report = verify_entries(entries(world))
    assert report.ok, report.failure
    assert report.authored == 1


def test_a_used_or_wrong_code_enrols_nothing(world) -> None:
    us = world.actors["us"]
    with world.truce.uow() as uow:
        code = users.issue_enrolment_code("us-ops", uow, actor=world.actors["admin"])
    with world.truce.uow() as uow, pytest.raises(Invalid, match="wrong, used or expired"):
        users.enrol_key(users.EnrolKey(code + "x", Signer.generate("a").public_key), uow, actor=us)
    # Another user's code is no code for this one.
    with world.truce.uow() as uow, pytest.raises(Invalid):
        users.enrol_key(
            users.EnrolKey(code, Signer.generate("b").public_key), uow, actor=world.actors["ru"]
        )
    with world.truce.uow() as uow:
        users.enrol_key(users.EnrolKey(code, Signer.generate("c").public_key), uow, actor=us)
    with world.truce.uow() as uow:
        assert uow.users.custody(us.user_id) == "holder"


# --- the 2016 scenario's desks -----------------------------------------------------------------


def test_the_scenarios_desks_hold_their_own_keys(truce) -> None:
    """Every entry the 2016 scenario writes as a guarantor's desk carries that desk's intent,
    signed with a key the caller holds; the server has no private key of either desk."""
    data = scenario.read_scenario("syria-2016")
    names = [desk["username"] for desk in data["desks"]]
    # One desk's key the caller keeps; the other's is made by the loader and kept nowhere.
    kept = Signer.generate(names[0])
    with truce.uow() as uow:
        scenario.load_scenario(data, uow, actor=SYSTEM, holders={names[0]: kept})
    with truce.uow(write=False) as uow:
        ledger = uow.ledger.page(0, 100_000)
        rows = {
            row.username: row
            for row in uow.session.scalars(select(UserRow).where(UserRow.username.in_(names)))
        }
    assert set(rows) == set(names)
    for row in rows.values():
        assert row.sealed_seed is None and row.custody == "holder"
    assert bytes(rows[names[0]].public_key) == kept.public_key

    registered = {e.payload["holder"]: e.payload for e in ledger if e.action == "key.registered"}
    by_desk = [e for e in ledger if e.actor in names]
    assert {e.actor for e in by_desk} == set(names)
    assert {"party.status_proposed", "party.status_decided", "commitment.recorded"} <= {
        e.action for e in by_desk
    }
    for entry in by_desk:
        assert entry.intent is not None, (entry.seq, entry.action)
        assert entry.intent["actor"] == entry.actor
        public_key = unb64(registered[entry.actor]["public_key"])
        assert registered[entry.actor]["custody"] == "holder"
        assert signature_holds(public_key, intents.intent_bytes(entry.intent), entry.intent_sig)
    kept_entries = [e for e in by_desk if e.actor == names[0]]
    assert kept_entries and all(
        signature_holds(kept.public_key, intents.intent_bytes(e.intent), e.intent_sig)
        for e in kept_entries
    )
    # Each step is an intent of its own, dated at the step's time in the 2016 record.
    assert all(intents.client_time(e.intent).year == 2016 for e in by_desk)
    assert all(e.intent["action"].startswith("scenario ") for e in by_desk)
    report = verify_entries(ledger)
    assert report.ok, report.failure
    assert report.authored == len(by_desk)
    assert report.server_custody == len(ledger) - len(by_desk)

    # The operator, with the database and the secret, signs in a desk's name: it fails.
    with truce.uow() as uow:
        as_desk = Signer(uow.sequencer().seed, names[1])
        forged = uow.ledger.append_many(as_desk, [forged_proposal()])
        uow.commit()
    with truce.uow(write=False) as uow:
        report = verify_entries(uow.ledger.page(0, 100_000))
    assert report.failure is not None and report.failure.seq == forged[0].seq
