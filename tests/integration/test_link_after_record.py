"""One more ACLED row after the demo's whole record, on both databases.

The record: the 2016 scenario and the demo users, the demo's UCDP GED month, the ACLED copy of
its 540 events (tests/two_ledgers.py) and the demo users' seven filed reports. Every report is in
an incident by then, so the next import links its new report to the existing incidents:
the incremental case. A lone new event in Quneitra once made that link step fail, and with it the
whole import.
"""

from __future__ import annotations

import csv
from pathlib import Path

from sqlalchemy import select

from tests.integration.test_sitreps_two_ledgers import UCDP_MONTH
from tests.two_ledgers import import_as, incident_groups, store_counts, write_acled_copy
from truce.bootstrap import Truce
from truce.domain.permissions import SYSTEM
from truce.importers import acled
from truce.services import demo
from truce.store.tables import IncidentReportRow, ReportRow

NEW_ID = "SYR19000001"  # beyond the copy's ids (10 000 000 + a UCDP id)


def _load_record(truce: Truce, folder: Path) -> Path:
    demo.load_scenario_and_users(truce.uow, actor=SYSTEM)
    import_as(truce, UCDP_MONTH, "ucdp")
    acled_file = folder / "acled-syria-2016-03.csv"
    write_acled_copy(acled_file)
    import_as(truce, acled_file, "acled")
    filed = list(demo.file_demo_reports(truce.uow, demo.filed_reports()))
    assert len(filed) == 7 and all(f.created for f in filed)
    return acled_file


def _one_more_row(acled_file: Path, target: Path) -> dict[str, str]:
    """The copy's 15 March air strike on Quneitra (a province-wide report), as a new event of
    the next day: a fresh id. It scores against the strike's incident, below the threshold."""
    with acled_file.open(encoding="utf-8", newline="") as handle:
        template = next(
            r for r in csv.DictReader(handle)
            if r["location"] == "Quneitra" and r["event_date"] == "15 March 2016"
        )  # fmt: skip
    row = {**template, "event_id_cnty": NEW_ID, "event_date": "16 March 2016",
           "notes": template["notes"].replace("15 March", "16 March")}  # fmt: skip
    with target.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, acled.COLUMNS, extrasaction="ignore")
        writer.writeheader()
        writer.writerow(row)
    return row


def test_one_more_acled_row_after_the_record_joins_an_incident_and_loses_nothing(
    truce: Truce, tmp_path: Path
) -> None:
    acled_file = _load_record(truce, tmp_path)
    reports, live, links = store_counts(truce)
    assert reports == links  # every report of the record is in an incident
    before = {frozenset(group) for group in incident_groups(truce).values()}

    extra = tmp_path / "acled-one-more.csv"
    _one_more_row(acled_file, extra)
    summary = import_as(truce, extra, "acled")

    assert (summary.stored, summary.rejected, summary.duplicates) == (1, 0, 0)
    assert store_counts(truce)[0] == reports + 1
    assert store_counts(truce)[2] == links + 1  # the new report is in an incident
    with truce.uow(write=False) as uow:
        linked = uow.session.scalar(
            select(IncidentReportRow.incident_id)
            .join(ReportRow, ReportRow.id == IncidentReportRow.report_id)
            .where(ReportRow.source_ref == NEW_ID)
        )
    assert linked is not None
    after = {frozenset(group) for group in incident_groups(truce).values()}
    new = ("ACLED", NEW_ID)
    grew = [group for group in after if new in group]
    assert len(grew) == 1
    # every incident of the record is still there, whole; the one the row joined (if it joined
    # one) gained only the new report
    assert {group - {new} for group in after} - {frozenset()} == before
    assert len(after) == live + (grew[0] == {new})
