"""Incidents on a real store (SQLite and PostgreSQL), from the real UCDP GED events of the first
month of the 2016 cessation, over the 2016 scenario's parties, statuses and areas."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from tests.helpers import assert_state_replays, ledger_entries
from tests.ucdp import EXCLUDED, MIXED, MONTH_FILE, PROTECTED, ROWS, Month, ucdp_month
from truce.bootstrap import Truce
from truce.domain.errors import Conflict, Forbidden, Invalid
from truce.domain.permissions import SYSTEM
from truce.domain.reports import Figure, ReportDraft
from truce.importers import ucdp
from truce.services import imports, incidents, reports
from truce.store.tables import (
    AllegationRow,
    IncidentReportRow,
    IncidentRow,
    ReportRow,
    TombstoneRow,
)


@pytest.fixture(autouse=True)
def _state_replays(truce: Truce) -> Iterator[None]:
    """After each test, its tables are what a replay of its ledger gives."""
    yield
    assert_state_replays(truce)


@pytest.fixture
def month(truce: Truce) -> Month:
    return ucdp_month(truce)


def count(truce: Truce, table: type) -> int:
    with truce.uow(write=False) as uow:
        return uow.session.scalar(select(func.count()).select_from(table)) or 0


def detail(month: Month, incident_id: int) -> dict:
    with month.truce.uow(write=False) as uow:
        return incidents.incident_detail(uow, incident_id)


def test_every_report_of_the_month_lands_in_one_incident_and_relinking_adds_nothing(
    month: Month,
) -> None:
    truce = month.truce
    assert len(ROWS) == 540
    with truce.uow() as uow:
        linked = incidents.link_reports(uow)
    # One source codes each event once: UCDP's reports never link to each other.
    assert (linked.reports, linked.created, linked.joined) == (540, 540, 0)
    assert count(truce, IncidentReportRow) == 540
    assert ledger_entries(truce, "incident.reports_linked") == 540
    opened = count(truce, AllegationRow)
    assert opened == ledger_entries(truce, "allegation.opened") > 0
    with truce.uow(write=False) as uow:
        outcomes = dict(
            uow.session.execute(
                select(IncidentRow.outcome, func.count()).group_by(IncidentRow.outcome)
            ).all()
        )
    assert set(outcomes) <= {"allegation", "flagged", "not_a_violation", "no_term"}
    assert sum(outcomes.values()) == 540 and outcomes["allegation"] > 0
    head = ledger_entries(truce, "incident.reports_linked")
    with truce.uow() as uow:
        again = incidents.link_reports(uow)
    assert again == incidents.Linked(0, 0, 0, 0, ())
    with truce.uow() as uow:
        rechecked = incidents.check_incidents(uow, range(1, 541))
    assert rechecked.incidents == 540 and rechecked.opened == ()
    assert (count(truce, IncidentRow), count(truce, AllegationRow)) == (540, opened)
    assert ledger_entries(truce, "incident.reports_linked") == head
    # The check again changed the incidents (when): its entry carries them, as linking's do.
    assert ledger_entries(truce, "incidents.checked") == 1
    assert_state_replays(truce)


def test_a_protected_area_an_excluded_one_and_a_mixed_one(month: Month) -> None:
    with month.truce.uow() as uow:
        incidents.link_reports(uow)
    saa = month.parties["saa"]

    protected = detail(month, month.incident_of(PROTECTED))
    assert (protected["verdict"], protected["outcome"]) == ("protected", "allegation")
    alleged = [(a["term"], a["party_id"], a["flagged"]) for a in protected["allegations"]]
    assert (2, saa, False) in alleged  # attacks on a covered party: term 2, by the army
    assert (5, saa, True) in alleged  # proportionality is for the guarantors
    assert "Syrian Arab Army may have breached term 2" in protected["outcome_reason"]
    assert "Free Syrian Army" in protected["outcome_reason"]

    excluded = detail(month, month.incident_of(EXCLUDED))
    assert (excluded["verdict"], excluded["outcome"]) == ("excluded", "not_a_violation")
    assert excluded["allegations"] == []
    assert excluded["outcome_reason"].startswith("Excluded area")
    assert "Jabhat al-Nusra" in excluded["outcome_reason"]

    mixed = detail(month, month.incident_of(MIXED))
    assert (mixed["verdict"], mixed["outcome"]) == ("mixed", "flagged")
    assert mixed["outcome_reason"].startswith("Mixed area")
    assert mixed["allegations"] and all(a["flagged"] for a in mixed["allegations"])


def test_a_monitor_s_report_of_an_event_joins_its_incident_with_the_comparisons_behind_it(
    month: Month,
) -> None:
    with month.truce.uow() as uow:
        incidents.link_reports(uow)
        original = uow.session.get(ReportRow, month.report_of[PROTECTED])
        assert original is not None and original.lat is not None and original.lon is not None
        draft = ReportDraft(
            channel="api", source="SOHR", event_type="Explosions/Remote violence",
            sub_event_type="Shelling/artillery/missile attack",
            occurred_start=original.occurred_start, occurred_end=original.occurred_end,
            lat=original.lat + 0.002, lon=original.lon - 0.002, location="al-Rastan",
            actor1="Syrian Army", actor2="rebels", text=original.text,
            casualties={("killed", "unknown"): Figure(best=4)},
        )  # fmt: skip
        # Filing links it at once (intake calls link_reports after storing a report).
        filed = reports.file_report(draft, uow, actor=month.actors["monitor"])
    monitor_id = filed.report.id
    target = month.incident_of(PROTECTED)
    assert month_incident(month, monitor_id) == target
    found = detail(month, target)
    assert [r["id"] for r in found["reports"]] == [month.report_of[PROTECTED], monitor_id]
    link = found["reports"][1]["link"]
    assert link["linked_to"] == month.report_of[PROTECTED] and link["linked_by"] == "linkage"
    assert link["match_probability"] > 0.5
    assert {c["comparison"] for c in link["comparisons"]} >= {"time", "place", "kind", "actors"}
    assert found["kinds"][0]["event_type"] in ("Battles", "Explosions/Remote violence")
    assert [(c["source"], c["perpetrator_party_id"]) for c in found["claims"]] == [
        ("UCDP GED", month.parties["saa"]),
        ("SOHR", month.parties["saa"]),  # "Syrian Army" matched to the registry by alias
    ]
    assert found["killed"]["high"] >= 4 and found["report_count"] == 2
    with month.truce.uow(write=False) as uow:
        last = uow.ledger.page(0, 100_000)[-1]  # the check opened nothing new
    assert last.action == "incident.reports_linked" and last.payload["incident_id"] == target
    assert last.payload["reports"][0]["report_id"] == monitor_id
    with month.truce.uow() as uow:
        assert incidents.link_reports(uow).reports == 0


def month_incident(month: Month, report_id: int) -> int | None:
    with month.truce.uow(write=False) as uow:
        return uow.incident_reports.incident_of([report_id]).get(report_id)


def test_merge_leaves_a_tombstone_and_split_undoes_it_each_a_ledger_entry(month: Month) -> None:
    truce = month.truce
    with truce.uow() as uow:
        incidents.link_reports(uow)
    a, b = month.incident_of(PROTECTED), month.incident_of(MIXED)
    monitor = month.actors["monitor"]
    before = {x["term"] for x in detail(month, a)["allegations"]}
    with truce.uow() as uow:
        cmd = incidents.MergeIncidents(a, (b,), "one shelling, two places")
        assert incidents.merge_incidents(cmd, uow, actor=monitor) == a
    merged = detail(month, a)
    assert [r["id"] for r in merged["reports"]] == sorted(
        [month.report_of[PROTECTED], month.report_of[MIXED]]
    )
    assert all(r["link"]["linked_by"] == "monitor-1" for r in merged["reports"][1:])
    gone = detail(month, b)
    assert gone["merged_into_id"] == a and gone["reports"] == []
    assert gone["tombstone"]["reason"] == "one shelling, two places"
    assert count(truce, TombstoneRow) == 1
    assert ledger_entries(truce, "incident.merged") == 1
    assert before <= {x["term"] for x in merged["allegations"]}
    with truce.uow(write=False) as uow:
        stones = incidents.tombstones_page(uow)
        live = incidents.incidents_page(uow, incidents.IncidentFilters(), limit=1000)
    assert [(s["incident_id"], s["merged_into_id"]) for s in stones.items] == [(b, a)]
    assert b not in {item["id"] for item in live.items}
    with truce.uow() as uow, pytest.raises(Conflict):
        incidents.merge_incidents(incidents.MergeIncidents(b, (a,)), uow, actor=monitor)

    with truce.uow() as uow:
        cmd = incidents.SplitIncident(a, (month.report_of[MIXED],), "two events after all")
        new = incidents.split_incident(cmd, uow, actor=monitor)
    assert new not in (a, b)
    assert [r["id"] for r in detail(month, new)["reports"]] == [month.report_of[MIXED]]
    assert [r["id"] for r in detail(month, a)["reports"]] == [month.report_of[PROTECTED]]
    assert detail(month, new)["outcome"] == "flagged"  # checked again: the mixed area
    assert ledger_entries(truce, "incident.split") == 1
    # Linking never undoes a person: nothing is new, nothing moves back.
    with truce.uow() as uow:
        assert incidents.link_reports(uow).reports == 0
    assert month.incident_of(MIXED) == new


def test_only_the_editing_roles_split_and_merge_and_bad_requests_name_the_field(
    month: Month,
) -> None:
    truce = month.truce
    with truce.uow() as uow:
        incidents.link_reports(uow)
    a, b = month.incident_of(PROTECTED), month.incident_of(EXCLUDED)
    for role in ("analyst", "member"):
        with truce.uow() as uow, pytest.raises(Forbidden):
            incidents.merge_incidents(
                incidents.MergeIncidents(a, (b,)), uow, actor=month.actors[role]
            )
    guarantor = month.actors["guarantor"]
    with truce.uow() as uow, pytest.raises(Invalid) as empty:
        incidents.split_incident(incidents.SplitIncident(a, ()), uow, actor=guarantor)
    assert empty.value.field == "report_ids"
    with truce.uow() as uow, pytest.raises(Invalid) as whole:
        only = (month.report_of[PROTECTED],)
        incidents.split_incident(incidents.SplitIncident(a, only), uow, actor=guarantor)
    assert whole.value.field == "report_ids" and "empty" in str(whole.value)
    with truce.uow() as uow, pytest.raises(Invalid) as stranger:
        other = (month.report_of[EXCLUDED],)
        incidents.split_incident(incidents.SplitIncident(a, other), uow, actor=guarantor)
    assert "not in incident" in str(stranger.value)
    with truce.uow() as uow, pytest.raises(Invalid) as itself:
        incidents.merge_incidents(incidents.MergeIncidents(a, (a,)), uow, actor=guarantor)
    assert itself.value.field == "incident_ids"
    assert count(truce, TombstoneRow) == 0 and ledger_entries(truce, "incident.merged") == 0
    with truce.uow() as uow:
        incidents.merge_incidents(incidents.MergeIncidents(a, (b,)), uow, actor=guarantor)
    assert ledger_entries(truce, "incident.merged") == 1


def test_the_list_filters_and_the_feed_of_changes(month: Month) -> None:
    truce = month.truce
    with truce.uow() as uow:
        incidents.link_reports(uow)

    def page(**filters: object) -> list[dict]:
        with truce.uow(write=False) as uow:
            found = incidents.incidents_page(
                uow,
                incidents.IncidentFilters(**filters),
                limit=1000,  # type: ignore[arg-type]
            )
            return found.items

    everything = page()
    assert len(everything) == 540
    starts = [item["start"] for item in everything]
    assert starts == sorted(starts, reverse=True)
    mixed = page(verdict="mixed")
    assert mixed and {i["verdict"] for i in mixed} == {"mixed"}
    assert month.incident_of(MIXED) in {i["id"] for i in mixed}
    alleged = page(outcome="allegation", party_id=month.parties["saa"])
    assert alleged and all(month.parties["saa"] in i["claimed_perpetrators"] for i in alleged)
    homs = page(bbox=(36.6, 34.8, 36.9, 35.0))  # the northern Homs pocket
    assert month.incident_of(PROTECTED) in {i["id"] for i in homs}
    assert all(36.6 <= i["lon"] <= 36.9 and 34.8 <= i["lat"] <= 35.0 for i in homs)
    march = page(since=datetime(2016, 3, 10, tzinfo=UTC), until=datetime(2016, 3, 11, tzinfo=UTC))
    assert march and all(
        i["end"] >= datetime(2016, 3, 10, tzinfo=UTC) > i["start"] - timedelta(days=1)
        for i in march
    )
    assert page(source="UCDP GED") == everything and page(source="ACLED") == []
    coded = [ucdp.kind_of(r["type_of_violence"], r["source_headline"])[0] for r in ROWS]
    attacks = page(event_type="Violence against civilians")
    assert attacks and len(attacks) == coded.count("Violence against civilians")
    # The feed: only what changed since, oldest change first.
    with truce.uow() as uow:
        mark = uow.now()
    later = mark + timedelta(seconds=1)
    with truce.uow(clock=lambda: later) as uow:
        cmd = incidents.MergeIncidents(month.incident_of(PROTECTED), (month.incident_of(MIXED),))
        incidents.merge_incidents(cmd, uow, actor=month.actors["monitor"])
    changed = page(updated_since=later)
    assert [i["id"] for i in changed] == [month.incident_of(PROTECTED)]
    with truce.uow(write=False) as uow:
        assert len(incidents.tombstones_page(uow, since=later).items) == 1
        assert incidents.tombstones_page(uow, since=later + timedelta(seconds=1)).items == []


def test_a_correction_joins_the_report_it_corrects_and_speaks_for_its_source(
    month: Month,
) -> None:
    with month.truce.uow() as uow:
        incidents.link_reports(uow)
        original = uow.reports.get(month.report_of[EXCLUDED])
        assert original is not None and original.draft.lat is not None
        draft = replace(
            original.draft,
            channel="api",
            source_ref=f"{original.draft.source_ref}-corrected",
            lat=original.draft.lat + 0.3,  # far enough that the linker alone would not join them
            casualties={("killed", "civilians"): Figure(best=9)},
            amends_id=original.id,
            received_at=None,
        )
        correction = reports.file_report(draft, uow, actor=month.actors["monitor"]).report.id
    target = month.incident_of(EXCLUDED)
    assert month_incident(month, correction) == target
    found = detail(month, target)
    assert [r["id"] for r in found["reports"]] == [month.report_of[EXCLUDED], correction]
    assert found["reports"][1]["link"]["linked_to"] == month.report_of[EXCLUDED]
    assert found["killed"] == {"low": 9, "best": 9, "high": 9}  # the correction's count
    assert found["report_count"] == 2


def test_an_import_puts_its_reports_into_incidents(truce: Truce) -> None:
    month = ucdp_month(truce, link=True)
    assert count(truce, IncidentReportRow) == len(ROWS) == count(truce, IncidentRow)
    assert detail(month, month.incident_of(PROTECTED))["outcome"] == "allegation"
    again = imports.import_file(imports.ImportFile(MONTH_FILE, "ucdp"), truce.uow, actor=SYSTEM)
    assert again.already and count(truce, IncidentRow) == len(ROWS)
