"""Issue 8's first acceptance test, and the counts and exports built on it, on both databases.

The 540 real UCDP GED events of the cessation's first month (tests/data) are imported twice,
through the import service as `truce import` runs it: as UCDP's own file, and as an ACLED file
of the same events (tests/two_ledgers.py: ACLED's actor names, points 100-500 m away, the Nusra
Front under its name of the day where UCDP gives its later one, Jabhat Fateh al-Sham, whose
alias the 2016 scenario dates from July 2016), with a few bad rows. Each real event must be
one incident holding its two reports; importing again, or importing Truce's own ACLED and UCDP
exports, adds nothing; the bad rows are in the rejects file with their column and reason.
"""

from __future__ import annotations

import csv
from collections import Counter
from functools import partial
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.two_ledgers import (
    ACLED_IDS,
    BAD_ROWS,
    NUSRA,
    UCDP_FILE,
    Ledgers,
    build_ledgers,
    import_as,
    incident_groups,
    store_counts,
)
from tests.unit.test_linkage_real import Row
from truce.bootstrap import Truce
from truce.domain.counts import CountBy, CountFilters
from truce.domain.errors import Invalid
from truce.domain.incidents import IncidentFilters
from truce.domain.permissions import SYSTEM
from truce.importers import acled, ucdp
from truce.services import counts, imports, report_exports
from truce.store.reports import ReportFilters
from truce.store.tables import IncidentReportRow, IncidentRow, ReportRow


@pytest.fixture
def ledgers(truce: Truce, tmp_path: Path) -> Ledgers:
    return build_ledgers(truce, tmp_path)


def _country_level(row: Row) -> bool:
    return row.where_prec >= 6  # UCDP: only "somewhere in Syria", at the country's centroid


def _pairs_wrong(ledgers: Ledgers, groups: dict[int, list[tuple[str, str]]]) -> list[object]:
    """Incidents that are not one UCDP report with the ACLED copy of its row (or of a row
    saying the same in every field, which no linker could tell apart)."""
    wrong: list[object] = []
    for members in groups.values():
        by_source = dict(members)
        if sorted(s for s, _ in members) != ["ACLED", "UCDP GED"]:
            wrong.append(members)
            continue
        ucdp_row = ledgers.rows[int(by_source["UCDP GED"])]
        acled_row = ledgers.rows[int(by_source["ACLED"][3:]) - ACLED_IDS]
        if ucdp_row.event != acled_row.event:
            wrong.append(members)
    return wrong


def test_each_real_event_is_one_incident_with_both_reports(ledgers: Ledgers) -> None:
    truce = ledgers.truce
    ucdp_run, acled_run = ledgers.summaries
    assert (ucdp_run.rows, ucdp_run.stored, ucdp_run.rejected) == (540, 540, 0)
    assert (acled_run.rows, acled_run.stored, acled_run.rejected) == (544, 540, 4)
    assert sum(NUSRA in (r.side_a, r.side_b) for r in ledgers.rows.values()) >= 10
    groups = incident_groups(truce)
    linked = {
        i: members for i, members in groups.items() if any(s == "UCDP GED" for s, _ in members)
    }
    assert len(groups) == len(linked) == 540  # one incident per real event, none left over
    assert _pairs_wrong(ledgers, linked) == []
    # The Nusra Front under its later name (UCDP) and its name of the day (ACLED): one party,
    # UCDP's name matched by an alias the scenario dates from July 2016 (not current then).
    with truce.uow(write=False) as uow:
        pair = {
            source: (party, matches)
            for source, party, matches in uow.session.execute(
                select(ReportRow.source, ReportRow.actor1_party_id, ReportRow.actor_matches)
                .where(ReportRow.source_ref.in_(["218587", f"SYR{ACLED_IDS + 218587}"]))
            )
        }  # fmt: skip
    nusra = ledgers.parties["jabhat-al-nusra"]
    assert pair["UCDP GED"][0] == pair["ACLED"][0] == nusra
    assert pair["UCDP GED"][1][0] == ["actor1", NUSRA, nusra, NUSRA, 100.0, False]
    assert pair["ACLED"][1][0][1:3] == ["Jabhat al Nusra", nusra] and pair["ACLED"][1][0][5]
    assert any(("UCDP GED", "218587") in m for m in linked.values())
    [together] = [m for m in linked.values() if ("UCDP GED", "218587") in m]
    assert ("ACLED", f"SYR{ACLED_IDS + 218587}") in together


def test_events_placed_only_in_the_country_are_one_incident_too(ledgers: Ledgers) -> None:
    """UCDP's where_prec 6 is the country; ACLED's copy is precision 3 naming no province or
    place, which is the country too: the two link, as reports that give only the country."""
    country = {str(i) for i, r in ledgers.rows.items() if _country_level(r)}
    assert country == {"216867", "216879", "217642"}
    groups = incident_groups(ledgers.truce)
    theirs = [m for m in groups.values() if any(ref in country for _, ref in m)]
    assert len(theirs) == 3 and all(len(m) == 2 for m in theirs)


def test_bad_rows_are_in_the_rejects_file_with_column_and_reason(ledgers: Ledgers) -> None:
    with ledgers.rejects.open(encoding="utf-8", newline="") as handle:
        found = list(csv.DictReader(handle))
    assert [r["row"] for r in found] == ["541", "542", "543", "544"]
    assert [r["column"] for r in found] == [column for _, column in BAD_ROWS]
    assert "must be a day" in found[0]["reason"] and found[0]["event_date"] == "31 February 2016"
    assert found[1]["reason"].startswith("latitude: latitude must be a number")
    assert "Unknown event type 'Riot'" in found[2]["reason"]
    assert "fatalities must be a whole number" in found[3]["reason"]
    assert all(r["event_id_cnty"].startswith("SYRBAD") for r in found)  # the row itself follows


def test_importing_again_or_importing_our_exports_adds_nothing(
    ledgers: Ledgers, tmp_path: Path
) -> None:
    truce = ledgers.truce
    before = store_counts(truce)
    assert before == (1080, 540, 1080)  # reports, incidents, links: one incident per event
    again = [import_as(truce, UCDP_FILE, "ucdp"), import_as(truce, ledgers.acled_file, "acled")]
    assert all(s.already for s in again) and store_counts(truce) == before
    # The same rows in a new file (another name, another digest) are duplicates row by row.
    copy = tmp_path / "acled-again.csv"
    copy.write_text(ledgers.acled_file.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    run = import_as(truce, copy, "acled")
    assert (run.stored, run.duplicates, run.rejected) == (0, 540, 4)
    read = lambda: truce.uow(write=False)  # noqa: E731
    for shape in ("acled", "ucdp"):
        exported = tmp_path / f"export.{shape}.csv"
        found = report_exports.reports_csv(shape, read, ReportFilters(), actor=None)
        exported.write_bytes(b"".join(found.chunks))
        run = import_as(truce, exported, shape, tmp_path / f"{shape}.rejects.csv")
        # Every report, UCDP's and ACLED's alike, comes back as one already stored.
        assert (run.rows, run.stored, run.duplicates, run.rejected) == (1080, 0, 1080, 0), shape
        assert store_counts(truce) == before


def test_an_acled_export_of_ucdp_reports_carries_their_identity(
    ledgers: Ledgers, tmp_path: Path
) -> None:
    truce = ledgers.truce
    read = lambda: truce.uow(write=False)  # noqa: E731
    only_ucdp = ReportFilters(source=ucdp.SOURCE)
    exported = tmp_path / "ucdp-as-acled.csv"
    found = report_exports.reports_csv("acled", read, only_ucdp, actor=None)
    exported.write_bytes(b"".join(found.chunks))
    with exported.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 540 and list(rows[0]) == list(acled.COLUMNS)
    assert all(r["event_id_cnty"].startswith("truce:") for r in rows)
    assert {r["source"].rsplit(" ", 1)[0] for r in rows} == {"UCDP GED"}
    with truce.uow(write=False) as uow:
        digests = set(uow.session.scalars(
            select(ReportRow.content_digest).where(ReportRow.source == ucdp.SOURCE)))  # fmt: skip
    assert {r["event_id_cnty"].removeprefix("truce:") for r in rows} == digests
    # An ACLED export of ACLED's reports keeps ACLED's own ids.
    found = report_exports.reports_csv("acled", read, ReportFilters(source="ACLED"), actor=None)
    text = b"".join(found.chunks).decode("utf-8")
    ids = {r["event_id_cnty"] for r in csv.DictReader(text.splitlines())}
    assert ids == {f"SYR{ACLED_IDS + i}" for i in ledgers.rows}


def test_exports_import_whole_into_an_empty_installation(
    ledgers: Ledgers, tmp_path: Path, sqlite_template: Path
) -> None:
    """Each export is a file the importers read as it is: every row stored, none rejected,
    and importing it again there adds nothing."""
    from tests.helpers import sqlite_truce

    read = lambda: ledgers.truce.uow(write=False)  # noqa: E731
    for shape in ("acled", "ucdp"):
        exported = tmp_path / f"all.{shape}.csv"
        found = report_exports.reports_csv(shape, read, ReportFilters(), actor=None)
        exported.write_bytes(b"".join(found.chunks))
        folder = tmp_path / f"fresh-{shape}"
        folder.mkdir()
        fresh = sqlite_truce(sqlite_template, folder)
        try:
            cmd = imports.ImportFile(exported, shape, link=False)
            run = imports.import_file(cmd, fresh.uow, actor=SYSTEM)
            assert (run.rows, run.stored, run.rejected) == (1080, 1080, 0), shape
            again = tmp_path / f"again.{shape}.csv"
            found = report_exports.reports_csv(
                shape,
                partial(fresh.uow, write=False),
                ReportFilters(),
                actor=None,
            )
            again.write_bytes(b"".join(found.chunks))
            run = imports.import_file(imports.ImportFile(again, shape, link=False), fresh.uow,
                                      actor=SYSTEM)  # fmt: skip
            assert (run.stored, run.duplicates, run.rejected) == (0, 1080, 0), shape
        finally:
            fresh.close()


def test_counts_per_source_side_by_side_and_merged(ledgers: Ledgers) -> None:
    truce = ledgers.truce
    with truce.uow(write=False) as uow:
        found = counts.count_incidents(CountFilters(), uow)
    assert found.sources == ("ACLED", "UCDP GED")
    totals, merged = found.totals()
    assert totals == {"ACLED": 540, "UCDP GED": 540}
    assert merged == 540  # the incidents: every event once
    # UCDP's day is its date_start, as UCDP counts it.
    ucdp_days = Counter(r.start for r in ledgers.rows.values())
    assert {d: s.get("UCDP GED", 0) for d, s, _ in found.daily() if s.get("UCDP GED")} == dict(
        ucdp_days
    )
    # By province: each source counts its own provinces, the merged view the incidents'.
    with truce.uow(write=False) as uow:
        by_type = counts.count_incidents(CountFilters(by=CountBy.EVENT_TYPE), uow)
        incidents_by_type = Counter(
            uow.session.scalars(
                select(IncidentRow.event_type).where(IncidentRow.merged_into_id.is_(None))
            )
        )
    merged_by_type: Counter[str | None] = Counter()
    for row in by_type.rows:
        merged_by_type[row.key] += row.merged
    assert merged_by_type == incidents_by_type
    # UCDP codes fighting, not its means; ACLED the weapon: the two ledgers differ by type.
    ucdp_types = Counter()
    acled_types = Counter()
    for row in by_type.rows:
        ucdp_types[row.key] += row.by_source.get("UCDP GED", 0)
        acled_types[row.key] += row.by_source.get("ACLED", 0)
    assert sum(ucdp_types.values()) == sum(acled_types.values()) == 540


def test_counts_filters(ledgers: Ledgers) -> None:
    truce = ledgers.truce
    nusra = ledgers.parties["jabhat-al-nusra"]
    with truce.uow(write=False) as uow:
        one_day = counts.count_incidents(
            CountFilters(since=_day("2016-03-01"), until=_day("2016-03-01")), uow
        )
        by_party = counts.count_incidents(CountFilters(by=CountBy.PARTY, party_id=nusra), uow)
        acled_only = counts.count_incidents(CountFilters(source="ACLED"), uow)
        idlib = counts.count_incidents(CountFilters(admin1="Idlib"), uow)
        claimed = Counter(
            uow.session.scalars(select(ReportRow.source).where(ReportRow.actor1_party_id == nusra))
        )
        claimed_incidents = len(set(uow.session.scalars(
            select(IncidentReportRow.incident_id)
            .join(ReportRow, ReportRow.id == IncidentReportRow.report_id)
            .where(ReportRow.actor1_party_id == nusra)
        )))  # fmt: skip
        idlib_reports = Counter(
            uow.session.scalars(select(ReportRow.source).where(ReportRow.admin1 == "Idlib"))
        )
    assert {row.day.isoformat() for row in one_day.rows} == {"2016-03-01"}
    assert one_day.totals()[0]["UCDP GED"] == sum(
        r.start.isoformat() == "2016-03-01" for r in ledgers.rows.values()
    )
    # Attributed to the Nusra Front: both sources, though they name it differently.
    assert {row.key for row in by_party.rows} == {str(nusra)}
    assert {row.label for row in by_party.rows} == {"Jabhat al-Nusra"}
    assert by_party.totals()[0] == dict(claimed)
    # The two ledgers differ: UCDP names the Front among the groups of a side ("Fatah Halab,
    # Jabhat Fateh al-Sham") where ACLED names the operations room alone.
    assert claimed["UCDP GED"] == 17 and claimed["ACLED"] == 6
    assert by_party.totals()[1] == claimed_incidents == 17  # either source's claim, once
    assert acled_only.sources == ("ACLED",) and acled_only.totals() == ({"ACLED": 540}, 540)
    assert idlib.totals()[0] == dict(idlib_reports) and {r.key for r in idlib.rows} == {"Idlib"}
    with truce.uow(write=False) as uow, pytest.raises(Invalid) as bad:
        counts.count_incidents(
            CountFilters(since=_day("2016-03-02"), until=_day("2016-03-01")), uow
        )
    assert bad.value.field == "until"


def test_geojson_of_incidents_holds_every_live_incident(ledgers: Ledgers) -> None:
    import json

    read = lambda: ledgers.truce.uow(write=False)  # noqa: E731
    found = report_exports.incidents_geojson(read, IncidentFilters(), actor=None)
    collection = json.loads(b"".join(found.chunks))
    assert collection["type"] == "FeatureCollection" and len(collection["features"]) == 540
    feature = collection["features"][0]
    assert feature["geometry"]["type"] == "Point" and len(feature["geometry"]["coordinates"]) == 2
    both = [f for f in collection["features"] if f["properties"]["report_count"] == 2]
    assert len(both) == 540
    assert all(sorted(f["properties"]["sources"]) == ["ACLED", "UCDP GED"] for f in both)


def _day(text: str):
    from datetime import date

    return date.fromisoformat(text)
