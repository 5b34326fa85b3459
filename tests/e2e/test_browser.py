"""The web UI in a real headless Chromium: sign in, read the registry, propose and approve.

The site is the demo (`truce demo --no-serve` into a temporary SQLite file), served by uvicorn in
a background thread. Screenshots of the key steps land in test-artifacts/ at the repository root
(git-ignored), and a screenshot plus a Playwright trace are saved there when a test fails
(open a trace with `.venv/bin/playwright show-trace test-artifacts/<name>.trace.zip`).

Chromium is Debian's /usr/bin/chromium (`playwright install` is not needed). Without it the tests
are skipped, except under CI=true, where that is a failure.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Locator, Page, expect
from sqlalchemy import select
from typer.testing import CliRunner

from tests.e2e.browsing import ARTIFACTS, JsErrors, enrol_if_asked, keep_enrolment_codes, serve
from truce import cli
from truce.bootstrap import Truce
from truce.ledger.verify import verify
from truce.services import demo, parties, scenario
from truce.store.tables import UserRow
from truce.web.app import create_app

pytestmark = pytest.mark.browser

DISPUTED = "Ahrar al-Sham"  # the US proposes committed, Russia excluded: both still open
UNDECIDED = "Jaysh al-Muhajirin wal-Ansar"  # no status decided in the scenario: unknown
NUSRA = "Jabhat al-Nusra"
NUSRA_ARABIC = "جبهة النصرة"


# --- the site -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The demo, as `truce demo --no-serve` prepares it, served on a free localhost port."""
    db = tmp_path_factory.mktemp("browser") / "demo.db"
    result = CliRunner().invoke(cli.app, ["demo", "--db", str(db), "--no-serve"])
    assert result.exit_code == 0, result.output
    with cli.opened(str(db), demo=True) as truce, serve(create_app(truce)) as url:
        keep_enrolment_codes(url, result.output)
        SERVED[url] = truce
        yield url


SERVED: dict[str, Truce] = {}  # the demo behind each site, to read its ledger


# --- steps ----------------------------------------------------------------------------------


def screenshot(page: Page, name: str) -> None:
    """Keep a picture of this step in test-artifacts/ for a person to look at."""
    page.screenshot(path=ARTIFACTS / f"{name}.png", full_page=True)


def submit_sign_in(page: Page, username: str, password: str | None = None) -> None:
    """Fill the sign-in form on this page; the demo password unless another is given."""
    page.get_by_label("User name").fill(username)
    page.get_by_label("Password").fill(password or demo.password(username))
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    if password is None:
        enrol_if_asked(page, username)  # a guarantor's first sign-in makes their key here


def sign_in(page: Page, site: str, username: str) -> None:
    page.goto(f"{site}/login")
    submit_sign_in(page, username)
    expect(page.get_by_test_id("whoami")).to_contain_text(username)


def sign_out(page: Page) -> None:
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("link", name="Sign in")).to_be_visible()
    expect(page.get_by_test_id("whoami")).to_have_count(0)


def registry_row(page: Page, party_name: str) -> Locator:
    return page.locator(f'tr[data-party="{parties.slugify(party_name)}"]')


def open_party(page: Page, site: str, party_name: str) -> None:
    """From the registry, follow the party's link to its page."""
    page.goto(f"{site}/")
    registry_row(page, party_name).get_by_role("link", name=party_name).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(party_name)


def party_status(page: Page) -> Locator:
    return page.get_by_test_id("status").locator(".status")


def proposal_rows(page: Page, state: str) -> Locator:
    return page.locator(f'tr[data-proposal][data-state="{state}"]')


def propose_status(page: Page, status: str, reason: str) -> None:
    form = page.get_by_test_id("propose-form")
    form.get_by_label("New status").select_option(status)
    form.get_by_label("Reason").fill(reason)
    form.get_by_role("button", name="Propose").click()
    page.wait_for_load_state()


def expect_html_lang_dir(page: Page, lang: str, direction: str) -> None:
    html = page.locator("html")
    expect(html).to_have_attribute("lang", lang)
    expect(html).to_have_attribute("dir", direction)


# --- tests ----------------------------------------------------------------------------------


def test_registry_propose_and_approve(site: str, page: Page, js_errors: JsErrors) -> None:
    names = [p["name"] for p in scenario.read_scenario("syria-2016")["parties"]]

    # The public registry: every party of the scenario, with the disputed one showing both views.
    page.goto(f"{site}/")
    expect_html_lang_dir(page, "en", "ltr")
    expect(page.get_by_role("heading", level=1)).to_have_text("Registry of parties")
    expect(page.locator("tr[data-party]")).to_have_count(len(names))
    for name in names:
        expect(registry_row(page, name).get_by_role("link", name=name, exact=True)).to_be_visible()
    disputed = registry_row(page, DISPUTED).get_by_test_id("disputed")
    expect(disputed).to_contain_text("US committed")
    expect(disputed).to_contain_text("RU excluded")
    screenshot(page, "01-registry-public")

    # The search box finds a party by its Arabic name.
    page.get_by_role("searchbox").fill(NUSRA_ARABIC)
    page.get_by_role("button", name="Search").click()
    expect(page).to_have_url(re.compile(r"[?&]q="))
    expect(page.locator("tr[data-party]")).to_have_count(1)
    expect(registry_row(page, NUSRA)).to_be_visible()
    expect(page.get_by_role("searchbox")).to_have_value(NUSRA_ARABIC)
    screenshot(page, "02-registry-search-arabic")

    # The public sees a party but cannot propose a change.
    open_party(page, site, UNDECIDED)
    expect(party_status(page)).to_have_text("unknown")
    expect(page.get_by_test_id("propose-form")).to_have_count(0)
    expect(page.get_by_role("button", name="Propose")).to_have_count(0)
    screenshot(page, "03-party-public")

    # The ledger is for signed-in users: the visitor is sent to sign in, and comes back after.
    page.goto(f"{site}/ledger")
    expect(page).to_have_url(f"{site}/login?next=/ledger")
    # A wrong password: an error, and still the sign-in page (still going to the ledger).
    submit_sign_in(page, "us-ops", "not-the-password")
    expect(page).to_have_url(f"{site}/login?next=/ledger")
    expect(page.get_by_role("alert")).to_have_text("Wrong user name or password.")
    expect(page.get_by_test_id("whoami")).to_have_count(0)
    screenshot(page, "04-sign-in-wrong-password")
    submit_sign_in(page, "us-ops")
    expect(page).to_have_url(f"{site}/ledger")
    expect(page.get_by_test_id("whoami")).to_contain_text("us-ops")

    # The US guarantor proposes; nothing changes until Russia approves.
    open_party(page, site, UNDECIDED)
    expect(proposal_rows(page, "open")).to_have_count(0)
    reason = "Fights alongside Jabhat al-Nusra (browser test)."
    propose_status(page, "excluded", reason)
    expect(page.get_by_role("heading", level=1)).to_have_text(UNDECIDED)
    expect(page.get_by_role("status")).to_contain_text("Proposal recorded")
    proposal = proposal_rows(page, "open")
    expect(proposal).to_have_count(1)
    expect(proposal).to_contain_text(reason)
    expect(proposal.locator(".status")).to_have_text("excluded")
    expect(proposal.get_by_role("button", name="Withdraw")).to_be_visible()
    expect(party_status(page)).to_have_text("unknown")
    screenshot(page, "05-party-proposed")
    sign_out(page)

    # The Russian guarantor approves; the status changes.
    sign_in(page, site, "ru-ops")
    open_party(page, site, UNDECIDED)
    proposal = proposal_rows(page, "open")
    expect(proposal).to_have_count(1)
    screenshot(page, "06-party-before-approval")
    proposal.get_by_label("Reason").fill("Agreed (browser test).")
    proposal.get_by_role("button", name="Approve").click()
    page.wait_for_load_state()
    expect(page.get_by_role("status")).to_contain_text("Decision recorded")
    expect(proposal_rows(page, "open")).to_have_count(0)
    expect(proposal_rows(page, "approved")).to_have_count(1)
    expect(party_status(page)).to_have_text("excluded")
    screenshot(page, "07-party-approved")

    page.goto(f"{site}/")
    expect(registry_row(page, UNDECIDED).locator(".status")).to_have_text("excluded")

    assert js_errors == []
    # Each guarantor enrolled this browser at their first sign-in (the demo's one-time codes):
    # the proposal and the decision are signed in the page, and the server holds neither key.
    truce = SERVED[site]
    with truce.uow(write=False) as uow:
        entries = uow.ledger.page(0, 100_000)
        for name in ("us-ops", "ru-ops"):
            user = uow.users.by_name(name)
            assert user is not None and uow.users.custody(user.id) == "holder"
            row = uow.session.scalar(select(UserRow).where(UserRow.username == name))
            assert row is not None and row.sealed_seed is None
    proposed = [e for e in entries if e.action == "party.status_proposed" and e.actor == "us-ops"]
    decided = [e for e in entries if e.action == "party.status_decided" and e.actor == "ru-ops"]
    assert proposed[-1].intent is not None and proposed[-1].intent["actor"] == "us-ops"
    assert decided[-1].intent is not None and decided[-1].intent["actor"] == "ru-ops"
    report = verify(entries)
    assert report.ok, report.failure


def test_right_to_left(site: str, page: Page, js_errors: JsErrors) -> None:
    page.goto(f"{site}/?lang=ar")
    expect_html_lang_dir(page, "ar", "rtl")
    expect(page.locator("tr[data-party]").first).to_be_visible()
    # The layout follows the direction: the brand starts the header on the right.
    brand = page.locator("header.site .brand").bounding_box()
    nav = page.get_by_role("navigation").bounding_box()
    assert brand is not None and nav is not None
    assert brand["x"] > nav["x"], "in RTL the brand should sit to the right of the menu"
    screenshot(page, "08-registry-rtl")
    assert js_errors == []


def test_javascript_errors_are_caught(site: str, page: Page, js_errors: JsErrors) -> None:
    """The watcher itself works: a thrown error on a page is collected."""
    page.goto(f"{site}/")
    # Wait for the error and the console message themselves, not for a fixed time.
    with page.expect_event("pageerror"):
        page.evaluate("setTimeout(() => { throw new Error('boom') }, 0)")
    with page.expect_console_message(lambda message: message.type == "error"):
        page.evaluate("console.error('bang')")
    assert any("boom" in error for error in js_errors), js_errors
    assert any("bang" in error for error in js_errors), js_errors
