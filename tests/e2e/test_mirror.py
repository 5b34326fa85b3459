"""`truce mirror` against real servers (uvicorn on 127.0.0.1), on both databases: two servers
that share a history up to a point (the second is the first's database copied, then written
differently, every entry signed with the server's keys) behind one address, and one mirror.

A normal sync replays the entries into tables equal to the server's and posts a cosignature the
server accepts; a rewritten history and a split view are caught by the mirror alone (it holds
the checkpoint it cosigned, no head kept by hand), refused with exit 3, kept as evidence, and
the server is not trusted again.
"""

from __future__ import annotations

import base64
import json
import socket
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from standardwebhooks.webhooks import Webhook
from typer.testing import CliRunner

from tests.conftest import _pg_connect
from tests.e2e.browsing import serve
from tests.e2e.test_witness_cli import append, served_note, sign
from tests.helpers import World, token_for
from tests.integration.test_holder_keys import (
    HOLDER_NAME,
    forge,
    forged_proposal,
    keeper,  # noqa: F401 (a fixture)
    propose_as_keeper,
    propose_cmd,
    signed_offer,
)
from truce.bootstrap import Truce, bootstrap
from truce.cli import app
from truce.domain.parties import Status
from truce.domain.proposals import Decision
from truce.ledger.entry import Authored
from truce.ledger.keys import Signer
from truce.ledger.note import Checkpoint, Note, VerifierKey, note_signature_holds
from truce.services import checkpoints, standing
from truce.store import replay
from truce.store.db import Database
from truce.web.app import create_app

runner = CliRunner()


class Front:
    """One address in front of whichever server answers now (the server "rebuilt")."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        await self.app(scope, receive, send)


@dataclass
class Alarms:
    """A webhook receiver: the bodies posted to it."""

    bodies: list[dict[str, Any]] = field(default_factory=list)
    raw: list[tuple[bytes, dict[str, str]]] = field(default_factory=list)

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        if scope["method"] == "POST":
            self.bodies.append(json.loads(body))
            headers = {k.decode(): v.decode() for k, v in scope["headers"]}
            self.raw.append((body, headers))
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})


@pytest.fixture
def front(world: World) -> Iterator[tuple[Front, str]]:
    switch = Front(create_app(world.truce))
    with serve(switch, ready_path="/api/v1/ledger/head") as url:  # type: ignore[arg-type]
        yield switch, url


@pytest.fixture
def alarms() -> Iterator[tuple[Alarms, str]]:
    receiver = Alarms()
    with serve(receiver, ready_path="/") as url:  # type: ignore[arg-type]
        yield receiver, url


@pytest.fixture
def forks(world: World, tmp_path: Path) -> Iterator[list[Truce]]:
    """Call ``forks.append(fork_of(world, tmp_path))`` style: the forks made, closed after."""
    made: list[Truce] = []
    yield made
    for truce in made:
        truce.close()
        url = make_url(truce.db.url)
        if url.get_backend_name() == "postgresql":
            with _pg_connect() as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)')


def fork(world: World, tmp_path: Path, made: list[Truce]) -> Truce:
    """Server B: a copy of server A's database as it is now (same keys, same secret), which
    will be written differently from here on."""
    source = world.truce
    source.db.dispose()  # PostgreSQL copies a template only with no one connected to it
    if source.db.is_sqlite:
        assert source.db.file is not None
        target = tmp_path / "server-b.db"
        with sqlite3.connect(source.db.file) as src, sqlite3.connect(target) as dst:
            src.backup(dst)
        url = f"sqlite:///{target}"
    else:
        origin = make_url(source.db.url)
        name = f"{origin.database}_b"
        with _pg_connect() as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{origin.database}"')
        url = origin.set(database=name).render_as_string(hide_password=False)
    settings = source.settings.model_copy(update={"database_url": url})
    copy = bootstrap(settings)
    made.append(copy)
    return copy


def on(truce: Truce, world: World) -> World:
    """The world's names, on another server's database."""
    return World(truce, world.agreement_id, world.parties, world.actors)


@pytest.fixture
def mirror_db(world: World, tmp_path: Path) -> Iterator[str]:
    """The mirror's own database: a SQLite file, or on PostgreSQL a database of its own."""
    if world.truce.db.is_sqlite:
        yield str(tmp_path / "mirror" / "mirror.db")
        return
    origin = make_url(world.truce.db.url)
    name = f"{origin.database}_mirror"
    with _pg_connect() as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    with _pg_connect(name) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS postgis")
    yield origin.set(database=name).render_as_string(hide_password=False)
    with _pg_connect() as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def mirror(
    world: World, front: tuple[Front, str], tmp_path: Path, mirror_db: str
) -> dict[str, Any]:
    """The US guarantor's mirror: its witness key registered, set up with `truce mirror init`,
    its database on the server's kind of database."""
    key = tmp_path / "witness.key"
    made = runner.invoke(app, ["witness", "new-key", "us.example/mirror", str(key)])
    assert made.exit_code == 0, made.output
    with world.truce.uow() as uow:
        checkpoints.register_witness(
            checkpoints.RegisterWitness(world.actors["us"].user_id, made.output.strip()),
            uow, actor=world.actors["us"],
        )  # fmt: skip
    sign(world)  # the server has published a checkpoint: init pins its key
    state = tmp_path / "mirror" / "mirror.json"
    return {"key": key, "state": state, "db": mirror_db, "url": front[1],
            "token": token_for(world, "us")}  # fmt: skip


def init(m: dict[str, Any], *extra: str) -> None:
    done = runner.invoke(app, ["mirror", "init", m["url"], "--as", "us-ops", "--key",
                               str(m["key"]), "--db", str(m["db"]), "--state-file",
                               str(m["state"]), *extra])  # fmt: skip
    assert done.exit_code == 0, done.output
    assert "pinned at first use" in done.output


ALARM_SECRET = "whsec_" + base64.b64encode(b"the mirror's alarm secret, 32 b").decode()


def sync(m: dict[str, Any], *extra: str) -> Any:
    return runner.invoke(app, ["mirror", "sync", "--state-file", str(m["state"]), *extra],
                         env={"TRUCE_API_TOKEN": m["token"],
                              "TRUCE_MIRROR_ALARM_SECRET": ALARM_SECRET})  # fmt: skip


def held(m: dict[str, Any]) -> int:
    db = Database(str(m["db"]))
    try:
        with db.snapshot() as connection:
            return int(connection.scalar(text("SELECT seq FROM ledger_head")) or 0)
    finally:
        db.dispose()


def replayed(url: str) -> dict[str, Any]:
    db = Database(url)
    try:
        with db.snapshot() as connection:
            return replay.live_rows(connection)
    finally:
        db.dispose()


def propose(world: World) -> None:
    """A real change to the replayed tables: the US proposes a party's status."""
    cmd = standing.ProposeStatus(world.agreement_id, world.parties["ahrar"], Status.COMMITTED,
                                 "seen acceptance")  # fmt: skip
    with world.truce.uow() as uow:
        standing.propose_status(cmd, uow, actor=world.actors["us"])


def evidence(m: dict[str, Any]) -> Path:
    (folder,) = m["state"].parent.glob("evidence-*")
    return folder


def test_a_normal_sync_replays_the_tables_and_the_cosignature_is_accepted(
    world: World, mirror: dict[str, Any]
) -> None:
    init(mirror)
    first = sync(mirror)
    assert first.exit_code == 0, first.output
    size = held(mirror)
    assert f"mirrored and cosigned checkpoint {size}" in first.output
    assert replay.compare(replayed(world.truce.db.url), replayed(str(mirror["db"]))) == []
    # The server checked the mirror's cosignature against its registered key and kept it.
    note = Note.parse(served_note(world, size))
    assert [s.name for s in note.signatures][1:] == ["us.example/mirror"]

    propose(world)
    append(world, 3, "more")
    grown = sign(world)
    second = sync(mirror)
    assert second.exit_code == 0, second.output
    assert held(mirror) == grown and f"checkpoint {grown}" in second.output
    live, copied = replayed(world.truce.db.url), replayed(str(mirror["db"]))
    assert live["status_proposals"] and replay.compare(live, copied) == []
    assert "nothing new" in sync(mirror).output
    # The mirror's database is a ledger that verifies on its own, ending at the checkpoint.
    verified = runner.invoke(app, ["ledger", "verify", "--db", str(mirror["db"])])
    assert verified.exit_code == 0, verified.output
    assert runner.invoke(app, ["mirror", "evidence", "--state-file",
                               str(mirror["state"])]).exit_code == 0  # fmt: skip


def test_a_rewritten_history_is_caught_from_the_checkpoint_cosigned_before(
    world: World,
    front: tuple[Front, str],
    mirror: dict[str, Any],
    forks: list[Truce],
    alarms: tuple[Alarms, str],
    tmp_path: Path,
) -> None:
    init(mirror, "--alarm-url", alarms[1] + "/alarm")
    assert sync(mirror).exit_code == 0
    shared = held(mirror)
    server_b = on(fork(world, tmp_path, forks), world)
    append(world, 4, "true")
    cosigned = sign(world)
    assert sync(mirror).exit_code == 0
    before = served_note(world, cosigned)

    # Server B: rebuilt from the shared history with other entries from seq shared + 1 on,
    # each signed with the server's keys, and a longer tree than the one the mirror cosigned.
    append(server_b, 6, "rewritten")
    shown = sign(server_b)
    assert shown > cosigned > shared
    front[0].app = create_app(server_b.truce)
    result = sync(mirror)
    assert result.exit_code == 3, result.output
    assert "MISBEHAVIOUR" in result.output
    assert f"does not extend the one of size {cosigned}" in result.output
    folder = evidence(mirror)
    assert (folder / "cosigned-before.note").read_text().startswith(before)
    assert f"\n{shown}\n" in (folder / "shown-now.note").read_text()
    # The alarm went out; nothing was posted to B, nothing of B stored, and B stays distrusted.
    (posted,) = alarms[0].bodies
    assert posted["type"] == "mirror.misbehaviour" and "does not extend" in posted["data"]["reason"]
    ((body, headers),) = alarms[0].raw  # signed as a Standard Webhook: the receiver can check it
    Webhook(ALARM_SECRET).verify(body, headers)
    assert len(Note.parse(served_note(server_b, shown)).signatures) == 1
    assert held(mirror) == cosigned
    later = sync(mirror)
    assert later.exit_code == 3 and "caught before" in later.output
    shown_evidence = runner.invoke(app, ["mirror", "evidence", "--state-file",
                                         str(mirror["state"])])  # fmt: skip
    assert shown_evidence.exit_code == 3
    assert f"cosigned before: size {cosigned}" in shown_evidence.output
    assert f"shown now: size {shown}" in shown_evidence.output


def test_a_split_view_is_detected_and_both_signed_checkpoints_kept(
    world: World, front: tuple[Front, str], mirror: dict[str, Any], forks: list[Truce],
    tmp_path: Path,
) -> None:  # fmt: skip
    init(mirror)
    assert sync(mirror).exit_code == 0
    server_b = on(fork(world, tmp_path, forks), world)
    append(world, 3, "seen by the mirror")
    cosigned = sign(world)
    assert sync(mirror).exit_code == 0
    append(server_b, 3, "seen by others")
    assert sign(server_b) == cosigned
    front[0].app = create_app(server_b.truce)
    result = sync(mirror)
    assert result.exit_code == 3, result.output
    assert f"two roots for the tree of size {cosigned}: a split view" in result.output
    folder = evidence(mirror)
    with world.truce.uow(write=False) as uow:
        origin = Checkpoint.parse(Note.parse(served_note(world, cosigned)).body).origin
        log_key = VerifierKey.parse(checkpoints.log_key(uow, origin).encode())
    notes = [Note.parse((folder / n).read_text()) for n in ("cosigned-before.note",
                                                            "shown-now.note")]  # fmt: skip
    # Both are signed by the server's key, of one size, with two roots: the proof of a fork.
    assert all(note_signature_holds(note, log_key) for note in notes)
    points = [Checkpoint.parse(note.body) for note in notes]
    assert points[0].size == points[1].size == cosigned and points[0].root != points[1].root
    # An operator resets after looking; the mirror still holds its history, so B is caught again.
    reset = runner.invoke(app, ["mirror", "reset", "--yes", "--state-file", str(mirror["state"])])
    assert reset.exit_code == 0, reset.output
    again = sync(mirror)
    assert again.exit_code == 3 and "split view" in again.output


def test_an_altered_entry_behind_a_signed_checkpoint_is_refused(
    world: World, mirror: dict[str, Any]
) -> None:
    init(mirror)
    assert sync(mirror).exit_code == 0
    cosigned = held(mirror)
    append(world, 3, "true")
    sign(world)
    with world.truce.db.writer_engine.begin() as conn:  # the operator edits a stored entry
        conn.execute(text("UPDATE ledger_entries SET payload = :p WHERE seq = :s"),
                     {"p": '{"n":0,"tag":"edited"}', "s": cosigned + 1})  # fmt: skip
    result = sync(mirror)
    assert result.exit_code == 3, result.output
    assert f"entry {cosigned + 1}: its hash does not match its contents" in result.output
    served = (evidence(mirror) / "entries-served.jsonl").read_text().splitlines()
    assert json.loads(served[0])["payload"]["tag"] == "edited"
    assert held(mirror) == cosigned


def test_the_mirror_serves_its_copy_read_only(world: World, mirror: dict[str, Any]) -> None:
    from fastapi.testclient import TestClient

    init(mirror)
    assert sync(mirror).exit_code == 0
    settings = world.truce.settings.model_copy(
        update={"database_url": str(mirror["db"]), "read_only": True}
    )
    copy = bootstrap(settings.model_copy(update={"secret_key": None}))
    try:
        client = TestClient(create_app(copy))
        parties = client.get("/api/v1/parties")
        assert parties.status_code == 200, parties.text
        size = held(mirror)  # the checkpoint's, before the server recorded the cosignature
        assert client.get("/api/v1/ledger/head").json()["seq"] == size
        assert client.get("/api/v1/ledger/checkpoint").json()["size"] == size
        for page in ("/", "/agreement", "/map", "/areas", "/incidents", "/ledger", "/clocks",
                     "/allegations", "/reports", "/statements", "/login"):  # fmt: skip
            assert client.get(page).status_code == 200, page
        assert client.get(f"/api/v1/parties/{world.parties['fsa']}").status_code == 200
        refused = client.post("/api/v1/commitments", json={})
        assert refused.status_code == 405 and refused.json()["code"] == "read_only"
    finally:
        copy.close()


def test_entries_missing_behind_a_signed_checkpoint_are_refused(
    world: World, mirror: dict[str, Any]
) -> None:
    init(mirror)
    assert sync(mirror).exit_code == 0
    cosigned = held(mirror)
    append(world, 3, "true")
    signed = sign(world)
    with world.truce.db.writer_engine.begin() as conn:  # served no more: the newest are gone
        conn.execute(text("DELETE FROM ledger_entries WHERE seq > :s"), {"s": cosigned + 1})
    result = sync(mirror)
    assert result.exit_code == 3, result.output
    assert f"signed a tree of {signed} entries but served only {cosigned + 1}" in result.output
    assert held(mirror) == cosigned


def test_watch_keeps_syncing_as_the_server_grows(world: World, mirror: dict[str, Any]) -> None:
    init(mirror)
    watched = sync(mirror, "--watch", "--interval", "0.1", "--rounds", "2")
    assert watched.exit_code == 0, watched.output
    assert "mirrored and cosigned" in watched.output and "nothing new" in watched.output


def test_init_refuses_a_key_not_registered_to_the_user(
    world: World, mirror: dict[str, Any], tmp_path: Path
) -> None:
    wrong_user = runner.invoke(app, ["mirror", "init", mirror["url"], "--as", "ru-ops", "--key",
                                     str(mirror["key"]), "--db", str(mirror["db"]),
                                     "--state-file", str(mirror["state"])])  # fmt: skip
    assert wrong_user.exit_code == 2, wrong_user.output
    assert "registered to 'us-ops', not to 'ru-ops'" in wrong_user.output
    other = tmp_path / "other.key"
    assert runner.invoke(app, ["witness", "new-key", "us.example/other", str(other)]).exit_code == 0
    unregistered = runner.invoke(app, ["mirror", "init", mirror["url"], "--as", "us-ops", "--key",
                                       str(other), "--db", str(mirror["db"]), "--state-file",
                                       str(mirror["state"])])  # fmt: skip
    assert unregistered.exit_code == 2 and "is not registered on" in unregistered.output
    assert not mirror["state"].exists()
    no_state = sync(mirror)
    assert no_state.exit_code == 2 and "truce mirror init" in no_state.output


def test_mirror_serve_opens_the_copy_read_only_without_a_secret(
    world: World, mirror: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    from fastapi.testclient import TestClient

    from truce.cli import mirror as mirror_cli

    init(mirror)
    assert sync(mirror).exit_code == 0
    answers: dict[str, int] = {}

    def answer_once(truce: Truce, sock: Any) -> None:  # instead of serving until stopped
        sock.close()
        client = TestClient(create_app(truce))
        answers["read"] = client.get("/api/v1/ledger/head").status_code
        answers["write"] = client.post(
            "/login", data={"username": "a", "password": "b"}
        ).status_code

    monkeypatch.setattr(mirror_cli, "run", answer_once)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    served = runner.invoke(app, ["mirror", "serve", "--state-file", str(mirror["state"]),
                                 "--port", str(port)], env={"TRUCE_SECRET_KEY": ""})  # fmt: skip
    assert served.exit_code == 0, served.output
    assert answers == {"read": 200, "write": 405}


def signatures_between(world: World, after: int, through: int) -> int:
    """The signatures entries ``after`` < seq <= ``through`` carry: the server's, and the
    author's beside it on each entry with an intent."""
    with world.truce.uow(write=False) as uow:
        page = uow.ledger.page(after, through - after)
    return sum(2 if entry.intent is not None else 1 for entry in page if entry.seq <= through)


def test_a_later_sync_walks_only_the_new_entries_and_reproduces_the_tables(
    world: World, mirror: dict[str, Any]
) -> None:
    init(mirror)
    assert sync(mirror).exit_code == 0
    first = held(mirror)
    # Rows put and rows changed in place: a proposal, then the other guarantor's approval
    # (the proposal closed, a status change recorded), then entries no table replays.
    cmd = standing.ProposeStatus(world.agreement_id, world.parties["ahrar"], Status.COMMITTED,
                                 "seen acceptance")  # fmt: skip
    with world.truce.uow() as uow:
        proposal = standing.propose_status(cmd, uow, actor=world.actors["us"])
    with world.truce.uow() as uow:
        standing.decide_proposal(standing.DecideProposal(proposal.id, Decision.APPROVE, "agreed"),
                                 uow, actor=world.actors["ru"])  # fmt: skip
    append(world, 40, "more")
    grown = sign(world)
    second = sync(mirror)
    assert second.exit_code == 0, second.output
    # Only the new entries' signatures were checked: none of the first sync's again.
    expected = signatures_between(world, first, grown)
    assert expected >= grown - first > 40
    assert f"({expected} signatures checked)" in second.output, second.output
    live, copied = replayed(world.truce.db.url), replayed(str(mirror["db"]))
    decided = live["status_proposals"][(proposal.id,)]
    assert decided["state"] == "approved" and live["status_changes"]
    assert replay.compare(live, copied) == []
    kept = json.loads(mirror["state"].read_text())["verified"]
    assert (kept["seq"], kept["hash"]) == (grown, hash_of(world, grown))
    verified = runner.invoke(app, ["ledger", "verify", "--db", str(mirror["db"])])
    assert verified.exit_code == 0, verified.output


def hash_of(world: World, seq: int) -> str:
    with world.truce.uow(write=False) as uow:
        (entry,) = uow.ledger.page(seq - 1, 1)
    return entry.hash


def test_a_mirror_without_the_verifiers_state_walks_its_chain_once_then_keeps_it(
    world: World, mirror: dict[str, Any]
) -> None:
    init(mirror)
    assert sync(mirror).exit_code == 0
    first = held(mirror)
    state = json.loads(mirror["state"].read_text())
    del state["verified"]  # as a mirror synced before the state was kept
    mirror["state"].write_text(json.dumps(state))
    append(world, 3, "more")
    grown = sign(world)
    again = sync(mirror)
    assert again.exit_code == 0, again.output
    # The chain held walked again, but only the new entries' signatures checked.
    assert f"({signatures_between(world, first, grown)} signatures checked)" in again.output
    assert json.loads(mirror["state"].read_text())["verified"]["seq"] == grown
    assert replay.compare(replayed(world.truce.db.url), replayed(str(mirror["db"]))) == []


@pytest.fixture
def key_holder(request: pytest.FixtureRequest) -> Signer:
    """The Russian guarantor who holds their own key (test_holder_keys's ``keeper``)."""
    held_key: Signer = request.getfixturevalue("keeper")
    return held_key


def test_an_intent_replayed_after_a_sync_is_refused_from_the_nonces_kept(
    world: World, mirror: dict[str, Any], key_holder: Signer
) -> None:
    init(mirror)
    assert sync(mirror).exit_code == 0
    propose_as_keeper(world, signed_offer(key_holder))  # an author's signed intent
    with world.truce.uow() as uow:  # another user's entry after it ends its run
        standing.propose_status(propose_cmd(world, "fsa"), uow, actor=world.actors["ru"])
    sign(world)
    second = sync(mirror)
    assert second.exit_code == 0, second.output
    assert replay.compare(replayed(world.truce.db.url), replayed(str(mirror["db"]))) == []
    with world.truce.uow(write=False) as uow:
        genuine = next(e for e in uow.ledger.page(0, 100_000) if e.intent is not None)
    # The operator sequences the genuine intent again, on an entry of its own making: the
    # mirror holds the first use only as a nonce kept, not in a chain it walks again.
    forged = forge(
        world,
        lambda uow: (
            uow.sequencer(),
            [forged_proposal()],
            Authored(HOLDER_NAME, genuine.intent, genuine.intent_sig),
        ),
    )
    sign(world)
    third = sync(mirror)
    assert third.exit_code == 3, third.output
    assert f"entry {forged}: its intent" in third.output
    assert f"already used at entry {genuine.seq}: a replay" in third.output
