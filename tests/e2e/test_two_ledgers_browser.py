"""The two-ledger report's page in headless Chromium on the demo (`truce demo`: the UCDP month
and the demo users' filed reports), in English and Arabic: its three charts drawn as SVG with
marks in them, right to left in Arabic, the downloads linked; a screenshot of each."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.e2e import test_browser
from tests.e2e.browsing import JsErrors

pytestmark = pytest.mark.browser
site = test_browser.site  # the demo, served on a free port (a module fixture)
CHARTS = {
    "daily": ".mark-line path",
    "by-province": ".mark-rect path",
    "by-party": ".mark-rect path",
}


@pytest.mark.parametrize(("lang", "direction"), [("en", "ltr"), ("ar", "rtl")])
def test_the_two_ledger_page_draws_its_charts(
    site: str, page: Page, js_errors: JsErrors, tmp_path: Path, lang: str, direction: str
) -> None:
    response = page.goto(f"{site}/reports/two-ledgers?lang={lang}")
    assert response is not None and response.status == 200
    expect(page.locator("html")).to_have_attribute("dir", direction)
    report = page.locator("div.sitrep-two-ledgers")
    expect(report).to_have_attribute("dir", direction)
    expect(report.locator("h1")).to_contain_text("2016")
    for chart, marks in CHARTS.items():
        svg = report.locator(f"figure[data-chart='{chart}'] svg")
        expect(svg).to_have_count(1)
        box = svg.bounding_box()
        assert box is not None and box["width"] > 300 and box["height"] > 150, (chart, box)
        drawn = svg.locator(marks)
        assert drawn.count() > 0, chart
        # Marks with a shape: a line's path or a bar's rectangle, not empty elements.
        assert all(
            len(d or "") > 10 for d in drawn.evaluate_all("ps => ps.map(p => p.getAttribute('d'))")
        ), chart
    # Every day of the period in the table, and the merged total the JSON gives.
    expect(report.locator("table.daily tbody tr")).to_have_count(34)
    json_link = page.get_by_test_id("sitrep-downloads").locator("a[data-format='json']")
    href = json_link.get_attribute("href") or ""
    assert href.startswith("/api/v1/sitreps/two-ledgers?") and f"lang={lang}" in href
    data = page.request.get(f"{site}{href}").json()
    assert data["kind"] == "two-ledgers" and data["params"] == {
        "from": "2016-02-27",
        "to": "2016-03-31",
    }
    merged = report.locator("td.total-merged")
    assert merged.inner_text().strip() != ""
    shot = tmp_path / f"two-ledgers-{lang}.png"
    page.screenshot(path=shot, full_page=True)
    assert shot.stat().st_size > 50_000  # a page with charts, not a blank one
    test_browser.screenshot(page, f"two-ledgers-{lang}")  # test-artifacts/, for a person
    assert js_errors == []
