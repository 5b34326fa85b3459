"""Signed intents over HTTP: a guarantor who holds their own key writes through the API, and
the entry, its intent and the receipt all check out (docs/api.md, "Signed intents")."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.helpers import World, token_for
from truce.domain.permissions import SYSTEM, Role
from truce.ledger import intents
from truce.ledger.keys import Signer, signature_holds, unb64
from truce.ledger.verify import verify
from truce.services import users
from truce.web.app import create_app

API = "/api/v1"
PATH = f"{API}/status-proposals"


@pytest.fixture
def keeper(world: World) -> Signer:
    """A Russian guarantor whose key only they hold."""
    signer = Signer.generate("ru-keeper")
    with world.truce.uow() as uow:
        view = users.add_user(
            users.NewUser(
                "ru-keeper", Role.GUARANTOR, None, state="RU", public_key=signer.public_key
            ),
            uow,
            actor=SYSTEM,
        )
        user = uow.users.get(view.id)
        assert user is not None
        world.actors["keeper"] = users.actor_of(user)
    return signer


@pytest.fixture
def client(world: World) -> TestClient:
    return TestClient(create_app(world.truce), raise_server_exceptions=False)


def body_for(world: World, party: str = "ahrar") -> bytes:
    proposal = {
        "agreement_id": world.agreement_id,
        "party_id": world.parties[party],
        "status": "committed",
        "reason": "declared to the task force",
    }
    return json.dumps(proposal).encode()


def signed_headers(
    world: World, signer: Signer, body: bytes, path: str = PATH, **intent_fields: Any
) -> dict[str, str]:
    intent, signature = intents.sign_intent(
        signer,
        action=intent_fields.pop("action", f"POST {path}"),
        subject=intent_fields.pop("subject", path),
        payload={"body_sha256": hashlib.sha256(body).hexdigest()},
        **intent_fields,
    )
    return {
        "Authorization": f"Bearer {token_for(world, 'keeper')}",
        "Content-Type": "application/json",
        "Truce-Intent": intents.encode(intent),
        "Truce-Intent-Signature": signature,
    }


def ledger(world: World):
    with world.truce.uow(write=False) as uow:
        return uow.ledger.page(0, 100_000)


def test_a_signed_write_is_sequenced_with_its_intent_and_a_receipt(
    client: TestClient, world: World, keeper: Signer
) -> None:
    body = body_for(world)
    headers = signed_headers(world, keeper, body)
    response = client.post(PATH, content=body, headers=headers)
    assert response.status_code == 201, response.text
    receipt = json.loads(intents.b64url_decode(response.headers["Truce-Receipt"]))
    entry = next(e for e in ledger(world) if e.intent is not None)
    assert entry.actor == "ru-keeper" and entry.action == "party.status_proposed"
    assert intents.encode(entry.intent) == headers["Truce-Intent"]
    assert signature_holds(keeper.public_key, intents.intent_bytes(entry.intent), entry.intent_sig)
    assert receipt["entries"] == [{"seq": entry.seq, "hash": entry.hash}]
    assert receipt["intent_sha256"] == intents.intent_hash(entry.intent)
    # The receipt is signed by the key the genesis entry carries.
    genesis = ledger(world)[0]
    system = genesis.payload["keys"][0]
    assert receipt["key_id"] == system["key_id"] == entry.key_id
    assert intents.receipt_holds(unb64(system["public_key"]), receipt)
    assert not intents.receipt_holds(keeper.public_key, receipt)
    report = verify(ledger(world))
    assert report.ok, report.failure
    assert report.authored == 1


def test_a_replayed_request_is_refused(client: TestClient, world: World, keeper: Signer) -> None:
    body = body_for(world)
    headers = signed_headers(world, keeper, body)
    assert client.post(PATH, content=body, headers=headers).status_code == 201
    count = len(ledger(world))
    again = client.post(PATH, content=body, headers=headers)
    assert again.status_code == 403, again.text
    assert "used already" in again.json()["detail"]
    assert len(ledger(world)) == count


def test_an_intent_for_another_body_is_refused(
    client: TestClient, world: World, keeper: Signer
) -> None:
    headers = signed_headers(world, keeper, body_for(world, "ahrar"))
    response = client.post(PATH, content=body_for(world, "fsa"), headers=headers)
    assert response.status_code == 401, response.text
    assert response.json()["field"] == "Truce-Intent"
    assert "body_sha256" in response.json()["detail"]


def test_a_key_holder_without_an_intent_is_refused(
    client: TestClient, world: World, keeper: Signer
) -> None:
    count = len(ledger(world))
    response = client.post(
        PATH,
        content=body_for(world),
        headers={
            "Authorization": f"Bearer {token_for(world, 'keeper')}",
            "Content-Type": "application/json",
        },
    )
    assert response.status_code == 403, response.text
    assert "intent you signed" in response.json()["detail"]
    assert len(ledger(world)) == count


def test_half_an_intent_is_refused(client: TestClient, world: World, keeper: Signer) -> None:
    body = body_for(world)
    headers = signed_headers(world, keeper, body)
    del headers["Truce-Intent-Signature"]
    response = client.post(PATH, content=body, headers=headers)
    assert response.status_code == 401
    assert "Truce-Intent-Signature" in response.json()["detail"]


def test_a_server_held_user_writes_as_before(client: TestClient, world: World) -> None:
    response = client.post(
        PATH,
        content=body_for(world),
        headers={
            "Authorization": f"Bearer {token_for(world, 'ru')}",
            "Content-Type": "application/json",
        },
    )
    assert response.status_code == 201, response.text
    assert "Truce-Receipt" not in response.headers


def test_a_decision_makes_several_entries_under_one_intent(
    client: TestClient, world: World, keeper: Signer
) -> None:
    us = {"Authorization": f"Bearer {token_for(world, 'us')}", "Content-Type": "application/json"}
    proposed = client.post(PATH, content=body_for(world), headers=us)
    assert proposed.status_code == 201, proposed.text
    path = f"{PATH}/{proposed.json()['id']}/decision"
    body = json.dumps({"decision": "approve", "reason": "seen"}).encode()
    headers = signed_headers(
        world, keeper, body, path, action=f"POST {PATH}/{{id}}/decision", subject=path
    )
    response = client.post(path, content=body, headers=headers)
    assert response.status_code in (200, 201), response.text
    receipt = json.loads(intents.b64url_decode(response.headers["Truce-Receipt"]))
    signed = [e for e in ledger(world) if e.intent is not None]
    assert len(signed) >= 2  # the decision and the status change it makes
    assert receipt["entries"] == [{"seq": e.seq, "hash": e.hash} for e in signed]
    assert len({e.intent["nonce"] for e in signed}) == 1
    report = verify(ledger(world))
    assert report.ok, report.failure
    assert report.authored == len(signed)
