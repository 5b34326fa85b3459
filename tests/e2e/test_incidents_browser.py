"""Incidents in a real headless Chromium: a monitor files a report through the form (the place
search and the map picker), lands on its incident page, and finds it on the map's incident
layer (leaflet.markercluster) for its day, whose popup leads back to the incident.

Served like tests/e2e/test_map.py: the demo (`truce demo --no-serve` into a temporary SQLite
file, with UCDP's events of 2016 as incidents) behind uvicorn in a background thread.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect
from typer.testing import CliRunner

from tests.e2e.browsing import ARTIFACTS, JsErrors, serve
from truce import cli
from truce.services import demo
from truce.web.rendering import HERE

pytestmark = pytest.mark.browser

VENDOR = HERE / "static" / "vendor"
DAY = "2016-03-02"
TEXT = "Mortar fire on the market of Kafr Zita; two civilians killed."


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if not (VENDOR / "leaflet.markercluster.js").exists():
        pytest.fail(f"leaflet.markercluster is missing in {VENDOR}: run `make vendor`")
    db = tmp_path_factory.mktemp("incidents") / "demo.db"
    result = CliRunner().invoke(cli.app, ["demo", "--db", str(db), "--no-serve"])
    assert result.exit_code == 0, result.output
    from truce.web.app import create_app

    with cli.opened(str(db), demo=True) as truce, serve(create_app(truce)) as url:
        yield url


def sign_in(page: Page, site: str, username: str, then: str) -> None:
    page.goto(f"{site}/login?next={then}")
    page.locator("#username").fill(username)
    page.locator("#password").fill(demo.password(username))
    page.locator("#password").press("Enter")
    page.wait_for_load_state()
    expect(page.get_by_test_id("whoami")).to_contain_text(username)


def coordinate(page: Page, field: str) -> float:
    return float(page.locator(field).input_value())


def test_a_monitor_files_a_report_and_sees_it_on_its_page_and_the_map(
    site: str, page: Page, js_errors: JsErrors
) -> None:
    sign_in(page, site, "monitor", "/incidents")
    page.get_by_test_id("nav-file-report").click()
    expect(page).to_have_url(f"{site}/reports/new")
    page.wait_for_function("() => document.getElementById('picker').dataset.basemap === 'ready'")

    # The place search, in Arabic: the town is found and sets the point and the name.
    page.get_by_test_id("place-query").fill("كفر زيتا")
    page.get_by_test_id("place-find").click()
    choice = page.get_by_test_id("place-choice").first
    expect(choice).to_contain_text("Hama")
    choice.click()
    expect(page.locator("#r-location")).not_to_have_value("")
    found = (coordinate(page, "#r-lat"), coordinate(page, "#r-lon"))
    assert abs(found[0] - 35.37) < 0.05 and abs(found[1] - 36.60) < 0.05, found
    expect(page.locator("#r-geo-precision")).to_have_value("near")

    # The map picker: a click a little east of the town moves the point there, exactly.
    picker = page.locator("#picker")
    point = page.evaluate(
        "([lat, lon]) => { const p = window.trucePicker.latLngToContainerPoint([lat, lon]);"
        " return {x: p.x, y: p.y}; }",
        [found[0], found[1] + 0.01],
    )
    picker.click(position={"x": point["x"], "y": point["y"]})
    picked = coordinate(page, "#r-lon")
    assert abs(picked - (found[1] + 0.01)) < 0.005, picked
    expect(page.locator("#r-geo-precision")).to_have_value("exact")

    page.locator("#r-start").fill(f"{DAY}T14:30")
    page.locator("#r-event-type").select_option("Ceasefire")
    page.locator("#r-sub-event-type").select_option("impact or airburst explosion")
    page.locator("#r-weapon").select_option("mortar")
    page.locator("#r-actor1").fill("Jabhat al-Nusra")
    page.locator("#r-actor2").fill("civilians")
    page.get_by_test_id("figure-killed.civilians").fill("2")
    page.locator("#r-text").fill(TEXT)
    page.locator("#r-lang").select_option("en")
    page.get_by_test_id("file-report").click()
    page.wait_for_load_state()

    # Its incident page: the account as given, beside any other source's.
    expect(page).to_have_url(re.compile(rf"^{re.escape(site)}/incidents/\d+$"))
    incident = int(page.url.rsplit("/", 1)[1])
    expect(page.get_by_role("status")).to_contain_text("Report filed")
    expect(page.get_by_test_id("reports")).to_contain_text(TEXT)
    expect(page.get_by_test_id("reports")).to_contain_text("Jabhat al-Nusra")
    page.screenshot(path=ARTIFACTS / "incident-filed.png", full_page=True)

    # On the map, on its day: the cluster layer holds its marker, and the popup links back.
    page.get_by_test_id("incident-map-link").click()
    expect(page).to_have_url(re.compile(rf"/map\?date={DAY}"))
    page.wait_for_function(
        "day => document.getElementById('map').dataset.incidentsOn === day", arg=DAY,
        timeout=20_000,
    )  # fmt: skip
    ids = page.evaluate("window.truceIncidents.getLayers().map(m => m.incidentId)")
    assert incident in ids, (incident, ids[:20])
    assert page.evaluate("typeof window.truceIncidents.zoomToShowLayer") == "function"
    expect(page.get_by_test_id("incident-count")).to_contain_text("on this day")
    page.evaluate(
        "id => { const group = window.truceIncidents;"
        " const marker = group.getLayers().find(m => m.incidentId === id);"
        " group.zoomToShowLayer(marker, () => marker.openPopup()); }",
        incident,
    )
    card = page.locator(f'.incident-card[data-incident="{incident}"]')
    link = card.get_by_test_id("incident-popup-link")
    expect(link).to_have_attribute("href", f"/incidents/{incident}")
    assert page.locator("#map .leaflet-marker-pane .incident-marker").count() >= 1
    page.screenshot(path=ARTIFACTS / "incident-on-map.png", full_page=True)
    link.click()
    expect(page).to_have_url(f"{site}/incidents/{incident}")
    assert not js_errors, js_errors


def test_the_incidents_table_lists_the_demo_and_names_a_bad_filter(
    site: str, page: Page, js_errors: JsErrors
) -> None:
    page.goto(f"{site}/incidents")
    expect(page.get_by_test_id("incidents").locator("tbody tr").first).to_be_visible()
    expect(page.get_by_test_id("showing").first).to_contain_text(re.compile(r"^Showing 1–50 of "))
    page.get_by_test_id("next").first.click()
    expect(page.get_by_test_id("showing").first).to_contain_text(re.compile(r"^Showing 51–100 of "))
    page.get_by_test_id("previous").first.click()
    page.get_by_test_id("incident-link").first.click()
    expect(page.get_by_test_id("summary")).to_be_visible()
    assert not js_errors, js_errors
    answer = page.goto(f"{site}/incidents?bbox=north")
    assert answer is not None and answer.status == 422  # which the console reports
    expect(page.get_by_test_id("filter-error")).to_contain_text("(bbox)")
