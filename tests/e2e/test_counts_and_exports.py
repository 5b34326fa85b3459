"""Counts and exports over HTTP and on the command line, on both databases, from the real UCDP
month and its ACLED copy (tests/integration/test_two_ledgers.py builds them)."""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import Page
from typer.testing import CliRunner

from tests.e2e.browsing import ARTIFACTS, JsErrors, serve
from tests.two_ledgers import Ledgers, build_ledgers, import_as, store_counts
from truce.bootstrap import Truce
from truce.cli import app as cli
from truce.importers import acled, ucdp
from truce.web.app import create_app

API = "/api/v1"
SVG_NS = "{http://www.w3.org/2000/svg}"


@pytest.fixture
def ledgers(truce: Truce, tmp_path: Path) -> Ledgers:
    return build_ledgers(truce, tmp_path)


@pytest.fixture
def client(ledgers: Ledgers) -> TestClient:
    return TestClient(create_app(ledgers.truce), raise_server_exceptions=False)


def test_counts_answer_each_source_side_by_side_and_merged(client: TestClient) -> None:
    body = client.get(f"{API}/incidents/counts").json()
    assert body["by"] == "admin1" and body["sources"] == ["ACLED", "UCDP GED"]
    assert body["totals"] == {"counts": {"ACLED": 540, "UCDP GED": 540}, "merged": 540}
    row = next(r for r in body["rows"] if r["day"] == "2016-03-01" and r["key"] == "Idlib")
    assert set(row) == {"day", "key", "label", "counts", "merged"}
    assert row["merged"] <= max(row["counts"].values())
    narrowed = client.get(
        f"{API}/incidents/counts",
        params={"by": "event_type", "since": "2016-03-01", "until": "2016-03-07",
                "source": "UCDP GED", "event_type": "Battles"},
    ).json()  # fmt: skip
    assert narrowed["sources"] == ["UCDP GED"]
    assert {r["key"] for r in narrowed["rows"]} == {"Battles"}
    assert {r["day"] for r in narrowed["rows"]} <= {f"2016-03-0{d}" for d in range(1, 8)}


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("since=2016-13-01", "since"),
        ("until=yesterday", "until"),
        ("by=week", "by"),
        ("party_id=0", "party_id"),
        ("party_id=x", "party_id"),
        ("since=2016-03-02&until=2016-03-01", "until"),
        ("admin1=%20", "admin1"),
    ],
)
def test_a_bad_filter_is_422_naming_the_field(client: TestClient, query: str, field: str) -> None:
    for path in ("/incidents/counts", "/incidents/counts.svg"):
        answer = client.get(f"{API}{path}?{query}")
        assert answer.status_code == 422, (path, query)
        assert answer.json()["field"] == field


def test_the_chart_is_valid_svg_with_the_data(client: TestClient) -> None:
    answer = client.get(f"{API}/incidents/counts.svg")
    assert answer.status_code == 200 and answer.headers["content-type"] == "image/svg+xml"
    root = ET.fromstring(answer.text)  # well-formed XML
    assert root.tag == f"{SVG_NS}svg"
    texts = [t.text or "" for t in root.iter(f"{SVG_NS}text")]
    # Each series is named with its total; the axes with the days of the month.
    assert "ACLED (540)" in texts and "UCDP GED (540)" in texts
    assert "Merged: incidents (540)" in texts
    assert "01 Mar" in texts and "29 Mar" in texts
    assert len(list(root.iter(f"{SVG_NS}path"))) > 3  # the lines are drawn
    assert "http" not in answer.text.replace("http://www.w3.org/", "")  # nothing loaded
    acled_only = ET.fromstring(client.get(f"{API}/incidents/counts.svg?source=ACLED").text)
    labels = [t.text or "" for t in acled_only.iter(f"{SVG_NS}text")]
    assert "ACLED (540)" in labels and "UCDP GED (540)" not in labels


def test_the_counts_page_shows_the_table_and_the_chart(client: TestClient) -> None:
    page = client.get("/incidents/counts?by=party&since=2016-03-01&until=2016-03-01")
    assert page.status_code == 200
    assert 'data-testid="counts-daily"' in page.text and 'data-testid="counts"' in page.text
    assert 'src="/incidents/counts.svg?by=party&amp;since=2016-03-01&amp;until=2016-03-01"' in (
        page.text
    )
    assert "Syrian Arab Army" in page.text and "<td>2016-03-01</td>" in page.text
    chart = client.get("/incidents/counts.svg?by=party&since=2016-03-01&until=2016-03-01&lang=ru")
    assert chart.status_code == 200 and ET.fromstring(chart.text).tag == f"{SVG_NS}svg"
    assert client.get("/incidents/counts?since=soon").status_code == 422


def test_the_api_exports_import_again_adding_nothing(
    ledgers: Ledgers, client: TestClient, tmp_path: Path
) -> None:
    before = store_counts(ledgers.truce)
    for shape, columns in (("acled", acled.COLUMNS), ("ucdp", ucdp.COLUMNS)):
        answer = client.get(f"{API}/exports/{shape}.csv")
        assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/csv")
        assert "attachment" in answer.headers["content-disposition"]
        rows = list(csv.DictReader(io.StringIO(answer.text)))
        assert len(rows) == 1080 and list(rows[0]) == list(columns)
        path = tmp_path / f"api.{shape}.csv"
        path.write_bytes(answer.content)
        run = import_as(ledgers.truce, path, shape)
        assert (run.stored, run.duplicates, run.rejected) == (0, 1080, 0)
    assert store_counts(ledgers.truce) == before
    narrowed = client.get(
        f"{API}/exports/acled.csv",
        params={"source": "ACLED", "since": "2016-03-01T00:00:00Z",
                "until": "2016-03-02T00:00:00Z"},
    )  # fmt: skip
    days = {r["event_date"] for r in csv.DictReader(io.StringIO(narrowed.text))}
    assert days and days <= {"2016-03-01", "2016-03-02", "2016-03-03", "2016-03-04"}
    assert client.get(f"{API}/exports/ucdp.csv?since=2016-03-01").status_code == 422


def test_the_api_exports_geojson_of_incidents_and_reports(client: TestClient) -> None:
    incidents = client.get(f"{API}/exports/incidents.geojson").json()
    assert incidents["type"] == "FeatureCollection" and len(incidents["features"]) == 540
    reports = client.get(f"{API}/exports/reports.geojson?source=ACLED").json()
    assert len(reports["features"]) == 540
    assert all("reporter" not in f["properties"] for f in reports["features"])
    assert {f["properties"]["source"] for f in reports["features"]} == {"ACLED"}


def test_openapi_documents_the_counts_and_exports(client: TestClient) -> None:
    spec = client.get(f"{API}/openapi.json").json()
    counts = spec["paths"]["/incidents/counts"]["get"]
    schema = counts["responses"]["200"]["content"]["application/json"]["schema"]
    assert schema == {"$ref": "#/components/schemas/CountsOut"}
    assert {"by", "since", "until", "admin1", "event_type", "party_id", "source"} <= {
        p["name"] for p in counts["parameters"]
    }
    assert "CountRowOut" in spec["components"]["schemas"]
    for path in ("/incidents/counts.svg", "/exports/acled.csv", "/exports/ucdp.csv",
                 "/exports/incidents.geojson", "/exports/reports.geojson"):  # fmt: skip
        assert path in spec["paths"]


def test_truce_export_writes_files_that_import_adding_nothing(
    ledgers: Ledgers, tmp_path: Path, backend: str
) -> None:
    url = str(ledgers.truce.settings.database_url)
    runner = CliRunner()
    env = {"TRUCE_SECRET_KEY": ledgers.truce.settings.secret_key.get_secret_value()}  # type: ignore[union-attr]
    before = store_counts(ledgers.truce)
    for shape in ("acled", "ucdp"):
        target = tmp_path / f"cli.{shape}.csv"
        result = runner.invoke(cli, ["export", shape, str(target), "--db", url], env=env)
        assert result.exit_code == 0, result.output
        assert "Wrote" in result.output
        result = runner.invoke(cli, ["import", shape, str(target), "--db", url], env=env)
        assert result.exit_code == 0, result.output
    assert store_counts(ledgers.truce) == before
    target = tmp_path / "cli.geojson"
    result = runner.invoke(cli, ["export", "geojson", str(target), "--db", url, "--since",
                                 "2016-03-01", "--until", "2016-03-01"], env=env)  # fmt: skip
    assert result.exit_code == 0, result.output
    features = json.loads(target.read_text(encoding="utf-8"))["features"]
    assert features and all(f["properties"]["end"] >= "2016-03-01" for f in features)
    result = runner.invoke(cli, ["export", "geojson", str(target), "--db", url, "--of", "x"],
                           env=env)  # fmt: skip
    assert result.exit_code == 2


def test_chromium_shows_the_counts_page_with_its_chart(
    ledgers: Ledgers, page: Page, js_errors: JsErrors, backend: str
) -> None:
    if backend != "sqlite":
        pytest.skip("the page reads the same service on both databases: tested above")
    with serve(create_app(ledgers.truce), "/incidents/counts") as url:
        page.goto(f"{url}/incidents/counts?by=event_type")
        chart = page.get_by_test_id("counts-chart")
        chart.wait_for()
        page.wait_for_function(
            "() => document.querySelector('[data-testid=counts-chart]').complete"
        )
        width = chart.evaluate("img => img.naturalWidth")
        assert width > 600  # the SVG loaded under the site's content security policy
        daily = page.get_by_test_id("counts-daily")
        assert daily.locator("tfoot th").all_inner_texts() == ["Total", "540", "540", "540"]
        page.select_option("#source", "ACLED")
        page.get_by_role("button", name="Filter").click()
        page.wait_for_url("**source=ACLED**")
        assert page.get_by_test_id("counts-daily").locator("tfoot th").all_inner_texts() == [
            "Total", "540", "540",
        ]  # fmt: skip
        page.screenshot(path=ARTIFACTS / "counts-page.png", full_page=True)
    assert js_errors == []
