"""The hotline in two headless Chromium profiles, one per guarantor's desk: a message sent by
one appears live on the other's open thread page (server-sent events), whose acknowledgement
then appears live on the sender's page, and a reload shows each exactly once."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect
from typer.testing import CliRunner

from tests.e2e.browsing import (
    CHROMIUM_ARGS,
    JsErrors,
    enrol_if_asked,
    keep_enrolment_codes,
    serve,
)
from truce import cli
from truce.services import demo

pytestmark = pytest.mark.browser

TEXT = "Срочно: обстрел у Хан-Шейхуна, 14:20.\nتأكيد من فضلكم"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    db = tmp_path_factory.mktemp("hotline") / "demo.db"
    result = CliRunner().invoke(cli.app, ["demo", "--db", str(db), "--no-serve"])
    assert result.exit_code == 0, result.output
    from truce.web.app import create_app

    with cli.opened(str(db), demo=True) as truce, serve(create_app(truce)) as url:
        keep_enrolment_codes(url, result.output)
        yield url


@pytest.fixture
def second(browser: Browser) -> Iterator[BrowserContext]:
    """The other desk's browser: its own profile, its own cookies."""
    ctx = browser.new_context(locale="en-US", viewport={"width": 1280, "height": 900})
    yield ctx
    ctx.close()


def sign_in(page: Page, site: str, username: str, then: str) -> None:
    page.goto(f"{site}/login?next={then}")
    page.locator("#username").fill(username)
    page.locator("#password").fill(demo.password(username))
    page.locator("#password").press("Enter")
    page.wait_for_load_state()
    enrol_if_asked(page, username)  # a guarantor's first sign-in makes their key here
    expect(page.get_by_test_id("whoami")).to_contain_text(username)


def test_two_desks_exchange_a_message_live(
    site: str, page: Page, second: BrowserContext, js_errors: JsErrors
) -> None:
    assert CHROMIUM_ARGS  # the same Chromium as every browser test (tests/e2e/conftest.py)
    sign_in(page, site, "us-ops", "/hotline")
    page.locator("#subject").fill("Khan Shaykhun, 4 March")
    page.locator("#kind").select_option("guarantors")
    page.get_by_test_id("open-thread").locator("button[type=submit]").click()
    expect(page).to_have_url(f"{site}/hotline/1")
    thread_url = page.url

    other = second.new_page()
    js_errors.watch(other)
    sign_in(other, site, "ru-ops", "/hotline/1")
    expect(other.get_by_test_id("live-status")).to_have_attribute("data-state", "live")

    page.locator("#text").fill(TEXT)
    page.locator("#priority").select_option("urgent")
    page.locator("#lang").fill("ru")
    page.get_by_test_id("send-form").locator("button[type=submit]").click()
    expect(page.locator(".message")).to_have_count(1)
    expect(page.get_by_test_id("live-status")).to_have_attribute("data-state", "live")

    # On the other desk's open page, without a reload: the message, and its Acknowledge button.
    arrived = other.locator(".message")
    expect(arrived).to_have_count(1, timeout=10_000)
    expect(arrived.locator(".message-text")).to_have_text(TEXT)
    other.get_by_test_id("acknowledge").click()
    expect(other.get_by_test_id("receipt").locator(".receipt-state")).to_have_attribute(
        "data-state", "acknowledged"
    )

    # The sender's page learns of it live.
    expect(page.get_by_test_id("receipt").locator(".receipt-state")).to_have_attribute(
        "data-state", "acknowledged", timeout=10_000
    )
    page.goto(thread_url)
    expect(page.locator(".message")).to_have_count(1)
    page.goto(f"{site}/hotline")
    expect(page.get_by_test_id("threads")).to_contain_text("Khan Shaykhun, 4 March")
    expect(page.get_by_test_id("overdue")).to_contain_text("Nothing is overdue.")
    other.close()
    assert js_errors == []


def test_the_hotline_is_not_in_the_monitor_s_menu(site: str, page: Page) -> None:
    sign_in(page, site, "monitor", "/")
    expect(page.get_by_role("navigation", name="Main").get_by_text("Hotline")).to_have_count(0)
    page.goto(f"{site}/hotline")
    expect(page.locator("main")).to_contain_text("Only the guarantors' desks")
