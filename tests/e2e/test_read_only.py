"""A read-only copy (a witness mirror, a replica) answers every write 405 and stores nothing,
while reads work as on the server it copies."""

from __future__ import annotations

from dataclasses import replace

from fastapi.testclient import TestClient

from tests.helpers import World, token_for
from truce.web.app import create_app

API = "/api/v1"


def _read_only_client(world: World) -> TestClient:
    settings = world.truce.settings.model_copy(update={"read_only": True})
    return TestClient(create_app(replace(world.truce, settings=settings)))


def test_an_api_write_is_refused_with_the_reason_and_nothing_is_stored(world: World) -> None:
    client = _read_only_client(world)
    headers = {"Authorization": f"Bearer {token_for(world, 'liaison')}"}
    body = {"agreement_id": world.agreement_id, "party_id": world.parties["fsa"], "guarantor": "US"}
    refused = client.post(f"{API}/commitments", json=body, headers=headers)
    assert refused.status_code == 405, refused.text
    assert refused.json()["code"] == "read_only"
    assert "read-only copy" in refused.json()["detail"]
    with world.truce.uow(write=False) as uow:
        assert uow.commitments.list(world.agreement_id) == []
    assert client.get(f"{API}/parties").status_code == 200


def test_a_page_write_is_refused_in_the_reader_s_language(world: World) -> None:
    client = _read_only_client(world)
    client.cookies.set("truce_lang", "ru")
    refused = client.post("/login", data={"username": "admin", "password": "x"})
    assert refused.status_code == 405
    assert "<html" in refused.text
    assert client.get("/").status_code == 200
