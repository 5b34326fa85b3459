"""The condition clock in headless Chromium on the demo (the UCDP month stops it on its first
day): one desk proposes a reset, the other approves it, and the clock runs again; htmx keeps
the counter current without breaking the page's content security policy."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect
from typer.testing import CliRunner

from tests.e2e.browsing import JsErrors, keep_enrolment_codes, serve
from tests.e2e.test_hotline_browser import sign_in
from truce import cli

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    db = tmp_path_factory.mktemp("clocks") / "demo.db"
    result = CliRunner().invoke(cli.app, ["demo", "--db", str(db), "--no-serve"])
    assert result.exit_code == 0, result.output
    from truce.web.app import create_app

    with cli.opened(str(db), demo=True) as truce, serve(create_app(truce)) as url:
        keep_enrolment_codes(url, result.output)
        yield url


def test_a_reset_takes_both_desks(site: str, page: Page, js_errors: JsErrors) -> None:
    page.goto(f"{site}/clocks")
    counter = page.get_by_test_id("clock-counter")
    expect(counter).to_have_attribute("data-running", "no")
    expect(counter).to_contain_text("Stopped")
    expect(page.get_by_test_id("reset-form")).to_have_count(0)

    sign_in(page, site, "us-ops", "/clocks")
    page.get_by_test_id("reset-form").locator("textarea").fill("Both desks report a calm week.")
    page.get_by_test_id("reset-form").locator("button").click()
    expect(page.get_by_test_id("reset")).to_have_attribute("data-state", "open")
    expect(page.get_by_test_id("vote-form")).to_have_count(0)  # not its own
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, site, "ru-ops", "/clocks")
    page.get_by_test_id("vote-form").get_by_role("button", name="Approve").click()
    expect(page.get_by_test_id("reset")).to_have_attribute("data-state", "agreed")
    expect(page.get_by_test_id("clock-runs").locator("tbody tr")).to_have_count(2)
    # htmx swaps the panel in place; the page stays whole.
    page.evaluate("htmx.trigger('#clock-panel', 'every 30s')")
    page.wait_for_timeout(500)
    expect(page.get_by_test_id("clock-counter")).to_have_count(1)
    assert js_errors == []
