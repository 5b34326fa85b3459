"""Report rows out and back in (no database): an export row reads back through the format's own
parser as the same account, and carries the identity that makes a re-import add nothing; the
counts' filters and sums."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from truce.domain.counts import (
    CountBy,
    CountFilters,
    CountRow,
    Counts,
    IncidentClaim,
    MergedTally,
    check_filters,
)
from truce.domain.errors import Invalid
from truce.domain.reports import Figure, Report, ReportDraft, content_digest, normalise, problems
from truce.importers import acled, ucdp
from truce.importers.exports import acled_row, digest_of_ref, truce_ref, ucdp_row
from truce.importers.rows import Cells

UCDP_REPORT = ReportDraft(
    channel="ucdp", source="UCDP GED", source_ref="216744", reliability="B",
    event_type="Explosions/Remote violence", sub_event_type="Shelling/artillery/missile attack",
    occurred_start=datetime(2016, 2, 28, tzinfo=UTC), time_precision="day",
    lat=34.9263, lon=36.7325, location="Ar Rastan town", geo_precision="exact",
    country="Syria", admin1="Homs", admin2="Ar Rastan", actor1="Government of Syria",
    actor2="Syrian insurgents",
    casualties={("killed", "side_a"): Figure(best=1), ("killed", "side_b"): Figure(best=3),
                ("killed", "total"): Figure(3, 4, 6)},
    text="Regime forces shell Rastan", lang="en",
)  # fmt: skip
MONITOR_REPORT = ReportDraft(
    channel="api", source="A field monitor", event_type="Violence against civilians",
    sub_event_type="Attack", occurred_start=datetime(2016, 3, 1, 9, tzinfo=UTC),
    time_precision="week", location="Kafr Zita", admin1="Hama", actor1="Unknown gunmen",
    actor2="Civilians", casualties={("killed", "civilians"): Figure(best=2)},
    text="Two civilians shot at a checkpoint.", lang="en",
)  # fmt: skip


def stored(draft: ReportDraft, report_id: int = 1) -> Report:
    checked = normalise(draft)
    return Report(report_id, checked, content_digest(checked))


def read_back(fmt, row: dict[str, str]) -> ReportDraft:
    cells = Cells({column: row.get(column, "") for column in fmt.columns})
    draft = fmt.parse(cells)
    assert cells.problems == [] and problems(draft) == []
    return draft


def test_a_ucdp_report_as_a_ucdp_row_is_itself_again() -> None:
    report = stored(UCDP_REPORT)
    row = ucdp_row(report)
    assert row["id"] == "216744"  # its own id: re-imported, it meets itself by source_ref
    again = normalise(read_back(ucdp.FORMAT, row))
    assert content_digest(again) == report.content_digest  # the very same account


def test_a_ucdp_report_as_an_acled_row_carries_its_digest() -> None:
    report = stored(UCDP_REPORT)
    row = acled_row(report)
    assert row["event_id_cnty"] == truce_ref(report) == f"truce:{report.content_digest}"
    assert row["source"] == "UCDP GED 216744"
    again = read_back(acled.FORMAT, row)
    assert digest_of_ref(again.source_ref) == report.content_digest
    assert (again.occurred_start, again.lat, again.lon) == (
        report.draft.occurred_start, report.draft.lat, report.draft.lon,
    )  # fmt: skip
    assert again.casualties == {("killed", "unknown"): Figure(best=4)}  # ACLED: a total
    assert (again.actor1, again.actor2, again.admin1) == (
        "Government of Syria", "Syrian insurgents", "Homs",
    )  # fmt: skip


def test_a_monitors_report_reads_back_in_either_shape() -> None:
    report = stored(MONITOR_REPORT)
    for fmt, write, key in ((acled.FORMAT, acled_row, "event_id_cnty"),
                            (ucdp.FORMAT, ucdp_row, "id")):  # fmt: skip
        row = write(report)
        assert row[key] == truce_ref(report)
        again = read_back(fmt, row)
        assert again.event_type == "Violence against civilians" and again.location == "Kafr Zita"
        assert again.time_precision == "week"
    # A week around the day: ACLED writes the window's middle day, its reader widens it again.
    assert acled_row(report)["event_date"] == "2016-03-04"
    assert ucdp_row(report)["type_of_violence"] == "3"  # one-sided: civilians targeted


@pytest.mark.parametrize(
    "ref", [None, "", "216744", "truce:", "truce:" + "0" * 63, "truce:" + "A" * 64, "x" * 70]
)
def test_only_a_truce_id_names_a_digest(ref: str | None) -> None:
    assert digest_of_ref(ref) is None
    assert digest_of_ref("truce:" + "ab" * 32) == "ab" * 32


def test_count_filters_are_checked_naming_the_field() -> None:
    assert check_filters(CountFilters(since=date(2016, 2, 27), until=date(2016, 2, 27)))
    for filters, field in (
        (CountFilters(since=date(2016, 3, 2), until=date(2016, 3, 1)), "until"),
        (CountFilters(since=date(2000, 1, 1), until=date(2016, 1, 1)), "until"),
        (CountFilters(party_id=0), "party_id"),
        (CountFilters(admin1="  "), "admin1"),
        (CountFilters(source=""), "source"),
    ):
        with pytest.raises(Invalid) as found:
            check_filters(filters)
        assert found.value.field == field


def test_counts_sum_by_day_and_in_all() -> None:
    day1, day2 = date(2016, 2, 27), date(2016, 2, 28)
    rows = (
        CountRow(day1, "Idlib", "Idlib", {"ACLED": 3, "UCDP GED": 2}, 3),
        CountRow(day1, "Hama", "Hama", {"UCDP GED": 1}, 1),
        CountRow(day2, None, None, {"ACLED": 1}, 1),
    )
    found = Counts(CountFilters(by=CountBy.PROVINCE), ("ACLED", "UCDP GED"), rows)
    assert found.daily() == [(day1, {"ACLED": 3, "UCDP GED": 3}, 4), (day2, {"ACLED": 1}, 1)]
    assert found.totals() == ({"ACLED": 4, "UCDP GED": 3}, 5)


def _claims() -> list[IncidentClaim]:
    day, next_day = date(2016, 3, 1), date(2016, 3, 2)
    return [  # incident 1: two sources claim two parties; 2: assessed; 3: one source, none
        IncidentClaim(1, day, "Idlib", "shelling", None, "ACLED", 7),
        IncidentClaim(1, day, "Idlib", "shelling", None, "SOHR", 9),
        IncidentClaim(2, day, "Aleppo", "air_strike", 9, "ACLED", 7),
        IncidentClaim(2, day, "Aleppo", "air_strike", 9, "RU-MoD", None),
        IncidentClaim(3, next_day, None, "shelling", None, "SOHR", None),
    ]


def test_merged_tally_counts_each_incident_once_per_key() -> None:
    tally = MergedTally(list(CountBy), sources=True).add_all(_claims())
    day, next_day = date(2016, 3, 1), date(2016, 3, 2)
    assert sorted(tally.counts(CountBy.PROVINCE), key=str) == sorted(
        [(day, "Idlib", 1), (day, "Aleppo", 1), (next_day, None, 1)], key=str
    )
    assert sorted(tally.counts(CountBy.EVENT_TYPE), key=str) == sorted(
        [(day, "shelling", 1), (day, "air_strike", 1), (next_day, "shelling", 1)], key=str
    )
    # By party: incident 1 under both claimed parties; 2 only under the assessed one (9),
    # never under the 7 or the none its reports claim.
    assert sorted(tally.counts(CountBy.PARTY), key=str) == sorted(
        [(day, "7", 1), (day, "9", 2), (next_day, None, 1)], key=str
    )
    assert tally.incident_sources() == [
        (1, day, "ACLED"), (1, day, "SOHR"), (2, day, "ACLED"), (2, day, "RU-MoD"),
        (3, next_day, "SOHR"),
    ]  # fmt: skip


def test_merged_tally_of_one_party_keeps_only_its_key() -> None:
    tally = MergedTally([CountBy.PARTY], party_id=7).add_all(_claims()[:2])
    assert tally.counts(CountBy.PARTY) == [(date(2016, 3, 1), "7", 1)]
    with pytest.raises(ValueError, match="without sources"):
        tally.incident_sources()
