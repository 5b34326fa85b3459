"""Issue 11's two-ledger report on the 2016 demo data, on both databases.

The record: the 2016 scenario and the demo users, the demo's UCDP GED month (data/ucdp/, as
`truce demo` imports it), an ACLED file of the same 540 events (tests/two_ledgers.py: ACLED
codes the weapon where UCDP codes the fighting, and may move an uncertain day by one), and the
demo users' filed reports (data/demo-reports/). For one day on which four sources reported,
each source's count, the merged count and the counts by province are computed here from those
files, by hand, and compared with the report's.
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
import secrets
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import pytest

from tests.conftest import _truncate
from tests.helpers import sqlite_truce
from tests.two_ledgers import ACLED_IDS, import_as, write_acled_copy
from truce.bootstrap import Truce, bootstrap
from truce.config import Settings
from truce.domain.errors import Conflict, Invalid
from truce.domain.permissions import SYSTEM
from truce.services import demo, sitreps
from truce.services.demo import FILED_REPORTS
from truce.services.instance import initialise
from truce.sitreps import render_html, render_json

UCDP_MONTH = FILED_REPORTS.parent / "ucdp" / "ged-syria-2016-02-27-to-03-31.csv"
PERIOD = {"from": "2016-02-27", "to": "2016-03-31"}
DAY = "2016-03-04"  # UCDP, ACLED, the Truce field monitors and the Russian centre reported


# The record's spelling of the provinces the files name otherwise (importers/geocode.py).
SPELLING = {"Al Hasakah": "Al-Hasakah", "Ar Raqqah": "Raqqa", "As Suwayda": "As-Suwayda",
            "Deir ez Zor": "Deir ez-Zor", "Hamah": "Hama", "Dar'a": "Daraa"}  # fmt: skip


@dataclass
class Demo:
    truce: Truce
    acled_file: Path
    before_filing: int  # the ledger head before the demo users filed their reports


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def record(
    request: pytest.FixtureRequest, sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Demo]:
    """The demo's record, loaded once for the module's tests (it takes most of a minute)."""
    folder = tmp_path_factory.mktemp("two-ledgers")
    if request.param == "sqlite":
        truce = sqlite_truce(sqlite_template, folder)
    else:
        url = request.getfixturevalue("pg_database")
        if url is None:
            pytest.skip("PostgreSQL unavailable")
        _truncate(url)
        truce = bootstrap(Settings(database_url=url, secret_key=secrets.token_urlsafe(32)))
        with truce.uow() as uow:
            initialise(uow, "two-ledgers")
    try:
        demo.load_scenario_and_users(truce.uow, actor=SYSTEM)
        import_as(truce, UCDP_MONTH, "ucdp")
        acled_file = folder / "acled-syria-2016-03.csv"
        write_acled_copy(acled_file)
        import_as(truce, acled_file, "acled")
        with truce.uow(write=False) as uow:
            before_filing, _ = uow.ledger.head()
        filed = list(demo.file_demo_reports(truce.uow, demo.filed_reports()))
        assert len(filed) == 7 and all(f.created for f in filed)
        yield Demo(truce, acled_file, before_filing)
    finally:
        truce.close()


def _province(name: str) -> str | None:
    """A UCDP or ACLED admin1 as the record spells it ("Idlib Governorate" -> "Idlib"). On
    the day checked, every point lies in the province its source names."""
    bare = re.sub(r"\s+governorate$", "", name.strip(), flags=re.I)
    return SPELLING.get(bare, bare) or None


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _by_hand(acled_file: Path, day: str) -> dict[str, Counter[str | None]]:
    """Each source's reports of ``day`` by province, read from the files the record came from:
    UCDP's date_start, ACLED's event_date, a filed report's occurred_start."""
    counted: dict[str, Counter[str | None]] = {}
    for row in _rows(UCDP_MONTH):
        if row["date_start"] == day:
            counted.setdefault("UCDP GED", Counter())[_province(row["adm_1"])] += 1
    for row in _rows(acled_file):
        if _acled_day(row) == day:
            counted.setdefault("ACLED", Counter())[_province(row["admin1"])] += 1
    for file in sorted(FILED_REPORTS.glob("*.csv")):
        for row in _rows(file):
            if row["occurred_start"] == day:
                counted.setdefault(row["source"], Counter())[_province(row["admin1"])] += 1
    return counted


def _acled_day(row: dict[str, str]) -> str:
    return datetime.strptime(row["event_date"], "%d %B %Y").date().isoformat()


def _first_days(acled_file: Path) -> dict[int, str]:
    """Each UCDP event's incident day: the first of UCDP's day and its ACLED copy's. Each
    event is one incident with its copy (test_two_ledgers.py proves it), and the filed reports
    join the incidents of their events (test_demo_reports.py) on days no earlier."""
    acled = {int(r["event_id_cnty"][3:]) - ACLED_IDS: _acled_day(r) for r in _rows(acled_file)}
    return {int(r["id"]): min(r["date_start"], acled[int(r["id"])]) for r in _rows(UCDP_MONTH)}


def _merged_by_hand(acled_file: Path, day: str) -> Counter[str | None]:
    """The incidents of ``day`` by province (UCDP's, which its ACLED copy shares)."""
    firsts = _first_days(acled_file)
    return Counter(
        _province(row["adm_1"]) for row in _rows(UCDP_MONTH) if firsts[int(row["id"])] == day
    )


def _build(truce: Truce, **params: object):
    with truce.uow(write=False) as uow:
        return sitreps.build("two-ledgers", {**PERIOD, **params}, uow)


def test_one_day_s_figures_are_the_hand_computed_counts(record: Demo) -> None:
    report = _build(record.truce)
    content = report.content
    by_hand = _by_hand(record.acled_file, DAY)
    assert set(by_hand) == {"UCDP GED", "ACLED", "Truce field monitors",
                            "Russian Centre for Reconciliation"}  # fmt: skip
    assert set(content["sources"]) >= set(by_hand) | {"Free Syrian Army liaison office"}
    [today] = [row for row in content["daily"] if row["day"] == DAY]
    expected = {s: sum(by_hand.get(s, Counter()).values()) for s in content["sources"]}
    assert today["by_source"] == expected
    merged = _merged_by_hand(record.acled_file, DAY)
    assert today["merged"] == sum(merged.values()) > 0
    # The day by province, as the report counts it from the record of that day alone.
    one_day = _build(record.truce, **{"from": DAY, "to": DAY}).content
    found = {row["key"]: row for row in one_day["by_province"]}
    provinces = set(merged).union(*by_hand.values())
    assert set(found) == provinces
    for province in provinces:
        assert found[province]["merged"] == merged[province], province
        for source in one_day["sources"]:
            assert (
                found[province]["by_source"][source] == by_hand.get(source, Counter())[province]
            ), (province, source)
    # The period: every day there; ACLED's copy moves some uncertain days out of it.
    assert content["days"] == len(content["daily"]) == 34
    in_period = [_acled_day(r) for r in _rows(record.acled_file)]
    acled_total = sum(PERIOD["from"] <= d <= PERIOD["to"] for d in in_period)
    assert content["totals"]["by_source"]["UCDP GED"] == 540
    assert content["totals"]["by_source"]["ACLED"] == acled_total < 540
    firsts = _first_days(record.acled_file)
    merged_total = sum(PERIOD["from"] <= d <= PERIOD["to"] for d in firsts.values())
    assert content["totals"]["merged"] == content["overlap"]["incidents"] == merged_total
    assert sum(row["merged"] for row in content["daily"]) == merged_total


def test_where_and_why_the_ledgers_differ(record: Demo) -> None:
    content = _build(record.truce).content
    overlap = content["overlap"]
    pairs = {tuple(p["sources"]): p["incidents"] for p in overlap["pairs"]}
    # Every event is counted by UCDP and ACLED alike; the filed reports join seven of them.
    incidents = content["totals"]["merged"]  # hand-computed in the test above
    assert pairs[("ACLED", "UCDP GED")] == incidents
    assert overlap["only_one"] == 0 and overlap["two_or_more"] == incidents
    # The filed reports: at Khan Shaykhun (monitors, Russian centre) and Abu al-Duhur
    # (monitors, FSA liaison) four sources, at Dayr al-Asafir three. Saraf's incident (FSA and
    # SAA liaison) is on 26 February, the day ACLED's copy moved it to: not in the period,
    # though both liaison offices' reports of 27 February are in their series.
    assert overlap["by_sources"] == {"2": incidents - 3, "3": 1, "4": 2}
    khan_shaykhun = ("Russian Centre for Reconciliation", "Truce field monitors")
    assert pairs[khan_shaykhun] == 1
    assert pairs[("Free Syrian Army liaison office", "Syrian Arab Army liaison office")] == 0
    assert content["totals"]["by_source"]["Syrian Arab Army liaison office"] == 1
    # What each source counts: UCDP codes the fighting, ACLED the weapon.
    types = content["event_types"]
    acled_types = Counter(
        r["event_type"]
        for r in _rows(record.acled_file)
        if PERIOD["from"] <= _acled_day(r) <= PERIOD["to"]
    )
    assert types["by_source"]["ACLED"] == dict(acled_types)
    assert sum(types["by_source"]["UCDP GED"].values()) == 540
    assert types["by_source"]["UCDP GED"] != types["by_source"]["ACLED"]
    # The days a source reported nothing while another did: the Russian centre's every day
    # but the one it reported.
    silent = content["silent_days"]
    ru_days = {r["occurred_start"] for r in _rows(FILED_REPORTS / "ru-ops.csv")}
    assert len(silent["Russian Centre for Reconciliation"]) == 34 - len(ru_days)
    assert DAY not in silent["Russian Centre for Reconciliation"]
    # By the party a source attributes the event to: each source's claims, named.
    parties = {row["label"]: row for row in content["by_party"]}
    assert parties["Jabhat al-Nusra"]["by_source"]["UCDP GED"] >= 1


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"from": "2016-03-31", "to": "2016-02-27"}, "to"),
        ({"from": "2016-01-01", "to": "2016-06-30"}, "to"),
        ({"from": "27/02/2016", "to": "2016-03-31"}, "from"),
        ({"from": "2016-02-27", "to": "2016-02-30"}, "to"),
        ({"from": "2016-02-27"}, "to"),
        ({"from": "2016-02-27", "to": "2016-03-31", "by": "province"}, "by"),
        ({"from": "2016-02-27", "to": "2016-03-31", "as_of": 0}, "as_of"),
    ],
)
def test_bad_parameters_are_named(record: Demo, params: dict, field: str) -> None:
    with record.truce.uow(write=False) as uow, pytest.raises(Invalid) as bad:
        sitreps.build("two-ledgers", params, uow)
    assert bad.value.field == field


def test_json_is_the_content_as_stored(record: Demo) -> None:
    report = _build(record.truce)
    data = json.loads(render_json(report))
    assert data["kind"] == "two-ledgers" and data["params"] == PERIOD
    assert data["content"]["from"] == "2016-02-27" and data["content"]["to"] == "2016-03-31"
    assert date.fromisoformat(data["cutoff"][:10]) <= date(2016, 4, 1)


def test_built_twice_the_same_json_and_html(record: Demo) -> None:
    first, second = _build(record.truce), _build(record.truce)
    assert render_json(first) == render_json(second)
    for lang in ("en", "ar", "ru"):
        html = render_html(first, lang)
        assert html == render_html(second, lang)
        assert html.count("<svg") >= 3, lang
    assert 'dir="rtl"' in render_html(first, "ar")
    # Rebuilt from the record as it stood before the demo users filed their reports: none of
    # them is counted, and that rebuild too is the same every time.
    before = record.before_filing
    old = _build(record.truce, as_of=before)
    assert old.ledger_head.seq == before < first.ledger_head.seq
    assert render_json(old) == render_json(_build(record.truce, as_of=before))
    assert old.content["sources"] == ["ACLED", "UCDP GED"]
    for source in ("ACLED", "UCDP GED"):
        assert (
            old.content["totals"]["by_source"][source]
            == (first.content["totals"]["by_source"][source])
        )
    assert old.content["totals"]["merged"] == first.content["totals"]["merged"]
    assert old.content["overlap"]["by_sources"] == {"2": first.content["totals"]["merged"]}


def test_the_api_and_the_page(record: Demo) -> None:
    from fastapi.testclient import TestClient

    from truce.web.app import create_app

    client = TestClient(create_app(record.truce))
    report = _build(record.truce)
    answer = client.get("/api/v1/sitreps/two-ledgers", params=PERIOD)
    assert answer.status_code == 200 and answer.content == render_json(report)
    head = report.ledger_head
    assert answer.headers["Truce-Ledger-Head"] == f"{head.seq}:{head.hash}"
    html = client.get("/api/v1/sitreps/two-ledgers", params={**PERIOD, "format": "html",
                                                             "lang": "ru"})  # fmt: skip
    assert html.text == render_html(report, "ru")
    for params, field in [({"from": "2016-03-31", "to": "2016-03-01"}, "to"),
                          ({"from": "2016-01-01", "to": "2016-12-31"}, "to"),
                          ({"from": "2016-02-30"}, "from"),
                          ({"from": "4 March"}, "from")]:  # fmt: skip
        bad = client.get("/api/v1/sitreps/two-ledgers", params=params)
        assert bad.status_code == 422 and bad.json()["field"] == field, (params, bad.text)
    page = client.get("/reports/two-ledgers", params={"lang": "ar"})
    assert page.status_code == 200 and 'dir="rtl"' in page.text
    assert page.text.count("<svg") >= 3 and "/reports/sitrep.css" in page.text
    css = client.get("/reports/sitrep.css")
    assert css.status_code == 200 and ".sitrep" in css.text
    assert client.get("/reports/two-ledgers", params={"to": "2016-02-01"}).status_code == 422


def test_published_once_with_the_digest_of_its_json(record: Demo) -> None:
    report = _build(record.truce)  # before publishing: at the head it is issued from
    with record.truce.uow() as uow:
        issued = sitreps.publish(sitreps.Publish("two-ledgers", PERIOD, pdf=False), uow,
                                 actor=SYSTEM)  # fmt: skip
    assert issued.ledger_seq == report.ledger_head.seq
    assert issued.json_digest == hashlib.sha256(render_json(report)).hexdigest()
    assert (
        issued.digests["ar"]["html"]
        == hashlib.sha256(render_html(report, "ar").encode("utf-8")).hexdigest()
    )
    with record.truce.uow() as uow, pytest.raises(Conflict):
        sitreps.publish(sitreps.Publish("two-ledgers", PERIOD, pdf=False), uow, actor=SYSTEM)
