"""The map page in a real headless Chromium: basemap, areas, a verdict at a point, the date slider.

Served like tests/e2e/test_browser.py: the demo (`truce demo --no-serve` into a temporary SQLite
file) behind uvicorn in a background thread, driven through Debian's chromium. The map needs the
vendored browser libraries (`make vendor`, which `make test` runs first). Screenshots land in
test-artifacts/ (git-ignored) for a person to look at.
"""

from __future__ import annotations

import json
import re
import struct
import urllib.request
import zlib
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import pytest
from playwright.sync_api import Browser, Page, expect
from typer.testing import CliRunner

from tests.e2e.browsing import ARTIFACTS, JsErrors, serve
from truce import cli
from truce.web.app import create_app
from truce.web.rendering import HERE

pytestmark = pytest.mark.browser

ALEPPO = (36.2, 37.15)
VENDOR = HERE / "static" / "vendor"
NOT_IN_FORCE = "not_in_force"
IN_FORCE_VERDICTS = {"protected", "excluded", "mixed", "unknown"}
DAMASCUS_WINTER = "+02:00"  # the agreement's zone until Syria's summer time (25 Mar 2016)
SUMMARY = re.compile(
    r"^United States: (?P<us>\d+) areas?, (?P<us_alone>\d+) only on its map"
    r" · Russian Federation: (?P<ru>\d+) areas?, (?P<ru_alone>\d+) only on its map"
    r" · (?:(?P<conflicts>\d+) places? where the maps conflict"
    r"|the guarantors’ maps do not conflict anywhere)$"
)


# --- the site (the browser fixtures are in tests/e2e/conftest.py) -----------------------------


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The demo, as `truce demo --no-serve` prepares it, served on a free localhost port."""
    if not (VENDOR / "leaflet.js").exists():
        pytest.fail(f"the map's browser libraries are missing in {VENDOR}: run `make vendor`")
    db = tmp_path_factory.mktemp("map") / "demo.db"
    result = CliRunner().invoke(cli.app, ["demo", "--db", str(db), "--no-serve"])
    assert result.exit_code == 0, result.output
    with cli.opened(str(db), demo=True) as truce, serve(create_app(truce)) as url:
        yield url


# --- steps ----------------------------------------------------------------------------------


def wait_for_map(page: Page, day: str) -> None:
    """Until the basemap and that day's areas are drawn (map.js marks both on #map)."""
    page.wait_for_function(
        "at => { const d = document.getElementById('map').dataset;"
        " return d.basemap && (d.areasAt === at || d.areasAt === 'failed'); }",
        arg=f"{day}T12:00:00{DAMASCUS_WINTER}",
        timeout=20_000,
    )
    state = page.locator("#map").evaluate("el => ({...el.dataset})")
    message = page.get_by_test_id("map-status").text_content()
    assert state["basemap"] == "ready", f"the basemap did not load: {message}"
    assert state["areasAt"] != "failed", f"the areas did not load: {message}"


def paths(page: Page, selector: str) -> int:
    """SVG paths Leaflet drew in its overlay pane (the basemap and area panes live inside it)."""
    count: int = page.locator(f"#map .leaflet-overlay-pane path{selector}").count()
    return count


def click_at(page: Page, lat: float, lon: float) -> None:
    point = page.evaluate(
        "([lat, lon]) => { const p = window.truceMap.latLngToContainerPoint([lat, lon]);"
        " return {x: p.x, y: p.y}; }",
        [lat, lon],
    )
    page.locator("#map").click(position=point)


def api(site: str, path: str, **query: object) -> dict:
    with urllib.request.urlopen(f"{site}/api/v1/{path}?{urlencode(query)}", timeout=10) as r:
        result: dict = json.load(r)
        return result


def png_pixels(data: bytes) -> tuple[int, int, list[bytes]]:
    """Width, height and the unfiltered rows of an 8-bit RGB(A) PNG (what Chromium writes)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    offset, idat, header = 8, b"", b""
    while offset < len(data):
        (length,) = struct.unpack(">I", data[offset : offset + 4])
        kind = data[offset + 4 : offset + 8]
        body = data[offset + 8 : offset + 8 + length]
        header = body if kind == b"IHDR" else header
        idat += body if kind == b"IDAT" else b""
        offset += 12 + length
    width, height, depth, colour = struct.unpack(">IIBB", header[:10])
    assert depth == 8 and colour in (2, 6), f"unexpected PNG format {depth}/{colour}"
    size = 3 if colour == 2 else 4
    raw, stride, rows = zlib.decompress(idat), width * size, []
    previous = bytearray(stride)
    for y in range(height):
        start = y * (stride + 1)
        kind, line = raw[start], bytearray(raw[start + 1 : start + 1 + stride])
        for x in range(stride):
            a = line[x - size] if x >= size else 0
            b, c = previous[x], previous[x - size] if x >= size else 0
            if kind == 1:
                line[x] = (line[x] + a) & 255
            elif kind == 2:
                line[x] = (line[x] + b) & 255
            elif kind == 3:
                line[x] = (line[x] + (a + b) // 2) & 255
            elif kind == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(bytes(line))
        previous = line
    return width, height, [bytes(r[i : i + 3]) for r in rows for i in range(0, stride, size)]


def assert_not_blank(png: Path) -> None:
    """The picture of the map has many colours and no colour covers nearly all of it."""
    width, height, pixels = png_pixels(png.read_bytes())
    colours = Counter(pixels)
    _, most = colours.most_common(1)[0]
    assert len(colours) > 20, f"{png.name}: only {len(colours)} colours, the map looks blank"
    assert most < 0.9 * width * height, f"{png.name}: one colour covers {most} of the pixels"


# --- tests ----------------------------------------------------------------------------------


def test_map_areas_verdict_and_date(site: str, page: Page, js_errors: JsErrors) -> None:
    page.goto(f"{site}/map")
    expect(page.get_by_role("heading", level=1)).to_have_text("Map of the cessation")
    expect(page.get_by_role("navigation").get_by_role("link", name="Map")).to_be_visible()
    wait_for_map(page, "2016-02-28")

    # The basemap (neighbours, governorates, districts) and the areas are drawn as SVG paths.
    assert paths(page, ".basemap") > 10
    assert paths(page, ".basemap-governorate") == 14
    assert paths(page, ".area") > 0, page.get_by_test_id("map-status").text_content()
    # The day shown is the day after the cessation took effect, at noon in Damascus, the
    # agreement's zone (as every time on the site is shown).
    date = page.get_by_test_id("date")
    expect(date).to_have_text("Feb 28, 2016, 12:00 +02:00")
    expect(page.get_by_test_id("date-help")).to_contain_text("(Asia/Damascus)")
    # The summary says, for each guarantor, how many areas it delineates and how many of
    # them the other does not, then where the maps conflict.
    summary = SUMMARY.match(page.get_by_test_id("map-status").text_content() or "")
    assert summary, page.get_by_test_id("map-status").text_content()
    counts = {k: int(v) for k, v in summary.groupdict().items() if v is not None}
    assert counts["us"] > 0 and counts["ru"] > 0
    assert counts["us_alone"] <= counts["us"] and counts["ru_alone"] <= counts["ru"]
    day = "2016-02-28T12:00:00+02:00"
    for code, key in (("US", "us"), ("RU", "ru")):
        assert len(api(site, "areas", at=day, guarantor=code)["features"]) == counts[key]
    expect(page.get_by_test_id("in-force")).to_have_text("The cessation is in force.")
    # Each guarantor's areas are a layer of their own in the layers control.
    control = page.locator(".leaflet-control-layers")
    for label in ("United States areas", "Russian Federation areas", "Disagreements", "Incidents"):
        expect(control.get_by_text(label)).to_be_visible()
    # The day's incidents are markers over Aleppo: off, so that a click there asks the areas.
    control.get_by_label("Incidents").uncheck()

    picture = ARTIFACTS / "map-01-areas.png"
    page.locator("#map").screenshot(path=picture, animations="disabled")
    assert_not_blank(picture)

    # A click on Aleppo asks what applies there; the popup shows what the API says.
    click_at(page, *ALEPPO)
    verdict = page.get_by_test_id("verdict")
    expect(verdict).to_be_visible()
    card = page.locator(".verdict-card")
    shown = verdict.get_attribute("data-verdict")
    assert shown in IN_FORCE_VERDICTS, shown
    lat, lon, at = (card.get_attribute(f"data-{k}") for k in ("lat", "lon", "at"))
    expected = api(site, "applicability", lat=lat, lon=lon, at=at)
    assert shown == expected["verdict"]
    by_guarantor = page.get_by_test_id("by-guarantor")
    for state, answer in expected["by_guarantor"].items():
        expect(by_guarantor).to_contain_text(state)
        assert answer in IN_FORCE_VERDICTS
    for party in expected["parties"]:
        expect(page.get_by_test_id("parties")).to_contain_text(party["name"])
    expect(card.locator(".nearest")).not_to_be_empty()
    page.screenshot(path=ARTIFACTS / "map-02-aleppo.png", animations="disabled")

    # The slider's first day is a week before the signature: not in force, and the open popup
    # follows the day.
    page.get_by_test_id("date-slider").focus()
    page.keyboard.press("Home")
    expect(date).to_have_text("Feb 15, 2016, 12:00 +02:00")
    expect(page).to_have_url(f"{site}/map?date=2016-02-15")
    expect(page.get_by_test_id("in-force")).to_have_text("The cessation is not yet in force.")
    expect(verdict).to_have_attribute("data-verdict", NOT_IN_FORCE)
    expect(verdict).to_have_text("Not in force")
    expect(page.locator(".verdict-explain")).to_contain_text("not in force")
    wait_for_map(page, "2016-02-15")
    page.screenshot(path=ARTIFACTS / "map-03-before-the-cessation.png", animations="disabled")

    # The date field moves the slider back; the page's address keeps the day.
    page.get_by_test_id("date-input").fill("2016-03-01")
    page.get_by_test_id("date-input").dispatch_event("change")
    expect(date).to_have_text("Mar 1, 2016, 12:00 +02:00")
    expect(page.get_by_test_id("date-slider")).to_have_value("15")
    expect(verdict).not_to_have_attribute("data-verdict", NOT_IN_FORCE)
    wait_for_map(page, "2016-03-01")

    # The download follows the day shown, and holds that day's areas, as the API lists them.
    button = page.get_by_test_id("download-areas")
    expect(button).to_have_attribute("href", "/areas?date=2016-03-01&format=geojson")
    expect(page.get_by_test_id("list-areas")).to_have_attribute("href", "/areas?date=2016-03-01")
    with page.expect_download() as waiting:
        button.click()
    download = waiting.value
    assert download.suggested_filename == "syria-coh-2016-areas-2016-03-01.geojson"
    collection = json.loads(Path(download.path()).read_text(encoding="utf-8"))
    listed = api(site, "areas", at="2016-03-01T12:00:00+02:00", limit=1000)
    assert collection["type"] == "FeatureCollection" and collection["features"]
    assert [f["id"] for f in collection["features"]] == [f["id"] for f in listed["features"]]

    # Syria's summer time began on 25 March 2016: noon in Damascus is then 09:00 UTC.
    page.get_by_test_id("date-input").fill("2016-04-01")
    page.get_by_test_id("date-input").dispatch_event("change")
    expect(date).to_have_text("Apr 1, 2016, 12:00 +03:00")
    expect(date).to_have_attribute("datetime", "2016-04-01T12:00:00+03:00")

    assert js_errors == []


def test_map_without_javascript(site: str, browser: Browser) -> None:
    """Without JavaScript: a short explanation, links to the API, and no empty map box."""
    ctx = browser.new_context(java_script_enabled=False, locale="en-US")
    try:
        page = ctx.new_page()
        response = page.goto(f"{site}/map?date=2016-03-10")
        assert response is not None
        assert "script-src 'self'" in response.headers["content-security-policy"]
        html = response.text()
        assert " style=" not in html, "inline styles break the Content-Security-Policy"
        expect(page.get_by_test_id("date")).to_have_text("Mar 10, 2016, 12:00 +02:00")
        notice = page.get_by_test_id("noscript")
        expect(notice).to_be_visible()
        areas = notice.get_by_role("link", name="the areas each guarantor delineates on this day")
        expect(areas).to_have_attribute(
            "href", "/api/v1/areas?at=2016-03-10T12%3A00%3A00%2B02%3A00"
        )
        expect(page.locator(".map-layout")).to_be_hidden()
        page.goto(f"{site}/map?date=2016-04-01")
        expect(page.get_by_test_id("date")).to_have_text("Apr 1, 2016, 12:00 +03:00")
        # A day outside the slider's range is brought back to its edge.
        page.goto(f"{site}/map?date=1999-01-01")
        expect(page.get_by_test_id("date")).to_have_text("Feb 15, 2016, 12:00 +02:00")
    finally:
        ctx.close()
