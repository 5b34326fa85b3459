"""Webhook subscriptions over HTTP: admins only, the secret once, bad input named."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.helpers import World, token_for
from truce.web.app import create_app

API = "/api/v1"
GOOD = {"url": "https://example.org/hooks", "event_types": ["allegation.opened"]}


@pytest.fixture
def client(world: World) -> TestClient:
    return TestClient(create_app(world.truce), raise_server_exceptions=False)


def auth(world: World, label: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token_for(world, label)}"}


def test_an_admin_subscribes_lists_and_removes_and_the_secret_is_shown_once(
    client: TestClient, world: World
) -> None:
    admin = auth(world, "admin")
    made = client.post(f"{API}/webhooks", json={**GOOD, "description": "tracker"}, headers=admin)
    assert made.status_code == 201, made.text
    body = made.json()
    assert body["secret"].startswith("whsec_") and body["active"] is True
    listed = client.get(f"{API}/webhooks", headers=admin)
    assert listed.status_code == 200
    [shown] = listed.json()
    assert shown["id"] == body["id"] and "secret" not in shown and body["secret"] not in listed.text
    assert client.delete(f"{API}/webhooks/{body['id']}", headers=admin).status_code == 204
    assert client.delete(f"{API}/webhooks/{body['id']}", headers=admin).status_code == 404
    assert client.get(f"{API}/webhooks", headers=admin).json()[0]["active"] is False


@pytest.mark.parametrize("label", ["us", "ru", "member", "monitor", "liaison", "analyst"])
def test_no_other_role_manages_subscriptions(client: TestClient, world: World, label: str) -> None:
    headers = auth(world, label)
    assert client.post(f"{API}/webhooks", json=GOOD, headers=headers).status_code == 403
    assert client.get(f"{API}/webhooks", headers=headers).status_code == 403


def test_the_public_is_asked_to_sign_in(client: TestClient) -> None:
    assert client.post(f"{API}/webhooks", json=GOOD).status_code == 401
    assert client.get(f"{API}/webhooks").status_code == 401
    assert client.get(f"{API}/webhooks/event-types").json()[0]["type"] == "allegation.opened"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"url": "javascript:alert(1)"}, "url"),
        ({"event_types": ["nothing.happened"]}, "event_types"),
        ({"event_types": []}, "event_types"),
    ],
)
def test_a_bad_subscription_names_its_field(
    client: TestClient, world: World, change: dict[str, object], field: str
) -> None:
    refused = client.post(f"{API}/webhooks", json={**GOOD, **change}, headers=auth(world, "admin"))
    assert refused.status_code == 422, refused.text
    assert field in refused.text
