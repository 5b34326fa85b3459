"""Incidents over HTTP, on both databases: the list and its paging, one incident with every
report, the tombstone feed, and split and merge by role."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient

from tests.ucdp import EXCLUDED, MIXED, PROTECTED, Month, ucdp_month
from truce.bootstrap import Truce
from truce.domain.permissions import SYSTEM, Role
from truce.domain.reports import ReportDraft
from truce.services import incidents, reports, users
from truce.web.app import create_app

API = "/api/v1"


@pytest.fixture
def month(truce: Truce) -> Month:
    found = ucdp_month(truce)
    with truce.uow() as uow:
        incidents.link_reports(uow)
    return found


@pytest.fixture
def client(month: Month) -> TestClient:
    return TestClient(create_app(month.truce), raise_server_exceptions=False)


def bearer(month: Month, role: str) -> dict[str, str]:
    with month.truce.uow() as uow:
        token = users.issue_token("test", uow, actor=month.actors[role])
    return {"Authorization": f"Bearer {token}"}


def test_walking_the_pages_visits_every_incident_once(client: TestClient) -> None:
    seen: list[int] = []
    url: str | None = f"{API}/incidents?limit=50&verdict=protected"
    total = None
    while url:
        page = client.get(url.removeprefix("http://testserver"))
        assert page.status_code == 200
        body = page.json()
        total = body["total"]
        seen += [item["id"] for item in body["items"]]
        url = body["next"]
    assert total and len(seen) == len(set(seen)) == total > 100


def test_one_incident_has_every_report_and_the_public_reads_no_staff_names(
    client: TestClient, month: Month
) -> None:
    a, b = month.incident_of(PROTECTED), month.incident_of(MIXED)
    merged = client.post(
        f"{API}/incidents/{a}/merge",
        json={"incident_ids": [b], "reason": "same shelling"},
        headers=bearer(month, "monitor"),
    )
    assert merged.status_code == 200
    body = merged.json()
    assert [r["id"] for r in body["reports"]] == sorted(
        [month.report_of[PROTECTED], month.report_of[MIXED]]
    )
    assert body["reports"][1]["link"]["linked_by"] == "monitor-1"  # signed in: named
    public = client.get(f"{API}/incidents/{a}").json()
    assert all("linked_by" not in r["link"] for r in public["reports"])
    assert {"reporter", "channel"} & set(public["reports"][0]) == set()
    stones = client.get(f"{API}/incidents/tombstones").json()
    assert [(s["incident_id"], s["merged_into_id"]) for s in stones["items"]] == [(b, a)]
    assert "removed_by" not in stones["items"][0]
    signed_in = client.get(f"{API}/incidents/tombstones", headers=bearer(month, "analyst"))
    assert signed_in.json()["items"][0]["removed_by"] == "monitor-1"
    gone = client.get(f"{API}/incidents/{b}").json()
    assert gone["merged_into_id"] == a and gone["tombstone"]["reason"] == "same shelling"


def test_split_and_merge_need_a_token_and_an_editing_role(client: TestClient, month: Month) -> None:
    a, b = month.incident_of(PROTECTED), month.incident_of(EXCLUDED)
    body = {"incident_ids": [b]}
    assert client.post(f"{API}/incidents/{a}/merge", json=body).status_code == 401
    for role in ("analyst", "member"):
        refused = client.post(f"{API}/incidents/{a}/merge", json=body, headers=bearer(month, role))
        assert refused.status_code == 403
        assert "may not split or merge incidents" in refused.json()["detail"]
    guarantor = bearer(month, "guarantor")
    bad = client.post(f"{API}/incidents/{a}/split", json={"report_ids": []}, headers=guarantor)
    assert bad.status_code == 422 and bad.json()["field"] == "report_ids"
    missing = client.post(f"{API}/incidents/999999/merge", json=body, headers=guarantor)
    assert missing.status_code == 404
    assert client.post(f"{API}/incidents/{a}/merge", json=body, headers=guarantor).status_code == (
        200
    )
    again = client.post(f"{API}/incidents/{b}/merge", json={"incident_ids": [a]}, headers=guarantor)
    assert again.status_code == 409 and "merged into" in again.json()["detail"]
    split = client.post(
        f"{API}/incidents/{a}/split",
        json={"report_ids": [month.report_of[EXCLUDED]], "reason": "two events"},
        headers=guarantor,
    )
    assert split.status_code == 201
    new = split.json()["new_incident"]
    assert new["outcome"] == "not_a_violation" and new["verdict"] == "excluded"
    assert [r["id"] for r in split.json()["incident"]["reports"]] == [month.report_of[PROTECTED]]


def test_filters_are_checked(client: TestClient) -> None:
    for params, name in (
        ({"bbox": "36,35,37"}, "bbox"),
        ({"bbox": "37,35,36,36"}, "bbox"),
        ({"verdict": "safe"}, "verdict"),
        ({"outcome": "guilty"}, "outcome"),
        ({"event_type": "Shelling"}, "event_type"),
        ({"since": "2016-03-01"}, "since"),
        ({"updated_since": "2016-03-01T00:00:00"}, "updated_since"),
    ):
        answer = client.get(f"{API}/incidents", params=params)
        assert answer.status_code == 422, params
        assert answer.json()["field"] == name, params
    counted = client.get(f"{API}/incidents", params={"outcome": "allegation", "limit": 1}).json()
    assert counted["total"] > 0 and len(counted["items"]) == 1


def test_a_hidden_reporter_is_read_by_an_admin_only(client: TestClient, month: Month) -> None:
    draft = ReportDraft(
        channel="api", source="Field monitors", event_type="Ceasefire",
        sub_event_type="impact or airburst explosion",
        occurred_start=datetime(2016, 3, 3, 9, tzinfo=UTC), lat=34.93, lon=36.73,
        reporter="Rastan informant", hide_reporter=True, text="Two impacts near the bridge.",
    )  # fmt: skip
    with month.truce.uow() as uow:
        filed = reports.file_report(draft, uow, actor=month.actors["monitor"])
        admin = users.add_user(users.NewUser("admin-1", Role.ADMIN, None), uow, actor=SYSTEM)
        month.actors["admin"] = users.actor_of(uow.users.get(admin.id))  # type: ignore[arg-type]
    with month.truce.uow(write=False) as uow:
        incident = uow.incident_reports.incident_of([filed.report.id])[filed.report.id]

    def reporter(headers: dict[str, str]) -> object:
        body = client.get(f"{API}/incidents/{incident}", headers=headers).json()
        [mine] = [r for r in body["reports"] if r["id"] == filed.report.id]
        return mine.get("reporter")

    assert reporter(bearer(month, "admin")) == "Rastan informant"
    for role in ("monitor", "analyst", "guarantor"):
        assert reporter(bearer(month, role)) is None, role
    assert reporter({}) is None
