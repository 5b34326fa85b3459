"""`truce ledger verify` on a real database, after each kind of tampering an operator could do."""

import json

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from truce.cli import app
from truce.domain.parties import Status
from truce.ledger.canonical import canonical_text
from truce.ledger.entry import seal
from truce.ledger.keys import Signer
from truce.services import standing

runner = CliRunner()


@pytest.fixture
def busy(world):
    """The world with a few more signed changes, so there are entries on every side of k."""
    for party, who in (("ahrar", "us"), ("fsa", "ru")):
        cmd = standing.ProposeStatus(
            world.agreement_id, world.parties[party], Status.COMMITTED, "seen acceptance"
        )
        with world.truce.uow() as uow:
            standing.propose_status(cmd, uow, actor=world.actors[who])
    return world


def verify(world, *extra):
    return runner.invoke(app, ["ledger", "verify", "--db", world.truce.db.url, *extra])


def sql(world, statement, **params):
    with world.truce.db.writer_engine.begin() as conn:
        return conn.execute(text(statement), params)


def entry(world, seq):
    with world.truce.uow(write=False) as uow:
        return uow.ledger.page(seq - 1, 1)[0]


def last_seq(world):
    with world.truce.uow(write=False) as uow:
        return uow.ledger.head()[0]


def fails_at(result, seq):
    assert result.exit_code == 1, result.output
    assert f"FAILED at entry {seq}:" in result.output, result.output


def test_an_untouched_ledger_verifies(busy):
    result = verify(busy)
    assert result.exit_code == 0, result.output
    assert "ledger OK" in result.output


def test_edited_payload_is_named(busy):
    k = last_seq(busy) - 3
    payload = entry(busy, k).payload | {"tampered": True}
    sql(
        busy,
        "UPDATE ledger_entries SET payload = :p WHERE seq = :k",
        p=canonical_text(payload),
        k=k,
    )
    fails_at(verify(busy), k)


def test_deleted_entry_is_named(busy):
    k = last_seq(busy) - 2
    sql(busy, "DELETE FROM ledger_entries WHERE seq = :k", k=k)
    fails_at(verify(busy), k)


def test_swapped_entries_are_named(busy):
    k = last_seq(busy) - 2
    first, second = entry(busy, k), entry(busy, k + 1)
    for seq, other in ((k, second), (k + 1, first)):
        sql(
            busy,
            "UPDATE ledger_entries SET at=:at, actor=:actor, key_id=:key_id, action=:action,"
            " subject=:subject, payload=:payload, prev=:prev, hash=:hash, sig=:sig"
            " WHERE seq=:seq",
            seq=seq,
            at=other.at,
            actor=other.actor,
            key_id=other.key_id,
            action=other.action,
            subject=other.subject,
            payload=canonical_text(other.payload),
            prev=other.prev,
            hash=other.hash,
            sig=other.sig,
        )
    fails_at(verify(busy), k)


def _resign(world, seq, signer):
    old = entry(world, seq)
    forged = seal(
        signer,
        seq=old.seq,
        at=old.at,
        action=old.action,
        subject=old.subject,
        payload=old.payload,
        prev=old.prev,
    )
    sql(
        world,
        "UPDATE ledger_entries SET actor=:actor, key_id=:key_id, hash=:hash, sig=:sig"
        " WHERE seq=:seq",
        actor=old.actor,
        key_id=forged.key_id,
        hash=forged.hash,
        sig=forged.sig,
        seq=seq,
    )


def test_entry_resigned_with_an_unregistered_key_is_named(busy):
    k = last_seq(busy) - 1
    _resign(busy, k, Signer.generate(entry(busy, k).actor))
    result = verify(busy)
    fails_at(result, k)
    assert "never registered" in result.output


def test_entry_resigned_with_another_holders_key_is_named(busy):
    k = last_seq(busy)
    assert entry(busy, k).actor == "ru-ops"
    with busy.truce.uow(write=False) as uow:
        us_key = uow.signer(busy.actors["us"])
    _resign(busy, k, Signer(us_key.seed, "ru-ops"))
    result = verify(busy)
    fails_at(result, k)
    assert "belongs to 'us-ops'" in result.output


def test_truncation_is_caught_against_a_known_head(busy):
    held = runner.invoke(app, ["ledger", "head", "--db", busy.truce.db.url]).output.strip()
    n = last_seq(busy)
    sql(busy, "DELETE FROM ledger_entries WHERE seq > :k", k=n - 2)
    kept = entry(busy, n - 2)
    sql(busy, "UPDATE ledger_head SET seq = :k, hash = :h", k=n - 2, h=kept.hash)
    assert verify(busy).exit_code == 0  # without a remembered head, a cut-off end looks whole
    fails_at(verify(busy, "--head", held), n - 1)


def test_a_tampered_export_file_is_named(busy, tmp_path):
    out = tmp_path / "ledger.jsonl"
    assert (
        runner.invoke(app, ["ledger", "export", str(out), "--db", busy.truce.db.url]).exit_code == 0
    )
    clean = runner.invoke(app, ["ledger", "verify", "--file", str(out)])
    assert clean.exit_code == 0, clean.output
    lines = out.read_text(encoding="utf-8").splitlines()
    k = 5
    record = json.loads(lines[k])  # line 0 is the header, so line k holds entry k
    record["payload"]["injected"] = "x"
    lines[k] = json.dumps(record, ensure_ascii=False)
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    fails_at(runner.invoke(app, ["ledger", "verify", "--file", str(out)]), k)


def test_entries_cut_off_behind_the_head_row_are_named(busy):
    n = last_seq(busy)
    sql(busy, "DELETE FROM ledger_entries WHERE seq > :k", k=n - 2)
    result = verify(busy)
    fails_at(result, n - 1)
    assert f"the head row names entry {n}" in result.output
    assert f"ends at entry {n - 2}" in result.output


def test_a_head_row_moved_back_behind_the_entries_is_named(busy):
    n = last_seq(busy)
    sql(busy, "UPDATE ledger_head SET seq = :k, hash = :h", k=n - 2, h=entry(busy, n - 2).hash)
    result = verify(busy)
    fails_at(result, n - 1)
    assert f"the head row names entry {n - 2}" in result.output
    assert f"goes on to entry {n}" in result.output


def test_a_head_row_naming_another_hash_is_named(busy):
    n = last_seq(busy)
    sql(busy, "UPDATE ledger_head SET hash = :h", h="0" * 64)
    result = verify(busy)
    fails_at(result, n)
    assert "differs from the head row's" in result.output


def test_a_missing_head_row_is_named(busy):
    sql(busy, "DELETE FROM ledger_head")
    result = verify(busy)
    fails_at(result, 1)
    assert "the head row names no entry" in result.output


def test_an_export_whose_header_ends_before_its_entries_is_named(busy, tmp_path):
    out = tmp_path / "ledger.jsonl"
    runner.invoke(app, ["ledger", "export", str(out), "--db", busy.truce.db.url])
    lines = out.read_text(encoding="utf-8").splitlines()
    header = json.loads(lines[0])
    n = header["count"]
    header |= {"count": n - 1, "head": json.loads(lines[n - 1])["hash"]}
    lines[0] = json.dumps(header)
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = runner.invoke(app, ["ledger", "verify", "--file", str(out)])
    fails_at(result, n)
    assert f"the header names entry {n - 1}" in result.output
