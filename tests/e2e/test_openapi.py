"""The OpenAPI document says what the API does: who may call, what comes back, how it fails."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.helpers import World, token_for
from truce.api.app import create_api
from truce.web.app import create_app

API = "/api/v1"
WRITES = {"post", "put", "patch", "delete"}
SIGNED_IN_READS = {
    "/users/me", "/users", "/users/{user_id}", "/ledger", "/ledger/export",
    "/attachments/{sha256}", "/webhooks", "/hotline/threads", "/hotline/threads/{thread_id}",
    "/hotline/overdue", "/hotline/events", "/requests", "/sitreps/taskforce/{day}",
    "/cases/incidents/{incident_id}", "/cases/allegations/{allegation_id}",
}  # fmt: skip
PUBLIC_WRITES = {"/tokens", "/applicability"}  # signing in; a read sent as POST for its size
MALFORMED = [
    "Basic dXNlcjpwYXNzd29yZA==",
    "Bearer",
    "Bearer ",
    "Token truce_abc",
    "truce_abc",
    "",
]


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    return create_api(truce=None).openapi()  # building the document needs no database


@pytest.fixture
def client(world: World) -> TestClient:
    return TestClient(create_app(world.truce), raise_server_exceptions=False)


def operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method, path, operation)
        for path, item in document["paths"].items()
        for method, operation in item.items()
    ]


# --- who may call -----------------------------------------------------------------------------


def test_reads_take_a_token_if_given_and_writes_need_one(document: dict[str, Any]) -> None:
    schemes = document["components"]["securitySchemes"]
    assert list(schemes) == ["bearer"]
    assert (schemes["bearer"]["type"], schemes["bearer"]["scheme"]) == ("http", "bearer")
    for method, path, operation in operations(document):
        needs_token = (method in WRITES and path not in PUBLIC_WRITES) or path in SIGNED_IN_READS
        expected = [{"bearer": []}] if needs_token else [{}, {"bearer": []}]
        assert operation["security"] == expected, (method, path)


@pytest.mark.parametrize("header", MALFORMED)
def test_an_authorization_header_that_is_not_bearer_is_refused_everywhere(
    client: TestClient, header: str
) -> None:
    for method, path in (
        ("get", "/states"),
        ("get", "/parties"),
        ("get", "/ledger/head"),
        ("post", "/parties"),
    ):
        response = client.request(method, f"{API}{path}", headers={"Authorization": header})
        assert response.status_code == 401, (header, path, response.text)
        assert response.headers["www-authenticate"] == "Bearer"
        body = response.json()
        assert (body["code"], body["field"]) == ("unauthenticated", "Authorization")
        assert "'Bearer <token>'" in body["detail"]


def test_the_bearer_scheme_is_read_in_any_case(client: TestClient, world: World) -> None:
    token = token_for(world, "analyst")
    for scheme in ("Bearer", "bearer", "BEARER"):
        response = client.get(f"{API}/users/me", headers={"Authorization": f"{scheme} {token}"})
        assert response.status_code == 200, scheme
        assert response.json()["username"] == "analyst"


# --- how it fails -----------------------------------------------------------------------------


def test_every_error_answer_is_the_one_error_model(document: dict[str, Any]) -> None:
    model = document["components"]["schemas"]["ErrorOut"]
    assert model["properties"]["detail"]["type"] == "string"
    assert set(model["required"]) == {"detail", "code", "field"}
    assert "HTTPValidationError" not in document["components"]["schemas"]
    for method, path, operation in operations(document):
        errors = {code: r for code, r in operation["responses"].items() if code >= "400"}
        assert {"401", "503"} <= errors.keys(), (method, path)
        for code, answer in errors.items():
            schema = answer["content"]["application/json"]["schema"]
            assert schema == {"$ref": "#/components/schemas/ErrorOut"}, (method, path, code)


@pytest.mark.parametrize(
    ("method", "path", "statuses"),
    [
        ("post", "/commitments", {"401", "403", "404", "409", "422"}),
        ("post", "/status-proposals/{proposal_id}/decision", {"401", "403", "404", "409", "422"}),
        ("get", "/parties/{party_id}", {"401", "404", "422"}),
        ("get", "/ledger", {"401", "403", "422"}),
        ("post", "/tokens", {"401", "422", "429"}),
    ],
)
def test_the_errors_an_operation_can_answer_are_declared(
    document: dict[str, Any], method: str, path: str, statuses: set[str]
) -> None:
    declared = {c for c in document["paths"][path][method]["responses"] if c >= "400"}
    assert statuses <= declared


def test_reads_that_cannot_fail_on_input_declare_no_422(document: dict[str, Any]) -> None:
    for path in ("/states", "/agreements", "/ledger/head", "/users/me"):
        assert "422" not in document["paths"][path]["get"]["responses"], path


def test_a_body_that_is_not_utf8_is_malformed_input(client: TestClient, world: World) -> None:
    headers = {"Authorization": f"Bearer {token_for(world, 'admin')}"}
    response = client.post(
        f"{API}/parties",
        content=b"\xff\xfe{",
        headers={**headers, "Content-Type": "application/json"},
    )
    assert response.status_code == 422, response.text
    body = response.json()
    assert (body["code"], body["field"]) == ("invalid", "body")
    assert "UTF-8" in body["detail"]


# --- what comes back --------------------------------------------------------------------------


def test_the_ledger_export_is_documented_as_what_it_is(
    client: TestClient, world: World, document: dict[str, Any]
) -> None:
    content = document["paths"]["/ledger/export"]["get"]["responses"]["200"]["content"]
    assert list(content) == ["application/x-ndjson"]
    headers = {"Authorization": f"Bearer {token_for(world, 'monitor')}"}
    response = client.get(f"{API}/ledger/export", headers=headers)
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == "application/x-ndjson"


def test_the_served_document_is_the_one_fuzzed(
    client: TestClient, document: dict[str, Any]
) -> None:
    served = client.get(f"{API}/openapi.json").json()
    served.pop("servers", None)
    assert served == document
