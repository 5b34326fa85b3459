"""Findings in two headless Chromium profiles on the demo: each guarantor's desk submits its
assessment of the same allegation; the second desk cannot read the first one's before giving
its own; once both are in, the allegation's page shows them side by side with the finding."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect
from typer.testing import CliRunner

from tests.e2e.browsing import JsErrors, keep_enrolment_codes, serve
from tests.e2e.test_hotline_browser import sign_in
from truce import cli

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    db = tmp_path_factory.mktemp("findings") / "demo.db"
    result = CliRunner().invoke(cli.app, ["demo", "--db", str(db), "--no-serve"])
    assert result.exit_code == 0, result.output
    from truce.web.app import create_app

    with cli.opened(str(db), demo=True) as truce, serve(create_app(truce)) as url:
        keep_enrolment_codes(url, result.output)
        yield url


@pytest.fixture
def second(browser: Browser) -> Iterator[BrowserContext]:
    ctx = browser.new_context(locale="en-US", viewport={"width": 1280, "height": 900})
    yield ctx
    ctx.close()


def submit(page: Page, conclusion: str, rationale: str) -> None:
    form = page.get_by_test_id("assessment-form")
    form.locator("#conclusion").select_option(conclusion)
    form.locator("#threat").select_option("high")
    form.locator("#nature").fill("Air strike on a town")
    form.locator("#rationale").fill(rationale)
    form.locator("button[type=submit]").click()


def test_two_desks_assess_under_seal_and_the_finding_shows_both(
    site: str, page: Page, second: BrowserContext, js_errors: JsErrors
) -> None:
    sign_in(page, site, "us-ops", "/allegations")
    first_row = page.get_by_test_id("allegation-row").first
    expect(first_row).to_contain_text("your assessment is due")
    first_row.locator("a").first.click()
    allegation_url = page.url
    submit(page, "confirmed", "UCDP and the monitor's report agree.")
    expect(page.get_by_test_id("sealed")).to_be_visible()
    expect(page.get_by_test_id("assessment")).to_have_count(1)  # its own

    other = second.new_page()
    js_errors.watch(other)
    sign_in(other, site, "ru-ops", allegation_url.removeprefix(site))
    expect(other.get_by_test_id("sealed")).to_be_visible()
    expect(other.get_by_test_id("assessment")).to_have_count(0)  # sealed: not the other's
    expect(other.get_by_test_id("assessments")).not_to_contain_text("UCDP and the monitor")
    submit(other, "confirmed", "Our own sources confirm the strike.")

    expect(other.get_by_test_id("finding-state")).to_have_attribute("data-state", "confirmed")
    expect(other.get_by_test_id("assessment")).to_have_count(2)
    page.reload()
    expect(page.get_by_test_id("assessment")).to_have_count(2)
    expect(page.get_by_test_id("assessment-table")).to_contain_text("Our own sources")
    expect(page.get_by_test_id("finding-state")).to_have_text("confirmed")
    other.close()
    assert js_errors == []
