"""The demo's filed reports: each demo user's account of a real UCDP event of March 2016 joins
the incident of that event, beside the UCDP report, and keeps its own claim."""

from __future__ import annotations

import csv

from truce.bootstrap import Truce
from truce.domain.permissions import SYSTEM
from truce.services import demo, imports, incidents
from truce.services.demo import FILED_REPORTS

MONTH_FILE = FILED_REPORTS.parent / "ucdp" / "ged-syria-2016-02-27-to-03-31.csv"


def _filed_rows() -> dict[str, dict[str, str]]:
    rows = {}
    for _, file in demo.filed_reports():
        with file.open(encoding="utf-8") as handle:
            rows.update({row["source_ref"]: row for row in csv.DictReader(handle)})
    return rows


def test_every_demo_user_s_report_joins_the_ucdp_incident_of_its_event(truce: Truce) -> None:
    demo.load_scenario_and_users(truce.uow, actor=SYSTEM)
    imports.import_file(imports.ImportFile(MONTH_FILE, "ucdp"), truce.uow, actor=SYSTEM)
    files = demo.filed_reports()
    assert {name for name, _ in files} == {"monitor", "fsa-liaison", "saa-liaison", "ru-ops"}

    filed = list(demo.file_demo_reports(truce.uow, files))

    rows = _filed_rows()
    assert len(filed) == len(rows) and all(f.created for f in filed)
    for report in (f.report for f in filed):
        assert report.draft.channel == "form"
        with truce.uow(write=False) as uow:
            incident_id = uow.incident_reports.incident_of([report.id])[report.id]
            detail = incidents.incident_detail(uow, incident_id, actor=SYSTEM)
        channels = {r["channel"] for r in detail["reports"]}
        assert "ucdp" in channels, (report.draft.source_ref, channels)
        claimed = {r["actor1"] for r in detail["reports"]}
        assert rows[report.draft.source_ref or ""]["actor1"] in claimed

    # Filing the same files again is one report each, as before.
    again = list(demo.file_demo_reports(truce.uow, files))
    assert not any(f.created for f in again)
