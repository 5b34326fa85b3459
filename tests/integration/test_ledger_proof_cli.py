"""`truce ledger prove`, `check-proof` and `verify --file --checkpoint` on a real ledger."""

import base64
import json
import time
from collections.abc import Iterator
from pathlib import Path

import nacl.signing
import pytest
from typer.testing import CliRunner

from tests.helpers import World, assert_state_replays
from truce.bootstrap import Truce
from truce.cli import app
from truce.domain.permissions import SYSTEM
from truce.ledger.canonical import canonical_text
from truce.ledger.note import COSIGNATURE_V1, Checkpoint, VerifierKey, cosign, sign_note
from truce.services import checkpoints
from truce.services.checkpoints import CheckpointPolicy

runner = CliRunner()


@pytest.fixture(autouse=True)
def _state_replays(truce: Truce) -> Iterator[None]:
    """After each test, its tables are what a replay of its ledger gives."""
    yield
    assert_state_replays(truce)


def run(*args: str):
    return runner.invoke(app, list(args))


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def tree(world: World, size: int) -> tuple[bytes, str]:
    """The root of the tree of ``size`` and the hash of entry ``size``, read from the store."""
    with world.truce.uow(write=False) as uow:
        return uow.ledger.tree.root(size), uow.ledger.page(size - 1, 1)[0].hash


def head(world: World) -> int:
    with world.truce.uow(write=False) as uow:
        return uow.ledger.head()[0]


def test_inclusion_proof_printed_then_checked_offline(world: World, tmp_path: Path) -> None:
    size = head(world)
    seq = size // 2
    root, _ = tree(world, size)
    _, entry_hash = tree(world, seq)
    printed = run("ledger", "prove", "inclusion", str(seq), "--size", str(size),
                  "--db", world.truce.db.url)  # fmt: skip
    assert printed.exit_code == 0, printed.output
    proof = json.loads(printed.output)
    assert (proof["seq"], proof["tree_size"]) == (seq, size)
    assert proof["hashes"]
    file = tmp_path / "inclusion.json"
    file.write_text(printed.output)

    good = run("ledger", "check-proof", str(file), "--root", b64(root), "--entry-hash", entry_hash)
    assert good.exit_code == 0, good.output
    assert f"proof OK: entry {seq} is in the tree of {size} entries" in good.output

    other_root, other_hash = tree(world, size - 1)
    wrong_root = run("ledger", "check-proof", str(file), "--root", b64(other_root))
    assert wrong_root.exit_code == 1 and "proof FAILED" in wrong_root.output
    wrong_entry = run("ledger", "check-proof", str(file), "--root", root.hex(),
                      "--entry-hash", other_hash)  # fmt: skip
    assert wrong_entry.exit_code == 1 and "another leaf" in wrong_entry.output
    # A size only counts where the path's shape depends on it; the checkpoint ties root to size.
    for changed in ({"tree_size": size * 2}, {"seq": seq + 1}):
        file.write_text(json.dumps(proof | changed))
        wrong = run("ledger", "check-proof", str(file), "--root", b64(root))
        assert wrong.exit_code == 1, (changed, wrong.output)


def test_consistency_proof_printed_then_checked_offline(world: World, tmp_path: Path) -> None:
    new = head(world)
    old = new - 3
    (old_root, _), (new_root, _) = tree(world, old), tree(world, new)
    printed = run("ledger", "prove", "consistency", str(old), str(new), "--db", world.truce.db.url)
    assert printed.exit_code == 0, printed.output
    assert json.loads(printed.output)["from"] == old
    file = tmp_path / "consistency.json"
    file.write_text(printed.output)
    good = run("ledger", "check-proof", str(file), "--root", b64(new_root),
               "--old-root", b64(old_root))  # fmt: skip
    assert good.exit_code == 0, good.output
    bad = run("ledger", "check-proof", str(file), "--root", b64(new_root),
              "--old-root", b64(tree(world, old - 1)[0]))  # fmt: skip
    assert bad.exit_code == 1 and "proof FAILED" in bad.output
    missing = run("ledger", "check-proof", str(file), "--root", b64(new_root))
    assert missing.exit_code == 2 and "--old-root" in missing.output


def test_bad_proof_requests_name_the_problem(world: World, tmp_path: Path) -> None:
    beyond = run("ledger", "prove", "inclusion", "1", "--size", "999999", "--db",
                 world.truce.db.url)  # fmt: skip
    assert beyond.exit_code == 2 and "beyond it" in beyond.output
    reversed_ = run("ledger", "prove", "consistency", "5", "2", "--db", world.truce.db.url)
    assert reversed_.exit_code == 2 and "from" in reversed_.output
    file = tmp_path / "junk.json"
    file.write_text("{}")
    junk = run("ledger", "check-proof", str(file), "--root", "0" * 64)
    assert junk.exit_code == 2 and "not a proof" in junk.output
    short = run("ledger", "check-proof", str(file), "--root", "abc")
    assert short.exit_code == 2 and "--root" in short.output


# --- an export checked against a cosigned checkpoint ---------------------------------------------


@pytest.fixture
def cosigned(world: World, tmp_path: Path) -> dict:
    """An export file, the newest checkpoint cosigned by the US witness, and the keys."""
    seed = nacl.signing.SigningKey.generate()
    witness = VerifierKey("us.example/witness", COSIGNATURE_V1, bytes(seed.verify_key))
    with world.truce.uow() as uow:
        checkpoints.register_witness(
            checkpoints.RegisterWitness(world.actors["us"].user_id, witness.encode()),
            uow, actor=world.actors["us"],
        )  # fmt: skip
    with world.truce.uow() as uow:
        signed = checkpoints.sign_due(uow, CheckpointPolicy(), force=True)
    assert signed is not None
    with world.truce.uow(write=False) as uow:
        found = checkpoints.cosigned(uow)
        system_seed = uow.signer(SYSTEM).seed
    body = found.note().split("\n\n")[0] + "\n"
    line = cosign(body, witness.name, bytes(seed), int(time.time())).line().strip()
    with world.truce.uow() as uow:
        checkpoints.add_cosignature(checkpoints.PostCosignature(signed.size, line), uow,
                                    actor=world.actors["us"])  # fmt: skip
    with world.truce.uow(write=False) as uow:
        note = checkpoints.cosigned(uow, signed.size)
    export = tmp_path / "ledger.jsonl"
    assert run("ledger", "export", str(export), "--db", world.truce.db.url).exit_code == 0
    note_file = tmp_path / "checkpoint.note"
    note_file.write_text(note.note())
    return {"export": export, "note": note_file, "log_key": note.log_key, "size": signed.size,
            "witness": witness.encode(), "body": body, "system_seed": system_seed,
            "origin": Checkpoint.parse(body).origin}  # fmt: skip


def verify(c: dict, *extra: str, note: Path | None = None, export: Path | None = None):
    return run("ledger", "verify", "--file", str(export or c["export"]), "--checkpoint",
               str(note or c["note"]), "--log-key", c["log_key"], *extra)  # fmt: skip


def test_a_real_export_matches_its_cosigned_checkpoint(cosigned: dict) -> None:
    result = verify(cosigned, "--witness-key", cosigned["witness"])
    assert result.exit_code == 0, result.output
    assert "ledger OK" in result.output
    assert f"checkpoint OK: the first {cosigned['size']} entries" in result.output
    assert "cosigned by us.example/witness" in result.output


def test_a_tampered_entry_is_named(cosigned: dict, tmp_path: Path) -> None:
    lines = cosigned["export"].read_text().splitlines()
    entry = json.loads(lines[3])
    entry["payload"] = entry["payload"] | {"tampered": True}
    lines[3] = canonical_text(entry)
    tampered = tmp_path / "tampered.jsonl"
    tampered.write_text("\n".join(lines) + "\n")
    result = verify(cosigned, export=tampered)
    assert result.exit_code == 1
    assert f"FAILED at entry {entry['seq']}" in result.output


def test_a_note_with_a_wrong_root_fails_naming_the_root(cosigned: dict, tmp_path: Path) -> None:
    # Signed by the server's own key, so only the recomputed root can catch it.
    wrong = Checkpoint(cosigned["origin"], cosigned["size"], b"\x07" * 32)
    note = tmp_path / "wrong.note"
    note.write_text(sign_note(wrong.body(), wrong.origin, cosigned["system_seed"]).text())
    result = verify(cosigned, note=note)
    assert result.exit_code == 1
    assert f"the root of the first {cosigned['size']} entries is" in result.output
    assert "the checkpoint says " + b64(b"\x07" * 32) in result.output


def test_a_missing_or_broken_cosignature_is_named(cosigned: dict, tmp_path: Path) -> None:
    other = nacl.signing.SigningKey.generate()
    stranger = VerifierKey("ru.example/witness", COSIGNATURE_V1, bytes(other.verify_key))
    missing = verify(cosigned, "--witness-key", stranger.encode())
    assert missing.exit_code == 1
    assert "no cosignature by witness ru.example/witness" in missing.output

    text = cosigned["note"].read_text()
    last = text.rstrip("\n").rsplit("\n", 1)[1]
    name, data = last.rsplit(" ", 1)
    raw = bytearray(base64.b64decode(data))
    raw[-1] ^= 1
    broken = tmp_path / "broken.note"
    broken.write_text(text.replace(last, f"{name} {b64(bytes(raw))}"))
    result = verify(cosigned, "--witness-key", cosigned["witness"], note=broken)
    assert result.exit_code == 1
    assert "the cosignature by witness us.example/witness does not hold" in result.output


def test_a_note_not_signed_by_the_trusted_log_key_fails(cosigned: dict) -> None:
    impostor = nacl.signing.SigningKey.generate()
    key = VerifierKey(cosigned["origin"], 1, bytes(impostor.verify_key))
    result = run("ledger", "verify", "--file", str(cosigned["export"]), "--checkpoint",
                 str(cosigned["note"]), "--log-key", key.encode())  # fmt: skip
    assert result.exit_code == 1
    assert "the server's signature" in result.output and "does not hold" in result.output
    no_key = run("ledger", "verify", "--file", str(cosigned["export"]), "--checkpoint",
                 str(cosigned["note"]))  # fmt: skip
    assert no_key.exit_code == 2 and "--log-key" in no_key.output
