"""The Merkle proofs and co-signed checkpoints over the API, on both databases."""

import base64
import time

import nacl.signing
import pytest
from fastapi.testclient import TestClient

from tests.e2e.test_api import API, auth
from tests.helpers import World
from truce.ledger.merkle import verify_consistency, verify_inclusion
from truce.ledger.note import COSIGNATURE_V1, Checkpoint, Note, VerifierKey
from truce.ledger.witness import cosign_checkpoint
from truce.services import checkpoints
from truce.services.checkpoints import CheckpointPolicy
from truce.web.app import create_app


@pytest.fixture
def client(world: World) -> TestClient:
    return TestClient(create_app(world.truce), raise_server_exceptions=False)


def _sign(world: World) -> None:
    with world.truce.uow() as uow:
        checkpoints.sign_due(uow, CheckpointPolicy(), force=True)


def test_proofs_verify_against_the_signed_checkpoint(client: TestClient, world: World) -> None:
    _sign(world)
    found = client.get(f"{API}/ledger/checkpoint")
    assert found.status_code == 200, found.text
    body = found.json()
    size, root = body["size"], base64.b64decode(body["root"])
    log_key = VerifierKey.parse(body["log_key"])
    assert Checkpoint.parse(Note.parse(body["note"]).body).root == root
    proof = client.get(f"{API}/ledger/proof/inclusion", params={"seq": 2, "size": size}).json()
    hashes = [bytes.fromhex(h) for h in proof["hashes"]]
    assert proof["tree_size"] == size
    assert verify_inclusion(1, size, bytes.fromhex(proof["leaf_hash"]), hashes, root)
    old = client.get(f"{API}/ledger/proof/inclusion", params={"seq": 1, "size": 1}).json()
    consistency = client.get(f"{API}/ledger/proof/consistency", params={"from": 1, "to": size})
    path = [bytes.fromhex(h) for h in consistency.json()["hashes"]]
    assert verify_consistency(1, size, bytes.fromhex(old["leaf_hash"]), root, path)

    seed = nacl.signing.SigningKey.generate()
    key = VerifierKey("us.example/witness", COSIGNATURE_V1, bytes(seed.verify_key))
    us = world.actors["us"]
    registered = client.post(f"{API}/ledger/witnesses", headers=auth(world, "us"),
                             json={"user_id": us.user_id, "vkey": key.encode()})  # fmt: skip
    assert registered.status_code == 201, registered.text
    made = cosign_checkpoint(None, body["note"], [], log_key=log_key, witness_name=key.name,
                             witness_seed=bytes(seed), timestamp=int(time.time()))  # fmt: skip
    line = made.signature.line().strip()
    posted = client.post(f"{API}/ledger/checkpoint/cosignatures", headers=auth(world, "us"),
                         json={"size": size, "cosignature": line})  # fmt: skip
    assert posted.status_code == 201, posted.text
    note = client.get(f"{API}/ledger/checkpoint", params={"size": size}).json()["note"]
    assert note.endswith(line + "\n")
    unknown = client.post(f"{API}/ledger/checkpoint/cosignatures", headers=auth(world, "us"),
                          json={"size": size + 99, "cosignature": line})  # fmt: skip
    assert unknown.status_code == 404


def test_bad_sizes_are_refused_naming_the_field(client: TestClient, world: World) -> None:
    beyond = client.get(f"{API}/ledger/proof/inclusion", params={"seq": 1, "size": 10**6})
    assert beyond.status_code == 404 and beyond.json()["field"] == "size"
    after = client.get(f"{API}/ledger/proof/inclusion", params={"seq": 3, "size": 2})
    assert after.status_code == 422
    reversed_ = client.get(f"{API}/ledger/proof/consistency", params={"from": 3, "to": 2})
    assert reversed_.status_code == 422
    assert client.get(f"{API}/ledger/proof/inclusion", params={"seq": 0}).status_code == 422
    assert client.get(f"{API}/ledger/checkpoint").status_code == 404
