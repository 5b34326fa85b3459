"""The real UCDP GED events of the first month of the 2016 cessation, stored as reports over the
2016 scenario's parties, statuses and areas, with a user of each role: the incidents tests'
world."""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from truce.bootstrap import Truce
from truce.domain.permissions import SYSTEM, Actor, Role
from truce.services import scenario, users
from truce.store.tables import IncidentReportRow, ReportRow

UCDP = Path("/work/shared/data/ucdp-ged-syria/ged_syria_2016_2019.csv")
FIRST, LAST = "2016-02-27", "2016-03-31"
DAMASCUS = timedelta(hours=2)  # UTC+2 in February and March 2016
PROTECTED = "216744"  # Ar Rastan district, 28 Feb: government forces against insurgents (FSA)
EXCLUDED = "216746"  # Zainiyah village, Idlib, 29 Feb: a Nusra-only area
MIXED = "216748"  # Al Mastumah, Idlib, 29 Feb: Failaq al-Sham and Nusra both


def ucdp_rows() -> list[dict[str, str]]:
    with UCDP.open(encoding="utf-8") as handle:
        return [r for r in csv.DictReader(handle) if FIRST <= r["date_start"] <= LAST]


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


def _store(truce: Truce, rows: list[dict[str, str]], parties: dict[str, int]) -> dict[str, int]:
    """The UCDP rows as reports (channel ucdp), each day a Damascus day, sides named as UCDP
    names them and matched to the registry for the two it names most."""
    sides = {"Government of Syria": parties["saa"], "IS": parties["isil"]}
    stored = {}
    with truce.uow() as uow:
        for r in rows:
            start = datetime.fromisoformat(r["date_start"]).replace(tzinfo=UTC) - DAMASCUS
            end = datetime.fromisoformat(r["date_end"]).replace(tzinfo=UTC) - DAMASCUS
            one_sided = r["type_of_violence"] == "3"
            row = ReportRow(
                channel="ucdp",
                source="UCDP GED",
                source_ref=r["id"],
                received_at=datetime(2017, 6, 1, tzinfo=UTC),
                occurred_start=start,
                occurred_end=end + timedelta(days=1) - timedelta(microseconds=1),
                time_precision="day",
                lat=float(r["latitude"]),
                lon=float(r["longitude"]),
                geo_precision="exact" if r["where_prec"] == "1" else "near",
                admin1=r["adm_1"] or None,
                admin2=r["adm_2"] or None,
                location=r["where_coordinates"],
                event_type="Violence against civilians" if one_sided else "Battles",
                sub_event_type="Attack" if one_sided else "Armed clash",
                actor1=r["side_a"],
                actor1_party_id=sides.get(r["side_a"]),
                actor2=r["side_b"],
                actor2_party_id=sides.get(r["side_b"]),
                fatalities=int(r["best"]),
                text=r["source_headline"],
            )
            uow.session.add(row)
            uow.session.flush()
            stored[r["id"]] = row.id
        uow.commit()
    return stored


def ucdp_month(truce: Truce) -> Month:
    """The 2016 scenario, users of each role, and the UCDP events of 27 Feb - 31 Mar 2016."""
    with truce.uow() as uow:
        scenario.load_scenario(scenario.read_scenario("syria-2016"), uow)
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
    found.report_of = _store(truce, ROWS, parties)
    return found
