"""The daily bulletin over HTTP and in headless Chromium, on the demo: the API answers it as
JSON, HTML and PDF with the ledger head it was built from; the page draws its chart and map in
English and Arabic (right to left) with working downloads; the index /reports offers it through
a form that works without JavaScript, and lists the published reports."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import Page, expect
from typer.testing import CliRunner

from tests.e2e.browsing import JsErrors, serve
from truce import cli
from truce.bootstrap import Truce
from truce.services import sitreps, sitreps_daily, users

API = "/api/v1/sitreps/daily"
DAY = "2016-03-04"


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> str:
    db = tmp_path_factory.mktemp("sitreps") / "demo.db"
    result = CliRunner().invoke(cli.app, ["demo", "--db", str(db), "--no-serve"])
    assert result.exit_code == 0, result.output
    return str(db)


@pytest.fixture(scope="module")
def demo(demo_db: str) -> Iterator[Truce]:
    with cli.opened(demo_db, demo=True) as truce:
        yield truce


@pytest.fixture(scope="module")
def client(demo: Truce) -> TestClient:
    from truce.web.app import create_app

    return TestClient(create_app(demo), raise_server_exceptions=False)


def head_of(demo: Truce) -> tuple[int, str | None]:
    with demo.uow(write=False) as uow:
        return uow.ledger.head()


def test_the_api_answers_the_bulletin_in_three_media_types(client: TestClient, demo: Truce) -> None:
    seq, digest = head_of(demo)
    as_json = client.get(f"{API}/{DAY}")
    assert as_json.status_code == 200, as_json.text
    assert as_json.headers["content-type"] == "application/json"
    assert as_json.headers["truce-ledger-head"] == f"{seq}:{digest}"
    body = as_json.json()
    assert body["kind"] == "daily" and body["params"] == {"date": DAY}
    assert body["ledger_head"] == {"seq": seq, "hash": digest}
    assert body["content"]["window"]["end"] == "2016-03-04T16:00:00Z"
    assert client.get(f"{API}/{DAY}").content == as_json.content  # the same bytes again

    as_html = client.get(f"{API}/{DAY}", params={"format": "html", "lang": "ar"})
    assert as_html.status_code == 200
    assert as_html.headers["content-type"] == "text/html; charset=utf-8"
    assert '<html lang="ar" dir="rtl">' in as_html.text and "حلب" in as_html.text
    assert as_html.headers["truce-ledger-head"] == f"{seq}:{digest}"

    as_pdf = client.get(f"{API}/{DAY}", params={"format": "pdf", "lang": "ru"})
    assert as_pdf.status_code == 200
    assert as_pdf.headers["content-type"] == "application/pdf"
    assert as_pdf.headers["content-disposition"] == f'attachment; filename="daily-{DAY}-ru.pdf"'
    assert as_pdf.content.startswith(b"%PDF-")

    old = client.get(f"{API}/{DAY}", params={"as_of": seq - 1})
    assert old.status_code == 200
    assert old.headers["truce-ledger-head"].startswith(f"{seq - 1}:")


@pytest.mark.parametrize(
    ("path", "params", "field"),
    [
        (f"{API}/2016-02-31", {}, "date"),
        (f"{API}/4-March-2016", {}, "day"),
        (f"{API}/0001-01-01", {}, "date"),
        (f"{API}/9999-12-31", {}, "date"),
        (f"{API}/{DAY}", {"format": "docx"}, "format"),
        (f"{API}/{DAY}", {"lang": "fr"}, "lang"),
        (f"{API}/{DAY}", {"as_of": 10**9}, "as_of"),
        (f"{API}/{DAY}", {"as_of": 0}, "as_of"),
    ],
)
def test_bad_input_is_a_422_naming_the_field(
    client: TestClient, path: str, params: dict[str, object], field: str
) -> None:
    answer = client.get(path, params=params)
    assert answer.status_code == 422, answer.text
    assert field in answer.text


def test_the_index_offers_the_bulletin_and_lists_what_was_published(
    client: TestClient, demo: Truce
) -> None:
    with demo.uow(write=False) as uow:
        newest = sitreps_daily.newest_day(uow)
        started = uow.sitreps.newest_incident_start()
    assert newest is not None and started is not None
    index = client.get("/reports")
    assert index.status_code == 200
    assert 'href="/reports"' in index.text  # in the site's navigation
    assert f'name="date" type="date" required value="{newest.isoformat()}"' in index.text
    assert 'data-testid="no-published"' in index.text

    # The form is a GET: without JavaScript it goes on to the day's page.
    went = client.get("/reports/daily", params={"date": DAY}, follow_redirects=False)
    assert (went.status_code, went.headers["location"]) == (303, f"/reports/daily/{DAY}")
    refused = client.get("/reports/daily", params={"date": "2016-02-31"})
    assert refused.status_code == 422
    assert 'data-field="date"' in refused.text and "YYYY-MM-DD" in refused.text

    with demo.uow(write=False) as uow:
        user = uow.users.by_name("us-ops")
        assert user is not None
        guarantor = users.actor_of(user)
    for day in ("2016-03-03", DAY):
        with demo.uow() as uow:
            sitreps.publish(
                sitreps.Publish("daily", {"date": day}, pdf=False), uow, actor=guarantor
            )
    listed = client.get("/reports")
    assert "Showing 1–2 of 2" in listed.text
    rows = listed.text.split('data-testid="published-reports"')[1]
    newer, older = f'href="/reports/daily/{DAY}"', 'href="/reports/daily/2016-03-03"'
    assert rows.index(newer) < rows.index(older)  # newest cut-off first


@pytest.fixture(scope="module")
def site(demo: Truce) -> Iterator[str]:
    from truce.web.app import create_app

    with serve(create_app(demo)) as url:
        yield url


@pytest.mark.browser
@pytest.mark.parametrize("lang", ["en", "ar"])
def test_the_page_draws_its_chart_and_map_with_working_downloads(
    site: str, page: Page, js_errors: JsErrors, lang: str, tmp_path: Path
) -> None:
    page.goto(f"{site}/reports")
    page.get_by_test_id("nav-reports").click()
    expect(page).to_have_url(f"{site}/reports")
    page.goto(f"{site}/reports/daily/{DAY}?lang={lang}")
    report = page.locator("div.sitrep")
    expect(report).to_have_attribute("dir", "rtl" if lang == "ar" else "ltr")
    expect(page.locator("html")).to_have_attribute("dir", "rtl" if lang == "ar" else "ltr")
    expect(report.locator("h1")).to_contain_text(
        "النشرة اليومية" if lang == "ar" else "Daily bulletin"
    )

    chart = report.locator("#last-30-days svg")
    expect(chart).to_have_count(1)
    drawn = chart.locator("path").evaluate_all(
        "paths => paths.filter(p => (p.getAttribute('d') || '').length > 10).length"
    )
    assert drawn >= 30, drawn  # a bar a day, and the axes
    box = chart.bounding_box()
    assert box is not None and box["width"] > 200 and box["height"] > 100

    map_svg = report.locator("#map svg.sitrep-map")
    expect(map_svg).to_have_count(1)
    assert map_svg.locator("path.province").count() == 14
    assert map_svg.locator("circle").count() >= 10
    box = map_svg.bounding_box()
    assert box is not None and box["width"] > 200 and box["height"] > 150
    if lang == "ar":
        expect(report.locator("table.by-province")).to_contain_text("حلب")
        expect(report.locator("table.by-province thead")).to_contain_text("معارك")

    page.screenshot(path=tmp_path / f"daily-{lang}.png", full_page=True)
    assert (tmp_path / f"daily-{lang}.png").stat().st_size > 20_000

    downloads = page.get_by_test_id("sitrep-downloads")
    for fmt, media, start in (
        ("pdf", "application/pdf", b"%PDF-"),
        ("html", "text/html", b"<!DOCTYPE html>"),
        ("json", "application/json", b'{"content":'),
    ):
        href = downloads.locator(f'a[data-format="{fmt}"]').get_attribute("href")
        assert href is not None and f"lang={lang}" in href
        got = page.request.get(f"{site}{href}")
        assert got.status == 200, (fmt, got.status)
        assert got.headers["content-type"].startswith(media)
        assert got.body().startswith(start), fmt
    assert js_errors == []


@pytest.mark.browser
def test_the_index_form_leads_to_the_day_without_javascript(
    browser_no_js: Page, site: str, tmp_path: Path
) -> None:
    browser_no_js.goto(f"{site}/reports")
    browser_no_js.fill("#report-daily-date", DAY)
    browser_no_js.get_by_test_id("report-form-daily").get_by_role("button").click()
    expect(browser_no_js).to_have_url(f"{site}/reports/daily/{DAY}")
    expect(browser_no_js.locator("#map svg circle").first).to_be_attached()
    browser_no_js.screenshot(path=tmp_path / "daily-no-js.png", full_page=True)


@pytest.fixture
def browser_no_js(browser) -> Iterator[Page]:  # type: ignore[no-untyped-def]
    context = browser.new_context(java_script_enabled=False, locale="en-US")
    yield context.new_page()
    context.close()
