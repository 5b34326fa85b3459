"""The foundation's acceptance, over HTTP: the real app, a real database, no mocks."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.helpers import UNSC, World, token_for
from truce.domain.permissions import SYSTEM, Role
from truce.services import ledger, users
from truce.web.app import create_app

API = "/api/v1"
SQUARE = {"type": "Polygon", "coordinates": [[[37, 36], [37.1, 36], [37.1, 36.1], [37, 36]]]}
WRITES = ("post", "put", "patch", "delete")
ERRORS = {401, 403, 404, 405, 409, 415, 422, 429}  # 429: the fuzzing fails sign-ins too
JSON = {"Content-Type": "application/json"}


@pytest.fixture
def client(world: World) -> TestClient:
    return TestClient(create_app(world.truce), raise_server_exceptions=False)


def auth(world: World, label: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token_for(world, label)}"}


def head(client: TestClient) -> dict[str, Any]:
    response = client.get(f"{API}/ledger/head")
    assert response.status_code == 200
    return response.json()  # type: ignore[no-any-return]


# --- the registry -------------------------------------------------------------------------


def test_search_finds_a_party_by_any_of_its_names(client: TestClient, world: World) -> None:
    nusra = world.parties["nusra"]
    for query in ("nusra", "جبهة النصرة", "al-Nusra Front", "Джебхат ан-Нусра"):
        found = client.get(f"{API}/parties", params={"q": query}).json()
        assert [p["id"] for p in found["items"]] == [nusra], query
        assert found["items"][0]["name"] == "Jabhat al-Nusra"
    assert client.get(f"{API}/parties", params={"q": "Hezbollah"}).json()["total"] == 0


def test_public_sees_the_registry_without_restricted_fields(
    client: TestClient, world: World
) -> None:
    fsa = world.parties["fsa"]
    body = {
        "agreement_id": world.agreement_id,
        "party_id": fsa,
        "guarantor": "US",
        "channel": "phone",
        "note": "via the Amman centre",
    }
    recorded = client.post(f"{API}/commitments", json=body, headers=auth(world, "us"))
    assert recorded.status_code == 201, recorded.text
    restricted = {"notes", "recorded_by", "channel", "note"}

    public = client.get(f"{API}/parties").json()["items"]
    for entry in public:
        assert not restricted & entry.keys()
        assert not restricted & (entry["first_commitment"] or {}).keys()
    assert not restricted & client.get(f"{API}/parties/{fsa}").json().keys()
    assert not restricted & client.get(f"{API}/commitments").json()[0].keys()

    analyst = auth(world, "analyst")
    seen = {e["id"]: e for e in client.get(f"{API}/parties", headers=analyst).json()["items"]}
    assert seen[fsa]["notes"] == "internal note"
    first = seen[fsa]["first_commitment"]
    assert (first["recorded_by"], first["channel"], first["note"]) == (
        "us-ops",
        "phone",
        "via the Amman centre",
    )
    assert client.get(f"{API}/parties/{fsa}", headers=analyst).json()["notes"] == "internal note"


# --- commitments ----------------------------------------------------------------------------


def commit(client: TestClient, world: World, party: str, **extra: Any) -> Any:
    body = {
        "agreement_id": world.agreement_id,
        "party_id": world.parties[party],
        "guarantor": "US",
        **extra,
    }
    return client.post(f"{API}/commitments", json=body, headers=auth(world, "us"))


def test_a_commitment_after_the_deadline_is_kept_and_flagged_late(
    client: TestClient, world: World
) -> None:
    response = commit(client, world, "ahrar")
    assert response.status_code == 201, response.text
    assert response.json()["late"] is True
    listed = client.get(f"{API}/commitments").json()
    assert [(c["id"], c["late"]) for c in listed] == [(response.json()["id"], True)]


def test_a_commitment_before_the_deadline_is_not_late(client: TestClient, world: World) -> None:
    # 11:00 in Damascus is 09:00Z, an hour before the deadline.
    response = commit(client, world, "fsa", committed_at="2016-02-26T11:00:00+02:00")
    assert response.status_code == 201, response.text
    assert response.json()["late"] is False
    assert response.json()["committed_at"].startswith("2016-02-26T09:00:00")


def test_a_designated_party_cannot_commit_and_nothing_is_stored(
    client: TestClient, world: World
) -> None:
    before = head(client)
    response = commit(client, world, "nusra")
    assert response.status_code == 409
    assert UNSC in response.json()["detail"] and "QDe.137" in response.json()["detail"]
    assert response.json()["field"] == "party_id"
    assert client.get(f"{API}/commitments").json() == []
    assert head(client) == before


# --- two-key status changes -----------------------------------------------------------------


def propose(client: TestClient, world: World, label: str, party: str, status: str) -> Any:
    body = {
        "agreement_id": world.agreement_id,
        "party_id": world.parties[party],
        "status": status,
        "reason": "declared to the task force",
    }
    return client.post(f"{API}/status-proposals", json=body, headers=auth(world, label))


def decide(client: TestClient, world: World, label: str, proposal_id: int, decision: str) -> Any:
    return client.post(
        f"{API}/status-proposals/{proposal_id}/decision",
        json={"decision": decision},
        headers=auth(world, label),
    )


def party(client: TestClient, world: World, key: str) -> dict[str, Any]:
    return client.get(f"{API}/parties/{world.parties[key]}").json()  # type: ignore[no-any-return]


def test_a_status_change_needs_the_other_guarantor(client: TestClient, world: World) -> None:
    proposed = propose(client, world, "us", "ahrar", "committed")
    assert proposed.status_code == 201, proposed.text
    pending = party(client, world, "ahrar")
    assert pending["status"] == "unknown"
    assert pending["views"] == {"US": "committed", "RU": "unknown"}
    # Russia has not answered: the public reads a question still open, not a disagreement.
    assert (pending["accord"], pending["pending"], pending["disputed"]) == ("pending", True, False)

    proposal_id = proposed.json()["id"]
    assert decide(client, world, "us", proposal_id, "approve").status_code == 403
    assert decide(client, world, "us2", proposal_id, "approve").status_code == 403
    assert party(client, world, "ahrar")["status"] == "unknown"

    approved = decide(client, world, "ru", proposal_id, "approve")
    assert approved.status_code == 200, approved.text
    assert approved.json()["state"] == "approved"
    assert party(client, world, "ahrar")["status"] == "committed"


@pytest.mark.parametrize("label", ["member", "monitor", "analyst", "liaison", "admin"])
def test_only_guarantors_propose(client: TestClient, world: World, label: str) -> None:
    before = head(client)
    assert propose(client, world, label, "ahrar", "committed").status_code == 403
    assert head(client) == before


def test_a_rejection_leaves_the_status_unchanged(client: TestClient, world: World) -> None:
    proposal_id = propose(client, world, "ru", "fsa", "suspended").json()["id"]
    rejected = decide(client, world, "us", proposal_id, "reject")
    assert rejected.status_code == 200, rejected.text
    assert rejected.json()["state"] == "rejected"
    assert party(client, world, "fsa")["status"] == "unknown"
    assert party(client, world, "fsa")["views"] == {"US": "unknown", "RU": "unknown"}
    # One side refused the other's proposal: that is a disagreement.
    assert (party(client, world, "fsa")["pending"], party(client, world, "fsa")["disputed"]) == (
        False,
        True,
    )


def accords(client: TestClient, **query: str) -> dict[str, tuple[bool, bool]]:
    found = client.get(f"{API}/parties", params={**query, "limit": 1000}).json()["items"]
    return {p["name"]: (p["pending"], p["disputed"]) for p in found}


def test_pending_and_disputed_are_told_apart_and_filtered(client: TestClient, world: World) -> None:
    assert propose(client, world, "us", "fsa", "committed").status_code == 201
    assert propose(client, world, "us", "ahrar", "committed").status_code == 201
    assert propose(client, world, "ru", "ahrar", "excluded").status_code == 201
    assert accords(client) == {
        "Free Syrian Army": (True, False),  # the US proposed, Russia has not answered
        "Ahrar al-Sham": (False, True),  # opposite open proposals
        "Jabhat al-Nusra": (False, False),
    }
    assert accords(client, accord="pending") == {"Free Syrian Army": (True, False)}
    assert accords(client, accord="disputed") == {"Ahrar al-Sham": (False, True)}
    assert accords(client, accord="agreed") == {"Jabhat al-Nusra": (False, False)}
    assert client.get(f"{API}/parties", params={"accord": "maybe"}).status_code == 422


def test_a_designated_party_cannot_be_proposed_committed(client: TestClient, world: World) -> None:
    response = propose(client, world, "us", "nusra", "committed")
    assert response.status_code == 409
    assert "QDe.137" in response.json()["detail"]
    assert party(client, world, "nusra")["status"] == "excluded"


# --- authentication, permissions and validation ---------------------------------------------


def every_write(world: World) -> list[tuple[str, str, dict[str, Any] | None]]:
    """One well-formed request per write route (except signing in), by an unnamed actor."""
    agreement, fsa = world.agreement_id, world.parties["fsa"]
    moment = "2016-02-25T12:00:00Z"
    area = {"agreement_id": agreement, "party_id": fsa, "guarantor": "US", "valid_from": moment}
    return [
        ("post", "/states", {"code": "FR", "name": "France"}),
        (
            "post",
            "/agreements",
            {
                "slug": "other",
                "title": "Other",
                "signed_at": moment,
                "effective_at": moment,
                "acceptance_deadline": moment,
                "timezone": "UTC",
                "guarantors": ["US", "RU"],
            },
        ),
        ("post", "/parties", {"name": "Jaysh al-Islam"}),
        ("post", f"/parties/{fsa}/aliases", {"text": "Free Army", "lang": "en"}),
        ("post", "/commitments", {"agreement_id": agreement, "party_id": fsa, "guarantor": "US"}),
        (
            "post",
            "/designations",
            {"party_id": fsa, "list_name": "a list", "reference": "X.1", "listed_at": moment},
        ),
        (
            "post",
            "/status-proposals",
            {
                "agreement_id": agreement,
                "party_id": fsa,
                "status": "committed",
                "reason": "declared",
            },
        ),
        ("post", "/status-proposals/1/decision", {"decision": "approve"}),
        ("post", "/status-proposals/1/withdraw", None),
        ("post", "/users", {"username": "someone", "role": "analyst"}),
        ("delete", "/tokens/1", None),
        ("post", "/ledger/witnesses", {"user_id": 1, "vkey": "w+00000000+BA=="}),
        ("post", "/ledger/checkpoint/cosignatures", {"size": 1, "cosignature": "— w AAAA"}),
        ("post", "/areas", {**area, "geometry": SQUARE}),
        ("post", "/areas/1/review", {"review": "accepted"}),
        (
            "post",
            "/reports",
            {
                "occurred_start": moment,
                "admin1": "Idlib",
                "event_type": "Battles",
                "sub_event_type": "Armed clash",
            },
        ),
        ("post", "/attachments", None),
        (
            "post",
            "/areas/import",
            {**area, "features": {"type": "FeatureCollection", "features": []}},
        ),
        ("post", "/incidents/1/split", {"report_ids": [1]}),
        ("post", "/incidents/1/merge", {"incident_ids": [2]}),
        ("post", "/incidents/1/assessment", {"party_id": fsa, "reason": "seen"}),
        ("post", "/incidents/1/assessment/1/approve", None),
        ("post", "/incidents/1/assessment/1/reject", {"reason": "not so"}),
        ("post", "/incidents/1/assessment/1/withdraw", None),
        ("post", "/webhooks", {"url": "https://example.org/h", "event_types": ["finding.made"]}),
        ("delete", "/webhooks/1", None),
        ("post", "/hotline/threads", {"kind": "guarantors", "subject": "x"}),
        ("post", "/hotline/threads/1/messages", {"text": "x"}),
        ("post", "/hotline/threads/1/read", None),
        ("post", "/hotline/messages/1/acknowledge", None),
        ("post", "/clocks/1/resets", {"reason": "x"}),
        ("post", "/clocks/resets/1/votes", {"vote": "approve"}),
        ("post", "/clocks/resets/1/withdraw", None),
        ("post", "/allegations", {"incident_ids": [1], "party_id": fsa, "term": 1}),
        (
            "post",
            "/allegations/1/assessments",
            {"conclusion": "confirmed", "threat": "low", "rationale": "x"},
        ),
        ("post", "/allegations/1/requests", {"question": "x"}),
        ("post", "/requests/1/answer", {"answer": "x"}),
        ("post", "/sitreps/published", {"kind": "daily", "params": {"date": "2016-03-04"}}),
    ]


def operations(client: TestClient) -> Iterator[tuple[str, str, dict[str, Any]]]:
    doc = client.get(f"{API}/openapi.json").json()
    for path, item in doc["paths"].items():
        for method, operation in item.items():
            yield method, path, operation


def test_every_write_needs_a_token(client: TestClient, world: World) -> None:
    writes = every_write(world)
    covered = {(m, re.sub(r"/\d+", "/{}", p)) for m, p, _ in writes}
    routes = {(m, re.sub(r"\{\w+\}", "{}", p)) for m, p, _ in operations(client) if m in WRITES}
    # Signing in writes; asking about many points is a read sent as POST for its size.
    assert routes - covered == {("post", "/tokens"), ("post", "/applicability")}
    before = head(client)
    for method, path, body in writes:
        response = client.request(method, f"{API}{path}", json=body)
        assert response.status_code == 401, (method, path, response.text)
        assert response.headers["www-authenticate"] == "Bearer"
    assert head(client) == before


@pytest.mark.parametrize("token", ["truce_not-a-token", "garbage", "truce_"])
def test_an_invalid_token_is_refused(client: TestClient, world: World, token: str) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get(f"{API}/users/me", headers=headers).status_code == 401
    assert client.post(f"{API}/parties", json={"name": "X"}, headers=headers).status_code == 401
    assert client.get(f"{API}/parties", headers=headers).status_code == 401


def test_a_role_that_may_not_is_refused(client: TestClient, world: World) -> None:
    before = head(client)
    party_ = client.post(
        f"{API}/parties", json={"name": "Jaysh al-Islam"}, headers=auth(world, "monitor")
    )
    assert party_.status_code == 403
    user = client.post(
        f"{API}/users",
        json={"username": "newbie", "role": "analyst"},
        headers=auth(world, "member"),
    )
    assert user.status_code == 403
    assert head(client) == before


def test_malformed_input_names_the_field(client: TestClient, world: World) -> None:
    us = auth(world, "us")
    fsa = world.parties["fsa"]
    commitment = {"agreement_id": world.agreement_id, "party_id": fsa, "guarantor": "US"}
    proposal = {
        "agreement_id": world.agreement_id,
        "party_id": fsa,
        "status": "committed",
        "reason": "declared",
    }
    cases = [
        ("/commitments", {**commitment, "committed_at": "2016-02-26T09:00:00"}, "committed_at"),
        ("/commitments", {**commitment, "committed_at": "yesterday"}, "committed_at"),
        ("/commitments", {**commitment, "committed_at": 1456480800}, "committed_at"),
        ("/commitments", {**commitment, "party_id": True}, "party_id"),
        ("/commitments", {k: v for k, v in commitment.items() if k != "party_id"}, "party_id"),
        ("/commitments", {**commitment, "colour": "blue"}, "colour"),
        ("/status-proposals", {**proposal, "status": "peaceful"}, "status"),
        ("/status-proposals", {**proposal, "reason": "  "}, "reason"),
        (
            "/parties",
            {"name": "X", "aliases": [{"text": "Y", "lang": "English"}]},
            "aliases.0.lang",
        ),
    ]
    for path, body, field in cases:
        response = client.post(f"{API}{path}", json=body, headers=us)
        assert response.status_code == 422, (body, response.text)
        assert response.json()["field"] == field, (body, response.json())


# --- tokens -----------------------------------------------------------------------------------

PASSWORD = "correct horse battery staple"


def test_tokens_are_issued_for_a_password_and_revoked(client: TestClient, world: World) -> None:
    with world.truce.uow() as uow:
        users.add_user(
            users.NewUser("field-officer", Role.MONITOR, password=PASSWORD), uow, actor=SYSTEM
        )
    wrong = client.post(f"{API}/tokens", json={"username": "field-officer", "password": "nope"})
    assert wrong.status_code == 401
    nobody = client.post(f"{API}/tokens", json={"username": "nobody", "password": PASSWORD})
    assert nobody.status_code == 401

    issued = client.post(f"{API}/tokens", json={"username": "field-officer", "password": PASSWORD})
    assert issued.status_code == 201, issued.text
    assert issued.json()["role"] == "monitor"
    headers = {"Authorization": f"Bearer {issued.json()['token']}"}
    assert client.get(f"{API}/users/me", headers=headers).json()["username"] == "field-officer"

    token_id = issued.json()["id"]
    assert client.delete(f"{API}/tokens/{token_id}", headers=headers).status_code == 204
    assert client.get(f"{API}/users/me", headers=headers).status_code == 401


def test_a_user_cannot_revoke_another_users_token(client: TestClient, world: World) -> None:
    with world.truce.uow() as uow:
        users.add_user(
            users.NewUser("field-officer", Role.MONITOR, password=PASSWORD), uow, actor=SYSTEM
        )
    issued = client.post(f"{API}/tokens", json={"username": "field-officer", "password": PASSWORD})
    token_id = issued.json()["id"]
    assert client.delete(f"{API}/tokens/{token_id}", headers=auth(world, "us")).status_code == 404
    headers = {"Authorization": f"Bearer {issued.json()['token']}"}
    assert client.get(f"{API}/users/me", headers=headers).status_code == 200


# --- the OpenAPI document and the ledger ------------------------------------------------------


def test_the_openapi_document_lists_the_routes(client: TestClient) -> None:
    response = client.get(f"{API}/openapi.json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    for path in (
        "/parties",
        "/commitments",
        "/status-proposals/{proposal_id}/decision",
        "/tokens",
        "/ledger/head",
        "/ledger/export",
    ):
        assert path in paths


def test_the_ledger_head_is_public_and_the_ledger_needs_a_token(
    client: TestClient, world: World
) -> None:
    current = head(client)
    assert current["seq"] > 10 and current["checkpoint"] == f"{current['seq']}:{current['hash']}"
    assert client.get(f"{API}/ledger").status_code == 401
    assert client.get(f"{API}/ledger/export").status_code == 401
    page = client.get(f"{API}/ledger", params={"limit": 5}, headers=auth(world, "monitor"))
    assert page.status_code == 200
    assert [e["seq"] for e in page.json()["items"]] == [1, 2, 3, 4, 5]


def test_the_ledger_export_verifies_offline(
    client: TestClient, world: World, tmp_path: Path
) -> None:
    assert commit(client, world, "ahrar").status_code == 201
    response = client.get(f"{API}/ledger/export", headers=auth(world, "analyst"))
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/x-ndjson")
    path = tmp_path / "ledger.jsonl"
    path.write_bytes(response.content)
    report = ledger.verify_file(path)
    assert report.ok, report.failure
    assert report.head_seq == head(client)["seq"]


# --- no request makes the server answer 500 ---------------------------------------------------


def resolve(doc: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = doc["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def plain(doc: dict[str, Any], schema: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    """The schema without its `| None`, and whether null is allowed."""
    schema = resolve(doc, schema)
    options = [resolve(doc, s) for s in schema.get("anyOf", [])]
    if options:
        kept = [s for s in options if s.get("type") != "null"]
        return kept[0], len(kept) < len(options)
    return schema, False


SAMPLE_STRINGS = ("US", "en", "state", "sample", "2016-02-25T12:00:00Z", "ab" * 32)


def sample(doc: dict[str, Any], schema: dict[str, Any]) -> Any:
    """A plausible value for a schema, so that one bad field at a time reaches the checks."""
    schema, _ = plain(doc, schema)
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type")
    if kind == "object":
        return {name: sample(doc, sub) for name, sub in schema.get("properties", {}).items()}
    if kind == "array":
        return [sample(doc, schema["items"])] * max(1, schema.get("minItems", 1))
    if kind == "integer":
        return max(1, int(schema.get("minimum", 1)))
    if schema.get("format") == "date-time":
        return "2016-02-25T12:00:00Z"
    if "pattern" in schema:
        return next(s for s in SAMPLE_STRINGS if re.search(schema["pattern"], s))
    return "sample".ljust(schema.get("minLength", 0), "s")


BAD_ANY: list[Any] = [None, {}, [], {"a": 1}, [[]], 1.5, float("nan"), True]
BAD_INT: list[Any] = ["abc", "", 0, -1, 2**70, -(2**70), "1e3", 10**400]
BAD_STR: list[Any] = [0, 2**70, "x" * 100_000, "a\x00b", "\x00", "a\x01\x1fb", "\ud800"]
BAD_TIME: list[Any] = [
    "2016-02-26T09:00:00",
    "9999-12-31T23:59:59-10:00",
    "0001-01-01T00:00:00Z",
    "0001-01-01T00:00:00+05:00",
    "2016-13-45T00:00:00Z",
    "yesterday",
    "",
    0,
    -1,
    2**70,
    1456480800,
    "1456480800",
]
BAD_ENUM: list[Any] = ["unknown-value", "COMMITTED", "", 0]
BAD_IDS = ["0", "-1", str(2**70), "abc", "1.5", "%00"]


def variants(doc: dict[str, Any], schema: dict[str, Any], value: Any) -> Iterator[Any]:
    """Bad versions of a good value: the value replaced, or one part of it broken."""
    schema, nullable = plain(doc, schema)
    kind = schema.get("type")
    valid = [None] if nullable else []
    if kind == "array" and not schema.get("minItems"):
        valid.append([])
    yield from (v for v in BAD_ANY if v not in valid)
    if "enum" in schema:
        yield from BAD_ENUM
    elif kind == "object":
        for name in schema.get("required", []):
            yield {k: v for k, v in value.items() if k != name}
        yield {**value, "unexpected": 1}
        for name, sub in schema.get("properties", {}).items():
            yield from ({**value, name: bad} for bad in variants(doc, sub, value[name]))
    elif kind == "array":
        yield value * 1000
        yield from ([bad] for bad in variants(doc, schema["items"], value[0]))
    elif kind == "integer":
        yield from BAD_INT
    elif schema.get("format") == "date-time":
        yield from BAD_TIME
    else:
        yield from BAD_STR
        if schema.get("minLength") or "pattern" in schema:
            yield from ("", " ")


RAW_BODIES = [b"", b"not json{", b'"a string"', b"42", b"[1, 2]", b"\xff\xfe", b"{" * 5000]


def battery(doc: dict[str, Any], path: str, operation: dict[str, Any]) -> Iterator[Any]:
    """(path, body) pairs to send, each bad in one way."""
    good_path = re.sub(r"\{\w+\}", "1", path)
    body = operation.get("requestBody", {}).get("content", {}).get("application/json")
    if body is not None:
        schema = body["schema"]
        yield from ((good_path, raw) for raw in RAW_BODIES)
        for bad in variants(doc, schema, sample(doc, schema)):
            yield good_path, json.dumps(bad).encode()
    for name in re.findall(r"\{(\w+)\}", path):
        for bad_id in BAD_IDS:
            yield re.sub(r"\{\w+\}", "1", path.replace(f"{{{name}}}", bad_id)), b"{}"


def test_no_bad_write_makes_the_server_fail(client: TestClient, world: World) -> None:
    doc = client.get(f"{API}/openapi.json").json()
    tokens = {label: auth(world, label) for label in ("admin", "us")}
    sent, wrong = 0, []
    for method, path, operation in operations(client):
        if method not in WRITES:
            continue
        for target, content in battery(doc, path, operation):
            for label, headers in tokens.items():
                response = client.request(
                    method, f"{API}{target}", content=content, headers={**headers, **JSON}
                )
                sent += 1
                if response.status_code not in ERRORS:
                    wrong.append((response.status_code, label, method, target, content[:300]))
    assert sent > 1000
    assert wrong == [], "\n".join(map(str, wrong))


BAD_QUERY = ["", "abc", "-1", "0", str(2**70), "1.5", "\x00", "a\x00b", "\u202e", "x" * 10_000]


def test_no_bad_read_makes_the_server_fail(client: TestClient, world: World) -> None:
    analyst = auth(world, "analyst")
    sent, wrong = 0, []
    for method, path, operation in operations(client):
        if method != "get":
            continue
        params = operation.get("parameters", [])
        good = re.sub(r"\{\w+\}", "1", path)
        targets = [
            (re.sub(r"\{\w+\}", "1", path.replace(f"{{{p['name']}}}", bad)), {})
            for p in params
            if p["in"] == "path"
            for bad in BAD_IDS
        ]
        targets += [
            (good, {p["name"]: bad}) for p in params if p["in"] == "query" for bad in BAD_QUERY
        ]
        for target, query in targets:
            for headers in ({}, analyst):
                response = client.get(f"{API}{target}", params=query, headers=headers)
                sent += 1
                if response.status_code not in ERRORS | {200}:
                    wrong.append((response.status_code, target, query))
    assert sent > 100
    assert wrong == [], "\n".join(map(str, wrong))
