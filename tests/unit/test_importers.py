"""Reading UCDP, ACLED and template rows; matching actors to parties; placing reports."""

from __future__ import annotations

import csv
from datetime import UTC, date, datetime

import pytest

from tests.helpers import ROOT, UCDP_GED, shared_file
from truce.domain.reports import TOTAL, Figure, ReportDraft, problems
from truce.importers import acled, template, ucdp
from truce.importers.actors import ActorMatcher
from truce.importers.geocode import geocoder
from truce.importers.rows import Cells, CsvFile
from truce.services.scenario import _alias, read_scenario

UCDP_FILE = shared_file(*UCDP_GED)


def ucdp_rows(count: int) -> list[dict[str, str]]:
    with UCDP_FILE.open(encoding="utf-8", newline="") as stream:
        reader = csv.DictReader(stream)
        return [row for _, row in zip(range(count), reader, strict=False)]


@pytest.fixture(scope="module")
def matcher() -> ActorMatcher:
    """The 2016 scenario's parties, by key, with every name and dated alias."""
    aliases = []
    for party in read_scenario("syria-2016")["parties"]:
        aliases.append((party["key"], _alias([party["name"], "und"])))
        aliases += [(party["key"], _alias(a)) for a in party["aliases"]]
    return ActorMatcher(aliases)  # type: ignore[arg-type]


def test_a_ucdp_row_reads_as_a_report() -> None:
    row = ucdp_rows(1)[0]  # 214797: shells on Teir Maaleh, 1 Jan 2016, 2 + 2 dead
    cells = Cells(row)
    draft = ucdp.parse(cells)
    assert cells.problems == [] and problems(draft) == []
    assert (draft.channel, draft.source, draft.source_ref) == ("ucdp", "UCDP GED", "214797")
    assert draft.occurred_start == datetime(2016, 1, 1, tzinfo=UTC)
    assert draft.occurred_end == datetime(2016, 1, 1, 23, 59, 59, 999999, tzinfo=UTC)
    assert (draft.lat, draft.lon, draft.geo_precision) == (34.802462, 36.707602, "exact")
    assert (draft.actor1, draft.actor2) == ("Government of Syria", "Syrian insurgents")
    # "14 shells hit Dahya al-Assad": the headline says how.
    assert draft.sub_event_type == "Shelling/artillery/missile attack"
    assert draft.casualties == {
        ("killed", "side_a"): Figure(best=2),
        ("killed", "side_b"): Figure(best=2),
        ("killed", "civilians"): Figure(best=0),
        ("killed", "unknown"): Figure(best=0),
    }
    assert draft.text.startswith("14 shells hit")


def test_ucdp_kinds_come_from_the_violence_and_the_headline() -> None:
    assert ucdp.kind_of("1", "Clashes continue around Ter Ma'la") == ("Battles", "Armed clash")
    assert ucdp.kind_of("3", "Gunmen kill family") == ("Violence against civilians", "Attack")
    assert ucdp.kind_of("1", "Warplanes raid Douma")[1] == "Air/drone strike"
    assert ucdp.kind_of("1", "Car bomb blast in Azaz")[1] == "Remote explosive/landmine/IED"
    assert ucdp.kind_of("3", "Chlorine dropped from helicopters")[1] == "Chemical weapon"


def test_a_ucdp_total_out_of_order_keeps_the_range_it_spans() -> None:
    row = {**ucdp_rows(1)[0], "low": "2", "best": "0", "high": "2", "deaths_a": "0",
           "deaths_b": "0"}  # fmt: skip
    draft = ucdp.parse(Cells(row))
    assert draft.casualties[("killed", TOTAL)] == Figure(0, 0, 2)
    assert problems(draft) == []


def test_ucdp_problems_name_the_file_columns() -> None:
    row = {**ucdp_rows(1)[0], "latitude": "north", "type_of_violence": "9", "deaths_a": "two"}
    cells = Cells(row)
    ucdp.parse(cells)
    assert [p.field for p in cells.problems] == ["type_of_violence", "deaths_a", "latitude"]
    assert ucdp.FORMAT.column("lat") == "latitude"
    assert ucdp.FORMAT.column("killed.civilians") == "deaths_civilians"


ACLED_ROW = {
    "event_id_cnty": "SYR1234", "event_date": "27 February 2016", "year": "2016",
    "time_precision": "1", "event_type": "Explosions/Remote violence",
    "sub_event_type": "Shelling/artillery/missile attack",
    "actor1": "Military Forces of Syria (2000-)", "actor2": "Civilians (Syria)",
    "civilian_targeting": "Civilian targeting", "country": "Syria", "admin1": "Idleb",
    "admin2": "Ariha", "location": "Ariha", "latitude": "35.8130", "longitude": "36.6100",
    "geo_precision": "1", "source": "SOHR", "notes": "Shells hit the town; 2 civilians killed.",
    "fatalities": "2",
}  # fmt: skip


def test_an_acled_row_reads_as_a_report() -> None:
    cells = Cells(ACLED_ROW)
    draft = acled.parse(cells)
    assert cells.problems == [] and problems(draft) == []
    assert (draft.channel, draft.source, draft.source_ref) == ("acled", "ACLED", "SYR1234")
    assert draft.occurred_start == datetime(2016, 2, 27, tzinfo=UTC)
    assert draft.casualties == {("killed", "civilians"): Figure(best=2)}
    assert draft.text == "Shells hit the town; 2 civilians killed."


def test_an_acled_week_or_month_is_a_window() -> None:
    week = acled.parse(Cells({**ACLED_ROW, "event_date": "2016-03-10", "time_precision": "2"}))
    assert (week.occurred_start.day, week.occurred_end.day) == (7, 13)  # type: ignore[union-attr]
    month = acled.parse(Cells({**ACLED_ROW, "event_date": "2016-03-10", "time_precision": "3"}))
    assert month.occurred_start == datetime(2016, 3, 1, tzinfo=UTC)
    assert month.occurred_end == datetime(2016, 3, 31, 23, 59, 59, 999999, tzinfo=UTC)


def test_the_example_template_reads_without_a_problem() -> None:
    assert (ROOT / "data" / "reports-template.csv").read_text("utf-8") == template.example_csv()
    with CsvFile(ROOT / "data" / "reports-template.csv") as source:
        assert source.header == list(template.COLUMNS)
        drafts = []
        for row in source.rows():
            cells = Cells(row.values)  # type: ignore[union-attr]
            drafts.append(template.parse(cells))
            assert cells.problems == []
    assert [problems(d) for d in drafts] == [[], [], []]
    council, convoy, weekly = drafts
    assert council.hide_reporter and council.weapon_class == "mortar"
    assert council.casualties[("injured", "civilians")] == Figure(low=2, high=4)
    assert convoy.sub_event_type == "humanitarian access denied" and convoy.lat is None
    assert weekly.casualties[("killed", "side_a")] == Figure(3, 5, 8)
    assert weekly.lang == "ar"


@pytest.mark.parametrize("value", ["many", "5-", "1-2-3-4", "-3"])
def test_a_template_count_that_is_not_one_names_its_column(value: str) -> None:
    cells = Cells({"source": "x", "killed_civilians": value})
    template.parse(cells)
    assert "killed_civilians" in [p.field for p in cells.problems]


@pytest.mark.parametrize(
    ("name", "on", "party", "current"),
    [
        ("Government of Syria", date(2016, 3, 1), "saa", True),
        ("Military Forces of Syria (2000-)", date(2016, 3, 1), "saa", True),
        ("IS", date(2016, 3, 1), "isil", True),
        ("Islamic State (Syria)", date(2016, 3, 1), "isil", True),
        ("Syrian Democratic Forces", date(2016, 3, 1), "sdf", True),
        ("Nour al-Din al-Zenki", date(2016, 3, 1), "zenki", True),  # a spelling of its own
        ("Jabhat Fateh al-Sham", date(2016, 9, 1), "nusra", True),
        ("Jabhat Fateh al-Sham", date(2016, 3, 1), "nusra", False),  # its later name
        ("HTS", date(2017, 3, 1), "nusra", True),
        ("Hayat Tahrir al Sham", date(2016, 3, 1), "nusra", False),
    ],
)
def test_names_find_one_party_on_a_day(
    matcher: ActorMatcher, name: str, on: date, party: str, current: bool
) -> None:
    [found] = matcher.match("actor1", name, on)
    assert (found.party_id, found.current) == (party, current)


@pytest.mark.parametrize(
    "name", ["SNA", "Syrian insurgents", "Tahrir al- Sham Army", "al-Qaida", "Civilians"]
)
def test_names_of_no_party_find_none(matcher: ActorMatcher, name: str) -> None:
    assert matcher.match("actor2", name, date(2016, 3, 1)) == []


def test_a_side_of_several_groups_finds_each(matcher: ActorMatcher) -> None:
    side = "Ahrar al-Sham, Jabhat Fateh al-Sham, Southern Front, Hawar Kilis Operations Room"
    found = matcher.match("actor1", side, date(2016, 8, 1))
    assert [m.party_id for m in found] == ["ahrar", "nusra", "southern_front"]
    assert [m.name for m in found] == ["Ahrar al-Sham", "Jabhat Fateh al-Sham", "Southern Front"]


def place(**given: object) -> ReportDraft | object:
    draft = ReportDraft("api", "x", "Battles", "Armed clash", datetime(2016, 3, 1, tzinfo=UTC))
    return geocoder().place([draft.__class__(**{**_fields(draft), **given})])[0]


def _fields(draft: ReportDraft) -> dict[str, object]:
    return dict(draft.__dict__)


def test_a_point_gets_its_province_and_district_spelled_one_way() -> None:
    placed = place(lat=35.813, lon=36.61, admin1="Idleb", admin2="Mintaqat Ariha")
    assert isinstance(placed, ReportDraft)
    assert (placed.country, placed.admin1, placed.admin2) == ("Syria", "Idlib", "Ariha")
    coast = place(lat=34.88902, lon=35.88659)  # Tartus, off the simplified coastline
    assert isinstance(coast, ReportDraft) and coast.admin2 == "Tartus"
    whole = place(lat=35.0, lon=38.0, geo_precision="country")
    assert isinstance(whole, ReportDraft) and (whole.admin1, whole.admin2) == (None, None)
    province = place(lat=35.8577, lon=36.57088, geo_precision="province")
    assert isinstance(province, ReportDraft)
    assert (province.admin1, province.admin2) == ("Idlib", None)


def test_names_without_a_point_are_placed() -> None:
    town = place(location="Kafr Zita", admin1="Hama Governorate")
    assert isinstance(town, ReportDraft) and town.geo_precision == "near"
    assert town.admin1 == "Hama" and abs(town.lat - 35.374) < 0.05  # type: ignore[operator]
    district = place(admin1="Aleppo Governorate", admin2="Mintaqat Azaz district")
    assert isinstance(district, ReportDraft)
    assert (district.geo_precision, district.admin2) == ("district", "Azaz")
    province = place(admin1="Rural Damascus")
    assert isinstance(province, ReportDraft)
    assert (province.geo_precision, province.admin1) == ("province", "Rif Dimashq")
    assert geocoder().unit_named("ريف دمشق", 1).name == "Rif Dimashq"  # type: ignore[union-attr]
    assert geocoder().unit_named("Jabal Saman district", 2).name == "Mount Simeon"  # type: ignore[union-attr]


def test_a_place_nobody_knows_is_a_problem_naming_the_field() -> None:
    nowhere = place(location="Atlantis")
    assert not isinstance(nowhere, ReportDraft)
    assert nowhere.field == "location"  # type: ignore[attr-defined]
