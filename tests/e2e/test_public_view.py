"""What the public reads and what staff read, over HTTP: API and pages, on both databases.

The public (no sign-in) sees the state that acted, never the person (docs/roles.md); a party
with one unanswered proposal is pending, not disputed; a form whose text is too long comes back
with the text still in it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.helpers import World, add_area, square, token_for
from truce.domain.parties import Status
from truce.domain.permissions import SYSTEM, Role
from truce.domain.proposals import Decision
from truce.domain.territory import Review
from truce.services import standing, territory, users
from truce.web.app import create_app

API = "/api/v1"
PASSWORD = "correct horse battery"  # web sign-ins of the users made for these tests


@dataclass(frozen=True)
class Acted:
    """One of everything a named user does, by the world's us-ops and ru-ops."""

    decided: int  # a proposal by us-ops for the FSA, approved by ru-ops
    open: int  # a proposal by ru-ops for Ahrar al-Sham, unanswered
    area: int  # an area asserted by us-ops for the FSA, accepted by ru-ops


@pytest.fixture
def acted(world: World) -> Acted:
    fsa, ahrar = world.parties["fsa"], world.parties["ahrar"]
    with world.truce.uow() as uow:
        cmd = standing.ProposeStatus(world.agreement_id, fsa, Status.COMMITTED, "declared")
        decided = standing.propose_status(cmd, uow, actor=world.actors["us"])
    with world.truce.uow() as uow:
        answer = standing.DecideProposal(decided.id, Decision.APPROVE, "checked")
        standing.decide_proposal(answer, uow, actor=world.actors["ru"])
    with world.truce.uow() as uow:
        cmd = standing.ProposeStatus(world.agreement_id, ahrar, Status.EXCLUDED, "shelled")
        still_open = standing.propose_status(cmd, uow, actor=world.actors["ru"])
    with world.truce.uow() as uow:
        commitment = standing.RecordCommitment(world.agreement_id, fsa, "US", note="by phone")
        standing.record_commitment(commitment, uow, actor=world.actors["us"])
    area = add_area(world, "us", "fsa", square(36.0, 35.0, 36.2, 35.2))
    with world.truce.uow() as uow:
        cmd = territory.ReviewArea(area, Review.ACCEPTED, "seen")
        territory.review_area(cmd, uow, actor=world.actors["ru"])
    return Acted(decided.id, still_open.id, area)


@pytest.fixture
def client(world: World) -> Iterator[TestClient]:
    with TestClient(create_app(world.truce), raise_server_exceptions=False) as test_client:
        yield test_client


def web_user(world: World, username: str, role: Role, state: str | None = None) -> str:
    with world.truce.uow() as uow:
        users.add_user(users.NewUser(username, role, PASSWORD, state=state), uow, actor=SYSTEM)
    return username


def csrf_of(page: str) -> str:
    match = re.search(r'name="csrf" value="([^"]+)"', page)
    assert match, "no CSRF token on the page"
    return match.group(1)


def sign_in(client: TestClient, username: str) -> str:
    """Sign the client's browser session in; the session's CSRF token."""
    form = {"csrf": csrf_of(client.get("/login").text), "username": username}
    signed = client.post("/login", data={**form, "password": PASSWORD}, follow_redirects=False)
    assert signed.status_code == 303 and signed.headers["location"] == "/", signed.text
    return csrf_of(client.get("/").text)


def values(data: Any, key: str) -> list[Any]:
    """Every value of ``key`` anywhere in a JSON document."""
    if isinstance(data, dict):
        found = [data[key]] if key in data else []
        return found + [v for item in data.values() for v in values(item, key)]
    if isinstance(data, list):
        return [v for item in data for v in values(item, key)]
    return []


# --- staff names: API ---------------------------------------------------------------------------

# (route, field naming a user, who it names, the field naming the state that acted, its value)
NAMED = [
    ("/status-proposals", "proposed_by", "us-ops", "proposer_state", "US"),
    ("/status-proposals", "decided_by", "ru-ops", "decider_state", "RU"),
    ("/status-proposals/{decided}", "proposed_by", "us-ops", "proposer_state", "US"),
    ("/status-proposals/{decided}", "decided_by", "ru-ops", "decider_state", "RU"),
    ("/parties", "proposed_by", "ru-ops", "proposer_state", "RU"),
    ("/parties/{fsa}", "proposed_by", "us-ops", "proposer_state", "US"),
    ("/parties/{fsa}", "decided_by", "ru-ops", "decider_state", "RU"),
    ("/parties/{fsa}", "recorded_by", "us-ops", "guarantor", "US"),
    ("/parties", "recorded_by", "us-ops", "guarantor", "US"),
    ("/commitments", "recorded_by", "us-ops", "guarantor", "US"),
    ("/areas/{area}", "recorded_by", "us-ops", "asserted_by", "US"),
    ("/areas/{area}", "reviewed_by", "ru-ops", "reviewer_state", "RU"),
]


@pytest.mark.parametrize(("route", "field", "user", "state_field", "state"), NAMED)
def test_the_public_api_names_the_state_that_acted_and_staff_see_the_user(
    client: TestClient,
    world: World,
    acted: Acted,
    route: str,
    field: str,
    user: str,
    state_field: str,
    state: str,
) -> None:
    path = API + route.format(decided=acted.decided, area=acted.area, fsa=world.parties["fsa"])
    public = client.get(path)
    assert public.status_code == 200, public.text
    assert values(public.json(), field) == [], f"the public reads {field} at {path}"
    assert state in values(public.json(), state_field)
    for label in ("analyst", "member", "monitor", "us"):
        signed = client.get(path, headers={"Authorization": f"Bearer {token_for(world, label)}"})
        assert user in values(signed.json(), field), (label, path)


def test_no_public_read_names_a_member_of_staff(
    client: TestClient, world: World, acted: Acted
) -> None:
    fsa, ahrar = world.parties["fsa"], world.parties["ahrar"]
    reads = [
        *(f"{API}{r}" for r in ("/parties", "/commitments", "/status-proposals", "/areas")),
        f"{API}/parties/{fsa}",
        f"{API}/parties/{ahrar}",
        f"{API}/status-proposals/{acted.open}",
        f"{API}/areas/{acted.area}",
        "/",
        f"/parties/{fsa}",
        f"/parties/{ahrar}",
    ]
    for path in reads:
        body = client.get(path).text
        for name in ("us-ops", "ru-ops"):
            assert name not in body, f"{path} names {name} to the public"


# --- staff names: pages -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("party", "testid", "user"),
    [
        ("fsa", "proposed-by", "us-ops"),
        ("fsa", "decided-by", "ru-ops"),
        ("ahrar", "proposed-by", "ru-ops"),
    ],
)
def test_the_party_page_names_staff_to_signed_in_users_only(
    client: TestClient, world: World, acted: Acted, party: str, testid: str, user: str
) -> None:
    path = f"/parties/{world.parties[party]}"
    public = client.get(path).text
    assert f'data-testid="{testid}"' not in public and user not in public
    assert "United States" in public and "Russian Federation" in public  # the states acted
    sign_in(client, web_user(world, "web-analyst", Role.ANALYST))
    signed = client.get(path).text
    assert f'<span data-testid="{testid}">{user}</span>' in signed


# --- pending and disputed -----------------------------------------------------------------------


def registry_cell(body: str, slug: str) -> str:
    row = body.split(f'<tr data-party="{slug}">', 1)[1]
    return row.split("</tr>", 1)[0]


def test_one_unanswered_proposal_is_pending_and_opposite_ones_are_disputed(
    client: TestClient, world: World, acted: Acted
) -> None:
    us_proposal = {"agreement_id": world.agreement_id, "status": "committed", "reason": "listed"}
    us = {"Authorization": f"Bearer {token_for(world, 'us')}"}
    ahrar = world.parties["ahrar"]
    body = client.get("/").text
    # Russia proposed excluded for Ahrar al-Sham; the United States has not answered.
    pending = registry_cell(body, "ahrar-al-sham")
    assert 'data-testid="pending"' in pending and 'data-testid="disputed"' not in pending
    assert "RU proposes excluded" in pending
    party_page = client.get(f"/parties/{ahrar}").text
    assert 'data-testid="pending"' in party_page and 'data-testid="disputed"' not in party_page
    fsa = registry_cell(body, "free-syrian-army")  # approved: the guarantors agree
    assert 'data-testid="pending"' not in fsa and 'data-testid="disputed"' not in fsa

    made = client.post(
        f"{API}/status-proposals", json={**us_proposal, "party_id": ahrar}, headers=us
    )
    assert made.status_code == 201, made.text
    disputed = registry_cell(client.get("/").text, "ahrar-al-sham")
    assert 'data-testid="disputed"' in disputed and 'data-testid="pending"' not in disputed
    assert "US committed" in disputed and "RU excluded" in disputed

    only = client.get("/", params={"accord": "disputed"}).text
    assert '<tr data-party="ahrar-al-sham">' in only and "free-syrian-army" not in only
    agreed = client.get("/", params={"accord": "agreed"}).text
    assert "ahrar-al-sham" not in agreed and '<tr data-party="free-syrian-army">' in agreed
    assert client.get("/", params={"accord": "maybe"}).status_code == 422


def test_a_rejection_reads_as_disputed_with_who_refused_what(
    client: TestClient, world: World, acted: Acted
) -> None:
    us = {"Authorization": f"Bearer {token_for(world, 'us')}"}
    answer = client.post(
        f"{API}/status-proposals/{acted.open}/decision", json={"decision": "reject"}, headers=us
    )
    assert answer.status_code == 200, answer.text
    cell = registry_cell(client.get("/").text, "ahrar-al-sham")
    assert 'data-testid="disputed"' in cell
    assert "US rejected the proposal of RU (excluded)" in cell
    public = client.get(f"{API}/parties/{world.parties['ahrar']}").json()
    assert public["disputed"] and public["rejected"]["decider_state"] == "US"
    assert values(public, "decided_by") == [] and values(public, "proposed_by") == []
    staff = client.get(f"{API}/parties/{world.parties['ahrar']}", headers=us).json()
    assert staff["rejected"]["decided_by"] == "us-ops"


# --- long texts in forms ------------------------------------------------------------------------

TOO_LONG = " ".join(["The shelling of Douma was reported by three sources."] * 100)  # 5,299


def test_a_reason_over_the_limit_comes_back_in_the_form_with_the_limit_named(
    client: TestClient, world: World
) -> None:
    csrf = sign_in(client, web_user(world, "web-us", Role.GUARANTOR, "US"))
    fsa = world.parties["fsa"]
    answer = client.post(
        f"/parties/{fsa}/proposals",
        data={"csrf": csrf, "status": "suspended", "reason": TOO_LONG},
        follow_redirects=False,
    )
    assert answer.status_code == 422
    page = answer.text
    assert f"This text is {len(TOO_LONG)} characters long; at most 5000 fit." in page
    assert "What you wrote is kept in the form below." in page
    textarea = page.split('<textarea id="reason"', 1)[1].split("</textarea>", 1)[0]
    assert TOO_LONG in textarea
    assert '<option value="suspended" selected>' in page
    assert "<h1>Free Syrian Army</h1>" in page  # the party's own page, not the registry
    with world.truce.uow(write=False) as uow:
        assert uow.proposals.list(world.agreement_id, fsa) == []


def test_line_breaks_count_once_as_the_browser_counts_them(
    client: TestClient, world: World
) -> None:
    csrf = sign_in(client, web_user(world, "web-us", Role.GUARANTOR, "US"))
    fsa = world.parties["fsa"]
    reason = "\r\n".join(["x" * 99] * 50)  # 4,999 characters in the textarea, 5,048 sent
    answer = client.post(
        f"/parties/{fsa}/proposals",
        data={"csrf": csrf, "status": "suspended", "reason": reason},
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text
    with world.truce.uow(write=False) as uow:
        [made] = uow.proposals.list(world.agreement_id, fsa)
    assert made.reason == reason.replace("\r\n", "\n")


def test_a_long_decision_reason_and_a_long_note_come_back_too(
    client: TestClient, world: World, acted: Acted
) -> None:
    csrf = sign_in(client, web_user(world, "web-us", Role.GUARANTOR, "US"))
    ahrar, fsa = world.parties["ahrar"], world.parties["fsa"]
    decided = client.post(
        f"/proposals/{acted.open}/decision",
        data={"csrf": csrf, "decision": "reject", "party_id": str(ahrar), "reason": TOO_LONG},
        follow_redirects=False,
    )
    assert decided.status_code == 422 and "<h1>Ahrar al-Sham</h1>" in decided.text
    assert f'value="{TOO_LONG}"' in decided.text
    noted = client.post(
        f"/parties/{fsa}/commitments",
        data={"csrf": csrf, "guarantor": "US", "note": TOO_LONG},
        follow_redirects=False,
    )
    assert noted.status_code == 422 and "<h1>Free Syrian Army</h1>" in noted.text
    assert "at most 5000 fit" in noted.text and f'value="{TOO_LONG}"' in noted.text


def test_an_error_page_about_a_party_leads_back_to_that_party(
    client: TestClient, world: World, acted: Acted
) -> None:
    csrf = sign_in(client, web_user(world, "web-us", Role.GUARANTOR, "US"))
    ahrar = world.parties["ahrar"]
    refused = client.post(
        f"/proposals/{acted.open}/decision",
        data={"csrf": csrf, "decision": "maybe", "party_id": str(ahrar)},
        follow_redirects=False,
    )
    assert refused.status_code == 422
    assert f'<a href="/parties/{ahrar}">Back to the party</a>' in refused.text
    malformed = client.post(
        f"/parties/{ahrar}/proposals", data={"csrf": csrf}, follow_redirects=False
    )
    assert malformed.status_code == 422
    assert f'<a href="/parties/{ahrar}">Back to the party</a>' in malformed.text
