"""The hotline over HTTP: who may use it, a message acknowledged, and the live feed as
server-sent events from a real server, replayed after a reconnect without loss or repeat."""

from __future__ import annotations

import json
import urllib.request
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.e2e.browsing import serve
from tests.helpers import World, token_for
from truce.web.app import create_app

API = "/api/v1"


@pytest.fixture
def client(world: World) -> TestClient:
    return TestClient(create_app(world.truce), raise_server_exceptions=False)


def auth(world: World, label: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token_for(world, label)}"}


def open_and_send(
    client: TestClient, world: World, text: str = "Срочно: Хан-Шейхун"
) -> tuple[int, int]:
    us = auth(world, "us")
    thread = client.post(
        f"{API}/hotline/threads", json={"kind": "guarantors", "subject": "4 March"}, headers=us
    )
    assert thread.status_code == 201, thread.text
    sent = client.post(
        f"{API}/hotline/threads/{thread.json()['id']}/messages",
        json={"text": text, "priority": "urgent", "lang": "ru"},
        headers=us,
    )
    assert sent.status_code == 201, sent.text
    return thread.json()["id"], sent.json()["id"]


def test_a_guarantor_writes_and_the_other_acknowledges(client: TestClient, world: World) -> None:
    thread_id, message_id = open_and_send(client, world)
    ru = auth(world, "ru")
    [listed] = client.get(f"{API}/hotline/threads", headers=ru).json()
    assert (listed["id"], listed["waiting"], listed["sides"]) == (
        thread_id,
        1,
        ["state:US", "state:RU"],
    )
    shown = client.get(f"{API}/hotline/threads/{thread_id}", headers=ru).json()
    assert shown["messages"][0]["text"] == "Срочно: Хан-Шейхун"
    assert client.post(f"{API}/hotline/threads/{thread_id}/read", headers=ru).json() == {"read": 1}
    acked = client.post(f"{API}/hotline/messages/{message_id}/acknowledge", headers=ru)
    assert acked.status_code == 200
    assert acked.json()["receipts"][0]["acknowledged_by"] == "ru-ops"
    own = client.post(f"{API}/hotline/messages/{message_id}/acknowledge", headers=auth(world, "us"))
    assert own.status_code == 422 and own.json()["field"] == "message_id"
    assert client.get(f"{API}/hotline/overdue", headers=ru).json() == []


OUTSIDERS = [("liaison", 404), ("admin", 403), ("monitor", 403), ("member", 403),
             ("analyst", 403), (None, 401)]  # fmt: skip


@pytest.mark.parametrize(("label", "status"), OUTSIDERS)
def test_no_one_else_reads_the_guarantors_thread(
    client: TestClient, world: World, label: str | None, status: int
) -> None:
    thread_id, _ = open_and_send(client, world)
    headers = auth(world, label) if label else {}
    assert client.get(f"{API}/hotline/threads/{thread_id}", headers=headers).status_code == status
    sent = client.post(
        f"{API}/hotline/threads/{thread_id}/messages", json={"text": "x"}, headers=headers
    )
    assert sent.status_code == status


def test_bad_input_names_the_field(client: TestClient, world: World) -> None:
    us = auth(world, "us")
    for body, field in (
        ({"kind": "everyone", "subject": "x"}, "kind"),
        ({"kind": "liaison", "subject": "x"}, "party_id"),
        ({"kind": "guarantors", "subject": ""}, "subject"),
    ):
        refused = client.post(f"{API}/hotline/threads", json=body, headers=us)
        assert refused.status_code == 422 and field in refused.text, (body, refused.text)
    thread_id, _ = open_and_send(client, world)
    blank = client.post(
        f"{API}/hotline/threads/{thread_id}/messages", json={"text": "   "}, headers=us
    )
    assert blank.status_code == 422 and blank.json()["field"] == "text"


def _events(
    url: str, token: str, wanted: int, last_event_id: str | None = None
) -> list[dict[str, Any]]:
    """Read ``wanted`` events from the stream, then hang up (as a closing browser does)."""
    headers = {"Authorization": f"Bearer {token}", "Accept": "text/event-stream"}
    if last_event_id is not None:
        headers["Last-Event-ID"] = last_event_id
    request = urllib.request.Request(f"{url}{API}/hotline/events", headers=headers)
    found: list[dict[str, Any]] = []
    current: dict[str, Any] = {}
    with urllib.request.urlopen(request, timeout=10) as stream:
        for raw in stream:
            line = raw.decode("utf-8").rstrip("\r\n")
            if not line:
                if "data" in current:
                    found.append(current)
                    if len(found) == wanted:
                        break
                current = {}
            elif not line.startswith(":"):
                key, _, value = line.partition(":")
                current[key] = json.loads(value.strip()) if key == "data" else value.strip()
    return found


def test_the_live_feed_replays_from_the_last_event_id(client: TestClient, world: World) -> None:
    thread_id, message_id = open_and_send(client, world)
    ru = auth(world, "ru")
    client.post(f"{API}/hotline/threads/{thread_id}/read", headers=ru)
    client.post(f"{API}/hotline/messages/{message_id}/acknowledge", headers=ru)
    token = token_for(world, "ru")
    with serve(create_app(world.truce), "/api/v1/ledger/head") as url:
        first = _events(url, token, 1)
        rest = _events(url, token, 2, last_event_id=first[0]["id"])
        assert _events(url, token_for(world, "us"), 3) != []
    assert [e["event"] for e in first + rest] == ["message", "read", "acknowledged"]
    assert first[0]["data"]["message"]["text"] == "Срочно: Хан-Шейхун"
    ids = [int(e["id"]) for e in first + rest]
    assert ids == sorted(set(ids))  # in order, none twice
    refused = client.get(f"{API}/hotline/events", headers=auth(world, "analyst"))
    assert refused.status_code == 403
