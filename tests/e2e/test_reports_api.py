"""Reports over HTTP: who may file, what a bad one is told, who reads a hidden reporter."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.helpers import ROOT, World, token_for
from truce.web.app import create_app

API = "/api/v1"
REPORT: dict[str, Any] = {
    "source": "SOHR",
    "source_ref": "sohr-2016-03-01-17",
    "occurred_start": "2016-03-01T14:30:00+02:00",
    "location": "Kafr Zita",
    "admin1": "Hama",
    "event_type": "Ceasefire",
    "sub_event_type": "impact or airburst explosion",
    "weapon_class": "mortar",
    "actor1": "Jabhat al-Nusra",
    "actor2": "Free Syrian Army",
    "casualties": [{"measure": "killed", "category": "civilians", "best": 2}],
    "text": "Two mortar rounds hit the market.",
    "lang": "en",
}
LABELS = ("admin", "us", "ru", "member", "monitor", "liaison", "analyst")


@pytest.fixture
def client(world: World) -> TestClient:
    return TestClient(create_app(world.truce), raise_server_exceptions=False)


def auth(world: World, label: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token_for(world, label)}"}


def test_a_monitor_files_a_report_and_sending_it_again_changes_nothing(
    client: TestClient, world: World
) -> None:
    headers = auth(world, "monitor")
    created = client.post(f"{API}/reports", json=REPORT, headers=headers)
    assert created.status_code == 201, created.text
    body = created.json()
    assert (body["source"], body["channel"], body["reporter"]) == ("SOHR", "api", "monitor")
    assert body["occurred_start"] == "2016-03-01T12:30:00+00:00"
    assert body["geo_precision"] == "near" and body["admin1"] == "Hama"
    assert body["actor1_party_id"] == world.parties["nusra"]
    assert body["actor2_party_id"] == world.parties["fsa"]
    assert body["killed"] == {"low": 2, "best": 2, "high": 2}
    again = client.post(f"{API}/reports", json=REPORT, headers=headers)
    assert again.status_code == 200 and again.json()["id"] == body["id"]
    one = client.get(f"{API}/reports/{body['id']}")
    assert one.status_code == 200 and one.json()["text"] == REPORT["text"]
    assert client.get(f"{API}/reports").json()["total"] == 1


@pytest.mark.parametrize(("label", "status"), [("analyst", 403), ("admin", 403), (None, 401)])
def test_who_may_not_file(client: TestClient, world: World, label: str | None, status: int) -> None:
    headers = auth(world, label) if label else {}
    response = client.post(f"{API}/reports", json=REPORT, headers=headers)
    assert response.status_code == status, response.text


@pytest.mark.parametrize(
    ("changes", "status", "field"),
    [
        ({"occurred_start": None}, 422, "occurred_start"),
        ({"occurred_start": "2016-03-01T14:30:00"}, 422, "occurred_start"),  # no offset
        ({"lat": 91, "lon": 36.6}, 422, "lat"),
        ({"weapon_class": "catapult"}, 422, "weapon_class"),
        ({"event_type": "Skirmish"}, 422, "event_type"),
        ({"sub_event_type": "barrel bomb"}, 422, "sub_event_type"),
        ({"location": None, "admin1": None}, 422, "location"),
        ({"location": "Atlantis", "admin1": None}, 422, "location"),
        ({"reliability": "G"}, 422, "reliability"),
        ({"casualties": [{"measure": "killed", "category": "civilians", "low": 5, "best": 2}]},
         422, "killed.civilians"),
        ({"lat": 35.37}, 422, "lon"),
        ({"actor1_party_id": 999999}, 404, "actor1_party_id"),
        ({"attachments": ["a" * 64]}, 422, "attachments"),
        ({"hide_reporter": True, "colour": "red"}, 422, "colour"),
    ],
)  # fmt: skip
def test_a_bad_report_is_told_which_field_to_fix(
    client: TestClient, world: World, changes: dict[str, Any], status: int, field: str
) -> None:
    body = {k: v for k, v in {**REPORT, **changes}.items() if v is not None}
    response = client.post(f"{API}/reports", json=body, headers=auth(world, "monitor"))
    assert response.status_code == status, response.text
    error = response.json()
    assert error["field"] == field, error
    assert error["detail"]
    if status == 422:
        assert field in [e["field"] for e in error["errors"]]
    assert client.get(f"{API}/reports").json()["total"] == 0


def test_every_problem_of_a_report_is_listed(client: TestClient, world: World) -> None:
    body = {**REPORT, "weapon_class": "sling", "event_type": "Skirmish", "location": None,
            "admin1": None}  # fmt: skip
    response = client.post(f"{API}/reports", json=body, headers=auth(world, "monitor"))
    assert response.status_code == 422
    fields = [e["field"] for e in response.json()["errors"]]
    assert fields == ["location", "event_type", "weapon_class"]


def test_a_hidden_reporter_is_answered_to_an_admin_only(client: TestClient, world: World) -> None:
    hidden = {**REPORT, "reporter": "a shopkeeper in Kafr Zita", "hide_reporter": True}
    filed = client.post(f"{API}/reports", json=hidden, headers=auth(world, "liaison"))
    assert filed.status_code == 201
    report_id = filed.json()["id"]
    assert "reporter" not in filed.json()  # not even to the liaison who filed it
    for label in (*LABELS, None):
        headers = auth(world, label) if label else {}
        one = client.get(f"{API}/reports/{report_id}", headers=headers).json()
        [listed] = client.get(f"{API}/reports", headers=headers).json()["items"]
        for seen in (one, listed):
            if label == "admin":
                assert seen["reporter"] == "a shopkeeper in Kafr Zita"
                assert seen["recorded_by"] == "fsa-liaison"
            else:
                assert "reporter" not in seen and "recorded_by" not in seen, label
                assert "shopkeeper" not in str(seen)


def test_reports_are_listed_a_page_at_a_time(client: TestClient, world: World) -> None:
    headers = auth(world, "us")
    for day in range(1, 6):
        body = {**REPORT, "source_ref": f"ref-{day}", "occurred_start": f"2016-03-0{day}T10:00:00Z"}
        assert client.post(f"{API}/reports", json=body, headers=headers).status_code == 201
    first = client.get(f"{API}/reports", params={"limit": 2}).json()
    assert first["total"] == 5 and [r["source_ref"] for r in first["items"]] == ["ref-5", "ref-4"]
    second = client.get(first["next"]).json()
    assert [r["source_ref"] for r in second["items"]] == ["ref-3", "ref-2"]
    assert client.get(f"{API}/reports", params={"cursor": "bogus"}).json()["field"] == "cursor"
    since = client.get(f"{API}/reports", params={"since": "2016-03-04T00:00:00Z"}).json()
    assert since["total"] == 2
    by_party = client.get(f"{API}/reports", params={"party_id": world.parties["fsa"]}).json()
    assert by_party["total"] == 5


def test_the_csv_template_is_served(client: TestClient) -> None:
    response = client.get(f"{API}/reports/template")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert response.text == (ROOT / "data" / "reports-template.csv").read_text("utf-8")


def test_an_attachment_is_kept_by_its_digest(client: TestClient, world: World) -> None:
    headers = auth(world, "monitor")
    photo = b"\x89PNG\r\n\x1a\n" + bytes(range(256))
    files = {"file": ("crater.png", photo, "image/png")}
    stored = client.post(f"{API}/attachments", files=files, headers=headers)
    assert stored.status_code == 201, stored.text
    digest = stored.json()["sha256"]
    assert client.post(f"{API}/attachments", files=files, headers=headers).status_code == 200
    filed = client.post(f"{API}/reports", json={**REPORT, "attachments": [digest]},
                        headers=headers)  # fmt: skip
    assert filed.status_code == 201 and filed.json()["attachments"] == [digest]
    back = client.get(f"{API}/attachments/{digest}", headers=auth(world, "analyst"))
    assert back.status_code == 200 and back.content == photo
    assert client.get(f"{API}/attachments/{digest}").status_code == 401
    script = {"file": ("x.html", b"<script>", "text/html")}
    refused = client.post(f"{API}/attachments", files=script, headers=headers)
    assert refused.status_code == 422 and refused.json()["field"] == "content-type"


def test_the_monitor_sees_its_own_reporter_name_when_not_hidden(
    client: TestClient, world: World
) -> None:
    token = token_for(world, "monitor")
    filed = client.post(f"{API}/reports", json=REPORT, headers={"Authorization": f"Bearer {token}"})
    assert filed.json()["reporter"] == "monitor"
    assert "reporter" not in client.get(f"{API}/reports/{filed.json()['id']}").json()  # public
