"""Allegations over HTTP: filing, the queue, and the seal: before every guarantor has
submitted, a guarantor reads only its own assessment and nobody else reads any."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.ucdp import PROTECTED, Month, ucdp_month
from truce.bootstrap import Truce
from truce.domain.permissions import SYSTEM, Role
from truce.services import users
from truce.web.app import create_app

API = "/api/v1"
ASSESSMENT = {
    "conclusion": "confirmed",
    "threat": "high",
    "nature": "shelling",
    "rationale": "Two sources agree.",
}


@pytest.fixture
def month(truce: Truce) -> Month:
    found = ucdp_month(truce, link=True)
    with truce.uow() as uow:
        view = users.add_user(
            users.NewUser("ru-ops", Role.GUARANTOR, None, state="RU"), uow, actor=SYSTEM
        )
        found.actors["ru"] = users.actor_of(uow.users.get(view.id))  # type: ignore[arg-type]
    return found


@pytest.fixture
def client(month: Month) -> TestClient:
    return TestClient(create_app(month.truce), raise_server_exceptions=False)


def bearer(month: Month, role: str) -> dict[str, str]:
    with month.truce.uow() as uow:
        token = users.issue_token("test", uow, actor=month.actors[role])
    return {"Authorization": f"Bearer {token}"}


def test_the_seal_holds_over_http(client: TestClient, month: Month) -> None:
    filed = client.post(
        f"{API}/allegations",
        json={
            "incident_ids": [month.incident_of(PROTECTED)],
            "party_id": month.parties["fsa"],
            "term": 2,
            "evidence": "Seen by the monitor.",
        },
        headers=bearer(month, "monitor"),
    )
    assert filed.status_code == 201, filed.text
    allegation = filed.json()["id"]
    us, ru = bearer(month, "guarantor"), bearer(month, "ru")
    made = client.post(f"{API}/allegations/{allegation}/assessments", json=ASSESSMENT, headers=us)
    assert made.status_code == 201 and len(made.json()["assessments"]) == 1
    for headers, shown in ((ru, 0), (us, 1), (bearer(month, "member"), 0), ({}, 0)):
        body = client.get(f"{API}/allegations/{allegation}", headers=headers).json()
        assert body["sealed"] is True and body["submitted"] == ["US"]
        assert len(body["assessments"]) == shown
    again = client.post(f"{API}/allegations/{allegation}/assessments", json=ASSESSMENT, headers=us)
    assert again.status_code == 409
    for role in ("monitor", "member", "analyst"):
        refused = client.post(
            f"{API}/allegations/{allegation}/assessments",
            json=ASSESSMENT,
            headers=bearer(month, role),
        )
        assert refused.status_code == 403, role
    assert (
        client.post(f"{API}/allegations/{allegation}/assessments", json=ASSESSMENT).status_code
        == 401
    )
    bare = client.post(
        f"{API}/allegations/{allegation}/assessments",
        json={**ASSESSMENT, "rationale": "   "},
        headers=ru,
    )
    assert bare.status_code == 422 and bare.json()["field"] == "rationale"
    done = client.post(f"{API}/allegations/{allegation}/assessments", json=ASSESSMENT, headers=ru)
    body = done.json()
    assert body["sealed"] is False and body["finding"]["state"] == "confirmed"
    public = client.get(f"{API}/allegations/{allegation}").json()
    assert len(public["assessments"]) == 2 and public["filed_by"] == "—"
    assert all(a["submitted_by"] is None for a in public["assessments"])
    queue = client.get(f"{API}/allegations", params={"limit": 5}).json()
    assert queue["total"] > 0 and len(queue["items"]) == 5
    assert allegation not in [
        i["id"] for i in client.get(f"{API}/allegations", params={"limit": 500}).json()["items"]
    ]


def test_a_request_goes_to_the_party_and_only_it_answers(client: TestClient, month: Month) -> None:
    with month.truce.uow() as uow:
        view = users.add_user(
            users.NewUser("fsa-liaison", Role.LIAISON, None, party_id=month.parties["fsa"]),
            uow,
            actor=SYSTEM,
        )
        month.actors["liaison"] = users.actor_of(uow.users.get(view.id))  # type: ignore[arg-type]
    filed = client.post(
        f"{API}/allegations",
        json={
            "incident_ids": [month.incident_of(PROTECTED)],
            "party_id": month.parties["fsa"],
            "term": 2,
        },
        headers=bearer(month, "guarantor"),
    ).json()
    asked = client.post(
        f"{API}/allegations/{filed['id']}/requests",
        json={"question": "Where were your units?"},
        headers=bearer(month, "guarantor"),
    )
    assert asked.status_code == 201, asked.text
    mine = client.get(f"{API}/requests", headers=bearer(month, "liaison")).json()
    assert [r["id"] for r in mine] == [asked.json()["id"]]
    assert (
        client.post(
            f"{API}/requests/{asked.json()['id']}/answer",
            json={"answer": "x"},
            headers=bearer(month, "ru"),
        ).status_code
        == 404
    )
    answered = client.post(
        f"{API}/requests/{asked.json()['id']}/answer",
        json={"answer": "On the hill."},
        headers=bearer(month, "liaison"),
    )
    assert answered.status_code == 200 and answered.json()["answer"] == "On the hill."
    assert (
        client.post(
            f"{API}/requests/{asked.json()['id']}/answer",
            json={"answer": "y"},
            headers=bearer(month, "liaison"),
        ).status_code
        == 409
    )
