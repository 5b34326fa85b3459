"""Areas, applicability and disagreements over HTTP, on both databases."""

import pytest
from fastapi.testclient import TestClient

from tests.helpers import add_area, approve_status, square, token_for
from truce.domain.parties import Status
from truce.web.app import create_app

API = "/api/v1"
MARCH_1 = "2016-03-01T12:00:00+02:00"


@pytest.fixture
def mapped(world):
    approve_status(world, "fsa", Status.COMMITTED)
    world.fsa_area = add_area(world, "us", "fsa", square(37.0, 36.1, 37.3, 36.3))
    world.nusra_area = add_area(world, "ru", "nusra", square(37.1, 36.15, 37.2, 36.25))
    return world


@pytest.fixture
def client(mapped):
    return TestClient(create_app(mapped.truce), raise_server_exceptions=False)


def bearer(world, label):
    return {"Authorization": f"Bearer {token_for(world, label)}"}


def test_areas_are_geojson_per_guarantor_and_day(client, mapped):
    both = client.get(f"{API}/areas", params={"at": MARCH_1}).json()
    assert both["type"] == "FeatureCollection" and len(both["features"]) == 2
    us = client.get(f"{API}/areas", params={"at": MARCH_1, "guarantor": "US"}).json()
    [feature] = us["features"]
    assert feature["geometry"]["type"] == "Polygon"
    assert feature["properties"] | {"valid_from": None} == feature["properties"] | {
        "id": mapped.fsa_area,
        "party": "Free Syrian Army",
        "status": "committed",
        "guarantor": "US",
        "review": "pending",
        "valid_from": None,
    }
    before = client.get(f"{API}/areas", params={"at": "2016-02-20T12:00:00Z"}).json()
    assert before["features"] == []
    assert client.get(f"{API}/areas", params={"guarantor": "GB"}).status_code == 422


def test_applicability_for_one_place(client):
    answer = client.get(f"{API}/applicability", params={"lat": 36.2, "lon": 37.15, "at": MARCH_1})
    assert answer.status_code == 200
    body = answer.json()
    assert body["verdict"] == "mixed" and body["by_guarantor"] == {
        "US": "protected",
        "RU": "excluded",
    }
    assert {p["name"] for p in body["parties"]} == {"Free Syrian Army", "Jabhat al-Nusra"}
    early = client.get(
        f"{API}/applicability", params={"lat": 36.2, "lon": 37.15, "at": "2016-02-26T12:00:00Z"}
    ).json()
    assert early["verdict"] == "not_in_force" and early["in_force"] is False
    for bad in ({"lat": 91, "lon": 37}, {"lat": 36, "lon": 37, "at": "2016-03-01T12:00:00"}):
        response = client.get(f"{API}/applicability", params=bad)
        assert response.status_code == 422, response.text


def test_applicability_for_many_places(client):
    points = [
        {"lat": 36.2, "lon": 37.15, "at": MARCH_1},
        {"lat": 36.28, "lon": 37.02, "at": MARCH_1},
        {"lat": 33.5, "lon": 36.3, "at": MARCH_1},
    ]
    body = client.post(f"{API}/applicability", json={"points": points}).json()
    assert body["verdicts"] == ["mixed", "protected", "unknown"]
    assert body["by_guarantor"]["RU"] == ["excluded", "unknown", "unknown"]


def test_disagreements_of_the_day(client, mapped):
    body = client.get(f"{API}/disagreements", params={"at": MARCH_1}).json()
    kinds = {item["kind"] for item in body["items"]}
    assert "protected_vs_excluded" in kinds and "one_side_only" in kinds
    clash = next(i for i in body["items"] if i["kind"] == "protected_vs_excluded")
    assert clash["area_ids"] == [mapped.fsa_area, mapped.nusra_area]
    assert "Free Syrian Army" in clash["summary"] and clash["geometry"]["type"] == "Polygon"


def test_asserting_and_reviewing_areas(client, mapped):
    area = {
        "agreement_id": mapped.agreement_id,
        "party_id": mapped.parties["ahrar"],
        "guarantor": "US",
        "valid_from": MARCH_1,
        "geometry": square(36.5, 35.8, 36.8, 36.0),
    }
    assert client.post(f"{API}/areas", json=area).status_code == 401
    assert (
        client.post(f"{API}/areas", json=area, headers=bearer(mapped, "member")).status_code == 403
    )
    assert client.post(f"{API}/areas", json=area, headers=bearer(mapped, "ru")).status_code == 403
    bowtie = {
        **area,
        "geometry": {
            "type": "Polygon",
            "coordinates": [[[36.5, 35.8], [36.8, 36.0], [36.8, 35.8], [36.5, 36.0], [36.5, 35.8]]],
        },
    }
    refused = client.post(f"{API}/areas", json=bowtie, headers=bearer(mapped, "us"))
    assert refused.status_code == 422 and refused.json()["field"] == "geometry"
    assert "Self-intersection" in refused.json()["detail"]
    created = client.post(f"{API}/areas", json=area, headers=bearer(mapped, "us"))
    assert created.status_code == 201
    area_id = created.json()["id"]
    review = {"review": "disputed", "reason": "not there"}
    own = client.post(f"{API}/areas/{area_id}/review", json=review, headers=bearer(mapped, "us"))
    assert own.status_code == 403
    other = client.post(f"{API}/areas/{area_id}/review", json=review, headers=bearer(mapped, "ru"))
    assert other.status_code == 200
    detail = client.get(f"{API}/areas/{area_id}").json()
    assert detail["review"] == "disputed" and detail["reviews"][0]["reason"] == "not there"


def test_disagreement_geometries_are_surfaces_only(client, mapped):
    # An area that only touches the FSA area along an edge is no overlap at all.
    add_area(mapped, "ru", "nusra", square(37.3, 36.1, 37.4, 36.3))
    body = client.get(f"{API}/disagreements", params={"at": MARCH_1}).json()
    clashes = [i for i in body["items"] if i["kind"] == "protected_vs_excluded"]
    assert len(clashes) == 1
    assert {i["geometry"]["type"] for i in body["items"]} <= {"Polygon", "MultiPolygon"}
