"""The assessed perpetrator over HTTP, on both databases: one guarantor proposes, the other
approves or rejects, per role; the incident shows each source's claim beside the assessment."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.ucdp import PROTECTED, Month, ucdp_month
from truce.bootstrap import Truce
from truce.domain.permissions import SYSTEM, Role
from truce.services import incidents, users
from truce.web.app import create_app

API = "/api/v1"


@pytest.fixture
def month(truce: Truce) -> Month:
    found = ucdp_month(truce)
    with truce.uow() as uow:
        incidents.link_reports(uow)
        fsa = found.parties["fsa"]
        for name, role, state, party in (("ru-desk", Role.GUARANTOR, "RU", None),
                                         ("fsa-liaison", Role.LIAISON, None, fsa),
                                         ("admin-1", Role.ADMIN, None, None)):  # fmt: skip
            view = users.add_user(
                users.NewUser(name, role, None, state=state, party_id=party), uow, actor=SYSTEM
            )
            found.actors[name] = users.actor_of(uow.users.get(view.id))  # type: ignore[arg-type]
    return found


@pytest.fixture
def client(month: Month) -> TestClient:
    return TestClient(create_app(month.truce), raise_server_exceptions=False)


def bearer(month: Month, who: str) -> dict[str, str]:
    with month.truce.uow() as uow:
        token = users.issue_token("test", uow, actor=month.actors[who])
    return {"Authorization": f"Bearer {token}"}


def test_us_proposes_russia_approves_and_the_incident_shows_both(
    client: TestClient, month: Month
) -> None:
    incident = month.incident_of(PROTECTED)
    isil = month.parties["isil"]
    url = f"{API}/incidents/{incident}/assessment"
    before = client.get(f"{API}/incidents/{incident}").json()
    assert before["assessed_perpetrator"] is None and before["pending_assessments"] == []
    made = client.post(
        url, json={"party_id": isil, "reason": "ISIL lines"}, headers=bearer(month, "guarantor")
    )
    assert made.status_code == 201, made.text
    assessment = made.json()["assessment"]
    assert (assessment["state"], assessment["proposer_state"], assessment["party_id"]) == (
        "open", "US", isil)  # fmt: skip
    assert assessment["proposed_by"] == "guarantor-1"
    public = client.get(f"{API}/incidents/{incident}").json()
    [pending] = public["pending_assessments"]
    assert pending["id"] == assessment["id"] and "proposed_by" not in pending
    assert public["assessed_perpetrator"] is None

    own = client.post(f"{url}/{assessment['id']}/approve", headers=bearer(month, "guarantor"))
    assert own.status_code == 403 and "only the other guarantor" in own.json()["detail"]
    approved = client.post(
        f"{url}/{assessment['id']}/approve", json={"reason": "agreed"},
        headers=bearer(month, "ru-desk"),
    )  # fmt: skip
    assert approved.status_code == 200, approved.text
    body = approved.json()
    assert body["assessment"]["state"] == "approved"
    assert body["assessment"]["decided_by"] == "ru-desk"
    shown = client.get(f"{API}/incidents/{incident}").json()
    assert shown["assessed_perpetrator"]["party_id"] == isil
    assert shown["assessed_perpetrator"]["party_name"] == "Islamic State of Iraq and the Levant"
    assert shown["outcome"] == "not_a_violation"
    # Each source's claim stays beside it: UCDP named the army.
    assert [c["perpetrator_party_id"] for c in shown["claims"]] == [month.parties["saa"]]
    assert all(a["set_aside_by_assessment"] for a in shown["allegations"])
    assert "decided_by" not in shown["assessments"][0]  # the public reads the states only
    listed = client.get(f"{API}/incidents", params={"party_id": isil, "limit": 500}).json()
    assert incident in {i["id"] for i in listed["items"]}
    again = client.post(f"{url}/{assessment['id']}/reject", json={"reason": "no"},
                        headers=bearer(month, "ru-desk"))  # fmt: skip
    assert again.status_code == 409 and "already approved by RU" in again.json()["detail"]


@pytest.mark.parametrize("who", ["monitor", "fsa-liaison", "member", "analyst", "admin-1", None])
def test_only_guarantors_propose_or_decide(
    client: TestClient, month: Month, who: str | None
) -> None:
    incident = month.incident_of(PROTECTED)
    url = f"{API}/incidents/{incident}/assessment"
    made = client.post(url, json={"undetermined": True, "reason": "unclear"},
                       headers=bearer(month, "guarantor")).json()["assessment"]  # fmt: skip
    headers = bearer(month, who) if who else {}
    expected = 403 if who else 401
    for path, body in (("", {"party_id": month.parties["isil"], "reason": "seen"}),
                       (f"/{made['id']}/approve", {}),
                       (f"/{made['id']}/reject", {"reason": "no"}),
                       (f"/{made['id']}/withdraw", None)):  # fmt: skip
        answer = client.post(f"{url}{path}", json=body, headers=headers)
        assert answer.status_code == expected, (path, answer.text)
        if who:
            assert "who perpetrated an incident" in answer.json()["detail"]
    still = client.get(f"{API}/incidents/{incident}").json()["pending_assessments"]
    assert [a["state"] for a in still] == ["open"]


def test_reject_withdraw_and_errors_name_the_field(client: TestClient, month: Month) -> None:
    incident = month.incident_of(PROTECTED)
    url = f"{API}/incidents/{incident}/assessment"
    us, ru = bearer(month, "guarantor"), bearer(month, "ru-desk")
    for body, field in (({"reason": "who?"}, "party_id"),
                        ({"party_id": 3, "undetermined": True, "reason": "both"}, "party_id"),
                        ({"party_id": 3}, "reason"),
                        ({"party_id": 3, "reason": "   "}, "reason"),
                        ({"party_id": 0, "reason": "x"}, "party_id"),
                        ({"party_id": 3, "reason": "x", "who": "me"}, "who")):  # fmt: skip
        bad = client.post(url, json=body, headers=us)
        assert bad.status_code == 422, body
        assert bad.json()["field"].endswith(field), (body, bad.json())
    assert client.post(url, json={"party_id": 10**9, "reason": "x"}, headers=us).status_code == 404
    missing = client.post(f"{API}/incidents/999999/assessment", json={"party_id": 3, "reason": "x"},
                          headers=us)  # fmt: skip
    assert missing.status_code == 404 and missing.json()["field"] == "incident_id"

    made = client.post(url, json={"party_id": month.parties["isil"], "reason": "lines"}, headers=us)
    assessment_id = made.json()["assessment"]["id"]
    twice = client.post(url, json={"undetermined": True, "reason": "x"}, headers=us)
    assert twice.status_code == 409 and "withdraw it first" in twice.json()["detail"]
    silent = client.post(f"{url}/{assessment_id}/reject", json={}, headers=ru)
    assert silent.status_code == 422 and silent.json()["field"].endswith("reason")
    rejected = client.post(f"{url}/{assessment_id}/reject", json={"reason": "no ISIL"}, headers=ru)
    assert rejected.status_code == 200
    assert rejected.json()["assessment"]["decision_reason"] == "no ISIL"
    assert rejected.json()["incident"]["assessed_perpetrator"] is None
    unknown = client.post(f"{url}/{assessment_id + 100}/approve", headers=ru)
    assert unknown.status_code == 404 and unknown.json()["field"] == "assessment_id"

    second = client.post(url, json={"undetermined": True, "reason": "unclear"}, headers=us).json()
    second_id = second["assessment"]["id"]
    assert second["assessment"]["undetermined"] is True
    theirs = client.post(f"{url}/{second_id}/withdraw", headers=ru)
    assert theirs.status_code == 403 and "proposed an assessment (US)" in theirs.json()["detail"]
    withdrawn = client.post(f"{url}/{second_id}/withdraw", headers=us)
    assert withdrawn.status_code == 200 and withdrawn.json()["assessment"]["state"] == "withdrawn"
    assert withdrawn.json()["incident"]["pending_assessments"] == []


def test_the_routes_are_in_the_openapi_document(client: TestClient) -> None:
    paths = client.get(f"{API}/openapi.json").json()["paths"]
    base = "/incidents/{incident_id}/assessment"  # as the mounted API names its paths
    assert "post" in paths[base]
    for step in ("approve", "reject", "withdraw"):
        answers = paths[f"{base}/{{assessment_id}}/{step}"]["post"]["responses"]
        assert {"401", "403", "404", "409"} <= set(answers), step
