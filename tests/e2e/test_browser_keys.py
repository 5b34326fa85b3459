"""A guarantor's key held in the browser (Debian's Chromium, WebCrypto Ed25519, IndexedDB): the
browser enrols a key with an admin's one-time code, signs a status proposal in the page, and
the ledger entry verifies with the browser's public key."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from tests.e2e.browsing import JsErrors, serve
from tests.helpers import World
from truce.domain.permissions import SYSTEM, Role
from truce.ledger import intents
from truce.ledger.keys import signature_holds, unb64
from truce.ledger.verify import verify
from truce.services import users
from truce.store.tables import UserRow
from truce.web.app import create_app

pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery staple"
NAME = "ru-browser"


@pytest.fixture
def site(world: World) -> Iterator[str]:
    with world.truce.uow() as uow:
        users.add_user(users.NewUser(NAME, Role.GUARANTOR, PASSWORD, state="RU"), uow, actor=SYSTEM)
    with serve(create_app(world.truce)) as url:
        yield url


def enrolment_code(world: World) -> str:
    with world.truce.uow() as uow:
        return users.issue_enrolment_code(NAME, uow, actor=SYSTEM)


def sign_in(page: Page, site: str) -> None:
    page.goto(f"{site}/login")
    page.get_by_label("User name").fill(NAME)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()


def browser_public_key(page: Page) -> bytes:
    """The public key the page's IndexedDB holds for the user (the private one cannot leave)."""
    exported = page.evaluate(
        """async (name) => {
            const db = await new Promise((ok, no) => {
                const r = indexedDB.open("truce-keys", 1); r.onsuccess = () => ok(r.result);
                r.onerror = () => no(r.error); });
            const key = await new Promise((ok, no) => {
                const r = db.transaction("keys").objectStore("keys").get(name);
                r.onsuccess = () => ok(r.result); r.onerror = () => no(r.error); });
            let leaked = true;
            try { await crypto.subtle.exportKey("pkcs8", key.privateKey); }
            catch (e) { leaked = false; }
            const raw = new Uint8Array(await crypto.subtle.exportKey("raw", key.publicKey));
            return {raw: Array.from(raw), extractable: key.privateKey.extractable, leaked};
        }""",
        NAME,
    )
    assert exported["extractable"] is False and exported["leaked"] is False
    return bytes(exported["raw"])


def test_a_guarantor_enrols_a_browser_key_and_signs_a_proposal(
    page: Page, site: str, world: World, js_errors: JsErrors
) -> None:
    code = enrolment_code(world)
    sign_in(page, site)
    # An enrolment code is waiting: the sign-in leads to the key page.
    expect(page).to_have_url(f"{site}/account/key?next=/")
    page.get_by_label("Enrolment code").fill(code)
    page.get_by_role("button", name="Make my key in this browser").click()
    page.wait_for_load_state()
    expect(page.locator(".flash-ok")).to_contain_text("This browser now holds your signing key")
    public_key = browser_public_key(page)
    with world.truce.uow(write=False) as uow:
        user = uow.users.by_name(NAME)
        assert user is not None
        assert uow.users.custody(user.id) == "holder"
    with world.truce.db.writer_engine.connect() as conn:
        row = conn.execute(
            select(UserRow.sealed_seed, UserRow.public_key).where(UserRow.username == NAME)
        ).one()
    assert row.sealed_seed is None and bytes(row.public_key) == public_key

    party = world.parties["ahrar"]
    page.goto(f"{site}/parties/{party}")
    form = page.get_by_test_id("propose-form")
    form.get_by_label("New status").select_option("committed")
    form.get_by_label("Reason").fill("Declared to the task force\non 27 February")
    form.get_by_role("button", name="Propose").click()
    page.wait_for_load_state()
    expect(page.locator(".flash-ok")).to_contain_text("Proposal recorded")
    assert not js_errors, js_errors

    with world.truce.uow(write=False) as uow:
        entries = uow.ledger.page(0, 100_000)
    signed = [e for e in entries if e.intent is not None]
    assert [e.action for e in signed] == ["party.status_proposed"]
    entry = signed[0]
    assert entry.actor == NAME
    assert entry.intent["action"] == "POST /parties/{id}/proposals"
    assert entry.intent["payload"]["form"]["status"] == "committed"
    assert "csrf" not in entry.intent["payload"]["form"]
    # The entry verifies with the browser's public key, and the ledger as a whole verifies.
    assert signature_holds(public_key, intents.intent_bytes(entry.intent), entry.intent_sig)
    registered = [
        e for e in entries if e.action == "key.registered" and e.payload["holder"] == NAME
    ]
    assert registered[-1].payload["custody"] == "holder"
    assert unb64(registered[-1].payload["public_key"]) == public_key
    report = verify(entries)
    assert report.ok, report.failure
    assert report.authored == 1


def test_another_browser_cannot_sign_for_the_holder(
    page: Page, site: str, world: World, browser: Browser
) -> None:
    code = enrolment_code(world)
    sign_in(page, site)
    page.get_by_label("Enrolment code").fill(code)
    page.get_by_role("button", name="Make my key in this browser").click()
    page.wait_for_load_state()
    expect(page.locator(".flash-ok")).to_be_visible()
    # A second browser profile: signed in, but without the key.
    other = browser.new_context(locale="en-US")
    try:
        tab = other.new_page()
        sign_in(tab, site)
        before = len_ledger(world)
        tab.goto(f"{site}/parties/{world.parties['ahrar']}")
        form = tab.get_by_test_id("propose-form")
        form.get_by_label("Reason").fill("from elsewhere")
        form.get_by_role("button", name="Propose").click()
        expect(tab.get_by_test_id("key-error")).to_contain_text("does not hold your signing key")
        assert len_ledger(world) == before
    finally:
        other.close()


def test_a_wrong_code_enrols_nothing(page: Page, site: str, world: World) -> None:
    enrolment_code(world)
    sign_in(page, site)
    page.get_by_label("Enrolment code").fill("not-the-code")
    page.get_by_role("button", name="Make my key in this browser").click()
    page.wait_for_load_state()
    expect(page.locator(".flash-error")).to_contain_text("enrolment code is wrong")
    with world.truce.uow(write=False) as uow:
        user = uow.users.by_name(NAME)
        assert user is not None and uow.users.custody(user.id) == "server"


def len_ledger(world: World) -> int:
    with world.truce.uow(write=False) as uow:
        return uow.ledger.count()
