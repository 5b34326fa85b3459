"""Signing in and out over HTTP: revocable sessions, limits on wrong passwords, the web export.

Every test runs on SQLite and PostgreSQL through the real app; cookies are copied between
clients the way an attacker who read one off a shared computer would.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import time_machine
from fastapi.testclient import TestClient
from httpx2 import Response
from typer.testing import CliRunner

from tests.helpers import World
from truce import cli
from truce.bootstrap import Truce, bootstrap
from truce.domain.errors import Forbidden
from truce.domain.permissions import SYSTEM, Role
from truce.services import ledger, users
from truce.web.app import create_app

API = "/api/v1"
COOKIE = "truce_session"
PASSWORD = "correct horse battery staple"
NEW_PASSWORD = "a different long passphrase"
WRONG = "Tr0ub4dor&3-not-it"
HERE = ("203.0.113.7", 40000)
ELSEWHERE = ("198.51.100.9", 40000)


@pytest.fixture
def officers(world: World) -> World:
    """Two users who can sign in with PASSWORD: field-officer and desk-officer."""
    for name in ("field-officer", "desk-officer"):
        with world.truce.uow() as uow:
            users.add_user(users.NewUser(name, Role.MONITOR, PASSWORD), uow, actor=SYSTEM)
    return world


def browser(world: World, address: tuple[str, int] = HERE, cookie: str | None = None) -> TestClient:
    """A client of the whole app from one address, optionally holding a copied cookie."""
    client = TestClient(create_app(world.truce), client=address, follow_redirects=False)
    if cookie is not None:
        client.cookies.set(COOKIE, cookie)
    return client


def csrf_of(client: TestClient, path: str = "/login") -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', client.get(path).text)
    assert found, f"no CSRF token on {path}"
    return found.group(1)


def sign_in(client: TestClient, username: str, password: str) -> Response:
    form = {"csrf": csrf_of(client), "username": username, "password": password, "next": "/ledger"}
    return client.post("/login", data=form)


def signed_in(world: World, username: str, address: tuple[str, int] = HERE) -> TestClient:
    client = browser(world, address)
    response = sign_in(client, username, PASSWORD)
    assert response.status_code == 303, response.text
    assert response.headers["location"] == "/ledger"
    return client


def opens_ledger(world: World, cookie: str) -> bool:
    """Whether a fresh browser holding only this cookie is let into /ledger."""
    response = browser(world, ELSEWHERE, cookie).get("/ledger")
    if response.status_code == 303:
        assert response.headers["location"] == "/login?next=/ledger"
        return False
    assert response.status_code == 200, response.text
    return True


def api_token(client: TestClient, username: str, password: str = PASSWORD) -> Response:
    return client.post(f"{API}/tokens", json={"username": username, "password": password})


def token_works(client: TestClient, token: str) -> bool:
    response = client.get(f"{API}/users/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code in (200, 401), response.text
    return response.status_code == 200


def change_password(client: TestClient, current: str) -> Response:
    """Submit the account page's form, changing the password to NEW_PASSWORD."""
    form = {
        "csrf": csrf_of(client, "/account"),
        "current_password": current,
        "new_password": NEW_PASSWORD,
        "confirm_password": NEW_PASSWORD,
    }
    return client.post("/account/password", data=form)


# --- sessions end on the server -------------------------------------------------------------


def test_a_cookie_copied_before_logout_is_refused_after_it(officers: World) -> None:
    client = signed_in(officers, "field-officer")
    copied = client.cookies[COOKIE]
    assert opens_ledger(officers, copied)

    logout = client.post("/logout", data={"csrf": csrf_of(client, "/ledger")})
    assert logout.status_code == 303
    assert not opens_ledger(officers, copied)
    assert client.get("/ledger").status_code == 303


def test_logout_needs_the_forms_csrf_token(officers: World) -> None:
    client = signed_in(officers, "field-officer")
    refused = client.post("/logout", data={"csrf": "forged"})
    assert refused.status_code == 403
    assert opens_ledger(officers, client.cookies[COOKIE])


def test_a_password_change_ends_every_other_session_and_token(officers: World) -> None:
    here = signed_in(officers, "field-officer")
    there = signed_in(officers, "field-officer", ELSEWHERE)
    cookie_here, cookie_there = here.cookies[COOKIE], there.cookies[COOKIE]
    token = api_token(here, "field-officer").json()["token"]
    other_users = signed_in(officers, "desk-officer")

    changed = change_password(here, PASSWORD)
    assert changed.status_code == 303, changed.text
    assert "Password changed" in here.get(changed.headers["location"]).text

    assert not opens_ledger(officers, cookie_here)
    assert not opens_ledger(officers, cookie_there)
    assert not token_works(here, token)
    assert here.get("/ledger").status_code == 200  # the browser that changed it stays in
    assert opens_ledger(officers, other_users.cookies[COOKIE])
    assert sign_in(browser(officers), "field-officer", PASSWORD).status_code == 303
    assert api_token(here, "field-officer", PASSWORD).status_code == 401
    assert api_token(here, "field-officer", NEW_PASSWORD).status_code == 201


def test_a_wrong_current_password_changes_nothing(officers: World) -> None:
    client = signed_in(officers, "field-officer")
    refused = change_password(client, WRONG)
    assert refused.status_code == 303
    assert "current password is wrong" in client.get("/account").text
    assert api_token(client, "field-officer", PASSWORD).status_code == 201
    assert opens_ledger(officers, client.cookies[COOKIE])


def test_the_password_form_needs_csrf_and_a_session(officers: World) -> None:
    client = signed_in(officers, "field-officer")
    form = {"current_password": PASSWORD, "new_password": NEW_PASSWORD}
    assert client.post("/account/password", data={**form, "csrf": "forged"}).status_code == 403
    assert browser(officers).get("/account").headers["location"] == "/login?next=/account"
    assert api_token(client, "field-officer", PASSWORD).status_code == 201


def cli_env(world: World) -> dict[str, str]:
    assert world.truce.secret
    return {"TRUCE_DATABASE_URL": world.truce.db.url, "TRUCE_SECRET_KEY": world.truce.secret}


def test_users_passwd_ends_every_session_and_token(officers: World) -> None:
    client = signed_in(officers, "field-officer")
    token = api_token(client, "field-officer").json()["token"]
    result = CliRunner().invoke(
        cli.app,
        ["users", "passwd", "field-officer", "--password-stdin"],
        input=NEW_PASSWORD + "\n",
        env=cli_env(officers),
    )
    assert result.exit_code == 0, result.output
    assert not opens_ledger(officers, client.cookies[COOKIE])
    assert not token_works(client, token)
    assert api_token(client, "field-officer", NEW_PASSWORD).status_code == 201


def test_disabling_a_user_ends_sessions_and_tokens(officers: World) -> None:
    client = signed_in(officers, "field-officer")
    cookie = client.cookies[COOKIE]
    token = api_token(client, "field-officer").json()["token"]
    other = signed_in(officers, "desk-officer")

    result = CliRunner().invoke(
        cli.app, ["users", "disable", "field-officer"], env=cli_env(officers)
    )
    assert result.exit_code == 0, result.output
    assert not opens_ledger(officers, cookie)
    assert not token_works(client, token)
    assert sign_in(browser(officers), "field-officer", PASSWORD).status_code == 303
    assert api_token(client, "field-officer").status_code == 401
    assert opens_ledger(officers, other.cookies[COOKIE])

    with officers.truce.uow(write=False) as uow:
        row = uow.users.by_name("field-officer")
        assert row is not None and not row.active
        assert all(t.revoked_at is not None for t in uow.tokens.of(row.id))
        actions = [e.action for e in uow.ledger.page(0, 1000) if e.subject == f"user:{row.id}"]
    assert actions[-2:] == ["user.disabled", "key.revoked"]
    assert ledger.verify_database(officers.truce.db).ok


def test_only_an_admin_disables_users(officers: World) -> None:
    for label in ("us", "monitor", "analyst"):
        with officers.truce.uow() as uow, pytest.raises(Forbidden):
            users.disable_user("field-officer", uow, actor=officers.actors[label])
    client = signed_in(officers, "field-officer")
    with officers.truce.uow() as uow:
        users.disable_user("field-officer", uow, actor=officers.actors["admin"])
    assert not opens_ledger(officers, client.cookies[COOKIE])


# --- wrong passwords are limited ------------------------------------------------------------


def test_hammering_sign_in_gets_429_until_the_window_passes(officers: World) -> None:
    attacker = browser(officers)
    for _ in range(5):
        assert sign_in(attacker, "field-officer", WRONG).status_code == 303
    locked = sign_in(attacker, "field-officer", WRONG)
    assert locked.status_code == 429
    assert 1 <= int(locked.headers["retry-after"]) <= 60
    assert "Too many failed sign-ins" in locked.text
    assert 'name="username"' in locked.text  # still the sign-in page

    # The right password is refused too while locked, on the web and for API tokens alike.
    assert sign_in(browser(officers, ELSEWHERE), "field-officer", PASSWORD).status_code == 429
    assert api_token(browser(officers, ELSEWHERE), "field-officer").status_code == 429
    # Another user from another address is not affected.
    assert sign_in(browser(officers, ELSEWHERE), "desk-officer", PASSWORD).status_code == 303

    with time_machine.travel(time.time() + 61, tick=False):
        assert sign_in(browser(officers), "field-officer", PASSWORD).status_code == 303


def test_token_creation_is_limited_with_a_json_429(officers: World) -> None:
    client = browser(officers)
    for _ in range(5):
        assert api_token(client, "field-officer", WRONG).status_code == 401
    locked = api_token(client, "field-officer", WRONG)
    assert locked.status_code == 429
    body = locked.json()
    assert body["code"] == "too_many_requests" and body["field"] is None
    assert "Too many failed sign-ins" in body["detail"]
    assert body["retry_after"] == int(locked.headers["retry-after"]) >= 1
    # The web form shares the count: five wrong tokens lock the sign-in page as well.
    assert sign_in(browser(officers, ELSEWHERE), "field-officer", PASSWORD).status_code == 429


@contextmanager
def configured(world: World, **settings: str) -> Iterator[Truce]:
    """The world's database served with other settings (and so fresh counts of failures)."""
    other = bootstrap(world.truce.settings.model_copy(update=settings))
    try:
        yield other
    finally:
        other.close()


def test_one_address_trying_many_names_is_limited(officers: World) -> None:
    with configured(officers, sign_in_limit_per_address="3/minute") as truce:
        client = TestClient(create_app(truce), client=HERE)
        for number in range(3):
            assert api_token(client, f"guess-{number}", WRONG).status_code == 401
        assert api_token(client, "desk-officer").status_code == 429
        assert (
            api_token(TestClient(create_app(truce), client=ELSEWHERE), "desk-officer").status_code
            == 201
        )


def test_successful_sign_ins_do_not_count(officers: World) -> None:
    client = browser(officers)
    for _ in range(7):
        assert sign_in(client, "field-officer", PASSWORD).status_code == 303
    assert api_token(client, "field-officer").status_code == 201


def test_the_limits_are_settings(officers: World) -> None:
    with configured(officers, sign_in_limit_per_user="2/hour") as truce:
        client = TestClient(create_app(truce), client=HERE)
        for _ in range(2):
            assert api_token(client, "field-officer", WRONG).status_code == 401
        locked = api_token(client, "field-officer", WRONG)
        assert locked.status_code == 429
        assert 60 < int(locked.headers["retry-after"]) <= 3600


def test_passwords_and_tokens_are_never_logged(
    officers: World, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    client = browser(officers)
    for _ in range(4):
        sign_in(client, "field-officer", WRONG)
        api_token(client, "field-officer", WRONG)
    token = api_token(browser(officers, ELSEWHERE), "desk-officer").json()["token"]
    sign_in(browser(officers, ELSEWHERE), "desk-officer", PASSWORD)
    assert "Too many failed sign-ins" in caplog.text or "sign-in" in caplog.text
    for secret in (WRONG, PASSWORD, token):
        assert secret not in caplog.text


# --- the ledger export for a signed-in browser ----------------------------------------------


def test_the_ledger_page_downloads_its_export_with_the_session(
    officers: World, tmp_path: Path
) -> None:
    client = signed_in(officers, "field-officer")
    page = client.get("/ledger")
    link = re.search(r'href="([^"]+)"[^>]*>Download the export', page.text)
    assert link, page.text
    response = client.get(link.group(1))
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/x-ndjson")
    disposition = response.headers["content-disposition"]
    assert re.fullmatch(r'attachment; filename="truce-ledger-\d+\.jsonl"', disposition)
    path = tmp_path / "ledger.jsonl"
    path.write_bytes(response.content)
    report = ledger.verify_file(path)
    assert report.ok, report.failure
    with officers.truce.uow(write=False) as uow:
        assert report.head_seq == uow.ledger.head()[0]
    assert f"truce-ledger-{report.head_seq}.jsonl" in disposition


def test_the_web_export_needs_a_session(officers: World) -> None:
    response = browser(officers).get("/ledger/export")
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/ledger/export"
