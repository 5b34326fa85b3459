"""The task force pack and a case file in headless Chromium on the demo, signed in as the US
desk, in English and Arabic: the report's charts and map are drawn (SVG with marks, and pixels
on the screenshot), its styles pass the site's content security policy, and the case file is
reached from the allegation's page. Screenshots go to test-artifacts/ (git-ignored)."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from PIL import Image
from playwright.sync_api import Locator, Page, expect
from typer.testing import CliRunner

from tests.e2e.browsing import ARTIFACTS, JsErrors, keep_enrolment_codes, serve
from tests.e2e.test_hotline_browser import sign_in
from truce import cli

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    db = tmp_path_factory.mktemp("taskforce") / "demo.db"
    result = CliRunner().invoke(cli.app, ["demo", "--db", str(db), "--no-serve"])
    assert result.exit_code == 0, result.output
    from truce.web.app import create_app

    with cli.opened(str(db), demo=True) as truce, serve(create_app(truce)) as url:
        keep_enrolment_codes(url, result.output)
        yield url


def colours(figure: Locator) -> int:
    """How many distinct colours the figure shows on screen: a blank box has one or two."""
    image = Image.open(io.BytesIO(figure.screenshot())).convert("RGB")
    small = image.resize((120, 80))
    return len({small.getpixel((x, y)) for x in range(120) for y in range(80)})


def drawn(page: Page, name: str) -> None:
    """The report is on the page with its styles applied, every figure drawn."""
    report = page.locator(".sitrep")
    expect(report).to_have_count(1)
    # base.html's style applies (the CSP lets the report's own styles in by their hash).
    colour = report.locator("h1").evaluate("h => getComputedStyle(h).color")
    assert colour == "rgb(31, 78, 121)", colour
    figures = report.locator("figure svg")
    assert figures.count() >= 1
    for n in range(figures.count()):
        svg = figures.nth(n)
        expect(svg).to_be_visible()
        box = svg.bounding_box()
        assert box is not None and box["width"] > 200 and box["height"] > 100, (name, n, box)
        marks = svg.locator("path, rect, circle").count()
        assert marks > 5, (name, n, marks)
        assert colours(svg) > 4, (name, n)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / f"taskforce-{name}.png", full_page=True)


def test_the_pack_and_a_case_file_in_english_and_arabic(
    site: str, page: Page, js_errors: JsErrors
) -> None:
    today = datetime.now(ZoneInfo("Asia/Damascus")).date().isoformat()
    page.goto(f"{site}/reports/taskforce/{today}")
    expect(page).to_have_url(f"{site}/login?next=/reports/taskforce/{today}")  # sign in first

    sign_in(page, site, "us-ops", "/allegations")
    page.get_by_test_id("taskforce-pack-link").click()
    expect(page).to_have_url(f"{site}/reports/taskforce/{today}")
    expect(page.locator(".sitrep h1")).to_contain_text("Task force pack")
    expect(page.locator("#open-allegations table tbody tr").first).to_be_visible()
    expect(page.get_by_test_id("sitrep-downloads").locator("a[data-format=pdf]")).to_have_count(1)
    drawn(page, "pack-en")

    # From an allegation of the pack to its page, and from there to its case file.
    first = page.locator("#open-allegations a.case-link").first
    allegation = (first.text_content() or "").lstrip("#")
    page.goto(f"{site}/allegations/{allegation}")
    page.get_by_test_id("case-file-link").click()
    expect(page).to_have_url(f"{site}/cases/allegations/{allegation}")
    expect(page.locator(".sitrep h1")).to_contain_text(f"allegation #{allegation}")
    expect(page.locator("#reports table.report").first).to_be_visible()
    expect(page.locator("#ledger table.ledger tbody tr").first).to_be_visible()
    drawn(page, "case-en")

    for path, name in ((f"/reports/taskforce/{today}", "pack-ar"),
                       (f"/cases/allegations/{allegation}", "case-ar")):  # fmt: skip
        page.goto(f"{site}{path}?lang=ar")
        expect(page.locator("html")).to_have_attribute("dir", "rtl")
        expect(page.locator(".sitrep")).to_have_attribute("dir", "rtl")
        drawn(page, name)
    assert js_errors == []
