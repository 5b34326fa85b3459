"""Condition clocks over HTTP and on their page: the public reads them, only guarantors reset,
and each reset waits for every guarantor."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.helpers import World, token_for
from truce.domain.permissions import SYSTEM
from truce.services import agreements
from truce.web.app import create_app

API = "/api/v1"
RULE = {
    "name": "Seven days of calm",
    "days": 7,
    "outcomes": ["allegation", "flagged"],
    "verdicts": ["protected", "mixed"],
    "families": ["hostilities", "access"],
}


@pytest.fixture
def client(world: World) -> TestClient:
    with world.truce.uow() as uow:
        base = uow.agreements.get(world.agreement_id)
        assert base is not None
        agreements.create_agreement(
            agreements.NewAgreement(
                slug="renewed",
                title="Renewed arrangement",
                signed_at=base.signed_at,
                effective_at=base.effective_at,
                acceptance_deadline=base.acceptance_deadline,
                timezone="Asia/Damascus",
                guarantors=("US", "RU"),
                procedures={"clocks": {"calm": RULE}},
            ),
            uow,
            actor=SYSTEM,
        )
    return TestClient(create_app(world.truce), raise_server_exceptions=False)


def auth(world: World, label: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token_for(world, label)}"}


def test_the_public_reads_the_clock_and_two_keys_reset_it(client: TestClient, world: World) -> None:
    [calm] = client.get(f"{API}/clocks").json()
    assert (calm["key"], calm["days"], calm["running"]) == ("calm", 7, True)
    assert calm["calm_days"] >= 7 and calm["met"] is True  # no incident since 2016
    made = client.post(
        f"{API}/clocks/calm/resets", json={"reason": "New count"}, headers=auth(world, "us")
    )
    assert made.status_code == 201, made.text
    assert made.json()["state"] == "open"
    reset_id = made.json()["id"]
    for label, status in (("member", 403), ("monitor", 403), ("liaison", 403), ("us", 409)):
        answer = client.post(
            f"{API}/clocks/resets/{reset_id}/votes",
            json={"vote": "approve"},
            headers=auth(world, label),
        )
        assert answer.status_code == status, (label, answer.text)
    assert (
        client.post(f"{API}/clocks/resets/{reset_id}/votes", json={"vote": "approve"}).status_code
        == 401
    )
    bare = client.post(
        f"{API}/clocks/resets/{reset_id}/votes", json={"vote": "reject"}, headers=auth(world, "ru")
    )
    assert bare.status_code == 422 and bare.json()["field"] == "reason"
    agreed = client.post(
        f"{API}/clocks/resets/{reset_id}/votes", json={"vote": "approve"}, headers=auth(world, "ru")
    )
    assert agreed.json()["state"] == "agreed"
    [after] = client.get(f"{API}/clocks").json()
    assert len(after["runs"]) == 2 and after["runs"][0]["end"] == "reset"
    assert after["calm_days"] == 0 and not after["met"]
    assert client.get(f"{API}/clocks/nothing").status_code == 404


def test_the_page_shows_the_counter_and_the_forms_to_guarantors(
    client: TestClient, world: World
) -> None:
    page = client.get("/clocks")
    assert page.status_code == 200
    assert 'data-testid="clock-counter" data-running="yes"' in page.text
    assert "Propose a reset" not in page.text  # the public sees no form
    assert 'hx-get="/clocks/panel"' in client.get("/clocks/panel").text
