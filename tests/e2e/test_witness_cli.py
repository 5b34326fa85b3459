"""`truce witness cosign` against a real server (uvicorn on 127.0.0.1), on both databases: it
cosigns a log that only grows, and refuses one whose history was rewritten, keeping evidence."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import nacl.signing
import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from tests.e2e.browsing import serve
from tests.helpers import World, token_for
from truce.cli import app
from truce.domain.permissions import SYSTEM
from truce.ledger.note import ED25519, Checkpoint, Note, VerifierKey
from truce.services import checkpoints
from truce.services.checkpoints import CheckpointPolicy
from truce.store.ledger_store import Change
from truce.web.app import create_app

runner = CliRunner()


@pytest.fixture
def server(world: World) -> Iterator[str]:
    with serve(create_app(world.truce), ready_path="/api/v1/ledger/head") as url:
        yield url


@pytest.fixture
def witness(world: World, tmp_path: Path) -> dict:
    """A US witness key made with the CLI, registered for the US guarantor, and its token."""
    key = tmp_path / "witness.key"
    made = runner.invoke(app, ["witness", "new-key", "us.example/witness", str(key)])
    assert made.exit_code == 0, made.output
    assert key.stat().st_mode & 0o777 == 0o600
    with world.truce.uow() as uow:
        checkpoints.register_witness(
            checkpoints.RegisterWitness(world.actors["us"].user_id, made.output.strip()),
            uow, actor=world.actors["us"],
        )  # fmt: skip
    return {"key": key, "token": token_for(world, "us"), "state": tmp_path / "w" / "state.json"}


def cosign(url: str, w: dict, *extra: str):
    return runner.invoke(app, ["witness", "cosign", "--url", url, "--key", str(w["key"]),
                               "--state-file", str(w["state"]), *extra],
                         env={"TRUCE_API_TOKEN": w["token"]})  # fmt: skip


def append(world: World, count: int, tag: str) -> None:
    with world.truce.uow() as uow:
        uow.record(SYSTEM, *(Change("test.appended", f"test:{n}", {"tag": tag, "n": n})
                             for n in range(count)))  # fmt: skip
        uow.commit()


def sign(world: World) -> int:
    with world.truce.uow() as uow:
        signed = checkpoints.sign_due(uow, CheckpointPolicy(), force=True)
    assert signed is not None
    return signed.size


def size_now(world: World) -> int:
    with world.truce.uow(write=False) as uow:
        return uow.ledger.head()[0]


def rewrite_history(world: World, keep: int) -> None:
    """What an operator holding the database can do: cut the ledger back to ``keep`` entries,
    with its tree, checkpoints and head, so that a different history can be appended."""
    with world.truce.db.writer_engine.begin() as conn:
        conn.execute(text("DELETE FROM ledger_cosignatures WHERE size > :k"), {"k": keep})
        conn.execute(text("DELETE FROM ledger_checkpoints WHERE size > :k"), {"k": keep})
        conn.execute(text("DELETE FROM ledger_entries WHERE seq > :k"), {"k": keep})
        hashes = [h for (h,) in conn.execute(text("SELECT hash FROM ledger_entries ORDER BY seq"))]
        head = {"k": keep, "h": hashes[-1]}
        conn.execute(text("UPDATE ledger_head SET seq = :k, hash = :h"), head)
        conn.execute(text("DELETE FROM merkle_nodes"))
    with world.truce.uow() as uow:
        uow.ledger.tree.grow(0, hashes)
        uow.commit()


def served_note(world: World, size: int) -> str:
    with world.truce.uow(write=False) as uow:
        return checkpoints.cosigned(uow, size).note()


def test_a_growing_log_is_cosigned_and_the_cosignature_posted(
    world: World, server: str, witness: dict
) -> None:
    first = sign(world)
    result = cosign(server, witness)
    assert result.exit_code == 0, result.output
    assert f"cosigned checkpoint {first}" in result.output
    assert "pinned the log key" in result.output
    note = Note.parse(served_note(world, first))
    assert [s.name for s in note.signatures][1:] == ["us.example/witness"]

    append(world, 5, "more")
    second = sign(world)
    grown = cosign(server, witness)
    assert grown.exit_code == 0, grown.output
    assert f"cosigned checkpoint {second}" in grown.output and "pinned" not in grown.output
    state = json.loads(witness["state"].read_text())
    assert f"\n{second}\n" in state["note"]
    again = cosign(server, witness)
    assert again.exit_code == 0 and "nothing new" in again.output


def test_a_rewritten_history_is_refused_with_evidence(
    world: World, server: str, witness: dict
) -> None:
    sign(world)
    assert cosign(server, witness).exit_code == 0
    append(world, 4, "true")
    cosigned = sign(world)
    assert cosign(server, witness).exit_code == 0
    before = served_note(world, cosigned)

    rewrite_history(world, cosigned - 3)
    append(world, 6, "rewritten")
    shown = sign(world)
    assert shown > cosigned
    result = cosign(server, witness)
    assert result.exit_code == 3, result.output
    assert "MISBEHAVIOUR" in result.output
    assert f"does not extend the one of size {cosigned}" in result.output
    (evidence,) = witness["state"].parent.glob("evidence-*")
    assert (evidence / "cosigned-before.note").read_text() == before
    assert f"\n{shown}\n" in (evidence / "shown-now.note").read_text()
    assert "does not extend" in (evidence / "reason.txt").read_text()
    # Nothing was posted for the rewritten checkpoint, and the witness stays distrustful.
    assert len(Note.parse(served_note(world, shown)).signatures) == 1
    later = cosign(server, witness)
    assert later.exit_code == 3 and "caught before" in later.output


def test_a_split_view_of_the_same_size_is_refused(world: World, server: str, witness: dict) -> None:
    append(world, 3, "true")
    cosigned = sign(world)
    assert cosign(server, witness).exit_code == 0
    rewrite_history(world, cosigned - 2)
    append(world, 2, "other")
    assert sign(world) == cosigned
    result = cosign(server, witness)
    assert result.exit_code == 3, result.output
    assert f"two roots for the tree of size {cosigned}: a split view" in result.output
    assert len(list(witness["state"].parent.glob("evidence-*"))) == 1


def test_a_checkpoint_not_signed_by_the_trusted_key_is_refused(
    world: World, server: str, witness: dict
) -> None:
    size = sign(world)
    origin = Checkpoint.parse(Note.parse(served_note(world, size)).body).origin
    impostor = nacl.signing.SigningKey.generate()
    trusted = VerifierKey(origin, ED25519, bytes(impostor.verify_key)).encode()
    result = cosign(server, witness, "--log-key", trusted)
    assert result.exit_code == 1, result.output
    assert "refused: the log's signature on the checkpoint does not hold" in result.output
    assert not witness["state"].exists()
    assert len(Note.parse(served_note(world, size)).signatures) == 1
    no_token = runner.invoke(app, ["witness", "cosign", "--url", server, "--key",
                                   str(witness["key"]), "--state-file", str(witness["state"])],
                             env={"TRUCE_API_TOKEN": ""})  # fmt: skip
    assert no_token.exit_code == 2 and "--token" in no_token.output
