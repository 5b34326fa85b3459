"""The real UCDP GED events of the first month of the 2016 cessation, stored as reports over the
2016 scenario's parties, statuses and areas, with a user of each role: the incidents tests'
world."""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select

from truce.bootstrap import Truce
from truce.domain.permissions import SYSTEM, Actor, Role
from truce.services import imports, scenario, users
from truce.store.tables import IncidentReportRow, ReportRow

MONTH_FILE = Path(__file__).resolve().parents[1] / "data/ucdp/ged-syria-2016-02-27-to-03-31.csv"
PROTECTED = "216744"  # Ar Rastan district, 28 Feb: government forces against insurgents (FSA)
EXCLUDED = "216746"  # Zainiyah village, Idlib, 29 Feb: a Nusra-only area
MIXED = "216748"  # Al Mastumah, Idlib, 29 Feb: Failaq al-Sham and Nusra both


def ucdp_rows() -> list[dict[str, str]]:
    with MONTH_FILE.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


ROWS = ucdp_rows()


@dataclass
class Month:
    truce: Truce
    parties: dict[str, int]
    actors: dict[str, Actor] = field(default_factory=dict)
    report_of: dict[str, int] = field(default_factory=dict)  # UCDP id -> report id

    def incident_of(self, ucdp_id: str) -> int:
        with self.truce.uow(write=False) as uow:
            link = uow.session.get(IncidentReportRow, self.report_of[ucdp_id])
            assert link is not None
            return link.incident_id


def _import(truce: Truce, *, link: bool) -> dict[str, int]:
    """The month's UCDP file imported as intake imports it (checked, geocoded, actors matched to
    the registry); the report id of each UCDP id."""
    cmd = imports.ImportFile(MONTH_FILE, "ucdp", link=link)
    summary = imports.import_file(cmd, truce.uow, actor=SYSTEM)
    assert summary.stored == len(ROWS)
    with truce.uow(write=False) as uow:
        found = uow.session.execute(select(ReportRow.source_ref, ReportRow.id))
        return {ref: report_id for ref, report_id in found if ref}


def ucdp_month(truce: Truce, *, link: bool = False) -> Month:
    """The 2016 scenario, users of each role, and the UCDP events of 27 Feb - 31 Mar 2016 (put
    into incidents by the import when ``link``)."""
    with truce.uow() as uow:
        scenario.load_scenario(scenario.read_scenario("syria-2016"), uow, actor=SYSTEM)
    with truce.uow(write=False) as uow:
        keys = {row.slug: row.id for row in uow.parties.all_rows()}
    slugs = {"saa": "syrian-arab-army", "isil": "islamic-state-of-iraq-and-the-levant",
             "fsa": "free-syrian-army"}  # fmt: skip
    parties = {key: keys[slug] for key, slug in slugs.items()}
    found = Month(truce, parties)
    for role, state in ((Role.MONITOR, None), (Role.ANALYST, None), (Role.MEMBER, "GB"),
                        (Role.GUARANTOR, "US")):  # fmt: skip
        with truce.uow() as uow:
            view = users.add_user(
                users.NewUser(f"{role.value}-1", role, None, state=state), uow, actor=SYSTEM
            )
            found.actors[role.value] = users.actor_of(uow.users.get(view.id))  # type: ignore[arg-type]
    found.report_of = _import(truce, link=link)
    return found
